"""A seeded repost benchmark: civil-affairs notices, their reposts, year editions and content-farm splices.

Every text here is written for this benchmark (templates and phrase pools below), nothing is scraped.
Ground truth: ``label`` names the notice (family + year edition); documents with the same label are
reposts of one notice and must cluster together; a different label must never merge, in particular
the same family in another year (another 文号). Splices get a label of their own and list the labels
they hold in ``contains``.

    python -m bench.dedup.generate --docs 10000 --seed 1 > bench.jsonl
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field

from bench.dedup import chrome
from cleaning.text.script import get_converter

# (topic, what is managed, who is served) -- the family's subject.
TOPICS: list[tuple[str, str, str]] = [
    ("养老服务质量提升", "养老机构", "老年人"),
    ("社会组织年度检查", "社会组织", "登记管理机关"),
    ("城乡低保动态管理", "低保对象", "困难群众"),
    ("特困人员救助供养", "供养服务机构", "特困人员"),
    ("流浪乞讨人员救助", "救助管理站", "流浪乞讨人员"),
    ("儿童福利机构规范化建设", "儿童福利机构", "孤残儿童"),
    ("农村留守儿童关爱保护", "儿童督导员", "留守儿童"),
    ("婚姻登记窗口服务", "婚姻登记机关", "当事人"),
    ("殡葬领域突出问题整治", "殡葬服务机构", "群众"),
    ("慈善组织信息公开", "慈善组织", "捐赠人"),
    ("社会工作人才队伍建设", "社会工作服务站", "社会工作者"),
    ("志愿服务记录管理", "志愿服务组织", "志愿者"),
    ("行政区划和地名管理", "地名标志", "基层群众"),
    ("困难残疾人生活补贴", "补贴资金", "残疾人"),
    ("临时救助工作", "乡镇街道", "急难对象"),
    ("居家社区养老服务", "社区养老服务中心", "居家老年人"),
    ("城乡社区治理", "村（居）民委员会", "社区居民"),
    ("福利彩票公益金使用", "公益金项目", "受助群体"),
    ("养老机构消防安全", "养老院", "入住老人"),
    ("未成年人保护工作站建设", "未成年人保护工作站", "困境儿童"),
    ("精神障碍社区康复服务", "康复服务机构", "精神障碍患者"),
    ("退役人员社会福利", "福利服务设施", "服务对象"),
    ("民政统计数据质量", "统计报表", "基层统计人员"),
    ("防汛救灾期间民政服务", "救灾物资储备库", "受灾群众"),
]
ISSUERS: list[tuple[str, str, str]] = [  # (issuer, 文号 prefix, authority site id)
    ("民政部", "民发", "mca"),
    ("民政部办公厅", "民办发", "mca"),
    ("民政部", "民函", "mca"),
    ("全国老龄工作委员会办公室", "全国老龄办发", "cncaprc"),
    ("中国残疾人联合会", "残联发", "cdpf"),
]
PROVINCES: list[tuple[str, str]] = [
    ("河北省", "冀民"),
    ("山西省", "晋民"),
    ("辽宁省", "辽民"),
    ("吉林省", "吉民"),
    ("江苏省", "苏民"),
    ("浙江省", "浙民"),
    ("安徽省", "皖民"),
    ("福建省", "闽民"),
    ("江西省", "赣民"),
    ("山东省", "鲁民"),
    ("河南省", "豫民"),
    ("湖北省", "鄂民"),
    ("湖南省", "湘民"),
    ("广东省", "粤民"),
    ("海南省", "琼民"),
    ("四川省", "川民"),
    ("贵州省", "黔民"),
    ("云南省", "云民"),
    ("陕西省", "陕民"),
    ("甘肃省", "甘民"),
    ("青海省", "青民"),
    ("广西壮族自治区", "桂民"),
    ("宁夏回族自治区", "宁民"),
    ("青州市", "青州民"),
]
ACTIONS = ["开展", "做好", "推进", "加强", "深化", "组织实施", "进一步规范", "全面落实"]
SUFFIXES = ["专项行动", "工作", "试点工作", "集中排查", "示范创建活动", "规范提升行动", "督导检查"]
MEASURES = [
    "建立健全工作台账",
    "开展拉网式排查",
    "完善信息比对机制",
    "强化部门协同联动",
    "落实属地管理责任",
    "加强资金绩效管理",
    "推行服务事项清单",
    "开展第三方评估",
    "完善投诉举报渠道",
    "加强基层能力建设",
    "健全常态化监测预警",
    "推动数据共享应用",
    "开展业务骨干培训",
    "加大政府购买服务力度",
    "实行分类分级管理",
    "建立定期回访制度",
    "压实主体责任",
    "健全督查通报机制",
    "推进标准化建设",
    "强化典型示范引领",
]
GOALS = [
    "切实保障{who}基本权益",
    "不断提升{obj}服务质量",
    "确保各项政策落地见效",
    "守住民生保障底线",
    "形成可复制可推广的经验",
    "推动工作制度化规范化",
    "有效防范化解风险隐患",
    "增强群众获得感幸福感安全感",
    "实现应保尽保、应救尽救",
    "提高精准管理水平",
]
PLACES = ["城乡结合部", "偏远农村地区", "城市老旧小区", "易地扶贫搬迁安置点", "边境地区", "革命老区", "脱贫地区"]
DEPTS = ["财政部门", "卫生健康部门", "公安机关", "教育部门", "人力资源社会保障部门", "应急管理部门", "市场监管部门"]
SENTENCES = [
    "各地要围绕{topic}的目标任务，{m1}，{m2}，{g1}。",
    "要把{topic}作为重要民生工程，纳入本地区经济社会发展规划，{m1}。",
    "县级民政部门要对辖区内{obj}逐一摸底，重点关注{place}，{m2}，做到底数清、情况明。",
    "要会同{dept}、{dept2}等部门，{m1}，及时研究解决{obj}运行中的突出问题。",
    "对排查发现的问题，要建立问题清单、整改清单和责任清单，明确整改时限，{m2}，{g1}。",
    "截至{year}年底，全国{obj}数量达到{n1}个，较上年增长{p1}%，但仍存在区域发展不平衡等问题。",
    "各省级民政部门要在{year}年{mon}月底前完成本地区{topic}实施方案的制定工作，并报民政部备案。",
    "要严格落实{obj}安全管理责任，{m1}，对存在重大隐患的一律停业整改，{g2}。",
    "要畅通{who}反映诉求渠道，{m2}，对群众反映的问题做到件件有着落、事事有回音。",
    "鼓励有条件的地区探索{topic}新模式，{m1}，{g2}。",
    "中央财政安排补助资金{n2}亿元，地方各级财政要按规定落实配套资金，{m2}。",
    "要加强对{obj}工作人员的业务培训，{year}年内培训人次不少于{n3}人次，{g1}。",
    "要充分运用信息化手段，依托全国民政信息系统，{m1}，实现{who}信息动态更新。",
    "各地要加大宣传力度，通过多种形式宣传{topic}的政策措施，{g2}。",
    "民政部将适时组织督导检查，对工作推进不力、问题突出的地区予以通报，{m2}。",
    "要坚持问题导向，聚焦{who}急难愁盼问题，{m1}，{g1}。",
    "要规范{obj}审批和备案程序，{m2}，严禁擅自提高或降低保障标准。",
    "各地要将{topic}经费纳入年度预算，{m1}，确保资金专款专用、安全高效。",
    "要发挥社会组织和社会工作者作用，{m2}，为{who}提供专业化、个性化服务。",
    "对在{topic}中表现突出的单位和个人，按照有关规定给予表扬，{g2}。",
]
SECTION_HEADS = ["一、总体要求", "二、主要任务", "三、保障措施", "四、工作要求", "五、时间安排"]
BOILERPLATE_HEAD = [
    "首页 > 通知公告 > 正文",
    "当前位置：首页 > 政务公开 > 通知公告",
    "发布时间：{date}  来源：{site}  浏览次数：{n}",
    "【字体：大 中 小】 【打印】",
    "您现在的位置：首页 >> 政策文件",
]
BOILERPLATE_TAIL = [
    "【打印本页】【关闭窗口】",
    "上一篇：关于公布第{n}批社区养老服务示范单位名单的通知",
    "下一篇：{site}召开专题会议部署近期工作",
    "扫一扫在手机打开当前页",
    "分享到：微信 微博 QQ空间",
    "主办单位：{site}  技术支持：信息中心",
]
PUNCT_SWAPS = [
    ("，", ","),
    ("；", ";"),
    ("：", ":"),
    ("（", "("),
    ("）", ")"),
    ("。", "."),
    ("、", ","),
    ("“", '"'),
    ("”", '"'),
]


@dataclass
class Notice:
    label: str
    title: str
    doc_number: str
    issuer: str
    site: str
    published: tuple[int, int, int]
    paragraphs: list[str]
    year: int
    docs: list[dict] = field(default_factory=list)


def _fill(rng: random.Random, template: str, topic: tuple[str, str, str], year: int, picks: dict) -> str:
    name, obj, who = topic
    values = {
        "topic": name,
        "obj": obj,
        "who": who,
        "year": year - 1 if "截至" in template else year,
        "m1": picks["m1"],
        "m2": picks["m2"],
        "g1": picks["g1"].format(who=who, obj=obj),
        "g2": picks["g2"].format(who=who, obj=obj),
        "place": picks["place"],
        "dept": picks["dept"],
        "dept2": picks["dept2"],
        "mon": picks["mon"],
        "n1": picks["n1"],
        "n2": picks["n2"],
        "n3": picks["n3"],
        "p1": picks["p1"],
    }
    return template.format(**values)


def _picks(rng: random.Random) -> dict:
    d1, d2 = rng.sample(DEPTS, 2)
    m1, m2 = rng.sample(MEASURES, 2)
    g1, g2 = rng.sample(GOALS, 2)
    return {
        "m1": m1,
        "m2": m2,
        "g1": g1,
        "g2": g2,
        "place": rng.choice(PLACES),
        "dept": d1,
        "dept2": d2,
        "mon": rng.randint(3, 11),
        "n1": rng.randint(1200, 98000),
        "n2": rng.randint(5, 180),
        "n3": rng.randint(200, 9000),
        "p1": round(rng.uniform(1, 15), 1),
    }


def make_family(rng: random.Random, fid: int, years: list[int]) -> list[Notice]:
    """Return the yearly editions of one notice family: same template, other year, 文号, dates, figures."""
    topic = rng.choice(TOPICS)
    issuer, prefix, site = rng.choice(ISSUERS)
    action, suffix = rng.choice(ACTIONS), rng.choice(SUFFIXES)
    n_sections = rng.randint(2, 4)
    plan = [[(rng.randrange(len(SENTENCES)), _picks(rng)) for _ in range(rng.randint(2, 4))] for _ in range(n_sections)]
    opening_measure = rng.choice(MEASURES)
    notices = []
    for year in years:
        yr = random.Random(rng.random())
        title = f"{issuer}关于{action}{year}年{topic[0]}{suffix}的通知"
        number = f"{prefix}〔{year}〕{yr.randint(1, 160)}号"
        month, day = yr.randint(1, 10), yr.randint(1, 28)
        paras = [
            number,
            "各省、自治区、直辖市民政厅（局），新疆生产建设兵团民政局：",
            f"为深入贯彻落实党中央、国务院决策部署，{opening_measure}，现就{action}{year}年{topic[0]}{suffix}有关事项通知如下：",
        ]
        for s, sentences in enumerate(plan):
            paras.append(SECTION_HEADS[s])
            body = []
            for k, (template, picks) in enumerate(sentences):
                if k == len(sentences) - 1 and yr.random() < 0.3:  # a yearly edition updates a point
                    template, picks = yr.randrange(len(SENTENCES)), _picks(yr)
                picks = dict(picks, n1=picks["n1"] + year, n2=picks["n2"] + year % 7, n3=picks["n3"] + year % 13)
                body.append(_fill(yr, SENTENCES[template], topic, year, picks))
            paras.append("".join(body))
        contact = f"{yr.choice('王李张刘陈杨赵黄')}{yr.choice('明华军芳静磊洋勇')}"
        paras.append(
            f"请各地于{year}年{month + 2}月{day}日前将工作进展情况报送{issuer}。"
            f"联系人：{contact}，电话：010-5812{yr.randint(1000, 9999)}。"
        )
        paras.append("特此通知。")
        paras.append(issuer)
        paras.append(f"{year}年{month}月{day}日")
        notices.append(Notice(f"f{fid}y{year}", title, number, issuer, site, (year, month, day), paras, year))
    return notices


def _iso(date: tuple[int, int, int]) -> str:
    return "{}-{:02d}-{:02d}".format(*date)


def _date(y: int, m: int, d: int, plus: int) -> tuple[int, int, int]:
    d += plus
    while d > 28:
        d -= 28
        m += 1
    if m > 12:
        y, m = y + 1, m - 12
    return y, m, d


def repost(rng: random.Random, notice: Notice, k: int) -> dict:
    """Return a repost of a notice on a provincial site with a random mix of the usual edits."""
    province, pprefix = rng.choice(PROVINCES)
    site = f"prov{PROVINCES.index((province, pprefix))}"
    paras = list(notice.paragraphs)
    published = _date(*notice.published, rng.randint(1, 20))
    issuer = notice.issuer
    doc_number = notice.doc_number
    if rng.random() < 0.3 and len(paras) > 8:  # dropped paragraph (a body section)
        body = [i for i, p in enumerate(paras) if len(p) > 60 and not p.startswith("为深入")]
        if body:
            del paras[rng.choice(body)]
    if rng.random() < 0.3:  # changed date line
        y, m, d = _date(*notice.published, rng.randint(1, 9))
        paras[-1] = f"{y}年{m}月{d}日"
    if rng.random() < 0.15:  # changed issuer line
        paras[-2] = issuer = f"{issuer}（{rng.choice(['转载', '来源'])}）"
    if rng.random() < 0.4:  # forwarding wrapper with its own 文号
        own = f"{pprefix}函〔{published[0]}〕{rng.randint(1, 300)}号"
        cite = f"（{notice.doc_number}）" if rng.random() < 0.8 else ""
        wrapper = [
            f"关于转发《{notice.title}》的通知",
            own,
            "各市（州）民政局，厅机关各处室：",
            f"现将《{notice.title}》{cite}转发给你们，请结合本地实际，认真抓好贯彻落实，并按要求及时报送工作情况。",
        ]
        paras = wrapper + paras + [f"{province}民政厅", f"{published[0]}年{published[1]}月{published[2]}日"]
        doc_number, issuer = own, f"{province}民政厅"
    if rng.random() < 0.4:  # boilerplate remnants of the provincial page
        fill = {"date": _iso(published), "site": f"{province}民政厅", "n": rng.randint(10, 9999)}
        paras = [rng.choice(BOILERPLATE_HEAD).format(**fill)] + paras + [rng.choice(BOILERPLATE_TAIL).format(**fill)]
    text = "\n".join(paras)
    if rng.random() < 0.4:  # other punctuation
        for a, b in rng.sample(PUNCT_SWAPS, rng.randint(2, len(PUNCT_SWAPS))):
            text = text.replace(a, b)
    if rng.random() < 0.2:  # spacing and line breaks
        text = text.replace("\n", "\n\n") if rng.random() < 0.5 else text.replace("：", "： ")
    script = "hans"
    if rng.random() < 0.15:  # traditional script (a Hong Kong / Taiwan mirror)
        text = get_converter("s2t").convert(text)
        script = "hant"
    return {
        "id": f"{notice.label}-r{k}",
        "text": text,
        "label": notice.label,
        "site_id": site,
        "published_at": _iso(published),
        "issuer": issuer,
        "doc_number": doc_number,
        "is_authority_site": False,
        "script": script,
        "kind": "repost",
    }


def original(notice: Notice) -> dict:
    """Return the notice as published on the issuing authority's own site."""
    return {
        "id": f"{notice.label}-o",
        "text": "\n".join(notice.paragraphs),
        "label": notice.label,
        "site_id": notice.site,
        "published_at": _iso(notice.published),
        "issuer": notice.issuer,
        "doc_number": notice.doc_number,
        "is_authority_site": True,
        "script": "hans",
        "kind": "original",
    }


