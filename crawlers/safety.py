"""Network discipline: every request stays inside its site's domains, and no private address is reached unless
the site opts in (registry key ``allow_private_network``).

Two guards, because Scrapy sets ``dont_filter`` on our requests (which skips its own offsite check) and redirects
inherit it:

- ``NetworkSafetyMiddleware`` (downloader middleware, before robots.txt and the fixture proxy) checks every
  request, redirects and meta refreshes included: scheme http(s), host inside the site's allowed domains, and an
  IP-literal host or a ``localhost`` name (which never reach DNS checks) public unless the site opts in. A
  request through the fixture proxy connects to 127.0.0.1, so it needs the opt-in too.
- ``SafeResolver`` (the reactor's DNS resolver) refuses an answer that is private, loopback, link-local,
  multicast or reserved, before any connection, unless the host name belongs to a site that opted in. The
  resolver is one per process while several sites may share a reactor, so each site's middleware registers
  its opted-in domains with it; the check is per host name, never per process.

A refusal is a counted error: the request's errback stores the page with error ``offsite`` or
``private_address`` (see ``crawlers.spiders.notices.error_reason``), never silently dropped.
"""

from __future__ import annotations

import logging
import threading
import urllib.request
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import CannotResolveHostError, IgnoreRequest
from scrapy.resolver import CachingThreadedResolver
from scrapy.utils.httpobj import urlparse_cached
from twisted.internet.error import DNSLookupError

from crawlers.addresses import address_kind, host_refusal, is_ip_literal
from crawlers.sites import host_allowed

logger = logging.getLogger(__name__)

ALLOWED_SCHEMES = frozenset({"http", "https"})


class OffsiteRefused(IgnoreRequest):
    """A request (or redirect, or meta refresh) outside the site's allowed domains, or not http(s)."""


class PrivateAddressRefused(IgnoreRequest):
    """A request to a private, loopback, link-local, multicast or reserved address without the site's opt-in."""


class PrivateAnswerRefused(DNSLookupError):
    """The resolver's refusal of a private answer (Twisted reports it as a failed lookup)."""


# -- what the process's resolver may answer privately, registered by each site's middleware -----------------
_lock = threading.Lock()
_private_ok: set[str] = set()  # host names (and their subdomains) and IP literals of opted-in sites, proxies
_refused: dict[str, str] = {}  # host name -> the private address the resolver refused for it


def allow_private(hosts: Iterable[str]) -> None:
    """Let the resolver answer private addresses for these hosts (an opted-in site's domains, a proxy)."""
    with _lock:
        _private_ok.update(h.lower().rstrip(".") for h in hosts if h)


def private_ok(host: str) -> bool:
    """Return True when the resolver may answer a private address for host."""
    host = host.lower().rstrip(".")
    with _lock:
        allowed = list(_private_ok)
    return any(host == h or (not is_ip_literal(h) and host.endswith("." + h)) for h in allowed)


def refused_address(host: str) -> str | None:
    """Return the private address the resolver refused for host in this process, if it did."""
    with _lock:
        return _refused.get(host.lower().rstrip("."))


def reset() -> None:
    """Forget every registration and refusal (tests)."""
    with _lock:
        _private_ok.clear()
        _refused.clear()


def proxy_hosts_from_environment() -> list[str]:
    """Return the host names of the operator's HTTP(S) proxies (http_proxy, https_proxy): trusted config."""
    hosts = []
    for scheme, url in urllib.request.getproxies().items():
        if scheme in ALLOWED_SCHEMES:
            host = urlsplit(url if "://" in url else f"http://{url}").hostname
            if host:
                hosts.append(host)
    return hosts


