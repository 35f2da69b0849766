"""Commands over the whole corpus: demo, crawl, clean, stats, search and export.

``cmd_demo`` is the CLI's one way into the Prefect flows (flows.nightly); the others call the jobs directly.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from crawlers.run import DEFAULT_BATCH_SIZE as CRAWL_BATCH_SIZE
from crawlers.run import DEFAULT_PROCESSES as CRAWL_PROCESSES
from jobs.config import DEFAULT_BATCH_SIZE, DataPaths, data_paths
from jobs.stats import corpus_stats
from zhcorpus.commands.options import iso_date, positive_float, positive_int, progress_printer, registry_from
from zhcorpus.errors import CommandError
from zhcorpus.jsonl import dumps_line


def _print_run_table(paths: DataPaths, crawl: dict, clean_by_site: dict) -> None:
    from jobs.report import render_run_table, site_rows

    stats = corpus_stats(paths)
    print(render_run_table(site_rows(crawl.get("by_site", {}), clean_by_site, crawl.get("spider", {}))))
    _print_cut(crawl)
    print(
        f"\ncorpus after this run: {stats['documents']} documents ({stats['canonical_documents']} canonical) "
        f"from {len(stats['sites'])} sites in {paths.corpus_db}"
    )


def _print_cut(crawl: dict) -> None:
    cut = crawl.get("cut", {})
    if cut:
        spider = crawl.get("spider", {})
        names = ", ".join(f"{site} (after {spider.get(site, {}).get('timeout_s', 0):g} s)" for site in cut)
        print(f"cut by their timeout: {names}", file=sys.stderr)


def cmd_demo(args: argparse.Namespace) -> int:
    """Run the nightly flow on the bundled local sites and print a summary table."""
    from flows.nightly import nightly

    paths = data_paths(args.data)
    registry = registry_from(args)
    sites = [s.id for s in registry.enabled() if s.bundled]
    print(f"demo: crawling {len(sites)} bundled sites into {paths.root}", file=sys.stderr)
    state = nightly(sites=sites, data_dir=str(paths.root), registry_path=args.registry, return_state=True)
    result = state.result(raise_on_failure=False)
    if isinstance(result, BaseException):
        raise CommandError(f"nightly flow crashed: {result}")
    _print_run_table(paths, result["crawl"], result["clean"].get("by_site", {}))
    print(f"flow run: {state.name} — {state.message}", file=sys.stderr)
    if result["crawl"]["failed_sites"]:
        raise CommandError(f"sites failed: {', '.join(result['crawl']['failed_sites'])}")
    return 0


def cmd_crawl(args: argparse.Namespace) -> int:
    """Crawl sites (default: all enabled) into the raw store; bundled sites are served locally."""
    from crawlers.run import crawl_run
    from db.ids import new_run_id
    from jobs.report import CRAWL_COLUMNS, render_run_table, site_rows

    paths = data_paths(args.data)
    registry = registry_from(args)
    site_ids = args.sites or [s.id for s in registry.enabled()]
    unknown = sorted(set(site_ids) - {s.id for s in registry.sites})
    if unknown:
        raise CommandError(f"unknown site ids: {', '.join(unknown)} (see `zhcorpus sites list`)")
    done: list[str] = []

    def report(site_id: str, summary: dict) -> None:
        done.append(site_id)
        if "error" in summary:
            outcome = f"failed: {summary['error']}"
        else:
            outcome = (
                f"{summary.get('pages_fetched', 0)} pages, {summary.get('detail_pages_new', 0)} new, "
                f"{summary.get('detail_pages_changed', 0)} changed, {summary.get('errors', 0)} errors"
            )
            if summary.get("cut"):
                outcome += f", cut by its {summary['cut']} after {summary.get('timeout_s', 0):g} s"
        print(f"crawl {len(done)}/{len(site_ids)} {site_id}: {outcome}", file=sys.stderr, flush=True)

    print(f"crawling {len(site_ids)} sites into {paths.raw_dir}", file=sys.stderr)
    stats = crawl_run(
        site_ids,
        paths.raw(),
        new_run_id(),
        registry=Path(args.registry) if args.registry else None,
        batch_size=args.batch_size,
        processes=args.processes,
        timeout_s=args.timeout,
        progress=report,
    )
    for run_id in stats.get("closed_interrupted_runs", []):
        print(f"closed crawl run {run_id} as interrupted (its process had died)", file=sys.stderr)
    print(render_run_table(site_rows(stats["by_site"], {}, stats["spider"]), CRAWL_COLUMNS))
    _print_cut(stats)
    if stats["failed_sites"]:
        raise CommandError(f"sites failed: {', '.join(stats['failed_sites'])}")
    return 0


def cmd_clean(args: argparse.Namespace) -> int:
    """Clean stored pages into corpus.db (only stale ones unless --reprocess)."""
    from cleaning.pipeline import PIPELINE_VERSION
    from jobs.clean import clean_pages, plan_clean, sync_last_seen

    paths = data_paths(args.data)
    if not paths.has_raw():
        raise CommandError(f"nothing crawled into {paths.root} yet: run `zhcorpus crawl` first")
    registry = registry_from(args)
    unknown = sorted(set(args.sites or []) - {s.id for s in registry.sites})
    if unknown:
        raise CommandError(f"unknown site ids: {', '.join(unknown)} (see `zhcorpus sites list`)")
    sync_last_seen(paths)
    plan = plan_clean(paths, registry, sites=args.sites, since=args.since, reprocess=args.reprocess)
    why = ", ".join(f"{n} {reason}" for reason, n in plan.reasons.most_common())
    print(
        f"pipeline {PIPELINE_VERSION}: {len(plan.page_ids)} pages to clean" + (f" ({why})" if why else ""),
        file=sys.stderr,
    )
    summary = clean_pages(
        paths,
        plan.page_ids,
        registry,
        batch_size=args.batch_size,
        progress=progress_printer("clean"),
        page_sites=plan.page_sites,
    )
    from jobs.dedup import dedup_corpus

    dedup = dedup_corpus(paths, registry)
    print(
        f"dedup: {dedup.placed} documents placed, {dedup.joined_existing} joined an existing cluster", file=sys.stderr
    )
    result = {
        **summary.as_dict(),
        "reasons": dict(plan.reasons),
        "templates_changed": plan.templates.changed,
        "template_errors": dict(plan.templates.errors),
    }
    print(dumps_line({**result, "dedup": dedup.as_dict()}, indent=2))
    return 0


def cmd_stats(args: argparse.Namespace) -> int:
    """Print corpus and last-run figures."""
    paths = data_paths(args.data)
    stats = corpus_stats(paths)
    if args.json:
        print(dumps_line(stats, indent=2))
        return 0
    print(
        f"documents: {stats['documents']} ({stats['canonical_documents']} canonical, "
        f"{stats['duplicates']} reposts and duplicates in {stats['dedup']['clusters_with_reposts']} clusters)"
    )
    for site, n in stats["sites"].items():
        print(f"  {site}: {n}")
    print("encodings: " + ", ".join(f"{k}={v}" for k, v in stats["encodings"].items()))
    print("drops: " + (", ".join(f"{k}={v}" for k, v in stats["drops"].items()) or "none"))
    if stats["internal_errors"]:
        print("internal errors: " + ", ".join(f"{k}={v}" for k, v in stats["internal_errors"].items()))
    if stats["withdrawn"]:
        print(f"withdrawn: {stats['withdrawn']} documents (kept, marked withdrawn_at)")
    run = stats["last_run"]
    print(
        f"last run {run['run_id']}: fetched {run['pages_fetched']}, new {run['detail_pages_new']}, "
        f"changed {run['detail_pages_changed']}, errors {run['errors']}"
    )
    return 0


def cmd_search(args: argparse.Namespace) -> int:
    """Full-text search over titles and simplified text."""
    from db.corpus import CorpusStore

    corpus = CorpusStore(data_paths(args.data).corpus_db, readonly=True)
    try:
        try:
            hits = corpus.search(
                args.query,
                limit=args.limit,
                canonical_only=args.canonical_only,
                include_withdrawn=args.include_withdrawn,
            )
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
    finally:
        corpus.close()
    for hit in hits:
        if args.json:
            print(dumps_line(hit))
        else:
            print(f"{hit['id']}  {hit['site_id']}  {hit['published_at'] or '-'}  {hit['title']}\n    {hit['snippet']}")
    if not hits:
        print("no matches", file=sys.stderr)
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    """Export documents as JSON Lines (stdout or --output) or Parquet (--output), or raw pages as WARC."""
    from zhcorpus.export import export, export_warc

    paths = data_paths(args.data)
    if args.format == "warc":
        if args.canonical_only:
            raise CommandError("--canonical-only selects documents; warc exports raw pages (use --site)")
        if not args.output:
            raise CommandError("warc is binary: give --output FILE (.warc.gz, or .warc for no compression)")
        if not paths.has_raw():
            raise CommandError(f"{paths.raw_dir} does not exist: run `zhcorpus crawl` first")
        count = export_warc(paths.raw(), Path(args.output), sites=args.sites, with_history=args.with_history)
        print(f"exported {count} response records to {args.output}", file=sys.stderr)
        return 0
    if args.sites or args.with_history:
        raise CommandError("--site and --with-history apply to --format warc")
    from db.corpus import CorpusStore

    corpus = CorpusStore(paths.corpus_db, readonly=True)
    try:
        try:
            count = export(
                corpus.iter_documents(canonical_only=args.canonical_only),
                args.format,
                Path(args.output) if args.output else None,
            )
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
    finally:
        corpus.close()
    print(f"exported {count} documents", file=sys.stderr)
    return 0


def add_commands(sub: argparse._SubParsersAction) -> None:
    """Add the corpus commands to the CLI's subparsers."""
    p = sub.add_parser("demo", help="crawl the bundled local sites through the nightly flow, print a summary")
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("crawl", help="crawl sites into the raw store (many sites at once, each polite)")
    p.add_argument("sites", nargs="*", metavar="SITE", help="site ids (default: all enabled)")
    p.add_argument(
        "--batch-size",
        type=positive_int,
        default=CRAWL_BATCH_SIZE,
        help=f"sites crawled at once by one crawler process (default {CRAWL_BATCH_SIZE})",
    )
    p.add_argument(
        "--processes",
        type=positive_int,
        default=CRAWL_PROCESSES,
        help=f"crawler processes at a time (default {CRAWL_PROCESSES})",
    )
    p.add_argument(
        "--timeout",
        type=positive_float,
        default=None,
        metavar="SECONDS",
        help="wall-clock limit of each site's crawl; a site that reaches it is cut and reported "
        "(default: scaled to the site's page budget at the polite pace)",
    )
    p.set_defaults(func=cmd_crawl)

    p = sub.add_parser("clean", help="clean stored pages into corpus.db")
    p.add_argument("--reprocess", action="store_true", help="clean every page again, not only stale ones")
    p.add_argument("--site", dest="sites", action="append", metavar="SITE", help="only this site (repeatable)")
    p.add_argument("--since", type=iso_date, help="only pages seen since this date (YYYY-MM-DD)")
    p.add_argument(
        "--batch-size",
        type=positive_int,
        default=DEFAULT_BATCH_SIZE,
        help=f"pages per batch (default {DEFAULT_BATCH_SIZE})",
    )
    p.set_defaults(func=cmd_clean)

    p = sub.add_parser("stats", help="corpus and last-run figures")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=cmd_stats)

    p = sub.add_parser("search", help="full-text search over title and simplified text (terms of any length)")
    p.add_argument("query")
    p.add_argument("--limit", type=positive_int, default=20, help="at most this many hits (default 20)")
    p.add_argument("--canonical-only", action="store_true", help="one document per notice")
    p.add_argument("--include-withdrawn", action="store_true", help="also notices whose pages no longer yield them")
    p.add_argument("--json", action="store_true", help="one JSON object per hit")
    p.set_defaults(func=cmd_search)

    p = sub.add_parser("export", help="export documents as JSON Lines or Parquet, or raw pages as WARC")
    p.add_argument("--format", choices=["jsonl", "parquet", "warc"], default="jsonl")
    p.add_argument("--canonical-only", action="store_true", help="one document per notice: skip duplicates")
    p.add_argument("--output", "-o", help="output file (required for parquet and warc; jsonl defaults to stdout)")
    p.add_argument("--site", dest="sites", action="append", metavar="SITE", help="warc: only this site (repeatable)")
    p.add_argument("--with-history", action="store_true", help="warc: also earlier bodies of changed pages")
    p.set_defaults(func=cmd_export)
