"""Flows under failure: one failing site never fails the others, and bad parameters stop a run early."""

import sqlite3

import pytest

import flows.crawl


def test_one_failing_site_does_not_fail_the_others(harness, tmp_path, monkeypatch):
    from flows.nightly import nightly

    real_crawl_batch = flows.crawl.crawl_batch

    def crawl_batch(site_ids, *args, **kwargs):
        # mzb's crawl process fails (how a real one does is tested in tests/crawlers); the others run for real.
        summaries = real_crawl_batch([s for s in site_ids if s != "mzb"], *args, **kwargs)
        error = "crawl of mzb failed: crawl process failed (exit 1): connection refused"
        return {**summaries, "mzb": {"site_id": "mzb", "error": error}}

    monkeypatch.setattr(flows.crawl, "crawl_batch", crawl_batch)

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
        ({"sites": ["no-such-site"]}, "unknown site ids: no-such-site"),  # checked against the registry in use
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
