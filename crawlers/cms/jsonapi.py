"""JSON list APIs: rows at a path in the answer, detail URL/title/date in fields, pages by a page parameter.

A registry entry may spell it out (`json_api:` with `items`, `url` or `url_template`, `title`, `date`, `total`,
`page_param` or `page_url`); whatever it leaves out is detected from the answer: the largest array of objects
with a URL-like field, its most Chinese string field as title, a field whose values read as dates, a total
count, and a page-number parameter in the request URL or form.
"""

from __future__ import annotations

import math
import re
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from crawlers.cms.base import ListPage, ListResult, ListRow, PageRequest
from crawlers.cms.dates import epoch_date, find_full_date
from crawlers.cms.rows import clean_text
from crawlers.sites import JsonApiRules

# Field names that usually hold each part of a row, tried before anything is guessed (case-insensitive).
URL_FIELDS = ("url", "link", "href", "post_url", "detailUrl", "articleUrl", "docUrl", "pageUrl", "path", "htmlUrl")
TITLE_FIELDS = ("title", "name", "docTitle", "articleTitle", "subject", "bt", "mc")
DATE_FIELDS = (
    "publishDate",
    "publishTime",
    "pubDate",
    "releaseDate",
    "created_at",
    "createTime",
    "first_publish_time",
    "display_publish_time",
    "date",
    "time",
    "docDate",
    "fbrq",
    "fbsj",
)
TOTAL_FIELDS = ("total", "totalCount", "totalRecord", "totalElements", "count", "recordCount", "post_count", "totalNum")
PAGE_PARAMS = ("page", "pageNo", "pageNum", "pageIndex", "curPage", "currentPage", "current", "p", "pn", "page_no")
SIZE_PARAMS = ("pageSize", "size", "limit", "rows", "perPage", "page_size", "ps")
URL_LIKE = re.compile(r"^(https?://|/|\./|\.\./)[^\s]*$|\.s?html?(\?|$)")
CJK = re.compile(r"[\u4e00-\u9fff]")


def get_path(data: Any, path: str) -> Any:
    """Return the value at a dotted path (`data.list`, `classify.post_count`), or None."""
    for key in path.split("."):
        if isinstance(data, dict) and key in data:
            data = data[key]
        elif isinstance(data, list) and key.isdigit() and int(key) < len(data):
            data = data[int(key)]
        else:
            return None
    return data


def _first(data: Any, paths: list[str] | str | None) -> tuple[Any, str | None]:
    for path in [paths] if isinstance(paths, str) else paths or []:
        value = get_path(data, path)
        if value not in (None, ""):
            return value, path
    return None, None


def find_items(data: Any, prefix: str = "") -> list[tuple[str, list[dict]]]:
    """Return (path, array) for every array of objects in the answer, largest first."""
    found: list[tuple[str, list[dict]]] = []
    if isinstance(data, list) and data and all(isinstance(x, dict) for x in data):
        found.append((prefix.rstrip("."), data))
    if isinstance(data, dict):
        for key, value in data.items():
            found += find_items(value, f"{prefix}{key}.")
    return sorted(found, key=lambda pv: -len(pv[1]))


def _field_by_name(row: dict, names: tuple[str, ...]) -> str | None:
    lowered = {k.lower(): k for k in row}
    for name in names:
        if name.lower() in lowered:
            return lowered[name.lower()]
    return None


def detect_fields(items: list[dict]) -> dict[str, str | None]:
    """Return the url, title and date field names of rows, by name first, then by what their values look like."""
    sample = items[:20]
    row = sample[0]

    def share(key: str, test) -> float:
        return sum(1 for r in sample if test(r.get(key))) / len(sample)

    url = _field_by_name(row, URL_FIELDS)
    if url is None or share(url, lambda v: isinstance(v, str) and URL_LIKE.search(v)) < 0.5:
        cands = [k for k in row if share(k, lambda v: isinstance(v, str) and bool(URL_LIKE.search(v))) >= 0.8]
        url = cands[0] if cands else None
    title = _field_by_name(row, TITLE_FIELDS)
    if title is None:
        strings = [k for k in row if k != url and share(k, lambda v: isinstance(v, str)) == 1]
        title = max(strings, key=lambda k: sum(len(CJK.findall(r.get(k) or "")) for r in sample), default=None)
    date = _field_by_name(row, DATE_FIELDS)
    if date is None:
        cands = [k for k in row if share(k, lambda v: as_date(v) is not None) >= 0.8]
        date = cands[0] if cands else None
    return {"url": url, "title": title, "date": date}