def splice(rng: random.Random, parts: list[Notice], k: int) -> dict:
    """Return a content-farm page splicing most of 2-3 notices (containment, not a repost of any)."""
    paras = [f"【{rng.choice(['政策解读', '资讯汇编', '热点关注'])}】{parts[0].title[:12]}等政策要点"]
    for n in parts:
        body = n.paragraphs[1:-2]  # a farm copies the body, not the 文号, issuer and date lines
        keep = max(2, int(len(body) * rng.uniform(0.85, 1.0)))
        start = rng.randint(0, len(body) - keep)
        paras += body[start : start + keep]
    return {
        "id": f"splice{k}",
        "text": "\n".join(paras),
        "label": f"splice{k}",
        "site_id": f"farm{k % 7}",
        "published_at": None,
        "issuer": None,
        "doc_number": None,
        "is_authority_site": False,
        "script": "hans",
        "kind": "splice",
        "contains": [n.label for n in parts],
    }


def _doc(doc_id: str, text: str, label: str, kind: str, site: str, **extra) -> dict:
    row = {
        "id": doc_id,
        "text": text,
        "label": label,
        "site_id": site,
        "published_at": None,
        "issuer": None,
        "doc_number": None,
        "is_authority_site": False,
        "script": "hans",
        "kind": kind,
    }
    return {**row, **extra}


