"""The generic notices spider on small local pages: links, budgets, incremental requests, errors."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from scrapy import Request
from scrapy.exceptions import DownloadCancelledError, DownloadTimeoutError, IgnoreRequest
from scrapy.http import HtmlResponse, Response
from twisted.internet.error import ConnectionRefusedError, DNSLookupError
from twisted.python.failure import Failure

from crawlers.items import RawPage, raw_fetch_from_item
from crawlers.middlewares import FixtureProxyMissing
from crawlers.spiders.notices import error_reason
from db.ids import canonical_url
from db.raw import KnownPage

BASE = "http://mzj.test-city.example"
LIST_URL = f"{BASE}/tzgg/index.html"
DETAILS = [f"{BASE}/tzgg/202403/t20240301_{i}.html" for i in range(1, 4)]

LIST_HTML = """<html><head><meta charset="utf-8"><title>通知公告</title></head><body>
<ul class="news-list">
  <li><a href="./202403/t20240301_1.html">关于开展2024年度社会组织年检工作的通知</a></li>
  <li><a href="/tzgg/202403/t20240301_2.html">关于做好冬春救助工作的通知</a></li>
  <li><a href="http://mzj.test-city.example/tzgg/202403/t20240301_3.html#top">婚姻登记公告</a></li>
  <li><a href="./202403/t20240301_1.html">（重复链接）</a></li>
  <li><a href="/tzgg/about.html">不是公告</a></li>
  <li><a href="http://elsewhere.example/tzgg/202403/t20240301_9.html">站外</a></li>
