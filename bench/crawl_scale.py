"""Crawl many polite sites at once: N simulated sites on loopback, each its own host, real politeness settings.

Run by hand (a few minutes):  .venv/bin/python bench/crawl_scale.py --sites 100 300 1000
Prints the figures and, with --write, appends a dated section to bench/RESULTS.md.

Each simulated site listens on its own loopback address (127.0.a.b, one port for all) and serves robots.txt, one or
two list pages and 18-22 notices (the bench.example pages of fixtures/, UTF-8), answering each request after a
fixed latency (default 50 ms, as a nearby real server would). The registry entries are ordinary, non-bundled sites
(`allow_private_network: true` for loopback), so every crawl runs with the real politeness settings of
crawlers/settings.py: robots.txt, a per-host download delay with jitter, AutoThrottle. The sites are served by
server processes of their own (`--server-processes`), never by the measured process; each logs every request's
arrival, from which the benchmark computes the smallest spacing between two requests to one host and the largest
number of hosts fetched concurrently, and reports its own CPU time and event-loop lag.

The ideal is the slowest site's polite crawl time: that site (the one with the most pages) crawled alone, by itself
in one batch process. A run of N sites is compared with it.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import resource
import shutil
import socket
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.machine import machine_info  # noqa: E402

NOTICES = (18, 19, 20, 21, 22)  # notices per site, by site number modulo 5
LIST_PATH = "/list/index.html"


def site_address(index: int) -> str:
    """Return the loopback address of simulated site `index` (0-based): 127.0.1.1, 127.0.1.2, ..."""
    return f"127.0.{index // 250 + 1}.{index % 250 + 1}"


def site_notices(index: int) -> int:
    """Return how many notices simulated site `index` serves."""
    return NOTICES[index % len(NOTICES)]


def write_registry(path: Path, count: int, port: int) -> list[str]:
    """Write a registry of `count` simulated sites to `path`; return their ids."""
    import yaml

    sites, ids = [], []
    for i in range(count):
        host = site_address(i)
        site_id = f"sim-{i + 1:05d}"
        ids.append(site_id)
        sites.append(
            {
                "id": site_id,
                "name": f"模拟站点{i + 1}",
                "kind": "test",
                "allowed_domains": [host],
                "start_urls": [f"http://{host}:{port}{LIST_PATH}"],
                "list": {"detail_links": "ul.news li a", "next_page": "div.pages a.next"},
                "detail_url_pattern": r"/notice/\d{6}\.html$",
                "script": "hans",
                "column": "通知公告",
                "allow_private_network": True,
            }
        )
    path.write_text(yaml.safe_dump({"sites": sites}, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return ids


# -- the simulated sites ---------------------------------------------------------------------------------------
def _pages() -> dict[int, dict[str, bytes]]:
    """Return notices count -> path -> the full HTTP response bytes (rendered once, served from memory)."""
    from fixtures.common import ServerState
    from fixtures.server import finalize
    from fixtures.site_bench import BenchSite

    out: dict[int, dict[str, bytes]] = {}
    for notices in sorted(set(NOTICES)):
        site = BenchSite(notices)
        paths = ["/robots.txt", LIST_PATH, "/list/index_1.html"] + [f"/notice/{n:06d}.html" for n in range(1, 23)]
        table = {}
        for path in paths:
            status, headers, body = finalize(site.handle(path, "", ServerState()))
            head = f"HTTP/1.1 {status} {'OK' if status == 200 else 'Not Found'}\r\n"
            head += "".join(f"{name}: {value}\r\n" for name, value in headers) + "\r\n"
            table[path] = head.encode("latin-1") + body
        out[notices] = table
    return out


def _serve(indices: list[int], port: int, latency_s: float, conn) -> None:
    """Serve the given sites; on "log" send back (requests since the last "log", CPU seconds, max loop lag)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    pages = _pages()
    log: list[tuple[int, float, float]] = []  # (site index, arrival, response sent)
    lag = [0.0]

    class Site(asyncio.Protocol):
        def __init__(self, index: int) -> None:
            self.index = index
            self.table = pages[site_notices(index)]
            self.buffer = b""
            self.transport: asyncio.Transport | None = None

        def connection_made(self, transport) -> None:
            self.transport = transport

        def data_received(self, data: bytes) -> None:
            self.buffer += data
            loop = asyncio.get_running_loop()
            while b"\r\n\r\n" in self.buffer:
                head, self.buffer = self.buffer.split(b"\r\n\r\n", 1)
                target = head.split(b"\r\n", 1)[0].split(b" ")[1].decode("latin-1")
                arrived = time.monotonic()
                loop.call_later(latency_s, self.respond, target, arrived)

        def respond(self, target: str, arrived: float) -> None:
            now = time.monotonic()
            lag[0] = max(lag[0], now - arrived - latency_s)
            log.append((self.index, arrived, now))
            body = self.table.get(target.split("?", 1)[0])
            if body is None:
                body = b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n"
            if self.transport is not None and not self.transport.is_closing():
                self.transport.write(body)

    async def main() -> None:
        loop = asyncio.get_running_loop()
        servers = []
        for index in indices:
            server = await loop.create_server(lambda i=index: Site(i), site_address(index), port, backlog=64)
            servers.append(server)
        conn.send("ready")
        while await loop.run_in_executor(None, conn.recv) == "log":
            taken = log.copy()  # appends from the loop thread land after these and stay for the next "log"
            del log[: len(taken)]
            usage = resource.getrusage(resource.RUSAGE_SELF)
            conn.send((taken, usage.ru_utime + usage.ru_stime, lag[0]))
            lag[0] = 0.0
        for server in servers:
            server.close()

    asyncio.run(main())


