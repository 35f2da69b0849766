"""Hanweb (大汉) jpage columns: rows embedded as <record> CDATA, the rest from dataproxy.jsp windows by POST.

A column page /col/colNNN/index.html carries its first window of records inside `<script type="text/xml">`
(`<datastore><recordset><record><![CDATA[<li>…</li>]]></record>…`) and a `$('#unit').jpage({...})` call whose
`ajaxParam` holds the form fields the data proxy wants. The browser then POSTs
`/module/web/jpage/dataproxy.jsp?startrecord=46&endrecord=90&perpage=15` with those fields as the form body;
many sites answer only POST. Windows are perPage x groupSize records; `totalRecord` (page) or `<totalrecord>`
(proxy answer) bounds them. Facts from public crawlers of Hanweb sites (jiangsu.gov.cn, nhsa.gov.cn, ...).
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qsl, urljoin, urlsplit

from crawlers.cms.base import ListPage, ListResult, PageRequest, matched
from crawlers.cms.rows import page_column, rows_from_fragments

# Evidence that a list page is a Hanweb jpage column, with what each entry matches.
FINGERPRINTS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"/module/(?:web|jslib/jquery)/jpage/"), "jpage module path"),
    (re.compile(r"dataproxy\.jsp"), "dataproxy.jsp data proxy"),
    (re.compile(r"\.jpage\s*\(\s*\{"), "jpage({...}) call"),
    (re.compile(r"<script[^>]+type=[\"']text/xml[\"'][^>]*>\s*<datastore>", re.I), "embedded <datastore> records"),
    (re.compile(r"<datastore>.*?<recordset>", re.S), "datastore recordset"),
]

# The form fields jpage sends to the data proxy (all keys of ajaxParam are sent; these are the usual ones).
AJAX_PARAM_FIELDS: list[tuple[str, str]] = [
    ("col", "always 1: the request is for a column"),
    ("appid", "application id, usually 1"),
    ("webid", "the site's id in the site group"),
    ("path", "the site's root path, usually /"),
    ("columnid", "the column (栏目) id, as in /col/colNNN/"),
    ("sourceContentType", "1: articles"),
    ("unitid", "the id of the page unit holding the list (the jpage element id)"),
    ("webname", "the site's name"),
    ("permissiontype", "0: public"),
]

DEFAULT_PROXY = "/module/web/jpage/dataproxy.jsp"
DEFAULT_PER_PAGE = 15  # jpage's default perPage
DEFAULT_GROUP_SIZE = 3  # and groupSize: one proxy window is perPage x groupSize records

RECORD = re.compile(r"<record>\s*<!\[CDATA\[(.*?)\]\]>\s*</record>", re.S)
TOTAL_RECORD = re.compile(r"<totalrecord>\s*(\d+)\s*</totalrecord>", re.I)
JPAGE_CALL = re.compile(r"\.jpage\s*\(\s*\{")
PARAM_VAR = re.compile(r"var\s+param_\w+\s*=\s*\{")
NEXTGROUP = re.compile(r"<nextgroup>\s*<!\[CDATA\[.*?href=[\"']([^\"']+)[\"']", re.S)


def parse_js_object(text: str, start: int) -> tuple[dict[str, Any], int]:
    """Return the JS object literal beginning at text[start] == '{' as a dict (scalars as str), and its end."""
    out: dict[str, Any] = {}
    i = start + 1
    n = len(text)

    def skip_ws(j: int) -> int:
        while j < n and text[j] in " \t\r\n,":
            j += 1
        return j

    def read_value(j: int) -> tuple[Any, int]:
        if text[j] == "{":
            return parse_js_object(text, j)
        if text[j] in "'\"":
            quote, k, buf = text[j], j + 1, []
            while k < n and text[k] != quote:
                if text[k] == "\\" and k + 1 < n:
                    k += 1
                buf.append(text[k])
                k += 1
            return "".join(buf), k + 1
        if text[j] == "[":
            depth, k = 0, j
            while k < n:
                depth += {"[": 1, "]": -1}.get(text[k], 0)
                k += 1
                if depth == 0:
                    break
            return text[j:k], k
        m = re.compile(r"[^,}\s]+").match(text, j)
        return (m.group(0), m.end()) if m else ("", j + 1)

    while i < n:
        i = skip_ws(i)
        if i >= n or text[i] == "}":
            return out, i + 1
        m = re.compile(r"[\"']?([\w$]+)[\"']?\s*:\s*").match(text, i)
        if not m:
            return out, i
        value, i = read_value(m.end())
        out[m.group(1)] = value
    return out, i


def jpage_config(text: str) -> dict[str, Any]:
    """Return the jpage({...}) options of a column page (and its ajaxParam from a `var param_N` if separate)."""
    config: dict[str, Any] = {}
    m = JPAGE_CALL.search(text)
    if m:
        config, _ = parse_js_object(text, m.end() - 1)
    if not isinstance(config.get("ajaxParam"), dict):
        v = PARAM_VAR.search(text)
        if v:
            config["ajaxParam"], _ = parse_js_object(text, v.end() - 1)
    if not isinstance(config.get("ajaxParam"), dict):
        g = NEXTGROUP.search(text)  # the datastore's nextgroup link carries the same fields in its query
        if g:
            query = dict(parse_qsl(urlsplit(g.group(1).replace("&amp;", "&")).query))
            query.pop("page", None)
            config["ajaxParam"] = query
    return config


def _int(value: Any, default: int | None) -> int | None:
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return default


def window_request(page: ListPage, state: dict[str, Any], start: int) -> PageRequest:
    """Return the POST for the data-proxy window starting at record `start`."""
    per, size = state["per_page"], state["window"]
    end = start + size - 1
    url = urljoin(page.url, state["proxy"]) + f"?startrecord={start}&endrecord={end}&perpage={per}"
    form = tuple((str(k), str(v)) for k, v in state["params"].items())
    headers = (("X-Requested-With", "XMLHttpRequest"), ("Referer", state.get("referer") or page.url))
    why = f"dataproxy window records {start}-{end}" + (f" of {state['total']}" if state.get("total") else "")
    return PageRequest(url, method="POST", form=form, headers=headers, page_no=page.page_no + 1, why=why)


class HanwebAdapter:
    """Hanweb jpage columns and their data-proxy windows."""

    name = "hanweb"

    def fingerprint(self, page: ListPage) -> list[str]:
        """Return the Hanweb evidence on the page."""
        return matched(FINGERPRINTS, page.text)

    def parse(self, page: ListPage) -> ListResult:
        """Return the records' rows and the next data-proxy window (or the static pager without jpage)."""
        fragments = RECORD.findall(page.text)
        if not fragments and "jpage" not in page.state:
            from crawlers.cms.static import StaticAdapter  # a Hanweb site's plain list pages

            result = StaticAdapter().parse(page)
            result.adapter = self.name
            return result
        found = rows_from_fragments(page, fragments)
        result = ListResult(adapter=self.name, rows=found.rows, rejected=found.rejected, group="records")
        state = dict(page.state.get("jpage") or {})
        if not state:  # the column page: read jpage's options
            config = jpage_config(page.text)
            params = config.get("ajaxParam") if isinstance(config.get("ajaxParam"), dict) else None
            per = _int(config.get("perPage"), DEFAULT_PER_PAGE) or DEFAULT_PER_PAGE
            group = _int(config.get("groupSize"), DEFAULT_GROUP_SIZE) or DEFAULT_GROUP_SIZE
            state = {
                "per_page": per,
                "window": max(per * group, len(fragments)),
                "proxy": config.get("proxyUrl") or DEFAULT_PROXY,
                "params": params or {},
                "total": _int(config.get("totalRecord"), None),
                "next_start": len(fragments) + 1,
                "referer": page.url,
            }
            result.column = page_column(page)
            fields = ", ".join(k for k in (params or {}))
            result.evidence.append(
                f"jpage: {len(fragments)} embedded records, perPage {per} x groupSize {group}, "
                f"totalRecord {state['total']}, ajaxParam {{{fields}}}"
            )
            if params is None:
                result.evidence.append("no ajaxParam found: the data proxy cannot be asked for more records")
        else:  # a data-proxy answer
            total = TOTAL_RECORD.search(page.text)
            if total:
                state["total"] = int(total.group(1))
            result.evidence.append(f"data-proxy answer: {len(fragments)} records, totalrecord {state.get('total')}")
            state["next_start"] = state["next_start"] + state["window"]
        total = state.get("total")
        result.declared_records = total
        result.declared_pages = -(-total // state["window"]) if total else None
        result.state["jpage"] = state
        more = total is None or state["next_start"] <= total
        if state["params"] and fragments and more:
            result.next = [window_request(page, state, state["next_start"])]
        return result
