"""The raw store of a data directory: a file per site, readers over many files, run rows, the single-file upgrade."""

import json
import os
import sqlite3
import subprocess
import sys

import pytest

from db.raw import RawFetch, RawStore
from db.runs import RunOwner
from db.shards import RawShards

SITES = ("site-a", "site-b", "site-c")


def fetch(site: str, n: int, run_id: str = "run1", body: bytes | None = None) -> RawFetch:
    url = f"http://{site}.example/notice/{n}.html"
    return RawFetch(
        run_id,
        site,
        "detail",
        url,
        url,
        200,
        {"content-type": "text/html", "etag": f'"{n}"'},
        body or f"<html>{site} {n}</html>".encode(),
        "2026-01-01T00:00:00+00:00",
    )


def fill(store: RawStore, site: str, pages: int = 3, run_id: str = "run1") -> None:
    for n in range(pages):
        store.record_fetch(fetch(site, n, run_id))


def test_each_site_has_its_own_file(tmp_path):
    shards = RawShards(tmp_path)
    for site in SITES:
        store = shards.open_site(site)
        fill(store, site)
        store.close()
    assert shards.site_ids() == sorted(SITES)
    for site in SITES:
        conn = sqlite3.connect(shards.site_path(site))
        assert {r[0] for r in conn.execute("SELECT DISTINCT site_id FROM raw_pages")} == {site}
        conn.close()
    assert shards.site_path("site-a") == tmp_path / "raw" / "sites" / "site-a.db"


@pytest.mark.parametrize("bad", ["../x", "a/b", "", "A", ".hidden"])
def test_site_ids_that_cannot_be_file_names_are_refused(tmp_path, bad):
    with pytest.raises(ValueError, match="cannot name a raw file"):
        RawShards(tmp_path).site_path(bad)


def test_reader_over_many_files_reads_and_writes_like_one_store(tmp_path):
    shards = RawShards(tmp_path)
    single = RawStore(tmp_path / "one.db")
    for site in SITES:
        store = shards.open_site(site)
        fill(store, site)
        store.close()
        fill(single, site)
    with shards.reader() as raw:
        stale = raw.stale_page_reasons("v1")
        assert stale == single.stale_page_reasons("v1")  # same pages, same order, same reasons
        sites = raw.page_sites(list(stale))
        assert sorted(set(sites.values())) == sorted(SITES)
        pages = list(raw.pages(list(stale)))
        assert [p.id for p in pages] == sorted(stale)
        raw.record_clean_outcomes(
            [
                {"page_id": p.id, "raw_sha256": p.sha256, "pipeline_version": "v1", "outcome": "documents"}
                | {"drop_reason": None, "document_ids": "[]", "cleaned_at": "t", "template_digest": ""}
                for p in pages
            ]
        )
        raw.store_site_template("site-b", {"pages": 3, "lines": []})
    with shards.reader(["site-b"]) as raw:  # a reader scoped to some sites opens only their files
        assert raw.stale_page_reasons("v1") == {}
        assert set(raw.site_templates()) == {"site-b"}
        assert len(raw.stale_page_reasons("v1", reprocess=True)) == 3
    for site in SITES:
        conn = sqlite3.connect(shards.site_path(site))
        assert conn.execute("SELECT COUNT(*) FROM clean_status").fetchone()[0] == 3, site
        conn.close()


def test_a_run_is_summed_over_its_sites_files(tmp_path):
    shards = RawShards(tmp_path)
    shards.start_run("run1", list(SITES))
    for site in SITES:
        store = shards.open_site(site)
        fill(store, site, pages=2)
        store.record_site_run("run1", site, {"site_id": site, "cut": None}, started_at="t", timeout_s=60)
        store.close()
    summary = shards.run_summary("run1", list(SITES))
    assert summary["pages_fetched"] == 6 and summary["detail_pages_new"] == 6
    assert set(summary["by_site"]) == set(SITES) == set(summary["spider"])
    shards.finish_run("run1", summary)
    runs = shards.open_runs()
    last = runs.last_run()
    runs.close()
    assert last["run_id"] == "run1" and last["status"] == "finished" and last["stats"]["pages_fetched"] == 6