@dataclass
class Servers:
    """The server processes and their pipes."""

    processes: list
    pipes: list
    cpu: list[float]

    def take_log(self) -> tuple[list[tuple[int, float, float]], list[float], float]:
        """Return (requests since the last call, CPU seconds per server process since then, largest loop lag)."""
        logs, cpu, lag = [], [], 0.0
        for pipe in self.pipes:
            pipe.send("log")
        for k, pipe in enumerate(self.pipes):
            log, seconds, loop_lag = pipe.recv()
            logs.extend(log)
            cpu.append(seconds - self.cpu[k])
            self.cpu[k] = seconds
            lag = max(lag, loop_lag)
        return logs, cpu, lag

    def stop(self) -> None:
        """Stop serving."""
        for pipe in self.pipes:
            pipe.send("stop")
        for proc in self.processes:
            proc.join(timeout=30)
            if proc.is_alive():
                proc.terminate()


def start_servers(count: int, port: int, processes: int, latency_s: float) -> Servers:
    """Start `processes` server processes sharing `count` sites; wait until each listens."""
    context = multiprocessing.get_context("spawn")
    procs, pipes = [], []
    for k in range(processes):
        ours, theirs = context.Pipe()
        indices = list(range(k, count, processes))
        proc = context.Process(target=_serve, args=(indices, port, latency_s, theirs), daemon=True)
        proc.start()
        procs.append(proc)
        pipes.append(ours)
    for pipe in pipes:
        if not pipe.poll(120) or pipe.recv() != "ready":
            raise RuntimeError("a simulated-site server did not start")
    return Servers(procs, pipes, [0.0] * processes)


