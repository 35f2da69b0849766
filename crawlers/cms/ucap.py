"""开普云 UCAP: recognised by name only; its list pages are paged like any static list.

No public description of a UCAP list API or pager call was found (searched public code, docs and issues for
ucap / kaipuyun list paging), so this module only names the family in reports; rows and pages come from the
generic detector and the static pager. Note that the kaipuyun.cn analytics script (kpyfx_js_id_...) appears on
sites of every CMS and is deliberately not a fingerprint.
"""

from __future__ import annotations

import re

from crawlers.cms.base import ListPage, ListResult, matched
from crawlers.cms.static import StaticAdapter

# Evidence that a page was published by UCAP, with what each entry matches.
FINGERPRINTS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"<meta[^>]+(?:generator|Generator)[^>]+ucap", re.I), "UCAP generator meta"),
    (re.compile(r"/ucap(?:cms)?/", re.I), "/ucap/ resource paths"),
]


class UcapAdapter:
    """UCAP list pages: the static adapter under UCAP's name."""

    name = "ucap"

    def fingerprint(self, page: ListPage) -> list[str]:
        """Return the UCAP evidence on the page."""
        return matched(FINGERPRINTS, page.text)

    def parse(self, page: ListPage) -> ListResult:
        """Return rows and the next page as the static adapter reads them."""
        result = StaticAdapter().parse(page)
        result.adapter = self.name
        return result
