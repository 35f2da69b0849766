"""Item pipeline that stores raw pages and list rows, and nothing else, through `db.raw.RawStore`."""

from __future__ import annotations

from pathlib import Path

from scrapy.crawler import Crawler
from scrapy.statscollectors import StatsCollector

from crawlers.items import ListedRows, RawPage, raw_fetch_from_item
from db.raw import RawStore

STATS_PREFIX = "zhcorpus"


class RawStorePipeline:
    """Record every RawPage with `RawStore.record_fetch`; count outcomes and errors in Scrapy stats.

    The raw.db path comes from the spider's `raw_db` attribute (a spider argument).
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.store: RawStore | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RawStorePipeline:
        """Return the pipeline bound to this crawler."""
        return cls(crawler)

    def open_spider(self) -> None:
        """Open raw.db."""
        self.store = RawStore(Path(self.crawler.spider.raw_db))

    def close_spider(self) -> None:
        """Close raw.db."""
        if self.store is not None:
            self.store.close()
            self.store = None

    def process_item(self, item: RawPage | ListedRows) -> RawPage | ListedRows:
        """Store the page (or list rows) and return the item; outcomes are counted, bodies never decoded.

        A stored detail page is reported back to the spider, whose list walk then counts it done.
        """
        assert self.store is not None, "pipeline used before open_spider"
        if isinstance(item, ListedRows):
            counts = self.store.record_listings(
                site_id=item["site_id"],
                run_id=item["run_id"],
                column_key=item["column_key"],
                column_name=item.get("column_name"),
                list_url=item["list_url"],
                rows=item["rows"],
                seen_at=item["seen_at"],
            )
            for key, n in counts.items():
                self.crawler.stats.inc_value(f"{STATS_PREFIX}/listings/{key}", n)
            return item
        outcome = self.store.record_fetch(raw_fetch_from_item(item))
        count_outcome(self.crawler.stats, item, outcome)
        stored = getattr(self.crawler.spider, "detail_stored", None)
        if item.get("walk_ref") and stored is not None:
            stored(item["walk_ref"])
        return item


def count_outcome(stats: StatsCollector, item: RawPage, outcome: str) -> None:
    """Increment the Scrapy stats run summaries are built from."""
    page_type = item["page_type"]
    stats.inc_value(f"{STATS_PREFIX}/outcome/{outcome}")
    stats.inc_value(f"{STATS_PREFIX}/{page_type}/outcome/{outcome}")
    if item.get("status") is not None:
        stats.inc_value(f"{STATS_PREFIX}/{page_type}/responses")
    if item.get("error"):
        stats.inc_value(f"{STATS_PREFIX}/error/{item['error']}")