def free_port() -> int:
    """Return a port free on 127.0.0.1 (the simulated sites use it on their own addresses)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# -- measuring -------------------------------------------------------------------------------------------------
def spacing_and_concurrency(log: list[tuple[int, float, float]]) -> dict:
    """Return the smallest gap between two requests to one host, and the most hosts with a request in flight."""
    by_site: dict[int, list[float]] = defaultdict(list)
    events = []
    for index, arrived, sent in log:
        by_site[index].append(arrived)
        events.append((arrived, 1, index))
        events.append((sent, -1, index))
    gaps = []
    for times in by_site.values():
        times.sort()
        gaps += [b - a for a, b in zip(times, times[1:], strict=False)]
    in_flight: dict[int, int] = defaultdict(int)
    hosts = most = 0
    for _, step, index in sorted(events):
        before = in_flight[index]
        in_flight[index] += step
        if before == 0 and step > 0:
            hosts += 1
        elif before > 0 and in_flight[index] == 0:
            hosts -= 1
        most = max(most, hosts)
    spans = sorted((min(t), max(t)) for t in by_site.values())
    active = most_active = 0
    edges = sorted([(a, 1) for a, _ in spans] + [(b, -1) for _, b in spans])
    for _, step in edges:
        active += step
        most_active = max(most_active, active)
    return {
        "requests": len(log),
        "hosts": len(by_site),
        "min_spacing_s": min(gaps) if gaps else None,
        "median_spacing_s": sorted(gaps)[len(gaps) // 2] if gaps else None,
        "max_hosts_in_flight": most,
        "max_hosts_active": most_active,
    }


def children_usage() -> tuple[float, float]:
    """Return (CPU seconds, max RSS MB) of waited-for child processes so far."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def crawl(site_ids: list[str], registry: Path, data: Path, batch_size: int, processes: int, servers: Servers) -> dict:
    """Crawl the sites as one run into a fresh data directory; return wall time, CPU, server and log figures."""
    from crawlers.run import crawl_run
    from db.ids import new_run_id
    from db.shards import RawShards

    servers.take_log()  # drop whatever came before
    cpu_before, _ = children_usage()
    load = os.getloadavg()
    started = time.monotonic()
    stats = crawl_run(
        site_ids, RawShards(data), new_run_id(), registry=registry, batch_size=batch_size, processes=processes
    )
    wall = time.monotonic() - started
    cpu_after, rss = children_usage()
    log, server_cpu, lag = servers.take_log()
    spider = stats["spider"]
    return {
        "sites": len(site_ids),
        "batch_size": batch_size,
        "processes": processes,
        "wall_s": wall,
        "load_before": load,
        "load_after": os.getloadavg(),
        "crawl_cpu_s": cpu_after - cpu_before,
        "batch_max_rss_mb": rss,
        "pages": stats["pages_fetched"],
        "failed": stats["failed_sites"],
        "cut": stats["cut"],
        "errors": stats["errors"],
        "slowest_site_s": max(s.get("duration_s", 0) for s in spider.values()),
        "server_cpu_s": server_cpu,
        "server_max_loop_lag_s": lag,
        **spacing_and_concurrency(log),
    }


def run(args: argparse.Namespace) -> tuple[dict, list[dict], dict]:
    """Measure the ideal and each N; return (ideal, one row per N, the politeness settings used)."""
    from crawlers.settings import settings_for_site
    from crawlers.sites import load_registry

    biggest = max(args.sites)
    work = Path(tempfile.mkdtemp(prefix="zhcorpus-crawl-scale-"))
    port = free_port()
    registry = work / "sites.yaml"
    ids = write_registry(registry, biggest, port)
    slowest = max(range(biggest), key=site_notices)
    polite = settings_for_site(load_registry(registry).get(ids[slowest]))
    print(
        f"politeness: DOWNLOAD_DELAY {polite['DOWNLOAD_DELAY']} s ±{polite['DOWNLOAD_DELAY_JITTER']:.0%}, "
        f"AutoThrottle {polite['AUTOTHROTTLE_ENABLED']} (start {polite['AUTOTHROTTLE_START_DELAY']} s), "
        f"robots.txt {polite['ROBOTSTXT_OBEY']}, per-domain concurrency {polite['CONCURRENT_REQUESTS_PER_DOMAIN']}",
        file=sys.stderr,
    )
    rows = []
    servers = start_servers(biggest, port, args.server_processes, args.latency_ms / 1000)
    try:
        ideal = crawl([ids[slowest]], registry, work / "ideal", 1, 1, servers)
        print(f"ideal (site {ids[slowest]} alone): {ideal['wall_s']:.1f} s wall", file=sys.stderr)
        for n in args.sites:
            result = crawl(ids[:n], registry, work / f"n{n}", args.batch_size, args.processes, servers)
            print(
                f"{n} sites: {result['wall_s']:.1f} s wall ({result['wall_s'] / ideal['wall_s']:.2f}x ideal), "
                f"{result['pages']} pages, crawl CPU {result['crawl_cpu_s']:.1f} s, server CPU "
                f"{sum(result['server_cpu_s']):.1f} s, min spacing {result['min_spacing_s']:.3f} s, "
                f"{result['max_hosts_in_flight']} hosts in flight, failed {len(result['failed'])}",
                file=sys.stderr,
            )
            rows.append(result)
    finally:
        servers.stop()
        shutil.rmtree(work, ignore_errors=True)
    return ideal, rows, polite


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; print JSON figures on stdout (and append to bench/RESULTS.md with --write)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sites", type=int, nargs="+", default=[100, 300, 1000])
    parser.add_argument("--batch-size", type=int, default=None, help="sites per crawl process (default: crawlers.run)")
    parser.add_argument("--processes", type=int, default=None, help="crawl processes at a time (default: crawlers.run)")
    parser.add_argument("--server-processes", type=int, default=2)
    parser.add_argument("--latency-ms", type=float, default=50.0)
    parser.add_argument("--write", action="store_true", help="append the figures to bench/RESULTS.md")
    args = parser.parse_args(argv)
    from crawlers.run import DEFAULT_BATCH_SIZE, DEFAULT_PROCESSES

    args.batch_size = args.batch_size or DEFAULT_BATCH_SIZE
    args.processes = args.processes or DEFAULT_PROCESSES
    ideal, rows, polite = run(args)
    print(json.dumps({"ideal": ideal, "runs": rows}, indent=2, default=str))
    if args.write:
        with open(ROOT / "bench" / "RESULTS.md", "a", encoding="utf-8") as fh:
            fh.write(results_section(args, ideal, rows, polite))
    return 0


