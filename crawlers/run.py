"""Crawl sites as one run: plan batches of sites, crawl each batch in a Scrapy process of its own, collect summaries.

A batch is many sites crawled at once by one process (`crawlers/batch.py`, a Crawler per site in one reactor);
`processes` batches run at a time. Sites that share a host form a chain inside one batch and are crawled one after
another, so per-host politeness holds whatever the batch size. Every site keeps its own budgets, timeout, stats and
raw file (db/shards.py). A batch process that dies takes no finished site with it: its unfinished sites are crawled
again, split in halves until the one that brings a process down fails alone. A batch process dies with its parent
(it watches a pipe from it), so a killed crawl leaves no process behind; the next run closes its run row as
interrupted (db/runs.py). `zhcorpus crawl` and the flows call `crawl_run` / `crawl_batch`.
"""

from __future__ import annotations

import json
import logging
import os
import selectors
import signal
import subprocess
import sys
import tempfile
import time
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from crawlers.pipelines import STATS_PREFIX
from crawlers.sites import Registry, Site, host_allowed, load_registry
from db.runs import Heartbeat
from db.shards import RawShards

logger = logging.getLogger(__name__)

PROJECT_ROOT = Path(__file__).resolve().parent.parent

# Sites crawled at once by one Scrapy process, and such processes at a time (bench/crawl_scale.py measured them).
DEFAULT_BATCH_SIZE = 500
DEFAULT_PROCESSES = 2

# Beyond the slowest chain's timeouts, how long a batch process may take to start and to close its crawlers.
BATCH_GRACE_S = 120.0

# The keys of a site summary, in the order they are printed.
SUMMARY_KEYS = (
    "site_id",
    "pages_fetched",
    "list_pages",
    "detail_pages_new",
    "detail_pages_changed",
    "detail_pages_unchanged",
    "not_modified",
    "skipped_known",
    "errors",
    "errors_by_reason",
    "walk_errors",
    "walk",
    "adapters",
    "listings",
    "duration_s",
)
# ... followed by how the site's crawl ended (crawlers/batch.py).
END_KEYS = ("finish_reason", "timeout_s", "cut")

# Walk problems that count as errors of the site (named in run tables, artifacts and the flow's message), besides
# those the spider counts itself (no_detail_links, pagination_stalled, list_budget_cut, detail_budget_cut).
ALL_DETAILS_FAILED = "all_details_failed"


class CrawlError(RuntimeError):
    """A site crawl that did not finish: bad start, a crash of its process, or an unreadable summary."""


def summarize_stats(site_id: str, stats: dict[str, Any], duration_s: float) -> dict[str, Any]:
    """Return the run summary of one site from its Scrapy stats.

    pages_fetched counts responses that arrived (any status, 304 included); failures without a
    response count only under errors.
    """

    def get(key: str) -> int:
        return int(stats.get(f"{STATS_PREFIX}/{key}", 0))

    error_prefix = f"{STATS_PREFIX}/error/"

    def by_prefix(prefix: str) -> dict[str, int]:
        full = f"{STATS_PREFIX}/{prefix}/"
        return {k.removeprefix(full): int(v) for k, v in sorted(stats.items()) if k.startswith(full)}

    walk_errors = by_prefix("walk_error")
    detail_outcomes = sum(v for k, v in by_prefix("detail/outcome").items())
    if detail_outcomes and get("detail/outcome/error") == detail_outcomes:
        walk_errors[ALL_DETAILS_FAILED] = 1  # every detail page this run failed: the site is broken for us
    walk = {k: v for k, v in by_prefix("walk").items() if "/" not in k}
    walk["stop_reasons"] = by_prefix("walk/stop")
    return {
        "site_id": site_id,
        "pages_fetched": get("list/responses") + get("detail/responses"),
        "list_pages": get("list/responses"),
        "detail_pages_new": get("detail/outcome/new"),
        "detail_pages_changed": get("detail/outcome/changed"),
        "detail_pages_unchanged": get("detail/outcome/unchanged"),
        "not_modified": get("outcome/not_modified"),
        "skipped_known": get("skipped_known"),
        "errors": get("outcome/error"),
        "errors_by_reason": {
            key.removeprefix(error_prefix): int(value)
            for key, value in sorted(stats.items())
            if key.startswith(error_prefix)
        },
        "walk_errors": walk_errors,
        "walk": walk,
        "adapters": by_prefix("adapter"),
        "listings": by_prefix("listings"),
        "duration_s": round(duration_s, 3),
    }


