"""Many sites per crawler process: planning by host, politeness at the wire, a killed process or parent.

The polite sites here are real registry entries (not bundled: the real delay, robots.txt and AutoThrottle apply)
served on loopback addresses by a server in this test process that logs when each request arrives.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import yaml

from crawlers.run import crawl_run, host_chains, plan_batches
from crawlers.sites import Site
from db.shards import RawShards

NOTICES = 2  # per polite site: robots.txt, the list and 2 notices take ~4 s at one request a second
SPACING_S = 1.0  # crawlers/settings.py HOST_MIN_SPACING_S


def site(site_id: str, domains: list[str], start: str | None = None) -> Site:
    return Site.model_validate(
        {
            "id": site_id,
            "name": site_id,
            "kind": "test",
            "allowed_domains": domains,
            "start_urls": [start or f"http://{domains[0]}/list.html"],
            "list": {"detail_links": "a"},
        }
    )


def test_sites_sharing_a_host_form_one_chain_and_chains_are_never_split():
    sites = [
        site("a", ["mzj.example.gov.cn"]),
        site("b", ["www.other.cn"]),
        site("c", ["example.gov.cn"]),  # a parent domain of a's: c may fetch from a's host
        site("d", ["third.cn", "www.other.cn"]),  # shares b's host through its second domain
        site("e", ["lonely.cn"]),
    ]
    assert host_chains(sites) == [["a", "c"], ["b", "d"], ["e"]]
    assert plan_batches(sites, 2) == [[["a", "c"]], [["b", "d"]], [["e"]]]
    assert plan_batches(sites, 3) == [[["a", "c"]], [["b", "d"], ["e"]]]
    assert plan_batches(sites, 100) == [[["a", "c"], ["b", "d"], ["e"]]]
    assert host_chains([site("x", ["gov.cn"]), site("y", ["notgov.cn"])]) == [["x"], ["y"]]


# -- polite sites on loopback ------------------------------------------------------------------------------------
class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _LoggingServer

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - stdlib signature
        pass

    def do_GET(self) -> None:  # noqa: N802 - stdlib naming
        self.server.log.append((self.server.server_address[0], self.path, time.monotonic()))
        prefix, _, page = self.path.strip("/").partition("/")
        if page == "list.html":
            links = "".join(f'<li><a href="/{prefix}/n{i}.html">通知{i}</a></li>' for i in range(1, NOTICES + 1))
            body = f"<html><body><ul>{links}</ul></body></html>"
        elif page.startswith("n"):
            body = f"<html><body><h1>关于{prefix}的通知{page}</h1><p>各单位：现将有关事项通知如下。</p></body></html>"
        else:
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        data = body.encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


class _LoggingServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: str, log: list) -> None:
        super().__init__((address, 0), _Handler)
        self.log = log


@pytest.fixture(scope="module")
def polite_sites(tmp_path_factory):
    """Two loopback hosts, each with its own server; yields (registry path, request log, ports)."""
    log: list[tuple[str, str, float]] = []
    servers = [_LoggingServer(address, log) for address in ("127.0.0.1", "127.0.0.2")]
    for server in servers:
        threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    one, two = (f"{s.server_address[0]}:{s.server_address[1]}" for s in servers)
    entries = [
        ("share-a", "127.0.0.1", f"http://{one}/a/list.html"),
        ("share-b", "127.0.0.1", f"http://{one}/b/list.html"),  # the same host as share-a
        ("other-c", "127.0.0.2", f"http://{two}/c/list.html"),
        ("slow-d", "127.0.0.2", f"http://{two}/d/list.html"),
    ]
    registry = {
        "sites": [
            {
                "id": site_id,
                "name": site_id,
                "kind": "test",
                "allowed_domains": [host],
                "start_urls": [start],
                "list": {"detail_links": "ul a"},
                "allow_private_network": True,
            }
            for site_id, host, start in entries
        ]
    }
    path = tmp_path_factory.mktemp("registry") / "sites.yaml"
    path.write_text(yaml.safe_dump(registry, allow_unicode=True), encoding="utf-8")
    yield path, log
    for server in servers:
        server.shutdown()
        server.server_close()


def requests_of(log, prefix: str) -> list[float]:
    return sorted(t for _, path, t in log if path.startswith(f"/{prefix}/"))


def host_gaps(log, host: str) -> list[float]:
    times = sorted(t for address, _, t in log if address == host)
    return [b - a for a, b in zip(times, times[1:], strict=False)]


def test_one_process_crawls_many_sites_politely_and_never_two_of_a_host_at_once(polite_sites, tmp_path):
    registry, log = polite_sites
    del log[:]
    stats = crawl_run(["share-a", "share-b", "other-c"], RawShards(tmp_path), "run-p", registry=registry)

    assert stats["failed_sites"] == [] and stats["detail_pages_new"] == 3 * NOTICES
    assert {s: stats["spider"][s]["finish_reason"] for s in stats["spider"]} == dict.fromkeys(
        ("share-a", "share-b", "other-c"), "finished"
    )
    # At the wire: never less than the floor between two requests to one host, robots.txt included.
    for host in ("127.0.0.1", "127.0.0.2"):
        gaps = host_gaps(log, host)
        assert gaps and min(gaps) >= SPACING_S, (host, gaps)
    # share-a and share-b (one host) were crawled one after the other; other-c (another host) alongside them.
    a, b, c = (requests_of(log, p) for p in ("a", "b", "c"))
    first, second = sorted((a, b))
    assert first[-1] < second[0], "two sites of one host must not be crawled at once"
    assert c[0] < first[-1], "a site on another host is crawled at the same time"
    # Each site's rows are in its own file.
    for site_id in ("share-a", "share-b", "other-c"):
        store = RawShards(tmp_path).open_site(site_id)
        assert store.run_counts("run-p")[site_id]["detail_pages_new"] == NOTICES
        store.close()


def batch_children(parent: int) -> list[int]:
    """Return the pids of `python -m crawlers.batch` processes whose parent is `parent`."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        if ppid == parent and b"crawlers.batch" in cmdline:
            found.append(int(entry.name))
    return found


