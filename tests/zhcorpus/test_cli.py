"""The zhcorpus command: contracts of export, sites check and error handling (no crawl needed)."""

import json

import pyarrow.parquet as pq
import pytest

from db.corpus import CorpusStore
from zhcorpus.cli import main


@pytest.fixture
def data_dir(tmp_path, make_document):
    def doc(doc_id, content_hash, first_seen):
        return make_document(
            doc_id,
            issuer="青州市民政局",
            doc_number="青民发〔2024〕3号",
            content_hash=content_hash,
            first_seen=first_seen,
        )

    store = CorpusStore(tmp_path / "corpus.db")
    store.upsert_documents(["a"], [doc("a", "same", "2026-01-01")])
    store.upsert_documents(["b"], [doc("b", "same", "2026-02-01")])
    store.upsert_documents(["c"], [doc("c", "other", "2026-03-01")])
    store.close()
    return tmp_path


def test_export_jsonl_all_and_canonical_only(data_dir, capsys):
    store = CorpusStore(data_dir / "corpus.db")
    store.db.execute("UPDATE documents SET is_canonical = 0, cluster_id = 'a' WHERE id = 'b'")
    store.close()
    assert main(["--data", str(data_dir), "export"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [r["id"] for r in rows] == ["a", "b", "c"]
    assert rows[0]["attachments"] == [] and rows[0]["doc_number"] == "青民发〔2024〕3号"
    assert main(["--data", str(data_dir), "export", "--canonical-only"]) == 0
    assert [json.loads(line)["id"] for line in capsys.readouterr().out.splitlines()] == ["a", "c"]


def test_export_parquet_needs_a_file(data_dir, tmp_path, capsys):
    assert main(["--data", str(data_dir), "export", "--format", "parquet"]) == 1
    assert "give --output" in capsys.readouterr().err
    out = tmp_path / "corpus.parquet"
    assert main(["--data", str(data_dir), "export", "--format", "parquet", "-o", str(out)]) == 0
    table = pq.read_table(out)
    assert table.num_rows == 3 and "text_hans" in table.column_names


def test_stats_on_missing_data_is_one_clear_line(tmp_path, capsys):
    assert main(["--data", str(tmp_path / "nowhere"), "stats"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("zhcorpus: error:") and "does not exist" in err[0]


def test_sites_check_reports_problems_and_exits_nonzero(tmp_path, capsys):
    bad = tmp_path / "sites.yaml"
    bad.write_text("sites:\n  - id: Bad_Id\n    name: x\n    colour: red\n", encoding="utf-8")
    assert main(["--registry", str(bad), "sites", "check"]) == 1
    out, err = capsys.readouterr()
    assert "Bad_Id" in out and "colour" in out  # the findings are the command's data
    assert err.strip().count("\n") == 0 and err.startswith("zhcorpus: error:")
    assert main(["sites", "check"]) == 0


def test_search_rejects_an_empty_query(data_dir, capsys):
    assert main(["--data", str(data_dir), "search", "  "]) == 1
    assert "empty search query" in capsys.readouterr().err
