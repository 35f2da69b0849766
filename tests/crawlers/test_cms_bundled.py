"""The bundled CMS sites walked offline through their adapters, from the URL alone: every notice, title, date."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from scrapy.http import HtmlResponse, TextResponse

from crawlers.cms import ListPage, PageRequest, parse_list
from crawlers.sites import load_registry
from db.ids import canonical_url
from fixtures.server import _offline_sites, fetch_bytes, finalize

CMS_SITES = {
    "dongjiang-mzj": "trs",
    "donghai-mzt": "hanweb",
    "beichuan-swa": "json",
    "xishan-mzj": "static",
}


def fetch(req: PageRequest) -> tuple[int, dict, bytes]:
    """Return what the fixture server answers to a list request (GET, or POST with its form)."""
    parts = urlsplit(req.url)
    if req.method == "POST":
        from urllib.parse import urlencode

        site = _offline_sites(1)[parts.hostname]
        resp = site.handle_post(parts.path, parts.query, urlencode(req.form).encode(), None)
        status, headers, body = finalize(resp)
        return status, dict(headers), body
    return fetch_bytes(parts.hostname, parts.path + (f"?{parts.query}" if parts.query else ""))


def walk_offline(site_id: str, max_pages: int = 20) -> tuple[list[str], dict[str, dict]]:
    """Return (adapters used, url -> row) from walking a site's lists as the spider does, without a network."""
    site = load_registry().get(site_id)
    req, state, adapters, rows = PageRequest(site.start_urls[0]), {}, [], {}
    for _ in range(max_pages):
        status, headers, body = fetch(req)
        assert status == 200, (req.describe(), status)
        ctype = headers.get("Content-Type", "")
        cls = TextResponse if "json" in ctype or "xml" in ctype else HtmlResponse
        text = cls(req.url, body=body, headers={"Content-Type": ctype}).text
        page = ListPage(
            url=req.url, text=text, content_type=ctype, page_no=req.page_no, entry_url=site.start_urls[0],
            allowed_domains=site.allowed_domains, state=state, request=req,
        )  # fmt: skip
        result = parse_list(page, site.cms)
        adapters.append(result.adapter)
        for row in result.rows:
            rows.setdefault(canonical_url(row.url), row.as_dict())
        if not result.next:
            break
        req, state = result.next[0], result.state
    return adapters, rows


@pytest.mark.parametrize("site_id", sorted(CMS_SITES))
def test_bundled_cms_site_lists_every_notice_with_title_and_date(site_id):
    site = load_registry().get(site_id)
    fixture = _offline_sites(1)[site.allowed_domains[0]]
    adapters, rows = walk_offline(site_id)
    assert set(adapters) == {CMS_SITES[site_id]}
    truth = {canonical_url(f"http://{fixture.host}{t['path']}"): t for t in fixture.site.truth()}
    assert set(rows) == set(truth)
    for url, want in truth.items():
        assert rows[url]["title"] == want["title"], url
        assert rows[url]["date"] == want["date"], url


def test_hanweb_data_proxy_answers_only_post():
    status, _, _ = fetch_bytes("mzt.donghai.example", "/module/web/jpage/dataproxy.jsp?startrecord=46&endrecord=90")
    assert status == 405