class SafeResolver(CachingThreadedResolver):
    """Scrapy's caching resolver that refuses private answers for host names no opted-in site registered."""

    def getHostByName(self, name: str, timeout: Any = ()) -> Any:  # noqa: N802 - Twisted's interface
        """Resolve name; fail the lookup if the answer is private and name may not have one."""
        return super().getHostByName(name, timeout).addCallback(self._check, name)

    @staticmethod
    def _check(address: str, name: str) -> str:
        kind = address_kind(address)
        if kind is None or private_ok(name):
            return address
        with _lock:
            _refused[name.lower().rstrip(".")] = address
        logger.warning("refused %s: it resolves to %s, a %s address", name, address, kind)
        raise PrivateAnswerRefused(f"{name} resolves to {address} ({kind}): refused")


class NetworkSafetyMiddleware:
    """Refuse requests outside the site's allowed domains or to private addresses without the site's opt-in.

    Settings (from ``crawlers.settings.settings_for_site``): SAFETY_ALLOWED_DOMAINS, SAFETY_ALLOW_PRIVATE_NETWORK,
    and FIXTURE_PROXY / FIXTURE_HOSTS to know which requests connect to the local fixture proxy.
    """

    def __init__(
        self,
        allowed_domains: list[str],
        allow_private_network: bool,
        fixture_proxy: str | None = None,
        fixture_hosts: list[str] | None = None,
    ) -> None:
        self.allowed_domains = [d.lower() for d in allowed_domains]
        self.allow_private_network = allow_private_network
        self.fixture_proxy_host = urlsplit(fixture_proxy).hostname if fixture_proxy else None
        self.fixture_hosts = list(fixture_hosts or [])
        allow_private(proxy_hosts_from_environment())  # the operator's proxies are configuration, not targets
        if allow_private_network:
            allow_private(self.allowed_domains)
            if self.fixture_proxy_host:
                allow_private([self.fixture_proxy_host])

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> NetworkSafetyMiddleware:
        """Return the middleware configured from the crawler's settings."""
        settings = crawler.settings
        return cls(
            settings.getlist("SAFETY_ALLOWED_DOMAINS"),
            settings.getbool("SAFETY_ALLOW_PRIVATE_NETWORK"),
            settings.get("FIXTURE_PROXY"),
            settings.getlist("FIXTURE_HOSTS"),
        )

    def process_request(self, request: Request) -> None:
        """Pass the request on, or raise OffsiteRefused / PrivateAddressRefused."""
        parts = urlparse_cached(request)
        host = (parts.hostname or "").lower().rstrip(".")
        if parts.scheme not in ALLOWED_SCHEMES or not host:
            raise OffsiteRefused(f"offsite: {request.url} is not an http(s) URL with a host")
        if not self.allowed_domains or not host_allowed(host, self.allowed_domains):
            raise OffsiteRefused(f"offsite: {host} is outside {', '.join(self.allowed_domains) or 'no domains'}")
        if self.allow_private_network:
            return None
        kind = host_refusal(host)
        if kind is not None:
            raise PrivateAddressRefused(f"private_address: {host} is a {kind} address")
        address = refused_address(host)
        if address is not None:  # refused at DNS before (a retry): refuse at once, without another lookup
            raise PrivateAddressRefused(f"private_address: {host} resolves to {address}")
        if self.fixture_proxy_host and self._via_fixture_proxy(host):
            kind = host_refusal(self.fixture_proxy_host)
            if kind is not None:
                raise PrivateAddressRefused(
                    f"private_address: {host} is served by the fixture proxy on {self.fixture_proxy_host} ({kind})"
                )
        return None

    def _via_fixture_proxy(self, host: str) -> bool:
        from crawlers.middlewares import is_fixture_host

        return is_fixture_host(host, self.fixture_hosts)


def refusal_reason(exc: BaseException, host: str | None = None) -> str | None:
    """Return ``offsite`` or ``private_address`` when exc is one of our refusals, or a failed lookup of a host
    the resolver refused (Twisted reports that as "no results", dropping our exception), else None."""
    if isinstance(exc, OffsiteRefused):
        return "offsite"
    if isinstance(exc, PrivateAddressRefused):
        return "private_address"
    if isinstance(exc, DNSLookupError | CannotResolveHostError) and host and refused_address(host):
        return "private_address"
    return None
