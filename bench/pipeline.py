"""Crawl and clean throughput on a generated local site, direct vs through Prefect, and an unchanged re-run.

Run by hand (takes a few minutes):  .venv/bin/python bench/pipeline.py --notices 5000
Prints the figures and, with --write, appends a dated section to bench/RESULTS.md.

The Prefect server is started first and stays up for every run, and direct and flow runs alternate (direct
first in odd rounds, flow first in even ones), so both sides see the same machine: on a shared machine the
load from other work changes from minute to minute. Each run reports wall time and CPU seconds: this process,
its subprocesses (the Scrapy crawl) and the Prefect server. The bench site's proxy runs in a process of its own,
as a remote site would: in the measured process it would share the GIL with Prefect's threads during the crawl.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import resource
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.machine import machine_info  # noqa: E402
from jobs.offline import keep_prefect_local  # noqa: E402

keep_prefect_local()

SITE = "bench"
PER_LIST_PAGE = 20  # the bench site lists 20 notices per list page
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


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


def _proc_stat(pid: int) -> list[str]:
    # Fields after the command name, whose parentheses may hold spaces.
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()


@dataclass(frozen=True)
class BenchSite:
    """The bench site's proxy, served by a child process."""

    proxy_url: str
    pid: int


def _serve_bench_site(notices: int, conn) -> None:
    from fixtures.server import FixtureServer

    with FixtureServer(bench_notices=notices) as server:
        conn.send(server.proxy_url)
        conn.recv()  # any message, or the parent's end closing, means stop


@contextmanager
def bench_site_process(notices: int) -> Iterator[BenchSite]:
    """Serve the generated bench site from a child process; yield its proxy URL and pid."""
    context = multiprocessing.get_context("spawn")
    ours, theirs = context.Pipe()
    proc = context.Process(target=_serve_bench_site, args=(notices, theirs), daemon=True)
    proc.start()
    try:
        yield BenchSite(proxy_url=ours.recv(), pid=proc.pid)
    finally:
        ours.send("stop")
        proc.join(timeout=10)
        if proc.is_alive():
            proc.terminate()


