# Chinese phrase tables keep whole sentences on one line (ruff counts each CJK character as two columns).
# ruff: noqa: E501
"""The chrome class of the dedup benchmark: copies carrying another site's page chrome, and its hard negatives.

Every text is written for this benchmark. A copy arriving through another site carries that site's chrome
around the notice: a breadcrumb line, a meta line (date, source, views, font-size widget), a block of related
links listing titles of other notices, and a footer (主办单位, 地址, 邮编, 网站标识码, ICP备, 公网安备, print and
close widgets). Hard negatives: different short news items published by one site with the same chrome (they
must never merge), and notice families whose editions differ only in names, dates, figures and 文号 (公示 of
appointments, monthly payment notices).

``SITE_STYLES`` are the chrome styles tuned on (``DEV``); ``HELDOUT_STYLES`` were written with them, before any
tuning, and are never looked at while tuning: the benchmark reports both parts (``chrome_style``,
``chrome_heldout`` on each copy).
"""

from __future__ import annotations

import random
from dataclasses import dataclass

# (site name, province abbreviation for ICP/公网安备, city) of the sites copies come through.
CHROME_SITES: list[tuple[str, str, str]] = [
    ("青州市民政局", "鲁", "青州市"),
    ("东港区民政局", "鲁", "日照市"),
    ("江门市民政局", "粤", "江门市"),
    ("余杭区民政局", "浙", "杭州市"),
    ("宜昌市民政局", "鄂", "宜昌市"),
    ("绵阳市民政局", "川", "绵阳市"),
    ("铜仁市社会工作协会", "黔", "铜仁市"),
    ("洛阳市民政局", "豫", "洛阳市"),
    ("赣州市民政局", "赣", "赣州市"),
    ("天水市民政局", "甘", "天水市"),
    ("玉林市民政局", "桂", "玉林市"),
    ("泉州市社会工作者协会", "闽", "泉州市"),
]
EDITORS = "王岚 李明 张磊 刘洋 陈静 杨帆 赵敏 黄涛 周婷 吴昊".split()
COMPANIES = ["拓尔思信息技术股份有限公司", "南威软件股份有限公司", "开普云信息科技股份有限公司", "本站信息中心"]
SECTIONS = ["信息公开", "政务公开", "新闻中心", "通知公告", "政策文件", "工作动态", "民政要闻", "公示公告"]
LEAVES = ["文件通知", "通知公告", "工作动态", "部门文件", "政策解读", "公示公告", "基层动态"]


@dataclass(frozen=True)
class ChromeSite:
    """One site's chrome facts, fixed for all its pages (footer numbers, sections)."""

    name: str
    province: str
    city: str
    icp: int
    beian: int
    code: str
    zipcode: str
    street: int
    section: str
    leaf: str
    editor: str
    company: str


def chrome_site(rng: random.Random, k: int) -> ChromeSite:
    """Return the k-th copying site with its footer numbers and sections."""
    name, province, city = CHROME_SITES[k % len(CHROME_SITES)]
    return ChromeSite(
        name,
        province,
        city,
        rng.randint(10_000_000, 99_999_999),
        rng.randint(10_000_000_000_000, 99_999_999_999_999),
        str(rng.randint(1_000_000_000, 9_999_999_999)),
        str(rng.randint(100_000, 899_999)),
        rng.randint(1, 399),
        rng.choice(SECTIONS),
        rng.choice(LEAVES),
        rng.choice(EDITORS),
        rng.choice(COMPANIES),
    )


def _date(rng: random.Random, year: int) -> str:
    return f"{year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"


# -- chrome styles: head lines, meta line, related block, footer lines ---------------------------------------
# Each style is a function (site, rng, year, related titles) -> (head lines, tail lines).


def style_gov_a(s: ChromeSite, rng: random.Random, year: int, related: list[str]) -> tuple[list[str], list[str]]:
    """A county bureau's CMS: 位置 breadcrumb, 发布日期 meta with the font widget, 相关链接, a full footer."""
    head = [
        f"位置：网站首页 > {s.section} > {s.leaf}",
        f"发布日期：{_date(rng, year)}  来源：{s.name}  【字体：大 中 小】",
    ]
    tail = ["相关链接："] + [f"· {t}" for t in related]
    tail += [
        "【打印本页】【关闭窗口】",
        f"主办单位：{s.name}  承办单位：{s.name}办公室",
        f"地址：{s.city}人民路{s.street}号  邮编：{s.zipcode}",
        f"网站标识码：{s.code}  {s.province}ICP备{s.icp}号",
        f"{s.province}公网安备 {s.beian}号",
    ]
    return head, tail


