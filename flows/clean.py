"""The clean stage shared by the nightly and backfill flows, and the re-clean flow (no re-crawl)."""

from __future__ import annotations

import time
from datetime import date
from pathlib import Path

from prefect import flow, get_run_logger
from prefect.utilities.annotations import quote

from cleaning.pipeline import PIPELINE_VERSION
from crawlers.sites import Registry, load_registry
from flows.params import CleanOptions, IsoDate, SiteId, check_sites
from flows.report import publish_clean_report
from flows.tasks import clean_batch_task, dedup_task
from jobs.clean import CleanSummary, plan_clean, sync_last_seen
from jobs.config import DataPaths, data_paths


def clean_stage(
    paths: DataPaths,
    registry: Registry,
    options: CleanOptions,
    *,
    sites: list[str] | None = None,
    since: date | None = None,
    reprocess: bool = False,
) -> dict:
    """Clean the stale pages (a task per batch), then dedup; return the stage's figures.

    Called inside a flow run: by `reclean`, and in-line by the nightly and backfill flows, which so spend no
    second flow run (its API round trips and heartbeat thread) on the clean stage.
    """
    logger = get_run_logger()
    started = time.monotonic()
    moved = sync_last_seen(paths)
    plan = plan_clean(paths, registry, sites=sites, since=since.isoformat() if since else None, reprocess=reprocess)
    logger.info(
        "pipeline %s: %d pages to clean (%s); last_seen moved on %d documents",
        PIPELINE_VERSION,
        len(plan.page_ids),
        ", ".join(f"{n} {reason}" for reason, n in plan.reasons.most_common()) or "none stale",
        moved,
    )
    if plan.templates.pages:
        logger.info(
            "site templates refreshed from %s; changed: %s",
            plan.templates.pages,
            ", ".join(plan.templates.changed) or "none",
        )
    # One task per batch, run one after another: cleaning is CPU-bound Python, so threads would only contend
    # for the GIL and for corpus.db's write lock (measured: 2x slower than sequential on 2 cores).
    # quote(): Prefect need not walk the page-id list and the registry looking for futures to resolve.
    total = CleanSummary()
    for batch_no, (batch, batch_sites) in enumerate(plan.batches(options.batch_size), start=1):
        total.add(clean_batch_task(str(paths.root), quote(batch), quote(registry), batch_no, batch_sites))
    dedup = dedup_task(str(paths.root), quote(registry))
    return {
        "pipeline_version": PIPELINE_VERSION,
        **total.as_dict(),
        "reasons": dict(plan.reasons),
        "templates_changed": plan.templates.changed,
        "template_errors": dict(plan.templates.errors),
        "last_seen_moved": moved,
        "dedup": dedup,
        "duration_s": round(time.monotonic() - started, 2),
    }


@flow(name="reclean", log_prints=True)
def reclean(
    sites: list[SiteId] | None = None,
    since: IsoDate | None = None,
    reprocess: bool = False,
    options: CleanOptions = CleanOptions(),  # noqa: B008 - an immutable pydantic default, shown in the UI form
    data_dir: str | None = None,
    registry_path: str | None = None,
) -> dict:
    """Clean stored pages that are new, changed, made by an older pipeline version or with an older site template.

    No re-crawl. Every run's artifact says why pages were cleaned.

    Args:
        sites: only these site ids (default: every site in the raw store).
        since: only pages the crawler saw on or after this date.
        reprocess: clean every selected page again, even if it is up to date (idempotent: unchanged output
            leaves documents untouched).
        options: batching of the clean tasks.
        data_dir: data directory holding the raw store and corpus.db (default: $ZHCORPUS_DATA or ./data).
        registry_path: site registry file (default: crawlers/sites.yaml).
    """
    registry = load_registry(Path(registry_path) if registry_path else None)
    check_sites(sites, {s.id for s in registry.sites})
    paths = data_paths(data_dir)
    if not paths.has_raw():
        raise FileNotFoundError(f"nothing crawled into {paths.root} yet: crawl first")
    result = clean_stage(paths, registry, options, sites=sites, since=since, reprocess=reprocess)
    publish_clean_report(result, paths)
    return result
