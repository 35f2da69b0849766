"""Generated "hard shape" pages with gold text: layouts where main-block choice can collapse or keep everything.

Built in memory at run time, never written into the repository. Texts come from the bundled fixture sites'
source texts (fixtures/sites/*.yaml, fictional, this repository's own) and, when ../shared/benchdata/
extract-dev is present, from the gold texts of its development part only (Apache-2.0, read in place; the
held-out third of that set is never read here). The markup around them is this module's own: page
skeletons, navigation, teaser blocks, comment threads, wiki boxes, forum posts, written from what real
Chinese news, portal, forum, wiki and government templates print (facts, no copied markup).

Shapes (gold = the article text only, unless said otherwise):
- list_article: the article is a list of many items, each a long paragraph, some wrapped in a link;
- comments: a short article under a comment section holding several times its text;
- comment_policy: an article split into short paragraphs beside a long comment-policy box;
- wiki: paragraphs dense with links, maintenance boxes, an infobox, TOC, references and a navbox;
- portal: an article among several headline+summary teaser blocks that together outweigh it;
- forum: a thread (gold = every post's text) with user panels, floors, signatures and action bars;
- flat: nothing stands out (a one-paragraph notice, a name list, a table notice) among menus.

Held out by a fixed rule: a page is held out when int(sha1(page id)[:8], 16) % 3 == 0. Every markup
vocabulary table below is split the same way (variants at odd positions appear on held-out pages only), so
held-out pages also carry class names and wording the development part never shows.

    .venv/bin/python bench/extract/hardshapes.py --dump DIR   # writes the development part for reading
"""

from __future__ import annotations

import argparse
import hashlib
import html
import json
import random
import re
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
FIXTURE_TEXTS = ROOT / "fixtures" / "sites"
FIXTURE_FILES = ("qingzhou-mzj", "mzb", "lingnan-swa", "taibei-swa", "traps")  # fanwen: damaged on purpose
DEFAULT_DEV = ROOT.parent / "shared" / "benchdata" / "extract-dev"
DEV_HOLDOUT_MOD = 3  # the extract-dev rule (bench/extract/run.py): int(id, 16) % 3 == 0 is held out
HOLDOUT_MOD = 3
PAGES_PER_SHAPE = 15
SEED = 20261203

_HAN = re.compile("[\u4e00-\u9fff]")
_SENTENCE_END = re.compile("(?<=[。！？；])")


def is_held_out(page_id: str) -> bool:
    """Return True for a page of the held-out part (fixed rule on the page id)."""
    return int(hashlib.sha1(page_id.encode()).hexdigest()[:8], 16) % HOLDOUT_MOD == 0


def han(text: str) -> int:
    return len(_HAN.findall(text))


def esc(text: str) -> str:
    return html.escape(text, quote=True)


# -- source texts -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Source:
    """One text to build pages from: a title and paragraphs."""

    title: str
    paragraphs: tuple[str, ...]


def load_sources(dev_root: Path = DEFAULT_DEV) -> list[Source]:
    """Return the fixture notices and, if present, the extract-dev development part's gold texts."""
    out: list[Source] = []
    for name in FIXTURE_FILES:
        data = yaml.safe_load((FIXTURE_TEXTS / f"{name}.yaml").read_text(encoding="utf-8"))
        for items in data.values():
            for item in items:
                paras = [
                    line.strip().lstrip(">").strip()
                    for line in str(item.get("body", "")).splitlines()
                    if line.strip() and not line.strip().startswith("|")
                ]
                if paras:
                    out.append(Source(str(item.get("title", "")), tuple(paras)))
    gold = dev_root / "gold.jsonl"
    if gold.exists():
        for line in gold.read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            if int(row["id"], 16) % DEV_HOLDOUT_MOD == 0:
                continue  # the held-out third stays unread
            paras = [p.strip() for p in row["text"].splitlines() if han(p) >= 8]
            if len(paras) >= 2:
                out.append(Source(paras[0][:30], tuple(paras[1:])))
    return out


def sentences(sources: Sequence[Source]) -> list[str]:
    """Return every sentence of the sources with 8-90 Han characters."""
    out = []
    for s in sources:
        for p in s.paragraphs:
            out += [x.strip() for x in _SENTENCE_END.split(p) if 8 <= han(x) <= 90]
    return out


