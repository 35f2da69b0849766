"""raw.db bodies: stored zstd-compressed (with a per-site dictionary once it pays), read back as sent."""

import os
import sqlite3
from dataclasses import replace

import pytest
import zstandard

from db import bodies, raw
from db.raw import RawFetch, RawStore


def page(n: int, site: str = "qingzhou-mzj") -> bytes:
    """Return a page with the chrome a site repeats and a notice of its own."""
    chrome = "<div class='nav'>首页 | 通知公告 | 工作动态 | 政务公开 | 互动交流</div>" * 20
    notice = "".join(
        f"<p>关于做好第{n}批{k}号养老服务补贴发放工作的通知，请各单位认真落实。</p>" for k in range(n % 7 + 3)
    )
    return f"<html><head><title>{site} {n}</title></head><body>{chrome}{notice}{chrome}</body></html>".encode()


def fetch(url: str, body: bytes | None, status: int | None = 200, site: str = "qingzhou-mzj") -> RawFetch:
    return RawFetch("run1", site, "detail", url, url, status, {"ETag": '"a"'}, body, "2026-01-01T00:00:00+00:00")


def stored(store: RawStore, url: str) -> dict:
    return next(store.db.query("SELECT body, body_codec, size FROM raw_pages WHERE url = ?", [url]))


def test_bodies_are_compressed_and_read_back_as_sent(tmp_path):
    store = RawStore(tmp_path / "raw.db")
    body = page(1)
    url = "http://mzj.qingzhou.example/a.html"
    store.record_fetch(fetch(url, body))
    row = stored(store, url)
    assert row["body_codec"] == "zstd" and len(row["body"]) < len(body) / 3
    assert row["size"] == len(body)
    (got,) = store.pages([row_id(store, url)])
    assert got.body == body


def test_incompressible_body_is_stored_as_sent(tmp_path):
    store = RawStore(tmp_path / "raw.db")
    body = os.urandom(2000)
    url = "http://mzj.qingzhou.example/x.pdf"
    store.record_fetch(fetch(url, body))
    assert stored(store, url)["body_codec"] is None
    assert next(store.pages([row_id(store, url)])).body == body


def test_site_dictionaries_are_trained_and_every_body_reads_back(tmp_path, monkeypatch):
    monkeypatch.setattr(bodies, "DICT_TRAIN_AT", (8, 20))
    store = RawStore(tmp_path / "raw.db")
    urls = [f"http://mzj.qingzhou.example/{n}.html" for n in range(30)]
    for n, url in enumerate(urls[:7]):
        store.record_fetch(fetch(url, page(n)))
    assert {stored(store, u)["body_codec"] for u in urls[:7]} == {"zstd"}, "too few pages: plain zstd"
    store.record_fetch(fetch(urls[7], page(7)))
    (first,) = [r[0] for r in store.db.execute("SELECT id FROM raw_dictionaries WHERE site_id = 'qingzhou-mzj'")]
    assert {stored(store, u)["body_codec"] for u in urls[:8]} == {f"zstd:{first}"}, "earlier bodies re-encoded"
    store.record_fetch(fetch(urls[8], page(8)))
    # the other site keeps plain zstd: dictionaries are per site
    other = "http://www.lingnan-swa.example/1.html"
    store.record_fetch(fetch(other, page(1, "lingnan-swa"), site="lingnan-swa"))
    assert stored(store, other)["body_codec"] == "zstd"
    # a changed page moves its stored body (made with the first dictionary) into history
    store.record_fetch(fetch(urls[3], page(103)))
    for n, url in enumerate(urls[9:], start=9):
        store.record_fetch(fetch(url, page(n)))
    ids = [r[0] for r in store.db.execute("SELECT id FROM raw_dictionaries WHERE site_id = 'qingzhou-mzj' ORDER BY id")]
    assert len(ids) == 2
    codecs = [stored(store, u)["body_codec"] for u in urls]  # re-encoded where the newer one is smaller
    assert set(codecs) <= {f"zstd:{i}" for i in ids} and f"zstd:{ids[1]}" in codecs
    with_dict = sum(len(stored(store, u)["body"]) for u in urls)
    plain = sum(len(zstandard.ZstdCompressor(level=bodies.ZSTD_LEVEL).compress(page(n))) for n in range(30))
    assert with_dict < plain, "the dictionary must pay on pages sharing a site's chrome"
    # a new store (another crawl process) reads every body back, current and in history
    again = RawStore(tmp_path / "raw.db")
    pids = [row_id(again, u) for u in urls]
    expected = {i: page(103 if n == 3 else n) for n, i in enumerate(pids)}
    assert {p.id: p.body for p in again.pages(pids)} == expected
    (old,) = again.history(pids[3])
    assert old["body"] == page(3)
    assert again.db.execute("SELECT body_codec FROM raw_history").fetchone()[0] == f"zstd:{first}"


