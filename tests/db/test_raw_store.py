"""raw.db: outcomes of fetches, history kept on change, failures never overwrite good bodies."""

import sqlite3

from db.raw import RawFetch, RawStore

URL = "http://mzj.qingzhou.example/tzgg/202403/t20240305_1.html"


def fetch(status=200, body=b"<html>v1</html>", url=URL, error=None, headers=None):
    return RawFetch(
        "run1",
        "qingzhou-mzj",
        "detail",
        url,
        url,
        status,
        headers or {"ETag": '"a"'},
        body,
        "2026-01-01T00:00:00+00:00",
        error,
    )


def test_outcomes_sequence(tmp_path):
    store = RawStore(tmp_path / "raw.db")
    assert store.record_fetch(fetch()) == "new"
    assert store.record_fetch(fetch()) == "unchanged"
    assert store.record_fetch(fetch(status=304, body=None)) == "not_modified"
    assert store.record_fetch(fetch(body=b"<html>v2</html>")) == "changed"
    assert store.record_fetch(fetch(status=500, body=b"oops")) == "error"
    (page_id,) = list(store.stale_page_reasons("v1"))
    (page,) = store.pages([page_id])
    assert page.body == b"<html>v2</html>", "a 500 must not overwrite the good body"
    assert [h["body"] for h in store.history(page_id)] == [b"<html>v1</html>"]
    counts = store.run_counts("run1")["qingzhou-mzj"]
    assert counts["detail_pages_new"] == 1 and counts["detail_pages_changed"] == 1
    assert counts["not_modified"] == 1 and counts["errors"] == 1


def test_known_pages_keyed_by_canonical_url(tmp_path):
    store = RawStore(tmp_path / "raw.db")
    store.record_fetch(fetch(url="http://a.example/x?b=2&a=1#top"))
    known = store.known_pages("qingzhou-mzj")
    assert list(known) == ["http://a.example/x?a=1&b=2"]
    assert known["http://a.example/x?a=1&b=2"].etag == '"a"'


def test_failure_without_response_is_kept_with_reason(tmp_path):
    store = RawStore(tmp_path / "raw.db")
    assert store.record_fetch(fetch(status=None, body=None, error="too_large")) == "error"
    (page,) = store.pages(list(store.stale_page_reasons("v1")))
    assert page.body is None and page.error == "too_large"


def test_stale_pages_follow_version_and_bytes(tmp_path):
    store = RawStore(tmp_path / "raw.db")
    store.record_fetch(fetch())
    (page_id,) = list(store.stale_page_reasons("v1"))
    (page,) = store.pages([page_id])
    store.record_clean_outcomes(
        [
            {
                "page_id": page_id,
                "raw_sha256": page.sha256,
                "pipeline_version": "v1",
                "outcome": "documents",
                "drop_reason": None,
                "document_ids": "[]",
                "cleaned_at": "t",
            }
        ]
    )
    assert list(store.stale_page_reasons("v1")) == []
    assert list(store.stale_page_reasons("v2")) == [page_id]
    assert list(store.stale_page_reasons("v1", reprocess=True)) == [page_id]
    store.record_fetch(fetch(body=b"<html>v2</html>"))
    assert list(store.stale_page_reasons("v1")) == [page_id]


def outcome(page_id, sha256, *, version="v1", digest=""):
    return {
        "page_id": page_id,
        "raw_sha256": sha256,
        "pipeline_version": version,
        "outcome": "documents",
        "drop_reason": None,
        "document_ids": "[]",
        "cleaned_at": "t",
        "template_digest": digest,
    }


def two_sites(store):
    """Store one page of qingzhou-mzj and one of another site; return {site: (page_id, sha256)}."""
    store.record_fetch(fetch())
    other = RawFetch(
        "run1", "other", "detail", "http://b.example/1.html", None, 200, {}, b"<html>b</html>", "2026-01-01", None
    )
    store.record_fetch(other)
    return {p.site_id: (p.id, p.sha256) for p in store.pages(list(store.stale_page_reasons("v1")))}