def projection(rows: list[dict], ideal: dict, sites: int, cores: int) -> float:
    """Return a projected wall time for `sites`: the CPU the largest run needed per page, spread over `cores`,
    plus one slowest site's polite time (the last sites of a run take it, however many ran before)."""
    biggest = max(rows, key=lambda r: r["sites"])
    cpu_per_site = biggest["crawl_cpu_s"] / biggest["sites"]
    return sites * cpu_per_site / cores + ideal["wall_s"]


def results_section(args: argparse.Namespace, ideal: dict, rows: list[dict], polite: dict) -> str:
    """Return the markdown section for bench/RESULTS.md."""
    info = machine_info()
    cores = int(info["cores"])
    lines = [
        f"\n## Crawl scale: many polite sites at once — {datetime.now(UTC):%Y-%m-%d}\n",
        f"Machine: {info['cpu']} · {cores} cores · Python {info['python']}. Command: "
        f"`.venv/bin/python bench/crawl_scale.py --sites {' '.join(map(str, args.sites))} --batch-size "
        f"{args.batch_size} --processes {args.processes} --server-processes {args.server_processes} --latency-ms "
        f"{args.latency_ms:g}`. Simulated sites on their own loopback addresses (18–22 notices, robots.txt, "
        f"{args.latency_ms:g} ms answers), real politeness: DOWNLOAD_DELAY {polite['DOWNLOAD_DELAY']} s "
        f"±{polite['DOWNLOAD_DELAY_JITTER']:.0%}, at least {polite['HOST_MIN_SPACING_S']} s between a host's "
        f"download end and its next request, AutoThrottle from {polite['AUTOTHROTTLE_START_DELAY']} s, robots.txt "
        f"obeyed. Ideal = the slowest site (22 notices, 25 requests) crawled alone: {ideal['wall_s']:.1f} s.\n",
        "| sites | wall s | × ideal | pages | pages/s | crawl CPU s | CPU ms/page | max hosts in flight | "
        "max hosts crawling | min spacing s | median spacing s | failed | cut | server CPU s | load at start → end |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for r in rows:
        load = f"{r['load_before'][0]:.2f} → {r['load_after'][0]:.2f}"
        lines.append(
            f"| {r['sites']} | {r['wall_s']:.1f} | {r['wall_s'] / ideal['wall_s']:.2f} | {r['pages']} | "
            f"{r['pages'] / r['wall_s']:.0f} | {r['crawl_cpu_s']:.1f} | {1000 * r['crawl_cpu_s'] / r['pages']:.1f} | "
            f"{r['max_hosts_in_flight']} | {r['max_hosts_active']} | {r['min_spacing_s']:.3f} | "
            f"{r['median_spacing_s']:.3f} | {len(r['failed'])} | {len(r['cut'])} | {sum(r['server_cpu_s']):.1f} | "
            f"{load} |"
        )
    biggest = max(rows, key=lambda r: r["sites"])
    lines.append(
        f"\nPeak memory of one crawler process: {biggest['batch_max_rss_mb']:.0f} MB. Projected wall time "
        f"(the largest run's CPU per site, {biggest['crawl_cpu_s'] / biggest['sites'] * 1000:.0f} ms, spread over "
        f"{cores} cores, plus one slowest site): 3,000 sites ≈ {projection(rows, ideal, 3000, cores) / 60:.1f} min, "
        f"30,000 sites ≈ {projection(rows, ideal, 30000, cores) / 60:.0f} min on this machine; divide the CPU part "
        "by the cores of a worker pool.\n"
    )
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    raise SystemExit(main())
