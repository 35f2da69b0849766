"""boilerplate extraction (segments that must / must not appear), meta fields, compilation parts."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from cleaning.extract.boilerplate import extract_content
from cleaning.extract.html import count_han, count_han_many, parse_html
from cleaning.extract.lines import filter_lines
from cleaning.extract.meta import extract_meta, parse_date, read_page_facts, strip_site_suffix
from cleaning.extract.parts import split_parts

PARA = "为进一步弘扬社会工作专业精神，提升社会工作的社会认同，营造社会工作事业发展的良好氛围，现将有关事项通知如下。"


def page(body: str, head: str = "<title>测试通知_青州市民政局</title>") -> str:
    return f"<html><head>{head}</head><body>{body}</body></html>"


def text_of(html: str) -> str:
    return "\n".join(extract_content(parse_html(html)).lines)


def test_parse_recovers_from_early_body_close_and_junk_before_html():
    html = f'<?xml version="1.0" encoding="gbk"?>\n junk <div><p>{PARA}</p></div></body></html><p>第二段：{PARA}</p></body></html>'
    text = text_of(html)
    assert text.count(PARA) == 2


def test_multi_block_notice_stays_whole_and_chrome_goes():
    html = page(
        '<div class="nav"><a href="/">首页</a><a href="/a">通知公告</a></div>'
        '<div class="crumb">当前位置：首页 &gt; 通知公告</div>'
        f'<div class="main"><div class="p1"><p>各有关单位：</p><p>{PARA}</p></div>'
        f'<div class="p2"><p>二、{PARA}</p><p>青州市民政局</p><p>2024年3月5日</p></div></div>'
        '<div class="links">友情链接：<a href="#">民政部</a></div>'
        '<div id="footer">主办单位：青州市民政局 版权所有 鲁ICP备12345678号</div>'
    )
    text = text_of(html)
    for must in ("各有关单位：", PARA, "二、" + PARA, "青州市民政局", "2024年3月5日"):
        assert must in text
    for must_not in ("当前位置", "友情链接", "版权所有", "ICP备", "首页"):
        assert must_not not in text


@pytest.mark.parametrize(
    ("line", "dropped"),
    [
        ("当前位置：首页 > 新闻中心 > 通知公告", True),
        ("當前位置 /首頁/教育範文/活動總結/列表", True),
        ("【字号：大 中 小】", True),
        ("【打印本页】【关闭窗口】", True),
        ("浏览次数：128", True),
        ("分享到：微信 微博", True),
        ("下面是语文迷为大家带来的关于社会工作宣传周活动总结，希望对你有帮助。", True),
        (
            "本次集中宣传的承办单位由各镇（街道）民政办确定，报市民政局备案，各单位要按照要求认真组织实施相关工作。",
            False,
        ),
        ("联系人：张三，联系电话：0536-3221234。", False),
    ],
)
def test_line_rules(line, dropped):
    filler = [PARA] * 8
    lines = [*filler[:4], line, *filler[4:]]
    kept, _ = filter_lines(lines)
    assert (line not in kept) is dropped


def test_tail_cut_after_prev_next():
    lines = [PARA] * 6 + ["上一篇：关于做好春节走访慰问工作的通知", "某某新闻标题一", "某某新闻标题二"]
    kept, dropped = filter_lines(lines)
    assert kept == [PARA] * 6
    assert dropped["prev_next"] == 3


def test_table_rows_join_cells_with_tab():
    html = page(
        f"<div><p>{PARA}</p><table><tr><th>序号</th><th>单位</th></tr><tr><td>1</td><td>青州市民政局</td></tr></table></div>"
    )
    assert "1\t青州市民政局" in text_of(html)


def test_ruby_annotations_are_dropped():
    html = page(f"<div><p>做好<ruby>社<rt>shè</rt></ruby><ruby>會<rt>huì</rt></ruby>工作。{PARA}</p></div>")
    assert "做好社會工作。" in text_of(html)


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("关于开展2024年社会工作宣传周活动的通知_通知公告_青州市民政局", "关于开展2024年社会工作宣传周活动的通知"),
        ("关于表彰优秀社工的决定-岭南省社会工作协会", "关于表彰优秀社工的决定"),
        ("关于表彰优秀社工的决定 | 岭南省民政厅", "关于表彰优秀社工的决定"),
        ("2020-2021学年度社工实习总结", "2020-2021学年度社工实习总结"),
    ],
)
def test_strip_site_suffix(title, expected):
    assert strip_site_suffix(title) == expected


@pytest.mark.parametrize(
    ("text", "date"),
    [
        ("发布时间：2024-03-05", "2024-03-05"),
        ("2024年3月5日", "2024-03-05"),
        ("2024/03/05 09:30", "2024-03-05"),
        ("2024.3.5", "2024-03-05"),
        ("二〇二四年三月十五日", "2024-03-15"),
        ("2024-13-05", None),
        ("第12号", None),
    ],
)
def test_parse_date(text, date):
    assert parse_date(text) == date


@pytest.mark.parametrize(
    ("body", "field", "value"),
    [
        (f"<h1>关于开展工作的通知 民发[2020]1号</h1><p>{PARA}</p>", "doc_number", "民发[2020]1号"),
        (f"<p>民电【2017】29号</p><p>{PARA}</p>", "doc_number", "民电【2017】29号"),
        (f"<p>青民发〔2024〕12号</p><p>{PARA}</p>", "doc_number", "青民发〔2024〕12号"),
        (f"<div>发布日期：2024年3月5日 来源：青州市民政局</div><p>{PARA}</p>", "published_at", "2024-03-05"),
        (f"<div>发布日期：2024年3月5日 来源：青州市民政局</div><p>{PARA}</p>", "issuer", "青州市民政局"),
        (f"<p>{PARA}</p><p>岭南省社会工作协会</p><p>2020年5月26日</p>", "issuer", "岭南省社会工作协会"),
        (f"<p>{PARA}</p><p>岭南省社会工作协会</p><p>2020年5月26日</p>", "published_at", "2020-05-26"),
        (f'<div class="position">您的位置：首页 &gt; 新闻中心 &gt; 工作动态</div><p>{PARA}</p>', "column", "工作动态"),
        (f"<p>{PARA}</p>", "column", "通知公告"),  # the registry default
    ],
)
def test_meta_fields(body, field, value):
    root = parse_html(page(body))
    extracted = extract_content(root)
    meta = extract_meta(root, extracted.content, extracted.lines, "http://mzj.example/tzgg/a.html", "通知公告")
    assert getattr(meta, field) == value


def test_attachments_are_absolute_with_type():
    body = (
        f'<div><p>{PARA}</p><p>附件：<a href="../files/名单.xlsx">1.获奖名单.xlsx</a></p>'
        '<p><a href="/down?id=3">2.申报表.doc</a></p><p><a href="/tzgg/b.html">相关通知</a></p></div>'
    )
    root = parse_html(page(body))
    extracted = extract_content(root)
    meta = extract_meta(root, extracted.content, extracted.lines, "http://mzj.example/tzgg/a/b.html", None)
    assert meta.attachments == [
        {"name": "1.获奖名单.xlsx", "url": "http://mzj.example/tzgg/files/名单.xlsx", "type": "xls"},
        {"name": "2.申报表.doc", "url": "http://mzj.example/down?id=3", "type": "doc"},
    ]


def test_split_parts_pian_and_mismatch():
    lines = [
        "下面是小编整理的社区活动总结，供参考。",
        "1.社区活动总结 篇一",
        "社区组织社工开展活动总结交流会，社区居民积极参与。",
        "2.社区活动总结 篇二",
        "市交通运输局以灭鼠为重点的除害防病工作得到了全面开展。",
    ]
    parts = split_parts(lines, "社区活动总结(共2篇)")
    assert [p.index for p in parts] == [1, 2]
    assert parts[0].lines[0] == "1.社区活动总结 篇一"
    assert "part_title_mismatch" not in parts[0].flags
    assert "part_title_mismatch" in parts[1].flags
    assert all("下面是" not in ln for p in parts for ln in p.lines)


def test_split_parts_bracket_numbers():
    lines = [
        "2017年社工宣传周活动总结【1】",
        "宣传周活动总结内容一。",
        "2017年社工宣传周活动总结【2】",
        "宣传周活动总结内容二。",
    ]
    assert [p.index for p in split_parts(lines, "社工宣传周活动总结")] == [1, 2]


# Han ranges U+3400-4DBF, U+4E00-9FFF, U+F900-FAFF and their neighbours: Yijing symbols U+4DC0-4DFF share the
# high byte 0x4D with Han, ideographic punctuation, full-width forms, an astral ideograph (not counted: BMP only).
EDGES = "\u33ff\u3400\u4dbf\u4dc0\u4dff\u4e00\u9fff\ua000\uf8ff\uf900\ufaff\ufb00。，（）ＡＢ\U00020000"


@pytest.mark.parametrize("text", ["", "abc", EDGES, EDGES * 20, PARA * 3, "社工" + "x" * 100, "\U00020000" * 60])
def test_count_han_matches_the_regex_on_short_and_long_text(text):
    expected = len(re.findall("[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]", text))
    assert count_han(text) == expected
    assert count_han_many([text, "", text, "民政局"]) == [expected, 0, expected, 3]
    assert count_han_many(["a\x00社", "工"]) == [1, 1]  # a text holding the separator: counted one by one


@pytest.mark.parametrize(
    "headings",
    [
        ["1.社区活动总结 篇一", "2.社区活动总结 篇二"],  # pian_suffix
        ["社工宣传周活动总结【1】", "社工宣传周活动总结[2]"],  # bracket_number
        ["第一篇：社区活动总结", "第2篇 社区活动总结"],  # di_pian
        ["【社区国际社工日活动方案1】", "【社区国际社工日活动方案2】"],  # bracketed_title_number
    ],
)
def test_every_heading_style_splits(headings):
    lines = [" " + headings[0] + " ", PARA, headings[1], PARA]  # headings are matched stripped
    assert [p.index for p in split_parts(lines, "社区活动总结")] == [1, 2]


def test_script_text_is_not_read_as_a_label_and_stays_in_the_tree():
    root = parse_html(page(f"<script>var s = '来源：脚本单位';</script><div>来源：青州市民政局</div><p>{PARA}</p>"))
    facts = read_page_facts(root)
    assert "脚本单位" not in facts.page_text and "青州市民政局" in facts.page_text
    assert root.find(".//script").text == "var s = '来源：脚本单位';"


def test_normal_page_is_not_split():
    assert split_parts(["一、活动主题", PARA, "二、活动安排", PARA], "关于开展活动的通知") == []


GOLDEN = sorted((Path(__file__).parents[1] / "golden").glob("*.in.html"))


@pytest.mark.parametrize("path", GOLDEN, ids=lambda p: p.name.split(".")[0])
def test_facts_then_in_place_extraction_equal_copy_then_meta(path):
    """The pipeline reads the page facts first and then extracts in place: the same as copying."""
    from cleaning.decode.encoding import decode_bytes

    html = decode_bytes(path.read_bytes()).text
    url = "http://mzj.example/a/b.html"
    root = parse_html(html)
    copied = extract_content(root)
    expected = extract_meta(root, copied.content, copied.lines, url, "通知公告")
    root = parse_html(html)
    facts = read_page_facts(root)
    in_place = extract_content(root, in_place=True)
    got = extract_meta(root, in_place.content, in_place.lines, url, "通知公告", facts=facts)
    assert (in_place.lines, in_place.dropped) == (copied.lines, copied.dropped)
    assert got == expected
