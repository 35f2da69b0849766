"""corpus.db metadata evidence columns: present in new files, added to old ones, filled by the clean job."""

from __future__ import annotations

import json
import sqlite3

from cleaning.pipeline import ListedAs, PageInput, clean_page
from db.corpus import CorpusStore
from db.raw import RawPageRow
from db.schema import CORPUS_ADDED_COLUMNS, CORPUS_DDL, CORPUS_SCHEMA_VERSION
from jobs.clean import document_row

META_COLUMNS = set(CORPUS_ADDED_COLUMNS["meta_evidence"]["documents"])
PARA = "为进一步弘扬社会工作专业精神，提升社会工作的社会认同，营造社会工作事业发展的良好氛围，现将有关事项通知如下。"
PAGE = (
    "<html><head><title>青州市民政局</title></head><body><h1>青州市民政局</h1>"
    '<div class="location">当前位置：首页 &gt; 通知公告</div><h2>关于开展社会工作宣传周活动的通知</h2>'
    "<div class='info'>索引号：000014349/2024-00222 文号：青民发〔2024〕12号 发布时间：2024-03-05</div>"
    f"<div><p>{PARA}</p><p>{PARA}</p><p>青州市民政局</p><p>2024年3月1日</p></div>"
    "<div>（责任编辑：王晗）</div></body></html>"
)


def columns(path) -> set[str]:
    conn = sqlite3.connect(path)
    try:
        return {row[1] for row in conn.execute("PRAGMA table_info(documents)")}
    finally:
        conn.close()


def test_an_old_corpus_db_gains_the_columns_and_keeps_its_rows(tmp_path):
    path = tmp_path / "corpus.db"
    conn = sqlite3.connect(path)
    conn.executescript(CORPUS_DDL)  # the documents table as released, without the added columns
    conn.execute(f"PRAGMA user_version = {CORPUS_SCHEMA_VERSION}")
    conn.execute(
        "INSERT INTO documents (id, raw_page_id, url, site_id, title, text, text_hans, content_hash, raw_sha256, "
        "pipeline_version, first_seen, last_seen) VALUES ('d', 'p', 'u', 's', 't', 'x', 'x', 'h', 'r', 'v', 'a', 'b')"
    )
    conn.commit()
    conn.close()
    assert not META_COLUMNS & columns(path)
    CorpusStore(path).close()
    assert META_COLUMNS <= columns(path)
    conn = sqlite3.connect(path)
    assert conn.execute("SELECT id, date_candidates, published_at_source FROM documents").fetchall() == [
        ("d", "[]", None)
    ]
    conn.close()
    CorpusStore(path).close()  # opening again changes nothing
    assert META_COLUMNS <= columns(path)


def test_clean_job_stores_the_evidence(tmp_path):
    page = RawPageRow(id="p", url="http://mzj.example/tzgg/202403/t20240304_1.html", site_id="s", final_url=None,
                      status=200, headers={"content-type": "text/html; charset=utf-8"}, body=PAGE.encode(),
                      sha256="r", error=None, first_seen="a", last_seen="b")  # fmt: skip
    result = clean_page(PageInput(url=page.url, body=page.body, headers=page.headers,
                                  listed=ListedAs(title="关于做好困难群众走访慰问工作的通知", date="2024-03-05")))  # fmt: skip
    row = document_row(page, result, result.documents[0])
    assert (row["title"], row["published_at"], row["published_at_source"]) == (
        "关于开展社会工作宣传周活动的通知", "2024-03-05", "label")  # fmt: skip
    assert (row["doc_number"], row["index_number"], row["editor"]) == (
        "青民发〔2024〕12号",
        "000014349/2024-00222",
        "王晗",
    )
    sources = {(c["date"], c["source"]) for c in json.loads(row["date_candidates"])}
    assert {
        ("2024-03-05", "listed"),
        ("2024-03-05", "label"),
        ("2024-03-01", "signature"),
        ("2024-03-04", "url"),
    } <= sources
    assert "listed_title_mismatch" in json.loads(row["flags"])
    store = CorpusStore(tmp_path / "corpus.db")
    assert store.upsert_documents(["p"], [row])["inserted"] == 1
    stored = next(store.db.query("SELECT * FROM documents"))
    assert {k: stored[k] for k in META_COLUMNS} == {k: row[k] for k in META_COLUMNS}
    assert store.upsert_documents(["p"], [row])["unchanged"] == 1