# -- planning --------------------------------------------------------------------------------------------------
def host_keys(site: Site) -> list[str]:
    """Return the hosts a site's crawl may fetch from (its allowed domains, lower-cased), sorted."""
    return sorted({d.lower().rstrip(".") for d in site.allowed_domains})


def host_chains(sites: list[Site]) -> list[list[str]]:
    """Return the site ids grouped into chains of sites that share a host (one domain equal to or under another).

    Sites of one chain must never be crawled at the same time; chains keep the order of `sites`.
    """
    parent = {s.id: s.id for s in sites}

    def find(site_id: str) -> str:
        while parent[site_id] != site_id:
            parent[site_id] = parent[parent[site_id]]
            site_id = parent[site_id]
        return site_id

    owners: dict[str, str] = {}  # domain -> a site that may fetch from it
    for site in sites:
        for domain in host_keys(site):
            if domain in owners:
                parent[find(site.id)] = find(owners[domain])
            else:
                owners[domain] = site.id
    for site in sites:  # a domain under another site's domain: every suffix at a label boundary is a candidate
        for domain in host_keys(site):
            labels = domain.split(".")
            for i in range(1, len(labels)):
                other = owners.get(".".join(labels[i:]))
                if other is not None and host_allowed(domain, [".".join(labels[i:])]):
                    parent[find(site.id)] = find(other)
    chains: dict[str, list[str]] = {}
    for site in sites:
        chains.setdefault(find(site.id), []).append(site.id)
    return list(chains.values())


def plan_batches(sites: list[Site], batch_size: int) -> list[list[list[str]]]:
    """Return batches of chains (see host_chains) of about `batch_size` sites; a chain is never split."""
    batches: list[list[list[str]]] = []
    current: list[list[str]] = []
    count = 0
    for chain in host_chains(sites):
        if current and count + len(chain) > max(1, batch_size):
            batches.append(current)
            current, count = [], 0
        current.append(chain)
        count += len(chain)
    if current:
        batches.append(current)
    return batches


@dataclass(frozen=True)
class CrawlJob:
    """What every site of one run is crawled with."""

    run_id: str
    registry: Registry
    registry_path: Path | None = None
    proxy_url: str | None = None
    max_list_pages: int | None = None
    max_detail_pages: int | None = None
    full_walk: bool = False
    timeout_s: float | None = None  # None: each site's Site.crawl_timeout_s
    dry_run: bool = False  # read list pages only, store nothing (zhcorpus sites try)
    try_pages: int = 2  # list pages per column a dry run reads

    def site_timeout_s(self, site_id: str) -> float:
        """Return the timeout of one site's crawl in this job."""
        if self.timeout_s is not None:
            return float(self.timeout_s)
        site = self.registry.get(site_id)
        limits = site.limits_with(max_list_pages=self.max_list_pages, max_detail_pages=self.max_detail_pages)
        return site.crawl_timeout_s(limits)

    def spec(self, chains: list[list[str]], raw: RawShards) -> dict[str, Any]:
        """Return the JSON spec a batch process reads (crawlers/batch.py)."""
        return {
            "run_id": self.run_id,
            "registry": str(self.registry_path) if self.registry_path else None,
            "proxy": self.proxy_url,
            "max_list_pages": self.max_list_pages,
            "max_detail_pages": self.max_detail_pages,
            "full_walk": self.full_walk,
            "dry_run": self.dry_run,
            "try_pages": self.try_pages,
            "chains": [
                [{"site": s, "raw_db": str(raw.site_path(s)), "timeout_s": self.site_timeout_s(s)} for s in chain]
                for chain in chains
            ],
        }

    def deadline_s(self, chains: list[list[str]]) -> float:
        """Return how long a batch process may run: its slowest chain's timeouts end to end, plus BATCH_GRACE_S."""
        return BATCH_GRACE_S + max((sum(self.site_timeout_s(s) for s in chain) for chain in chains), default=0.0)


