"""raw.db: outcomes of fetches, history kept on change, failures never overwrite good bodies."""

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
    (page_id,) = store.stale_page_ids("v1")
    (page,) = store.pages([page_id])
    assert page.body == b"<html>v2</html>", "a 500 must not overwrite the good body"
    history = list(store.db.query("SELECT body FROM raw_history"))
    assert [h["body"] for h in history] == [b"<html>v1</html>"]
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
    (page,) = store.pages(store.stale_page_ids("v1"))
    assert page.body is None and page.error == "too_large"


def test_stale_pages_follow_version_and_bytes(tmp_path):
    store = RawStore(tmp_path / "raw.db")
    store.record_fetch(fetch())
    (page_id,) = store.stale_page_ids("v1")
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
    assert store.stale_page_ids("v1") == []
    assert store.stale_page_ids("v2") == [page_id]
    assert store.stale_page_ids("v1", reprocess=True) == [page_id]
    store.record_fetch(fetch(body=b"<html>v2</html>"))
    assert store.stale_page_ids("v1") == [page_id]
