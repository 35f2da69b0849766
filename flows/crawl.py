"""The crawl stage shared by the nightly, manual-crawl and backfill flows; the manual crawl and crawl-batch flows.

A run's sites are planned into batches (crawlers.run.plan_batches: sites that share a host stay together). Batches
run either here, in crawler processes of this flow run (`local`), or as `crawl-batch` flow runs on the work pool, so
several workers on one machine or several share the night (`pool`). Either way every batch holds a Prefect
concurrency slot per host while it crawls (flows/slots.py), every site writes its raw file and a site-run row
(db/shards.py), and this flow run owns the crawl_runs row: it starts it, beats its heartbeat and records its end.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from prefect import flow, get_run_logger, runtime
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId
from prefect.deployments import run_deployment
from prefect.exceptions import ObjectNotFound

from crawlers.run import CrawlJob, crawl_batch, plan_batches, run_stats
from crawlers.sites import Registry, load_registry
from db.ids import new_run_id
from db.runs import Heartbeat
from flows.params import CrawlOptions, SiteList, check_sites
from flows.report import publish_crawl_report
from flows.slots import host_slots
from jobs.config import DataPaths, data_paths

# The deployment (prefect.yaml) whose flow runs crawl one batch each on the pool.
BATCH_DEPLOYMENT = "crawl-batch/crawl-batch"
# Seconds between two looks at the batch flow runs, and after which a warning says none has started.
POLL_S = 2.0
NO_WORKER_WARNING_S = 300.0


def _job(run_id: str, registry: Registry, registry_path: str | None, options: CrawlOptions, **kwargs: Any) -> CrawlJob:
    return CrawlJob(
        run_id=run_id,
        registry=registry,
        registry_path=Path(registry_path) if registry_path else None,
        max_list_pages=options.max_list_pages,
        max_detail_pages=options.max_detail_pages,
        timeout_s=options.timeout_minutes * 60 if options.timeout_minutes else None,
        **kwargs,
    )


def _log_site(site_id: str, summary: dict) -> None:
    logger = get_run_logger()
    if "error" in summary:
        logger.error("%s failed: %s", site_id, summary["error"])
        return
    cut = f", cut by its {summary['cut']} after {summary.get('timeout_s'):g} s" if summary.get("cut") else ""
    logger.info(
        "%s: %s pages fetched, %s new, %s changed, %s not modified, %s errors%s",
        site_id,
        summary.get("pages_fetched"),
        summary.get("detail_pages_new"),
        summary.get("detail_pages_changed"),
        summary.get("not_modified"),
        summary.get("errors"),
        cut,
    )


def crawl_sites_here(
    site_ids: list[str],
    paths: DataPaths,
    registry: Registry,
    registry_path: str | None,
    options: CrawlOptions,
    run_id: str,
    *,
    full_walk: bool = False,
    fixture_proxy: str | None = None,
    processes: int | None = None,
) -> dict[str, dict]:
    """Crawl sites in crawler processes of this flow run, holding their hosts' slots; return site id -> summary."""
    sites = [registry.get(s) for s in site_ids]
    job = _job(run_id, registry, registry_path, options, full_walk=full_walk)
    # Long enough for another run's batch that holds one of these hosts to end.
    wait_s = max((job.deadline_s(batch) for batch in plan_batches(sites, options.batch_size)), default=0.0)
    with host_slots(sites, timeout_s=wait_s):
        return crawl_batch(
            site_ids,
            paths.raw(),
            run_id,
            registry=job.registry_path,
            proxy_url=fixture_proxy,
            batch_size=options.batch_size,
            processes=processes or options.processes,
            timeout_s=job.timeout_s,
            max_list_pages=options.max_list_pages,
            max_detail_pages=options.max_detail_pages,
            full_walk=full_walk,
            progress=_log_site,
        )


