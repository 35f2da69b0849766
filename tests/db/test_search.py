"""Search for every reader of corpus.db: one- and two-character terms in plain SQL, datasette, the view."""

import asyncio
import sqlite3
from pathlib import Path

import pytest
import yaml
from datasette.app import Datasette

from db import search
from db.corpus import CorpusStore

DATASETTE_YML = Path(__file__).resolve().parents[2] / "db" / "datasette.yml"
TEXTS = {
    "a": ("关于做好临时救助工作的通知", "各区县民政局：现就做好临时救助工作通知如下。"),
    "b": ("婚姻登记服务时间调整公告", "婚姻登记处春节期间暂停办理业务。"),
    "c": ("社会组织年检结果公示", "经审核，下列社会组织年检合格。民政局"),
    "d": ("临时救助资金发放情况", "本季度发放临时救助资金。"),  # a repost of a: not canonical
}


@pytest.fixture
def corpus(tmp_path, make_document):
    store = CorpusStore(tmp_path / "corpus.db")
    for doc_id, (title, text) in TEXTS.items():
        store.upsert_documents([doc_id], [make_document(doc_id, text, title=title)])
    store.db.execute("UPDATE documents SET is_canonical = 0, cluster_id = 'a' WHERE id = 'd'")
    store.close()
    return tmp_path / "corpus.db"


def plain_sql(path: Path, sql: str, params=()) -> list:
    """Run SQL with the standard library's sqlite3 only: no project code, no extension."""
    conn = sqlite3.connect(path)
    try:
        return sorted(row[0] for row in conn.execute(sql, params))
    finally:
        conn.close()


SHORT = """SELECT d.id FROM documents_short_fts s JOIN documents d ON d.rowid = s.rowid
           WHERE documents_short_fts MATCH ?"""


def test_two_character_terms_hit_in_plain_sql(corpus):
    assert plain_sql(corpus, SHORT, ['"救助"']) == ["a", "d"]
    assert plain_sql(corpus, SHORT, ["救助"]) == ["a", "d"], "a bare term works too"
    assert plain_sql(corpus, SHORT, ['"民政"']) == ["a", "c"]
    assert plain_sql(corpus, SHORT, ['"婚姻"']) == ["b"], "titles are indexed"
    assert plain_sql(corpus, SHORT, ['"民政" AND "救助"']) == ["a"]
    assert plain_sql(corpus, SHORT, ['"政局"']) == ["a", "c"], "every adjacent pair, not words"
    assert plain_sql(corpus, SHORT, ['"救工"']) == [], "no pair that is not adjacent in the text"
    # the trigram index alone finds nothing for two characters: what the short index is for
    trigram = "SELECT rowid FROM documents_fts WHERE documents_fts MATCH ?"
    assert plain_sql(corpus, trigram, ['"救助"']) == []


def test_one_character_terms_and_the_canonical_view(corpus):
    assert plain_sql(corpus, SHORT, ['"婚"']) == ["b"]
    canonical = """SELECT id FROM canonical_documents
                   WHERE rowid IN (SELECT rowid FROM documents_short_fts WHERE documents_short_fts MATCH ?)"""
    assert plain_sql(corpus, canonical, ['"救助"']) == ["a"]
    long = """SELECT id FROM canonical_documents
              WHERE rowid IN (SELECT rowid FROM documents_fts WHERE documents_fts MATCH ?)"""
    assert plain_sql(corpus, long, ['"临时救助"']) == ["a"]


def test_any_length_statement_of_schema_md(corpus):
    sql = """SELECT id FROM documents WHERE rowid IN (
        SELECT rowid FROM documents_fts WHERE length(:q) >= 3 AND documents_fts MATCH '"' || :q || '"'
        UNION ALL
        SELECT rowid FROM documents_short_fts WHERE length(:q) < 3 AND documents_short_fts MATCH '"' || :q || '"')"""
    assert plain_sql(corpus, sql, {"q": "救助"}) == ["a", "d"]
    assert plain_sql(corpus, sql, {"q": "临时救助"}) == ["a", "d"]
    assert plain_sql(corpus, sql, {"q": "年检结果"}) == ["c"]
    assert plain_sql(corpus, sql, {"q": "组"}) == ["c"]


