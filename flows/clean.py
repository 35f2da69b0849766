"""The re-clean flow: clean stored pages again without re-crawling."""

from __future__ import annotations

import time
from datetime import date
from pathlib import Path

from prefect import flow, get_run_logger

from cleaning.pipeline import PIPELINE_VERSION
from crawlers.sites import load_registry
from flows.params import CleanOptions, SiteId, check_sites
from flows.report import publish_clean_report
from flows.tasks import clean_batch_task, dedup_task
from zhcorpus.cleanjob import (
    CleanSummary,
    batched,
    refresh_site_templates,
    sites_to_refresh,
    stale_pages,
    sync_last_seen,
)
from zhcorpus.config import data_paths


@flow(name="reclean", log_prints=True)
def reclean(
    sites: list[SiteId] | None = None,
    since: date | None = None,
    reprocess: bool = False,
    options: CleanOptions = CleanOptions(),  # noqa: B008 - an immutable pydantic default, shown in the UI form
    data_dir: str | None = None,
    registry_path: str | None = None,
) -> dict:
    """Clean stored pages that are new, changed or made by an older pipeline version; no re-crawl.

    Args:
        sites: only these site ids (default: every site in raw.db).
        since: only pages the crawler saw on or after this date.
        reprocess: clean every selected page again, even if it is up to date (idempotent: unchanged output
            leaves documents untouched).
        options: batching of the clean tasks.
        data_dir: data directory holding raw.db and corpus.db (default: $ZHCORPUS_DATA or ./data).
        registry_path: site registry file (default: crawlers/sites.yaml).
    """
    logger = get_run_logger()
    started = time.monotonic()
    registry = load_registry(Path(registry_path) if registry_path else None)
    check_sites(sites, {s.id for s in registry.sites})
    paths = data_paths(data_dir)
    if not paths.raw_db.exists():
        raise FileNotFoundError(f"{paths.raw_db} does not exist: crawl first")
    moved = sync_last_seen(paths)
    page_ids = stale_pages(paths, sites=sites, since=since.isoformat() if since else None, reprocess=reprocess)
    logger.info(
        "pipeline %s: %d pages to clean; last_seen moved on %d documents", PIPELINE_VERSION, len(page_ids), moved
    )
    templates = refresh_site_templates(paths, sites_to_refresh(paths, page_ids), registry)
    if templates:
        logger.info("site templates refreshed from %s", templates)
    # One task per batch, run one after another: cleaning is CPU-bound Python, so threads would only contend
    # for the GIL and for corpus.db's write lock (measured: 2x slower than sequential on 2 cores).
    total = CleanSummary()
    for batch_no, batch in enumerate(batched(page_ids, options.batch_size), start=1):
        total.add(clean_batch_task(str(paths.root), batch, registry, batch_no))
    dedup = dedup_task(str(paths.root), registry)
    result = {
        "pipeline_version": PIPELINE_VERSION,
        **total.as_dict(),
        "last_seen_moved": moved,
        "dedup": dedup,
        "duration_s": round(time.monotonic() - started, 2),
    }
    publish_clean_report(result, paths)
    return result