# -- vocabulary (split into development / held-out variants by position) ------------------------------
SITE_NAMES = ["青川县民政局", "东临市社会工作协会", "南溪日报网", "北岭新闻网", "西湾区人民政府", "中原社工网",
              "江城在线", "湖滨论坛", "山阳区民政局", "临海新闻中心"]  # fmt: skip
NAV_LABELS = ["首页", "新闻中心", "政务公开", "通知公告", "工作动态", "政策法规", "办事服务", "互动交流",
              "专题专栏", "机构设置", "社会救助", "养老服务", "慈善事业", "社会组织", "区划地名", "婚姻登记",
              "社区治理"]  # fmt: skip
NEUTRAL_CLASSES = ["box", "w1200", "con-l", "list01", "bd", "m-r", "left-box", "mod", "col-md-8", "inner",
                   "wrap", "cont", "part2", "r-con", "panel", "blk"]  # fmt: skip
COMMENT_HEADINGS = ["网友评论", "热门跟帖", "最新评论", "全部评论", "读者留言", "评论区", "我来说两句", "精彩评论"]
COMMENT_CLASSES = ["cmt-list", "pl-box", "gentie", "talk-area", "feedback", "msg-list", "reply-wrap", "ly-list"]
COMMENT_POLICIES = [
    "评论须知：请遵守国家有关法律法规，尊重网上道德，承担一切因您的行为而直接或间接引起的法律责任。网友评论仅供其表达"
    "个人看法，并不表明本网同意其观点或证实其描述。本网有权删除违反法律法规、含有人身攻击或广告信息的评论，"
    "请文明上网、理性发言，共同维护良好的网络秩序。",
    "跟帖须知：您发表的内容将在审核后公开。请勿发布涉及政治、色情、暴力、谣言、广告及侵犯他人隐私的信息；"
    "所有跟帖只代表网友个人观点，不代表本站立场。对于违反上述规定的跟帖，本站将予以删除，情节严重的将依法追究责任。"
    "发表评论即表示您已阅读并同意本站的用户协议和隐私政策。",
    "留言规则：一、留言内容应当真实、客观，不得捏造事实、诽谤他人；二、不得发布与本文无关的商业广告；三、不得使用"
    "侮辱性语言或泄露他人个人信息；四、管理员有权对违规留言进行屏蔽处理。网友留言仅代表其个人意见，"
    "与本网站无关，本网站不承担由此引起的任何法律责任。",
    "用户评论服务协议提示：在发表评论前，请您仔细阅读并理解互联网跟帖评论服务管理的相关规定。您的评论应当遵守"
    "法律法规和公序良俗，不得含有违法和不良信息；平台将对评论进行先审后发，审核通过后方可展示。"
    "评论观点仅代表网友本人，与平台立场无关。",
]
WIKI_BOXES = [
    "本条目需要补充更多来源。请协助添加可靠来源以改善这篇条目，无法查证的内容可能会因为异议而被移除。",
    "此条目的内容需要更新。请根据近期发生的事件或新增的可靠资料来完善本条目，以反映最新情况。",
    "本条目可能包含原创研究或未查证内容。请协助添加参考资料以改善这篇条目，详细情况请参见讨论页。",
    "此条目的语调或风格可能不适合百科全书。请参照格式手册帮助改善这篇条目，使其符合百科的中立写作要求。",
    "本条目存在以下问题，请协助在讨论页改善：部分内容缺少可靠来源的引用，部分章节需要扩充。",
    "此条目没有列出任何参考或来源。维基百科所有的内容都应该可供查证，请协助补充可靠来源以改善这篇条目。",
]
TEASER_HEADINGS = ["热点新闻", "图片新闻", "推荐阅读", "本地要闻", "专题聚焦", "社会民生", "热门资讯", "一周排行",
                   "编辑推荐", "滚动新闻"]  # fmt: skip
LIST_LEADS = ["推荐阅读：以下{n}条", "相关阅读", "延伸阅读：{n}个要点", "大家都在看的{n}条建议", "为你推荐以下{n}项",
              "相关新闻汇总", "热门推荐{n}则", "精彩推荐"]  # fmt: skip
FONT_CONTROLS = ["【字体：大 中 小】", "字号：大 中 小", "【字号 大 中 小】", "字体：[大][中][小]",
                 "调整字体：大 中 小", "放大 正常 缩小", "【大 中 小】", "字体大小：T | T"]  # fmt: skip
