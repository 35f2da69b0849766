"""Plain static pagers: 下一页 links, 首页/上一页/下一页/尾页 bars, numbered ?page=N or index_N links, select boxes.

The rows of every HTML list come from `crawlers.cms.rows`; this module finds where the next list page is and how
many pages the page says there are (共N页), so a pager that stops early is noticed.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from crawlers.cms.base import ListPage, ListResult, PageRequest
from crawlers.cms.rows import clean_text, detect_rows, page_column, rows_from_selector
from crawlers.sites import is_xpath

# Link texts (or title/alt) of the next-page link, exact after whitespace is removed.
NEXT_TEXTS = frozenset(
    {
        "下一页",  # the usual
        "下页",
        "下一頁",  # Traditional
        "下頁",
        "后一页",
        "後一頁",
        "下一页>",
        "下一页>>",
        "下一页»",
        "下一页›",
        "next",
        "Next",
        "next>",
        "Next>",
        ">",  # a bare arrow between 上一页/下一页 style bars
        "›",
        "»",
    }
)
# Link texts of the other pager buttons: they mark the pager region (numbers near them are page numbers).
PAGER_TEXTS = frozenset(
    {"首页", "首頁", "上一页", "上一頁", "上页", "尾页", "尾頁", "末页", "末頁", "最后一页", "<", "‹", "«", "<<", ">>"}
)
LAST_TEXTS = frozenset({"尾页", "尾頁", "末页", "末頁", "最后一页", "最后页"})
# Classes of next-page links when their text is an image or an icon.
NEXT_CLASS = re.compile(r"(^|[\s_-])(next|nextpage|page-next|next_page|xyy)([\s_-]|$)", re.I)

# How pages say how many pages there are, tried in order on short text; each yields the page count.
DECLARED_PAGES: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"共\s*(\d+)\s*[页頁]"), "共N页"),
    (re.compile(r"第?\s*\d+\s*/\s*(\d+)\s*[页頁]"), "M/N页"),
    (re.compile(r"页次\s*[:：]?\s*\d+\s*/\s*(\d+)"), "页次 M/N"),
    (re.compile(r"总页数\s*[:：]?\s*(\d+)"), "总页数"),
    (re.compile(r"\b(?:totalPage|pageCount|totalPages|page_count)\s*[=:]\s*[\"']?(\d+)"), "JS page count"),
]
# Record counts, with the page size that turns them into pages.
DECLARED_RECORDS = re.compile(r"共\s*(\d+)\s*(?:条|條|篇|项)")
PER_PAGE = re.compile(r"每页\s*(?:显示)?\s*(\d+)\s*(?:条|條|篇)")
# Text that declares totals is short: a pager bar, not running text.
DECLARATION_MAX_LEN = 80

# A URL inside a javascript: href or an onclick (location.href='list_3.html', window.open("..."))
JS_URL = re.compile(r"""(?:location(?:\.href)?|window\.open|href)\s*(?:=|\()\s*['"]([^'"]+)['"]""")
# Query parameters that carry the page number.
PAGE_PARAMS = (
    "page",
    "pageNo",
    "pageNum",
    "pageIndex",
    "curPage",
    "currentPage",
    "pageno",
    "pagenum",
    "p",
    "pn",
    "page_no",
)


def declared_pages(page: ListPage) -> tuple[int | None, int | None, str | None]:
    """Return (pages, records, how) the page declares, from short text and scripts; None where it says nothing."""
    texts = [clean_text(t) for t in page.selector.xpath("//body//text()[not(ancestor::style)]").getall()]
    short = " ".join(t for t in texts if t and len(t) <= DECLARATION_MAX_LEN)
    for pattern, how in DECLARED_PAGES:
        m = pattern.search(short)
        if m and int(m.group(1)) > 0:
            return int(m.group(1)), _records(short), how
    records = _records(short)
    per = PER_PAGE.search(short)
    if records and per and int(per.group(1)) > 0:
        return math.ceil(records / int(per.group(1))), records, "共N条 每页M条"
    return None, records, None


def _records(text: str) -> int | None:
    m = DECLARED_RECORDS.search(text)
    return int(m.group(1)) if m else None


def _link_text(el) -> str:
    text = re.sub(r"\s+", "", el.text_content() or "")
    if not text:
        for attr in ("title", "alt"):
            text = re.sub(r"\s+", "", el.get(attr) or "")
            if text:
                break
        img = el.find(".//img")
        if not text and img is not None:
            text = re.sub(r"\s+", "", img.get("alt") or img.get("title") or "")
    return text


def _href_of(page: ListPage, el) -> str | None:
    href = (el.get("href") or "").strip()
    if href and not href.startswith("#") and not href.lower().startswith("javascript:"):
        return page.absolute(href)
    for source in (href, el.get("onclick") or ""):
        m = JS_URL.search(source)
        if m and not m.group(1).lower().startswith("javascript:"):
            return page.absolute(m.group(1))
    return None


def _allowed(page: ListPage, url: str | None, self_ok: bool = False) -> bool:
    if not url or page.link_problem(url) not in (None, "pattern"):
        return False
    return self_ok or url != page.absolute(page.url)


def next_link(page: ListPage) -> tuple[str, str] | None:
    """Return (url, why) of the page's next-page link, else None."""
    for el in page.selector.root.iter("a"):
        text = _link_text(el)
        is_next = text in NEXT_TEXTS or (text.startswith("下一页") and len(text) <= 6)
        if not is_next and not NEXT_CLASS.search(el.get("class") or ""):
            continue
        if text.startswith("下一篇"):  # the next article, not the next list page
            continue
        url = _href_of(page, el)
        if _allowed(page, url):
            return url, f"{text or 'next'} link"
    return None


def numbered_links(page: ListPage, declared: int | None) -> list[tuple[int, str]]:
    """Return (page number, url) of pager links: numbered links, 尾页 (the declared last page), select options."""
    pairs: list[tuple[int, str]] = []
    for el in page.selector.root.iter("a"):
        text = _link_text(el)
        url = _href_of(page, el)
        if not _allowed(page, url, self_ok=True):
            continue
        if text.isdigit() and 0 < int(text) < 100000:
            pairs.append((int(text), url))
        elif text in LAST_TEXTS and declared:
            pairs.append((declared, url))
    for option in page.selector.root.iter("option"):
        value = (option.get("value") or "").strip()
        digits = re.findall(r"\d+", option.text_content() or "")
        if value and digits and not value.isdigit() and re.search(r"[./?=]", value):
            url = page.absolute(value)
            if _allowed(page, url, self_ok=True):
                pairs.append((int(digits[0]), url))
    return pairs


def url_template(pairs: list[tuple[int, str]]) -> Callable[[int], str] | None:
    """Return page number -> URL fitted on pager links: one number in the URL grows linearly with the page."""
    shaped: dict[tuple, list[tuple[int, list[str]]]] = {}
    for number, url in pairs:
        parts = re.split(r"(\d+)", url)
        shape = tuple(p for i, p in enumerate(parts) if i % 2 == 0)
        shaped.setdefault(shape, []).append((number, parts))
    for members in sorted(shaped.values(), key=len, reverse=True):
        distinct = {n: parts for n, parts in members}
        if len(distinct) < 2:
            continue
        (n1, p1), (n2, p2) = sorted(distinct.items())[:2]
        slots = [i for i in range(1, len(p1), 2) if p1[i] != p2[i]]
        if len(slots) != 1:
            continue
        slot = slots[0]
        a = (int(p2[slot]) - int(p1[slot])) // (n2 - n1)
        b = int(p1[slot]) - a * n1
        if a <= 0 or any(int(parts[slot]) != a * n + b for n, parts in distinct.items()):
            continue

        def build(n: int, parts: list[str] = p1, slot: int = slot, a: int = a, b: int = b) -> str:
            filled = list(parts)
            filled[slot] = str(a * n + b)
            return "".join(filled)

        return build
    return None


def query_page_url(url: str, number: int) -> str | None:
    """Return the URL with its page-number query parameter set to `number`, else None when it has none."""
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    for i, (key, value) in enumerate(query):
        if key in PAGE_PARAMS and value.isdigit():
            query[i] = (key, str(number))
            return urlunsplit(parts._replace(query=urlencode(query)))
    return None


def static_next(page: ListPage, declared: int | None) -> PageRequest | None:
    """Return the request for the list page after this one, from links, numbered links or the URL, else None."""
    k = page.page_no
    if declared is not None and k >= declared:
        return None
    found = next_link(page)
    if found:
        return PageRequest(found[0], page_no=k + 1, why=found[1])
    pairs = numbered_links(page, declared)
    template = url_template(pairs)
    highest = max([declared or 0, *(n for n, _ in pairs)])
    if template and k + 1 <= highest and _allowed(page, template(k + 1)):
        return PageRequest(template(k + 1), page_no=k + 1, why=f"numbered pager links, page {k + 1} of {highest}")
    if declared and k < declared:
        url = query_page_url(page.url, k + 1)
        if url:
            return PageRequest(url, page_no=k + 1, why=f"page parameter, page {k + 1} of {declared}")
    return None


def registry_next(page: ListPage, selector: str) -> PageRequest | None:
    """Return the next list page a registry `next_page` selector picks, else None."""
    found = page.selector.xpath(selector) if is_xpath(selector) else page.selector.css(selector)
    for sel in found:
        href = sel.root if isinstance(sel.root, str) else sel.root.get("href")
        if href and href.strip():
            url = page.absolute(href)
            if _allowed(page, url):
                return PageRequest(url, page_no=page.page_no + 1, why=f"registry next_page {selector}")
    return None


def html_rows(page: ListPage, result: ListResult) -> ListResult:
    """Fill a result's rows from the page's HTML: the registry selector if any, else the detected list."""
    if page.rules.detail_links:
        found = rows_from_selector(page, page.rules.detail_links)
    else:
        found = detect_rows(page, prefer=page.state.get("group"))
    result.rows, result.group, result.rejected = found.rows, found.group, result.rejected + found.rejected
    result.column = result.column or page_column(page)
    if found.group:
        result.state["group"] = found.group
    return result


def finish_html(page: ListPage, result: ListResult, adapter_next: PageRequest | None) -> ListResult:
    """Set a result's next request: the registry selector, else the adapter's, else a static pager's."""
    pages, records, how = declared_pages(page)
    result.declared_pages = result.declared_pages or pages
    result.declared_records = result.declared_records or records
    if how and not result.evidence:
        result.evidence.append(f"pager declares {result.declared_pages} pages ({how})")
    if page.rules.next_page:
        nxt = registry_next(page, page.rules.next_page)
    else:
        nxt = adapter_next or static_next(page, result.declared_pages)
    result.next = [nxt] if nxt else []
    return result


class StaticAdapter:
    """Any HTML list: rows detected, next page from the page's links."""

    name = "static"

    def fingerprint(self, page: ListPage) -> list[str]:
        """Return evidence of a static pager (always matches as the last resort)."""
        return ["HTML list"]

    def parse(self, page: ListPage) -> ListResult:
        """Return rows and the next page of a static list."""
        result = html_rows(page, ListResult(adapter=self.name))
        return finish_html(page, result, None)
