"""Downloader middleware that routes bundled `.example` hosts to the local fixture proxy."""

from __future__ import annotations

import logging

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest
from scrapy.utils.httpobj import urlparse_cached

from crawlers.sites import host_allowed

logger = logging.getLogger(__name__)

# RFC 2606 reserves this TLD: such a host can only be a bundled fixture site, never a real server.
FIXTURE_TLD = "example"


class FixtureProxyMissing(IgnoreRequest):
    """A request for a bundled host while no FIXTURE_PROXY is configured."""


def is_fixture_host(host: str, fixture_hosts: list[str]) -> bool:
    """Return True when `host` is served by fixtures/: under `.example` or a bundled site's domain."""
    host = host.lower().rstrip(".")
    return host == FIXTURE_TLD or host.endswith("." + FIXTURE_TLD) or host_allowed(host, fixture_hosts)


class FixtureProxyMiddleware:
    """Send bundled hosts (robots.txt included) through FIXTURE_PROXY; refuse them when it is unset.

    Ordered before HttpProxyMiddleware (750), which honours `request.meta['proxy']`. Refusing instead of
    passing through means a `.example` host never reaches the DNS resolver.
    """

    def __init__(self, proxy_url: str | None, fixture_hosts: list[str]) -> None:
        self.proxy_url = proxy_url or None
        self.fixture_hosts = list(fixture_hosts)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> FixtureProxyMiddleware:
        """Return the middleware configured from FIXTURE_PROXY and FIXTURE_HOSTS."""
        return cls(crawler.settings.get("FIXTURE_PROXY"), crawler.settings.getlist("FIXTURE_HOSTS"))

    def process_request(self, request: Request) -> None:
        """Set the proxy for fixture hosts; raise FixtureProxyMissing when there is none."""
        host = urlparse_cached(request).hostname or ""
        if not is_fixture_host(host, self.fixture_hosts):
            return None
        if self.proxy_url is None:
            raise FixtureProxyMissing(f"{host} is a bundled fixture host and FIXTURE_PROXY is not set")
        request.meta["proxy"] = self.proxy_url
        return None
