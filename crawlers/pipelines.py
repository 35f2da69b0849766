"""Item pipeline that stores raw pages, and nothing else, through `db.raw.RawStore`."""

from __future__ import annotations

from pathlib import Path

from scrapy.crawler import Crawler
from scrapy.statscollectors import StatsCollector

from crawlers.items import RawPage, raw_fetch_from_item
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

    def process_item(self, item: RawPage) -> RawPage:
        """Store the page and return the item; the outcome is counted, the body never decoded."""
        assert self.store is not None, "pipeline used before open_spider"
        outcome = self.store.record_fetch(raw_fetch_from_item(item))
        count_outcome(self.crawler.stats, item, outcome)
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
