"""What every CMS adapter reads (a list page) and returns (rows, next requests, declared totals, evidence)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Protocol
from urllib.parse import urldefrag, urljoin, urlsplit

from parsel import Selector

from crawlers.sites import JsonApiRules, ListRules, host_allowed

# Links that are never notices: static assets and scripts. Documents (.pdf, .doc) stay: some lists link them.
ASSET_SUFFIXES = (".jpg", ".jpeg", ".png", ".gif", ".bmp", ".webp", ".svg", ".ico", ".css", ".js", ".swf", ".mp4")


@dataclass(frozen=True)
class ListRow:
    """One notice as a list shows it."""

    url: str  # absolute detail URL, fragment dropped
    title: str | None = None  # the full title as listed (title attribute when the text is cut short)
    date: str | None = None  # ISO date shown in the row (a yearless date gets its year inferred)
    date_text: str | None = None  # the date exactly as shown

    def as_dict(self) -> dict[str, str | None]:
        """Return the row as plain data."""
        return {"url": self.url, "title": self.title, "date": self.date, "date_text": self.date_text}


@dataclass(frozen=True)
class PageRequest:
    """A list page or data window to request: URL, method, form or body, headers, and its place in the walk."""

    url: str
    method: str = "GET"
    form: tuple[tuple[str, str], ...] = ()
    body: str | None = None
    headers: tuple[tuple[str, str], ...] = ()
    page_no: int = 1  # 1-based position in the column's list walk
    why: str = ""  # how it was found: "下一页 link", "createPageHTML page 2 of 5", ...

    def as_dict(self) -> dict[str, Any]:
        """Return the request as JSON-able data (stored as a walk's resume point)."""
        return {
            "url": self.url,
            "method": self.method,
            "form": [list(kv) for kv in self.form],
            "body": self.body,
            "headers": [list(kv) for kv in self.headers],
            "page_no": self.page_no,
            "why": self.why,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> PageRequest:
        """Return the request stored by `as_dict`."""
        return cls(
            url=data["url"],
            method=data.get("method", "GET"),
            form=tuple(tuple(kv) for kv in data.get("form") or ()),
            body=data.get("body"),
            headers=tuple(tuple(kv) for kv in data.get("headers") or ()),
            page_no=int(data.get("page_no", 1)),
            why=data.get("why", ""),
        )

    def key(self) -> str:
        """Return an identity for de-duplication: method, URL without fragment, form and body."""
        form = "&".join(f"{k}={v}" for k, v in sorted(self.form))
        return f"{self.method} {urldefrag(self.url).url} {form} {self.body or ''}"

    def describe(self) -> str:
        """Return a one-line description: method, URL and form fields."""
        form = " ".join(f"{k}={v}" for k, v in self.form)
        return f"{self.method} {self.url}" + (f" [{form}]" if form else "")


@dataclass
class ListResult:
    """What an adapter read from one list page."""

    adapter: str
    rows: list[ListRow] = field(default_factory=list)
    next: list[PageRequest] = field(default_factory=list)
    declared_pages: int | None = None  # 共N页, countPage, pages implied by totalrecord
    declared_records: int | None = None  # 共N条, totalrecord, total
    shell: bool = False  # the page holds no rows by design (an app shell whose rows come from an API)
    rejected: list[tuple[str, str]] = field(default_factory=list)  # (url, reason) of links not taken
    evidence: list[str] = field(default_factory=list)  # fingerprints and notes, for `sites try`
    group: str | None = None  # signature of the row group chosen (kept for the column's next pages)
    column: str | None = None  # the column name the page states (meta ColumnName, breadcrumb)
    state: dict[str, Any] = field(default_factory=dict)  # carried to the next page of the walk


@dataclass
class ListPage:
    """A fetched list page (or data window) as adapters see it."""

    url: str
    text: str
    content_type: str = "text/html"
    page_no: int = 1
    entry_url: str = ""  # the column's start URL, fragment included (gkmlpt keeps its category there)
    allowed_domains: list[str] = field(default_factory=list)
    detail_regex: re.Pattern[str] | None = None
    rules: ListRules = field(default_factory=ListRules)
    json_api: JsonApiRules | None = None
    state: dict[str, Any] = field(default_factory=dict)  # from the previous page of this walk
    request: PageRequest | None = None  # how this page was asked for (method, form), when not a plain GET

    @cached_property
    def selector(self) -> Selector:
        """Return the page parsed as HTML."""
        return Selector(text=self.text or "<html></html>", type="html")

    @cached_property
    def is_json(self) -> bool:
        """Return True when the page is a JSON document."""
        head = self.text.lstrip()[:1]
        return "json" in self.content_type.lower() or head in ("{", "[")

    @cached_property
    def json(self) -> Any:
        """Return the parsed JSON document, or None when it is not JSON."""
        try:
            return json.loads(self.text)
        except ValueError:
            return None

    def absolute(self, href: str) -> str:
        """Return `href` resolved against the page URL, fragment dropped."""
        return urldefrag(urljoin(self.url, href.strip())).url

    def link_problem(self, url: str) -> str | None:
        """Return why a resolved link cannot be a detail page (offsite, not_http, asset, pattern), else None."""
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https"):
            return "not_http"
        if not host_allowed(parts.hostname or "", self.allowed_domains):
            return "offsite"
        if parts.path.lower().endswith(ASSET_SUFFIXES):
            return "asset"
        if self.detail_regex is not None and not self.detail_regex.search(url):
            return "pattern"
        return None


class Adapter(Protocol):
    """One CMS family: how to recognise its list pages and read their rows and pagers."""

    name: str

    def fingerprint(self, page: ListPage) -> list[str]:
        """Return the evidence that the page belongs to this family (empty: it does not)."""
        ...

    def parse(self, page: ListPage) -> ListResult:
        """Return the rows, next requests and declared totals of the page."""
        ...


def matched(table: list[tuple[re.Pattern[str], str]], text: str) -> list[str]:
    """Return the notes of the fingerprint patterns that occur in `text`."""
    return [note for pattern, note in table if pattern.search(text)]
