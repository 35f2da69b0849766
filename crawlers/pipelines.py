"""Item pipeline that stores raw pages and list rows, and nothing else, through `db.raw.RawStore`.

A batch process crawls hundreds of sites in one reactor; SQLite's file creation, commits and checkpoints (fsyncs)
must never stall it. So every raw-file call of the process runs on one writer thread (`RAW_WRITER`) that owns the
connections: the pipeline hands it work (`_write`) and awaits the result. Code that adds raw writes here must go
through `_write` too (a connection is only usable from the thread that opened it).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

from scrapy.crawler import Crawler
from scrapy.statscollectors import StatsCollector
from scrapy.utils.defer import maybe_deferred_to_future

from crawlers.items import ListedRows, RawPage, raw_fetch_from_item
from db.raw import RawStore

STATS_PREFIX = "zhcorpus"

T = TypeVar("T")


class RawWriter:
    """One thread, started on first use, that runs every raw-store call of this process in order."""

    def __init__(self) -> None:
        self._pool = None

    async def call(self, fn: Callable[..., T], *args: Any) -> T:
        """Run fn(*args) on the writer thread and return its result (its exception is raised here)."""
        from twisted.internet import reactor
        from twisted.internet.threads import deferToThreadPool

        if self._pool is None:
            from twisted.python.threadpool import ThreadPool

            self._pool = ThreadPool(minthreads=1, maxthreads=1, name="raw-writer")
            self._pool.start()
            reactor.addSystemEventTrigger("during", "shutdown", self._pool.stop)
        return await maybe_deferred_to_future(deferToThreadPool(reactor, self._pool, fn, *args))


RAW_WRITER = RawWriter()


class RawStorePipeline:
    """Record every RawPage with `RawStore.record_fetch`; count outcomes and errors in Scrapy stats.

    The raw file comes from the spider's `raw_db` attribute (a spider argument): the site's file of the raw store.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.store: RawStore | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RawStorePipeline:
        """Return the pipeline bound to this crawler."""
        return cls(crawler)

    async def _write(self, fn: Callable[..., T], *args: Any) -> T:
        return await RAW_WRITER.call(fn, *args)

    async def open_spider(self) -> None:
        """Open (or create) the site's raw file, on the writer thread."""
        self.store = await self._write(RawStore, Path(self.crawler.spider.raw_db))

    async def close_spider(self) -> None:
        """Close the raw file (its WAL checkpoint runs on the writer thread)."""
        if self.store is not None:
            store, self.store = self.store, None
            await self._write(store.close)

    async def process_item(self, item: RawPage | ListedRows) -> RawPage | ListedRows:
        """Store the page (or list rows) and return the item; outcomes are counted, bodies never decoded.

        A stored detail page is reported back to the spider, whose list walk then counts it done.
        """
        assert self.store is not None, "pipeline used before open_spider"
        if isinstance(item, ListedRows):
            counts = await self._write(
                partial(
                    self.store.record_listings,
                    site_id=item["site_id"],
                    run_id=item["run_id"],
                    column_key=item["column_key"],
                    column_name=item.get("column_name"),
                    list_url=item["list_url"],
                    rows=item["rows"],
                    seen_at=item["seen_at"],
                )
            )
            for key, n in counts.items():
                self.crawler.stats.inc_value(f"{STATS_PREFIX}/listings/{key}", n)
            return item
        outcome = await self._write(self.store.record_fetch, raw_fetch_from_item(item))
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
