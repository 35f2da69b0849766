"""One Scrapy process crawling a batch of sites at once: a Crawler per site, all in one reactor.

    python -m crawlers.batch < spec.json

The parent (crawlers/run.py) writes the batch spec as one JSON line on stdin and keeps stdin open: when it dies,
even by kill -9, stdin reaches end of file and this process exits at once, so no crawl outlives its parent. One
JSON line per finished site goes to stdout; Scrapy's logs go to stderr.

Each Crawler keeps everything per site: its own settings (delay, AutoThrottle and downloader slots per host), stats,
page budgets, the site's raw file, and a timeout (CLOSESPIDER_TIMEOUT) that closes only that site's crawler. Sites
that share a host come as one chain and are crawled one after another, so a host never sees two crawlers.
"""

from __future__ import annotations

import json
import logging
import os
import resource
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from crawlers.pipelines import RAW_WRITER
from crawlers.run import summarize_stats
from crawlers.settings import BASE_SETTINGS
from crawlers.sites import load_registry
from db.raw import RawStore, utc_now

logger = logging.getLogger(__name__)

# Exit status when the parent went away (stdin closed) before the batch finished.
PARENT_GONE_EXIT = 70

# Scrapy's finish reasons that mean the site's crawl ran its course: to the end, or until its timeout cut it.
FINISHED = "finished"
CUT_REASONS = {"closespider_timeout": "timeout"}

# Twisted's own epoll reactor: with a thousand crawlers in one loop, asyncio's (Scrapy's default) spent a third
# more CPU per page on its event-loop machinery (bench/crawl_scale.py). Nothing here awaits asyncio code.
REACTOR = "twisted.internet.epollreactor.EPollReactor"

# Settings of the process rather than of one site (the reactor's DNS thread pool serves every crawler).
PROCESS_SETTINGS: dict[str, Any] = {
    # The resolver is the process's, installed from these settings, not a site's: without it here a batch
    # process would resolve with Scrapy's default and reach private addresses (crawlers/safety.py).
    "TWISTED_DNS_RESOLVER": BASE_SETTINGS["TWISTED_DNS_RESOLVER"],
    "LOG_LEVEL": "INFO",
    "REACTOR_THREADPOOL_MAXSIZE": 20,
    "TELNETCONSOLE_ENABLED": False,
    "TWISTED_REACTOR": REACTOR,
}

# Added to each site's settings here, not in crawlers/settings.py: they concern running many crawlers in one process.
PER_CRAWLER_SETTINGS: dict[str, Any] = {
    # The run summary is built from the stats; a dump per crawler would put a page of stats per site in the log.
    "STATS_DUMP": False,
    # Memory is the process's, not a site's: one site must never close the others by tripping a shared limit.
    "MEMUSAGE_ENABLED": False,
    # Items of one response processed in parallel. Scrapy starts this many asyncio tasks for every response's
    # output; our one pipeline is a synchronous SQLite write, so 100 (the default) only cost CPU (measured: a
    # fifth of a batch process's CPU went to creating those tasks).
    "CONCURRENT_ITEMS": 1,
    # Scrapy parses a callback's source to warn about `return` in generators, caching 128 callables: a thousand
    # spiders' bound callbacks never stay cached, so every response would parse the spider's source again.
    "WARN_ON_GENERATOR_RETURN_VALUE": False,
    "TWISTED_REACTOR": REACTOR,
    # Per-crawler log machinery costs grow with crawlers x log records: LogCount adds a handler per crawler to the
    # root logger (each record then visits every crawler's handler), LogStats logs every crawler each minute. The
    # parent reports each site's figures instead. RemoteControl needs the asyncio reactor.
    "LOGSTATS_INTERVAL": 0,
    "EXTENSIONS": {"scrapy.extensions.logcount.LogCount": None},
    "REMOTE_CONTROL_ENABLED": False,
}