def process_gone(pid: int) -> bool:
    """Return True when the process no longer runs (gone, or a zombie nobody has reaped yet)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return True
    return state == "Z"


def wait_for(predicate, timeout_s: float = 60.0, step_s: float = 0.1):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(step_s)
    raise AssertionError(f"condition not met within {timeout_s} s")


def test_a_killed_batch_process_costs_no_site(polite_sites, tmp_path):
    registry, log = polite_sites
    del log[:]
    result: dict = {}
    thread = threading.Thread(
        target=lambda: result.update(
            stats=crawl_run(["share-a", "other-c"], RawShards(tmp_path), "run-k", registry=registry, processes=1)
        )
    )
    thread.start()
    # One process crawls both sites; killed, its two sites are crawled again in a process each.
    (child,) = wait_for(lambda: batch_children(os.getpid()))
    wait_for(lambda: any(path.endswith("list.html") for _, path, _ in log))
    os.kill(child, signal.SIGKILL)
    thread.join(timeout=120)

    stats = result["stats"]
    assert stats["failed_sites"] == [], stats["failures"]
    assert stats["detail_pages_new"] == 2 * NOTICES, "both sites crawled again in full after the crash"
    assert set(stats["spider"]) == {"share-a", "other-c"}


def test_kill_9_of_zhcorpus_crawl_leaves_no_process_and_the_next_run_closes_its_row(polite_sites, tmp_path):
    registry, log = polite_sites
    del log[:]
    cmd = [sys.executable, "-m", "zhcorpus.cli", "--data", str(tmp_path), "--registry", str(registry)]
    proc = subprocess.Popen(
        [*cmd, "crawl", "slow-d"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
    )
    try:
        (child,) = wait_for(lambda: batch_children(proc.pid))
        wait_for(lambda: any(path.startswith("/d/n") for _, path, _ in log))  # mid-crawl: a notice was requested
        proc.kill()  # SIGKILL: no handler, no finally
        proc.wait(timeout=10)
        # The batch process sees its parent's pipe close and exits at once.
        wait_for(lambda: process_gone(child), timeout_s=10)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    shards = RawShards(tmp_path)
    runs = shards.open_runs()
    (killed,) = runs.unfinished_runs()
    runs.close()

    again = subprocess.run([*cmd, "crawl", "slow-d", "--timeout", "1"], capture_output=True, text=True, timeout=120)

    assert again.returncode == 0, again.stderr
    assert f"closed crawl run {killed['run_id']} as interrupted" in again.stderr
    assert "slow-d (after 1 s)" in again.stderr, "a cut site is named on stderr"
    runs = shards.open_runs()
    rows = {r["run_id"]: r for r in runs.db.query("SELECT run_id, status, finished_at FROM crawl_runs")}
    runs.close()
    assert rows[killed["run_id"]]["status"] == "interrupted" and rows[killed["run_id"]]["finished_at"]
    assert [r["status"] for r in rows.values()].count("finished") == 1
    store = shards.open_site("slow-d")
    assert store.db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    store.close()
