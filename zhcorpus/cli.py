"""The `zhcorpus` command: thin wrappers over the functions the flows call.

Data goes to stdout, logs and progress to stderr; failures are one clear line and a non-zero exit.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from pathlib import Path

from zhcorpus.config import DATA_ENV, DEFAULT_BATCH_SIZE, DataPaths, data_paths
from zhcorpus.errors import CommandError
from zhcorpus.offline import keep_prefect_local

log = logging.getLogger("zhcorpus")


def _progress(label: str):
    def report(done: int, total: int) -> None:
        print(f"\r{label}: {done}/{total}", end="" if done < total else "\n", file=sys.stderr, flush=True)

    return report


def _registry(args: argparse.Namespace):
    from crawlers.sites import load_registry

    return load_registry(Path(args.registry) if args.registry else None)


def _corpus_stats(paths: DataPaths) -> dict:
    from db.corpus import CorpusStore
    from db.raw import RawStore

    corpus = CorpusStore(paths.corpus_db, readonly=True)
    try:
        stats = corpus.stats()
    finally:
        corpus.close()
    raw = RawStore(paths.raw_db)
    try:
        last = raw.last_run()
        stats["drops"] = raw.drop_counts()
    finally:
        raw.close()
    run = (last or {}).get("stats", {})
    stats["last_run"] = {
        "run_id": (last or {}).get("run_id"),
        "finished_at": (last or {}).get("finished_at"),
        **{
            key: run.get(key, 0)
            for key in (
                "pages_fetched",
                "detail_pages_new",
                "detail_pages_changed",
                "not_modified",
                "detail_pages_downloaded",
                "errors",
            )
        },
        "failed_sites": run.get("failed_sites", []),
    }
    return stats


def _print_run_table(paths: DataPaths, crawl: dict, clean_by_site: dict) -> None:
    from zhcorpus.report import render_table, site_rows

    stats = _corpus_stats(paths)
    print(render_table(site_rows(crawl.get("by_site", {}), clean_by_site, stats["sites"])))
    print(
        f"\ncorpus: {stats['documents']} documents ({stats['canonical_documents']} canonical) "
        f"from {len(stats['sites'])} sites in {paths.corpus_db}"
    )


# -- commands ---------------------------------------------------------------------------------------
def cmd_demo(args: argparse.Namespace) -> int:
    """Run the nightly flow on the bundled local sites and print a summary table."""
    from flows.nightly import nightly

    paths = data_paths(args.data)
    registry = _registry(args)
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
    """Crawl sites (default: all enabled) into raw.db; bundled sites are served locally."""
    from crawlers.run import crawl_sites
    from db.ids import new_run_id
    from db.raw import RawStore

    paths = data_paths(args.data)
    registry = _registry(args)
    site_ids = args.sites or [s.id for s in registry.enabled()]
    unknown = sorted(set(site_ids) - {s.id for s in registry.sites})
    if unknown:
        raise CommandError(f"unknown site ids: {', '.join(unknown)} (see `zhcorpus sites list`)")
    run_id = new_run_id()
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
        print(f"crawl {len(done)}/{len(site_ids)} {site_id}: {outcome}", file=sys.stderr, flush=True)

    print(f"crawling {len(site_ids)} sites into {paths.raw_db}", file=sys.stderr)
    registry_path = Path(args.registry) if args.registry else None
    summaries = crawl_sites(site_ids, paths.raw_db, run_id, registry=registry_path, progress=report)
    raw = RawStore(paths.raw_db)
    try:
        stats = raw.run_summary(run_id, [s for s, c in summaries.items() if "error" in c])
        raw.finish_run(run_id, stats)
    finally:
        raw.close()
    from zhcorpus.report import render_table, site_rows

    print(render_table(site_rows(stats["by_site"], {}, {})))
    if stats["failed_sites"]:
        raise CommandError(f"sites failed: {', '.join(stats['failed_sites'])}")
    return 0


def cmd_clean(args: argparse.Namespace) -> int:
    """Clean stored pages into corpus.db (only stale ones unless --reprocess)."""
    from cleaning.pipeline import PIPELINE_VERSION
    from zhcorpus.cleanjob import clean_pages, plan_clean, sync_last_seen

    paths = data_paths(args.data)
    if not paths.raw_db.exists():
        raise CommandError(f"{paths.raw_db} does not exist: run `zhcorpus crawl` first")
    registry = _registry(args)
    sync_last_seen(paths)
    plan = plan_clean(paths, registry, sites=args.sites, since=args.since, reprocess=args.reprocess)
    why = ", ".join(f"{n} {reason}" for reason, n in plan.reasons.most_common())
    print(
        f"pipeline {PIPELINE_VERSION}: {len(plan.page_ids)} pages to clean" + (f" ({why})" if why else ""),
        file=sys.stderr,
    )
    summary = clean_pages(paths, plan.page_ids, registry, batch_size=args.batch_size, progress=_progress("clean"))
    from zhcorpus.dedupjob import dedup_corpus

    dedup = dedup_corpus(paths, registry)
    print(
        f"dedup: {dedup.placed} documents placed, {dedup.joined_existing} joined an existing cluster", file=sys.stderr
    )
    result = {**summary.as_dict(), "reasons": dict(plan.reasons), "templates_changed": plan.templates.changed}
    print(json.dumps({**result, "dedup": dedup.as_dict()}, ensure_ascii=False, indent=2))
    return 0


def cmd_stats(args: argparse.Namespace) -> int:
    """Print corpus and last-run figures."""
    paths = data_paths(args.data)
    stats = _corpus_stats(paths)
    if args.json:
        print(json.dumps(stats, ensure_ascii=False, indent=2))
        return 0
    print(
        f"documents: {stats['documents']} ({stats['canonical_documents']} canonical, "
        f"{stats['duplicates']} reposts and duplicates in {stats['dedup']['clusters_with_reposts']} clusters)"
    )
    for site, n in stats["sites"].items():
        print(f"  {site}: {n}")
    print("encodings: " + ", ".join(f"{k}={v}" for k, v in stats["encodings"].items()))
    print("drops: " + (", ".join(f"{k}={v}" for k, v in stats["drops"].items()) or "none"))
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
            hits = corpus.search(args.query, limit=args.limit)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
    finally:
        corpus.close()
    for hit in hits:
        if args.json:
            print(json.dumps(hit, ensure_ascii=False))
        else:
            print(f"{hit['id']}  {hit['site_id']}  {hit['published_at'] or '-'}  {hit['title']}\n    {hit['snippet']}")
    if not hits:
        print("no matches", file=sys.stderr)
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    """Export documents as JSON Lines (stdout or --output) or Parquet (--output)."""
    from db.corpus import CorpusStore
    from zhcorpus.export import export

    corpus = CorpusStore(data_paths(args.data).corpus_db, readonly=True)
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


def cmd_sites(args: argparse.Namespace) -> int:
    """List the registry's sites, or check the registry file."""
    from crawlers.sites import DEFAULT_REGISTRY, check_registry

    if args.action == "check":
        path = Path(args.registry) if args.registry else DEFAULT_REGISTRY
        problems = check_registry(path)
        for problem in problems:
            print(problem, file=sys.stderr)
        if problems:
            raise CommandError(f"{path}: {len(problems)} problem(s)")
        print(f"{path}: ok")
        return 0
    registry = _registry(args)
    for site in registry.sites:
        state = "enabled" if site.enabled else "disabled"
        where = "bundled" if site.bundled else "remote"
        print(f"{site.id:16} {state:8} {where:7} {site.kind:13} {site.name}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser with every subcommand."""
    parser = argparse.ArgumentParser(prog="zhcorpus", description="A clean corpus of Chinese public notices.")
    parser.add_argument("--data", help=f"data directory (default: ${DATA_ENV} or ./data)")
    parser.add_argument("--registry", help="site registry file (default: crawlers/sites.yaml)")
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging on stderr")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("demo", help="crawl the bundled local sites through the nightly flow, print a summary")
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("crawl", help="crawl sites into raw.db")
    p.add_argument("sites", nargs="*", metavar="SITE", help="site ids (default: all enabled)")
    p.set_defaults(func=cmd_crawl)

    p = sub.add_parser("clean", help="clean stored pages into corpus.db")
    p.add_argument("--reprocess", action="store_true", help="clean every page again, not only stale ones")
    p.add_argument("--site", dest="sites", action="append", metavar="SITE", help="only this site (repeatable)")
    p.add_argument("--since", help="only pages seen since this ISO date")
    p.add_argument(
        "--batch-size", type=int, default=DEFAULT_BATCH_SIZE, help=f"pages per batch (default {DEFAULT_BATCH_SIZE})"
    )
    p.set_defaults(func=cmd_clean)

    p = sub.add_parser("stats", help="corpus and last-run figures")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=cmd_stats)

    p = sub.add_parser("search", help="full-text search (FTS5 trigram) over title and simplified text")
    p.add_argument("query")
    p.add_argument("--limit", type=int, default=20)
    p.add_argument("--json", action="store_true", help="one JSON object per hit")
    p.set_defaults(func=cmd_search)

    p = sub.add_parser("export", help="export documents as JSON Lines or Parquet")
    p.add_argument("--format", choices=["jsonl", "parquet"], default="jsonl")
    p.add_argument("--canonical-only", action="store_true", help="one document per notice: skip duplicates")
    p.add_argument("--output", "-o", help="output file (required for parquet; jsonl defaults to stdout)")
    p.set_defaults(func=cmd_export)

    p = sub.add_parser("sites", help="list or check the site registry")
    p.add_argument("action", choices=["list", "check"])
    p.set_defaults(func=cmd_sites)

    # Commands over single files and streams, each in its own module next to the code it exercises.
    from zhcorpus import cmd_dedup, cmd_page, cmd_text

    for module in (cmd_text, cmd_page, cmd_dedup):
        module.add_commands(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the CLI and return its exit status."""
    keep_prefect_local()
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    # Prefect's client logs every API request at INFO; keep stderr for what a user wants to read.
    for noisy in ("httpx", "httpcore"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    try:
        return args.func(args)
    except (CommandError, FileNotFoundError) as exc:
        print(f"zhcorpus: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("zhcorpus: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader went away (`zhcorpus export | head`): stop quietly, like other Unix tools.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


if __name__ == "__main__":
    sys.exit(main())
