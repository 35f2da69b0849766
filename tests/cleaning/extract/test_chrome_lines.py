"""Chrome lines as data: the families of controls, credits and promos real detail templates print around
an article are dropped from the text, and the real content that shares their words survives."""

from __future__ import annotations

import pytest

from cleaning.extract.lines import chrome_rule, editor_credits, editor_line, filter_lines

PARA = "为进一步弘扬社会工作专业精神，提升社会工作的社会认同，营造社会工作事业发展的良好氛围，现将有关事项通知如下。"
TEXT = [PARA] * 6


def dropped_in_text(line: str, where: str) -> bool:
    """Return True when filter_lines drops line set in a notice's text (at the head, middle or tail)."""
    at = {"head": 0, "middle": 3, "tail": len(TEXT)}[where]
    lines = [*TEXT[:at], line, *TEXT[at:]]
    kept, _ = filter_lines(lines)
    assert kept.count(PARA) == len(TEXT), "the text itself must stay"
    return line not in kept


CHROME = [
    # font-size controls
    ("【字体：大 中 小】", "head"),
    ("字号：大 中 小", "head"),
    ("【 字 体：大 中 小 】", "head"),
    ("字号：T | T", "middle"),
    ("字体大小：默认 超大", "tail"),
    ("调整字体：大 中 小", "head"),
    ("放大 正常 缩小", "middle"),
    ("【大 中 小】", "head"),
    ("[大] [中] [小]", "tail"),
    ("A+ A A-", "head"),
    # print / close and the buttons beside them
    ("【打印本稿】 【关闭】", "tail"),
    ("【打印本页】【关闭窗口】", "tail"),
    ("[打印] [关闭]", "middle"),
    ("打印本页 | 关闭窗口", "tail"),
    ("【我要打印】【关闭】", "tail"),
    ("【收藏】【纠错】【打印】", "tail"),
    ("打印 | 关闭", "tail"),
    ("【打印此页】【返回顶部】", "tail"),
    # editor and reviewer lines, anywhere
    ("责任编辑：王岚", "tail"),
    ("（责任编辑：王岚）", "middle"),
    ("[责任编辑:杨帆]", "tail"),
    ("编辑：小何", "middle"),
    ("审核：刘洋", "tail"),
    ("校对：陈静", "tail"),
    ("编辑：王某  审核：李某", "tail"),
    ("初审：张华 复审：李明 终审：张华", "tail"),
    ("责任编辑：李曦_NN2587", "tail"),
    ("（编辑：小何）返回搜狐，查看更多", "tail"),
    # promos and galleries
    ("点击进入专题>>", "tail"),
    ("更多新闻>>", "middle"),
    ("查看更多>>", "tail"),
    ("【更多】", "tail"),
    ("打开APP阅读全文", "middle"),
    ("图集", "head"),
    ("【高清图集】", "middle"),
    ("点击图片进入下一页", "middle"),
    # players' messages
    ("很抱歉，当前视频播放失败", "head"),
    ("时长：01:45建议WIFI下打开", "head"),
    ("语音播报文章，释放双眼", "head"),
    # comment controls and forum chrome
    ("网友评论（12）", "tail"),
    ("已有32条评论", "tail"),
    ("文明上网，理性发言", "tail"),
    ("回复 引用 举报", "middle"),
    ("赞(12) 回复", "middle"),
    ("楼主 发表于 2024-05-11 12:30 | 只看该作者", "head"),
    ("本帖最后由 老李头 于 2024-5-1 12:00 编辑", "head"),
    ("查看: 1234 | 回复: 56", "head"),
    # a labelled disclaimer, a sentence itself
    ("平台声明：该文观点仅代表作者本人，搜狐号系信息发布平台，搜狐仅提供信息存储空间服务。", "tail"),
]


@pytest.mark.parametrize(("line", "where"), CHROME)
def test_chrome_line_is_dropped(line, where):
    assert dropped_in_text(line, where)