def style_gov_b(s: ChromeSite, rng: random.Random, year: int, related: list[str]) -> tuple[list[str], list[str]]:
    """当前位置 with >>, 时间/作者/点击数 meta, 相关文章 with dates, copyright and tech-support footer."""
    head = [
        f"当前位置：首页 >> {s.section} >> {s.leaf}",
        f"时间：{_date(rng, year)}  作者：{s.editor}  点击数：{rng.randint(20, 9000)}",
    ]
    tail = ["相关文章"] + [f"{t}（{_date(rng, year)}）" for t in related]
    tail += [
        f"版权所有：{s.name}  Copyright © 2016-{year} All Rights Reserved",
        f"技术支持：{s.company}",
        "扫一扫在手机打开当前页",
    ]
    return head, tail


def style_news(s: ChromeSite, rng: random.Random, year: int, related: list[str]) -> tuple[list[str], list[str]]:
    """A news portal: bare 首页 > trail, date-time-source-editor meta, 推荐阅读, share and editor lines."""
    head = [
        f"首页 > {s.section} > {s.leaf}",
        f"{_date(rng, year)} {rng.randint(8, 18):02d}:{rng.randint(0, 59):02d}  来源：{s.name}  责任编辑：{s.editor}",
    ]
    tail = [f"【责任编辑：{s.editor}】", "分享到：微信 微博 QQ空间", "推荐阅读"] + related
    tail += ["网站地图 | 联系我们 | 隐私声明", f"{s.province}ICP备{s.icp}号-1"]
    return head, tail


def style_tw(s: ChromeSite, rng: random.Random, year: int, related: list[str]) -> tuple[list[str], list[str]]:
    """An association site in traditional script: 目前位置, 發布日期/點閱次數, 相關連結, 版權所有."""
    head = [f"::: 目前位置：首頁 > {s.leaf}", f"發布日期：{_date(rng, year)}  點閱次數：{rng.randint(5, 3000)}"]
    tail = ["相關連結"] + [f"‧ {t}" for t in related]
    tail += [f"版權所有 © {s.name}  地址：{s.city}中山路{s.street}號  電話：(0{rng.randint(2, 8)}) 2345-6789"]
    return head, tail


def style_gov_c(s: ChromeSite, rng: random.Random, year: int, related: list[str]) -> tuple[list[str], list[str]]:
    """A nav menu, 您现在的位置, 信息来源/发布时间/浏览次数, 上一篇/下一篇, 主办/承办 footer."""
    head = [
        "首页 | 机构概况 | 政务公开 | 办事服务 | 互动交流",
        f"您现在的位置：首页 > {s.leaf}",
        f"信息来源：{s.name}  发布时间：{_date(rng, year)}  浏览次数：{rng.randint(10, 5000)}",
    ]
    tail = [f"上一篇：{related[0]}", f"下一篇：{related[-1]}"]
    tail += [f"主办单位：{s.name}  技术支持：{s.company}", f"网站标识码：{s.code}  {s.province}ICP备{s.icp}号"]
    return head, tail


# Held out: written with the styles above, before any tuning; never looked at while tuning.
def style_held_a(s: ChromeSite, rng: random.Random, year: int, related: list[str]) -> tuple[list[str], list[str]]:
    """所在位置 with », bracketed meta fields, 【相关文章】, English copyright, 备案号 and contact footer."""
    head = [
        f"所在位置：首页 » {s.section} » {s.leaf}",
        f"【发布单位：{s.name}】【发布时间：{_date(rng, year)}】【阅读次数：{rng.randint(30, 8000)}】",
    ]
    tail = ["【相关文章】"] + [f"◆ {t}" for t in related]
    tail += [
        f"Copyright © {year} {s.name} All Rights Reserved",
        f"备案号：{s.province}ICP备{s.icp}号  {s.province}公网安备{s.beian}号",
        f"地址：{s.city}建设路{s.street}号  电话：0{rng.randint(300, 999)}-{rng.randint(1000000, 9999999)}  传真：0"
        f"{rng.randint(300, 999)}-{rng.randint(1000000, 9999999)}",
    ]
    return head, tail


def style_held_b(s: ChromeSite, rng: random.Random, year: int, related: list[str]) -> tuple[list[str], list[str]]:
    """当前栏目 label, 日期 + 字号 [大][中][小] + 打印 关闭 meta, 相关信息, 网站主办/网站维护 footer."""
    head = [f"当前栏目：{s.leaf}", f"日期：{_date(rng, year)}   字号：[大] [中] [小]   打印   关闭"]
    tail = ["相关信息："] + related
    tail += [
        f"网站主办：{s.name}  网站维护：{s.name}信息中心",
        f"{s.province}ICP备{s.icp}号-2  {s.province}公网安备 {s.beian}号  网站标识码：{s.code}",
    ]
    return head, tail


