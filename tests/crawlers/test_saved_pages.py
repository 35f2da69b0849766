"""Every enabled bundled site: its spider yields valid items and requests from pages exactly as served."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from scrapy import Request
from scrapy.http import HtmlResponse

from crawlers.items import RawPage, raw_fetch_from_item
from crawlers.sites import DEFAULT_REGISTRY_PATH, load_registry
from crawlers.spiders.notices import NoticesSpider

server = pytest.importorskip("fixtures.server")
if not DEFAULT_REGISTRY_PATH.exists():
    pytest.skip("crawlers/sites.yaml not written yet", allow_module_level=True)

BUNDLED = [s.id for s in load_registry().enabled() if s.bundled]


def saved_response(url: str, page_type: str) -> HtmlResponse:
    """Return the response the fixture server sends for `url`, as Scrapy hands it to a callback."""
    parts = urlsplit(url)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    status, headers, body = server.fetch_bytes(parts.hostname, path)
    request = Request(url, meta={"page_type": page_type})
    return HtmlResponse(url, status=status, headers=headers, body=body, request=request)


@pytest.fixture
def spider_for(tmp_path):
    def make(site_id: str) -> NoticesSpider:
        spider = NoticesSpider(site=site_id, run_id="saved", raw_db=str(tmp_path / "raw.db"))
        spider.known = {}
        return spider

    return make


@pytest.mark.parametrize("site_id", BUNDLED)
def test_list_and_detail_pages_give_valid_items(spider_for, site_id):
    spider = spider_for(site_id)
    (start,) = list(spider.start_list_requests())[:1]
    outputs = list(spider.parse_list(saved_response(start.url, "list")))
    items = [o for o in outputs if isinstance(o, RawPage)]
    details = [o for o in outputs if isinstance(o, Request) and o.meta["page_type"] == "detail"]
    assert len(items) == 1 and items[0]["status"] == 200 and items[0]["page_type"] == "list"
    assert details, f"{site_id}: no detail links found on {start.url}"
    for request in details:
        assert spider._wanted_detail(request.url)

    response = saved_response(details[0].url, "detail")
    (item,) = spider.parse_detail(response)
    fetch = raw_fetch_from_item(item)
    assert fetch.status == 200 and fetch.error is None
    assert fetch.body == response.body and fetch.body
    assert fetch.site_id == site_id and fetch.page_type == "detail"
    assert all(name == name.lower() for name in fetch.headers)