PRINT_CLOSE = ["【打印本页】 【关闭窗口】", "【打印本稿】 【关闭】", "[打印] [关闭]", "打印本页 | 关闭窗口",
               "【我要打印】【关闭】", "【打印】【收藏】【关闭】", "[ 打印本页 ] [ 关闭窗口 ]",
               "【打印此页】【返回顶部】"]  # fmt: skip
EDITOR_LINES = ["责任编辑：{n}", "（责任编辑：{n}）", "编辑：{n}", "【编辑：{n}】", "审核：{n}", "校对：{n}",
                "责编：{n}", "编辑：{n}  审核：{m}", "[责任编辑:{n}]", "初审：{n} 复审：{m} 终审：{n}"]  # fmt: skip
PROMOS = ["点击进入专题>>", "更多新闻>>", "点击查看更多>>", "更多精彩内容>>", "进入专题 >>", "查看更多>>"]
GALLERY = ["图集", "高清图集", "【图集】", "组图"]
NAMES = ["王岚", "李明", "张华", "刘洋", "陈静", "杨帆", "赵磊", "黄蕾", "周楠", "吴迪"]
USERNAMES = ["江城网友", "用户8234", "小鱼儿", "清风徐来", "匿名网友", "山阳老张", "一只猫", "晨曦", "路人甲", "老李头"]
FORUM_FLOORS = ["楼主", "沙发", "板凳", "地板", "5#", "6#", "7#", "8#", "9#", "10#", "11#", "12#", "13#", "14#"]


def split_variants(items: Sequence, held_out: bool) -> list:
    """Return the variants of a vocabulary table for one part: even positions (development), odd (held-out)."""
    return list(items[1::2] if held_out else items[0::2])


