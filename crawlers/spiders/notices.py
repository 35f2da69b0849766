"""The generic list -> detail notice spider, driven by one registry entry and the CMS adapters.

Each start request is a column's list walk (crawlers/spiders/walk.py): its list pages are read by the adapter
detected on the first page (crawlers/cms/), every row becomes a detail request carrying what the list said of it,
the rows are stored as list evidence, and the walk stops at known notices, at the end of the list, or at a budget,
keeping in the site's raw file where to resume. With `dry_run`, nothing is stored and no detail page is fetched:
the spider only reports what it would do (`zhcorpus sites try`).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

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

from crawlers.cms import ListPage, ListResult, PageRequest, parse_list
from crawlers.items import ListedRows, RawPage
from crawlers.middlewares import FixtureProxyMissing, TruncatedBody
from crawlers.pipelines import STATS_PREFIX
from crawlers.safety import refusal_reason
from crawlers.sites import RequestSpec, Site, host_allowed, load_registry
from crawlers.spiders.walk import ColumnWalk
from db.ids import canonical_url
from db.raw import KnownPage, RawStore, read_known_pages, utc_now

logger = logging.getLogger(__name__)

# Statuses after which a failed page is worth fetching again on the next run (a 404 is not).
TRANSIENT_STATUSES = frozenset({408, 429, 500, 502, 503, 504, 522, 524})

# Failures without a status that a next run would only repeat: wait recheck_days like a 404.
PERMANENT_ERRORS = frozenset({"too_large", "robots", "offsite", "private_address"})

# Short error reasons for failures without a usable response, checked in order (first match wins).
ERROR_REASONS: list[tuple[str, tuple[type[BaseException], ...]]] = [
    ("no_fixture_proxy", (FixtureProxyMissing,)),
    # The body ended before its Content-Length, or its gzip/deflate stream is cut: not a page to keep.
    ("truncated", (TruncatedBody, ResponseDataLossError)),
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
            twisted_error.ConnectError,
            twisted_error.ConnectionLost,
            twisted_error.ConnectionDone,
            ConnectionError,
        ),
    ),
]


def error_reason(failure: Failure) -> str:
    """Return a short reason for a failed request: offsite, private_address, truncated, timeout, dns, too_large,
    robots, connection, ..."""
    exc = failure.value
    request = getattr(failure, "request", None)
    refused = refusal_reason(exc, urlsplit(request.url).hostname if request is not None else None)
    if refused:
        return refused
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
    """Return the URL originally requested, before any redirect; a POST's form is appended as its query.

    Data-proxy windows of one URL differ only in their form, so the form keeps each window its own raw page.
    """
    url = (request.meta.get("redirect_urls") or [request.url])[0]
    content_type = (request.headers.get("Content-Type") or b"").decode("latin-1")
    if request.method == "POST" and request.body and "x-www-form-urlencoded" in content_type:
        url += ("&" if "?" in url else "?") + request.body.decode("latin-1")
    return url


def column_key(request: PageRequest) -> str:
    """Return the identity of a column's list walk: method, canonical start URL, form and body."""
    form = urlencode(sorted(request.form))
    return " ".join(p for p in (request.method, canonical_url(request.url), form, request.body or "") if p)


def page_request_of(spec: RequestSpec) -> PageRequest:
    """Return the first list request of a registry start request."""
    form = tuple(sorted((spec.form or {}).items()))
    return PageRequest(spec.url, spec.method, form, spec.body, tuple(spec.headers.items()), page_no=1, why="start")


def scrapy_request(req: PageRequest, **kwargs: Any) -> scrapy.Request:
    """Return the Scrapy request for a list request: GET, a form POST, or a request with a raw body."""
    headers = dict(req.headers)
    if req.method == "POST" and req.form:
        return scrapy.FormRequest(req.url, formdata=list(req.form), headers=headers, **kwargs)
    url = req.url
    if req.method == "GET" and req.form:
        url += ("&" if "?" in url else "?") + urlencode(req.form)
    return scrapy.Request(url, method=req.method, body=(req.body or "").encode("utf-8"), headers=headers, **kwargs)


