"""List rows reach cleaning as PageInput.listed, and a change of what the list says re-cleans the page."""

from __future__ import annotations

from pathlib import Path
from unittest import mock

from cleaning.pipeline import ListedAs
from crawlers.sites import load_registry
from db.ids import page_id_for
from db.raw import RawFetch, RawStore
from jobs import clean as cleanjob
from jobs.clean import clean_pages, page_input, plan_clean
from jobs.config import DataPaths

URL = "http://mzj.example.gov.cn/tzgg/202603/t20260320_1.html"
LIST = "http://mzj.example.gov.cn/tzgg/index.html"
BODY = """<html><head><title>关于开展社会救助专项检查的通知</title></head><body><div class="content">
<h1>关于开展社会救助专项检查的通知</h1><p>各区县民政局：</p><p>为进一步做好社会救助工作，切实保障困难群众基本生活，
现就有关事项通知如下。一、加强组织领导，压实工作责任。二、做好困难群众排查，确保应救尽救。</p><p>特此通知。</p>
</div></body></html>""".encode()


def setup(tmp_path: Path) -> tuple[DataPaths, RawStore]:
    paths = DataPaths(tmp_path)
    raw = paths.raw().open_site("s")
    raw.record_fetch(
        RawFetch(
            "r1",
            "s",
            "detail",
            URL,
            URL,
            200,
            {"content-type": "text/html; charset=utf-8"},
            BODY,
            "2026-03-21T00:00:00+00:00",
        )
    )
    return paths, raw


def listing(raw: RawStore, title: str, date: str | None, at: str) -> dict:
    row = {"url": URL, "title": title, "date": date, "date_text": date}
    return raw.record_listings(
        site_id="s", run_id="r", column_key="GET " + LIST, column_name="通知公告", list_url=LIST, rows=[row], seen_at=at
    )


def test_listing_rows_keep_first_and_last_seen_and_count_changes(tmp_path):
    _, raw = setup(tmp_path)
    assert listing(raw, "关于开展社会救助专项检查的通知", "2026-03-20", "2026-03-21T00:00:00+00:00") == {
        "new": 1,
        "changed": 0,
        "same": 0,
    }
    assert listing(raw, "关于开展社会救助专项检查的通知", "2026-03-20", "2026-03-22T00:00:00+00:00")["same"] == 1
    assert (
        listing(raw, "关于开展社会救助专项检查的通知（更正）", "2026-03-20", "2026-03-23T00:00:00+00:00")["changed"]
        == 1
    )
    (row,) = raw.listings("s")
    assert (row["first_seen"], row["last_seen"], row["changed_at"]) == ("2026-03-21T00:00:00+00:00",) + (
        "2026-03-23T00:00:00+00:00",
    ) * 2
    assert row["title"] == "关于开展社会救助专项检查的通知（更正）" and row["page_id"] == page_id_for(URL)
    raw.close()


def test_page_input_carries_the_list_row(tmp_path):
    paths, raw = setup(tmp_path)
    listing(raw, "关于开展社会救助专项检查的通知", "2026-03-20", "2026-03-21T00:00:00+00:00")
    listed = raw.listed_as([page_id_for(URL)])[page_id_for(URL)]
    (page,) = raw.pages([page_id_for(URL)])
    raw.close()
    got = page_input(page, load_registry(), None, listed)
    assert got.listed == ListedAs(
        title="关于开展社会救助专项检查的通知", date="2026-03-20", column="通知公告", list_url=LIST
    )
    assert got.column == "通知公告"
    assert page_input(page, load_registry()).listed is None


def test_a_changed_listing_makes_the_page_stale_and_cleaning_sees_it(tmp_path):
    paths, raw = setup(tmp_path)
    registry = load_registry()
    seen: list = []
    real = cleanjob.clean_page

    def spy(page):
        seen.append(page.listed)
        return real(page)

    with mock.patch.object(cleanjob, "clean_page", spy):
        plan = plan_clean(paths, registry)
        assert dict(plan.reasons) == {"new": 1}
        clean_pages(paths, plan.page_ids, registry)
        assert plan_clean(paths, registry).page_ids == []  # nothing listed: nothing stale
        listing(raw, "关于开展社会救助专项检查的通知", None, "2026-03-21T00:00:00+00:00")
        plan = plan_clean(paths, registry)
        assert dict(plan.reasons) == {"listing": 1}  # a list row seen for the first time
        clean_pages(paths, plan.page_ids, registry)
        assert plan_clean(paths, registry).page_ids == []
        listing(raw, "关于开展社会救助专项检查的通知", "2026-03-20", "2026-03-22T00:00:00+00:00")
        plan = plan_clean(paths, registry)
        assert dict(plan.reasons) == {"listing": 1}  # the list now shows a date
        clean_pages(paths, plan.page_ids, registry)
        listing(raw, "关于开展社会救助专项检查的通知", "2026-03-20", "2026-03-23T00:00:00+00:00")
        assert plan_clean(paths, registry).page_ids == []  # seen again, unchanged: nothing to do
    raw.close()
    assert [s.date if s else None for s in seen] == [None, None, "2026-03-20"]
