"""End to end per adapter: non-bundled sites on 127.0.0.1 (own servers, no fixture proxy), URL-only entries.

Each stand-in (fixtures/standin.py) is crawled twice by the real crawler from an entry with only id, name,
start_urls, allowed_domains and allow_private_network: every listed notice must be fetched, its list row stored
with the right title and date, and the second crawl must download no detail page again. Then the resumable
walk: a crawl killed with SIGKILL mid-walk, and one cut by its list budget, are completed by the next crawls.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from crawlers.run import PROJECT_ROOT, crawl_site, crawl_sites
from db.ids import canonical_url
from db.raw import RawStore
from fixtures.standin import Layout, StandinServer, StandinSite, registry_entry

# One stand-in per adapter, each a layout the bundled sites do not use.
STANDINS = {
    "trs": Layout("e2e-trs", pager="trs_js_div", row="ul_date_first", date_format="cn", detail_url="shtml", pinned=1),
    "hanweb": Layout("e2e-hanweb", pager="hanweb", row="ol_em", date_format="dot", detail_url="hanweb", per_page=10),
    "json": Layout("e2e-json", pager="json", detail_url="query", per_page=8),
    "gkmlpt": Layout("e2e-gkmlpt", pager="gkmlpt", detail_url="gkmlpt", per_page=12),
    "static": Layout("e2e-static", pager="full", row="dl", date_format="slash", detail_date=False, per_page=10),
}
# No delay between requests: these servers are ours, on loopback.
FAST = {"download_delay": 0, "autothrottle": False, "concurrency_per_domain": 8}


def write_registry(path: Path, entries: list[dict]) -> Path:
    path.write_text(yaml.safe_dump({"defaults": {"pacing": FAST}, "sites": entries}, allow_unicode=True), "utf-8")
    return path


def detail_urls(raw_db: Path, site_id: str) -> set[str]:
    store = RawStore(raw_db)
    try:
        sql = "SELECT url FROM raw_pages WHERE site_id = ? AND page_type = 'detail' AND status BETWEEN 200 AND 299"
        return {row["url"] for row in store.db.query(sql, [site_id])}
    finally:
        store.close()


@pytest.fixture(scope="module")
def crawled(tmp_path_factory):
    """Serve every stand-in, crawl them all twice from URL-only entries; yield what is needed to check."""
    tmp = tmp_path_factory.mktemp("standins")
    servers = {
        name: StandinServer(StandinSite(layout, notices_count=37, seed=5)).start() for name, layout in STANDINS.items()
    }
    try:
        entries = [registry_entry(f"standin-{name}", srv) for name, srv in servers.items()]
        registry = write_registry(tmp / "sites.yaml", entries)
        raw_db = tmp / "raw.db"
        ids = [e["id"] for e in entries]
        first = crawl_sites(ids, raw_db, "run-1", registry=registry)
        second = crawl_sites(ids, raw_db, "run-2", registry=registry)
        yield {"servers": servers, "raw_db": raw_db, "first": first, "second": second}
    finally:
        for srv in servers.values():
            srv.stop()


@pytest.mark.parametrize("adapter", sorted(STANDINS))
def test_every_listed_notice_is_fetched_with_its_list_row(crawled, adapter):
    site_id, srv = f"standin-{adapter}", crawled["servers"][adapter]
    first = crawled["first"][site_id]
    assert "error" not in first, first
    assert first["adapters"] == {adapter: 1} and first["walk_errors"] == {}
    truth = {canonical_url(srv.url(t["path"])): t for t in srv.site.truth()}
    assert detail_urls(crawled["raw_db"], site_id) == set(truth)
    store = RawStore(crawled["raw_db"])
    try:
        listed = {row["url"]: row for row in store.listings(site_id)}
        walks = store.list_walks(site_id)
    finally:
        store.close()
    assert set(listed) == set(truth)
    for url, want in truth.items():
        assert (listed[url]["title"], listed[url]["listed_date"]) == (want["title"], want["date"]), url
    (walk,) = walks.values()
    assert walk["state"] == "complete" and walk["adapter"] == adapter


@pytest.mark.parametrize("adapter", sorted(STANDINS))
def test_second_crawl_downloads_no_detail_page_again(crawled, adapter):
    site_id = f"standin-{adapter}"
    store = RawStore(crawled["raw_db"])
    try:
        counts = store.run_counts("run-2")[site_id]
    finally:
        store.close()
    assert counts["detail_pages_downloaded"] == 0, counts
    assert crawled["second"][site_id]["walk_errors"] == {}
    assert crawled["second"][site_id]["skipped_known"] > 0


def test_a_crawl_killed_mid_walk_is_completed_by_the_next(tmp_path):
    layout = Layout("e2e-kill", pager="next", row="ul_span", date_format="iso", per_page=15)
    site = StandinSite(layout, notices_count=300, seed=9)
    with StandinServer(site, delay=0.01) as srv:
        entry = registry_entry("standin-kill", srv)
        registry = write_registry(tmp_path / "sites.yaml", [entry])
        raw_db = tmp_path / "raw.db"
        # the crawl as a nightly runs it (a batch process under a parent), killed as a whole
        script = "import sys; from pathlib import Path; from crawlers.run import crawl_site; "
        script += "crawl_site('standin-kill', 'run-killed', Path(sys.argv[1]), registry=Path(sys.argv[2]))"
        cmd = [sys.executable, "-c", script, str(raw_db), str(registry)]
        env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT)}
        proc = subprocess.Popen(
            cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
        )
        try:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline and proc.poll() is None:
                details = sum(
                    1
                    for m, path, s in list(site.requests)
                    if "/tzgg/" in path and "index" not in path and "list_" not in path
                )
                if details >= 90:
                    break
                time.sleep(0.05)
            assert proc.poll() is None, "the crawl finished before it could be killed"
            os.killpg(proc.pid, signal.SIGKILL)
        finally:
            proc.wait(timeout=10)
        got = detail_urls(raw_db, "standin-kill")
        assert 0 < len(got) < 300
        store = RawStore(raw_db)
        (walk,) = store.list_walks("standin-kill").values()
        store.close()
        assert walk["state"] == "partial"
        site.extra_front = 7  # the site moves on before the next night: every page shifts by 7 notices
        summary = crawl_site("standin-kill", "run-next", raw_db, registry=registry)
        truth = {canonical_url(srv.url(t["path"])) for t in site.truth()}
        assert detail_urls(raw_db, "standin-kill") == truth  # every listed notice, none lost to the kill
        assert summary["walk"]["resumed"] == 1 and summary["walk"].get("complete") == 1
        again = crawl_site("standin-kill", "run-after", raw_db, registry=registry)
        assert again["detail_pages_new"] == 0 and again["list_pages"] == 1  # settled on the first list page


def test_a_walk_cut_by_its_list_budget_is_finished_over_the_next_crawls(tmp_path):
    layout = Layout("e2e-budget", pager="index_n", row="table_3td", date_format="iso", per_page=10)
    site = StandinSite(layout, notices_count=60, seed=3)
    with StandinServer(site) as srv:
        entry = {**registry_entry("standin-budget", srv), "limits": {"max_list_pages": 3}}
        registry = write_registry(tmp_path / "sites.yaml", [entry])
        raw_db = tmp_path / "raw.db"
        truth = {canonical_url(srv.url(t["path"])) for t in site.truth()}
        runs = [crawl_site("standin-budget", f"run-{i}", raw_db, registry=registry) for i in range(3)]
    assert runs[0]["walk_errors"] == {"list_budget_cut": 1} and runs[0]["walk"]["partial"] == 1
    assert runs[1]["walk"]["resumed"] == 1  # the head, then a jump to page 4
    assert runs[2]["walk"].get("complete") == 1 and runs[2]["walk_errors"] == {}
    assert detail_urls(raw_db, "standin-budget") == truth
    assert sum(r["detail_pages_new"] for r in runs) == len(truth)  # each notice fetched exactly once
