"""No single page stops the clean stage: each page's failure is its own drop reason, stored with the exception."""

import json
import sqlite3

import pytest

import jobs.clean
from crawlers.sites import load_registry
from db.raw import RawFetch
from jobs.clean import clean_pages, plan_clean
from jobs.config import DataPaths
from jobs.stats import corpus_stats

GOOD_PAGES = 6
# A UTF-16 byte-order mark and an odd byte count: decoding it used to raise inside the template refresh.
ODD_UTF16 = b"\xff\xfe" + "<html><body><p>关于开展社会救助工作的通知</p></body></html>".encode("utf-16-le") + b"<"
POISON = "毒药页面的特殊标记"  # pages holding this make the patched step raise


def notice(n: int, extra: str = "") -> bytes:
    return f"""<html><head><title>关于开展第{n}批社会救助工作的通知</title></head><body><div class="content">
<h1>关于开展第{n}批社会救助工作的通知</h1><p>各区县民政局：</p>
<p>为进一步做好第{n}批社会救助工作，切实保障困难群众基本生活，现就有关事项通知如下。一、加强组织领导，
压实工作责任。二、做好困难群众排查，确保应救尽救。{extra}</p><p>青州市民政局</p><p>2024年3月{n}日</p>
</div></body></html>""".encode()


def store(paths: DataPaths, bodies: dict[str, bytes], site: str = "site-a") -> None:
    raw = paths.raw().open_site(site)
    try:
        for name, body in bodies.items():
            url = f"http://{site}.example/tzgg/{name}.html"
            raw.record_fetch(
                RawFetch("run1", site, "detail", url, url, 200, {"content-type": "text/html"}, body, "2026-01-01")
            )
    finally:
        raw.close()


def clean_all(paths: DataPaths):
    registry = load_registry()
    plan = plan_clean(paths, registry)
    return plan, clean_pages(paths, plan.page_ids, registry, batch_size=4)


def statuses(paths: DataPaths, site: str = "site-a") -> dict[str, tuple]:
    conn = sqlite3.connect(paths.raw().site_path(site))
    try:
        sql = """SELECT p.url, c.outcome, c.drop_reason, c.error FROM clean_status c JOIN raw_pages p ON p.id = c.page_id"""
        return {url.rsplit("/", 1)[1]: (outcome, reason, error) for url, outcome, reason, error in conn.execute(sql)}
    finally:
        conn.close()


@pytest.fixture
def paths(tmp_path) -> DataPaths:
    paths = DataPaths(tmp_path)
    store(paths, {f"n{i}": notice(i) for i in range(1, GOOD_PAGES + 1)} | {"odd-utf16": ODD_UTF16})
    return paths


def test_an_odd_utf16_page_no_longer_stops_the_stage(paths):
    plan, summary = clean_all(paths)
    assert summary.pages == GOOD_PAGES + 1
    got = statuses(paths)
    assert all(got[f"n{i}.html"][0] == "documents" for i in range(1, GOOD_PAGES + 1))
    assert got["odd-utf16.html"][0] in ("documents", "dropped") and got["odd-utf16.html"][2] is None
    assert not plan.templates.errors


def test_a_page_that_breaks_decoding_in_the_template_refresh_is_left_out_and_counted(paths, monkeypatch):
    real = jobs.clean.decode_bytes

    def decode(body, content_type=None, hint=None):
        if POISON.encode() in body:
            raise UnicodeDecodeError("utf-16-le", body, 0, 1, "truncated data")
        return real(body, content_type, hint)

    store(paths, {"poison": notice(99, POISON)})
    monkeypatch.setattr(jobs.clean, "decode_bytes", decode)
    plan, summary = clean_all(paths)
    assert plan.templates.errors == {"UnicodeDecodeError": 1}
    assert plan.templates.pages == {"site-a": GOOD_PAGES + 1}  # every other page still taught the template
    assert summary.documents["inserted"] >= GOOD_PAGES


def test_a_page_that_breaks_template_learning_is_left_out_of_it(paths, monkeypatch):
    real = jobs.clean.learn_site_template

    def learn(pages, **kwargs):
        pages = list(pages)
        if any(POISON in page for page in pages):
            raise RecursionError("maximum recursion depth exceeded")
        return real(pages, **kwargs)

    store(paths, {"poison": notice(99, POISON)})
    monkeypatch.setattr(jobs.clean, "learn_site_template", learn)
    plan, summary = clean_all(paths)
    assert plan.templates.errors == {"RecursionError": 1}
    assert plan.templates.pages == {"site-a": GOOD_PAGES + 2}  # sampled, then left out of learning alone
    assert statuses(paths)["poison.html"][0] == "documents"  # cleaning the page itself is fine


