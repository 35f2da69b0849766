"""Titles: never a breadcrumb, site or column name; meta markup stripped; <title> and headings reconciled; the
list row checks the result. 文号 under every label and bare; 索引号 apart; editor lines."""

from __future__ import annotations

import pytest

from cleaning.extract.boilerplate import extract_content
from cleaning.extract.html import parse_html
from cleaning.extract.meta import extract_meta
from cleaning.extract.meta.docnumber import bare_doc_number, labelled_doc_number, trailing_doc_number
from cleaning.extract.meta.fields import extract_editor
from cleaning.extract.meta.titles import listed_agrees, strip_markup
from cleaning.pipeline import ListedAs

PARA = "为进一步弘扬社会工作专业精神，提升社会工作的社会认同，营造社会工作事业发展的良好氛围，现将有关事项通知如下。"
TITLE = "关于开展2024年社会工作宣传周活动的通知"
TEXT = f"<div><p>各有关单位：</p><p>{PARA}</p><p>{PARA}</p><p>{PARA}</p></div>"


def meta_of(body: str, head: str, listed: ListedAs | None = None):
    root = parse_html(f"<html><head>{head}</head><body>{body}</body></html>")
    extracted = extract_content(root)
    return extract_meta(root, extracted.content, extracted.lines, "http://mzj.example/a.html", None, listed=listed)


CRUMB = '<div class="location">当前位置：<a>首页</a> &gt; <a>通知公告</a> &gt; 正文</div>'


@pytest.mark.parametrize(
    ("head", "body", "title", "source"),
    [
        # ArticleTitle with the raw markup some CMSs leave in it
        (f'<title>青州市民政局</title><meta name="ArticleTitle" content="&lt;div style=&quot;text-align:center&quot;&gt;{TITLE}&lt;/div&gt;">',
         f"{CRUMB}<div class='xl_tit'>{TITLE}</div>{TEXT}", TITLE, "meta"),
        ('<meta name="ArticleTitle" content="关于开展2024年社会工作&lt;br&gt;宣传周活动的通知">', TEXT, TITLE, "meta"),
        # <title> is only the site name; <h1> is the site's logo; the title is the heading before the text
        ("<title>青州市民政局</title>", f"<h1>青州市民政局</h1>{CRUMB}<h2>{TITLE}</h2>{TEXT}", TITLE, "heading"),
        # <title> is the column and site; the h1 names the column
        ("<title>工作动态-青州市民政局</title>", f"<h1 class='lm'>工作动态</h1><div class='d-title'>{TITLE}</div>{TEXT}",
         TITLE, "heading"),
        # site-name suffixes: _栏目_站名, -纪检, - 站名 - 门户
        (f"<title>{TITLE}_通知公告_青州市民政局</title>", TEXT, TITLE, "title_tag"),
        (f"<title>{TITLE}-纪检</title>", TEXT, TITLE, "title_tag"),
        # the heading and the <title> agree: the heading's own punctuation wins
        ("<title>新华全媒+丨积极因素不断增多-前4个月外贸向好态势进一步巩固-今日头条</title>",
         f"<h1>新华全媒+丨积极因素不断增多——前4个月外贸向好态势进一步巩固</h1>{TEXT}",
         "新华全媒+丨积极因素不断增多——前4个月外贸向好态势进一步巩固", "heading"),
        # a heading with an info line glued to it
        (f"<title>{TITLE}-中国科普网</title>", f"<div class='detil-new-title'>{TITLE} 来源：新华社 作者： 2023-12-01</div>{TEXT}",
         TITLE, "heading"),
        # a breadcrumb whose last part is the title itself is no column
        ("<title>-铜雀历史网</title>",
         f"<div class='weizhi'>当前位置： 首页 &gt; 中国历史 &gt; {TITLE}</div><h1>{TITLE}</h1>{TEXT}", TITLE, "heading"),
    ],
)  # fmt: skip
def test_titles(head, body, title, source):
    meta = meta_of(body, head)
    assert (meta.title, meta.title_source) == (title, source)


@pytest.mark.parametrize(
    "text",
    [
        "当前位置：首页 > 通知公告 > 正文",
        "首页 > 政务公开 > 通知公告",
        "青州市民政局",
        "通知公告",
        "政府信息公开",
        "青州市社会工作协会",
    ],
)
def test_never_a_breadcrumb_site_or_column(text):
    head = "<title>青州市民政局</title>"
    meta = meta_of(f"<h1>{text}</h1>{TEXT}", head)
    assert meta.title != text


def test_list_row_checks_the_title_and_a_disagreement_is_flagged():
    head = f"<title>{TITLE}_青州市民政局</title>"
    body = f"<h1>{TITLE}</h1>{TEXT}"
    assert meta_of(body, head, ListedAs(title="关于开展2024年社会工作宣传…")).flags == []
    meta = meta_of(body, head, ListedAs(title="关于做好2024年汛期困难群众基本生活保障工作的通知"))
    assert meta.title == TITLE and meta.flags == ["listed_title_mismatch"]