def chrome_copy(
    rng: random.Random, text: str, label: str, doc_id: str, related: list[str], year: int, title: str
) -> dict:
    """Return a copy of a text carrying another site's chrome (a style drawn from dev and held-out ones)."""
    heldout = rng.random() < 0.35
    styles = chrome.HELDOUT_STYLES if heldout else chrome.SITE_STYLES
    name = rng.choice(sorted(styles))
    k = rng.randrange(len(chrome.CHROME_SITES))
    site = chrome.chrome_site(random.Random(f"{name}/{k}"), k)  # a site's chrome is the same on every page
    head, tail = styles[name](site, rng, year, rng.sample(related, rng.randint(3, 6)))
    out = chrome.wrap(text, head, tail, title if rng.random() < 0.3 else None)
    script = "hans"
    if name == "tw":
        out, script = get_converter("s2t").convert(out), "hant"
    return _doc(
        doc_id,
        out,
        label,
        "chrome_repost",
        f"chrome-{name}-{k}",
        chrome_style=name,
        chrome_heldout=heldout,
        script=script,
    )


def chrome_class(rng: random.Random, notices: list[Notice], docs: list[dict], n: int) -> list[dict]:
    """Return about n documents of the chrome class: chrome-carrying copies of the benchmark's notices,
    news items of sites that share their chrome (and their copies), and name/date/文号 families."""
    out: list[dict] = []
    titles = [nt.title for nt in notices]
    text_of: dict[str, list[str]] = {}
    for d in docs:
        if d["kind"] in ("original", "repost"):
            text_of.setdefault(d["label"], []).append(d["text"])
    labelled = [nt for nt in notices if nt.label in text_of]
    k = 0
    # 1. copies of the notices through other sites' chrome (about half the class)
    while len(out) < n // 2 and labelled:
        nt = rng.choice(labelled)
        base = rng.choice(text_of[nt.label])
        out.append(chrome_copy(rng, base, nt.label, f"{nt.label}-c{k}", titles, nt.year, nt.title))
        k += 1
    # 2. news items: each site's items carry its own chrome (same chrome, different items: never merge)
    while len(out) < n * 3 // 4:
        name = rng.choice(sorted(chrome.SITE_STYLES))
        s = rng.randrange(len(chrome.CHROME_SITES))
        site = chrome.chrome_site(random.Random(f"{name}/{s}"), s)
        year = rng.randint(2018, 2024)
        for _ in range(rng.randint(4, 12)):
            label = f"news{k}"
            title, text = chrome.news_item(rng, site.name, year)
            head, tail = chrome.SITE_STYLES[name](site, rng, year, rng.sample(titles, rng.randint(3, 6)))
            out.append(_doc(f"{label}-o", chrome.wrap(text, head, tail), label, "news", f"chrome-{name}-{s}"))
            for r in range(rng.choice([0, 0, 1, 1, 2, 3])):  # copies: plain, or through another site's chrome
                if rng.random() < 0.5:
                    out.append(_doc(f"{label}-r{r}", text, label, "news_repost", f"news-mirror{r}"))
                else:
                    out.append(chrome_copy(rng, text, label, f"{label}-c{r}", titles, year, title))
            k += 1
    # 3. families whose editions differ only in names, dates, figures and 文号 (and their copies)
    while len(out) < n:
        issuer, prefix, _ = rng.choice(ISSUERS)
        year = rng.randint(2018, 2024)
        editions = []
        if rng.random() < 0.5:
            with_number = rng.random() < 0.5
            for _ in range(rng.randint(3, 6)):
                editions.append(chrome.appointment_notice(rng, issuer, prefix if with_number else None, year))
        else:
            months = sorted(rng.sample(range(1, 13), rng.randint(3, 6)))
            county = f"{chrome.COUNTIES[k % len(chrome.COUNTIES)]}民政局"  # monthly notices come from counties
            editions = [chrome.payment_notice(rng, county, year, m) for m in months]
        for title, text in editions:
            label = f"fam{k}"
            out.append(_doc(f"{label}-o", text, label, "family", f"fam-{prefix}", is_authority_site=True))
            for r in range(rng.choice([0, 1, 1, 2])):
                if rng.random() < 0.5:
                    out.append(_doc(f"{label}-r{r}", text.replace("，", ","), label, "family_repost", f"fam-m{r}"))
                else:
                    out.append(chrome_copy(rng, text, label, f"{label}-c{r}", titles, year, title))
            k += 1
    return out