def crawl_on_pool(
    batches: list[list[str]],
    paths: DataPaths,
    job: CrawlJob,
    options: CrawlOptions,
    *,
    data_dir: str | None,
    registry_path: str | None,
    full_walk: bool,
    fixture_proxy: str | None,
) -> dict[str, dict]:
    """Run each batch as a crawl-batch flow run on the work pool; wait for all; return site id -> summary.

    Summaries come from the sites' raw files (written by whichever worker crawled them). A site of a batch whose
    flow run ended without its row gets `{"site_id", "error"}` naming the flow run's final state.
    """
    logger = get_run_logger()
    params = options.model_dump(mode="json")
    runs = {}
    for number, sites in enumerate(batches, start=1):
        flow_run = run_deployment(
            BATCH_DEPLOYMENT,
            parameters={
                "run_id": job.run_id,
                "sites": sites,
                "options": params,
                "full_walk": full_walk,
                "data_dir": data_dir,
                "registry_path": registry_path,
                "fixture_proxy": fixture_proxy,
            },
            flow_run_name=f"{job.run_id}-batch-{number}",
            idempotency_key=f"{job.run_id}-batch-{number}",
            timeout=0,
        )
        runs[flow_run.id] = sites
    logger.info("%d batch flow runs of %d sites submitted to the work pool", len(runs), sum(map(len, batches)))
    # Worst case, every batch runs after the other on one worker.
    deadline = time.monotonic() + sum(job.deadline_s([[s] for s in sites]) for sites in batches) + 3600
    started = time.monotonic()
    warned = False
    final: dict = {}
    with get_client(sync_client=True) as client:
        while len(final) < len(runs) and time.monotonic() < deadline:
            pending = [i for i in runs if i not in final]
            for flow_run in client.read_flow_runs(flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=pending))):
                if flow_run.state and flow_run.state.is_final():
                    final[flow_run.id] = flow_run.state
            if not warned and not final and time.monotonic() - started > NO_WORKER_WARNING_S:
                logger.warning(
                    "no batch flow run has finished after %.0f s: is a worker polling the pool?", NO_WORKER_WARNING_S
                )
                warned = True
            if len(final) < len(runs):
                time.sleep(POLL_S)
    site_ids = [s for sites in batches for s in sites]
    summaries = paths.raw().site_runs(job.run_id, site_ids)
    for run_id, sites in runs.items():
        state = final.get(run_id)
        why = f"{state.type.value}: {state.message}" if state else "did not finish before the run's deadline"
        for site_id in sites:
            if site_id not in summaries:
                summaries[site_id] = {"site_id": site_id, "error": f"batch flow run {run_id} {why}"}
    return summaries


def _deployed() -> bool:
    """Return True when this flow run was created from a deployment (so its batches go to the work pool)."""
    return runtime.deployment.id is not None


def crawl_stage(
    site_ids: list[str],
    paths: DataPaths,
    registry: Registry,
    registry_path: str | None,
    options: CrawlOptions,
    *,
    full_walk: bool = False,
    fixture_proxy: str | None = None,
    data_dir: str | None = None,
) -> dict:
    """Crawl sites as one run and return the run's stats; failing sites are listed, never raised."""
    logger = get_run_logger()
    run_id = new_run_id()
    shards = paths.raw()
    for closed in shards.start_run(run_id, site_ids):
        logger.warning(
            "crawl run %s ended without recording it (its process was killed): closed as interrupted", closed
        )
    dispatch = options.dispatch if options.dispatch != "auto" else ("pool" if _deployed() else "local")
    batches = plan_batches([registry.get(s) for s in site_ids], options.batch_size)
    logger.info(
        "run %s: %d sites in %d batches of up to %d, dispatched %s",
        run_id,
        len(site_ids),
        len(batches),
        options.batch_size,
        "to the work pool" if dispatch == "pool" else f"to {options.processes} local crawler processes",
    )
    summaries: dict[str, dict] = {}
    status = "finished"
    try:
        with Heartbeat(lambda: shards.heartbeat(run_id)):
            if dispatch == "pool":
                try:
                    with get_client(sync_client=True) as client:
                        client.read_deployment_by_name(BATCH_DEPLOYMENT)
                except ObjectNotFound as exc:
                    raise RuntimeError(
                        f"deployment {BATCH_DEPLOYMENT} not found: run `prefect deploy --all` from the checkout, "
                        "or set crawl_options.dispatch to local"
                    ) from exc
                job = _job(run_id, registry, registry_path, options)
                summaries = crawl_on_pool(
                    [[s for chain in batch for s in chain] for batch in batches],
                    paths,
                    job,
                    options,
                    data_dir=data_dir,
                    registry_path=registry_path,
                    full_walk=full_walk,
                    fixture_proxy=fixture_proxy,
                )
            else:
                summaries = crawl_sites_here(
                    site_ids,
                    paths,
                    registry,
                    registry_path,
                    options,
                    run_id,
                    full_walk=full_walk,
                    fixture_proxy=fixture_proxy,
                )
    except BaseException:
        status = "interrupted"
        raise
    finally:
        failed = sorted(s for s, summary in summaries.items() if "error" in summary)
        stats = run_stats(shards, run_id, site_ids, summaries, failed)
        stats["dispatch"] = dispatch
        shards.finish_run(run_id, stats, status=status)
    return stats