def test_list_row_supplies_a_missing_title():
    meta = meta_of(TEXT, "<title>青州市民政局</title>", ListedAs(title=TITLE))
    assert (meta.title, meta.title_source, meta.flags) == (TITLE, "listed", ["title_from_list"])


@pytest.mark.parametrize(
    ("listed", "title", "agrees"),
    [
        ("关于调整2024年全市城乡最低…", "关于调整2024年全市城乡最低生活保障标准的通知", True),
        ("关于调整2024年全市城乡最低生活保障标准的通知", "关于调整2024年全市城乡最低生活保障标准的通知", True),
        ("调整2024年全市城乡最低生活保障标准", "关于调整2024年全市城乡最低生活保障标准的通知", True),
        ("关于做好2024年汛期困难群众基本生活保障工作的通知", "关于调整2024年全市城乡最低生活保障标准的通知", False),
    ],
)
def test_listed_agrees(listed, title, agrees):
    assert listed_agrees(listed, title) is agrees


def test_strip_markup():
    assert strip_markup('<div style="x">关于<br/>通知</div>') == "关于通知"


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("文号：青民发〔2024〕31号 发布日期：2024-06-18", "青民发〔2024〕31号"),
        ("发文字号： 国办发〔2024〕1号", "国办发〔2024〕1号"),
        ("字号：青民函〔2024〕7号", "青民函〔2024〕7号"),
        ("【字号：大 中 小】 文　号：民发〔2020〕1号", "民发〔2020〕1号"),  # the font-size control is no 文号
        ("文号： 发布日期：2024-06-18 根据民发〔2020〕1号文件", None),  # an empty 文号 field
        ("索引号：000014349/2024-00222", None),  # 索引号 is kept apart
    ],
)
def test_labelled_doc_number(text, number):
    assert labelled_doc_number(text) == number


@pytest.mark.parametrize(
    ("line", "number"),
    [
        ("青民发〔2024〕31号", "青民发〔2024〕31号"),
        ("桂社协发【2020】 3号", "桂社协发【2020】3号"),
        ("根据《民政部关于加强养老服务的通知》（民发〔2020〕1号）精神，现将有关事项通知如下。", None),
    ],
)
def test_bare_doc_number(line, number):
    assert bare_doc_number(line) == number


def test_heading_doc_number_only_when_it_ends_the_heading():
    assert trailing_doc_number("关于开展工作的通知 民发[2020]1号") == "民发[2020]1号"
    assert trailing_doc_number("关于转发《民政部关于养老服务的通知》（民发〔2024〕12号）的通知") is None


def test_doc_number_in_an_info_table_far_below_the_fifth_line_and_index_number_apart():
    rows = [("索引号", "11370781MB1H24567X/2024-00123"), ("主题分类", "通知公告"), ("发布机构", "青州市民政局"),
            ("成文日期", "2024-06-15"), ("名称", TITLE), ("有效性", "有效"), ("发文字号", "青民发〔2024〕31号"),
            ("发布日期", "2024-06-18")]  # fmt: skip
    table = "<table>" + "".join(f"<tr><th>{a}：</th><td>{b}</td></tr>" for a, b in rows) + "</table>"
    meta = meta_of(f"{table}<h1>{TITLE}</h1>{TEXT}", "<title>青州市民政局-政府信息公开</title>")
    assert (meta.doc_number, meta.index_number) == ("青民发〔2024〕31号", "11370781MB1H24567X/2024-00123")
    assert (meta.title, meta.published_at, meta.date_source) == (TITLE, "2024-06-18", "label")


def test_doc_number_bare_under_the_title_but_not_from_the_text():
    body = f'<h1>{TITLE}</h1><div><p style="text-align:center">青民发〔2024〕31号</p><p>{PARA}</p><p>{PARA}</p></div>'
    assert meta_of(body, f"<title>{TITLE}</title>").doc_number == "青民发〔2024〕31号"
    quoted = f"<h1>{TITLE}</h1><div><p>根据《民政部关于加强养老服务的通知》（民发〔2020〕1号）精神，{PARA}</p><p>{PARA}</p></div>"
    assert meta_of(quoted, f"<title>{TITLE}</title>").doc_number is None


@pytest.mark.parametrize(
    ("text", "editor"),
    [
        ("（责任编辑：王晗）", "王晗"),
        ("[ 责编：张倩 ]", "张倩"),
        ("(责编：胡永秋、杨曦)", "胡永秋、杨曦"),
        ("时间：2022-11-24 05:30:58编辑： 有关疫情一刀切的防疫政策也是", None),  # an empty field before the text
    ],
)
def test_editor(text, editor):
    assert extract_editor(text) == editor