# -- page pieces -------------------------------------------------------------------------------------
class Page:
    """A page being built: a random source bound to one part's vocabulary."""

    def __init__(self, rng: random.Random, held_out: bool, sources: Sequence[Source], pool: Sequence[str]):
        self.rng, self.held_out, self.sources, self.pool = rng, held_out, sources, pool

    def pick(self, table: Sequence):
        return self.rng.choice(split_variants(table, self.held_out))

    def cls(self) -> str:
        return self.pick(NEUTRAL_CLASSES) + str(self.rng.randint(1, 9))

    def name(self) -> str:
        return self.rng.choice(NAMES)

    def sentence(self, lo: int = 10, hi: int = 60) -> str:
        for _ in range(50):
            s = self.rng.choice(self.pool)
            if lo <= han(s) <= hi:
                return s
        return self.rng.choice(self.pool)

    def headline(self) -> str:
        s = re.sub(r"[，。；！？、“”：]", "", self.sentence(12, 40))
        return s[: self.rng.randint(10, 22)]

    def date(self) -> str:
        return f"2024-{self.rng.randint(1, 12):02d}-{self.rng.randint(1, 28):02d}"

    def source_text(self, min_han: int = 0, max_han: int = 10_000) -> list[str]:
        """Return the paragraphs of a random source with between min_han and max_han Han characters."""
        for _ in range(200):
            src = self.rng.choice(self.sources)
            total = sum(han(p) for p in src.paragraphs)
            if min_han <= total <= max_han:
                return list(src.paragraphs)
        paras: list[str] = []
        while sum(han(p) for p in paras) < min_han:
            paras.append(self.sentence(20, 90))
        return paras

    # chrome ---------------------------------------------------------------------------------------
    def header(self, site: str) -> str:
        labels = self.rng.sample(NAV_LABELS, self.rng.randint(7, 11))
        nav = "".join(f'<li><a href="/c{i}/">{x}</a></li>' for i, x in enumerate(labels))
        return (
            f'<div class="{self.cls()}"><div class="logo"><a href="/">{site}</a></div>'
            f'<form action="/search"><input name="q"><button>搜索</button></form></div>'
            f'<div class="{self.cls()}"><ul>{nav}</ul></div>'
        )

    def breadcrumb(self) -> str:
        trail = " &gt; ".join(f'<a href="/c{i}/">{x}</a>' for i, x in enumerate(self.rng.sample(NAV_LABELS, 2)))
        label = self.rng.choice(["当前位置：", "您的位置：", "", "位置：首页 &gt; "])
        return f'<div class="{self.cls()}">{label}<a href="/">首页</a> &gt; {trail}</div>'

    def info_line(self, site: str) -> str:
        bits = [f"发布时间：{self.date()}", f"来源：{site}"]
        if self.rng.random() < 0.6:
            bits.append(f"浏览次数：{self.rng.randint(10, 9999)}")
        if self.rng.random() < 0.8:
            bits.append(self.pick(FONT_CONTROLS))
        if self.rng.random() < 0.5:
            bits.append(self.pick(PRINT_CLOSE))
        tag = self.rng.choice(["div", "p", "span"])
        return f'<{tag} class="{self.cls()}">' + "&nbsp;&nbsp;".join(esc(b) for b in bits) + f"</{tag}>"

    def tail_chrome(self) -> str:
        out = []
        if self.rng.random() < 0.8:
            out.append(f"<p>{esc(self.pick(EDITOR_LINES).format(n=self.name(), m=self.name()))}</p>")
        if self.rng.random() < 0.6:
            out.append(f'<div class="{self.cls()}">{esc(self.pick(PRINT_CLOSE))}</div>')
        if self.rng.random() < 0.4:
            out.append(f'<p><a href="/zt/">{esc(self.pick(PROMOS))}</a></p>')
        if self.rng.random() < 0.5:
            prev, nxt = self.headline(), self.headline()
            out.append(f'<div class="{self.cls()}"><p>上一篇：<a href="/a1">{prev}</a></p>'
                       f'<p>下一篇：<a href="/a2">{nxt}</a></p></div>')  # fmt: skip
        return "\n".join(out)

    def link_list(self, heading: str, n: int) -> str:
        items = "".join(
            f'<li><a href="/n/{self.rng.randint(100, 999)}.html">{self.headline()}</a><span>{self.date()}</span></li>'
            for _ in range(n)
        )
        return f'<div class="{self.cls()}"><h3>{heading}</h3><ul>{items}</ul></div>'

    def teaser_block(self, heading: str, n: int) -> str:
        item_cls = self.cls() if self.rng.random() < 0.8 else ""  # the items of one block share a class
        items = []
        for _ in range(n):
            summary = self.sentence(30, 90)
            items.append(
                f'<div class="{item_cls}"><h4><a href="/t/{self.rng.randint(100, 999)}.html">{self.headline()}</a>'
                f'</h4><p>{esc(summary)}<a href="/t/1.html">[详细]</a></p></div>'
            )
        return f'<div class="{self.cls()}"><h3>{heading}</h3>{"".join(items)}</div>'

    def footer(self, site: str) -> str:
        return (
            f'<div class="{self.cls()}"><p>主办单位：{site}  地址：江城市中山路{self.rng.randint(1, 300)}号 '
            f"电话：0571-{self.rng.randint(10000000, 99999999)}</p><p>版权所有 © 2024 {site}  "
            f"浙ICP备{self.rng.randint(10000000, 99999999)}号  网站标识码：{self.rng.randint(1000000000, 9999999999)}"
            "</p></div>"
        )

    def paragraphs(self, paras: Sequence[str]) -> str:
        return "\n".join(f"<p>{esc(p)}</p>" for p in paras)

    def document(self, site: str, title: str, main: str, side: str = "", tail: str = "") -> str:
        """Return a whole page: header, breadcrumb, title and info line, main, tail chrome, side, footer."""
        layout = self.rng.random()
        article = (
            f'<div class="{self.cls()}">{self.breadcrumb()}<h1>{esc(title)}</h1>{self.info_line(site)}'
            f'<div class="{self.cls()}">{main}</div>{tail or self.tail_chrome()}</div>'
        )
        if layout < 0.4:
            body = f'<div class="{self.cls()}">{article}</div><div class="{self.cls()}">{side}</div>'
        elif layout < 0.8:  # a layout table, as on older CMS templates
            body = f'<table width="1000"><tr><td width="700">{article}</td><td>{side}</td></tr></table>'
        else:  # no wrappers: title, info line and text right in the body, the side box after them
            body = (
                f"{self.breadcrumb()}<h1>{esc(title)}</h1>{self.info_line(site)}{main}{tail or self.tail_chrome()}"
                f'<div class="{self.cls()}">{side}</div>'
            )
        return (
            f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>{esc(title)}_{site}</title></head>'
            f"<body>{self.header(site)}{body}{self.footer(site)}</body></html>"
        )


