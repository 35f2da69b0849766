"""Dedup evidence without page furniture: chrome-carrying copies join their notice, shared chrome merges nothing."""

from __future__ import annotations

import pytest

from cleaning.dedup.engine import DedupEngine
from cleaning.dedup.furniture import evidence_lines, furniture_shape
from cleaning.dedup.guards import guard_conflict
from cleaning.dedup.keys import dedup_key, fold_texts, strip_folded
from cleaning.dedup.signatures import DocInput

NOTICE = """青民发〔2024〕12号
各区县民政局：
为做好2024年城乡低保动态管理工作，切实保障困难群众基本生活，现将有关事项通知如下。
一、各地要在6月底前完成低保对象家庭经济状况复核，对不再符合条件的及时停发低保金，做到应退尽退。
二、要畅通困难群众求助渠道，对新申请对象在15个工作日内完成审核确认，确保应保尽保。
三、各区县民政局于7月10日前将复核情况报市民政局社会救助科，联系电话：0536-3221234。
特此通知。
青州市民政局
2024年5月20日"""

OTHER_SITE_HEAD = [
    "位置：网站首页 > 信息公开 > 文件通知",
    "发布日期：2025-01-06  来源：东港区民政局  【字体：大 中 小】",
]
OTHER_SITE_TAIL = [
    "相关链接：",
    "· 民政部关于做好2023年特困人员救助供养工作的通知",
    "· 关于印发《2022年社会组织年度检查办法》的通知（民发〔2022〕3号）",
    "· 东港区民政局关于公布2021年养老机构等级评定结果的公告",
    "【打印本页】【关闭窗口】",
    "主办单位：东港区民政局  承办单位：东港区民政局办公室",
    "地址：日照市东港区人民路278号  邮编：276800",
    "网站标识码：3711020001  鲁ICP备05063546号",
    "鲁公网安备 37110202000123号",
]


def with_chrome(text: str, head: list[str] = OTHER_SITE_HEAD, tail: list[str] = OTHER_SITE_TAIL) -> str:
    return "\n".join([*head, text, *tail])


def run(docs: list[DocInput]) -> dict[str, str]:
    engine = DedupEngine()
    return {a.id: a.cluster_id for a in engine.assign(docs, engine.new_index())}


def test_another_sites_chrome_is_no_evidence():
    copy = with_chrome(NOTICE)
    assert dedup_key(copy) == dedup_key(NOTICE), "every chrome line is dropped, every notice line kept"
    # without the furniture pass, the chrome would bring years (2025, 2023, 2022, 2021) and a 文号 of
    # another series: the year guard alone would keep the copy out
    engine = DedupEngine()
    raw = [strip_folded(fold_texts([t]))[0][0] for t in (copy, NOTICE)]
    assert raw[0] != raw[1]
    sig_copy, sig_notice = engine.signatures([DocInput("c", copy), DocInput("n", NOTICE)])
    assert guard_conflict(sig_copy.guards, sig_notice.guards) is None
    assert run([DocInput("n", NOTICE), DocInput("c", copy)]) == {"n": "n", "c": "n"}


def test_chrome_copy_of_a_repost_in_traditional_script_joins():
    from cleaning.text.script import get_converter

    tw_head = ["::: 目前位置：首頁 > 最新消息", "發布日期：2024-05-28  點閱次數：321"]
    tw_tail = [
        "相關連結",
        "‧ 民政部關於做好2023年特困人員救助供養工作的通知",
        "‧ 關於公布2021年養老機構等級評定結果的公告",
        "‧ 關於2022年度社會組織評估結果的公示",
        "版權所有 © 泉州市社會工作者協會  地址：泉州市中山路12號",
    ]
    copy = get_converter("s2t").convert(NOTICE).replace("，", ",")
    assert run([DocInput("n", NOTICE), DocInput("c", with_chrome(copy, tw_head, tw_tail))]) == {"n": "n", "c": "n"}


NEWS_A = """3月5日，东港区民政局召开养老服务工作推进会，局长王建国出席会议并讲话。
会议通报了2023年全区养老服务工作进展情况，石门街道等5个单位作了典型发言。
会议要求，各单位要压实工作责任、细化工作措施，确保按时保质完成年度目标任务。"""
NEWS_B = """3月12日，东港区民政局组织开展社会救助政策专题培训，邀请市委党校李华教授作专题辅导。
培训采取专题讲座和案例分析相结合的方式，126名基层工作人员参加培训。
会议要求，各单位要压实工作责任、细化工作措施，确保按时保质完成年度目标任务。"""


def test_two_notices_with_one_sites_chrome_never_merge():
    a, b = with_chrome(NEWS_A), with_chrome(NEWS_B)
    grams = [set(k[i : i + 5] for i in range(len(k) - 4)) for k in (strip_folded(fold_texts([a, b]))[0])]
    assert len(grams[0] & grams[1]) / len(grams[0] | grams[1]) > 0.5, "with their chrome they look alike"
    assert run([DocInput("a", a), DocInput("b", b), DocInput("a2", NEWS_A)]) == {"a": "a", "b": "b", "a2": "a"}


def payment(month: int, households: int, amount: str, day: int) -> str:
    return (
        f"根据城乡最低生活保障有关政策规定，现将2024年{month}月份城乡低保资金发放情况公告如下：\n"
        f"本月共保障城乡低保对象{households}户{households * 2 - 17}人，发放低保资金{amount}万元，"
        f"已于2024年{month}月{day}日通过“一卡通”发放到户。\n"
        "城市低保标准为每人每月780元，农村低保标准为每人每年7200元。\n"
        "如对发放情况有异议，请在公告之日起七个工作日内向所在乡镇（街道）反映。\n青州市民政局"
    )


def test_family_editions_that_differ_only_in_figures_stay_apart():
    march, april = payment(3, 2149, "742.97", 19), payment(4, 2210, "761.05", 18)
    repost = with_chrome(march.replace("，", ","))
    clusters = run([DocInput("m", march), DocInput("a", april), DocInput("r", repost)])
    assert clusters == {"m": "m", "a": "a", "r": "m"}
    sig_m, sig_a = DedupEngine().signatures([DocInput("m", march), DocInput("a", april)])
    assert guard_conflict(sig_m.guards, sig_a.guards) == "figures"


@pytest.mark.parametrize(
    "line,shape",
    [
        ("位置：网站首页 > 信息公开 > 文件通知", "trail"),
        ("首页>>政策文件>>部门文件", "trail"),
        ("首页 | 机构概况 | 政务公开 | 办事服务 | 互动交流", "link_bar"),
        ("申请人提出申请，经村委会 > 乡镇 > 县民政局审核。", None),  # a sentence
        ("2024/03/05", None),  # a date, no trail
        ("网站地图", None),
    ],
)
def test_furniture_shapes(line, shape):
    assert furniture_shape(line) == shape


def test_body_lines_that_mention_chrome_words_stay():
    text = (
        "各有关单位：\n本次活动由市民政局主办，市社会工作协会承办单位负责具体组织实施，请各单位按时报名参加。\n"
        "活动时间为2024年6月1日上午9时，活动地点在市民政局三楼会议室，联系人：李明，电话：0536-3221234。\n"
        "特此通知。\n青州市民政局\n2024年5月20日"
    )
    assert evidence_lines(text) == text.split("\n")