def _optional_int(value: int | str | None) -> int | None:
    return None if value in (None, "") else int(value)


def _as_bool(value: bool | str) -> bool:
    return value if isinstance(value, bool) else value.strip().lower() in ("1", "true", "yes")


# Adapters whose list pages are HTML: an empty one past page 1 is an error, not the end of the data.
HTML_ADAPTERS = frozenset({"static", "trs", "ucap"})


def page_problem(result: ListResult, page_no: int) -> str | None:
    """Return the walk error a list page would count (for a dry run's report), else None."""
    if not result.rows and not result.shell:
        return "no_detail_links" if page_no == 1 else "empty_list_page"
    if not result.next and result.declared_pages and page_no < result.declared_pages:
        return f"pagination_stalled: the pager ends at page {page_no} of {result.declared_pages}"
    return None


class NoticesSpider(scrapy.Spider):
    """Walk a site's list pages, store them and every detail page they link to, raw, with the list rows.

    Arguments (strings, as `scrapy crawl -a` would pass them): `site` (registry id), `run_id`,
    `raw_db` (path to the site's raw file), optional `registry` (path to a sites.yaml), per-run overrides
    `max_list_pages`, `max_detail_pages` and `full_walk` (walk every list page within the budget
    instead of stopping at known notices), and `dry_run` with `try_pages` (list pages per column to read).
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
        dry_run: bool | str = False,
        try_pages: int | str = 2,
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
        self.dry_run = _as_bool(dry_run)
        self.try_pages = int(try_pages)
        self.allowed_domains = list(self.site.allowed_domains)
        self.run_id = run_id
        self.raw_db = Path(raw_db)
        self.detail_regex = self.site.detail_regex
        # Filled from the raw file when the crawl starts; tests may set them directly.
        self.known: dict[str, KnownPage] | None = None
        self.stored_walks: dict[str, dict] | None = None
        self.walks: dict[str, ColumnWalk] = {}
        self.report: list[dict] = []  # what a dry run saw, page by page
        self.now = datetime.now(UTC)
        self.list_pages_requested = 0
        self.detail_pages_requested = 0
        self._seen_lists: set[str] = set()
        self._seen_details: set[str] = set()
        self._store: RawStore | None = None

    # -- start -------------------------------------------------------------------------------------
    def load_known(self) -> dict[str, KnownPage]:
        """Return (and cache) the pages of this site already in the raw file (read-only in a dry run)."""
        if self.known is None:
            if self.dry_run:
                self.known = read_known_pages(self.raw_db, self.site.id)
            else:
                self.known = self.store().known_pages(self.site.id)
            logger.info("%s: %d pages already known", self.site.id, len(self.known))
        return self.known

    def store(self) -> RawStore:
        """Return the spider's own raw-file connection (list-walk state); the pipeline stores pages."""
        if self._store is None:
            self._store = RawStore(self.raw_db)
        return self._store

    def load_walks(self) -> dict[str, dict]:
        """Return (and cache) the stored list walks of this site (none in a dry run)."""
        if self.stored_walks is None:
            self.stored_walks = {} if self.dry_run else self.store().list_walks(self.site.id)
        return self.stored_walks

    def ensure_walks(self) -> dict[str, ColumnWalk]:
        """Return the walks of this crawl, one per start request, created on first use."""
        if not self.walks:
            stored = self.load_walks()
            for spec in self.site.entry_requests():
                entry = page_request_of(spec)
                key = column_key(entry)
                # The column: the start request's, else the one the list page states, else the site's default.
                self.walks[key] = ColumnWalk(self.site.id, key, entry, spec.column, stored.get(key), self.run_id)
        return self.walks

    async def start(self) -> AsyncIterator[scrapy.Request]:
        """Yield the requests for the site's start (list) pages."""
        for request in self.start_list_requests():
            yield request

    def start_list_requests(self) -> Iterator[scrapy.Request]:
        """Yield the first list request of every column, within the list budget, recording each walk's start."""
        self.load_known()
        for walk in self.ensure_walks().values():
            if walk.resuming:
                self._count("walk/resumed")
                logger.info("%s: resuming the unfinished walk of %s", self.site.id, walk.entry.url)
            yield from self._list_request(walk, walk.entry, {})
            self.save_walk(walk)

    # -- requests ----------------------------------------------------------------------------------
    def _count(self, key: str, n: int = 1) -> None:
        crawler = getattr(self, "crawler", None)  # absent when a test builds the spider by hand
        if crawler is not None and crawler.stats is not None:
            crawler.stats.inc_value(f"{STATS_PREFIX}/{key}", n)

    def _walk_error(self, name: str, walk: ColumnWalk, detail: str) -> None:
        """Count a walk error (no_detail_links, pagination_stalled, budgets) and say where it happened."""
        self._count(f"walk_error/{name}")
        logger.warning("%s: %s on %s (%s)", self.site.id, name, walk.entry.url, detail)

    def _list_request(self, walk: ColumnWalk, req: PageRequest, state: dict) -> Iterator[scrapy.Request]:
        key = req.key()
        if key in self._seen_lists:
            return
        limit = self.try_pages * len(self.walks or [1]) if self.dry_run else self.limits.max_list_pages
        if self.list_pages_requested >= limit:
            if not self.dry_run:
                walk.pending, walk.pending_state, walk.stop_reason = req, state, "list_budget"
                self._count("budget/max_list_pages")
                self._walk_error("list_budget_cut", walk, f"{self.limits.max_list_pages} list pages, next {req.url}")
            return
        self._seen_lists.add(key)
        self.list_pages_requested += 1
        walk.add_page(req, state)
        # dont_filter: we de-duplicate ourselves, so Scrapy's dupefilter never drops a page silently
        # (it would also drop a redirect landing on a URL already fetched).
        meta = {"page_type": "list", "walk": walk.key, "page_no": req.page_no, "state": state, "list_request": req}
        yield scrapy_request(req, callback=self.parse_list, errback=self.on_error, meta=meta, dont_filter=True)

    def _detail_request(self, row, walk: ColumnWalk, page_no: int, listed: dict) -> Iterator[scrapy.Request]:
        key = canonical_url(row.url)
        if key in self._seen_details:
            return
        self._seen_details.add(key)
        known = self.load_known().get(key)
        headers = self._conditional_headers(known) if known is not None else {}
        if known is not None and not headers and not self._due_for_recheck(known):
            self._count("skipped_known")
            return
        progress = walk.pages.get(page_no)
        if self.detail_pages_requested >= self.limits.max_detail_pages:
            self._count("budget/max_detail_pages")
            if progress is not None and not progress.cut:
                progress.cut = True
                self._walk_error("detail_budget_cut", walk, f"{self.limits.max_detail_pages} detail pages")
            return
        self.detail_pages_requested += 1
        if progress is not None:
            progress.outstanding.add(key)
        meta = {"page_type": "detail", "walk_ref": (walk.key, page_no, key), "listed": listed}
        yield scrapy.Request(
            row.url, headers=headers, callback=self.parse_detail, errback=self.on_error, meta=meta, dont_filter=True
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

    @staticmethod
    def _retry_due(known: KnownPage) -> bool:
        """Return True when the last attempt failed in a way that may not repeat (no response, 5xx, 429)."""
        if known.sha256 is not None or known.error in PERMANENT_ERRORS:
            return False
        return known.status is None or known.status in TRANSIENT_STATUSES

    def _due_for_recheck(self, known: KnownPage) -> bool:
        """Return True when a known page without validators should be fetched again."""
        if self._retry_due(known):
            return True
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

    def _settled(self, walk: ColumnWalk, url: str) -> bool:
        """Return True when a row's notice was fetched before the walk under way began (and needs no retry)."""
        known = self.load_known().get(canonical_url(url))
        return known is not None and (known.first_seen or "") < walk.started_at and not self._retry_due(known)

    def _wanted_detail(self, url: str) -> bool:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https"):
            return False
        if not host_allowed(parts.hostname or "", self.allowed_domains):
            return False
        return self.detail_regex is None or self.detail_regex.search(url) is not None

    # -- walk state ----------------------------------------------------------------------------------
    def save_walk(self, walk: ColumnWalk) -> None:
        """Store the walk's state in the raw file when it changed (never in a dry run)."""
        if self.dry_run:
            return
        row = walk.changed_row()
        if row is not None:
            self.store().save_list_walk(row)

    def detail_stored(self, walk_ref: tuple) -> None:
        """Count a detail page of a list page done (called by the pipeline once the page is stored)."""
        key, page_no, detail_key = walk_ref
        walk = self.walks.get(key)
        if walk is None or page_no not in walk.pages:
            return
        walk.pages[page_no].outstanding.discard(detail_key)
        self.save_walk(walk)

    def closed(self, reason: str) -> None:
        """Store every walk's final state and count how the walks ended."""
        for walk in self.walks.values():
            row = walk.finish(crashed=reason != "finished")
            self._count(f"walk/{row['state']}")
            self._count(f"walk/stop/{walk.stop_reason}")
            if walk.adapter:
                self._count(f"adapter/{walk.adapter}")
            if not self.dry_run:
                self.store().save_list_walk(row)
        if self._store is not None:
            self._store.close()
            self._store = None

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
            walk_ref=response.meta.get("walk_ref"),
        )

    def parse_detail(self, response: Response) -> Iterator[RawPage]:
        """Yield the detail page, raw."""
        yield self.raw_page(response)

    def _walk_of(self, response: Response) -> ColumnWalk:
        walks = self.ensure_walks()
        return walks.get(response.meta.get("walk")) or next(iter(walks.values()))

    def read_list(self, response: TextResponse, walk: ColumnWalk) -> ListResult:
        """Return what the list page holds, read by the column's adapter."""
        meta = response.meta
        page = ListPage(
            url=response.url,
            text=response.text,
            content_type=(response.headers.get("Content-Type") or b"").decode("latin-1"),
            page_no=meta.get("page_no", 1),
            entry_url=walk.entry.url,
            allowed_domains=self.allowed_domains,
            detail_regex=self.detail_regex,
            rules=self.site.list_rules,
            json_api=self.site.json_api,
            state=dict(meta.get("state") or {}),
            request=meta.get("list_request"),
        )
        return parse_list(page, self.site.cms)

    def parse_list(self, response: Response) -> Iterator[RawPage | ListedRows | scrapy.Request]:
        """Yield the list page raw, its rows, requests for its detail pages, and the next list page."""
        if not self.dry_run:
            yield self.raw_page(response)
        walk = self._walk_of(response)
        page_no = response.meta.get("page_no", 1)
        progress = walk.pages.get(page_no)
        if not (200 <= response.status < 300) or not isinstance(response, TextResponse):
            walk.stop_reason = walk.stop_reason or "list_error"
            self._note_dry_run(response, walk, None, f"HTTP {response.status}")
            self.save_walk(walk)
            return
        result = self.read_list(response, walk)
        walk.adapter = walk.adapter or result.state.get("adapter")
        walk.declared_pages = result.declared_pages or walk.declared_pages
        walk.column = walk.column or result.column or self.site.column
        if progress is not None:
            progress.parsed = True
        if self.dry_run:
            self._note_dry_run(response, walk, result, None)
            for nxt in result.next:
                yield from self._list_request(walk, nxt, result.state)
            return
        listed = {"column": walk.column, "list_url": response.url}
        if result.rows:
            yield ListedRows(
                site_id=self.site.id,
                run_id=self.run_id,
                column_key=walk.key,
                column_name=walk.column,
                list_url=requested_url(response.request),
                rows=[row.as_dict() for row in result.rows],
                seen_at=utc_now(),
            )
        for row in result.rows:
            yield from self._detail_request(row, walk, page_no, {**listed, "title": row.title, "date": row.date})
        yield from self._continue_walk(walk, result, page_no)
        self.save_walk(walk)

    def _continue_walk(self, walk: ColumnWalk, result: ListResult, page_no: int) -> Iterator[scrapy.Request]:
        """Yield the next list request of the walk, or record why the walk stops here."""
        rows = result.rows
        known = self.load_known()
        progress = walk.pages.get(page_no)
        if not rows and not result.shell:
            if page_no == 1:  # the column yields nothing at all
                walk.stop_reason = "no_detail_links"
                self._walk_error("no_detail_links", walk, "its first list page has no notice rows")
            elif result.adapter not in HTML_ADAPTERS and not result.declared_records:
                walk.stop_reason = "end_of_list"  # an empty data window is how an API says "no more"
            else:
                walk.stop_reason = "empty_list_page"
                self._walk_error("empty_list_page", walk, f"list page {page_no} has no notice rows")
            return
        if progress is not None and progress.cut:
            walk.stop_reason = "detail_budget"
            return
        if rows and not self.full_walk and all(self._settled(walk, r.url) for r in rows):
            # Notices are listed newest first: a page of notices known before this walk means the rest is known.
            walk.stop_reason = "settled"
            self._count("list_walk_stopped_at_known")
            logger.info("%s: every notice on list page %d is known, walk done", self.site.id, page_no)
            return
        fresh = [r for r in rows if canonical_url(r.url) not in walk.listed]
        walk.listed.update(canonical_url(r.url) for r in rows)
        if page_no > 1 and not fresh:
            # The pager moved but the list did not: the page parameter is ignored, or the rows are not the list.
            walk.stop_reason = "pagination_repeats"
            self._walk_error("pagination_repeats", walk, f"list page {page_no} lists only rows seen on earlier pages")
            return
        resume = walk.resume_point()
        all_known = bool(rows) and all(canonical_url(r.url) in known for r in rows)
        if all_known and resume and not walk.jumped and not self.full_walk and resume[0].page_no > page_no + 1:
            # The unfinished walk already did the pages in between: go on where it stopped.
            walk.jumped = True
            logger.info("%s: resuming %s at list page %d", self.site.id, walk.entry.url, resume[0].page_no)
            yield from self._list_request(walk, resume[0], resume[1])
            return
        if result.next:
            for nxt in result.next:
                yield from self._list_request(walk, nxt, result.state)
            return
        if result.declared_pages and page_no < result.declared_pages:
            walk.stop_reason = "pagination_stalled"
            self._walk_error("pagination_stalled", walk, f"pager ends at page {page_no} of {result.declared_pages}")
            return
        walk.stop_reason = "end_of_list"

    def _note_dry_run(self, response: Response, walk: ColumnWalk, result: ListResult | None, error: str | None) -> None:
        """Record what a dry run saw on one list page (for `zhcorpus sites try`)."""
        if not self.dry_run:
            return
        known = self.load_known()
        req = response.meta.get("list_request")
        entry: dict[str, Any] = {
            "column": walk.entry.url,
            "page_no": response.meta.get("page_no", 1),
            "request": req.describe() if req else f"GET {response.url}",
            "status": response.status,
            "error": error,
        }
        if result is not None:
            entry.update(
                adapter=result.adapter,
                evidence=result.evidence,
                column_name=walk.column,
                declared_pages=result.declared_pages,
                declared_records=result.declared_records,
                group=result.group,
                rows=[{**r.as_dict(), "known": canonical_url(r.url) in known} for r in result.rows],
                next=[{"request": n.describe(), "why": n.why, "page_no": n.page_no} for n in result.next],
                rejected=result.rejected,
                shell=result.shell,
                problem=page_problem(result, entry["page_no"]),
            )
        self.report.append(entry)

    def on_error(self, failure: Failure) -> Iterator[RawPage]:
        """Yield a RawPage recording a failed request (no response), with a short reason."""
        request = failure.request
        reason = error_reason(failure)
        logger.info("%s: %s failed: %s (%s)", self.site.id, request.url, reason, failure.value)
        if request.meta.get("page_type") == "list":
            walk = self.ensure_walks().get(request.meta.get("walk"))
            if walk is not None:
                walk.stop_reason = walk.stop_reason or "list_error"
                self.save_walk(walk)
            if self.dry_run:
                self.report.append(
                    {"column": walk.entry.url if walk else request.url, "request": request.url, "error": reason}
                )
                return
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
            walk_ref=request.meta.get("walk_ref"),
        )
