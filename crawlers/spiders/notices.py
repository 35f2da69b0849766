"""The generic list -> detail notice spider, driven by one registry entry."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urldefrag, urlsplit

import scrapy
from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadCancelledError,
    DownloadConnectionRefusedError,
    DownloadFailedError,
    DownloadTimeoutError,
    IgnoreRequest,
    ResponseDataLossError,
)
from scrapy.http import Response, TextResponse
from twisted.internet import error as twisted_error
from twisted.internet.defer import CancelledError
from twisted.python.failure import Failure

from crawlers.items import RawPage
from crawlers.middlewares import FixtureProxyMissing
from crawlers.pipelines import STATS_PREFIX
from crawlers.sites import Site, host_allowed, is_xpath, load_registry
from db.ids import canonical_url
from db.raw import KnownPage, RawStore, utc_now

logger = logging.getLogger(__name__)

# Statuses after which a failed page is worth fetching again on the next run (a 404 is not).
TRANSIENT_STATUSES = frozenset({408, 429, 500, 502, 503, 504, 522, 524})

# Failures without a status that a next run would only repeat: wait recheck_days like a 404.
PERMANENT_ERRORS = frozenset({"too_large", "robots"})

# Short error reasons for failures without a usable response, checked in order (first match wins).
ERROR_REASONS: list[tuple[str, tuple[type[BaseException], ...]]] = [
    ("no_fixture_proxy", (FixtureProxyMissing,)),
    (
        "timeout",
        (DownloadTimeoutError, twisted_error.TimeoutError, TimeoutError),
    ),
    ("dns", (CannotResolveHostError, twisted_error.DNSLookupError)),
    # Scrapy cancels a download that exceeds DOWNLOAD_MAXSIZE (announced or while receiving).
    ("too_large", (DownloadCancelledError, CancelledError)),
    (
        "connection",
        (
            DownloadConnectionRefusedError,
            DownloadFailedError,
            ResponseDataLossError,
            twisted_error.ConnectError,
            twisted_error.ConnectionLost,
            twisted_error.ConnectionDone,
            ConnectionError,
        ),
    ),
]


def error_reason(failure: Failure) -> str:
    """Return a short reason for a failed request: timeout, dns, too_large, robots, connection, ..."""
    exc = failure.value
    for reason, types in ERROR_REASONS:
        if isinstance(exc, types):
            return reason
    if isinstance(exc, IgnoreRequest):
        message = str(exc).lower()
        if "robots.txt" in message:
            return "robots"
        if "redirect" in message:
            return "redirect_loop"
        return "ignored"
    return type(exc).__name__.lower()


def response_headers(response: Response) -> dict[str, str]:
    """Return headers as str -> str with lower-cased names; bytes map 1:1 through latin-1."""
    return {
        name.decode("latin-1").lower(): ", ".join(v.decode("latin-1") for v in values)
        for name, values in response.headers.items()
    }


def requested_url(request: scrapy.Request) -> str:
    """Return the URL originally requested, before any redirect."""
    return (request.meta.get("redirect_urls") or [request.url])[0]


def select_hrefs(response: TextResponse, selector: str) -> list[str]:
    """Return the hrefs of the <a> elements (or attribute values) a registry selector picks."""
    found = response.xpath(selector) if is_xpath(selector) else response.css(selector)
    hrefs = []
    for sel in found:
        href = sel.root if isinstance(sel.root, str) else sel.attrib.get("href")
        if href and href.strip():
            hrefs.append(href.strip())
    return hrefs


def _optional_int(value: int | str | None) -> int | None:
    return None if value in (None, "") else int(value)


def _as_bool(value: bool | str) -> bool:
    return value if isinstance(value, bool) else value.strip().lower() in ("1", "true", "yes")


class NoticesSpider(scrapy.Spider):
    """Walk a site's list pages, store them and every detail page they link to, raw.

    Arguments (strings, as `scrapy crawl -a` would pass them): `site` (registry id), `run_id`,
    `raw_db` (path to raw.db), optional `registry` (path to a sites.yaml), and per-run overrides
    `max_list_pages`, `max_detail_pages` and `full_walk` (walk every list page within the budget
    instead of stopping at the first page of known notices).
    """

    name = "notices"

    def __init__(
        self,
        site: str,
        run_id: str,
        raw_db: str,
        registry: str | None = None,
        max_list_pages: int | str | None = None,
        max_detail_pages: int | str | None = None,
        full_walk: bool | str = False,
        *args: Any,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.registry = load_registry(Path(registry) if registry else None)
        self.site: Site = self.registry.get(site)
        self.limits = self.site.limits_with(
            max_list_pages=_optional_int(max_list_pages), max_detail_pages=_optional_int(max_detail_pages)
        )
        self.full_walk = _as_bool(full_walk)
        self.allowed_domains = list(self.site.allowed_domains)
        self.run_id = run_id
        self.raw_db = Path(raw_db)
        self.detail_regex = self.site.detail_regex
        # Filled from raw.db when the crawl starts; tests may set it directly.
        self.known: dict[str, KnownPage] | None = None
        self.now = datetime.now(UTC)
        self.list_pages_requested = 0
        self.detail_pages_requested = 0
        self._seen_lists: set[str] = set()
        self._seen_details: set[str] = set()

    # -- start -------------------------------------------------------------------------------------
    def load_known(self) -> dict[str, KnownPage]:
        """Return (and cache) the pages of this site already in raw.db."""
        if self.known is None:
            store = RawStore(self.raw_db)
            try:
                self.known = store.known_pages(self.site.id)
            finally:
                store.close()
            logger.info("%s: %d pages already known", self.site.id, len(self.known))
        return self.known

    async def start(self) -> AsyncIterator[scrapy.Request]:
        """Yield the requests for the site's start (list) pages."""
        for request in self.start_list_requests():
            yield request

    def start_list_requests(self) -> Iterator[scrapy.Request]:
        """Yield one list request per start URL, within the list budget."""
        self.load_known()
        for url in self.site.start_urls:
            yield from self._list_request(url)

    # -- requests ----------------------------------------------------------------------------------
    def _count(self, key: str) -> None:
        crawler = getattr(self, "crawler", None)  # absent when a test builds the spider by hand
        if crawler is not None and crawler.stats is not None:
            crawler.stats.inc_value(f"{STATS_PREFIX}/{key}")

    def _list_request(self, url: str) -> Iterator[scrapy.Request]:
        key = canonical_url(url)
        if key in self._seen_lists:
            return
        if self.list_pages_requested >= self.limits.max_list_pages:
            self._count("budget/max_list_pages")
            logger.info("%s: list budget of %d pages reached at %s", self.site.id, self.limits.max_list_pages, url)
            return
        self._seen_lists.add(key)
        self.list_pages_requested += 1
        # dont_filter: we de-duplicate ourselves, so Scrapy's dupefilter never drops a page silently
        # (it would also drop a redirect landing on a URL already fetched).
        yield scrapy.Request(
            url,
            callback=self.parse_list,
            errback=self.on_error,
            meta={"page_type": "list"},
            dont_filter=True,
        )

    def _detail_request(self, url: str) -> Iterator[scrapy.Request]:
        key = canonical_url(url)
        if key in self._seen_details:
            return
        self._seen_details.add(key)
        known = self.load_known().get(key)
        headers = self._conditional_headers(known) if known is not None else {}
        if known is not None and not headers and not self._due_for_recheck(known):
            self._count("skipped_known")
            return
        if self.detail_pages_requested >= self.limits.max_detail_pages:
            self._count("budget/max_detail_pages")
            return
        self.detail_pages_requested += 1
        yield scrapy.Request(
            url,
            headers=headers,
            callback=self.parse_detail,
            errback=self.on_error,
            meta={"page_type": "detail"},
            dont_filter=True,
        )

    @staticmethod
    def _conditional_headers(known: KnownPage) -> dict[str, str]:
        """Return If-None-Match / If-Modified-Since for a page we hold a good body of."""
        if known.sha256 is None:
            return {}
        headers = {}
        if known.etag:
            headers["If-None-Match"] = known.etag
        if known.last_modified:
            headers["If-Modified-Since"] = known.last_modified
        return headers

    def _due_for_recheck(self, known: KnownPage) -> bool:
        """Return True when a known page without validators should be fetched again."""
        permanent = known.error in PERMANENT_ERRORS
        if known.sha256 is None and not permanent:
            if known.status is None or known.status in TRANSIENT_STATUSES:
                return True  # the last attempt failed in a way that may not repeat
        checked_at = known.last_seen or known.fetched_at  # the last check, not the last body download
        if not checked_at:
            return True
        try:
            fetched = datetime.fromisoformat(checked_at)
        except ValueError:
            return True
        if fetched.tzinfo is None:
            fetched = fetched.replace(tzinfo=UTC)
        return self.now - fetched >= timedelta(days=self.limits.recheck_days)

    def _wanted_detail(self, url: str) -> bool:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https"):
            return False
        if not host_allowed(parts.hostname or "", self.allowed_domains):
            return False
        return self.detail_regex is None or self.detail_regex.search(url) is not None

    # -- callbacks ---------------------------------------------------------------------------------
    def raw_page(self, response: Response) -> RawPage:
        """Return the RawPage for a response of any status."""
        status = response.status
        ok = 200 <= status < 300 or status == 304
        return RawPage(
            run_id=self.run_id,
            site_id=self.site.id,
            page_type=response.meta.get("page_type", "detail"),
            url=requested_url(response.request),
            final_url=response.url,
            status=status,
            headers=response_headers(response),
            body=response.body,
            fetched_at=utc_now(),
            error=None if ok else f"http_{status}",
        )

    def parse_detail(self, response: Response) -> Iterator[RawPage]:
        """Yield the detail page, raw."""
        yield self.raw_page(response)

    def parse_list(self, response: Response) -> Iterator[RawPage | scrapy.Request]:
        """Yield the list page raw, requests for its detail links, and the next list page."""
        yield self.raw_page(response)
        if not (200 <= response.status < 300) or not isinstance(response, TextResponse):
            return
        links = self.detail_links(response)
        known = self.load_known()
        all_known = bool(links) and all(canonical_url(u) in known for u in links)
        for url in links:
            yield from self._detail_request(url)
        if all_known and not self.full_walk:
            # Notices are listed newest first: a page of known notices means the rest is known too.
            self._count("list_walk_stopped_at_known")
            logger.info("%s: every notice on %s is known, not walking further", self.site.id, response.url)
            return
        next_selector = self.site.list_rules.next_page
        if next_selector:
            for href in select_hrefs(response, next_selector)[:1]:
                url = response.urljoin(href)
                if host_allowed(urlsplit(url).hostname or "", self.allowed_domains):
                    yield from self._list_request(url)

    def detail_links(self, response: TextResponse) -> list[str]:
        """Return the absolute detail URLs a list page links to, in page order, de-duplicated."""
        urls: dict[str, str] = {}
        for href in select_hrefs(response, self.site.list_rules.detail_links):
            # A fragment is never sent to the server; dropping it lets the pattern anchor on `$`.
            url = urldefrag(response.urljoin(href)).url
            if self._wanted_detail(url):
                urls.setdefault(canonical_url(url), url)
            else:
                self._count("links_rejected")
        return list(urls.values())

    def on_error(self, failure: Failure) -> Iterator[RawPage]:
        """Yield a RawPage recording a failed request (no response), with a short reason."""
        request = failure.request
        reason = error_reason(failure)
        logger.info("%s: %s failed: %s (%s)", self.site.id, request.url, reason, failure.value)
        yield RawPage(
            run_id=self.run_id,
            site_id=self.site.id,
            page_type=request.meta.get("page_type", "detail"),
            url=requested_url(request),
            final_url=request.url,
            status=None,
            headers={},
            body=None,
            fetched_at=utc_now(),
            error=reason,
        )