# -- shapes -------------------------------------------------------------------------------------------
def shape_list_article(p: Page) -> tuple[str, list[str]]:
    """An article that is one long list: each item a paragraph, in some pages every item a link, and in some
    a lead line that reads like a related-links heading (推荐阅读 …) before the items."""
    n = p.rng.randint(20, 150)
    intro = p.sentence(20, 60)
    items, gold = [], [intro]
    all_linked = p.rng.random() < 0.3  # a list of policies or stories, each item a linked sentence
    lead = p.pick(LIST_LEADS).format(n=n) if p.rng.random() < 0.5 else ""
    if lead:
        gold.append(lead)
    for i in range(n):
        text = p.sentence(20, 80)
        style = 0.0 if all_linked else p.rng.random()
        if style < 0.35:  # the whole item is a link
            items.append(f'<li><a href="/p/{i}.html">{esc(text)}</a></li>')
        elif style < 0.65:  # a linked name, then its description
            head = p.headline()[:8]
            items.append(f'<li><a href="/p/{i}.html">{esc(head)}</a>：{esc(text)}</li>')
            text = f"{head}：{text}"
        else:
            items.append(f"<li>{esc(text)}</li>")
        gold.append(text)
    tag = p.rng.choice(["ol", "ul"])
    lead_html = f"<p><strong>{esc(lead)}</strong></p>" if lead else ""
    main = f'<p>{esc(intro)}</p>{lead_html}<{tag} class="{p.cls()}">{"".join(items)}</{tag}>'
    side = p.link_list(p.pick(TEASER_HEADINGS), p.rng.randint(5, 10))
    return p.document(p.pick(SITE_NAMES), p.headline(), main, side), gold


def _comment(p: Page, cls: str) -> str:
    body = "".join(p.sentence(10, 70) for _ in range(p.rng.randint(1, 3)))
    who, when = p.rng.choice(USERNAMES), p.rng.choice([p.date() + " 10:23", "3小时前", "昨天 18:02", "1天前"])
    return (
        f'<div class="{cls}-item"><div class="{cls}-user"><span>{who}</span> <span>{when}</span></div>'
        f'<div class="{cls}-txt">{esc(body)}</div><div class="{cls}-act"><a>回复</a> <a>赞({p.rng.randint(0, 99)})</a>'
        "</div></div>"
    )


def shape_comments(p: Page) -> tuple[str, list[str]]:
    """A short article whose comment section holds two to six times its text."""
    paras = p.source_text(80, 400)
    total = sum(han(x) for x in paras)
    cls = p.pick(COMMENT_CLASSES)
    comments = []
    while sum(han(c) for c in comments) < total * p.rng.uniform(2, 6):
        comments.append(_comment(p, cls))
    heading = p.pick(COMMENT_HEADINGS)
    count = f"（{len(comments)}）" if p.rng.random() < 0.5 else ""
    if p.rng.random() < 0.35:  # no heading: the comments follow the article in a neutral box
        section = f'<div class="{p.cls()}">{"".join(comments)}</div>'
    else:
        section = f'<div class="{cls}"><h3>{heading}{count}</h3>{"".join(comments)}</div>'
    main = p.paragraphs(paras)
    if p.rng.random() < 0.3:  # the comments in the side column, beside the article
        return p.document(p.pick(SITE_NAMES), p.headline(), main, side=section), paras
    return p.document(p.pick(SITE_NAMES), p.headline(), main, tail=p.tail_chrome() + section), paras


def shape_comment_policy(p: Page) -> tuple[str, list[str]]:
    """An article in short paragraphs with inline links, beside a long comment-policy box."""
    paras = p.source_text(100, 500)
    linked = []
    for x in paras:  # a keyword or two linked, as news sites link names
        if han(x) > 20 and p.rng.random() < 0.6:
            cut = p.rng.randint(2, 6)
            x_html = f'<a href="/tag/{cut}">{esc(x[:cut])}</a>{esc(x[cut:])}'
        else:
            x_html = esc(x)
        linked.append(f"<p>{x_html}</p>")
    policy = p.pick(COMMENT_POLICIES)
    box = (
        f'<div class="{p.cls()}"><h3>{p.pick(COMMENT_HEADINGS)}</h3><p>{esc(policy)}</p>'
        "<textarea></textarea><p><a>登录</a> | <a>注册</a> <a>发表评论</a></p></div>"
    )
    return p.document(p.pick(SITE_NAMES), p.headline(), "".join(linked), tail=p.tail_chrome() + box), paras


