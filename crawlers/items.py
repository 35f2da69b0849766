"""What the crawler yields: raw pages exactly as served (the fields of `db.raw.RawFetch`) and list rows."""

from __future__ import annotations

import scrapy

from db.raw import RawFetch


class RawPage(scrapy.Item):
    """One response or failure: bytes, headers, status and final URL, nothing decoded."""

    run_id = scrapy.Field()
    site_id = scrapy.Field()
    page_type = scrapy.Field()  # "list" | "detail"
    url = scrapy.Field()  # the URL requested (before redirects)
    final_url = scrapy.Field()
    status = scrapy.Field()  # None when no response arrived
    headers = scrapy.Field()  # dict str -> str, names lower-cased
    body = scrapy.Field()  # bytes or None
    fetched_at = scrapy.Field()  # ISO-8601 UTC
    error = scrapy.Field()  # None or a short reason: http_404, too_large, timeout, robots, ...
    walk_ref = scrapy.Field()  # (column key, list page position, detail key) of a detail page's list walk; not stored


class ListedRows(scrapy.Item):
    """What one list page (or data window) said of the notices it lists: stored in the site's raw file (`listings`)."""

    site_id = scrapy.Field()
    run_id = scrapy.Field()
    column_key = scrapy.Field()
    column_name = scrapy.Field()
    list_url = scrapy.Field()
    rows = scrapy.Field()  # [{url, title, date, date_text}, ...]
    seen_at = scrapy.Field()  # ISO-8601 UTC


def raw_fetch_from_item(item: RawPage) -> RawFetch:
    """Return the `RawFetch` the raw store records for this item."""
    return RawFetch(
        run_id=item["run_id"],
        site_id=item["site_id"],
        page_type=item["page_type"],
        url=item["url"],
        final_url=item.get("final_url"),
        status=item.get("status"),
        headers=dict(item.get("headers") or {}),
        body=item.get("body"),
        fetched_at=item["fetched_at"],
        error=item.get("error"),
    )
