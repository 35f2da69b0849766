"""Crawl and clean throughput on a generated local site, direct vs through Prefect, and an unchanged re-run.

Run by hand (takes a few minutes):  .venv/bin/python bench/pipeline.py --notices 5000
Prints the figures and, with --write, appends a dated section to bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.machine import machine_info  # noqa: E402
from zhcorpus.offline import keep_prefect_local  # noqa: E402

keep_prefect_local()

SITE = "bench"
PER_LIST_PAGE = 20  # the bench site lists 20 notices per list page


def machine() -> str:
    """Return a one-line description of this machine (bench/machine.py)."""
    info = machine_info()
    return f"{info['cpu']} · {info['cores']} cores · Python {info['python']} · load average {info['load']}"


def documents(data: Path) -> int:
    conn = sqlite3.connect(data / "corpus.db")
    try:
        return conn.execute("SELECT COUNT(*) FROM documents").fetchone()[0]
    finally:
        conn.close()


def direct_run(data: Path, proxy: str, notices: int) -> dict:
    """Crawl then clean by calling the functions the flow tasks wrap, with no Prefect in between."""
    from crawlers.run import crawl_site
    from crawlers.sites import load_registry
    from db.ids import new_run_id
    from db.raw import RawStore
    from zhcorpus.cleanjob import clean_pages, refresh_site_templates, sites_to_refresh, stale_pages, sync_last_seen
    from zhcorpus.config import DataPaths
    from zhcorpus.dedupjob import dedup_corpus

    paths = DataPaths(data)
    registry = load_registry()
    run_id = new_run_id()
    raw = RawStore(paths.raw_db)
    raw.start_run(run_id, [SITE])
    t0 = time.perf_counter()
    summary = crawl_site(
        SITE,
        run_id,
        paths.raw_db,
        proxy_url=proxy,
        max_list_pages=notices // PER_LIST_PAGE + 5,
        max_detail_pages=notices + 10,
        timeout_s=3600,
    )
    t1 = time.perf_counter()
    raw.finish_run(run_id, raw.run_summary(run_id))
    raw.close()
    # The same steps the reclean flow runs, in the same order, without Prefect in between.
    sync_last_seen(paths)
    page_ids = stale_pages(paths, sites=[SITE])
    refresh_site_templates(paths, sites_to_refresh(paths, page_ids), registry)
    clean = clean_pages(paths, page_ids, registry)
    dedup_corpus(paths, registry)
    t2 = time.perf_counter()
    return {
        "crawl_s": t1 - t0,
        "clean_s": t2 - t1,
        "total_s": t2 - t0,
        "crawl": summary,
        "cleaned_pages": clean.pages,
        "documents": documents(data),
    }


def flow_run(data: Path, proxy: str, notices: int) -> dict:
    """The nightly flow on the same site (Prefect's temporary local server)."""
    from flows.nightly import nightly
    from flows.params import CrawlOptions

    t0 = time.perf_counter()
    state = nightly(
        sites=[SITE],
        data_dir=str(data),
        crawl_options=CrawlOptions(
            max_list_pages=notices // PER_LIST_PAGE + 5, max_detail_pages=notices + 10, timeout_minutes=60
        ),
        fixture_proxy=proxy,
        return_state=True,
    )
    total = time.perf_counter() - t0
    result = state.result(raise_on_failure=False)
    spider = result["crawl"].get("spider", {}).get(SITE, {})
    return {
        "total_s": total,
        "state": state.type.value,
        "message": state.message,
        "crawl_spider_s": spider.get("duration_s"),
        "clean_s": result["clean"]["duration_s"],
        "cleaned_pages": result["clean"]["pages"],
        "documents": documents(data),
        "detail_pages_downloaded": result["crawl"]["detail_pages_downloaded"],
    }


def start_prefect_server() -> float:
    """Run a trivial flow so Prefect's temporary server is up before timing; return how long that took.

    A deployed nightly run talks to an already running server, so server start-up is reported apart.
    """
    from prefect import flow

    @flow(name="bench-warm-up")
    def warm_up() -> None:
        return None

    t0 = time.perf_counter()
    warm_up()
    return time.perf_counter() - t0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--notices", type=int, default=5000)
    parser.add_argument("--write", action="store_true", help="append the figures to bench/RESULTS.md")
    args = parser.parse_args()

    from fixtures.server import FixtureServer

    os.environ.setdefault("PREFECT_HOME", tempfile.mkdtemp(prefix="zhcorpus-bench-prefect-"))
    # The bench site is disabled in the registry (it is only for this script); crawl_site runs it explicitly.
    with FixtureServer(bench_notices=args.notices) as server, tempfile.TemporaryDirectory() as tmp:
        direct_dir, flow_dir = Path(tmp) / "direct", Path(tmp) / "flow"
        direct = direct_run(direct_dir, server.proxy_url, args.notices)
        print("direct:", json.dumps(direct, ensure_ascii=False), flush=True)
        startup = start_prefect_server()
        print(f"Prefect temporary server start-up: {startup:.1f} s", flush=True)
        first = flow_run(flow_dir, server.proxy_url, args.notices)
        print("flow, first run:", json.dumps(first, ensure_ascii=False), flush=True)
        again = flow_run(flow_dir, server.proxy_url, args.notices)
        print("flow, unchanged re-run:", json.dumps(again, ensure_ascii=False), flush=True)

    overhead = first["total_s"] / direct["total_s"] - 1
    rerun_share = again["total_s"] / first["total_s"]
    pages = direct["crawl"].get("pages_fetched", 0)
    lines = [
        f"## Pipeline throughput, {args.notices} generated notices — {datetime.now(UTC):%Y-%m-%d}",
        "",
        f"Machine: {machine()}. Command: `.venv/bin/python bench/pipeline.py --notices {args.notices}`.",
        "The bench site is served by the bundled fixture proxy on 127.0.0.1 (GB18030/UTF-8 notice pages, ETag).",
        "",
        "| measure | value |",
        "|---|---:|",
        f"| crawl (one Scrapy subprocess), pages fetched | {pages} |",
        f"| crawl time | {direct['crawl_s']:.1f} s ({pages / direct['crawl_s']:.0f} pages/s) |",
        f"| clean + dedup time, direct | {direct['clean_s']:.1f} s "
        f"({direct['cleaned_pages'] / direct['clean_s']:.0f} pages/s) |",
        f"| crawl + clean, direct | {direct['total_s']:.1f} s |",
        f"| crawl + clean, nightly flow (Prefect temporary server, already started) | {first['total_s']:.1f} s |",
        f"| Prefect temporary server start-up (once per process, not in the flow time) | {startup:.1f} s |",
        f"| Prefect overhead | {overhead:+.1%} (target ≤ 15%) |",
        f"| unchanged re-run, nightly flow | {again['total_s']:.1f} s = {rerun_share:.1%} of the first run "
        f"(target ≤ 10%); {again['detail_pages_downloaded']} detail pages downloaded, "
        f"{again['cleaned_pages']} pages re-cleaned |",
        f"| documents | direct {direct['documents']}, flow {first['documents']} |",
        "",
    ]
    text = "\n".join(lines)
    print(text)
    if args.write:
        results = ROOT / "bench" / "RESULTS.md"
        existing = results.read_text(encoding="utf-8") if results.exists() else "# Benchmark results\n\n"
        results.write_text(existing.rstrip() + "\n\n" + text, encoding="utf-8")


if __name__ == "__main__":
    main()
