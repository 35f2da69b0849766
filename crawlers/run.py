"""Run one site's spider in-process (the CLI), or sites in subprocesses (for flows and the CLI).

    python -m crawlers.run --site ID --run-id R --raw-db PATH [--registry PATH] [--proxy URL]

prints one JSON summary line on stdout; Scrapy's logs go to stderr. Twisted's reactor cannot be
restarted inside a long-lived worker, so `crawl_site` always runs that command in a subprocess.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from crawlers.pipelines import STATS_PREFIX
from crawlers.sites import Registry, load_registry

logger = logging.getLogger(__name__)

PROJECT_ROOT = Path(__file__).resolve().parent.parent

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

# Walk problems that count as errors of the site (named in run tables, artifacts and the flow's message), besides
# those the spider counts itself (no_detail_links, pagination_stalled, list_budget_cut, detail_budget_cut).
ALL_DETAILS_FAILED = "all_details_failed"


class CrawlError(RuntimeError):
    """A site crawl that did not finish: bad exit, timeout or unreadable summary."""


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


def run_spider(
    site_id: str,
    run_id: str,
    raw_db: Path,
    *,
    registry: Path | None = None,
    proxy_url: str | None = None,
    max_list_pages: int | None = None,
    max_detail_pages: int | None = None,
    full_walk: bool = False,
    dry_run: bool = False,
    try_pages: int = 2,
) -> dict[str, Any]:
    """Crawl one site in this process (once per process: Twisted) and return its summary.

    With `dry_run`, nothing is written and no detail page fetched: up to `try_pages` list pages per column are
    read and the summary's `report` says what was found (`zhcorpus sites try`).
    """
    from scrapy.crawler import CrawlerProcess

    from crawlers.settings import MissingContact, check_contact, settings_for_site
    from crawlers.spiders.notices import NoticesSpider

    reg = load_registry(registry)
    site = reg.get(site_id)
    contact = reg.crawl_contact()
    try:
        check_contact(site, contact)
    except MissingContact as exc:
        raise CrawlError(str(exc)) from None
    limits = site.limits_with(max_list_pages=max_list_pages, max_detail_pages=max_detail_pages)
    settings = settings_for_site(
        site, fixture_proxy=proxy_url, fixture_hosts=reg.bundled_hosts(), limits=limits, contact=contact
    )
    if dry_run:
        settings["ITEM_PIPELINES"] = {}
        settings["LOG_LEVEL"] = "WARNING"
    process = CrawlerProcess(settings)
    crawler = process.create_crawler(NoticesSpider)
    started = time.monotonic()
    process.crawl(
        crawler,
        site=site_id,
        run_id=run_id,
        raw_db=str(raw_db),
        registry=str(registry) if registry else None,
        max_list_pages=max_list_pages,
        max_detail_pages=max_detail_pages,
        full_walk=full_walk,
        dry_run=dry_run,
        try_pages=try_pages,
    )
    process.start()
    stats = crawler.stats.get_stats() if crawler.stats else {}
    if stats.get("finish_reason") != "finished":
        reason = stats.get("finish_reason")
        raise CrawlError(f"spider for {site_id} did not finish (finish_reason={reason!r})")
    summary = summarize_stats(site_id, stats, time.monotonic() - started)
    if dry_run:
        summary = {"site_id": site_id, "report": crawler.spider.report, "duration_s": summary["duration_s"]}
    return summary


def main(argv: list[str] | None = None) -> int:
    """Crawl one site; print its JSON summary on stdout; one error line and exit 1 on failure."""
    parser = argparse.ArgumentParser(prog="python -m crawlers.run", description="Crawl one registry site.")
    parser.add_argument("--site", required=True, help="site id from the registry")
    parser.add_argument("--run-id", required=True, help="crawl run id recorded with every fetch")
    parser.add_argument("--raw-db", required=True, type=Path, help="path to raw.db")
    parser.add_argument("--registry", type=Path, default=None, help="sites.yaml (default: the bundled one)")
    parser.add_argument("--proxy", default=None, help="fixture proxy URL for bundled sites")
    parser.add_argument("--max-list-pages", type=int, default=None, help="override the registry's limit")
    parser.add_argument("--max-detail-pages", type=int, default=None, help="override the registry's limit")
    parser.add_argument(
        "--full-walk", action="store_true", help="walk every list page, not only up to the first known one"
    )
    parser.add_argument("--dry-run", action="store_true", help="read list pages only, store nothing, print a report")
    parser.add_argument("--try-pages", type=int, default=2, help="list pages per column a dry run reads")
    args = parser.parse_args(argv)
    try:
        summary = run_spider(
            args.site,
            args.run_id,
            args.raw_db,
            registry=args.registry,
            proxy_url=args.proxy,
            max_list_pages=args.max_list_pages,
            max_detail_pages=args.max_detail_pages,
            full_walk=args.full_walk,
            dry_run=args.dry_run,
            try_pages=args.try_pages,
        )
    except (CrawlError, KeyError, ValueError, OSError) as exc:
        message = exc.args[0] if isinstance(exc, KeyError) and exc.args else exc
        print(f"crawl failed: {message}", file=sys.stderr)
        return 1
    print(json.dumps(summary, ensure_ascii=False), flush=True)
    return 0


def crawl_site(
    site_id: str,
    run_id: str,
    raw_db: Path,
    *,
    registry: Path | None = None,
    proxy_url: str | None = None,
    timeout_s: float | None = None,
    max_list_pages: int | None = None,
    max_detail_pages: int | None = None,
    full_walk: bool = False,
    dry_run: bool = False,
    try_pages: int = 2,
) -> dict[str, Any]:
    """Crawl one site in a subprocess and return its summary; raise CrawlError on failure or timeout.

    Without `timeout_s`, the site's own limit applies (`Site.crawl_timeout_s`, scaled to its budgets).
    """
    if timeout_s is None:
        try:
            site = load_registry(registry).get(site_id)
        except KeyError as exc:
            raise CrawlError(exc.args[0]) from None
        timeout_s = site.crawl_timeout_s(
            site.limits_with(max_list_pages=max_list_pages, max_detail_pages=max_detail_pages)
        )
    cmd = [sys.executable, "-m", "crawlers.run", "--site", site_id, "--run-id", run_id]
    cmd += ["--raw-db", str(raw_db)]
    if registry is not None:
        cmd += ["--registry", str(registry)]
    if proxy_url:
        cmd += ["--proxy", proxy_url]
    if max_list_pages is not None:
        cmd += ["--max-list-pages", str(max_list_pages)]
    if max_detail_pages is not None:
        cmd += ["--max-detail-pages", str(max_detail_pages)]
    if full_walk:
        cmd.append("--full-walk")
    if dry_run:
        cmd += ["--dry-run", "--try-pages", str(try_pages)]
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(PROJECT_ROOT), env.get("PYTHONPATH")) if p)
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout_s, env=env, check=False)
    except subprocess.TimeoutExpired as exc:
        raise CrawlError(f"crawl of {site_id} timed out after {timeout_s:g} s") from exc
    if proc.returncode != 0:
        tail = " | ".join(proc.stderr.strip().splitlines()[-5:])
        raise CrawlError(f"crawl of {site_id} failed (exit {proc.returncode}): {tail}")
    lines = [line for line in proc.stdout.splitlines() if line.strip()]
    try:
        summary = json.loads(lines[-1])
    except (IndexError, json.JSONDecodeError) as exc:
        raise CrawlError(f"crawl of {site_id} printed no JSON summary: {proc.stdout[-300:]!r}") from exc
    logger.debug("crawl of %s log tail:\n%s", site_id, proc.stderr[-4000:])
    return summary


@contextmanager
def _fixture_proxy(needed: bool, proxy_url: str | None) -> Iterator[str | None]:
    """Yield the proxy URL to use: the given one, a FixtureServer started here, or None."""
    if proxy_url or not needed:
        yield proxy_url
        return
    from fixtures.server import FixtureServer

    with FixtureServer() as srv:
        yield srv.proxy_url


def crawl_sites(
    site_ids: list[str],
    raw_db: Path,
    run_id: str,
    *,
    registry: Path | None = None,
    proxy_url: str | None = None,
    parallel: int = 4,
    timeout_s: float | None = None,
    progress: Callable[[str, dict[str, Any]], None] | None = None,
) -> dict[str, dict[str, Any]]:
    """Crawl sites (subprocesses, `parallel` at a time) as one run and return site_id -> summary.

    Starts a FixtureServer when a bundled site is selected and no `proxy_url` is given. A site that
    fails gets `{"site_id", "error"}` as its summary; the other sites still run. Without `timeout_s`, each
    site gets its own limit (`Site.crawl_timeout_s`).
    """
    from db.raw import RawStore

    reg: Registry = load_registry(registry)
    sites = [reg.get(site_id) for site_id in site_ids]  # unknown ids are the caller's error: raise
    store = RawStore(Path(raw_db))
    try:
        store.start_run(run_id, list(site_ids))
        with _fixture_proxy(any(s.bundled for s in sites), proxy_url) as proxy:

            def one(site_id: str) -> dict[str, Any]:
                site_proxy = proxy if reg.get(site_id).bundled else None
                try:
                    summary = crawl_site(
                        site_id, run_id, raw_db, registry=registry, proxy_url=site_proxy, timeout_s=timeout_s
                    )
                except CrawlError as exc:
                    logger.error("%s", exc)
                    summary = {"site_id": site_id, "error": str(exc)}
                if progress:
                    progress(site_id, summary)
                return summary

            with ThreadPoolExecutor(max_workers=max(1, parallel)) as pool:
                summaries = dict(zip(site_ids, pool.map(one, site_ids), strict=True))
        store.finish_run(run_id, {"sites": summaries})
    finally:
        store.close()
    return summaries


if __name__ == "__main__":
    raise SystemExit(main())