def as_date(value: Any) -> str | None:
    """Return the ISO date of a JSON value: a date string, or epoch seconds or milliseconds."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float)) or (isinstance(value, str) and value.isdigit() and len(value) in (10, 13)):
        found = epoch_date(float(value))
        return found.isoformat() if found else None
    if isinstance(value, str):
        found = find_full_date(value)
        return found[0].isoformat() if found else None
    return None


def page_param(url: str, form: tuple[tuple[str, str], ...], name: str | None) -> tuple[str, str] | None:
    """Return ("query"|"form", parameter name) of the page number, given or detected, else None."""
    query = dict(parse_qsl(urlsplit(url).query))
    names = [name] if name else list(PAGE_PARAMS)
    for key in names:
        if key in query:
            return "query", key
        if any(k == key for k, _ in form):
            return "form", key
    return None


def with_page(req: PageRequest, where: str, name: str, number: int, page_no: int) -> PageRequest:
    """Return the request with its page parameter set to `number`."""
    if where == "query":
        parts = urlsplit(req.url)
        query = [(k, str(number) if k == name else v) for k, v in parse_qsl(parts.query, keep_blank_values=True)]
        url = urlunsplit(parts._replace(query=urlencode(query)))
        return PageRequest(url, req.method, req.form, req.body, req.headers, page_no, f"{name}={number}")
    form = tuple((k, str(number) if k == name else v) for k, v in req.form)
    return PageRequest(req.url, req.method, form, req.body, req.headers, page_no, f"{name}={number}")


class JsonApiAdapter:
    """A JSON list API (configured or detected)."""

    name = "json"

    def fingerprint(self, page: ListPage) -> list[str]:
        """Return evidence that the page is a JSON list: an array of objects with URL-like fields."""
        if not page.is_json or page.json is None:
            return []
        for path, items in find_items(page.json):
            if detect_fields(items)["url"]:
                return [f"JSON array {path or '(root)'} of {len(items)} rows with URLs"]
        return []

    def parse(
        self, page: ListPage, rules: JsonApiRules | None = None, request: PageRequest | None = None
    ) -> ListResult:
        """Return the rows of a JSON answer and the request for its next page."""
        rules = rules or page.json_api or JsonApiRules()
        result = ListResult(adapter=self.name)
        data = page.json
        if data is None:
            result.evidence.append("answer is not JSON")
            return result
        items, items_path = _first(data, rules.items)
        if not isinstance(items, list):
            candidates = find_items(data)
            items_path, items = candidates[0] if candidates else (None, [])
        items = [x for x in items if isinstance(x, dict)]
        fields = detect_fields(items) if items else {"url": None, "title": None, "date": None}
        url_paths = rules.url or fields["url"]
        title_paths = rules.title or fields["title"]
        date_paths = rules.date or fields["date"]
        for item in items:
            url = _row_url(page, item, rules.url_template, url_paths)
            if url is None:
                result.rejected.append((str(item.get("id", "?")), "no_url"))
                continue
            problem = page.link_problem(url)
            if problem:
                result.rejected.append((url, problem))
                continue
            title, _ = _first(item, title_paths)
            shown, _ = _first(item, date_paths)
            result.rows.append(
                ListRow(
                    url=url,
                    title=clean_text(str(title)) if title else None,
                    date=as_date(shown),
                    date_text=str(shown) if shown is not None else None,
                )
            )
        total, total_path = _first(data, rules.total or [p for p in _total_paths(data)])
        total = int(total) if isinstance(total, (int, str)) and str(total).isdigit() else None
        result.declared_records = total
        per = len(items)
        result.evidence.append(
            f"JSON rows at {items_path or '(root)'}: url={url_paths or rules.url_template}, title={title_paths}, "
            f"date={date_paths}, total={total} ({total_path})"
        )
        result.state["json"] = {"per": page.state.get("json", {}).get("per") or per}
        per = result.state["json"]["per"]
        if total and per:
            result.declared_pages = math.ceil(total / per)
        req = request or page.request or PageRequest(page.url, page_no=page.page_no)
        result.next = _next_page(page, rules, req, per, total, len(items))
        return result


def _total_paths(data: Any) -> list[str]:
    paths: list[str] = []
    if isinstance(data, dict):
        for key, value in data.items():
            if key in TOTAL_FIELDS and isinstance(value, (int, str)):
                paths.append(key)
            elif isinstance(value, dict):
                paths += [f"{key}.{p}" for p in _total_paths(value)]
    return paths


def _row_url(page: ListPage, item: dict, template: str | None, paths: list[str] | str | None) -> str | None:
    if template:
        try:
            return page.absolute(template.format(**item))
        except (KeyError, IndexError, ValueError):
            return None
    value, _ = _first(item, paths)
    return page.absolute(str(value)) if isinstance(value, str) and value.strip() else None


def _next_page(
    page: ListPage, rules: JsonApiRules, req: PageRequest, per: int, total: int | None, got: int
) -> list[PageRequest]:
    if got == 0 or (total is not None and page.page_no * per >= total):
        return []
    number = rules.page_start + page.page_no  # the page number the next request asks for
    if rules.page_url:
        url = rules.page_url.format(page=number)
        return [
            PageRequest(url, req.method, req.form, req.body, req.headers, page.page_no + 1, f"page_url page={number}")
        ]
    found = page_param(req.url, req.form, rules.page_param)
    if found is None:
        return []
    current = dict(parse_qsl(urlsplit(req.url).query)) if found[0] == "query" else dict(req.form)
    start = int(current.get(found[1], rules.page_start) or rules.page_start)
    # the page parameter may count from 0 or 1: continue from what this request asked for
    return [with_page(req, found[0], found[1], start + 1, page.page_no + 1)]
