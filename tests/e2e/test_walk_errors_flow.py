"""A site whose list yields nothing is a named error: the nightly ends Failed naming it, the others still run."""

from __future__ import annotations

import yaml

from crawlers.sites import DEFAULT_REGISTRY_PATH
from fixtures.standin import Layout, StandinServer, StandinSite, registry_entry
from jobs.report import render_table, site_rows


def test_a_site_without_detail_links_fails_the_nightly_by_name(harness, tmp_path, monkeypatch):
    from flows.nightly import nightly

    empty = StandinSite(Layout("empty", pager="next"), notices_count=0)
    with StandinServer(empty) as srv:
        registry = yaml.safe_load(DEFAULT_REGISTRY_PATH.read_text(encoding="utf-8"))
        registry["sites"].append(registry_entry("standin-empty", srv))
        path = tmp_path / "sites.yaml"
        path.write_text(yaml.safe_dump(registry, allow_unicode=True), encoding="utf-8")
        state = nightly(
            sites=["standin-empty", "taibei-swa"],
            data_dir=str(tmp_path / "data"),
            registry_path=str(path),
            return_state=True,
        )
    assert state.is_failed()
    assert "2/2 sites crawled" in state.message
    assert "walk errors: standin-empty (no_detail_links)" in state.message and "taibei-swa (" not in state.message
    result = state.result(raise_on_failure=False)
    spider = result["crawl"]["spider"]
    assert spider["standin-empty"]["walk_errors"] == {"no_detail_links": 1}
    table = render_table(site_rows(result["crawl"]["by_site"], result["clean"]["by_site"], spider))
    line = next(row for row in table.splitlines() if row.startswith("standin-empty"))
    assert line.rstrip().endswith("no_detail_links")
