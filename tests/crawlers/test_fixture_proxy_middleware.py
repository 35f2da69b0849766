"""The fixture proxy middleware: bundled hosts go to the local proxy, or nowhere; real hosts untouched."""

from __future__ import annotations

import pytest
from scrapy import Request
from scrapy.settings import Settings
from scrapy.utils.test import get_crawler

from crawlers.middlewares import FixtureProxyMiddleware, FixtureProxyMissing
from crawlers.settings import BASE_SETTINGS, settings_for_site
from crawlers.sites import load_registry

PROXY = "http://127.0.0.1:8999"


@pytest.mark.parametrize(
    "url",
    [
        "http://mzj.qingzhou.example/tzgg/index.html",
        "http://mzj.qingzhou.example/robots.txt",
        "http://WWW.Swa.Lingnan.EXAMPLE/news/",
        "https://trap.example/calendar?y=2024",
    ],
)
def test_fixture_hosts_go_through_the_proxy(url):
    mw = FixtureProxyMiddleware(PROXY, [])
    request = Request(url)
    assert mw.process_request(request) is None
    assert request.meta["proxy"] == PROXY


def test_registry_bundled_domains_count_as_fixture_hosts():
    mw = FixtureProxyMiddleware(PROXY, ["fixture.local"])
    request = Request("http://www.fixture.local/a.html")
    mw.process_request(request)
    assert request.meta["proxy"] == PROXY


@pytest.mark.parametrize("url", ["http://www.mca.gov.cn/", "http://example.com/", "http://notexample.org/"])
def test_real_hosts_are_untouched(url):
    for proxy in (PROXY, None):
        request = Request(url)
        assert FixtureProxyMiddleware(proxy, ["mzj.qingzhou.example"]).process_request(request) is None
        assert "proxy" not in request.meta


def test_fixture_hosts_are_refused_without_a_proxy():
    mw = FixtureProxyMiddleware(None, [])
    with pytest.raises(FixtureProxyMissing, match="FIXTURE_PROXY"):
        mw.process_request(Request("http://mzj.qingzhou.example/robots.txt"))


def test_from_crawler_reads_settings():
    crawler = get_crawler(settings_dict={"FIXTURE_PROXY": PROXY, "FIXTURE_HOSTS": ["a.local"]})
    mw = FixtureProxyMiddleware.from_crawler(crawler)
    assert (mw.proxy_url, mw.fixture_hosts) == (PROXY, ["a.local"])
    assert FixtureProxyMiddleware.from_crawler(get_crawler(settings_dict={})).proxy_url is None


def test_ordered_before_httpproxy_and_after_robots():
    settings = Settings(BASE_SETTINGS)
    priority = settings.getdict("DOWNLOADER_MIDDLEWARES")["crawlers.middlewares.FixtureProxyMiddleware"]
    base = settings.getdict("DOWNLOADER_MIDDLEWARES_BASE")
    assert base["scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware"] < priority
    assert priority < base["scrapy.downloadermiddlewares.httpproxy.HttpProxyMiddleware"]


def test_bundled_sites_are_unthrottled_and_real_sites_polite(registry_path):
    registry = load_registry(registry_path)
    bundled = settings_for_site(registry.get("test-city-mzj"), fixture_proxy=PROXY)
    real = settings_for_site(registry.get("test-assoc").model_copy(update={"bundled": False}))
    assert bundled["DOWNLOAD_DELAY"] == 0 and not bundled["AUTOTHROTTLE_ENABLED"]
    assert bundled["FIXTURE_PROXY"] == PROXY
    assert real["DOWNLOAD_DELAY"] >= 1 and real["AUTOTHROTTLE_ENABLED"] and real["ROBOTSTXT_OBEY"]
    assert real["CONCURRENT_REQUESTS_PER_DOMAIN"] <= 2
    assert "FIXTURE_PROXY" not in real
    assert real["DOWNLOAD_MAXSIZE"] == 5_000_000 and real["DOWNLOAD_TIMEOUT"] == 20
    assert real["USER_AGENT"].startswith("zhcorpus/") and "contact not configured" in real["USER_AGENT"]
    with_contact = settings_for_site(registry.get("test-assoc"), contact="mailto:crawl@example.org")
    assert with_contact["USER_AGENT"].endswith("(Chinese public-notice corpus crawler; +mailto:crawl@example.org)")


def test_per_site_pacing_reaches_scrapy(registry_data, write_registry):
    registry_data["sites"][1]["pacing"] = {"download_delay": 4, "concurrency_per_domain": 1}
    site = load_registry(write_registry(registry_data)).get("test-assoc")
    settings = settings_for_site(site)
    assert settings["DOWNLOAD_DELAY"] == 4 and settings["CONCURRENT_REQUESTS_PER_DOMAIN"] == 1
    assert settings["HOST_MIN_SPACING_S"] == 1.0, "a longer delay keeps the 1 s floor at the wire"
    registry_data["sites"][1]["pacing"] = {"download_delay": 0.2}
    site = load_registry(write_registry(registry_data)).get("test-assoc")
    assert settings_for_site(site)["HOST_MIN_SPACING_S"] == 0.2, "an operator's shorter delay is honoured"


def test_real_sites_are_not_crawled_without_a_contact(registry_path, monkeypatch):
    from crawlers.settings import MissingContact, check_contact

    monkeypatch.delenv("ZHCORPUS_CRAWL_CONTACT", raising=False)
    monkeypatch.delenv("ZHCORPUS_USER_AGENT", raising=False)
    registry = load_registry(registry_path)
    real = registry.get("test-assoc")
    with pytest.raises(MissingContact, match="ZHCORPUS_CRAWL_CONTACT"):
        check_contact(real, None)
    check_contact(real, "ops@example.org")
    check_contact(registry.get("test-city-mzj"), None)  # bundled: served locally
    check_contact(real.model_copy(update={"allow_private_network": True}), None)  # a local stand-in
    monkeypatch.setenv("ZHCORPUS_USER_AGENT", "MyBot/1.0 (+ops@example.org)")
    check_contact(real, None)
    assert settings_for_site(real)["USER_AGENT"] == "MyBot/1.0 (+ops@example.org)"
