"""The selector-free list-row detector and row dates, on small pages of the shapes real 通知公告 lists take."""

from __future__ import annotations

from datetime import date

import pytest

from crawlers.cms.base import ListPage
from crawlers.cms.dates import find_full_date, find_month_day, find_roc_date, infer_year, url_date
from crawlers.cms.rows import detect_rows, link_title, page_column, rows_from_fragments, rows_from_selector

TODAY = date(2026, 3, 25)
BASE = "http://mzj.example.gov.cn"

NAV = (
    '<div class="nav"><a href="/">首页</a><a href="/jgzn/">机构职能</a><a href="/zwgk/">政务公开</a>'
    '<a href="/bsfw/">办事服务</a><a href="/hdjl/">互动交流</a></div>'
)
SIDE = (
    '<div class="side"><h3>热点推荐</h3><ul class="hot">'
    + "".join(
        f'<li><a href="/tzgg/{900 + i}.html">热点{i}关于养老服务</a><span>03-0{i}</span></li>' for i in range(1, 7)
    )
    + "</ul></div>"
)
FOOT = '<div class="footer">友情链接：<a href="http://www.gov.cn/">中国政府网</a> <a href="/sitemap.html">网站地图</a></div>'


def page(body: str, url: str = f"{BASE}/tzgg/index.html", **kw) -> ListPage:
    return ListPage(
        url=url, text=f"<html><body>{NAV}{SIDE}{body}{FOOT}</body></html>", allowed_domains=["example.gov.cn"], **kw
    )


def rows_of(body: str, **kw) -> list[tuple[str, str | None, str | None]]:
    found = detect_rows(page(body), today=TODAY, **kw)
    return [(r.url.removeprefix(BASE), r.title, r.date) for r in found.rows]


@pytest.mark.parametrize(
    ("name", "body", "expected"),
    [
        (
            "ul with dates in spans",
            '<ul class="list"><li><a href="/tzgg/1.html">关于开展社会救助专项检查的通知</a><span>2026-03-20</span></li>'
            '<li><a href="/tzgg/2.html">关于公布2025年度养老机构等级评定结果的公告</a><span>2026-03-18</span></li></ul>',
            [("/tzgg/1.html", "关于开展社会救助专项检查的通知", "2026-03-20"),
             ("/tzgg/2.html", "关于公布2025年度养老机构等级评定结果的公告", "2026-03-18")],
        ),
        (
            "table rows, 年月日 date in its own cell, serial and issuer cells",
            '<table class="t"><tr><th>序号</th><th>标题</th><th>日期</th></tr>'
            '<tr><td>1</td><td><a href="/tzgg/3.html">关于做好婚姻登记预约工作的通知</a></td><td>市民政局</td><td>2026年1月5日</td></tr>'
            '<tr><td>2</td><td><a href="/tzgg/4.html">关于印发殡葬管理办法的通知</a></td><td>市民政局</td><td>2025年12月30日</td></tr></table>',
            [("/tzgg/3.html", "关于做好婚姻登记预约工作的通知", "2026-01-05"),
             ("/tzgg/4.html", "关于印发殡葬管理办法的通知", "2025-12-30")],
        ),
        (
            "truncated text, full title attribute, bracketed yearless dates (year from the list order)",
            '<ul class="news"><li>· <a href="/tzgg/5.html" title="关于开展2026年度全市社会组织等级评估工作的通知">关于开展2026年度全市社会组织…</a> [03-02]</li>'
            '<li>· <a href="/tzgg/6.html" title="关于征集最低生活保障政策意见建议的公告">关于征集最低生活保障政策意…</a> [12-28]</li></ul>',
            [("/tzgg/5.html", "关于开展2026年度全市社会组织等级评估工作的通知", "2026-03-02"),
             ("/tzgg/6.html", "关于征集最低生活保障政策意见建议的公告", "2025-12-28")],
        ),
        (
            "div rows, slash dates, a pinned row with an image and 置顶",
            '<div class="items"><div class="row"><div class="t"><a href="/tzgg/7.html"><img src="top.gif">【置顶】关于公布救助热线的公告</a></div><div class="d">2024/5/6</div></div>'
            '<div class="row"><div class="t"><a href="/tzgg/8.html">关于组织开展社区工作者培训的通知</a></div><div class="d">2026/3/1</div></div></div>',
            [("/tzgg/7.html", "关于公布救助热线的公告", "2024-05-06"),
             ("/tzgg/8.html", "关于组织开展社区工作者培训的通知", "2026-03-01")],
        ),
        (
            "dates inside the link, in their own spans",
            '<ul class="l"><li><a href="/tzgg/9.html"><span class="tit">关于调整临时救助标准的通知</span><span class="time">2026.02.14</span></a></li>'
            '<li><a href="/tzgg/10.html"><span class="tit">关于开展冬春救助的通知</span><span class="time">2026.01.20</span></a></li></ul>',
            [("/tzgg/9.html", "关于调整临时救助标准的通知", "2026-02-14"),
             ("/tzgg/10.html", "关于开展冬春救助的通知", "2026-01-20")],
        ),
        (
            "a date in the title is not the row's date",
            '<ul class="l"><li><a href="/tzgg/11.html">2025年10月1日起施行的养老服务条例解读</a><em>(2025-09-20)</em></li>'
            '<li><a href="/tzgg/12.html">关于国庆节期间婚姻登记的公告</a><em>(2025-09-18)</em></li></ul>',
            [("/tzgg/11.html", "2025年10月1日起施行的养老服务条例解读", "2025-09-20"),
             ("/tzgg/12.html", "关于国庆节期间婚姻登记的公告", "2025-09-18")],
        ),
        (
            "a list split into blocks of rows is one list",
            '<div class="list"><ul><li><a href="/tzgg/13.html">关于第一批救助名单的公示</a><span>2026-03-03</span></li>'
            '<li><a href="/tzgg/14.html">关于第二批救助名单的公示</a><span>2026-03-02</span></li></ul><hr>'
            '<ul><li><a href="/tzgg/15.html">关于第三批救助名单的公示</a><span>2026-03-01</span></li></ul></div>',
            [("/tzgg/13.html", "关于第一批救助名单的公示", "2026-03-03"), ("/tzgg/14.html", "关于第二批救助名单的公示", "2026-03-02"),
             ("/tzgg/15.html", "关于第三批救助名单的公示", "2026-03-01")],
        ),
    ],
    ids=lambda v: v if isinstance(v, str) and not v.startswith("<") else None,
)  # fmt: skip
def test_rows_are_found_without_selectors(name, body, expected):
    assert rows_of(body) == expected


