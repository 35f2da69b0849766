"""TRS WCM: list pages index.html, index_1.html, ... whose pager exists only as a createPageHTML(...) call.

TRS publishes every page of a column as a static file and writes the pager with JavaScript, so the HTML has no
下一页 link at all. Two call signatures are in use (facts from public crawlers of TRS sites):

- `createPageHTML(countPage, currentPage, "index", "html")`: currentPage counts from 0; page 0 is index.html,
  page i is index_i.html; countPage pages in all. Often with `var countPage = 5` / `var currentPage = 0` above.
- `createPageHTML('page_div', 10, 1, 'list', 'shtml', 189)`: a container id, the page count, the current page
  counted from 1, prefix, suffix and the record count; page 1 is list.shtml, page n is list_n.shtml.
"""

from __future__ import annotations

import re
from urllib.parse import urljoin

from crawlers.cms.base import ListPage, ListResult, PageRequest, matched
from crawlers.cms.static import finish_html, html_rows

# Evidence that a list page is TRS WCM, with what each entry matches.
FINGERPRINTS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"createPageHTML\s*\("), "createPageHTML pager call"),
    (re.compile(r"var\s+countPage\s*="), "var countPage"),
    (re.compile(r"<meta[^>]+(?:generator|Generator)[^>]+TRS", re.I), "TRS generator meta"),
    (re.compile(r"TRS_Editor|trs_editor|TRS_PreAppend"), "TRS editor classes"),
    (re.compile(r"/t(?:19|20)\d{6}_\d+\.s?html?"), "TRS detail URLs (tYYYYMMDD_N.html)"),
]

# The two pager calls; values may be literals or the names of `var` assignments above the call.
CALL_ZERO_BASED = re.compile(
    r"createPageHTML\s*\(\s*(\w+)\s*,\s*(\w+)\s*,\s*[\"']([^\"']+)[\"']\s*,\s*[\"']([^\"']+)[\"']\s*\)"
)
CALL_WITH_CONTAINER = re.compile(
    r"createPageHTML\s*\(\s*[\"'][^\"']*[\"']\s*,\s*(\w+)\s*,\s*(\w+)\s*,\s*[\"']([^\"']+)[\"']\s*,\s*[\"']([^\"']+)[\"']"
    r"\s*(?:,\s*(\d+)\s*)?\)"
)
VAR_ASSIGNMENT = r"(?:var\s+)?{name}\s*=\s*(\d+)"


def _value(text: str, token: str) -> int | None:
    if token.isdigit():
        return int(token)
    m = re.search(VAR_ASSIGNMENT.format(name=re.escape(token)), text)
    return int(m.group(1)) if m else None


def trs_pager(page: ListPage) -> tuple[int, PageRequest | None, str] | None:
    """Return (page count, next page request or None, evidence) from a createPageHTML call, else None."""
    text = page.text
    m = CALL_WITH_CONTAINER.search(text)
    if m:
        count, current = _value(text, m.group(1)), _value(text, m.group(2))
        prefix, suffix = m.group(3), m.group(4)
        if count is None or current is None:
            return None
        nxt = None
        if current + 1 <= count:
            url = urljoin(page.url, f"{prefix}_{current + 1}.{suffix}")
            nxt = PageRequest(url, page_no=page.page_no + 1, why=f"createPageHTML page {current + 1} of {count}")
        return count, nxt, f"createPageHTML('…', {count}, {current}, '{prefix}', '{suffix}')"
    m = CALL_ZERO_BASED.search(text)
    if m:
        count, current = _value(text, m.group(1)), _value(text, m.group(2))
        prefix, suffix = m.group(3), m.group(4)
        if count is None or current is None:
            return None
        nxt = None
        if current + 1 < count:
            url = urljoin(page.url, f"{prefix}_{current + 1}.{suffix}")
            nxt = PageRequest(url, page_no=page.page_no + 1, why=f"createPageHTML page {current + 2} of {count}")
        return count, nxt, f'createPageHTML({count}, {current}, "{prefix}", "{suffix}")'
    return None


class TrsAdapter:
    """TRS WCM list pages: rows detected, next page from the createPageHTML call."""

    name = "trs"

    def fingerprint(self, page: ListPage) -> list[str]:
        """Return the TRS evidence on the page."""
        return matched(FINGERPRINTS, page.text)

    def parse(self, page: ListPage) -> ListResult:
        """Return rows, the next page and the page count of a TRS list page."""
        result = html_rows(page, ListResult(adapter=self.name))
        pager = trs_pager(page)
        if pager is None:
            return finish_html(page, result, None)
        count, nxt, evidence = pager
        result.declared_pages = count
        result.evidence.append(evidence)
        return finish_html(page, result, nxt)
