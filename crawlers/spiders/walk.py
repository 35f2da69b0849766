"""The resumable list walk of one column: which list pages are done, where to resume, when the walk is over.

A walk starts at the column's first list page and follows its pager. It is over when it reaches a list page
whose notices were all fetched before the walk began ("settled"), or the end of the list. A page is complete once
it was read and every detail request it issued was stored. The site's raw file (`list_walks`) keeps, while the
walk is not over, when it began and the first page not complete; the next crawl walks the fresh head, then jumps
there. Pages only move to later positions as notices are added, so resuming at the stored position never skips a
notice, and notices fetched by the interrupted walk never end the resumed one (they are newer than its start).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from crawlers.cms.base import PageRequest
from db.raw import utc_now

COMPLETE, PARTIAL = "complete", "partial"

# Why a walk stopped (stored as list_walks.stop_reason and counted in the run summary).
STOP_REASONS = (
    "settled",  # reached a list page of notices fetched before the walk began: everything older is known
    "end_of_list",  # the pager has no next page (and the page says no more)
    "no_detail_links",  # the column's first list page has no notice rows (counted as an error)
    "empty_list_page",  # a later list page has no notice rows (counted as an error; the walk ends there)
    "pagination_stalled",  # the pager stops while the page declares more pages (counted as an error)
    "pagination_repeats",  # a later list page lists only rows earlier pages listed (counted as an error)
    "list_budget",  # max_list_pages reached: the next page was not requested (resumed next crawl)
    "detail_budget",  # max_detail_pages reached: notices of a page were not requested (resumed next crawl)
    "list_error",  # a list page could not be fetched (resumed next crawl)
    "interrupted",  # the walk ended without reaching any of the above (a request dropped on the way)
)
# Stops after which the walk is over; the others leave it partial for the next crawl.
FINAL_STOPS = frozenset(
    {"settled", "end_of_list", "no_detail_links", "empty_list_page", "pagination_stalled", "pagination_repeats"}
)


@dataclass
class PageProgress:
    """One list page of the walk in this crawl."""

    request: PageRequest
    state: dict[str, Any]
    parsed: bool = False
    outstanding: set[str] = field(default_factory=set)  # detail request keys not yet stored
    cut: bool = False  # some of its notices were not requested (detail budget)

    @property
    def complete(self) -> bool:
        """Return True when the page was read and all its detail requests are stored."""
        return self.parsed and not self.outstanding and not self.cut


@dataclass
class ColumnWalk:
    """The walk of one column in this crawl, and what the raw file says of the previous one."""

    site_id: str
    key: str
    entry: PageRequest
    column: str | None
    stored: dict[str, Any] | None
    run_id: str
    now: str = field(default_factory=utc_now)
    pages: dict[int, PageProgress] = field(default_factory=dict)
    stop_reason: str | None = None
    pending: PageRequest | None = None  # the next page a budget kept us from requesting
    pending_state: dict[str, Any] = field(default_factory=dict)
    adapter: str | None = None
    declared_pages: int | None = None
    jumped: bool = False
    pages_walked: int = 0
    listed: set[str] = field(default_factory=set)  # rows this crawl's walk has listed (canonical URLs)
    _saved: tuple | None = None

    @property
    def resuming(self) -> bool:
        """Return True when the previous walk of this column was left unfinished."""
        return bool(self.stored) and self.stored.get("state") == PARTIAL

    @property
    def started_at(self) -> str:
        """Return when the walk under way began: the unfinished one's start, else this crawl's."""
        if self.resuming and self.stored.get("walk_started_at"):
            return self.stored["walk_started_at"]
        return self.now

    def resume_point(self) -> tuple[PageRequest, dict[str, Any]] | None:
        """Return the stored resume request and adapter state of an unfinished walk, else None."""
        if not self.resuming or not self.stored.get("resume"):
            return None
        return PageRequest.from_dict(self.stored["resume"]), dict(self.stored.get("walk_state") or {})

    def add_page(self, request: PageRequest, state: dict[str, Any]) -> None:
        """Record that a list page of the walk was requested."""
        self.pages.setdefault(request.page_no, PageProgress(request=request, state=state))
        self.pages_walked += 1

    def first_incomplete(self) -> PageProgress | None:
        """Return the earliest page of this crawl's walk that is not complete, else None."""
        for page_no in sorted(self.pages):
            if not self.pages[page_no].complete:
                return self.pages[page_no]
        return None

    def row(self) -> dict[str, Any]:
        """Return the list_walks row that describes the walk as it stands."""
        incomplete = self.first_incomplete()
        over = self.stop_reason in FINAL_STOPS and incomplete is None
        if over:
            resume, state = None, None
        elif incomplete is not None:
            resume, state = incomplete.request, incomplete.state
        elif self.pending is not None:
            resume, state = self.pending, self.pending_state
        else:  # walking on: every page so far is complete, the next one is on its way
            last = self.pages[max(self.pages)] if self.pages else None
            resume, state = (last.request, last.state) if last else (self.entry, {})
        return {
            "site_id": self.site_id,
            "column_key": self.key,
            "column_name": self.column,
            "entry": self.entry.as_dict(),
            "adapter": self.adapter,
            "state": COMPLETE if over else PARTIAL,
            "walk_started_at": None if over else self.started_at,
            "resume": resume.as_dict() if resume else None,
            "resume_page": resume.page_no if resume else None,
            "walk_state": state if resume else None,
            "pages_walked": self.pages_walked,
            "declared_pages": self.declared_pages,
            "stop_reason": self.stop_reason,
            "run_id": self.run_id,
        }

    def changed_row(self) -> dict[str, Any] | None:
        """Return the row when it differs from the one last saved (what a progress write needs), else None."""
        row = self.row()
        marker = (row["state"], row["resume_page"], row["stop_reason"], row["column_name"], row["adapter"])
        if marker == self._saved:
            return None
        self._saved = marker
        return row

    def finish(self, crashed: bool) -> dict[str, Any]:
        """Return the final row at the end of the crawl; outstanding requests Scrapy dropped count as done."""
        if not crashed:
            for page in self.pages.values():
                page.outstanding.clear()
            if self.stop_reason is None:
                self.stop_reason = "interrupted"
        return self.row()