def test_a_page_that_breaks_cleaning_gets_internal_error_with_its_exception(paths, monkeypatch):
    real = jobs.clean.document_row

    def row(page, result, doc):
        if POISON in doc.text:
            raise KeyError("attachments")
        return real(page, result, doc)

    store(paths, {"poison": notice(99, POISON)})
    monkeypatch.setattr(jobs.clean, "document_row", row)
    _, summary = clean_all(paths)
    assert statuses(paths)["poison.html"] == ("dropped", "internal_error", "KeyError: 'attachments'")
    assert summary.drops == {"internal_error": 1} and summary.errors == {"KeyError": 1}
    assert summary.as_dict()["internal_errors"] == {"KeyError": 1}
    assert sum(1 for s in statuses(paths).values() if s[0] == "documents") >= GOOD_PAGES
    stats = corpus_stats(paths)
    assert stats["internal_errors"] == {"KeyError": 1} and stats["drops"]["internal_error"] == 1


def test_a_clean_page_bug_is_stored_with_its_exception_type(paths, monkeypatch):
    import cleaning.pipeline

    real = cleaning.pipeline._clean_page

    def broken(page, max_bytes):
        if POISON.encode() in page.body:
            raise ValueError("Invalid IPv6 URL")
        return real(page, max_bytes)

    store(paths, {"poison": notice(99, POISON)})
    monkeypatch.setattr(cleaning.pipeline, "_clean_page", broken)
    clean_all(paths)
    assert statuses(paths)["poison.html"] == ("dropped", "internal_error", "ValueError: Invalid IPv6 URL")


def test_a_document_sqlite_cannot_store_costs_its_page_only(paths, monkeypatch):
    real = jobs.clean.document_row

    def row(page, result, doc):
        out = real(page, result, doc)
        if POISON in doc.text:
            out["title"] = "\ud800" + out["title"]  # a lone surrogate: SQLite's UTF-8 encoding refuses it
        return out

    store(paths, {"poison": notice(99, POISON)})
    monkeypatch.setattr(jobs.clean, "document_row", row)
    _, summary = clean_all(paths)
    outcome, reason, error = statuses(paths)["poison.html"]
    assert (outcome, reason) == ("dropped", "internal_error") and error.startswith("UnicodeEncodeError")
    assert summary.documents["inserted"] == GOOD_PAGES + 1  # the odd UTF-16 page yields one too


def test_the_batch_write_falls_back_to_page_by_page_when_a_row_is_refused(paths, monkeypatch):
    """A refusal only the database notices (not caught per page) still costs one page, never the batch."""
    from db.corpus import CorpusStore

    real = CorpusStore.upsert_documents

    def upsert(self, page_ids, documents, **kwargs):
        if any(POISON in d["text"] for d in documents):
            raise TypeError("Error binding parameter 7: type 'list' is not supported")
        return real(self, page_ids, documents, **kwargs)

    store(paths, {"poison": notice(99, POISON)})
    monkeypatch.setattr(CorpusStore, "upsert_documents", upsert)
    _, summary = clean_all(paths)
    got = statuses(paths)
    assert got["poison.html"][:2] == ("dropped", "internal_error") and got["poison.html"][2].startswith("TypeError")
    assert sum(1 for s in got.values() if s[0] == "documents") == GOOD_PAGES + 1
    assert summary.errors == {"TypeError": 1}


def test_a_database_failure_still_stops_the_stage(paths, monkeypatch):
    from db.corpus import CorpusStore

    def upsert(self, page_ids, documents, **kwargs):
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(CorpusStore, "upsert_documents", upsert)
    with pytest.raises(sqlite3.OperationalError):
        clean_all(paths)


def test_a_withdrawn_notice_keeps_its_text_and_is_marked(paths):
    clean_all(paths)
    store(paths, {"n1": b"<html><body><p>\xe5\xb7\xb2\xe6\x92\xa4\xe9\x94\x80</p></body></html>"})  # 已撤销
    _, summary = clean_all(paths)
    assert summary.documents["withdrawn"] == 1
    conn = sqlite3.connect(paths.corpus_db)
    try:
        (row,) = conn.execute(
            "SELECT withdrawn_at, withdrawn_reason, text FROM documents WHERE url LIKE '%/n1.html'"
        ).fetchall()
        versions = conn.execute("SELECT text FROM document_versions").fetchall()
        live = conn.execute("SELECT COUNT(*) FROM canonical_documents WHERE url LIKE '%/n1.html'").fetchone()[0]
    finally:
        conn.close()
    assert row[0] == "2026-01-01" and row[1] == "no_content" and "第1批社会救助" in row[2]
    assert [v[0] for v in versions] == [row[2]] and live == 0
    assert json.loads(json.dumps(corpus_stats(paths)["withdrawn"])) == 1