def style_held_c(s: ChromeSite, rng: random.Random, year: int, related: list[str]) -> tuple[list[str], list[str]]:
    """首页>> trail without spaces, 来源/作者/发布于 meta, 延伸阅读, links-bar and 联系电话 footer."""
    head = [f"首页>>{s.section}>>{s.leaf}", f"来源：{s.name}    作者：{s.editor}    发布于：{_date(rng, year)}"]
    tail = ["延伸阅读"] + [f"> {t}" for t in related]
    tail += [
        "联系我们 | 网站声明 | 网站地图 | 返回顶部",
        f"联系电话：0{rng.randint(300, 999)}-{rng.randint(1000000, 9999999)}  邮编：{s.zipcode}",
        f"{s.name} 版权所有  {s.province}ICP备{s.icp}号",
    ]
    return head, tail


SITE_STYLES = {
    "gov_a": style_gov_a,
    "gov_b": style_gov_b,
    "news": style_news,
    "tw": style_tw,
    "gov_c": style_gov_c,
}
HELDOUT_STYLES = {"held_a": style_held_a, "held_b": style_held_b, "held_c": style_held_c}
ALL_STYLES = {**SITE_STYLES, **HELDOUT_STYLES}


def wrap(text: str, head: list[str], tail: list[str], title: str | None = None) -> str:
    """Return text with chrome lines around it (and the page title first, as extracted pages often have)."""
    return "\n".join([*([title] if title else []), *head, text, *tail])


# -- hard negatives: news items on one site, and families differing in names, dates, figures and 文号 ---------
NEWS_OPENINGS = [
    "{m}月{d}日，{site}召开{topic}工作推进会，{leader}出席会议并讲话，{dept}、各县（市、区）民政局负责同志参加会议。",
    "{m}月{d}日上午，{site}组织开展{topic}专题培训，邀请{expert}作专题辅导，{k}名基层工作人员参加培训。",
    "近日，{site}联合{dept}深入{place}开展{topic}督导检查，{leader}带队实地查看{k}个服务点位。",
    "为进一步做好{topic}工作，{m}月{d}日，{site}在{place}举办现场观摩活动，{k}个单位作交流发言。",
    "{m}月{d}日，{leader}到{place}调研{topic}工作，详细了解{who}生活情况和政策落实情况。",
    "日前，{site}印发《{topic}工作实施方案》，明确{year}年{k}项重点任务和{n}个具体指标。",
]
NEWS_BODIES = [
    "{leader}指出，{topic}关系群众切身利益，要{measure}，推动各项政策落地见效。",
    "活动现场，工作人员向群众发放宣传资料{n}余份，现场解答政策咨询{k}人次，受理{topic}申请{k2}件。",
    "检查组先后走访了{place}{k}个村（社区）和{n}户{who}家庭，对发现的{k2}个问题当场反馈整改意见。",
    "今年以来，{site}累计投入资金{n}万元，新建{topic}服务站点{k}个，惠及{who}{n2}人。",
    "{expert}结合典型案例，围绕{topic}政策解读、业务流程和风险防范进行了深入讲解。",
    "会议通报了{year}年上半年{topic}工作进展情况，{place}等{k}个单位作了典型发言。",
    "调研中，{leader}与{who}代表亲切交谈，并为{k}户困难家庭送去慰问金和生活物资。",
    "下一步，{site}将{measure}，确保{topic}工作在{m2}月底前取得阶段性成效。",
    "截至{m}月底，{place}已完成{topic}信息核查{n}户，动态调整{k2}户，核查准确率达{p}%。",
    "会议要求，各地要{measure}，对排查发现的问题建立台账、限期整改、逐项销号。",
]
NEWS_MEASURES = [
    "压实工作责任、细化工作措施",
    "强化部门协同、加强督促指导",
    "健全长效机制、提升服务能力",
    "聚焦重点群体、做到应保尽保",
    "加强宣传引导、营造良好氛围",
    "运用信息化手段、提高精准度",
]
NEWS_WHO = ["困难群众", "独居老人", "困境儿童", "残疾人", "低保对象", "特困人员"]
NEWS_LEADERS = ["局长", "党组书记、局长", "副局长", "二级调研员", "党组成员、副局长"]
# Counties issuing monthly payment notices (a family per county and year).
COUNTIES = [f"{a}{b}{c}" for a in "东西南北中" for b in "山河湖江城林" for c in ("县", "区", "市")]
NEWS_TOPICS = ["养老服务", "社会救助", "儿童福利", "殡葬改革", "社区治理", "婚姻登记", "慈善捐赠", "社会组织管理"]
NEWS_PLACES = ["城东街道", "白沙镇", "新城社区", "河口乡", "高新区", "老城区"]
NEWS_DEPTS = ["财政局", "卫健局", "残联", "团市委", "妇联"]
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕"
GIVEN = "建国丽华志强秀英海燕晓东春梅文博嘉怡子涵宇轩雨桐浩然思远明辉静怡俊杰婉清立新红霞"


