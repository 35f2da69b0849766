"""corpus.db: idempotent upserts, withdrawn notices and parts, version history, last_seen, trigram search."""

import pytest

from db.corpus import CorpusStore


@pytest.fixture
def doc(make_document):
    """doc(id, page_id, text, content_hash, **overrides): a row of raw page `page_id`."""

    def build(doc_id, page_id, text, content_hash, **overrides):
        return make_document(doc_id, text, raw_page_id=page_id, content_hash=content_hash, **overrides)

    return build


def test_upsert_is_idempotent(tmp_path, doc):
    store = CorpusStore(tmp_path / "corpus.db")
    docs = [doc("p1", "p1", "各街道民政科：现将养老服务补贴申领事项通知如下。", "h1")]
    assert store.upsert_documents(["p1"], docs)["inserted"] == 1
    before = list(store.db.query("SELECT rowid, * FROM documents"))
    assert store.upsert_documents(["p1"], docs) == {
        "inserted": 0,
        "updated": 0,
        "unchanged": 1,
        "withdrawn": 0,
        "versions_kept": 0,
    }
    assert list(store.db.query("SELECT rowid, * FROM documents")) == before


def test_parts_that_disappear_are_withdrawn_not_deleted(tmp_path, doc):
    store = CorpusStore(tmp_path / "corpus.db")
    store.upsert_documents(["p"], [doc("p-p1", "p", "一", "a", part=1), doc("p-p2", "p", "二", "b", part=2)])
    counts = store.upsert_documents(["p"], [doc("p-p1", "p", "一", "a", part=1)], seen_at={"p": "2026-04-01"})
    assert counts["withdrawn"] == 1
    rows = {r["id"]: r for r in store.db.query("SELECT * FROM documents")}
    assert rows["p-p2"]["withdrawn_at"] == "2026-04-01" and rows["p-p2"]["withdrawn_reason"] == "part_gone"
    assert rows["p-p2"]["text"] == "二" and rows["p-p2"]["is_canonical"] == 0
    assert rows["p-p1"]["withdrawn_at"] is None
    (kept,) = store.db.query("SELECT * FROM document_versions")
    assert kept["id"] == "p-p2" and kept["text"] == "二" and kept["replaced_at"] == "2026-04-01"
    assert [r["id"] for r in store.db.query("SELECT id FROM canonical_documents")] == ["p-p1"]
    # Withdrawing again changes nothing; the stats tell live documents from withdrawn ones.
    assert store.upsert_documents(["p"], [doc("p-p1", "p", "一", "a", part=1)])["withdrawn"] == 0
    stats = store.stats()
    assert stats["documents"] == 1 and stats["withdrawn"] == 1 and stats["canonical_documents"] == 1


def test_an_emptied_page_withdraws_its_notice_with_the_drop_reason_and_it_can_come_back(tmp_path, doc):
    store = CorpusStore(tmp_path / "corpus.db")
    notice = doc("p1", "p1", "关于开展养老服务补贴申领工作的通知正文", "h1")
    store.upsert_documents(["p1"], [notice])
    counts = store.upsert_documents(["p1"], [], withdrawn={"p1": "no_content"}, seen_at={"p1": "2026-05-01"})
    assert counts == {"inserted": 0, "updated": 0, "unchanged": 0, "withdrawn": 1, "versions_kept": 0}
    (row,) = store.db.query("SELECT * FROM documents")
    assert (row["withdrawn_at"], row["withdrawn_reason"], row["text"]) == ("2026-05-01", "no_content", notice["text"])
    assert store.db.execute("SELECT COUNT(*) FROM canonical_documents").fetchone()[0] == 0
    assert [r["text"] for r in store.db.query("SELECT text FROM document_versions")] == [notice["text"]]
    # The page yields the notice again: it is live again (an update), the kept version stays.
    assert store.upsert_documents(["p1"], [notice])["updated"] == 1
    (row,) = store.db.query("SELECT * FROM documents")
    assert row["withdrawn_at"] is None and row["withdrawn_reason"] is None
    assert store.db.execute("SELECT COUNT(*) FROM document_versions").fetchone()[0] == 1


def test_an_old_corpus_db_gains_the_withdrawal_columns_and_the_new_view(tmp_path, doc):
    import sqlite3

    path = tmp_path / "corpus.db"
    store = CorpusStore(path)
    store.upsert_documents(["p1"], [doc("p1", "p1", "通知正文内容", "h1")])
    store.close()
    # What the previous release left: no withdrawal columns, the view without its withdrawn filter.
    conn = sqlite3.connect(path)
    conn.executescript(
        """DROP VIEW canonical_documents;
           ALTER TABLE documents DROP COLUMN withdrawn_at; ALTER TABLE documents DROP COLUMN withdrawn_reason;
           CREATE VIEW canonical_documents AS SELECT * FROM documents WHERE is_canonical = 1;"""
    )
    conn.close()
    reader = CorpusStore(path, readonly=True)  # stats and search open read-only: they upgrade first
    assert reader.stats()["withdrawn"] == 0
    reader.close()
    conn = sqlite3.connect(path)
    (view,) = conn.execute("SELECT sql FROM sqlite_master WHERE name = 'canonical_documents'").fetchone()
    assert "withdrawn_at IS NULL" in view
    assert conn.execute("SELECT withdrawn_at FROM documents").fetchall() == [(None,)]
    conn.close()


def test_changed_source_keeps_the_old_version(tmp_path, doc):
    store = CorpusStore(tmp_path / "corpus.db")
    store.upsert_documents(["p1"], [doc("p1", "p1", "原通知正文", "h1")])
    changed = doc("p1", "p1", "更正后的通知正文", "h2", raw_sha256="y", last_seen="2026-03-01")
    assert store.upsert_documents(["p1"], [changed])["versions_kept"] == 1
    (old,) = store.db.query("SELECT * FROM document_versions")
    assert old["text"] == "原通知正文" and old["replaced_at"] == "2026-03-01"
    # A re-clean that only changes the pipeline's output (same raw bytes) is not a new version of the notice.
    again = dict(changed, text="更正后的通知正文。", content_hash="h3")
    assert store.upsert_documents(["p1"], [again])["versions_kept"] == 0


def test_trigram_search_and_short_query_fallback(tmp_path, doc):
    store = CorpusStore(tmp_path / "corpus.db")
    store.upsert_documents(["p1"], [doc("p1", "p1", "做好最低生活保障资金发放工作", "h1")])
    store.upsert_documents(["p2"], [doc("p2", "p2", "婚姻登记服务时间调整", "h2", title="婚姻登记公告")])
    assert [h["id"] for h in store.search("生活保障")] == ["p1"]
    assert "【" in store.search("生活保障")[0]["snippet"]
    assert [h["id"] for h in store.search("婚姻")] == ["p2"]  # two characters: LIKE fallback
    assert store.search("不存在的词语") == []


def test_touch_last_seen_only_moves_forward(tmp_path, doc):
    store = CorpusStore(tmp_path / "corpus.db")
    store.upsert_documents(["p1"], [doc("p1", "p1", "通知正文", "h1", first_seen="2026-01-01")])
    assert store.touch_last_seen({"p1": "2025-12-31"}) == 0
    assert store.touch_last_seen({"p1": "2026-02-01", "gone": "2026-02-01"}) == 1
    assert [r["last_seen"] for r in store.db.query("SELECT last_seen FROM documents")] == ["2026-02-01"]