def test_updates_and_withdrawals_keep_the_short_index_in_step(tmp_path, make_document):
    store = CorpusStore(tmp_path / "corpus.db")
    store.upsert_documents(["p"], [make_document("p-p1", "低保金发放", raw_page_id="p", part=1)])
    store.upsert_documents(["p"], [make_document("p-p1", "残疾人补贴", raw_page_id="p", part=1)])
    path = tmp_path / "corpus.db"
    assert plain_sql(path, SHORT, ['"低保"']) == []
    assert plain_sql(path, SHORT, ['"补贴"']) == ["p-p1"]
    store.upsert_documents(["p"], [])  # the page no longer yields the part: withdrawn, still in documents
    assert plain_sql(path, SHORT, ['"补贴"']) == ["p-p1"], "indexed while its row exists, like documents_fts"
    assert store.search("补贴") == [] and store.search("残疾人补贴") == [], "search leaves withdrawn notices out"
    assert [h["id"] for h in store.search("补贴", include_withdrawn=True)] == ["p-p1"]
    assert [h["id"] for h in store.search("残疾人补贴", include_withdrawn=True)] == ["p-p1"]
    store.upsert_documents(["p"], [make_document("p-p1", "残疾人补贴", raw_page_id="p", part=1)])  # back
    assert [h["id"] for h in store.search("补贴")] == ["p-p1"]
    # an integrity check of the contentless index: what it holds is exactly what was inserted
    store.db.execute(f"INSERT INTO {search.SHORT_FTS_TABLE} ({search.SHORT_FTS_TABLE}) VALUES ('integrity-check')")


def test_zhcorpus_search_uses_the_short_index(corpus):
    store = CorpusStore(corpus, readonly=True)
    hits = store.search("救助")
    assert [h["id"] for h in hits] == ["a", "d"] and "【救助】" in hits[0]["snippet"]
    assert [h["id"] for h in store.search("救助", canonical_only=True)] == ["a"]
    assert [h["id"] for h in store.search("临时救助", canonical_only=True)] == ["a"]
    assert store.search("低保") == []


def test_an_old_corpus_db_gains_the_short_index(tmp_path, make_document):
    path = tmp_path / "corpus.db"
    store = CorpusStore(path)
    store.upsert_documents(["a"], [make_document("a", TEXTS["a"][1], title=TEXTS["a"][0])])
    store.close()
    # as a release before the short index left it: no table, no version, the old view
    conn = sqlite3.connect(path)
    conn.execute("DROP TABLE documents_short_fts")
    for column in ("may_hold", "role", "host_anchors"):  # the on-disk dedup index came with the same release
        conn.execute(f"ALTER TABLE dedup_signatures DROP COLUMN {column}")
    conn.execute("DELETE FROM dedup_state WHERE key = 'short_fts_version'")
    conn.execute("DROP VIEW canonical_documents")
    conn.execute("CREATE VIEW canonical_documents AS SELECT * FROM documents WHERE is_canonical = 1")
    conn.execute("PRAGMA user_version = 2")
    conn.commit()
    conn.close()
    CorpusStore(path).close()
    assert plain_sql(path, SHORT, ['"救助"']) == ["a"]
    assert plain_sql(path, "SELECT rowid FROM canonical_documents", []) == plain_sql(
        path, "SELECT rowid FROM documents", []
    )


def test_short_tokens():
    assert search.short_tokens("民政局") == " 民 民政 政 政局 局 "
    assert search.short_tokens("2024年低保") == "2024 年 年低 低 低保 保 "
    assert search.short_tokens("Q&A：救助") == "Q&A： 救 救助 助 "


def test_datasette_finds_short_terms(corpus):
    """datasette, with db/datasette.yml: the canned queries take any length; the table search box the trigram
    index; the canonical view is searchable."""
    metadata = yaml.safe_load(DATASETTE_YML.read_text(encoding="utf-8"))

    async def get(path: str) -> list[dict]:
        ds = Datasette([str(corpus)], metadata=metadata)
        response = await ds.client.get(path)
        assert response.status_code == 200, response.text
        return response.json()

    def ids(path: str) -> list[str]:
        return sorted(row["id"] for row in asyncio.run(get(path)))

    assert ids("/corpus/search.json?q=救助&_shape=array") == ["a", "d"]
    assert ids("/corpus/search.json?q=婚&_shape=array") == ["b"]
    assert ids("/corpus/search.json?q=社会组织&_shape=array") == ["c"]
    assert ids("/corpus/search_canonical.json?q=救助&_shape=array") == ["a"]
    assert ids("/corpus/canonical_documents.json?_search=临时救助&_shape=array") == ["a"]
    assert ids("/corpus/documents.json?_search=临时救助&_shape=array") == ["a", "d"]
