"""gkmlpt (政府信息公开目录管理平台, Guangdong's 信息公开 platform): a Vue shell whose rows come from a JSON API.

`/gkmlpt/index#721` is an app shell holding `window._CONFIG = {SID: '755041', TREE: [...]}`; the category is
the URL fragment (721; none or 0 for all). The rows come from GET `/gkmlpt/api/all/{category}?page={n}&sid={SID}`
(n from 1), answering `{"total": 145, "articles": [{"title", "url" | "post_url", "created_at", ...}],
"classify": {"post_count": 145}}`; detail pages are /gkmlpt/content/0/963/post_963149.html. Facts from public
crawlers of Guangdong government sites.
"""

from __future__ import annotations

import re
from urllib.parse import urljoin, urlsplit

from crawlers.cms.base import ListPage, ListResult, PageRequest, matched
from crawlers.cms.jsonapi import JsonApiAdapter
from crawlers.sites import JsonApiRules

# Evidence that a page belongs to a gkmlpt platform, with what each entry matches.
FINGERPRINTS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"/gkmlpt/"), "gkmlpt path"),
    (re.compile(r"window\._CONFIG\s*=\s*\{"), "window._CONFIG app config"),
    (re.compile(r"\bSID\s*:\s*[\"']\d+[\"']"), "SID in the app config"),
    (re.compile(r"[\"']articles[\"']\s*:\s*\["), "articles array (API answer)"),
]

SID = re.compile(r"\bSID\s*:\s*[\"'](\d+)[\"']")
API_PATH = "/gkmlpt/api/all/{category}?page={page}&sid={sid}"

# How the API answer maps onto rows (the JSON adapter reads it).
API_RULES = JsonApiRules(
    items="articles",
    url=["url", "post_url"],
    title="title",
    date=["created_at", "first_publish_time", "display_publish_time", "date"],
    total=["total", "classify.post_count"],
    page_param="page",
)


def category_of(entry_url: str) -> str:
    """Return the category id a gkmlpt start URL names in its fragment (#721), or "0" (everything)."""
    fragment = urlsplit(entry_url).fragment
    return fragment if fragment.isdigit() else "0"


class GkmlptAdapter:
    """The gkmlpt app shell and its JSON API pages."""

    name = "gkmlpt"

    def fingerprint(self, page: ListPage) -> list[str]:
        """Return the gkmlpt evidence on the page (its URL included)."""
        found = matched(FINGERPRINTS, page.text)
        if "/gkmlpt/" in page.url and "gkmlpt path" not in found:
            found.insert(0, "gkmlpt path")
        return found if ("gkmlpt path" in found and len(found) >= 2) else []

    def parse(self, page: ListPage) -> ListResult:
        """Return the first API request for the shell, or the rows and next page of an API answer."""
        if page.is_json and page.json is not None:
            result = JsonApiAdapter().parse(page, API_RULES)
            result.adapter = self.name
            return result
        result = ListResult(adapter=self.name, shell=True)
        m = SID.search(page.text)
        if not m:
            result.evidence.append("gkmlpt shell without a SID: the API cannot be asked")
            return result
        category = category_of(page.entry_url or page.url)
        root = page.url.split("/gkmlpt/")[0]
        url = urljoin(root + "/", API_PATH.format(category=category, page=1, sid=m.group(1)).lstrip("/"))
        result.evidence.append(f"gkmlpt shell: SID {m.group(1)}, category {category}")
        result.next = [PageRequest(url, page_no=page.page_no, why=f"gkmlpt API category {category} page 1")]
        result.column = None
        return result
