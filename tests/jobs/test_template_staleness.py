"""A site's template change re-cleans that site's pages (and no other site's); an unchanged re-run cleans none."""

import json
import sqlite3

import pytest

from cleaning.extract.templates import template_digest
from crawlers.sites import load_registry
from db.raw import RawFetch, RawStore
from jobs.clean import clean_pages, plan_clean
from jobs.config import DataPaths

PAGES_PER_SITE = 8
OLD_CHROME = "本栏目由办公室维护"
NEW_CHROME = "信息来源：市社会救助中心"


def notice_html(site: str, n: int, chrome: str) -> bytes:
    """A notice page whose lead carries a line the site puts on every page (its chrome)."""
    return f"""<html><head><title>关于开展第{n}批社会救助工作的通知</title></head><body><div class="content">
<h1>关于开展第{n}批社会救助工作的通知</h1><p>{chrome}</p><p>各区县民政局：</p>
<p>为进一步做好{site}第{n}批社会救助工作，切实保障困难群众基本生活，现就有关事项通知如下。一、加强组织领导，
压实工作责任。二、做好困难群众排查，确保应救尽救。三、规范审核确认程序，公开救助结果。</p>
<p>特此通知。</p><p>青州市民政局</p><p>2024年3月{n}日</p></div></body></html>""".encode()


def store_pages(paths: DataPaths, site: str, chrome_for) -> None:
    raw = paths.raw().open_site(site)
    try:
        _store_pages(raw, site, chrome_for)
    finally:
        raw.close()


def _store_pages(raw: RawStore, site: str, chrome_for) -> None:
    for n in range(1, PAGES_PER_SITE + 1):
        url = f"http://{site}.example/tzgg/{n}.html"
        raw.record_fetch(
            RawFetch(
                "run1",
                site,
                "detail",
                url,
                url,
                200,
                {"content-type": "text/html; charset=utf-8"},
                notice_html(site, n, chrome_for(n)),
                "2026-01-01T00:00:00+00:00",
            )
        )


def page_ids_of(paths: DataPaths, site: str) -> list[str]:
    conn = sqlite3.connect(paths.raw().site_path(site))
    try:
        return [r[0] for r in conn.execute("SELECT id FROM raw_pages WHERE site_id = ? ORDER BY id", [site])]
    finally:
        conn.close()


def digests_recorded(paths: DataPaths, site: str) -> set:
    conn = sqlite3.connect(paths.raw().site_path(site))
    try:
        sql = """SELECT DISTINCT c.template_digest FROM clean_status c JOIN raw_pages p ON p.id = c.page_id
                 WHERE p.site_id = ?"""
        return {r[0] for r in conn.execute(sql, [site])}
    finally:
        conn.close()


@pytest.fixture
def cleaned(tmp_path):
    """Two sites with the same chrome line on every page, crawled and cleaned once."""
    paths = DataPaths(tmp_path)
    registry = load_registry()
    for site in ("site-a", "site-b"):
        store_pages(paths, site, lambda n: OLD_CHROME)
    plan = plan_clean(paths, registry)
    assert plan.reasons == {"new": 2 * PAGES_PER_SITE}
    clean_pages(paths, plan.page_ids, registry, page_sites=plan.page_sites)
    return paths, registry


def test_unchanged_rerun_cleans_nothing_and_refreshes_no_template(cleaned):
    paths, registry = cleaned
    plan = plan_clean(paths, registry)
    assert plan.page_ids == [] and plan.templates.pages == {}


def test_template_change_recleans_that_sites_pages_only(cleaned):
    paths, registry = cleaned
    with paths.raw().reader() as raw:
        old_templates = raw.site_templates()
    # Site A's layout changes on most of its pages: the line it repeats is now a different one.
    changed = PAGES_PER_SITE - 2
    store_pages(paths, "site-a", lambda n: NEW_CHROME if n <= changed else OLD_CHROME)

    plan = plan_clean(paths, registry)

    assert plan.templates.changed == ["site-a"], "the new chrome line should change site A's template"
    assert plan.reasons == {"raw_changed": changed, "template": PAGES_PER_SITE - changed}
    assert sorted(plan.page_ids) == page_ids_of(paths, "site-a"), "all of site A, none of site B"
    clean_pages(paths, plan.page_ids, registry)  # without page_sites: the reader finds each page's file itself

    with paths.raw().reader() as raw:
        templates = raw.site_templates()
    assert template_digest(templates["site-a"]) != template_digest(old_templates["site-a"])
    assert digests_recorded(paths, "site-a") == {template_digest(templates["site-a"])}
    assert digests_recorded(paths, "site-b") == {template_digest(old_templates["site-b"])}
    assert plan_clean(paths, registry).page_ids == [], "after the re-clean nothing is stale"


def test_pages_cleaned_before_digests_existed_adopt_the_old_template(cleaned):
    paths, registry = cleaned
    for site in ("site-a", "site-b"):
        conn = sqlite3.connect(paths.raw().site_path(site))
        conn.execute("UPDATE clean_status SET template_digest = NULL")  # as after an upgrade of an older raw.db
        conn.commit()
        conn.close()
    assert plan_clean(paths, registry).page_ids == [], "an upgrade alone re-cleans nothing"

    store_pages(paths, "site-a", lambda n: NEW_CHROME if n <= PAGES_PER_SITE - 2 else OLD_CHROME)
    plan = plan_clean(paths, registry)
    assert plan.reasons == {"raw_changed": PAGES_PER_SITE - 2, "template": 2}
    assert digests_recorded(paths, "site-b") == {None}, "a site whose template was not refreshed is untouched"


def test_cli_clean_says_why_pages_were_cleaned(cleaned, capsys):
    from zhcorpus.cli import main

    paths, _ = cleaned
    store_pages(paths, "site-a", lambda n: NEW_CHROME if n <= PAGES_PER_SITE - 2 else OLD_CHROME)
    assert main(["--data", str(paths.root), "clean"]) == 0
    out, err = capsys.readouterr()
    result = json.loads(out)
    assert result["reasons"] == {"raw_changed": PAGES_PER_SITE - 2, "template": 2}
    assert result["templates_changed"] == ["site-a"]
    assert "2 template" in err
    assert main(["--data", str(paths.root), "clean"]) == 0
    assert json.loads(capsys.readouterr().out)["pages"] == 0
