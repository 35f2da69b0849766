"""The crawl stage shared by the nightly, manual-crawl and backfill flows, and the manual crawl flow."""

from __future__ import annotations

import time
from pathlib import Path

from prefect import flow, get_run_logger
from prefect.task_runners import ThreadPoolTaskRunner

from crawlers.sites import Registry, load_registry
from db.ids import new_run_id
from db.raw import RawStore
from flows.params import CrawlOptions, SiteId, check_sites
from flows.report import publish_crawl_report
from flows.tasks import crawl_site_task
from jobs.config import DataPaths, data_paths

# Two crawl subprocesses at a time: the machine has two cores and sites are crawled politely anyway.
CRAWL_WORKERS = 2


def crawl_stage(
    site_ids: list[str],
    paths: DataPaths,
    registry: Registry,
    registry_path: str | None,
    options: CrawlOptions,
    *,
    full_walk: bool = False,
    fixture_proxy: str | None = None,
) -> dict:
    """Crawl sites as one run (a task per site) and return the run summary; failing sites are listed, not raised."""
    logger = get_run_logger()
    run_id = new_run_id()
    raw = RawStore(paths.raw_db)
    try:
        raw.start_run(run_id, site_ids)
        futures = {
            site_id: crawl_site_task.submit(
                site_id,
                run_id,
                str(paths.raw_db),
                registry,
                registry_path,
                max_list_pages=options.max_list_pages,
                max_detail_pages=options.max_detail_pages,
                full_walk=full_walk,
                timeout_s=options.timeout_minutes * 60,
                fixture_proxy=fixture_proxy,
            )
            for site_id in site_ids
        }
        failed: dict[str, str] = {}
        spider: dict[str, dict] = {}
        for site_id, future in futures.items():
            try:
                spider[site_id] = future.result()
            except Exception as exc:  # one failing site never fails the others
                logger.error("site %s failed: %s", site_id, exc)
                failed[site_id] = str(exc)
        stats = raw.run_summary(run_id, sorted(failed))
        stats["failures"] = failed
        stats["spider"] = spider  # each spider's own summary: errors by reason, budgets hit, duration
        raw.finish_run(run_id, stats)
    finally:
        raw.close()
    return stats


def resolve_sites(sites: list[str] | None, registry: Registry) -> list[str]:
    """Return the chosen site ids (default: every enabled site), raising on unknown ids."""
    check_sites(sites, {s.id for s in registry.sites})
    return list(sites) if sites else [s.id for s in registry.enabled()]


@flow(name="crawl", log_prints=True, task_runner=ThreadPoolTaskRunner(max_workers=CRAWL_WORKERS))
def crawl(
    sites: list[SiteId],
    options: CrawlOptions = CrawlOptions(),  # noqa: B008 - an immutable pydantic default, shown in the UI form
    data_dir: str | None = None,
    registry_path: str | None = None,
) -> dict:
    """Crawl the chosen sites into raw.db without cleaning (run `reclean` afterwards, or wait for the night).

    Args:
        sites: site ids from the registry to crawl.
        options: per-run overrides of the registry's crawl limits.
        data_dir: data directory holding raw.db and corpus.db (default: $ZHCORPUS_DATA or ./data).
        registry_path: site registry file (default: crawlers/sites.yaml).
    """
    started = time.monotonic()
    registry = load_registry(Path(registry_path) if registry_path else None)
    site_ids = resolve_sites(sites, registry)
    paths = data_paths(data_dir)
    stats = crawl_stage(site_ids, paths, registry, registry_path, options)
    stats["duration_s"] = round(time.monotonic() - started, 2)
    publish_crawl_report(stats)
    return stats