def generate(n_docs: int, seed: int = 1, splice_share: float = 0.03, chrome_share: float = 0.0) -> list[dict]:
    """Return about n_docs benchmark documents (shuffled, deterministic for a seed); ``chrome_share`` of them
    from the chrome class (``chrome_class``). Without it, the benchmark is the one earlier RESULTS measured."""
    rng = random.Random(seed)
    docs: list[dict] = []
    notices: list[Notice] = []
    fid = 0
    n_chrome = int(n_docs * chrome_share)
    n_docs -= n_chrome
    n_splices = int(n_docs * splice_share)
    while len(docs) < n_docs - n_splices:
        first = rng.randint(2017, 2023)
        years = list(range(first, first + rng.choice([1, 1, 2, 3, 4, 5])))
        for notice in make_family(rng, fid, years):
            notices.append(notice)
            n_reposts = 0 if rng.random() < 0.25 else min(40, int(rng.expovariate(1 / 7)) + 1)
            if rng.random() < 0.9:
                docs.append(original(notice))
            docs += [repost(rng, notice, k) for k in range(n_reposts)]
        fid += 1
    for k in range(n_splices):
        docs.append(splice(rng, rng.sample(notices, rng.choice([2, 2, 3])), k))
    rng.shuffle(docs)
    docs = docs[:n_docs] if len(docs) > n_docs else docs
    if n_chrome:
        # a stream of its own: the rest of the benchmark stays what it was without the class
        crng = random.Random(f"chrome/{seed}")
        docs += chrome_class(crng, notices, docs, n_chrome)
        crng.shuffle(docs)
    return docs


def iter_jsonl(docs: list[dict]) -> Iterator[str]:
    """Yield one JSON line per document."""
    for d in docs:
        yield json.dumps(d, ensure_ascii=False)


def main(argv: list[str] | None = None) -> int:
    """Write a benchmark as JSONL to stdout."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--docs", type=int, default=10000)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--chrome-share", type=float, default=0.0, help="share of documents from the chrome class")
    args = p.parse_args(argv)
    for line in iter_jsonl(generate(args.docs, args.seed, chrome_share=args.chrome_share)):
        sys.stdout.write(line + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