def live_descendants_cpu(exclude: int | None = None) -> float:
    """Return the CPU seconds used so far by this process's live descendants but `exclude` (the Prefect server)."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parents[int(entry.name)] = int(_proc_stat(int(entry.name))[1])
            except (OSError, IndexError, ValueError):
                continue
    family, total = {os.getpid()}, 0.0
    changed = True
    while changed:
        changed = False
        for pid, ppid in parents.items():
            if ppid in family and pid not in family:
                family.add(pid)
                changed = True
    for pid in family - {os.getpid(), exclude}:
        try:
            fields = _proc_stat(pid)
            total += (int(fields[11]) + int(fields[12])) / CLOCK_TICKS
        except (OSError, IndexError, ValueError):
            continue
    return total


class CpuMeter:
    """Wall and CPU seconds of a block: this process, waited-for children (crawls) and live ones (server)."""

    def __init__(self, site: BenchSite) -> None:
        self.site = site

    def __enter__(self) -> CpuMeter:
        self._children = resource.getrusage(resource.RUSAGE_CHILDREN)
        self._server = live_descendants_cpu(exclude=self.site.pid)
        self._own = time.process_time()
        self._wall = time.perf_counter()
        return self

    def __exit__(self, *exc) -> None:
        self.wall = time.perf_counter() - self._wall
        self.own = time.process_time() - self._own
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        self.children = (children.ru_utime + children.ru_stime) - (self._children.ru_utime + self._children.ru_stime)
        self.server = live_descendants_cpu(exclude=self.site.pid) - self._server

    def as_dict(self) -> dict:
        """Return the figures, rounded, with the CPU total."""
        cpu = {"own": self.own, "children": self.children, "server": self.server}
        return {
            "wall_s": round(self.wall, 2),
            "cpu_s": {k: round(v, 2) for k, v in cpu.items()},
            "cpu_total_s": round(sum(cpu.values()), 2),
        }


def crawl_limits(notices: int) -> dict:
    """Return list and detail page budgets that cover the whole bench site."""
    return {"max_list_pages": notices // PER_LIST_PAGE + 5, "max_detail_pages": notices + 10}


def direct_run(data: Path, site: BenchSite, notices: int) -> dict:
    """Crawl then clean by calling the functions the flow tasks wrap, with no Prefect in between."""
    from crawlers.run import crawl_site
    from crawlers.sites import load_registry
    from db.ids import new_run_id
    from jobs.clean import clean_pages, plan_clean, sync_last_seen
    from jobs.config import DataPaths
    from jobs.dedup import dedup_corpus

    paths = DataPaths(data)
    with CpuMeter(site) as meter:
        registry = load_registry()
        run_id = new_run_id()
        raw = paths.raw()
        raw.start_run(run_id, [SITE])
        t0 = time.perf_counter()
        summary = crawl_site(
            SITE, run_id, raw.site_path(SITE), proxy_url=site.proxy_url, timeout_s=3600, **crawl_limits(notices)
        )
        t1 = time.perf_counter()
        raw.finish_run(run_id, raw.run_summary(run_id, [SITE]))
        # The same steps the reclean flow runs, in the same order, without Prefect in between.
        sync_last_seen(paths)
        plan = plan_clean(paths, registry, sites=[SITE])
        clean = clean_pages(paths, plan.page_ids, registry)
        dedup_corpus(paths, registry)
        t2 = time.perf_counter()
    return {
        **meter.as_dict(),
        "crawl_s": round(t1 - t0, 2),
        "clean_s": round(t2 - t1, 2),
        "pages_fetched": summary.get("pages_fetched", 0),
        "cleaned_pages": clean.pages,
        "documents": documents(data),
    }


def flow_run(data: Path, site: BenchSite, notices: int) -> dict:
    """The nightly flow on the same site (Prefect's temporary local server, already started)."""
    from flows.nightly import nightly
    from flows.params import CrawlOptions

    with CpuMeter(site) as meter:
        state = nightly(
            sites=[SITE],
            data_dir=str(data),
            crawl_options=CrawlOptions(timeout_minutes=60, **crawl_limits(notices)),
            fixture_proxy=site.proxy_url,
            return_state=True,
        )
    result = state.result(raise_on_failure=False)
    spider = result["crawl"].get("spider", {}).get(SITE, {})
    return {
        **meter.as_dict(),
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


def warm_up_cleaning(pages: int = 20) -> None:
    """Clean a few bench pages before timing: the first run in a process would otherwise pay alone for loading
    the cleaning models (OpenCC dictionaries, the character model, lxml) whichever side it is."""
    from cleaning.pipeline import PageInput, clean_page
    from fixtures.server import fetch_bytes

    for n in range(1, pages + 1):
        _, headers, body = fetch_bytes("bench.example", f"/notice/{n:06d}.html")
        clean_page(PageInput(url=f"http://bench.example/notice/{n:06d}.html", body=body, headers=headers))


def run_rounds(rounds: int, notices: int, site: BenchSite, tmp: Path) -> tuple[list[dict], list[dict], dict]:
    """Alternate direct and flow runs on fresh data dirs; then re-run the last flow dir unchanged."""
    warm_up_cleaning()
    directs, flows = [], []
    for n in range(rounds):
        order = ("direct", "flow") if n % 2 == 0 else ("flow", "direct")
        for kind in order:
            data = tmp / f"{kind}-{n}"
            if kind == "direct":
                directs.append(direct_run(data, site, notices))
            else:
                flows.append(flow_run(data, site, notices))
            print(f"round {n + 1} {kind}:", json.dumps((directs if kind == "direct" else flows)[-1]), flush=True)
    again = flow_run(tmp / f"flow-{rounds - 1}", site, notices)
    print("flow, unchanged re-run:", json.dumps(again, ensure_ascii=False), flush=True)
    return directs, flows, again


def ratio(flows: list[dict], directs: list[dict], key: str) -> float:
    """Return flow over direct of a summed figure, minus one (the overhead)."""
    return sum(f[key] for f in flows) / sum(d[key] for d in directs) - 1


def report(args: argparse.Namespace, startup: float, directs: list[dict], flows: list[dict], again: dict) -> str:
    """Return the markdown section for RESULTS.md."""
    wall = ratio(flows, directs, "wall_s")
    cpu = ratio(flows, directs, "cpu_total_s")
    per_round = ", ".join(f"{f['wall_s'] / d['wall_s'] - 1:+.1%}" for d, f in zip(directs, flows, strict=True))
    first = flows[-1]["wall_s"]
    d_med, f_med = statistics.median(d["wall_s"] for d in directs), statistics.median(f["wall_s"] for f in flows)

    def cpu_cell(runs: list[dict]) -> str:
        parts = {k: statistics.median(r["cpu_s"][k] for r in runs) for k in ("own", "children", "server")}
        total = statistics.median(r["cpu_total_s"] for r in runs)
        return (
            f"{total:.1f} s (process {parts['own']:.1f} + crawl {parts['children']:.1f} + server {parts['server']:.1f})"
        )

    lines = [
        f"## Pipeline throughput, {args.notices} generated notices — {datetime.now(UTC):%Y-%m-%d}",
        "",
        f"Machine: {machine()}. Command: `.venv/bin/python bench/pipeline.py --notices {args.notices} "
        f"--rounds {args.rounds}`.",
        "The bench site is served by the bundled fixture proxy on 127.0.0.1 (GB18030/UTF-8 notice pages, ETag), "
        "in a process of its own.",
        f"The Prefect temporary server is started first; direct and flow runs alternate, {args.rounds} of each.",
        "",
        "| measure | value |",
        "|---|---:|",
        f"| crawl (one Scrapy subprocess), pages fetched | {directs[0]['pages_fetched']} |",
        f"| crawl time, direct (median) | {statistics.median(d['crawl_s'] for d in directs):.1f} s |",
        f"| clean + dedup time, direct / flow (median) | {statistics.median(d['clean_s'] for d in directs):.1f} s / "
        f"{statistics.median(f['clean_s'] for f in flows):.1f} s |",
        f"| crawl + clean wall, direct / nightly flow (median) | {d_med:.1f} s / {f_med:.1f} s |",
        f"| CPU, direct (median) | {cpu_cell(directs)} |",
        f"| CPU, nightly flow (median) | {cpu_cell(flows)} |",
        f"| Prefect temporary server start-up (once per process, not in the flow time) | {startup:.1f} s |",
        f"| Prefect overhead, wall (all rounds summed; per round {per_round}) | {wall:+.1%} (target ≤ 15%) |",
        f"| Prefect overhead, CPU seconds (all processes, all rounds summed) | {cpu:+.1%} |",
        f"| unchanged re-run, nightly flow | {again['wall_s']:.1f} s = {again['wall_s'] / first:.1%} of its first "
        f"run (target ≤ 10%); {again['detail_pages_downloaded']} detail pages downloaded, "
        f"{again['cleaned_pages']} pages re-cleaned |",
        f"| documents | direct {directs[-1]['documents']}, flow {flows[-1]['documents']} |",
        "",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--notices", type=int, default=5000)
    parser.add_argument("--rounds", type=int, default=2, help="direct and flow runs of each kind, alternated")
    parser.add_argument("--write", action="store_true", help="append the figures to bench/RESULTS.md")
    args = parser.parse_args()

    os.environ.setdefault("PREFECT_HOME", tempfile.mkdtemp(prefix="zhcorpus-bench-prefect-"))
    # The bench site is disabled in the registry (it is only for this script); crawl_site runs it explicitly.
    with bench_site_process(args.notices) as site, tempfile.TemporaryDirectory() as tmp:
        startup = start_prefect_server()
        print(f"Prefect temporary server start-up: {startup:.1f} s", flush=True)
        directs, flows, again = run_rounds(args.rounds, args.notices, site, Path(tmp))

    text = report(args, startup, directs, flows, again)
    print(text)
    if args.write:
        results = ROOT / "bench" / "RESULTS.md"
        existing = results.read_text(encoding="utf-8") if results.exists() else "# Benchmark results\n\n"
        results.write_text(existing.rstrip() + "\n\n" + text, encoding="utf-8")


if __name__ == "__main__":
    main()