def test_a_short_last_page_keeps_the_list_of_the_first_pages():
    body = '<ul class="list"><li><a href="/tzgg/1.html">关于开展社会救助专项检查的通知</a><span>2026-03-20</span></li></ul>'
    first = detect_rows(page(body), today=TODAY)
    # on its own the six-row hot list outweighs a one-row list; the column's earlier pages chose the list
    assert [r.url for r in detect_rows(page(body), prefer=first.group, today=TODAY).rows] == [f"{BASE}/tzgg/1.html"]


def test_navigation_alone_is_no_list():
    found = detect_rows(
        ListPage(url=BASE + "/", text=f"<html><body>{NAV}{FOOT}</body></html>", allowed_domains=["example.gov.cn"])
    )
    assert found.rows == []
    assert {reason for _, reason in found.rejected} >= {"not_in_list", "offsite"}


def test_rejected_links_say_why():
    body = '<ul class="list"><li><a href="/tzgg/1.html">关于开展社会救助专项检查的通知</a><span>2026-03-20</span></li><li><a href="javascript:void(0)">更多</a></li></ul>'
    found = detect_rows(page(body), today=TODAY)
    reasons = dict((u, r) for u, r in found.rejected)
    assert reasons["http://www.gov.cn/"] == "offsite" and reasons["javascript:void(0)"] == "script"


def test_detail_pattern_filters_rows():
    body = '<ul class="list"><li><a href="/tzgg/202603/t20260320_1.html">关于开展社会救助专项检查的通知</a><span>2026-03-20</span></li></ul>'
    import re

    found = detect_rows(page(body, detail_regex=re.compile(r"/t\d{8}_\d+\.html$")), today=TODAY)
    assert [r.url for r in found.rows] == [f"{BASE}/tzgg/202603/t20260320_1.html"]
    assert all(reason in ("pattern", "offsite", "not_in_list") for _, reason in found.rejected)


