"""Publication dates from layered evidence: candidates with their source, and the choice between them."""

from __future__ import annotations

import pytest

from cleaning.extract.boilerplate import extract_content
from cleaning.extract.html import parse_html
from cleaning.extract.meta import extract_meta
from cleaning.extract.meta.dates import (
    DateCandidate,
    choose_date,
    find_labels,
    header_candidates,
    labelled_candidates,
    parse_moment,
    url_candidates,
)
from cleaning.pipeline import ListedAs

PARA = "为进一步弘扬社会工作专业精神，提升社会工作的社会认同，营造社会工作事业发展的良好氛围，现将有关事项通知如下。"
TITLE = "关于开展2024年社会工作宣传周活动的通知"


def meta_of(body: str, head: str = f"<title>{TITLE}_青州市民政局</title>", url: str = "http://mzj.example/a.html",
            listed: ListedAs | None = None):  # fmt: skip
    root = parse_html(f"<html><head>{head}</head><body>{body}</body></html>")
    extracted = extract_content(root)
    return extract_meta(root, extracted.content, extracted.lines, url, None, listed=listed)


@pytest.mark.parametrize(
    ("url", "date", "pattern"),
    [
        ("http://mzj.example/tzgg/202403/t20240305_123456.html", "2024-03-05", "trs"),
        ("http://www.example.gov.cn/art/2005/3/6/art_1229_456.html", "2005-03-06", "art"),  # unpadded Hanweb
        ("http://www.example.gov.cn/art/2024/11/18/art_12_3.html", "2024-11-18", "art"),
        ("http://news.example.cn/2024-05/13/content_117184963.shtml", "2024-05-13", "path"),
        ("http://finance.example.cn/n1/2024/0510/c1004-40232587.html", "2024-05-10", "path"),
        ("http://www.example.cn/20240515/d59c39d4/c.html", "2024-05-15", "path"),
        ("http://www.example.org/2024/06/18/post-12/", "2024-06-18", "path"),
        ("http://www.example.com/c/2020-1-12/11803576.shtml", "2020-01-12", "path_ymd"),
        ("http://mzj.example/tzgg/202403/t20241305_1.html", None, None),  # month 13: not a date
        ("http://mzj.example/news/20240001/", None, None),  # an id, not a date
        ("http://mzj.example/show.asp?id=2024061812", None, None),  # query strings are ids
    ],
)
def test_url_dates(url, date, pattern):
    found = url_candidates(url)
    assert (found[0].date, found[0].detail) == (date, pattern) if date else found == []


@pytest.mark.parametrize(
    ("value", "date"),
    [
        ("2024-05-16T17:02:38+08:00", "2024-05-16"),
        ("2024-05-22T00:21:04.000Z", "2024-05-22"),  # 08:21 in China
        ("2024-05-21T20:00:00Z", "2024-05-22"),  # 04:00 the next day in China
        ("2024-05-20 06:48", "2024-05-20"),
        ("20240305", "2024-03-05"),
        ("2024年3月5日", "2024-03-05"),
        ("1985-01-01", None),  # before any notice site
        ("", None),
    ],
)
def test_parse_moment_reads_offsets_on_china_time(value, date):
    assert parse_moment(value) == date


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("发布时间：2024-03-05 09:30", [("2024-03-05", "label")]),
        ("發布日期：113-06-03", [("2024-06-03", "label")]),  # 民國 year after a label
        ("成文日期：2024年03月01日 发布日期：2024年03月05日", [("2024-03-01", "signed"), ("2024-03-05", "label")]),
        ("更新时间：2024-04-01", [("2024-04-01", "updated")]),
        ("时间：2024-03-05", [("2024-03-05", "header")]),
        ("报告时间：2024年6月15日至8月31日", []),  # a Han character before 时间: the text's own phrase
        ("发布于 2024年6月18日", [("2024-06-18", "label")]),
        ("posted @ 2024-05-09 14:45 好看的hk", [("2024-05-09", "label")]),
        ("发布时间：【2024-03-05】", [("2024-03-05", "label")]),
        ("发布时间： 浏览次数：12", []),  # an empty field
    ],
)
def test_labelled_dates(text, expected):
    assert [(c.date, c.source) for c in labelled_candidates(text, generic=True)] == expected


def test_generic_labels_only_when_asked():
    assert labelled_candidates("日期：2024-03-05", generic=False) == []
    assert [k for _, _, k, _ in find_labels("来源：本站 日期：2024-03-05")] == ["generic"]


@pytest.mark.parametrize(
    ("zone", "expected"),
    [
        (" 2024-05-20 16:25:01 来源:上海奉贤 ", [("2024-05-20", "header")]),
        (" 经济日报2024-05-13 06:16发布于北京 ", [("2024-05-13", "label")]),
        (
            " 最新推荐文章于 2024-05-07 22:12:13 发布 作者 于 2024-05-06 15:47:53 发布 ",
            [("2024-05-07", "label"), ("2024-05-06", "label")],
        ),  # fmt: skip
        (" 发布日期：2024-03-05 ", [("2024-03-05", "label")]),  # the labelled date is not counted twice
    ],
)
def test_header_zone_dates(zone, expected):
    assert [(c.date, c.source) for c in header_candidates(zone)] == expected


