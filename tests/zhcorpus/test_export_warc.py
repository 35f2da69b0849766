"""`zhcorpus export --format warc`: raw pages as WARC 1.1 response records, read back by warcio and FastWARC."""

import gzip

import pytest
from fastwarc.warc import ArchiveIterator as FastArchiveIterator
from fastwarc.warc import WarcRecordType
from warcio.archiveiterator import ArchiveIterator

from db.raw import RawFetch, RawStore
from zhcorpus.cli import main

GBK_PAGE = "<html><head><meta charset='gb2312'></head><body><p>关于做好2024年城乡低保工作的通知</p></body></html>"
PAGES = [
    # (url, final url, status, headers, body, page type)
    (
        "http://mzj.qingzhou.example/tzgg/1.html",
        "http://mzj.qingzhou.example/tzgg/1.html",
        200,
        {"Content-Type": "text/html; charset=gb2312", "ETag": '"a1"', "Content-Length": "17", "Server": "TRS"},
        GBK_PAGE.encode("gb18030"),
        "detail",
    ),
    # a redirect: the body came from the final URL; the wire was chunked and gzipped (Scrapy undid both)
    (
        "http://mzj.qingzhou.example/old/2.html",
        "http://mzj.qingzhou.example/tzgg/2.html",
        200,
        {"Content-Type": "text/html; charset=utf-8", "Transfer-Encoding": "chunked"},
        "<html><body>民政局通知公告</body></html>".encode(),
        "detail",
    ),
    ("http://mzj.qingzhou.example/tzgg/index.html", None, 200, {"Content-Type": "text/html"}, b"<ul></ul>", "list"),
    ("http://mzj.qingzhou.example/gone.html", None, 404, {"Content-Type": "text/html"}, b"not found", "detail"),
]


@pytest.fixture
def raw_dir(tmp_path):
    store = RawStore(tmp_path / "raw.db")
    for url, final, status, headers, body, kind in PAGES:
        when = "2026-03-05T08:09:10+08:00"
        store.record_fetch(RawFetch("r1", "qingzhou-mzj", kind, url, final or url, status, headers, body, when))
    # a failure without a response is no response record
    store.record_fetch(
        RawFetch("r1", "qingzhou-mzj", "detail", "http://x.example/t", None, None, {}, None, "2026-03-05T00:00:00Z")
    )
    # a changed page keeps its earlier body in history
    url = PAGES[0][0]
    store.record_fetch(
        RawFetch("r2", "qingzhou-mzj", "detail", url, url, 200, {"ETag": '"a2"'}, b"<p>v2</p>", "2026-04-01T00:00:00Z")
    )
    store.close()
    return tmp_path


def read_warcio(path):
    with open(path, "rb") as fh:
        return [
            (r.rec_type, dict(r.rec_headers.headers), r.http_headers, r.content_stream().read())
            for r in ArchiveIterator(fh, check_digests=True)
        ]


def test_warc_round_trip_with_warcio(raw_dir, capsys):
    out = raw_dir / "pages.warc.gz"
    assert main(["--data", str(raw_dir), "export", "--format", "warc", "-o", str(out)]) == 0
    assert "exported 4 response records" in capsys.readouterr().err
    with open(out, "rb") as fh:
        assert fh.read(2) == b"\x1f\x8b", "gzip members, as Common Crawl's .warc.gz"
    records = read_warcio(out)
    assert records[0][0] == "warcinfo" and records[0][1]["WARC-Type"] == "warcinfo"
    responses = records[1:]
    assert all(kind == "response" for kind, *_ in responses)
    by_uri = {h["WARC-Target-URI"]: (h, http, body) for _, h, http, body in responses}
    assert set(by_uri) == {final or url for url, final, *_ in PAGES}
    for url, final, status, headers, body, _ in PAGES:
        warc, http, payload = by_uri[final or url]
        assert warc["WARC-Date"] in ("2026-03-05T00:09:10Z", "2026-04-01T00:00:00Z")
        assert http.get_statuscode() == str(status) and http.protocol == "HTTP/1.1"
        if url == PAGES[0][0]:
            assert payload == b"<p>v2</p>" and http.get_header("etag") == '"a2"'
            continue
        assert payload == body, "bodies exactly as stored"
        assert http.get_header("content-type") == headers["Content-Type"]
        assert http.get_header("content-length") == str(len(body)), "rebuilt from the stored body"
        assert http.get_header("transfer-encoding") is None
        if final and final != url:
            assert warc["WARC-Zhcorpus-Requested-URI"] == url
    assert by_uri[PAGES[3][0]][1].statusline == "404 Not Found"
    # exporting again gives the same record ids (derived from page and body)
    again = raw_dir / "again.warc"
    assert main(["--data", str(raw_dir), "export", "--format", "warc", "-o", str(again)]) == 0
    with open(again, "rb") as fh:
        assert fh.read(4) == b"WARC", "a .warc name is written uncompressed"
    ids = [h["WARC-Record-ID"] for _, h, _, _ in read_warcio(again)[1:]]
    assert ids == [h["WARC-Record-ID"] for _, h, _, _ in responses]


def test_warc_with_history_and_site_filter(raw_dir):
    out = raw_dir / "all.warc.gz"
    assert main(["--data", str(raw_dir), "export", "--format", "warc", "--with-history", "-o", str(out)]) == 0
    first = [(h["WARC-Date"], body) for _, h, _, body in read_warcio(out)[1:] if h["WARC-Target-URI"] == PAGES[0][0]]
    assert first == [("2026-03-05T00:09:10Z", PAGES[0][4]), ("2026-04-01T00:00:00Z", b"<p>v2</p>")]
    other = raw_dir / "none.warc.gz"
    assert main(["--data", str(raw_dir), "export", "--format", "warc", "--site", "mzb", "-o", str(other)]) == 0
    assert [kind for kind, *_ in read_warcio(other)] == ["warcinfo"]


def test_warc_is_read_by_fastwarc(raw_dir):
    """FastWARC (resiliparse), a reader built for Common Crawl archives, parses the records and their digests."""
    out = raw_dir / "pages.warc.gz"
    assert main(["--data", str(raw_dir), "export", "--format", "warc", "-o", str(out)]) == 0
    with open(out, "rb") as fh:
        digests = [(r.record_type, r.verify_block_digest()) for r in FastArchiveIterator(fh, parse_http=False)]
    assert digests[0] == (WarcRecordType.warcinfo, True)
    assert digests[1:] == [(WarcRecordType.response, True)] * 4
    with open(out, "rb") as fh:
        got = {
            r.headers["WARC-Target-URI"]: (r.http_headers.status_code, r.reader.read())
            for r in FastArchiveIterator(fh, record_types=WarcRecordType.response)
        }
    assert got["http://mzj.qingzhou.example/gone.html"] == (404, b"not found")
    assert got["http://mzj.qingzhou.example/tzgg/2.html"][1] == PAGES[1][4]
    with gzip.open(out, "rb") as fh:  # plain gzip sees one stream of WARC records
        assert fh.read().count(b"WARC/1.1\r\n") == 5


def test_warc_needs_an_output_file_and_raw_db(tmp_path, capsys):
    assert main(["--data", str(tmp_path), "export", "--format", "warc"]) == 1
    assert "give --output" in capsys.readouterr().err
    assert main(["--data", str(tmp_path), "export", "--format", "warc", "-o", str(tmp_path / "x.warc.gz")]) == 1
    assert "does not exist" in capsys.readouterr().err
    assert main(["--data", str(tmp_path), "export", "--format", "warc", "--canonical-only", "-o", "x"]) == 1
    assert "--canonical-only" in capsys.readouterr().err