def test_a_run_whose_owner_died_is_closed_as_interrupted_by_the_next(tmp_path):
    shards = RawShards(tmp_path)
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    dead = RunOwner.current().__class__(host=RunOwner.current().host, pid=proc.pid, started="1")
    runs = shards.open_runs()
    runs.start_run("old", ["site-a"], owner=dead)
    runs.start_run("alive", ["site-b"])  # this process: still running
    runs.start_run("elsewhere", ["site-c"], owner=RunOwner(host="other-host", pid=1, started="1"))
    runs.close()
    store = shards.open_site("site-a")
    fill(store, "site-a", pages=2, run_id="old")
    store.close()

    assert shards.start_run("new", ["site-a"]) == ["old"]

    runs = shards.open_runs()
    rows = {r["run_id"]: r for r in runs.db.query("SELECT * FROM crawl_runs")}
    runs.close()
    assert rows["old"]["status"] == "interrupted" and rows["old"]["finished_at"]
    stats = json.loads(rows["old"]["stats"])
    assert stats["pages_fetched"] == 2 and stats["interrupted"]["owner"].endswith(f":{proc.pid}")
    assert rows["alive"]["finished_at"] is None, "a run whose owner lives is left alone"
    assert rows["elsewhere"]["finished_at"] is None, "another host's run with a fresh heartbeat is left alone"
    assert rows["new"]["status"] == "running"


def test_a_run_on_another_host_without_heartbeat_for_long_counts_as_gone():
    owner = RunOwner(host="other-host", pid=1, started="1")
    assert owner.is_gone("2026-01-01T00:00:00+00:00")
    assert not RunOwner.current().is_gone(None), "this very process is alive"


def test_a_single_file_raw_db_is_split_into_site_files_on_first_open(tmp_path):
    legacy = RawStore(tmp_path / "raw.db")
    legacy.start_run("r0", list(SITES))
    for site in SITES:
        fill(legacy, site, pages=4, run_id="r0")
    legacy.record_fetch(fetch("site-a", 0, "r0", body=b"<html>changed</html>"))  # one page with history
    legacy.store_site_template("site-a", {"pages": 4, "lines": []})
    legacy.finish_run("r0", {"pages_fetched": 13})
    legacy.db.execute("ALTER TABLE clean_status DROP COLUMN template_digest")  # as an older release made it
    legacy.close()
    counts_before = {
        site: sqlite3.connect(tmp_path / "raw.db")
        .execute("SELECT COUNT(*) FROM fetch_log WHERE site_id = ?", [site])
        .fetchone()[0]
        for site in SITES
    }

    shards = RawShards(tmp_path)

    assert not (tmp_path / "raw.db").exists() and (tmp_path / "raw.db.migrated").exists()
    assert shards.site_ids() == sorted(SITES)
    for site in SITES:
        store = shards.open_site(site)
        assert len(store.known_pages(site)) == 4
        assert store.db.execute("SELECT COUNT(*) FROM fetch_log").fetchone()[0] == counts_before[site]
        store.close()
    store = shards.open_site("site-a")
    assert store.db.execute("SELECT COUNT(*) FROM raw_history").fetchone()[0] == 1
    assert set(store.site_templates()) == {"site-a"}
    store.close()
    runs = shards.open_runs()
    assert runs.last_run()["run_id"] == "r0"
    runs.close()
    # Opening again is a no-op; the data keeps working through every reader.
    assert (
        RawShards(tmp_path).reader().stale_page_reasons("v1").keys()
        == RawStore(tmp_path / "raw.db.migrated").stale_page_reasons("v1").keys()
    )


def test_an_interrupted_split_is_finished_by_the_next_open(tmp_path):
    legacy = RawStore(tmp_path / "raw.db")
    for site in SITES:
        fill(legacy, site)
    legacy.close()
    # As if a first split copied site-a and was killed before the rename.
    shards_dir = tmp_path / "raw" / "sites"
    shards_dir.mkdir(parents=True)
    partial = RawShards.single_file(shards_dir / "site-a.db").open_site("site-a")
    fill(partial, "site-a")
    partial.close()

    shards = RawShards(tmp_path)
    assert shards.site_ids() == sorted(SITES)
    store = shards.open_site("site-a")
    assert store.db.execute("SELECT COUNT(*) FROM raw_pages").fetchone()[0] == 3, "copied once, not twice"
    store.close()


def test_single_file_layout_keeps_every_site_in_one_file(tmp_path):
    shards = RawShards.single_file(tmp_path / "one.db")
    assert shards.site_path("site-a") == shards.site_path("site-b") == shards.runs_path == tmp_path / "one.db"
    store = shards.open_site("site-a")
    fill(store, "site-a")
    fill(store, "site-b")
    store.close()
    assert shards.site_ids() == ["site-a", "site-b"]
    with shards.reader(["site-b"]) as raw:
        assert len(raw.stale_page_reasons("v1")) == 3
    assert not (tmp_path / "raw").exists()
    assert os.listdir(tmp_path) and not (tmp_path / "raw.db.migrated").exists()