def C(date: str, source: str) -> DateCandidate:
    return DateCandidate(date, source)


@pytest.mark.parametrize(
    ("candidates", "listed", "date", "source", "flags"),
    [
        ([C("2024-03-05", "meta"), C("2024-03-05", "url")], None, "2024-03-05", "meta", ()),
        # the publication date beats the signature date and dates inside the text
        ([C("2024-03-01", "signature"), C("2024-03-05", "label")], None, "2024-03-05", "label", ()),
        ([C("2024-03-01", "signed"), C("2024-03-05", "label")], None, "2024-03-05", "label", ()),
        # only the document's own date: 成文日期 before the signature
        ([C("2024-03-02", "signature"), C("2024-03-01", "signed")], None, "2024-03-01", "signed", ()),
        # the list row pins a page that states no publication date
        ([C("2024-03-01", "signature")], "2024-03-04", "2024-03-04", "listed", ()),
        ([], "2024-03-04", "2024-03-04", "listed", ()),
        # the list row settles disagreeing page dates, and outweighs URL/header dates alone
        ([C("2024-03-05", "url"), C("2024-03-07", "header")], "2024-03-07", "2024-03-07", "header", ()),
        ([C("2024-03-05", "url")], "2024-03-09", "2024-03-09", "listed", ("listed_date_mismatch",)),
        # a stated publication date stands against the list row, flagged
        ([C("2024-03-05", "meta")], "2024-03-09", "2024-03-05", "meta", ("listed_date_mismatch",)),
        # ties go to the earliest date (a publication precedes its updates)
        ([C("2024-05-07", "label"), C("2024-05-06", "label")], None, "2024-05-06", "label", ()),
        # updates are evidence, never the publication date; nothing else: none rather than a guess
        ([C("2024-04-01", "updated")], None, None, None, ()),
        ([], None, None, None, ()),
    ],
)
def test_choose_date(candidates, listed, date, source, flags):
    assert choose_date(candidates, listed) == (choice := choose_date(candidates, listed))
    assert (choice.date, choice.source, choice.flags) == (date, source, flags)


def test_page_with_several_dates_takes_the_published_one_and_stores_every_candidate():
    body = (
        f'<div class="crumb">当前位置：首页 &gt; 通知公告</div><h1>{TITLE}</h1>'
        '<div class="info">成文日期：2024-03-01　发布时间：2024-03-05 09:30　来源：青州市民政局</div>'
        f"<div><p>各有关单位：</p><p>自2024年4月1日起，{PARA}</p><p>{PARA}</p><p>{PARA}</p><p>青州市民政局</p><p>2024年3月1日</p></div>"
        '<ul class="side"><li><a href="/b.html">另一则通知标题很长很长</a><span>2024-06-01</span></li></ul>'
    )
    meta = meta_of(body, url="http://mzj.example/tzgg/202403/t20240304_1.html")
    assert (meta.published_at, meta.date_source) == ("2024-03-05", "label")
    got = {(c["date"], c["source"]) for c in meta.date_candidates}
    assert {
        ("2024-03-05", "label"),
        ("2024-03-01", "signed"),
        ("2024-03-01", "signature"),
        ("2024-03-04", "url"),
    } <= got
    assert ("2024-04-01", "header") not in got and all(c["date"] != "2024-06-01" for c in meta.date_candidates)


def test_page_without_any_date_gets_none_and_the_list_row_pins_it():
    body = f"<h2>{TITLE}</h2><div><p>{PARA}</p><p>{PARA}</p><p>自2024年4月1日起施行。</p></div>"
    assert meta_of(body).published_at is None
    meta = meta_of(body, listed=ListedAs(title=TITLE, date="2024-03-06"))
    assert (meta.published_at, meta.date_source, meta.flags) == ("2024-03-06", "listed", [])


def test_meta_pubdate_and_a_disagreeing_list_row_is_flagged():
    head = f'<title>{TITLE}</title><meta name="PubDate" content="2024-03-05 09:30">'
    meta = meta_of(f"<h1>{TITLE}</h1><div><p>{PARA}</p><p>{PARA}</p></div>", head=head,
                   listed=ListedAs(title=TITLE, date="2024-03-09"))  # fmt: skip
    assert (meta.published_at, meta.date_source) == ("2024-03-05", "meta")
    assert "listed_date_mismatch" in meta.flags


def test_a_sentence_at_the_text_head_is_not_an_info_line():
    body = f"<h1>{TITLE}</h1><div><p>2024年9月5日是第九个“中华慈善日”。为大力弘扬慈善文化，现就有关工作通知如下。</p><p>{PARA}</p><p>{PARA}</p><p>{PARA}</p><p>{PARA}</p><p>民政部办公厅</p><p>2024年8月20日</p></div>"  # noqa: E501
    meta = meta_of(body)
    assert (meta.published_at, meta.date_source) == ("2024-08-20", "signature")
