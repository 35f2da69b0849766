"""The nightly flow (crawl every enabled site, then clean what changed) and the backfill flow."""

from __future__ import annotations

import time
from pathlib import Path

from prefect import flow
from prefect.states import Completed, Failed, State

from crawlers.sites import load_registry
from flows.clean import clean_stage
from flows.crawl import crawl_stage, resolve_sites
from flows.params import CleanOptions, CrawlOptions, SiteId, SiteList
from flows.report import publish_nightly_report
from jobs.config import data_paths
from jobs.report import failing_sites, loud_sites, render_alerts


def _crawl_then_clean(
    sites: list[str] | None,
    crawl_options: CrawlOptions,
    clean_options: CleanOptions,
    data_dir: str | None,
    registry_path: str | None,
    *,
    full_walk: bool,
    fixture_proxy: str | None = None,
) -> State:
    started = time.monotonic()
    registry = load_registry(Path(registry_path) if registry_path else None)
    site_ids = resolve_sites(sites, registry)
    paths = data_paths(data_dir)
    crawl_stats = crawl_stage(
        site_ids,
        paths,
        registry,
        registry_path,
        crawl_options,
        full_walk=full_walk,
        fixture_proxy=fixture_proxy,
        data_dir=data_dir,
    )
    clean = clean_stage(paths, registry, clean_options, sites=site_ids)
    result = {"crawl": crawl_stats, "clean": clean, "duration_s": round(time.monotonic() - started, 2)}
    publish_nightly_report(result, paths)
    failed = crawl_stats["failed_sites"]
    cut = sorted(crawl_stats.get("cut", {}))
    summary = (
        f"{len(site_ids) - len(failed)}/{len(site_ids)} sites crawled, "
        f"{crawl_stats['detail_pages_new']} new and {crawl_stats['detail_pages_changed']} changed pages, "
        f"{clean['pages']} pages cleaned"
        + (f"; {len(cut)} sites cut by their timeout: {', '.join(cut)}" if cut else "")
    )
    loud = failing_sites(loud_sites(crawl_stats.get("spider", {}), clean.get("by_site", {})))
    if failed or loud:
        # The other sites were crawled and cleaned; the run is still marked failed so the failure is seen.
        named = [f"failed sites: {', '.join(failed)}"] if failed else []
        if loud:
            named.append("walk errors: " + "; ".join(f"{s} ({render_alerts(e)})" for s, e in sorted(loud.items())))
        return Failed(message=f"{summary}; {'; '.join(named)}", data=result)
    return Completed(message=summary, data=result)


@flow(name="nightly", log_prints=True)
def nightly(
    sites: list[SiteId] | None = None,
    crawl_options: CrawlOptions = CrawlOptions(),  # noqa: B008 - immutable pydantic defaults for the UI form
    clean_options: CleanOptions = CleanOptions(),  # noqa: B008
    data_dir: str | None = None,
    registry_path: str | None = None,
    fixture_proxy: str | None = None,
) -> State:
    """Crawl the chosen (default: all enabled) sites incrementally, then clean new and changed pages.

    Args:
        sites: site ids to crawl (default: every enabled site in the registry).
        crawl_options: per-run overrides of the registry's crawl limits, the per-site timeout, batching and
            dispatch (batches on the work pool when run from a deployment).
        clean_options: batching of the clean tasks.
        data_dir: data directory holding the raw store and corpus.db (default: $ZHCORPUS_DATA or ./data).
        registry_path: site registry file (default: crawlers/sites.yaml).
        fixture_proxy: for tests and benchmarks, an already running fixture proxy for the bundled sites
            (default: each bundled site's crawl starts its own on 127.0.0.1).
    """
    return _crawl_then_clean(
        sites, crawl_options, clean_options, data_dir, registry_path, full_walk=False, fixture_proxy=fixture_proxy
    )


@flow(name="backfill", log_prints=True)
def backfill(
    sites: SiteList,
    crawl_options: CrawlOptions = CrawlOptions(max_list_pages=200),  # noqa: B008
    clean_options: CleanOptions = CleanOptions(),  # noqa: B008
    data_dir: str | None = None,
    registry_path: str | None = None,
) -> State:
    """Walk the chosen sites' whole pagination (not stopping at known pages) to pick up older notices, then clean.

    Args:
        sites: site ids to backfill (at least one).
        crawl_options: list-page budget and other limits for the deep walk.
        clean_options: batching of the clean tasks.
        data_dir: data directory holding the raw store and corpus.db (default: $ZHCORPUS_DATA or ./data).
        registry_path: site registry file (default: crawlers/sites.yaml).
    """
    return _crawl_then_clean(sites, crawl_options, clean_options, data_dir, registry_path, full_walk=True)