def person(rng: random.Random) -> str:
    """Return a two- or three-character name."""
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2))))


def news_item(rng: random.Random, site: str, year: int) -> tuple[str, str]:
    """Return (title, text) of a short news item (工作动态) of a site: 150-350 characters."""
    fill = {
        "m": rng.randint(1, 11),
        "m2": rng.randint(6, 12),
        "d": rng.randint(1, 28),
        "year": year,
        "site": site,
        "topic": rng.choice(NEWS_TOPICS),
        "dept": rng.choice(NEWS_DEPTS),
        "place": rng.choice(NEWS_PLACES),
        "who": rng.choice(NEWS_WHO),
        "leader": f"{rng.choice(NEWS_LEADERS)}{person(rng)}",
        "expert": f"{rng.choice(['省民政厅', '市委党校', '市社工协会'])}{person(rng)}{rng.choice(['处长', '教授', '会长'])}",
        "measure": rng.choice(NEWS_MEASURES),
        "n": rng.randint(100, 3000),
        "n2": rng.randint(200, 9000),
        "k": rng.randint(3, 60),
        "k2": rng.randint(2, 40),
        "p": rng.randint(90, 99),
    }
    paras = [rng.choice(NEWS_OPENINGS).format(**fill)]
    paras += [b.format(**fill) for b in rng.sample(NEWS_BODIES, rng.randint(2, 4))]
    verb, kind = rng.choice(["召开", "开展", "推进", "部署"]), rng.choice(["工作", "专项行动", "督导检查"])
    return f"{site}{verb}{fill['topic']}{kind}", "\n".join(paras)


def appointment_notice(rng: random.Random, issuer: str, prefix: str | None, year: int) -> tuple[str, str]:
    """Return (title, text) of a 任前公示 of 2-4 people: editions differ only in names, dates and 文号."""
    people = [person(rng) for _ in range(rng.randint(2, 4))]
    m, d = rng.randint(1, 11), rng.randint(1, 20)
    lines = [f"{prefix}〔{year}〕{rng.randint(1, 90)}号"] if prefix else []
    lines.append(f"根据干部选拔任用工作有关规定，经{issuer}党组研究，拟提拔任用以下同志，现予以公示。")
    for k, name in enumerate(people, start=1):
        lines.append(
            f"{k}. {name}，男，汉族，{rng.randint(1970, 1990)}年{rng.randint(1, 12)}月生，中共党员，大学学历，"
            f"现任{issuer}{rng.choice(['社会救助科', '养老服务科', '社会事务科', '办公室'])}科员，拟任副科长。"
        )
    lines.append(
        f"公示期为{year}年{m}月{d}日至{year}年{m}月{d + 6}日。公示期间，如对公示对象有不同意见，可通过来信、"
        f"来电、来访等方式向{issuer}机关党委反映。联系电话：0{rng.randint(300, 999)}-{rng.randint(1000000, 9999999)}。"
    )
    lines += [issuer, f"{year}年{m}月{d}日"]
    return f"{issuer}关于{'、'.join(people)}等同志任前公示", "\n".join(lines)


def payment_notice(rng: random.Random, issuer: str, year: int, month: int) -> tuple[str, str]:
    """Return (title, text) of a monthly 低保金发放公告: editions differ in the month, dates and figures."""
    households, people = rng.randint(800, 9000), rng.randint(1500, 16000)
    lines = [
        f"根据城乡最低生活保障有关政策规定，现将{year}年{month}月份城乡低保资金发放情况公告如下：",
        f"本月共保障城乡低保对象{households}户{people}人，发放低保资金{rng.randint(100, 990)}.{rng.randint(10, 99)}万元，"
        f"已于{year}年{month}月{rng.randint(5, 25)}日通过“一卡通”发放到户。",
        "城市低保标准为每人每月780元，农村低保标准为每人每年7200元。",
        "如对发放情况有异议，请在公告之日起七个工作日内向所在乡镇（街道）或县民政局反映。",
        f"监督电话：0{rng.randint(300, 999)}-{rng.randint(1000000, 9999999)}。",
        issuer,
        f"{year}年{month}月{rng.randint(26, 28)}日",
    ]
    return f"{issuer}{year}年{month}月份城乡低保资金发放公告", "\n".join(lines)
