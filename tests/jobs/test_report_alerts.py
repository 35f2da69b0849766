"""Walk errors are named per site in run tables; the ones after which a site gave nothing fail the run."""

from jobs.report import failing_sites, loud_sites, render_table, site_rows, total_row


def test_walk_errors_are_named_and_only_some_fail_the_run():
    spider = {
        "a": {"walk_errors": {"list_budget_cut": 1}},
        "b": {"walk_errors": {"no_detail_links": 2, "empty_list_page": 1}},
        "c": {"walk_errors": {}},
    }
    clean = {"c": {"dropped": 5}, "d": {"dropped": 1}}
    loud = loud_sites(spider, clean)
    assert loud == {
        "a": {"list_budget_cut": 1},
        "b": {"no_detail_links": 2, "empty_list_page": 1},
        "c": {"all_details_dropped": 1},
    }
    assert failing_sites(loud) == {"b": {"no_detail_links": 2}, "c": {"all_details_dropped": 1}}
    rows = site_rows({"a": {"pages_fetched": 3}}, clean, spider)
    table = render_table([*rows, total_row(rows, "TOTAL")])
    lines = {line.split()[0]: line for line in table.splitlines()[2:]}
    assert lines["a"].endswith("list_budget_cut") and lines["b"].endswith("empty_list_page, no_detail_links×2")
    assert lines["TOTAL"].endswith("3 sites")
