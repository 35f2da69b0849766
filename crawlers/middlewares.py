"""Downloader parts: bundled `.example` hosts go to the local fixture proxy; a cut body is an error; a floor on
per-host request spacing.

(Network discipline, offsite and private addresses, is crawlers/safety.py.)
"""

from __future__ import annotations

import logging
import time
import zlib

from scrapy import Request
from scrapy.core.downloader.handlers.http11 import HTTP11DownloadHandler
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.httpobj import urlparse_cached
from twisted.internet.defer import DeferredLock
from twisted.internet.task import deferLater

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


class TruncatedBody(IgnoreRequest):
    """A response whose body is shorter than its Content-Length, or whose gzip/deflate stream is cut short."""


# Statuses that carry no body whatever Content-Length says.
BODYLESS_STATUSES = frozenset({204, 304})
# Output a compressed body may inflate to while its completeness is checked; past it HttpCompressionMiddleware
# refuses the page as too large anyway, so the check stops there (a decompression bomb costs no more).
_CHECK_CHUNK = 1 << 20
# Content-Encoding -> the zlib window bits its stream is read with, tried in order.
STREAM_WBITS: dict[str, tuple[int, ...]] = {
    "gzip": (16 + zlib.MAX_WBITS,),  # gzip header and trailer
    "x-gzip": (16 + zlib.MAX_WBITS,),
    "deflate": (zlib.MAX_WBITS, -zlib.MAX_WBITS),  # zlib-wrapped as the RFC says, or raw as some servers send
}


def declared_length(response: Response) -> int | None:
    """Return the Content-Length the server declared, or None when absent or not a number."""
    values = response.headers.getlist(b"Content-Length")
    try:
        return int(values[0].split(b",")[0]) if values else None
    except ValueError:
        return None


def stream_complete(body: bytes, encoding: str, max_output: int) -> bool:
    """Return True if a gzip or deflate body holds a whole stream (its end marker), checked without keeping the
    output; False if it is cut short or damaged. Other encodings are not checked."""
    for wbits in STREAM_WBITS.get(encoding, ()):
        inflater = zlib.decompressobj(wbits)
        data, produced = body, 0
        try:
            while data and not inflater.eof:
                produced += len(inflater.decompress(data, _CHECK_CHUNK))
                data = inflater.unconsumed_tail
                if max_output and produced > max_output:
                    return True  # too large to matter: refused as too_large downstream
        except zlib.error:
            continue  # deflate: try the raw stream next; gzip: damaged
        if inflater.eof:
            return True
        return False
    return encoding not in STREAM_WBITS


class CompleteBodyMiddleware:
    """Refuse a truncated response (``TruncatedBody``, stored as error ``truncated``), before it is decompressed.

    Twisted already fails a body shorter than its Content-Length (DOWNLOAD_FAIL_ON_DATALOSS); this catches it
    whatever the download handler, and catches what nothing else does: a gzip or deflate stream cut short,
    which Scrapy's decompression turns into a shorter page without a word. A body delimited by the connection's
    close (HTTP/1.0, no Content-Length, flag ``partial``) cannot be told apart from a complete one unless it is
    compressed. Ordered after HttpCompressionMiddleware (590) so its process_response sees the raw body first.
    """

    def __init__(self, max_size: int = 0) -> None:
        self.max_size = max_size

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CompleteBodyMiddleware:
        """Return the middleware bound to the crawl's maximum page size."""
        return cls(crawler.settings.getint("DOWNLOAD_MAXSIZE"))

    def process_response(self, request: Request, response: Response) -> Response:
        """Return the response, or raise TruncatedBody."""
        if request.method == "HEAD" or response.status in BODYLESS_STATUSES or response.status < 200:
            return response
        declared = declared_length(response)
        if declared is not None and len(response.body) < declared:
            raise TruncatedBody(f"truncated: {len(response.body)} of {declared} bytes")
        header = response.headers.get(b"Content-Encoding", b"").decode("latin-1")
        outer = header.split(",")[-1].strip().lower()  # the last encoding applied is the first to undo
        if outer and not stream_complete(response.body, outer, self.max_size):
            raise TruncatedBody(f"truncated: the {outer} stream of {len(response.body)} bytes is cut short")
        return response


class HostGate:
    """One host's turn: a lock held while a request to it is under way, and when the next one may start."""

    def __init__(self) -> None:
        self.lock = DeferredLock()
        self.free_at = 0.0


# Per process, not per crawler: a batch process runs a crawler per site, and the next site of a chain (sites that
# share a host) must wait for the previous site's last request just as that site's own requests do.
HOST_GATES: dict[str, HostGate] = {}


class SpacedHTTPDownloadHandler(HTTP11DownloadHandler):
    """Scrapy's HTTP/1.1 handler, with requests to one host one at a time and HOST_MIN_SPACING_S between them.

    Scrapy's DOWNLOAD_DELAY (with its jitter and AutoThrottle) paces requests as they leave a downloader slot's queue,
    measured from the previous one leaving it; in a busy process the event loop may run late before a socket write,
    and each crawler has slots of its own. This handler is the last step before the wire: a host's next request, from
    whichever crawler of the process, starts only HOST_MIN_SPACING_S after its previous download ended (response or
    failure), so the server sees at least that gap between two requests, robots.txt included. A download's timeout
    starts after the wait.
    """

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        self.min_spacing_s = crawler.settings.getfloat("HOST_MIN_SPACING_S")
        self.closed = False

    async def download_request(self, request: Request) -> Response:
        """Wait for the host's previous download and the spacing after it, then download."""
        if self.min_spacing_s <= 0:
            return await super().download_request(request)
        gate = HOST_GATES.setdefault((urlparse_cached(request).hostname or "").lower(), HostGate())
        await maybe_deferred_to_future(gate.lock.acquire())
        try:
            while (wait := gate.free_at - time.monotonic()) > 0:
                await maybe_deferred_to_future(deferLater(reactor_module(), wait))
            if self.closed:
                raise IgnoreRequest(f"download handler closed before {request.url} could start")
            return await super().download_request(request)
        finally:
            gate.free_at = time.monotonic() + self.min_spacing_s
            gate.lock.release()

    async def close(self) -> None:
        """Close the connection pool; requests still waiting for their turn are dropped."""
        self.closed = True
        await super().close()


def reactor_module():
    """Return the installed Twisted reactor (imported late: installing it is the batch process's first step)."""
    from twisted.internet import reactor

    return reactor