def test_registry_selector_rows_get_titles_and_dates_too():
    body = '<table class="news"><tr><td class="bt"><a href="/a/1.html" title="关于做好全年低保资金发放工作的通知">关于做好全年低保资金…</a></td><td>2026-02-01</td></tr></table>'
    (row,) = rows_from_selector(page(body), "table.news td.bt a", today=TODAY).rows
    assert (row.title, row.date) == ("关于做好全年低保资金发放工作的通知", "2026-02-01")


def test_hanweb_records_with_bare_table_rows():
    fragments = [
        '<tr><td><a href="/art/2026/3/5/art_4521_1.html" title="关于做好春季救助工作的通知">关于做好春季救助...</a></td><td>2026-03-05</td></tr>',
        '<li><a href="/art/2026/3/1/art_4521_2.html">关于养老服务补贴发放的公告</a><span>[03-01]</span></li>',
    ]
    rows = rows_from_fragments(page(""), fragments, today=TODAY).rows
    assert [(r.title, r.date) for r in rows] == [
        ("关于做好春季救助工作的通知", "2026-03-05"),
        ("关于养老服务补贴发放的公告", "2026-03-01"),
    ]


@pytest.mark.parametrize(
    ("html", "title"),
    [
        (
            '<a title="关于开展全市养老服务质量提升行动的通知">关于开展全市养老服务质量提升…</a>',
            "关于开展全市养老服务质量提升行动的通知",
        ),
        (
            '<a title="点击查看">关于公布婚姻登记地址的公告</a>',
            "关于公布婚姻登记地址的公告",
        ),  # a generic title attribute
        (
            '<a title="&lt;font color=red&gt;关于春节值班安排的通知&lt;/font&gt;">关于春节值班安排的通知</a>',
            "关于春节值班安排的通知",
        ),
        ("<a>● 关于做好汛期救助\n  工作的通知 2026-06-01</a>", "关于做好汛期救助工作的通知"),
        ('<a title="">关于调整低保标准的通知...</a>', "关于调整低保标准的通知"),
    ],
)
def test_link_titles(html, title):
    from lxml import html as lxml_html

    assert link_title(lxml_html.fragment_fromstring(html)) == title


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-01-05", "2026-01-05"),
        ("发布时间：2026/1/5 09:30", "2026-01-05"),
        ("2026年1月5日", "2026-01-05"),
        ("2026.01.05", "2026-01-05"),
        ("20260105", "2026-01-05"),
        ("2026-02-30", None),  # not a real date
        ("1888-01-01", None),
    ],
)
def test_full_dates(text, expected):
    found = find_full_date(text)
    assert (found[0].isoformat() if found else None) == expected


def test_yearless_and_taiwan_dates():
    assert find_month_day("[01-05]")[:2] == (1, 5) and find_month_day("1月5日")[:2] == (1, 5)
    assert find_month_day("关于1-5号楼的通知") is None  # never inside running text
    assert find_roc_date("113/08/05")[0] == date(2024, 8, 5)
    assert find_roc_date("民國113年8月5日公告")[0] == date(2024, 8, 5)
    assert find_roc_date("12/08/05") is None


def test_year_of_a_yearless_date_comes_from_the_url_then_the_list_order():
    assert infer_year(3, 6, "/art/2005/3/6/art_1_2.html", None, TODAY) == date(2005, 3, 6)  # Hanweb, one-digit month
    assert infer_year(12, 30, "/tzgg/100.html", date(2026, 1, 3), TODAY) == date(2025, 12, 30)
    assert infer_year(3, 1, "/tzgg/100.html", None, TODAY) == date(2026, 3, 1)
    assert infer_year(11, 1, "/tzgg/100.html", None, TODAY) == date(2025, 11, 1)  # after today: last year
    assert url_date("/tzgg/202403/t20240301_12.html") == (2024, 3, 1)
    assert url_date("/xxgk/202403/") == (2024, 3, None)


def test_the_column_a_page_states():
    meta = ListPage(url=BASE, text='<html><head><meta name="ColumnName" content="通知公告"></head><body></body></html>')
    crumb = ListPage(
        url=BASE, text='<html><body><div class="crumb">当前位置：首页 &gt; 政务公开 &gt; 工作动态</div></body></html>'
    )
    title = ListPage(url=BASE, text="<html><head><title>最新消息 - 某某协会</title></head><body></body></html>")
    assert [page_column(p) for p in (meta, crumb, title)] == ["通知公告", "工作动态", "最新消息"]
