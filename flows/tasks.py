"""Prefect tasks: thin wrappers over jobs.clean and jobs.dedup, one per batch of pages."""

from __future__ import annotations

from pathlib import Path

from prefect import get_run_logger, task
from prefect.cache_policies import NO_CACHE

from crawlers.sites import Registry
from jobs.clean import CleanSummary, clean_batch
from jobs.config import DataPaths
from jobs.dedup import dedup_corpus


# No Prefect result caching: what needs doing is decided by the raw store (clean_status keyed on raw sha256 and
# pipeline version), so hashing task inputs would only cost time.
@task(task_run_name="dedup", cache_policy=NO_CACHE)
def dedup_task(data_dir: str, registry: Registry) -> dict:
    """Cluster new and changed documents against the whole corpus (persisted signatures)."""
    summary = dedup_corpus(DataPaths(Path(data_dir)), registry)
    get_run_logger().info("dedup: %s", summary.as_dict())
    return summary.as_dict()


@task(task_run_name="clean-batch-{batch_no}", cache_policy=NO_CACHE)
def clean_batch_task(
    data_dir: str, page_ids: list[str], registry: Registry, batch_no: int, sites: list[str] | None = None
) -> CleanSummary:
    """Clean one batch of a few hundred stored pages (`sites`: theirs, so only their raw files are opened)."""
    summary = clean_batch(DataPaths(Path(data_dir)), page_ids, registry, sites)
    get_run_logger().info("batch %d: %d pages, documents %s", batch_no, summary.pages, dict(summary.documents))
    return summary