</ul>
<a class="next" href="index_1.html">下一页</a>
</body></html>"""


def html_response(url: str, body: str | bytes, *, page_type: str, status: int = 200, **meta) -> HtmlResponse:
    """Return an HtmlResponse as Scrapy would hand it to the spider for a request of `page_type`."""
    request = Request(url, meta={"page_type": page_type, **meta})
    data = body.encode("utf-8") if isinstance(body, str) else body
    headers = {"Content-Type": "text/html; charset=utf-8", "ETag": '"abc"'}
    return HtmlResponse(url, status=status, body=data, headers=headers, request=request)


def split(outputs) -> tuple[list[RawPage], list[Request]]:
    outputs = list(outputs)
    return [o for o in outputs if isinstance(o, RawPage)], [o for o in outputs if isinstance(o, Request)]


def known_page(*, etag=None, last_modified=None, sha256="f" * 64, age_days=1, status=200) -> KnownPage:
    fetched = (datetime.now(UTC) - timedelta(days=age_days)).isoformat(timespec="seconds")
    return KnownPage(etag, last_modified, sha256, fetched, status)


def test_start_requests_are_list_pages(make_spider):
    requests = list(make_spider().start_list_requests())
    assert [r.url for r in requests] == [LIST_URL]
    assert requests[0].meta["page_type"] == "list"


def test_first_crawl_list_page_yields_item_details_and_next(make_spider):
    spider = make_spider()
    items, requests = split(spider.parse_list(html_response(LIST_URL, LIST_HTML, page_type="list")))
    assert len(items) == 1 and items[0]["page_type"] == "list"
    assert items[0]["body"] == LIST_HTML.encode("utf-8")  # raw bytes, not decoded text
    details = [r for r in requests if r.meta["page_type"] == "detail"]
    # relative links resolved; duplicates, off-pattern and off-site links dropped; fragment dropped
    assert [canonical_url(r.url) for r in details] == DETAILS
    assert all("If-None-Match" not in r.headers for r in details)
    lists = [r for r in requests if r.meta["page_type"] == "list"]
    assert [r.url for r in lists] == [f"{BASE}/tzgg/index_1.html"]
    assert all(r.errback is not None for r in requests)


def test_known_pages_get_conditional_headers_or_are_skipped(make_spider):
    known = {
        DETAILS[0]: known_page(etag='"e1"', last_modified="Fri, 01 Mar 2024 08:00:00 GMT"),
        DETAILS[1]: known_page(),  # no validators, fetched yesterday: skipped
    }
    spider = make_spider(known=known)
    _, requests = split(spider.parse_list(html_response(LIST_URL, LIST_HTML, page_type="list")))
    details = {canonical_url(r.url): r for r in requests if r.meta["page_type"] == "detail"}
    assert set(details) == {DETAILS[0], DETAILS[2]}
    assert details[DETAILS[0]].headers["If-None-Match"] == b'"e1"'
    assert details[DETAILS[0]].headers["If-Modified-Since"] == b"Fri, 01 Mar 2024 08:00:00 GMT"
    assert "If-None-Match" not in details[DETAILS[2]].headers
    # one unknown notice on the page: keep walking
    assert any(r.meta["page_type"] == "list" for r in requests)


def test_known_page_without_validators_is_rechecked_after_recheck_days(make_spider):
    spider = make_spider(known={DETAILS[1]: known_page(age_days=31)})
    _, requests = split(spider.parse_list(html_response(LIST_URL, LIST_HTML, page_type="list")))
    assert DETAILS[1] in {canonical_url(r.url) for r in requests}


@pytest.mark.parametrize(("status", "refetched"), [(None, True), (503, True), (404, False)])
def test_failed_known_pages_retry_only_transient_failures(make_spider, status, refetched):
    spider = make_spider(known={DETAILS[1]: known_page(sha256=None, status=status)})
    _, requests = split(spider.parse_list(html_response(LIST_URL, LIST_HTML, page_type="list")))
    got = {canonical_url(r.url): r for r in requests}
    assert (DETAILS[1] in got) is refetched
    if refetched:
        assert "If-None-Match" not in got[DETAILS[1]].headers


def test_walk_stops_at_a_list_page_whose_notices_are_all_known(make_spider):
    known = {u: known_page(etag=f'"{i}"') for i, u in enumerate(DETAILS)}
    spider = make_spider(known=known)
    _, requests = split(spider.parse_list(html_response(LIST_URL, LIST_HTML, page_type="list")))
    assert all(r.meta["page_type"] == "detail" for r in requests)
    assert len(requests) == 3 and all("If-None-Match" in r.headers for r in requests)


def test_list_budget_ends_the_walk(make_spider):
    spider = make_spider()  # max_list_pages: 5 on this site
    url, pages = LIST_URL, 0
    for request in spider.start_list_requests():
        url = request.url
    while True:
        pages += 1
        row = f'<ul class="news-list"><li><a href="/tzgg/202403/t20240301_{pages}.html">关于第{pages}批救助名单的公示</a></li></ul>'
        html = row + f'<a class="next" href="/tzgg/index_{pages}.html">下一页</a>'
        _, requests = split(spider.parse_list(html_response(url, html, page_type="list")))
        lists = [r for r in requests if r.meta["page_type"] == "list"]
        if not lists:
            break
        url = lists[0].url
    assert pages == 5
    (walk,) = spider.walks.values()
    assert walk.stop_reason == "list_budget" and walk.pending.url.endswith("/tzgg/index_5.html")


def test_detail_budget_caps_detail_requests(make_spider, registry_data, write_registry):
    registry_data["sites"][0]["limits"]["max_detail_pages"] = 2
    spider = make_spider(registry=write_registry(registry_data, "small.yaml"))
    _, requests = split(spider.parse_list(html_response(LIST_URL, LIST_HTML, page_type="list")))
    assert len([r for r in requests if r.meta["page_type"] == "detail"]) == 2


def test_xpath_selectors_and_attribute_results(make_spider, registry_data, write_registry):
    registry_data["sites"][0]["list"] = {
        "detail_links": "//ul[@class='news-list']/li/a/@href",
        "next_page": "(//a[@class='next'])[1]",
    }
    spider = make_spider(registry=write_registry(registry_data, "xpath.yaml"))
    _, requests = split(spider.parse_list(html_response(LIST_URL, LIST_HTML, page_type="list")))
    assert len([r for r in requests if r.meta["page_type"] == "detail"]) == 3
    assert len([r for r in requests if r.meta["page_type"] == "list"]) == 1


def test_error_list_page_is_stored_and_not_parsed(make_spider):
    response = html_response(LIST_URL, LIST_HTML, page_type="list", status=503)
    items, requests = split(make_spider().parse_list(response))
    assert requests == []
    assert items[0]["status"] == 503 and items[0]["error"] == "http_503"


def test_detail_item_matches_the_raw_fetch_contract(make_spider):
    body = "<html><body><h1>关于开展年检的通知</h1></body></html>".encode("gb18030")
    response = html_response(DETAILS[0], body, page_type="detail")
    (item,) = make_spider().parse_detail(response)
    fetch = raw_fetch_from_item(item)
    assert fetch.body == body and fetch.status == 200 and fetch.error is None
    assert fetch.headers["etag"] == '"abc"' and fetch.headers["content-type"].startswith("text/html")
    assert fetch.run_id == "r1" and fetch.site_id == "test-city-mzj" and fetch.page_type == "detail"
    assert fetch.url == fetch.final_url == DETAILS[0]
    assert fetch.fetched_at.endswith("+00:00")


def test_redirected_detail_records_requested_and_final_url(make_spider):
    final = f"{BASE}/tzgg/202403/t20240301_1_new.html"
    response = html_response(final, "<p>x</p>", page_type="detail", redirect_urls=[DETAILS[0]])
    (item,) = make_spider().parse_detail(response)
    assert (item["url"], item["final_url"]) == (DETAILS[0], final)


@pytest.mark.parametrize(("status", "error"), [(404, "http_404"), (304, None), (500, "http_500"), (200, None)])
def test_every_status_is_stored(make_spider, status, error):
    response = Response(DETAILS[0], status=status, request=Request(DETAILS[0], meta={"page_type": "detail"}))
    (item,) = make_spider().parse_detail(response)
    assert item["status"] == status and item["error"] == error


@pytest.mark.parametrize(
    ("exc", "reason"),
    [
        (DownloadCancelledError("size 9999 larger than download max size"), "too_large"),
        (DownloadTimeoutError("took longer than 20 s"), "timeout"),
        (DNSLookupError("x"), "dns"),
        (ConnectionRefusedError(), "connection"),
        (IgnoreRequest("Forbidden by robots.txt"), "robots"),
        (FixtureProxyMissing("no proxy"), "no_fixture_proxy"),
        (ValueError("odd"), "valueerror"),
    ],
)
def test_failures_are_stored_with_a_short_reason(make_spider, exc, reason):
    failure = Failure(exc)
    failure.request = Request(DETAILS[0], meta={"page_type": "detail"})
    assert error_reason(failure) == reason
    (item,) = make_spider().on_error(failure)
    assert item["error"] == reason and item["status"] is None and item["body"] is None
    assert item["url"] == DETAILS[0]


def test_too_large_pages_wait_for_recheck_days(make_spider):
    # A page too large last time is not re-fetched every run, only after recheck_days.
    fetched = (datetime.now(UTC) - timedelta(days=1)).isoformat(timespec="seconds")
    too_large = KnownPage(
        etag=None,
        last_modified=None,
        sha256=None,
        fetched_at=fetched,
        status=None,
        last_seen=fetched,
        error="too_large",
    )
    spider = make_spider(known={DETAILS[1]: too_large})
    _, requests = split(spider.parse_list(html_response(LIST_URL, LIST_HTML, page_type="list")))
    assert DETAILS[1] not in {canonical_url(r.url) for r in requests}


def test_per_run_overrides_and_full_walk(tmp_path, registry_path):
    from crawlers.spiders.notices import NoticesSpider

    known = {u: known_page(etag=f'"{i}"') for i, u in enumerate(DETAILS)}
    spider = NoticesSpider(
        site="test-city-mzj",
        run_id="r1",
        raw_db=str(tmp_path / "raw.db"),
        registry=str(registry_path),
        max_list_pages="2",
        max_detail_pages="",
        full_walk="1",
    )
    spider.known = known
    assert spider.limits.max_list_pages == 2 and spider.limits.max_detail_pages == 1000
    _, requests = split(spider.parse_list(html_response(LIST_URL, LIST_HTML, page_type="list")))
    # every notice known, but a full walk still follows the next page
    assert [r.meta["page_type"] for r in requests].count("list") == 1


def test_start_requests_may_post_a_form_with_headers(make_spider, registry_data, write_registry):
    registry_data["sites"][0]["start_requests"] = [
        {
            "url": "http://mzj.test-city.example/module/web/jpage/dataproxy.jsp?startrecord=1&endrecord=45&perpage=15",
            "method": "POST",
            "form": {"columnid": "4521", "col": "1"},
            "headers": {"X-Requested-With": "XMLHttpRequest"},
            "column": "通知公告",
        }
    ]
    spider = make_spider(registry=write_registry(registry_data, "post.yaml"))
    plain, post = list(spider.start_list_requests())
    assert plain.method == "GET" and post.method == "POST"
    assert post.body == b"col=1&columnid=4521" and post.headers["X-Requested-With"] == b"XMLHttpRequest"
    assert post.headers["Content-Type"] == b"application/x-www-form-urlencoded"
    assert len(spider.walks) == 2 and spider.walks[post.meta["walk"]].column == "通知公告"


def test_a_next_page_that_repeats_the_rows_is_a_named_error(make_spider):
    spider = make_spider()
    list(spider.start_list_requests())
    first = html_response(LIST_URL, LIST_HTML, page_type="list", page_no=1)
    _, requests = split(spider.parse_list(first))
    nxt = next(r for r in requests if r.meta["page_type"] == "list")
    # the site ignores the page parameter: page 2 is page 1 again
    _, again = split(
        spider.parse_list(html_response(nxt.url, LIST_HTML, page_type="list", page_no=2, walk=nxt.meta["walk"]))
    )
    assert not [r for r in again if r.meta["page_type"] == "list"]
    assert spider.walks[nxt.meta["walk"]].stop_reason == "pagination_repeats"