def test_stale_reasons_name_the_first_cause(tmp_path):
    store = RawStore(tmp_path / "raw.db")
    pages = two_sites(store)
    (a_id, a_sha), (b_id, b_sha) = pages["qingzhou-mzj"], pages["other"]
    assert store.stale_page_reasons("v1") == {a_id: "new", b_id: "new"}
    store.record_clean_outcomes([outcome(a_id, a_sha, version="v0"), outcome(b_id, b_sha)])
    assert store.stale_page_reasons("v1") == {a_id: "pipeline"}
    store.record_fetch(fetch(body=b"<html>v2</html>"))
    assert store.stale_page_reasons("v1") == {a_id: "raw_changed"}
    assert store.stale_page_reasons("v1", sites=["other"], reprocess=True) == {b_id: "reprocess"}


def test_template_digest_makes_only_that_sites_pages_stale(tmp_path):
    store = RawStore(tmp_path / "raw.db")
    pages = two_sites(store)
    (a_id, a_sha), (b_id, b_sha) = pages["qingzhou-mzj"], pages["other"]
    store.record_clean_outcomes([outcome(a_id, a_sha, digest="aaa"), outcome(b_id, b_sha)])
    unchanged = {"qingzhou-mzj": "aaa", "other": ""}
    assert store.stale_page_reasons("v1", template_digests=unchanged) == {}
    changed = {"qingzhou-mzj": "bbb", "other": ""}
    assert store.stale_page_reasons("v1", template_digests=changed) == {a_id: "template"}
    # A site whose template is gone (no stored template) counts as "" and so differs from "aaa".
    assert store.stale_page_reasons("v1", template_digests={}) == {a_id: "template"}
    # Without digests to compare, templates are not looked at.
    assert list(store.stale_page_reasons("v1")) == []


def test_rows_without_a_digest_adopt_the_sites_old_one(tmp_path):
    store = RawStore(tmp_path / "raw.db")
    pages = two_sites(store)
    (a_id, a_sha), (b_id, b_sha) = pages["qingzhou-mzj"], pages["other"]
    store.record_clean_outcomes([outcome(a_id, a_sha, digest=None), outcome(b_id, b_sha, digest=None)])
    # Unknown digests are not stale by themselves: an upgrade re-cleans nothing.
    assert store.stale_page_reasons("v1", template_digests={"qingzhou-mzj": "new", "other": "x"}) == {}
    assert store.adopt_template_digest("qingzhou-mzj", "old") == 1
    assert store.adopt_template_digest("qingzhou-mzj", "other-value") == 0, "only NULL rows are filled in"
    assert store.stale_page_reasons("v1", template_digests={"qingzhou-mzj": "new", "other": "x"}) == {a_id: "template"}


OLD_CLEAN_STATUS = """
CREATE TABLE clean_status (
    page_id          TEXT PRIMARY KEY,
    raw_sha256       TEXT,
    pipeline_version TEXT NOT NULL,
    outcome          TEXT NOT NULL,
    drop_reason      TEXT,
    document_ids     TEXT NOT NULL DEFAULT '[]',
    cleaned_at       TEXT NOT NULL
);
INSERT INTO clean_status VALUES ('p1', 'sha', 'v1', 'documents', NULL, '["p1"]', '2026-01-01');
"""


def test_older_raw_db_gains_the_template_digest_and_error_columns(tmp_path):
    path = tmp_path / "raw.db"
    conn = sqlite3.connect(path)
    conn.executescript(OLD_CLEAN_STATUS)
    conn.close()
    store = RawStore(path)
    rows = list(store.db.query("SELECT * FROM clean_status"))
    assert rows == [
        {
            "page_id": "p1",
            "raw_sha256": "sha",
            "pipeline_version": "v1",
            "outcome": "documents",
            "drop_reason": None,
            "document_ids": '["p1"]',
            "cleaned_at": "2026-01-01",
            "template_digest": None,
            "listing_digest": None,
            "error": None,
        }
    ]
    assert store.db["listings"].exists() and store.db["list_walks"].exists()
    store.close()
    RawStore(path).close()  # opening an up-to-date file again changes nothing