def _wiki_paragraph(p: Page, text: str) -> str:
    """Return text with about a third of its characters in links, as a wiki paragraph reads."""
    out, i = [], 0
    while i < len(text):
        step = p.rng.randint(2, 6)
        chunk = text[i : i + step]
        out.append(f'<a href="/wiki/{esc(chunk)}">{esc(chunk)}</a>' if p.rng.random() < 0.35 else esc(chunk))
        i += step
    return "<p>" + "".join(out) + "</p>"


def shape_wiki(p: Page) -> tuple[str, list[str]]:
    """A wiki article: maintenance boxes, infobox, lead, TOC, sections with [编辑] links, references, navbox."""
    paras = p.source_text(300, 3000)
    boxes = "".join(
        f'<table class="{p.cls()}"><tr><td>{esc(b)}</td></tr></table>'
        for b in p.rng.sample(split_variants(WIKI_BOXES, p.held_out), p.rng.randint(1, 2))
    )
    info = "".join(
        f"<tr><th>{k}</th><td>{esc(p.headline()[:8])}</td></tr>" for k in ("类型", "成立时间", "所在地", "负责人")
    )
    gold, body = [paras[0]], [_wiki_paragraph(p, paras[0])]
    sections = [paras[i : i + 3] for i in range(1, len(paras), 3)]
    toc = "".join(f'<li><a href="#s{i}">{i + 1} {p.headline()[:6]}</a></li>' for i in range(len(sections)))
    body.append(f'<div class="{p.cls()}"><h2>目录</h2><ul>{toc}</ul></div>')
    for i, sec in enumerate(sections):
        heading = p.headline()[:8]
        body.append(f'<h2 id="s{i}">{esc(heading)}<span>[<a href="?action=edit&section={i}">编辑</a>]</span></h2>')
        gold.append(heading)
        body += [_wiki_paragraph(p, x) for x in sec]
        gold += sec
    refs = "".join(f'<li>^ <a href="/r{i}">{p.headline()}</a>. {p.date()}.</li>' for i in range(p.rng.randint(3, 12)))
    nav = " · ".join(f'<a href="/wiki/{i}">{p.headline()[:6]}</a>' for i in range(p.rng.randint(15, 40)))
    main = (
        f'{boxes}<table class="{p.cls()}">{info}</table>{"".join(body)}<h2>参考资料</h2><ol>{refs}</ol>'
        f'<table class="{p.cls()}"><tr><td>{nav}</td></tr></table>'
    )
    return p.document(p.pick(SITE_NAMES), p.headline()[:8], main, tail="<p>分类：<a>社会</a> <a>组织</a></p>"), gold


def shape_portal(p: Page) -> tuple[str, list[str]]:
    """An article among teaser blocks (headline + summary) that together hold more text than it."""
    paras = p.source_text(150, 700)
    total = sum(han(x) for x in paras)
    blocks, teaser_han = [], 0
    while teaser_han < total * p.rng.uniform(1.5, 4):
        block = p.teaser_block(p.pick(TEASER_HEADINGS), p.rng.randint(3, 6))
        blocks.append(block)
        teaser_han += han(re.sub("<[^>]+>", "", block))
    split = p.rng.randint(0, len(blocks))
    side = "".join(blocks[:split])
    tail = p.tail_chrome() + "".join(blocks[split:])
    return p.document(p.pick(SITE_NAMES), p.headline(), p.paragraphs(paras), side=side, tail=tail), paras


def shape_forum(p: Page) -> tuple[str, list[str]]:
    """A forum thread: gold is every post's text; user panels, floors, signatures and action bars are not."""
    posts = [p.source_text(60, 600)] + [
        [p.sentence(8, 80) for _ in range(p.rng.randint(1, 3))] for _ in range(p.rng.randint(2, 12))
    ]
    rows, gold = [], []
    for i, paras in enumerate(posts):
        user = p.rng.choice(USERNAMES)
        panel = (
            f'<td class="{p.cls()}"><div><a href="/u/{i}">{user}</a></div>'
            f"<dl><dt>帖子</dt><dd>{p.rng.randint(1, 999)}</dd>"
            f"<dt>积分</dt><dd>{p.rng.randint(1, 9999)}</dd><dt>注册时间</dt><dd>{p.date()}</dd></dl></td>"
        )
        floor = FORUM_FLOORS[min(i, len(FORUM_FLOORS) - 1)]
        meta = f'<div class="{p.cls()}"><em>{floor}</em> 发表于 {p.date()} 12:3{i % 10} | <a>只看该作者</a></div>'

        body = "<br>".join(esc(x) for x in paras)
        sign = f'<div class="{p.cls()}">{esc(p.headline())}</div>' if p.rng.random() < 0.4 else ""
        acts = "<div><a>回复</a> <a>引用</a> <a>举报</a> <a>支持</a> <a>反对</a></div>"
        post = f'<div class="{p.cls()}">{body}</div>'
        rows.append(f'<table class="{p.cls()}"><tr>{panel}<td>{meta}{post}{sign}{acts}</td></tr></table>')
        gold += paras
    stats = f"<div>查看: {p.rng.randint(100, 9999)} | 回复: {len(posts) - 1}</div>"
    main = stats + "".join(rows) + "<div><a>返回列表</a> <a>发新帖</a></div>"
    return p.document(p.pick(SITE_NAMES), p.headline(), main, tail="<p></p>"), gold