# -- running batch processes -----------------------------------------------------------------------------------
@dataclass
class _Child:
    chains: list[list[str]]
    proc: subprocess.Popen
    stderr: Any
    started: float
    deadline: float
    attempt: int
    buffer: bytes = b""
    done: set[str] = field(default_factory=set)


def _batch_env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(PROJECT_ROOT), env.get("PYTHONPATH")) if p)
    return env


def _stderr_lines(child: _Child) -> list[str]:
    child.stderr.seek(0)
    return child.stderr.read().decode("utf-8", "replace").strip().splitlines()


# Log lines of a batch process passed on to the parent's log, at most this many per batch (Scrapy's errors and
# warnings: a spider callback's traceback, a refused request), so they are not lost with the process.
FORWARDED_LOG_LINES = 20


def _split(chains: list[list[str]]) -> list[list[list[str]]]:
    """Return chains split into two halves (one chain: itself, to be tried once more)."""
    if len(chains) < 2:
        return [chains]
    middle = len(chains) // 2
    return [chains[:middle], chains[middle:]]


class BatchSupervisor:
    """Runs batch processes, `processes` at a time, and collects one summary per site."""

    def __init__(
        self,
        job: CrawlJob,
        raw: RawShards,
        *,
        processes: int = DEFAULT_PROCESSES,
        progress: Callable[[str, dict[str, Any]], None] | None = None,
    ) -> None:
        self.job = job
        self.raw = raw
        self.processes = max(1, processes)
        self.progress = progress
        self.results: dict[str, dict[str, Any]] = {}
        self.selector = selectors.DefaultSelector()
        self.running: list[_Child] = []

    def run(self, batches: list[list[list[str]]]) -> dict[str, dict[str, Any]]:
        """Crawl the batches; return site id -> summary (`{"site_id", "error"}` for a site that could not finish)."""
        queue: deque[tuple[list[list[str]], int]] = deque((b, 1) for b in batches if b)
        try:
            while queue or self.running:
                while queue and len(self.running) < self.processes:
                    chains, attempt = queue.popleft()
                    self._spawn(chains, attempt)
                for chains, attempt in self._poll():
                    queue.append((chains, attempt))
        finally:
            for child in list(self.running):
                self._kill(child)
            self.selector.close()
        return self.results

    def _spawn(self, chains: list[list[str]], attempt: int) -> None:
        stderr = tempfile.TemporaryFile()
        proc = subprocess.Popen(
            [sys.executable, "-m", "crawlers.batch"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=stderr,
            env=_batch_env(),
            cwd=PROJECT_ROOT,
            start_new_session=True,  # its own process group: a timeout ends it and anything it started
        )
        assert proc.stdin is not None and proc.stdout is not None
        # The pipe stays open while we live: its end of file tells the batch process that we are gone.
        proc.stdin.write(json.dumps(self.job.spec(chains, self.raw), ensure_ascii=False).encode() + b"\n")
        proc.stdin.flush()
        os.set_blocking(proc.stdout.fileno(), False)
        now = time.monotonic()
        child = _Child(chains, proc, stderr, now, now + self.job.deadline_s(chains), attempt)
        self.selector.register(proc.stdout, selectors.EVENT_READ, child)
        self.running.append(child)
        sites = sum(len(c) for c in chains)
        logger.info("crawl batch of %d sites started (pid %d, attempt %d)", sites, proc.pid, attempt)

    def _poll(self) -> list[tuple[list[list[str]], int]]:
        """Read what the children printed, reap those that ended; return batches to run again."""
        wake = min(c.deadline for c in self.running) - time.monotonic()
        for key, _ in self.selector.select(timeout=max(0.05, min(1.0, wake))):
            self._read(key.data)
        retry: list[tuple[list[list[str]], int]] = []
        for child in list(self.running):
            if child.proc.poll() is None and time.monotonic() < child.deadline:
                continue
            timed_out = child.proc.poll() is None
            if timed_out:
                self._kill(child)
            self._read(child, final=True)
            retry += self._reap(child, timed_out)
        return retry

    def _read(self, child: _Child, *, final: bool = False) -> None:
        stream = child.proc.stdout
        assert stream is not None
        while True:
            try:
                chunk = os.read(stream.fileno(), 65536)
            except BlockingIOError:
                break
            except OSError:
                break
            if not chunk:
                break
            child.buffer += chunk
        *lines, child.buffer = child.buffer.split(b"\n")
        if final and child.buffer:
            lines.append(child.buffer)
            child.buffer = b""
        for line in lines:
            if not line.strip():
                continue
            try:
                summary = json.loads(line)
            except json.JSONDecodeError:
                logger.warning("crawl batch pid %d printed a line that is not JSON: %r", child.proc.pid, line[:200])
                continue
            self._record(child, summary)

    def _record(self, child: _Child, summary: dict[str, Any]) -> None:
        site_id = summary.get("site_id")
        if site_id is None:
            return
        child.done.add(site_id)
        self.results[site_id] = summary
        if self.progress:
            self.progress(site_id, summary)

    def _reap(self, child: _Child, timed_out: bool) -> list[tuple[list[list[str]], int]]:
        self.running.remove(child)
        self.selector.unregister(child.proc.stdout)
        code = child.proc.wait()
        if child.proc.stdin is not None:
            child.proc.stdin.close()
        child.proc.stdout.close()
        unfinished = [[s for s in chain if s not in child.done] for chain in child.chains]
        unfinished = [chain for chain in unfinished if chain]
        lines = _stderr_lines(child)
        child.stderr.close()
        tail = " | ".join(lines[-5:])
        notable = [line for line in lines if "] ERROR:" in line or "] WARNING:" in line or "] CRITICAL:" in line]
        for line in notable[:FORWARDED_LOG_LINES]:
            logger.warning("crawl batch pid %d: %s", child.proc.pid, line)
        if len(notable) > FORWARDED_LOG_LINES:
            logger.warning(
                "crawl batch pid %d: %d more warnings and errors", child.proc.pid, len(notable) - FORWARDED_LOG_LINES
            )
        if not unfinished:
            return []
        if timed_out:
            why = f"crawl batch process did not finish within {child.deadline - child.started:.0f} s"
            return self._fail(unfinished, why)
        how = f"killed by signal {-code}" if code < 0 else f"exit {code}"
        sites = sum(len(c) for c in unfinished)
        # Several chains: split them (the one that brings a process down ends up alone); one chain: once more.
        if len(unfinished) > 1 or child.attempt == 1:
            logger.warning(
                "crawl batch pid %d ended (%s) with %d sites unfinished; crawling them again: %s",
                child.proc.pid,
                how,
                sites,
                tail,
            )
            return [(half, child.attempt + 1) for half in _split(unfinished)]
        return self._fail(unfinished, f"crawl process failed ({how}): {tail}")

    def _fail(self, chains: list[list[str]], why: str) -> list[tuple[list[list[str]], int]]:
        for site_id in (s for chain in chains for s in chain):
            logger.error("crawl of %s failed: %s", site_id, why)
            summary = {"site_id": site_id, "error": f"crawl of {site_id} failed: {why}"}
            self.results[site_id] = summary
            if self.progress:
                self.progress(site_id, summary)
        return []

    def _kill(self, child: _Child) -> None:
        if child.proc.poll() is None:
            try:
                os.killpg(child.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            child.proc.wait(timeout=10)


@contextmanager
def _fixture_proxy(needed: bool, proxy_url: str | None) -> Iterator[str | None]:
    """Yield the proxy URL to use: the given one, a FixtureServer started here, or None."""
    if proxy_url or not needed:
        yield proxy_url
        return
    from fixtures.server import FixtureServer

    with FixtureServer() as srv:
        yield srv.proxy_url


def _as_shards(raw: Path | RawShards) -> RawShards:
    return raw if isinstance(raw, RawShards) else RawShards.single_file(Path(raw))


def crawl_batch(
    site_ids: list[str],
    raw: Path | RawShards,
    run_id: str,
    *,
    registry: Path | None = None,
    proxy_url: str | None = None,
    batch_size: int = DEFAULT_BATCH_SIZE,
    processes: int = DEFAULT_PROCESSES,
    timeout_s: float | None = None,
    max_list_pages: int | None = None,
    max_detail_pages: int | None = None,
    full_walk: bool = False,
    dry_run: bool = False,
    try_pages: int = 2,
    progress: Callable[[str, dict[str, Any]], None] | None = None,
) -> dict[str, dict[str, Any]]:
    """Crawl sites for a run (no run row: see crawl_sites) and return site id -> summary.

    With `dry_run`, nothing is written and no detail page fetched: up to `try_pages` list pages per column are
    read and each summary's `report` says what was found (`zhcorpus sites try`).

    `raw`: the raw store (db/shards.py), or one raw.db path that takes every site. Starts a FixtureServer when a
    bundled site is selected and no `proxy_url` is given. A site that fails gets `{"site_id", "error"}`; the others
    still run. `timeout_s`: every site's timeout (default: Site.crawl_timeout_s, scaled to its budgets and pacing).
    `batch_size` is the most sites one process crawls at once; fewer sites than `batch_size` x `processes` are
    spread evenly over the processes.
    """
    reg = load_registry(registry)
    sites = [reg.get(site_id) for site_id in site_ids]  # unknown ids are the caller's error: raise
    shards = _as_shards(raw)
    with _fixture_proxy(any(s.bundled for s in sites), proxy_url) as proxy:
        job = CrawlJob(
            run_id=run_id,
            registry=reg,
            registry_path=registry,
            proxy_url=proxy,
            max_list_pages=max_list_pages,
            max_detail_pages=max_detail_pages,
            full_walk=full_walk,
            timeout_s=timeout_s,
            dry_run=dry_run,
            try_pages=try_pages,
        )
        # Fewer sites than the processes could take: spread them evenly, so every process (core) has a share.
        size = max(1, min(batch_size, -(-len(sites) // max(1, processes))))
        results = BatchSupervisor(job, shards, processes=processes, progress=progress).run(plan_batches(sites, size))
    return {site_id: results[site_id] for site_id in site_ids}


def crawl_run(site_ids: list[str], raw: Path | RawShards, run_id: str, **kwargs: Any) -> dict[str, Any]:
    """Crawl sites as one recorded run (crawl_runs row, heartbeat, summary) and return the run's stats.

    Keyword arguments are crawl_batch's. Runs whose owner died are closed as interrupted first.
    """
    shards = _as_shards(raw)
    closed = shards.start_run(run_id, list(site_ids))
    status = "finished"
    summaries: dict[str, dict[str, Any]] = {}
    try:
        with Heartbeat(lambda: shards.heartbeat(run_id)):
            summaries = crawl_batch(site_ids, shards, run_id, **kwargs)
    except BaseException:
        status = "interrupted"
        raise
    finally:
        failed = sorted(s for s, summary in summaries.items() if "error" in summary)
        stats = run_stats(shards, run_id, site_ids, summaries, failed)
        stats["closed_interrupted_runs"] = closed
        shards.finish_run(run_id, stats, status=status)
    return stats


def run_stats(
    shards: RawShards, run_id: str, site_ids: list[str], summaries: dict[str, dict], failed: list[str]
) -> dict[str, Any]:
    """Return a run's stats: fetch-log totals and counts per site, each site's summary, failures and cuts."""
    stats = shards.run_summary(run_id, site_ids, failed)
    stats["spider"] = {**stats.get("spider", {}), **summaries}
    stats["failures"] = {s: stats["spider"][s]["error"] for s in failed if s in stats["spider"]}
    stats["cut"] = {s: summary["cut"] for s, summary in stats["spider"].items() if summary.get("cut")}
    return stats


def crawl_sites(site_ids: list[str], raw: Path | RawShards, run_id: str, **kwargs: Any) -> dict[str, dict[str, Any]]:
    """Crawl sites as one recorded run and return site id -> summary (crawl_run's `spider`)."""
    stats = crawl_run(site_ids, raw, run_id, **kwargs)
    return {site_id: stats["spider"][site_id] for site_id in site_ids}


def crawl_site(site_id: str, run_id: str, raw_db: Path, **kwargs: Any) -> dict[str, Any]:
    """Crawl one site into one raw file in a batch process and return its summary; raise CrawlError on failure."""
    summary = crawl_batch([site_id], Path(raw_db), run_id, processes=1, **kwargs)[site_id]
    if "error" in summary:
        raise CrawlError(summary["error"])
    return summary