CONTENT = [
    # anchor words inside real sentences act only on short lines or at the head and tail
    (
        "本次集中宣传的承办单位由各镇（街道）民政办确定，报市民政局备案，各单位要按照要求认真组织实施相关工作。",
        "middle",
    ),
    ("各单位要认真审核申报材料，对弄虚作假的，一经查实取消评选资格，并在全市范围内予以通报。", "middle"),
    ("请各区县民政局于5月10日前将汇总表报送市局，编辑部将择优刊发优秀案例。", "middle"),
    ("活动由市民政局主办，市社会工作协会承办，各社区社会组织协办，欢迎广大居民积极参与。", "tail"),
    ("更多的社区居民参与到志愿服务中来，邻里互助氛围日益浓厚。", "middle"),
    ("大中小学校要结合实际开展社会工作主题宣传教育活动。", "middle"),
    ("一、提高认识，加强组织领导", "middle"),
    ("联系人：张三，联系电话：0536-3221234。", "tail"),
]


@pytest.mark.parametrize(("line", "where"), CONTENT)
def test_content_sharing_chrome_words_stays(line, where):
    assert not dropped_in_text(line, where)


def test_related_heading_does_not_cut_the_sentences_under_it():
    items = [f"第{i}条：{PARA}" for i in range(1, 6)]
    kept, dropped = filter_lines([PARA, PARA, "推荐阅读：以下5条", *items])
    assert kept[-5:] == items
    links = ["关于做好春节走访慰问工作的通知", "某某新闻标题一", "某某新闻标题二"]
    kept, dropped = filter_lines([*TEXT, "推荐阅读", *links])
    assert kept == TEXT and dropped["related"] == 4


@pytest.mark.parametrize(
    ("line", "credits"),
    [
        ("责任编辑：王岚", [("责任编辑", "王岚")]),
        ("（编辑：小何）", [("编辑", "小何")]),
        ("【编辑：陈静】", [("编辑", "陈静")]),
        ("编辑：王某  审核：李某", [("编辑", "王某"), ("审核", "李某")]),
        ("初审：张华 复审：李明 终审：赵磊", [("初审", "张华"), ("复审", "李明"), ("终审", "赵磊")]),
        ("责任编辑：", [("责任编辑", "")]),
        ("编辑部地址：北京市东城区", []),
        ("审核：各单位要认真审核。", []),
        ("主办单位：青州市民政局", []),
    ],
)
def test_editor_credits(line, credits):
    assert editor_credits(line) == credits
    assert editor_line(line) == (credits[0] if credits else None)


def test_chrome_rule_names_short_lines_only():
    assert chrome_rule("发布时间：2024-03-05 来源：青州市民政局") == "info_line"
    assert chrome_rule("【打印本稿】") == "print_close"
    assert chrome_rule(PARA) is None


def test_anchored_rules_by_first_character_match_as_the_joined_rules():
    import re

    from cleaning.extract.line_rules import LINE_RULES
    from cleaning.extract.lines import AnchoredRules

    patterns = [p.pattern for _, p, _ in LINE_RULES if p.pattern.startswith("^")]
    joined = re.compile("|".join(f"(?:{p})" for p in patterns))
    by_first = AnchoredRules(patterns)
    lines = [line for line, _ in CHROME + CONTENT] + [
        PARA,
        "",
        "  当前位置：首页",
        "\u3000【打印】",
        "2024-05-20 06:48",
    ]
    lines += ["  " + line for line in lines] + ["\t" + line for line in lines]
    assert [bool(joined.match(x)) for x in lines] == [bool(by_first.match(x)) for x in lines]
    assert any(by_first.match(x) for x in lines)


def test_first_characters_of_a_rule():
    from cleaning.extract.lines import _first_chars

    assert _first_chars(r"^\s*(上一篇|下一篇)") == frozenset("上下")
    assert _first_chars(r"^\s*[\[【]?\s*(打印|关闭)") == frozenset("[【打关")
    assert _first_chars(r"^\s+\d+") == frozenset("0123456789")
    assert _first_chars(r"^.{0,3}通知") is None  # any character may start it: tried on every line