# Loggers that print a screenful per crawler at start (settings, middleware lists): a thousand crawlers in one
# process would spend seconds writing them. Warnings still show.
QUIET_LOGGERS = ("scrapy.middleware", "scrapy.crawler", "scrapy.addons", "scrapy.utils.log", "scrapy.core.engine")


def watch_parent(stream: Any, on_gone: Callable[[], None]) -> threading.Thread:
    """Start a daemon thread that calls `on_gone` when `stream` (the parent's end of a pipe) reaches EOF."""

    def watch() -> None:
        while stream.read(65536):
            pass
        on_gone()

    thread = threading.Thread(target=watch, name="parent-watch", daemon=True)
    thread.start()
    return thread


def _parent_gone() -> None:
    print("crawl batch: parent process gone, stopping", file=sys.stderr, flush=True)
    os._exit(PARENT_GONE_EXIT)


def raise_open_file_limit() -> None:
    """Raise the soft limit of open files to the hard one: each site holds sockets and its raw file open."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY or soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def site_summary(site_id: str, stats: dict[str, Any], duration_s: float, timeout_s: float) -> dict[str, Any]:
    """Return a finished site's summary: the run summary plus how its crawl ended (cut by the timeout, or not)."""
    summary = summarize_stats(site_id, stats, duration_s)
    reason = stats.get("finish_reason")
    summary["finish_reason"] = reason
    summary["timeout_s"] = timeout_s
    summary["cut"] = CUT_REASONS.get(reason) if isinstance(reason, str) else None
    if reason != FINISHED and reason not in CUT_REASONS:
        summary["error"] = f"spider for {site_id} did not finish (finish_reason={reason!r})"
    return summary