def shape_flat(p: Page) -> tuple[str, list[str]]:
    """Nothing stands out: a one-paragraph notice, a name list or a table notice among menus and lists."""
    kind = p.rng.choice(["short", "names", "table"])
    if kind == "short":
        gold = [p.sentence(25, 90)]
        main = p.paragraphs(gold)
    elif kind == "names":
        intro = p.sentence(15, 50)
        names = [
            f"{p.rng.choice(NAMES)} {p.rng.choice(['男', '女'])} {p.headline()[:6]}"
            for _ in range(p.rng.randint(5, 30))
        ]
        gold = [intro, *names]
        main = f"<p>{esc(intro)}</p>" + "".join(f"<p>{esc(x)}</p>" for x in names)
    else:
        intro = p.sentence(15, 50)
        rows = [[str(i + 1), p.rng.choice(NAMES), p.headline()[:8], p.date()] for i in range(p.rng.randint(4, 20))]
        gold = [intro] + ["\t".join(r) for r in rows]
        cells = "".join("<tr>" + "".join(f"<td>{esc(c)}</td>" for c in r) + "</tr>" for r in rows)
        main = f'<p>{esc(intro)}</p><table border="1">{cells}</table>'
    side = "".join(p.link_list(p.pick(TEASER_HEADINGS), p.rng.randint(6, 12)) for _ in range(p.rng.randint(2, 4)))
    return p.document(p.pick(SITE_NAMES), p.headline(), main, side=side), gold


SHAPES: dict[str, Callable[[Page], tuple[str, list[str]]]] = {
    "list_article": shape_list_article,
    "comments": shape_comments,
    "comment_policy": shape_comment_policy,
    "wiki": shape_wiki,
    "portal": shape_portal,
    "forum": shape_forum,
    "flat": shape_flat,
}


def generate(dev_root: Path = DEFAULT_DEV, per_shape: int = PAGES_PER_SHAPE, seed: int = SEED) -> list[dict]:
    """Return the generated pages in run.py's page shape (id, url, body, gold, headers, hints, held_out, shape)."""
    sources = load_sources(dev_root)
    pool = sentences(sources)
    pages = []
    for shape, build in SHAPES.items():
        for i in range(per_shape):
            page_id = f"{shape}-{i:02d}"
            held_out = is_held_out(page_id)
            rng = random.Random(f"{seed}:{page_id}")
            markup, gold = build(Page(rng, held_out, sources, pool))
            pages.append({"id": page_id, "url": f"http://hard.example/{shape}/{i}.html", "body": markup.encode("utf-8"),
                          "gold": "\n".join(gold), "headers": {"content-type": "text/html; charset=utf-8"},
                          "hints": {}, "held_out": held_out, "shape": shape})  # fmt: skip
    return pages


def main(argv: list[str] | None = None) -> int:
    """Write the development part's pages (and gold) to a directory for reading; held-out only on request."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dump", required=True, metavar="DIR", help="directory to write NAME.html and NAME.gold.txt")
    parser.add_argument("--held-out", action="store_true", help="write the held-out part too (not while tuning)")
    args = parser.parse_args(argv)
    out = Path(args.dump)
    out.mkdir(parents=True, exist_ok=True)
    written = 0
    for page in generate():
        if page["held_out"] and not args.held_out:
            continue
        (out / f"{page['id']}.html").write_bytes(page["body"])
        (out / f"{page['id']}.gold.txt").write_text(page["gold"], encoding="utf-8")
        written += 1
    print(f"wrote {written} pages to {out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
