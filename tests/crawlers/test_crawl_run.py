"""End to end: crawl every enabled bundled site through a FixtureServer into a temp raw.db, three times."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from crawlers.run import END_KEYS, SUMMARY_KEYS, crawl_site, crawl_sites, summarize_stats
from crawlers.sites import DEFAULT_REGISTRY_PATH, load_registry
from db.raw import RawStore

server = pytest.importorskip("fixtures.server")
if not DEFAULT_REGISTRY_PATH.exists():
    pytest.skip("crawlers/sites.yaml not written yet", allow_module_level=True)

TRAP = "traps"
TRAP_HOST = "trap.example"


@dataclass
class Runs:
    raw_db: Path
    sites: list[str]
    first: dict
    second: dict
    third: dict
    log_first: list[tuple[str, str, int]]
    log_third: list[tuple[str, str, int]]


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> Runs:
    """Crawl all enabled bundled sites: a first run, a repeat (own server), then against revision 2."""
    raw_db = tmp_path_factory.mktemp("crawl") / "raw.db"
    sites = [s.id for s in load_registry().enabled() if s.bundled]
    with server.FixtureServer() as srv:
        first = crawl_sites(sites, raw_db, "run-1", proxy_url=srv.proxy_url)
        log_first = list(srv.request_log)
    second = crawl_sites(sites, raw_db, "run-2")  # starts and stops a FixtureServer itself
    with server.FixtureServer(revision=2) as srv:
        third = crawl_sites(sites, raw_db, "run-3", proxy_url=srv.proxy_url)
        log_third = list(srv.request_log)
    return Runs(raw_db, sites, first, second, third, log_first, log_third)


def rows(raw_db: Path, sql: str, params=()) -> list[dict]:
    store = RawStore(raw_db)
    try:
        return list(store.db.query(sql, params))
    finally:
        store.close()


def page(raw_db: Path, url: str) -> dict:
    (row,) = rows(raw_db, "SELECT * FROM raw_pages WHERE url = ?", [url])
    return row


def test_every_site_finishes_with_a_full_summary(runs):
    for summaries in (runs.first, runs.second, runs.third):
        assert set(summaries) == set(runs.sites)
        for site_id, summary in summaries.items():
            assert "error" not in summary, summary
            assert tuple(summary) == SUMMARY_KEYS + END_KEYS
            assert summary["site_id"] == site_id


def test_first_run_stores_detail_pages_for_every_site(runs):
    for site_id in runs.sites:
        assert runs.first[site_id]["detail_pages_new"] > 0, site_id
        stored = rows(
            runs.raw_db,
            "SELECT COUNT(*) AS n FROM raw_pages WHERE site_id = ? AND page_type = 'detail' AND status = 200",
            [site_id],
        )[0]["n"]
        assert stored == runs.first[site_id]["detail_pages_new"], site_id
        lists = "SELECT COUNT(*) AS n FROM raw_pages WHERE site_id = ? AND page_type = 'list'"
        assert rows(runs.raw_db, lists, [site_id])[0]["n"] >= 1


def test_run_is_recorded(runs):
    last = RawStore(runs.raw_db).last_run()
    assert last["run_id"] == "run-3" and set(last["stats"]["spider"]) == set(runs.sites)
    assert last["status"] == "finished" and last["stats"]["failed_sites"] == []


def test_robots_disallowed_pages_are_never_requested(runs):
    for log in (runs.log_first, runs.log_third):
        assert not [r for r in log if r[1].startswith("/private/")]
    assert (TRAP_HOST, "/robots.txt", 200) in runs.log_first
    assert page(runs.raw_db, f"http://{TRAP_HOST}/private/secret.html")["error"] == "robots"


def test_calendar_trap_ends_at_its_first_page_without_notices(runs):
    budget = load_registry().get(TRAP).effective_limits.max_list_pages
    calendar = [r for r in runs.log_first if r[0] == TRAP_HOST and r[1].startswith("/calendar")]
    # The calendar's 下一页 never ends, but its pages list no notices: the walk stops there, loudly.
    assert len(calendar) == 1 and runs.first[TRAP]["list_pages"] == 2 < budget
    assert runs.first[TRAP]["walk_errors"] == {"empty_list_page": 1}


def test_flaky_page_is_retried_to_200(runs):
    flaky = [r[2] for r in runs.log_first if r[:2] == (TRAP_HOST, "/flaky.html")]
    assert flaky == [500, 200]
    assert page(runs.raw_db, f"http://{TRAP_HOST}/flaky.html")["status"] == 200


def test_redirect_chain_records_final_url(runs):
    row = page(runs.raw_db, f"http://{TRAP_HOST}/old/notice.html")
    assert row["status"] == 200 and row["final_url"] == f"http://{TRAP_HOST}/notices/n1.html"


def test_oversized_page_is_recorded_as_too_large(runs):
    row = page(runs.raw_db, f"http://{TRAP_HOST}/big.html")
    assert row["error"] == "too_large" and row["body"] is None
    assert runs.first[TRAP]["errors_by_reason"].get("too_large") == 1


def test_404s_are_recorded(runs):
    missing = rows(runs.raw_db, "SELECT url, error FROM raw_pages WHERE site_id = ? AND status = 404", [TRAP])
    assert len(missing) >= 2 and all(r["error"] == "http_404" for r in missing)
    assert runs.first[TRAP]["errors_by_reason"].get("http_404") == len(missing)


def test_second_run_downloads_no_detail_page_again(runs):
    counts = RawStore(runs.raw_db).run_counts("run-2")
    for site_id in runs.sites:
        assert counts[site_id]["detail_pages_downloaded"] == 0, (site_id, counts[site_id])
        summary = runs.second[site_id]
        assert summary["detail_pages_new"] == summary["detail_pages_changed"] == 0, summary
        assert summary["not_modified"] + summary["skipped_known"] > 0, summary


def test_revision_2_changes_are_counted(runs):
    with_validators = [s for s in runs.sites if runs.second[s]["not_modified"] > 0]
    assert with_validators
    for site_id in with_validators:
        assert runs.third[site_id]["detail_pages_changed"] == 1, runs.third[site_id]
        assert runs.third[site_id]["detail_pages_new"] == 0
    changed = rows(runs.raw_db, "SELECT COUNT(*) AS n FROM raw_history")[0]["n"]
    assert changed >= len(with_validators)


def test_unknown_site_fails_with_one_clear_line(tmp_path):
    cmd = [sys.executable, "-m", "zhcorpus.cli", "--data", str(tmp_path), "crawl", "nope"]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=60, check=False)
    assert proc.returncode == 1 and proc.stdout == ""
    assert proc.stderr.strip().splitlines()[-1].startswith("zhcorpus: error: unknown site ids: nope")
    with pytest.raises(KeyError, match="unknown site 'nope'"):
        crawl_site("nope", "r", tmp_path / "r.db")


def test_summary_line_is_json(runs):
    # crawl_site already parsed it; a summary survives a JSON round trip unchanged.
    for summary in runs.first.values():
        assert json.loads(json.dumps(summary, ensure_ascii=False)) == summary


def test_a_timeout_cuts_the_site_and_is_reported(tmp_path):
    reported = []
    summaries = crawl_sites(
        ["traps"],
        tmp_path / "raw.db",
        "run-x",
        timeout_s=0.2,
        progress=lambda site, summary: reported.append((site, summary)),
    )
    summary = summaries["traps"]
    assert summary["cut"] == "timeout" and summary["finish_reason"] == "closespider_timeout", summary
    assert summary["timeout_s"] == 0.2 and "error" not in summary
    assert reported == [("traps", summary)]  # progress is told about cut sites too
    stats = RawStore(tmp_path / "raw.db").last_run()["stats"]
    assert stats["cut"] == {"traps": "timeout"} and stats["failed_sites"] == []


def test_summary_is_built_from_stats():
    stats = {
        "zhcorpus/list/responses": 2,
        "zhcorpus/detail/responses": 5,
        "zhcorpus/detail/outcome/new": 3,
        "zhcorpus/outcome/not_modified": 1,
        "zhcorpus/outcome/error": 2,
        "zhcorpus/error/http_404": 1,
        "zhcorpus/error/timeout": 1,
        "zhcorpus/skipped_known": 4,
        "zhcorpus/walk_error/pagination_stalled": 1,
        "zhcorpus/walk/complete": 1,
        "zhcorpus/walk/resumed": 1,
        "zhcorpus/walk/stop/pagination_stalled": 1,
        "zhcorpus/adapter/trs": 1,
        "zhcorpus/listings/new": 12,
    }
    summary = summarize_stats("s", stats, 1.23456)
    assert summary == {
        "site_id": "s",
        "pages_fetched": 7,
        "list_pages": 2,
        "detail_pages_new": 3,
        "detail_pages_changed": 0,
        "detail_pages_unchanged": 0,
        "not_modified": 1,
        "skipped_known": 4,
        "errors": 2,
        "errors_by_reason": {"http_404": 1, "timeout": 1},
        "walk_errors": {"pagination_stalled": 1},
        "walk": {"complete": 1, "resumed": 1, "stop_reasons": {"pagination_stalled": 1}},
        "adapters": {"trs": 1},
        "listings": {"new": 12},
        "duration_s": 1.235,
    }


def test_every_failed_detail_page_is_a_named_error():
    stats = {"zhcorpus/detail/outcome/error": 3, "zhcorpus/outcome/error": 3, "zhcorpus/error/http_403": 3}
    assert summarize_stats("s", stats, 1.0)["walk_errors"] == {"all_details_failed": 1}
    stats["zhcorpus/detail/outcome/new"] = 1
    assert summarize_stats("s", stats, 1.0)["walk_errors"] == {}


def test_per_run_list_budget_override_cuts_the_walk_loudly(tmp_path):
    with server.FixtureServer() as srv:
        summary = crawl_site("qingzhou-mzj", "run-o", tmp_path / "raw.db", proxy_url=srv.proxy_url, max_list_pages=2)
    assert summary["list_pages"] == 2
    assert summary["walk_errors"] == {"list_budget_cut": 1}
    assert summary["walk"]["partial"] == 1  # the next crawl resumes where this one was cut
