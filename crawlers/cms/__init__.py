"""CMS adapters: one module per CMS family (how its lists, pagers and data proxies work), and detection.

`detect(page)` picks the adapter from the first list page of a column by fingerprints (each module's
FINGERPRINTS table); a registry entry may name it instead (`cms:`). Every adapter's `parse` returns the rows
(detail URL, title and date as listed), the next request(s) and what the page declares about its size.
"""

from __future__ import annotations

from crawlers.cms.base import Adapter, ListPage, ListResult, ListRow, PageRequest
from crawlers.cms.gkmlpt import GkmlptAdapter
from crawlers.cms.hanweb import HanwebAdapter
from crawlers.cms.jsonapi import JsonApiAdapter
from crawlers.cms.static import StaticAdapter
from crawlers.cms.trs import TrsAdapter
from crawlers.cms.ucap import UcapAdapter

# Every adapter by its registry name (crawlers.sites.CmsName without "auto").
ADAPTERS: dict[str, Adapter] = {
    a.name: a
    for a in (HanwebAdapter(), GkmlptAdapter(), TrsAdapter(), JsonApiAdapter(), UcapAdapter(), StaticAdapter())
}

# Detection order: the most specific families first; static is the fallback for any HTML list.
DETECTION_ORDER = ("gkmlpt", "hanweb", "json", "trs", "ucap")


def detect(page: ListPage) -> tuple[Adapter, list[str]]:
    """Return the adapter for a list page and the fingerprints that chose it."""
    for name in DETECTION_ORDER:
        evidence = ADAPTERS[name].fingerprint(page)
        if evidence:
            return ADAPTERS[name], evidence
    return ADAPTERS["static"], ["no CMS fingerprint: static pager"]


def adapter_for(name: str, page: ListPage) -> tuple[Adapter, list[str]]:
    """Return the named adapter (a registry `cms:`), or the detected one for "auto"."""
    if name == "auto":
        return detect(page)
    return ADAPTERS[name], [f"cms: {name} (registry)"]


def parse_list(page: ListPage, cms: str = "auto") -> ListResult:
    """Return what a list page holds, read by its adapter; the adapter's evidence leads the result's."""
    if page.state.get("adapter"):
        adapter, evidence = ADAPTERS[page.state["adapter"]], []
    else:
        adapter, evidence = adapter_for(cms, page)
    result = adapter.parse(page)
    result.evidence = evidence + result.evidence
    result.state["adapter"] = adapter.name
    return result


__all__ = ["ADAPTERS", "ListPage", "ListResult", "ListRow", "PageRequest", "adapter_for", "detect", "parse_list"]