class BatchRun:
    """Crawls the chains of one batch spec in the running reactor and emits each site's summary."""

    def __init__(self, spec: dict[str, Any], emit: Callable[[dict[str, Any]], None]) -> None:
        from scrapy.utils.reactor import install_reactor

        # Crawlers made here (not by the process) expect the reactor to be installed already.
        install_reactor(REACTOR)
        from scrapy.crawler import CrawlerProcess

        self.spec = spec
        self.emit = emit
        self.registry_path = Path(spec["registry"]) if spec.get("registry") else None
        self.registry = load_registry(self.registry_path)
        self.process = CrawlerProcess(PROCESS_SETTINGS)
        for name in QUIET_LOGGERS:
            logging.getLogger(name).setLevel(logging.WARNING)
        self.pending = sum(len(chain) for chain in spec["chains"])

    def start(self) -> None:
        """Start the first site of every chain, then run the reactor until every site has finished."""
        if self.pending == 0:
            return
        for chain in self.spec["chains"]:
            self._start_next(list(chain))
        self.process.start(stop_after_crawl=False, install_signal_handlers=True)

    def _crawler(self, entry: dict[str, Any]):
        from scrapy.crawler import Crawler
        from scrapy.settings import Settings

        from crawlers.settings import check_contact, settings_for_site
        from crawlers.spiders.notices import NoticesSpider

        site = self.registry.get(entry["site"])
        limits = site.limits_with(
            max_list_pages=self.spec.get("max_list_pages"), max_detail_pages=self.spec.get("max_detail_pages")
        )
        proxy = self.spec.get("proxy") if site.bundled else None
        contact = self.registry.crawl_contact()
        check_contact(site, contact)  # a real site is never crawled anonymously: this site fails, with what to set
        values = settings_for_site(
            site, fixture_proxy=proxy, fixture_hosts=self.registry.bundled_hosts(), limits=limits, contact=contact
        )
        values.update(PER_CRAWLER_SETTINGS)
        if self.spec.get("dry_run"):
            values["ITEM_PIPELINES"] = {}
        values["CLOSESPIDER_TIMEOUT"] = float(entry["timeout_s"])
        # Above the process's own (project) priority, so merging the process settings never overrides a site's.
        return Crawler(NoticesSpider, Settings(values, priority="cmdline"))

    def _start_next(self, chain: list[dict[str, Any]]) -> None:
        if not chain:
            return
        entry = chain.pop(0)
        started, started_at = time.monotonic(), utc_now()
        try:
            crawler = self._crawler(entry)
            deferred = self.process.crawl(
                crawler,
                site=entry["site"],
                run_id=self.spec["run_id"],
                raw_db=entry["raw_db"],
                registry=str(self.registry_path) if self.registry_path else None,
                max_list_pages=self.spec.get("max_list_pages"),
                max_detail_pages=self.spec.get("max_detail_pages"),
                full_walk=bool(self.spec.get("full_walk")),
                dry_run=bool(self.spec.get("dry_run")),
                try_pages=int(self.spec.get("try_pages") or 2),
            )
        except Exception as exc:  # noqa: BLE001 - one site's bad start never costs the others
            self._finished(entry, {"site_id": entry["site"], "error": f"{type(exc).__name__}: {exc}"}, started_at)
            self._start_next(chain)
            return

        def done(result: Any) -> None:
            if hasattr(result, "getErrorMessage"):  # a Failure: the crawler raised while starting or running
                summary = {"site_id": entry["site"], "error": f"{result.type.__name__}: {result.getErrorMessage()}"}
            else:
                stats = crawler.stats.get_stats() if crawler.stats else {}
                summary = site_summary(entry["site"], stats, time.monotonic() - started, float(entry["timeout_s"]))
                if self.spec.get("dry_run"):
                    summary = {"site_id": entry["site"], "report": crawler.spider.report, **_dry_run_keys(summary)}
            self._finished(entry, summary, started_at)
            self._start_next(chain)

        deferred.addBoth(done)

    def _finished(self, entry: dict[str, Any], summary: dict[str, Any], started_at: str) -> None:
        from twisted.internet import reactor
        from twisted.internet.defer import Deferred

        # On the raw writer thread (crawlers/pipelines.py): opening and closing the site's file (its WAL checkpoint)
        # would otherwise hold up every other site's crawl.
        deferred = Deferred.fromCoroutine(RAW_WRITER.call(self._record, entry, summary, started_at))
        deferred.addErrback(
            lambda failure: logger.error("%s: could not record the site run: %s", entry["site"], failure.value)
        )

        def emitted(_: Any) -> None:
            self.emit(summary)
            self.pending -= 1
            if self.pending == 0:
                reactor.callLater(0, reactor.stop)

        deferred.addBoth(emitted)

    def _record(self, entry: dict[str, Any], summary: dict[str, Any], started_at: str) -> None:
        if self.spec.get("dry_run"):
            return  # a dry run writes nothing, not even the site's file
        store = RawStore(Path(entry["raw_db"]))
        try:
            store.record_site_run(
                self.spec["run_id"], entry["site"], summary, started_at=started_at, timeout_s=entry["timeout_s"]
            )
        finally:
            store.close()


def _dry_run_keys(summary: dict[str, Any]) -> dict[str, Any]:
    # a dry run reports what it saw, how long it took and, if the spider did not finish, why
    return {key: summary[key] for key in ("duration_s", "error") if key in summary}


def run_batch(spec: dict[str, Any], emit: Callable[[dict[str, Any]], None]) -> None:
    """Crawl a batch spec in this process (once per process: Twisted's reactor cannot restart)."""
    BatchRun(spec, emit).start()


def main() -> int:
    """Read the spec from stdin, watch stdin for the parent's death, crawl, print one JSON line per site."""
    line = sys.stdin.buffer.readline()
    if not line.strip():
        print("crawl batch: no spec on stdin", file=sys.stderr)
        return 2
    spec = json.loads(line)
    watch_parent(sys.stdin.buffer, _parent_gone)
    raise_open_file_limit()
    lock = threading.Lock()

    def emit(summary: dict[str, Any]) -> None:
        with lock:
            sys.stdout.write(json.dumps(summary, ensure_ascii=False) + "\n")
            sys.stdout.flush()

    run_batch(spec, emit)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
