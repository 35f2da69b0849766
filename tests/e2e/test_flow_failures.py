"""Flows under failure: one failing site never fails the others, and bad parameters stop a run early."""

import sqlite3

import pytest

import flows.crawl
import flows.tasks
from crawlers.run import CrawlError


def test_one_failing_site_does_not_fail_the_others(harness, tmp_path, monkeypatch):
    from flows.nightly import nightly

    real_crawl_site = flows.tasks.crawl_site

    def crawl_site(site_id, *args, **kwargs):
        if site_id == "mzb":
            raise CrawlError("crawl of mzb failed (exit 1): connection refused")
        return real_crawl_site(site_id, *args, **kwargs)

    monkeypatch.setattr(flows.tasks, "crawl_site", crawl_site)
    # No retry pauses in a test: the failure is permanent anyway.
    monkeypatch.setattr(flows.crawl, "crawl_site_task", flows.tasks.crawl_site_task.with_options(retries=0))

    state = nightly(sites=["mzb", "taibei-swa"], data_dir=str(tmp_path), return_state=True)

    assert state.is_failed()
    assert "1/2 sites crawled" in state.message and "failed sites: mzb" in state.message
    result = state.result(raise_on_failure=False)
    assert result["crawl"]["failed_sites"] == ["mzb"]
    assert "connection refused" in result["crawl"]["failures"]["mzb"]
    conn = sqlite3.connect(tmp_path / "corpus.db")
    sites = dict(conn.execute("SELECT site_id, COUNT(*) FROM documents GROUP BY site_id").fetchall())
    conn.close()
    assert sites.get("taibei-swa", 0) >= 5 and "mzb" not in sites  # the healthy site was crawled and cleaned


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"sites": ["no-such-site"]}, "unknown site ids: no-such-site"),
        ({"options": {"batch_size": 0}}, "greater than or equal to 1"),
        ({"since": "yesterday"}, "valid date"),
    ],
)
def test_reclean_rejects_bad_parameters_before_any_work(harness, tmp_path, kwargs, message):
    from flows.clean import reclean

    state = reclean(data_dir=str(tmp_path), return_state=True, **kwargs)
    assert state.is_failed()
    with pytest.raises(Exception, match=message):
        state.result()
    assert not (tmp_path / "corpus.db").exists(), "no work may start on bad parameters"