def test_training_failure_is_retried_later(tmp_path, monkeypatch):
    monkeypatch.setattr(bodies, "DICT_TRAIN_AT", (2,))
    store = RawStore(tmp_path / "raw.db")
    for n in range(3):  # two or three tiny samples cannot train a dictionary: plain zstd goes on
        store.record_fetch(fetch(f"http://mzj.qingzhou.example/{n}.html", page(n)))
    assert store.db.execute("SELECT COUNT(*) FROM raw_dictionaries").fetchone()[0] == 0
    assert store.codec._next_try["qingzhou-mzj"] == 4
    assert next(store.pages([row_id(store, "http://mzj.qingzhou.example/2.html")])).body == page(2)


def test_old_uncompressed_raw_db_stays_readable(tmp_path):
    path = tmp_path / "raw.db"
    conn = sqlite3.connect(path)  # raw_pages as a release before compression made it: no body_codec
    conn.execute(
        "CREATE TABLE raw_pages (id TEXT PRIMARY KEY, url TEXT NOT NULL UNIQUE, site_id TEXT NOT NULL, "
        "page_type TEXT NOT NULL, final_url TEXT, status INTEGER, headers TEXT, body BLOB, sha256 TEXT, "
        "size INTEGER, etag TEXT, last_modified TEXT, error TEXT, fetched_at TEXT, run_id TEXT, "
        "first_seen TEXT NOT NULL, last_seen TEXT NOT NULL, changed_at TEXT)"
    )
    conn.execute(
        "CREATE TABLE raw_history (page_id TEXT NOT NULL, sha256 TEXT NOT NULL, status INTEGER, headers TEXT, "
        "body BLOB, fetched_at TEXT, run_id TEXT, replaced_at TEXT NOT NULL, PRIMARY KEY (page_id, sha256))"
    )
    conn.execute(
        "INSERT INTO raw_pages VALUES ('p1', 'http://a.example/1', 's', 'detail', NULL, 200, '{}', ?, 'h', 5, "
        "NULL, NULL, NULL, '2025-01-01', 'r', '2025-01-01', '2025-01-01', NULL)",
        [b"<old>"],
    )
    conn.commit()
    conn.close()
    store = RawStore(path)
    assert next(store.pages(["p1"])).body == b"<old>"
    assert stored(store, "http://a.example/1")["body_codec"] is None


def test_unknown_codec_is_an_error(tmp_path):
    store = RawStore(tmp_path / "raw.db")
    with pytest.raises(ValueError, match="unknown body codec"):
        store.codec.decode(b"x", "brotli")


def row_id(store: RawStore, url: str) -> str:
    return store.db.execute("SELECT id FROM raw_pages WHERE url = ?", [url]).fetchone()[0]


def test_saved_list_pages_are_read_back_as_sent(tmp_path):
    # `sites check` reads saved list pages through read_list_pages, outside RawStore: it must decode too.
    store = RawStore(tmp_path / "raw.db")
    bodies = {}
    for n in range(6):
        url = f"http://mzj.qingzhou.example/list_{n}.html"
        bodies[url] = page(n)
        item = fetch(url, bodies[url])
        store.record_fetch(replace(item, page_type="list", fetched_at=f"2026-01-0{n + 1}T00:00:00+00:00"))
    codecs = {r[0] for r in store.db.execute("SELECT body_codec FROM raw_pages")}
    store.close()
    assert codecs == {"zstd"}, "the test needs compressed rows"
    pages = raw.read_list_pages(tmp_path / "raw.db", "qingzhou-mzj", limit=3)
    assert [p["url"] for p in pages] == [f"http://mzj.qingzhou.example/list_{n}.html" for n in (5, 4, 3)]
    assert all(p["body"] == bodies[p["url"]] for p in pages)