def resolve_sites(sites: list[str] | None, registry: Registry) -> list[str]:
    """Return the chosen site ids (default: every enabled site), raising on unknown ids."""
    check_sites(sites, {s.id for s in registry.sites})
    return list(sites) if sites else [s.id for s in registry.enabled()]


@flow(name="crawl", log_prints=True)
def crawl(
    sites: SiteList,
    options: CrawlOptions = CrawlOptions(),  # noqa: B008 - an immutable pydantic default, shown in the UI form
    data_dir: str | None = None,
    registry_path: str | None = None,
    fixture_proxy: str | None = None,
) -> dict:
    """Crawl the chosen sites into the raw store without cleaning (run `reclean` afterwards, or wait for the night).

    Args:
        sites: site ids from the registry to crawl (at least one).
        options: per-run overrides of the registry's crawl limits, the per-site timeout, batching and dispatch.
        data_dir: data directory holding the raw store and corpus.db (default: $ZHCORPUS_DATA or ./data).
        registry_path: site registry file (default: crawlers/sites.yaml).
        fixture_proxy: for tests and benchmarks, an already running fixture proxy for the bundled sites.
    """
    started = time.monotonic()
    registry = load_registry(Path(registry_path) if registry_path else None)
    site_ids = resolve_sites(sites, registry)
    paths = data_paths(data_dir)
    stats = crawl_stage(
        site_ids, paths, registry, registry_path, options, data_dir=data_dir, fixture_proxy=fixture_proxy
    )
    stats["duration_s"] = round(time.monotonic() - started, 2)
    publish_crawl_report(stats)
    return stats


@flow(name="crawl-batch", log_prints=True)
def crawl_batch_flow(
    run_id: str,
    sites: SiteList,
    options: CrawlOptions = CrawlOptions(),  # noqa: B008 - an immutable pydantic default, shown in the UI form
    full_walk: bool = False,
    data_dir: str | None = None,
    registry_path: str | None = None,
    fixture_proxy: str | None = None,
) -> dict:
    """Crawl one batch of a run's sites in one crawler process (submitted by the nightly, backfill or crawl flows).

    Holds a concurrency slot per host while it crawls, so no host is crawled by two runs at once; each site's
    summary lands in its raw file, where the submitting flow run reads it.

    Args:
        run_id: the crawl run the batch belongs to.
        sites: the batch's site ids (sites that share a host are always in one batch).
        options: the run's crawl options.
        full_walk: walk every list page within the budget (backfill).
        data_dir: data directory (default: this worker's $ZHCORPUS_DATA or ./data).
        registry_path: site registry file (default: crawlers/sites.yaml).
        fixture_proxy: an already running fixture proxy for bundled sites (tests).
    """
    registry = load_registry(Path(registry_path) if registry_path else None)
    check_sites(sites, {s.id for s in registry.sites})
    summaries = crawl_sites_here(
        list(sites),
        data_paths(data_dir),
        registry,
        registry_path,
        options,
        run_id,
        full_walk=full_walk,
        fixture_proxy=fixture_proxy,
        processes=1,
    )
    failed = sorted(s for s, summary in summaries.items() if "error" in summary)
    return {"run_id": run_id, "sites": len(summaries), "failed_sites": failed}
