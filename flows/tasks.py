"""Prefect tasks: thin wrappers over crawlers/ and jobs.clean, one per site or per batch."""

from __future__ import annotations

from pathlib import Path

from prefect import get_run_logger, task
from prefect.cache_policies import NO_CACHE

from crawlers.run import crawl_site
from crawlers.sites import Registry
from fixtures.server import FixtureServer
from jobs.clean import CleanSummary, clean_batch
from jobs.config import DataPaths
from jobs.dedup import dedup_corpus


# Network-bound: a site that is down or slow gets two more tries with growing pauses.
# No Prefect result caching: what needs doing is decided by raw.db (known pages, clean_status keyed on raw
# sha256 and pipeline version), so hashing task inputs would only cost time.
@task(task_run_name="crawl-{site_id}", retries=2, retry_delay_seconds=[30, 120], cache_policy=NO_CACHE)
def crawl_site_task(
    site_id: str,
    run_id: str,
    raw_db: str,
    registry: Registry,
    registry_path: str | None = None,
    max_list_pages: int | None = None,
    max_detail_pages: int | None = None,
    full_walk: bool = False,
    timeout_s: float = 1800,
    fixture_proxy: str | None = None,
) -> dict:
    """Crawl one site in a subprocess and return its summary; bundled sites get a local fixture proxy.

    A bundled site uses `fixture_proxy` when given (an already running fixture server), else its own.
    """
    logger = get_run_logger()
    kwargs = {
        "registry": Path(registry_path) if registry_path else None,
        "max_list_pages": max_list_pages,
        "max_detail_pages": max_detail_pages,
        "full_walk": full_walk,
        "timeout_s": timeout_s,
    }
    if registry.get(site_id).bundled and fixture_proxy:
        summary = crawl_site(site_id, run_id, Path(raw_db), proxy_url=fixture_proxy, **kwargs)
    elif registry.get(site_id).bundled:
        with FixtureServer() as server:
            summary = crawl_site(site_id, run_id, Path(raw_db), proxy_url=server.proxy_url, **kwargs)
    else:
        summary = crawl_site(site_id, run_id, Path(raw_db), **kwargs)
    logger.info(
        "%s: %s pages fetched, %s new, %s changed, %s not modified, %s errors",
        site_id,
        summary.get("pages_fetched"),
        summary.get("detail_pages_new"),
        summary.get("detail_pages_changed"),
        summary.get("not_modified"),
        summary.get("errors"),
    )
    return summary


@task(task_run_name="dedup", cache_policy=NO_CACHE)
def dedup_task(data_dir: str, registry: Registry) -> dict:
    """Cluster new and changed documents against the whole corpus (persisted signatures)."""
    summary = dedup_corpus(DataPaths(Path(data_dir)), registry)
    get_run_logger().info("dedup: %s", summary.as_dict())
    return summary.as_dict()


@task(task_run_name="clean-batch-{batch_no}", cache_policy=NO_CACHE)
def clean_batch_task(data_dir: str, page_ids: list[str], registry: Registry, batch_no: int) -> CleanSummary:
    """Clean one batch of a few hundred stored pages."""
    summary = clean_batch(DataPaths(Path(data_dir)), page_ids, registry)
    get_run_logger().info("batch %d: %d pages, documents %s", batch_no, summary.pages, dict(summary.documents))
    return summary
