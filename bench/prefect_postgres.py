"""The Prefect server on PostgreSQL vs its SQLite default, with a pool of workers sharing crawl runs.

Run by hand (a few minutes):  .venv/bin/python bench/prefect_postgres.py [--rounds 3] [--workers 2]
Prints the figures and, with --write, appends a dated section to bench/RESULTS.md.

For each backend: a Prefect server on 127.0.0.1 (PostgreSQL: a throwaway cluster this script starts on 127.0.0.1,
trust authentication, removed afterwards; SQLite: Prefect's default file), `prefect deploy --all`, plain process
workers on the `zhcorpus-process` pool, then `--rounds` rounds of load: a manual crawl per bundled site and a
re-clean, all submitted at once (each crawl sends its batch to the pool, takes its host's concurrency slot,
publishes artifacts). It counts runs that did not complete and the server's "database is locked" errors.
Needs PostgreSQL 15's server binaries (Debian: postgresql-15) and, as root, the `postgres` user to run them.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.machine import machine_info  # noqa: E402
from jobs.offline import keep_prefect_local  # noqa: E402

keep_prefect_local()

PG_BIN = Path("/usr/lib/postgresql/15/bin")
WORKER_ENV = {"PREFECT_WORKER_QUERY_SECONDS": "1"}


def _as_postgres(cmd: list[str]) -> list[str]:
    """Return cmd run as the `postgres` user when we are root (PostgreSQL refuses to run as root)."""
    return ["runuser", "-u", "postgres", "--", *cmd] if os.geteuid() == 0 else cmd


@contextmanager
def postgres(port: int):
    """Run a throwaway PostgreSQL cluster on 127.0.0.1:port; yield its asyncpg connection URL."""
    work = Path(tempfile.mkdtemp(prefix="zhcorpus-pg-"))
    if os.geteuid() == 0:
        shutil.chown(work, "postgres", "postgres")
    data, sock, log = work / "data", work / "sock", work / "pg.log"
    run = lambda cmd: subprocess.run(_as_postgres(cmd), check=True, capture_output=True, timeout=120)  # noqa: E731
    run([str(PG_BIN / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres", "--no-sync"])
    run(["mkdir", str(sock)])
    options = f"-h 127.0.0.1 -p {port} -k {sock} -c fsync=on"
    run([str(PG_BIN / "pg_ctl"), "-D", str(data), "-o", options, "-l", str(log), "-w", "start"])
    try:
        run([str(PG_BIN / "createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", "prefect"])
        yield f"postgresql+asyncpg://postgres@127.0.0.1:{port}/prefect"
    finally:
        run([str(PG_BIN / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"])
        shutil.rmtree(work, ignore_errors=True)


def load_round(client, sites: list[str], proxy_url: str) -> tuple[float, list[str]]:
    """Submit a manual crawl per site and a re-clean at once; wait; return (seconds, states not completed)."""
    ids = []
    started = time.monotonic()
    crawl = client.read_deployment_by_name("crawl/manual-crawl")
    for site in sites:
        ids.append(
            client.create_flow_run_from_deployment(
                crawl.id, parameters={"sites": [site], "fixture_proxy": proxy_url}
            ).id
        )
    reclean = client.read_deployment_by_name("reclean/reclean")
    ids.append(client.create_flow_run_from_deployment(reclean.id, parameters={}).id)
    deadline = time.monotonic() + 900
    states = {}
    while time.monotonic() < deadline and len(states) < len(ids):
        for flow_run_id in ids:
            if flow_run_id not in states:
                run = client.read_flow_run(flow_run_id)
                if run.state and run.state.is_final():
                    states[flow_run_id] = run.state
        time.sleep(1)
    bad = [f"{s.type.value}: {s.message}" for s in states.values() if not s.is_completed()]
    bad += ["not finished"] * (len(ids) - len(states))
    return time.monotonic() - started, bad


def measure(backend: str, rounds: int, workers: int) -> dict:
    """Run the load on one backend; return its figures."""
    from prefect.client.orchestration import get_client
    from prefect.settings import PREFECT_API_URL, temporary_settings

    from crawlers.sites import load_registry
    from fixtures.server import FixtureServer
    from zhcorpus.prefect_local import free_port, up

    home = Path(tempfile.mkdtemp(prefix=f"zhcorpus-prefect-{backend}-"))
    data = Path(tempfile.mkdtemp(prefix="zhcorpus-data-"))
    sites = [s.id for s in load_registry().enabled() if s.bundled]

    @contextmanager
    def server_env():
        if backend == "postgresql":
            with postgres(free_port()) as url:
                yield {"PREFECT_SERVER_DATABASE_CONNECTION_URL": url}
        else:
            yield {}

    try:
        with server_env() as env, FixtureServer() as fixtures:
            started = time.monotonic()
            stack = up(
                home,
                data,
                free_port(),
                workers=workers,
                worker_env=WORKER_ENV,
                worker_args=["--limit", "4"],
                server_env=env,
            )
            setup_s = time.monotonic() - started
            try:
                with temporary_settings({PREFECT_API_URL: stack.api_url}), get_client(sync_client=True) as client:
                    results = [load_round(client, sites, fixtures.proxy_url) for _ in range(rounds)]
            finally:
                stack.stop()
            server_log = (stack.log_dir / "server.log").read_text(errors="replace")
    finally:
        shutil.rmtree(home, ignore_errors=True)
        shutil.rmtree(data, ignore_errors=True)
    return {
        "backend": backend,
        "setup_s": round(setup_s, 1),
        "round_s": [round(seconds, 1) for seconds, _ in results],
        "runs_per_round": len(sites) + 1,
        "not_completed": [bad for _, bads in results for bad in bads],
        "database_locked_lines": server_log.count("database is locked"),
        "server_error_lines": sum(1 for line in server_log.splitlines() if " ERROR " in line or "Traceback" in line),
    }


def main(argv: list[str] | None = None) -> int:
    """Measure both backends; print JSON; with --write append a section to bench/RESULTS.md."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--backends", nargs="+", default=["postgresql", "sqlite"])
    parser.add_argument("--write", action="store_true")
    args = parser.parse_args(argv)
    info = machine_info()
    rows = [measure(backend, args.rounds, args.workers) for backend in args.backends]
    print(json.dumps({"machine": info, "results": rows}, indent=2))
    if args.write:
        lines = [
            f"\n## Prefect server on PostgreSQL vs SQLite — {datetime.now(UTC):%Y-%m-%d}\n",
            f"Machine: {info['cpu']} · {info['cores']} cores · Python {info['python']} · load average "
            f"{info['load']} (at the start). Command: `.venv/bin/python bench/prefect_postgres.py --rounds "
            f"{args.rounds} --workers {args.workers}`. Each round submits a manual crawl per bundled site and a "
            "re-clean at once to a pool of plain process workers (`--limit 4` each).\n",
            "| backend | setup s | seconds per round | runs per round | runs not completed "
            '| "database is locked" | server errors |',
            "|---|---:|---|---:|---:|---:|---:|",
        ]
        for r in rows:
            lines.append(
                f"| {r['backend']} | {r['setup_s']} | {', '.join(map(str, r['round_s']))} | {r['runs_per_round']} | "
                f"{len(r['not_completed'])} | {r['database_locked_lines']} | {r['server_error_lines']} |"
            )
        with open(ROOT / "bench" / "RESULTS.md", "a", encoding="utf-8") as fh:
            fh.write("\n".join(lines) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
