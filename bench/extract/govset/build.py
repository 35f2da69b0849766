# ruff: noqa: E501  (the templates are HTML literals whose lines are as long as real pages make them)
"""govset: Chinese government notice pages under several CMS detail-page templates, with gold metadata.

A second extraction dev set of another kind than extract-dev (news and portal pages): civil-affairs notices and
association news rendered the way real 民政局 / 民政厅 / 社会工作协会 sites render them. The templates follow the
structure of the CMS families those sites run on (TRS WCM, Hanweb 大汉, gkmlpt-style 信息公开 with an info table,
开普云/UCAP, gov.cn-style 政府信息公开 table, a static-site bureau, a WordPress-like association theme and a news
portal column); every template is written here from scratch, no third-party page is copied. The notice texts are
the bundled fixture sites' fictional notices (fixtures/sites/qingzhou-mzj.yaml, mzb.yaml) and texts written for
this set (texts.yaml). Everything is generated deterministically from those files: no data file is stored.

Each page carries gold: text (the notice body), title, published_at (ISO date or None when the page shows no
date), doc_number (the page's own 文号 when the page shows it), index_number (索引号, kept apart), editor, and the
list row (``listed``: what a list page said of it, sometimes a truncated or a different title).

Gold date rule: the publication date when the page (meta, labelled line, URL) or its list row shows it; else the
signature date when the page shows one (the document's own date); else None.

HELD-OUT SPLIT, fixed before any extraction rule was written against this set:
- whole templates HELD_OUT_TEMPLATES ("ucap", "zwgk") are held out;
- in every other template, texts whose sha1(text key) % 5 == 0 are held out.
A page's part is "dev", "held_out_template" or "held_out_text". Tune on "dev" only.

    .venv/bin/python bench/extract/govset/build.py --out bench/out/govset   # writes pages/*.html + gold.jsonl
"""

from __future__ import annotations

import argparse
import hashlib
import html
import json
import random
import sys
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[3]
HERE = Path(__file__).resolve().parent
FIXTURE_TEXTS = ROOT / "fixtures" / "sites"

HELD_OUT_TEMPLATES = ("ucap", "zwgk")
TEXT_HOLDOUT_MOD = 5

# Site facts per issuer: the site name, its host, an ICP record and a 网站标识码, all fictional.
SITES = {
    "青州市民政局": ("mzj.qingzhou.example", "鲁ICP备12345678号", "3707810012", "青州市"),
    "中华人民共和国民政部": ("www.mzb.example", "京ICP备05000000号", "bm15000001", "民政部"),
    "青州市社会工作协会": ("www.qzswa.example", "鲁ICP备20240001号-1", "", "青州市"),
}
COLUMNS = ("通知公告", "工作动态", "政策文件", "公示公告")


@dataclass(frozen=True)
class Notice:
    """One notice text, whatever page renders it."""

    key: str  # stable text key: qz-1001, mzb-8, own-03
    kind: str  # notice | news | notice_unsigned
    issuer: str
    title: str
    signed: date  # the date in the text (signature) or, for news, the day it was written
    time: str | None
    docno: str | None
    lines: tuple[str, ...]  # body markup lines (">" signature, "|" table rows)
    editor: str | None = None
    topic: str | None = None


@dataclass
class Page:
    """One generated page and its gold."""

    id: str
    template: str
    text_key: str
    part: str
    url: str
    body: bytes
    headers: dict[str, str]
    gold: dict
    listed: dict | None = None
    column: str | None = None


@dataclass
class Shown:
    """What a template put on the page, from which the gold follows."""

    published: bool = False  # the publication date (meta, label or URL)
    signature: bool = False  # the signature date line of the body, or a 成文日期 field
    docno: bool = False
    index_number: str | None = None
    editor: str | None = None
    docno_in_text: bool = False  # the 文号 stands as a line of the content (gold text keeps it)
    extra: dict = field(default_factory=dict)


# -- texts -----------------------------------------------------------------------------------------
def load_notices() -> list[Notice]:
    """Return every notice text: the fixture sites' notices, then the govset's own texts."""
    out: list[Notice] = []
    qz = yaml.safe_load((FIXTURE_TEXTS / "qingzhou-mzj.yaml").read_text(encoding="utf-8"))
    for n in qz["notices"]:
        out.append(_notice(f"qz-{n['id']}", "青州市民政局", n))
    mzb = yaml.safe_load((FIXTURE_TEXTS / "mzb.yaml").read_text(encoding="utf-8"))
    for n in mzb["notices"]:
        out.append(_notice(f"mzb-{n['id']}", "中华人民共和国民政部", n))
    own = yaml.safe_load((HERE / "texts.yaml").read_text(encoding="utf-8"))
    for n in own["texts"]:
        out.append(_notice(n["id"], n.get("issuer", own["issuer_default"]), n))
    return out


def _notice(key: str, issuer: str, item: dict) -> Notice:
    lines = tuple(ln.strip() for ln in str(item["body"]).strip().splitlines() if ln.strip())
    signed_line = any(ln.startswith(">") for ln in lines)
    kind = item.get("kind") or ("notice" if signed_line else "notice_unsigned")
    day = item["date"] if isinstance(item["date"], date) else date.fromisoformat(str(item["date"]))
    return Notice(key, kind, issuer, str(item["title"]), day, item.get("time"), item.get("docno"), lines,
                  item.get("editor"), item.get("topic"))  # fmt: skip


def text_held_out(key: str) -> bool:
    """Return True for texts held out in every template (sha1 of the key, mod TEXT_HOLDOUT_MOD)."""
    return int(hashlib.sha1(key.encode()).hexdigest(), 16) % TEXT_HOLDOUT_MOD == 0


def part_of(template: str, key: str) -> str:
    """Return the page's part: held_out_template, held_out_text or dev."""
    if template in HELD_OUT_TEMPLATES:
        return "held_out_template"
    return "held_out_text" if text_held_out(key) else "dev"


# -- small helpers ---------------------------------------------------------------------------------
def esc(text: str) -> str:
    return html.escape(text, quote=True)


def fmt_date(d: date, t: str | None, style: str) -> str:
    """Return a date the way CMS pages print it."""
    hhmm = t or "09:00"
    return {
        "iso": d.isoformat(),
        "iso_min": f"{d.isoformat()} {hhmm}",
        "iso_sec": f"{d.isoformat()} {hhmm}:00",
        "cn": f"{d.year}年{d.month:02d}月{d.day:02d}日",
        "cn_short": f"{d.year}年{d.month}月{d.day}日",
        "slash": f"{d.year}/{d.month:02d}/{d.day:02d}",
        "dot": f"{d.year}.{d.month:02d}.{d.day:02d}",
        "short": f"{d.year}-{d.month}-{d.day}",
        "iso_t": f"{d.isoformat()}T{hhmm}:00+08:00",
    }[style]


def pick(rng: random.Random, weighted: list[tuple[object, float]]):
    """Return one choice from [(value, weight), ...]."""
    x = rng.random() * sum(w for _, w in weighted)
    for value, w in weighted:
        x -= w
        if x <= 0:
            return value
    return weighted[-1][0]


def gold_lines(n: Notice, *, signature: bool = True) -> list[str]:
    """Return the body as gold text lines (signature markers and table bars removed)."""
    out = []
    for ln in n.lines:
        if ln.startswith(">"):
            if signature:
                out.append(ln[1:].strip())
        else:
            out.append(ln.strip("|").replace("|", " ") if ln.startswith("|") else ln)
    return out


def render_lines(n: Notice, para: str, right: str, table_attrs: str, *, signature: bool = True) -> str:
    """Return the body lines as HTML in a template's paragraph style."""
    out: list[str] = []
    rows: list[list[str]] = []
    for ln in [*n.lines, ""]:
        if ln.startswith("|"):
            rows.append([c.strip() for c in ln.strip("|").split("|")])
            continue
        if rows:
            cells = "\n".join("<tr>" + "".join(f"<td>{esc(c)}</td>" for c in r) + "</tr>" for r in rows)
            out.append(f"<table {table_attrs}><tbody>\n{cells}\n</tbody></table>")
            rows = []
        if not ln:
            continue
        if ln.startswith(">"):
            if signature:
                out.append(right.format(esc(ln[1:].strip())))
        else:
            out.append(para.format(esc(ln)))
    return "\n".join(out)


def split_title_html(title: str) -> str:
    """Return a long title broken over two lines as CMS editors do (关于...<br/>...的通知)."""
    cut = len(title) // 2
    for mark in ("关于", "的"):
        k = title.find(mark, max(4, cut - 8))
        if 4 <= k <= len(title) - 4:
            cut = k
            break
    return f"{esc(title[:cut])}<br/>{esc(title[cut:])}"


def truncated(title: str, limit: int) -> str:
    """Return a list page's shortened title (关于调整2024年全市城乡最低…)."""
    return title if len(title) <= limit else title[: limit - 1] + "…"


def others(n: Notice, pool: list[Notice], k: int, rng: random.Random) -> list[Notice]:
    """Return k other notices for sidebars and related lists (their dates are traps for date rules)."""
    return rng.sample([m for m in pool if m.key != n.key], k)


def sidebar(items: list[Notice], rng: random.Random, style: str = "iso") -> str:
    rows = "\n".join(
        f'<li><a href="../{1000 + i}.html" title="{esc(m.title)}">{esc(truncated(m.title, 22))}</a>'
        f"<span>{fmt_date(m.signed + timedelta(days=rng.randint(0, 3)), m.time, style)}</span></li>"
        for i, m in enumerate(items)
    )
    return f'<ul class="list">\n{rows}\n</ul>'


def footer(site: str, icp: str, code: str) -> str:
    ident = f"　网站标识码：{code}" if code else ""
    return (f'<div class="footer"><p>主办单位：{esc(site)}　地址：青州市文昌路88号　邮编：262500</p>'
            f"<p>{esc(icp)}{ident}　技术支持：某某信息技术有限公司</p></div>")  # fmt: skip


def docno_line(n: Notice) -> str:
    return f'<p style="text-align: center;">{esc(n.docno or "")}</p>'


def index_number(n: Notice, rng: random.Random) -> str:
    """Return a 索引号 in one of the usual shapes (unit code / year - serial)."""
    year = n.signed.year
    serial = rng.randint(1, 900)
    return pick(rng, [(f"11370781MB1H2{rng.randint(1000, 9999)}X/{year}-{serial:05d}", 2),
                      (f"000014349/{year}-{serial:05d}", 1),
                      (f"QZ{rng.randint(10, 99)}-{year}-{serial:04d}", 1)])  # fmt: skip


# -- templates -------------------------------------------------------------------------------------
# Each returns (html, url, shown, column) for one notice; the published date is n.signed + delay.
def t_trs(n: Notice, pool: list[Notice], rng: random.Random, published: date) -> tuple[str, str, Shown, str]:
    """TRS WCM: GB/T-style meta (SiteName, ColumnName, ArticleTitle, PubDate), 当前位置 crumb, t2024..._id URL."""
    host, icp, code, _ = SITES[n.issuer]
    column = pick(rng, [("通知公告", 3), ("政策文件", 1), ("工作动态", 1 if n.kind == "news" else 0)])
    shown = Shown()
    site = n.issuer
    title_tag = pick(rng, [(f"{n.title}_{column}_{site}", 4), (f"{n.title}_{site}", 3), (site, 1.5),
                           (f"{column}-{site}", 1.5)])  # fmt: skip
    art = pick(rng, [("plain", 5), ("markup", 2), ("br", 1), ("none", 2)])
    art_value = {"plain": n.title, "markup": f'<div style="text-align:center">{n.title}</div>',
                 "br": n.title[: len(n.title) // 2] + "<br>" + n.title[len(n.title) // 2 :], "none": None}[art]  # fmt: skip
    pubdate_meta = rng.random() < 0.7
    metas = [f'<meta name="SiteName" content="{esc(site)}">', f'<meta name="SiteDomain" content="{host}">',
             f'<meta name="SiteIDCode" content="{code}">', f'<meta name="ColumnName" content="{column}">',
             f'<meta name="ColumnType" content="{column}">']  # fmt: skip
    if art_value is not None:
        metas.append(f'<meta name="ArticleTitle" content="{esc(art_value)}">')
    if pubdate_meta:
        metas.append(f'<meta name="PubDate" content="{fmt_date(published, n.time, "iso_min")}">')
        shown.published = True
    metas.append(f'<meta name="ContentSource" content="{esc(site)}">')
    metas.append(f'<meta name="Keywords" content="{esc(column)}">')
    label = pick(rng, [("发布时间", 3), ("发布日期", 2), ("日期", 1), (None, 1.5)])
    info = []
    if label:
        style = pick(rng, [("iso", 2), ("iso_min", 2), ("cn", 1)])
        info.append(f"{label}：{fmt_date(published, n.time, style)}")
        shown.published = True
    info.append(f"来源：{esc(site)}")
    where = pick(rng, [("bare", 4), ("info", 2), ("none", 3)]) if n.docno else "none"
    if where == "info":
        info.append(f"{pick(rng, [('文号', 2), ('发文字号', 1)])}：{esc(n.docno)}")
        shown.docno = True
    head = pick(rng, [("div", 3), ("h1", 2), ("split", 1)])
    title_html = split_title_html(n.title) if head == "split" else esc(n.title)
    title_el = f"<h1>{title_html}</h1>" if head == "h1" else f'<div class="xl_tit">{title_html}</div>'
    body = render_lines(n, '<p style="text-indent: 2em;">{}</p>', '<p style="text-align: right;">{}</p>',
                        'border="1" cellspacing="0" cellpadding="3" style="margin:0 auto"')  # fmt: skip
    if where == "bare":
        body = docno_line(n) + "\n" + body
        shown.docno = shown.docno_in_text = True
    shown.signature = n.kind == "notice"
    serial = 1000000 + int(hashlib.sha1(n.key.encode()).hexdigest()[:5], 16) % 8000000
    url = (
        f"http://{host}/{'tzgg' if column == '通知公告' else 'zwdt'}/{published:%Y%m}/t{published:%Y%m%d}_{serial}.html"
    )
    shown.published = True  # the URL always carries it
    page = f"""<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">
<html xmlns="http://www.w3.org/1999/xhtml"><head>
<meta http-equiv="Content-Type" content="text/html; charset=gb2312" />
<title>{esc(title_tag)}</title>
{chr(10).join(metas)}
<link href="../../images/style.css" rel="stylesheet" type="text/css" />
</head><body>
<div class="top"><div class="logo"><img src="../../images/logo.png" alt="{esc(site)}" /></div>
<ul class="nav"><li><a href="../../">首页</a></li><li><a href="../../jgzn/">机构职能</a></li><li><a href="../../zwgk/">政务公开</a></li>
<li><a href="../../tzgg/">通知公告</a></li><li><a href="../../bsfw/">办事服务</a></li><li><a href="../../hdjl/">互动交流</a></li></ul></div>
<div class="location">当前位置：<a href="../../">首页</a>&nbsp;&gt;&nbsp;<a href="../">{column}</a>&nbsp;&gt;&nbsp;正文</div>
<div class="xl_box">
{title_el}
<div class="xl_info">{"&nbsp;&nbsp;&nbsp;".join(info)}&nbsp;&nbsp;&nbsp;【字号：<a href="javascript:doZoom(16)">大</a> <a href="javascript:doZoom(14)">中</a> <a href="javascript:doZoom(12)">小</a>】&nbsp;<a href="javascript:window.print()">打印</a></div>
<div class="TRS_Editor">
{body}
</div>
<div class="xl_close">【<a href="javascript:window.close()">关闭窗口</a>】</div>
</div>
<div class="xgwz"><h3>相关文章</h3>
{sidebar(others(n, pool, 4, rng), rng)}
</div>
{footer(site, icp, code)}
</body></html>"""
    return page, url, shown, column


def t_hanweb(n: Notice, pool: list[Notice], rng: random.Random, published: date) -> tuple[str, str, Shown, str]:
    """Hanweb 大汉: <!--<$[标题名称]>begin--> title cell, 发布日期 / 浏览次数 line, /art/2024/6/3/art_ URL."""
    host, icp, code, _ = SITES[n.issuer]
    column = "通知公告" if n.kind != "news" else "工作动态"
    shown = Shown(published=True)  # the /art/Y/M/D/ URL always carries it
    site = n.issuer
    title_tag = pick(rng, [(f"{n.title} - {site}", 3), (f"{site} {column} {n.title}", 1), (site, 1)])
    label = pick(rng, [("发布日期", 3), ("时间", 1), (None, 2)])
    info = []
    if label:
        style = pick(rng, [("iso", 3), ("cn_short", 1), ("iso_sec", 1)])
        info.append(f"{label}：{fmt_date(published, n.time, style)}")
    info.append(f"信息来源：{esc(site)}")
    info.append('浏览次数：<span id="c_count"><script>document.write(0)</script></span>')
    metas = []
    if rng.random() < 0.4:  # newer Hanweb versions add the GB/T meta set
        metas = [f'<meta name="SiteName" content="{esc(site)}">', f'<meta name="ColumnName" content="{column}">',
                 f'<meta name="ArticleTitle" content="{esc(n.title)}">',
                 f'<meta name="PubDate" content="{fmt_date(published, n.time, "iso_min")}">']  # fmt: skip
    where = pick(rng, [("bare", 4), ("info", 1), ("none", 2)]) if n.docno else "none"
    if where == "info":
        info.append(f"文号：{esc(n.docno)}")
        shown.docno = True
    body = render_lines(n, '<p style="text-indent:2em"><span style="font-family:仿宋_GB2312;font-size:16pt">{}</span></p>',
                        '<p align="right"><span style="font-family:仿宋_GB2312">{}</span></p>',
                        'border="1" cellspacing="0" align="center"')  # fmt: skip
    if where == "bare":
        body = docno_line(n) + "\n" + body
        shown.docno = shown.docno_in_text = True
    shown.signature = n.kind == "notice"
    col_id = 1200 + len(column) * 7
    art_id = 480000 + int(hashlib.sha1(n.key.encode()).hexdigest()[:4], 16)
    url = f"http://{host}/art/{published.year}/{published.month}/{published.day}/art_{col_id}_{art_id}.html"
    page = f"""<html>
<head>
<meta http-equiv="Content-Type" content="text/html; charset=utf-8">
<title>{esc(title_tag)}</title>
{chr(10).join(metas)}
<script language="javascript" src="/module/jslib/jquery/jquery.js"></script>
<link href="/images/hanweb.css" rel="stylesheet" type="text/css">
</head>
<body leftmargin="0" topmargin="0">
<table width="1000" border="0" align="center" cellpadding="0" cellspacing="0"><tr><td><img src="/images/banner.jpg" alt="{esc(site)}"></td></tr>
<tr><td class="nav"><a href="/">网站首页</a> | <a href="/col/col1229/index.html">政务公开</a> | <a href="/col/col1230/index.html">通知公告</a> | <a href="/col/col1231/index.html">便民服务</a></td></tr></table>
<table width="1000" border="0" align="center" cellpadding="0" cellspacing="0">
<tr><td class="dqwz">您当前的位置：<a href="/">首页</a> &gt; <a href="/col/col{col_id}/index.html">{column}</a></td></tr>
<tr><td align="center" class="title" style="font-size:22px;font-weight:bold;padding:20px 0 10px"><!--<$[标题名称]>begin-->{esc(n.title)}<!--<$[标题名称]>end--></td></tr>
<tr><td align="center" class="bt_content">{"&nbsp;&nbsp;&nbsp;".join(info)}&nbsp;&nbsp;&nbsp;字体：〖<a href="javascript:doZoom(20)">大</a> <a href="javascript:doZoom(16)">中</a> <a href="javascript:doZoom(12)">小</a>〗</td></tr>
<tr><td id="zoom" class="bt_content" style="padding:20px 40px"><!--ZJEG_RSS.content.begin--><meta name="ContentStart">
{body}
<meta name="ContentEnd"><!--ZJEG_RSS.content.end--></td></tr>
<tr><td align="right"><a href="javascript:window.print()">【打印本页】</a> <a href="javascript:window.close()">【关闭窗口】</a></td></tr>
</table>
{footer(site, icp, code)}
</body></html>"""
    return page, url, shown, column


def t_gkmlpt(n: Notice, pool: list[Notice], rng: random.Random, published: date) -> tuple[str, str, Shown, str]:
    """gkmlpt-style 信息公开: an info table (索引号, 分类, 发布机构, 成文日期, 文号, 发布日期), then the title."""
    host, icp, code, city = SITES[n.issuer]
    column = pick(rng, [("通知公告", 2), ("政策文件", 1), ("公示公告", 1)])
    shown = Shown(signature=True)  # 成文日期 is always in the table
    site = n.issuer
    idx = index_number(n, rng)
    shown.index_number = idx
    title_tag = pick(rng, [(n.title, 2), (f"{site}-政府信息公开", 2), (f"{n.title}-{site}", 1)])
    with_pub = rng.random() < 0.75
    shown.published = with_pub
    docno_label = pick(rng, [("文号", 2), ("发文字号", 2), ("字号", 1)])
    style = pick(rng, [("iso", 3), ("cn", 1)])
    pub_td = fmt_date(published, n.time, style) if with_pub else ""
    signed_td = fmt_date(n.signed, None, style)
    rows_wide = [
        ("索引号", esc(idx), "分类", esc(column)),
        ("发布机构", esc(site), "成文日期", signed_td),
        ("名称", esc(n.title), None, None),
        (docno_label, esc(n.docno or ""), "发布日期", pub_td),
        ("主题词", "", None, None),
    ]
    if n.docno:
        shown.docno = True
    if rng.random() < 0.5:  # one label per row: the 文号 row sits far below the table's first lines
        rows = "\n".join(f'<tr><th>{a}：</th><td>{b}</td></tr>' for a, b in
                         [("索引号", esc(idx)), ("主题分类", esc(column)), ("发布机构", esc(site)),
                          ("成文日期", signed_td), ("名称", esc(n.title)), ("有效性", "有效"),
                          (docno_label, esc(n.docno or "")), ("发布日期", pub_td)])  # fmt: skip
    else:
        rows = "\n".join(
            f'<tr><td class="first">{a}：</td><td class="second"{" colspan=3" if c is None else ""}>{b}</td>'
            + ("" if c is None else f'<td class="first">{c}：</td><td class="second">{d}</td>')
            + "</tr>"
            for a, b, c, d in rows_wide
        )
    body = render_lines(n, "<p>{}</p>", '<p style="text-align: right;">{}</p>', 'class="MsoTableGrid" border="1"')
    serial = 2000000 + int(hashlib.sha1(n.key.encode()).hexdigest()[:5], 16) % 900000
    url = f"http://{host}/gkmlpt/content/{serial // 1000000}/{serial // 1000}/post_{serial}.html#{1200 + len(column)}"
    page = f"""<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{esc(title_tag)}</title>
<link rel="stylesheet" href="/gkmlpt/static/css/content.css">
</head><body>
<div class="header"><div class="site-name">{esc(site)}</div><div class="platform">政府信息公开</div></div>
<div class="nav"><a href="/gkmlpt/index">首页</a><a href="/gkmlpt/policy">政策文件</a><a href="/gkmlpt/annualreport">年度报告</a><a href="/gkmlpt/guide">公开指南</a></div>
<div class="breadcrumb"><a href="/gkmlpt/index">首页</a> &gt; <a href="/gkmlpt/index#{column}">{column}</a></div>
<div class="content-box">
<div class="introduce"><table class="table-info">
{rows}
</table></div>
<div class="article">
<h1 class="title">{esc(n.title)}</h1>
<div class="article-content">
{body}
</div>
<div class="share">分享到：<a class="wx">微信</a> <a class="wb">微博</a></div>
</div></div>
{footer(site, icp, code)}
</body></html>"""
    return page, url, shown, column


def t_ucap(n: Notice, pool: list[Notice], rng: random.Random, published: date) -> tuple[str, str, Shown, str]:
    """开普云/UCAP: meta ArticleTitle/PubDate (or lower-case publishdate), 您现在的位置 crumb, /YYYYMM/uuid.shtml."""
    host, icp, code, _ = SITES[n.issuer]
    column = pick(rng, [("通知公告", 2), ("工作动态", 1)])
    site = n.issuer
    shown = Shown(signature=n.kind == "notice")
    title_tag = pick(rng, [(f"{n.title}-{site}", 3), (f"{n.title}_{site}", 1), (f"{site}-{column}", 1)])
    metas = [f'<meta name="SiteName" content="{esc(site)}">', f'<meta name="ColumnName" content="{column}">']
    meta_kind = pick(rng, [("PubDate", 2), ("publishdate", 1), (None, 1)])
    if meta_kind:
        metas.append(f'<meta name="{meta_kind}" content="{fmt_date(published, n.time, "iso_sec")}">')
        shown.published = True
    if rng.random() < 0.6:
        value = n.title if rng.random() < 0.7 else f"<p>{n.title}</p>"
        metas.append(f'<meta name="ArticleTitle" content="{esc(value)}">')
    spans = []
    if rng.random() < 0.7:
        spans.append(f"<span>发布时间：{fmt_date(published, n.time, 'iso_sec')}</span>")
        shown.published = True
    spans.append(f"<span>来源：{esc(site)}</span>")
    spans.append(
        '<span>字体：<a href="javascript:;">大</a><a href="javascript:;">中</a><a href="javascript:;">小</a></span>'
    )
    sub = ""
    if n.docno and rng.random() < 0.7:
        label = pick(rng, [("发文字号", 2), ("文号", 1)])
        sub = f'<div class="article-sub">{label}：{esc(n.docno)}</div>'
        shown.docno = True
    body = render_lines(n, '<p style="text-indent:2em;">{}</p>', '<p style="text-align:right;">{}</p>', 'border="1"')
    uuid = hashlib.sha1(("ucap" + n.key).encode()).hexdigest()[:24]
    url = f"http://{host}/zwgk/{'tzgg' if column == '通知公告' else 'gzdt'}/{published:%Y%m}/{uuid}.shtml"
    editor = n.editor or ("孙晓" if rng.random() < 0.5 else None)
    shown.editor = editor
    editor_html = f'<div class="article-editor">责任编辑：{esc(editor)}</div>' if editor else ""
    page = f"""<!DOCTYPE html><html><head>
<meta http-equiv="Content-Type" content="text/html; charset=utf-8" />
<title>{esc(title_tag)}</title>
{chr(10).join(metas)}
<script src="/ucap/js/jquery.min.js"></script>
</head><body>
<div class="ucap-header"><a class="logo" href="/">{esc(site)}</a>
<div class="search"><input type="text" placeholder="请输入关键字"><button>搜索</button></div></div>
<div class="ucap-nav"><a href="/">首页</a><a href="/zwgk/">政务公开</a><a href="/zwfw/">政务服务</a><a href="/hdjl/">互动交流</a></div>
<div class="position">您现在的位置：<a href="/">首页</a>&gt;<a href="/zwgk/">政务公开</a>&gt;<a href="../">{column}</a></div>
<div class="article">
<h1 class="article-title">{esc(n.title)}</h1>
{sub}
<div class="article-info">{"".join(spans)}</div>
<div class="article-content" id="zoom">
{body}
</div>
{editor_html}
<div class="article-tools"><a href="javascript:window.print()">打印</a> <a href="javascript:window.close()">关闭</a></div>
</div>
<div class="ucap-side"><div class="side-title">最新发布</div>
{sidebar(others(n, pool, 5, rng), rng, "iso")}
</div>
{footer(site, icp, code)}
</body></html>"""
    return page, url, shown, column


def t_static(n: Notice, pool: list[Notice], rng: random.Random, published: date) -> tuple[str, str, Shown, str]:
    """A static-site 民政局: the site name in <title> and <h1>, the title in <h2>, an optional 时间 line."""
    host, icp, code, city = SITES[n.issuer]
    site = n.issuer
    column = "通知公告" if n.kind != "news" else "工作动态"
    shown = Shown(signature=n.kind == "notice")
    title_tag = pick(rng, [(site, 2), (f"{site}-{column}", 1), (n.title, 1)])
    label = pick(rng, [("时间", 2), ("日期", 1), ("发布时间", 1), (None, 3)])
    line = ""
    if label:
        style = pick(rng, [("cn_short", 2), ("short", 1), ("iso", 1), ("dot", 1)])
        line = f'<p class="sj">{label}：{fmt_date(published, n.time, style)}　点击：{rng.randint(30, 900)}次</p>'
        shown.published = True
    sign = rng.random() < 0.7
    shown.signature = shown.signature and sign
    body = render_lines(n, "<p>　　{}</p>", '<p align="right">{}</p>', 'border="1" width="90%"', signature=sign)
    where = pick(rng, [("bare", 1), ("none", 1)]) if n.docno else "none"
    if where == "bare":
        body = docno_line(n) + "\n" + body
        shown.docno = shown.docno_in_text = True
    shown.extra["signature_rendered"] = sign
    num = 300 + int(hashlib.sha1(n.key.encode()).hexdigest()[:3], 16)
    url = pick(rng, [(f"http://{host}/news/{num}.html", 1), (f"http://{host}/show.asp?id={num}", 1)])
    page = f"""<html><head>
<meta http-equiv="Content-Type" content="text/html; charset=gb2312">
<title>{esc(title_tag)}</title>
<style>body{{font-size:12px}} .wz h2{{text-align:center}}</style>
</head><body>
<div id="top"><h1>{esc(site)}</h1></div>
<div id="menu"><a href="/">首 页</a> <a href="/news/">{column}</a> <a href="/bszn/">办事指南</a> <a href="/lxwm/">联系我们</a></div>
<div class="wz">
<h2>{esc(n.title)}</h2>
{line}
<div class="nr">
{body}
</div>
</div>
<div id="bottom">版权所有：{esc(site)}　{esc(icp)}</div>
</body></html>"""
    return page, url, shown, column


def t_wordpress(n: Notice, pool: list[Notice], rng: random.Random, published: date) -> tuple[str, str, Shown, str]:
    """A WordPress-like association theme: site-title h1, entry-title, <time datetime>, og / article meta."""
    host = SITES[n.issuer][0]
    site = n.issuer
    column = "协会动态" if n.kind == "news" else "通知公告"
    shown = Shown(signature=n.kind == "notice")
    sep = pick(rng, [(" - ", 2), (" – ", 1), (" | ", 1)])
    title_tag = f"{n.title}{sep}{site}"
    metas = [f'<meta property="og:site_name" content="{esc(site)}" />']
    if rng.random() < 0.7:
        metas.append(f'<meta property="og:title" content="{esc(n.title)}" />')
    modified = published + timedelta(days=rng.randint(3, 40))
    if rng.random() < 0.6:
        metas.append(f'<meta property="article:published_time" content="{fmt_date(published, n.time, "iso_t")}" />')
        metas.append(f'<meta property="article:modified_time" content="{fmt_date(modified, "10:00", "iso_t")}" />')
        shown.published = True
    visible = rng.random() < 0.8
    posted = ""
    if visible:
        posted = (f'<span class="posted-on">发布于 <a href="#" rel="bookmark"><time class="entry-date published" '
                  f'datetime="{fmt_date(published, n.time, "iso_t")}">{fmt_date(published, n.time, "cn_short")}</time>'
                  f'<time class="updated" datetime="{fmt_date(modified, "10:00", "iso_t")}">'
                  f'{fmt_date(modified, None, "cn_short")}</time></a></span>')  # fmt: skip
        shown.published = True
    slug_date = rng.random() < 0.5
    pid = 100 + int(hashlib.sha1(n.key.encode()).hexdigest()[:3], 16) % 900
    url = f"http://{host}/{published:%Y/%m/%d}/post-{pid}/" if slug_date else f"http://{host}/?p={pid}"
    if slug_date:
        shown.published = True
    body = render_lines(n, "<p>{}</p>", '<p style="text-align: right;">{}</p>', 'class="wp-block-table"')
    if n.docno and rng.random() < 0.6:
        body = f'<p style="text-align: center;">{esc(n.docno)}</p>\n' + body
        shown.docno = shown.docno_in_text = True
    level = pick(rng, [(1, 3), (2, 1)])
    months = sorted({(m.signed.year, m.signed.month) for m in pool}, reverse=True)[:6]
    archive = "".join(f'<li><a href="/{y}/{mo:02d}/">{y}年{mo}月</a></li>' for y, mo in months)
    page = f"""<!doctype html>
<html lang="zh-Hans"><head><meta charset="UTF-8">
<title>{esc(title_tag)}</title>
{chr(10).join(metas)}
<link rel='stylesheet' href='/wp-content/themes/twentyseventeen/style.css' type='text/css' media='all' />
</head>
<body class="post-template-default single single-post">
<header id="masthead" class="site-header"><h1 class="site-title"><a href="/" rel="home">{esc(site)}</a></h1>
<p class="site-description">专业 · 助人 · 自助</p>
<nav class="main-navigation"><ul><li><a href="/">首页</a></li><li><a href="/category/news/">协会动态</a></li><li><a href="/category/notice/">通知公告</a></li><li><a href="/join/">会员服务</a></li></ul></nav></header>
<div id="content" class="site-content"><main id="main" class="site-main">
<article id="post-{pid}" class="post-{pid} post type-post status-publish">
<header class="entry-header"><div class="entry-meta">{posted} <span class="byline">作者：<a href="/author/admin/">秘书处</a></span> <span class="cat-links"><a href="/category/">{column}</a></span></div>
<h{level} class="entry-title">{esc(n.title)}</h{level}>
</header>
<div class="entry-content">
{body}
</div>
<footer class="entry-footer"><nav class="navigation post-navigation"><div class="nav-previous"><a href="/?p={pid - 1}">上一篇：{esc(others(n, pool, 1, rng)[0].title)}</a></div></nav></footer>
</article></main>
<aside id="secondary" class="widget-area"><section class="widget"><h2 class="widget-title">近期文章</h2>
{sidebar(others(n, pool, 5, rng), rng, "cn_short")}
</section><section class="widget"><h2 class="widget-title">文章归档</h2><ul>{archive}</ul></section></aside></div>
<footer class="site-footer"><p>© {published.year} {esc(site)} 版权所有　由 WordPress 强力驱动</p></footer>
</body></html>"""
    return page, url, shown, column


def t_portal(n: Notice, pool: list[Notice], rng: random.Random, published: date) -> tuple[str, str, Shown, str]:
    """A news-portal column (纪检 / 党建 style): `-纪检` <title>, an <h1> naming the column, lower-case publishdate."""
    host, icp, code, _ = SITES[n.issuer]
    site = n.issuer
    column = pick(rng, [("工作动态", 2), ("通知公告", 1)])
    shown = Shown(signature=n.kind == "notice")
    title_tag = pick(rng, [(f"{n.title}-纪检", 2), (f"{n.title}-{column}-{site}", 2), (column, 1)])
    metas = []
    if rng.random() < 0.5:
        metas.append(f'<meta name="publishdate" content="{published.isoformat()}">')
        shown.published = True
    column_h1 = rng.random() < 0.5
    info = []
    if rng.random() < 0.75:
        info.append(
            f"{pick(rng, [('日期', 1), ('时间', 1), ('发布时间', 1)])}：{fmt_date(published, n.time, 'iso_min')}"
        )
        shown.published = True
    info.append(f"来源：{esc(site)}")
    info.append(f"作者：{pick(rng, [('办公室', 1), ('宣传科', 1)])}")
    body = render_lines(n, "<p>{}</p>", '<p style="text-align:right">{}</p>', 'border="1"')
    if n.docno and rng.random() < 0.5:
        label = pick(rng, [("文号", 1), ("发文字号", 1)])
        info.append(f"{label}：{esc(n.docno)}")
        shown.docno = True
    editor = n.editor or pick(rng, [("王晗", 1), ("刘喆", 1), (None, 1)])
    shown.editor = editor
    editor_html = f'<div class="editor">（责任编辑：{esc(editor)}）</div>' if editor else ""
    uid = int(hashlib.sha1(n.key.encode()).hexdigest()[:6], 16)
    url = f"http://{host}/html/{'gzdt' if column == '工作动态' else 'tzgg'}/{published:%Y}/{uid}.html"
    page = f"""<!DOCTYPE html>
<html><head><meta charset="utf-8">
<title>{esc(title_tag)}</title>
{chr(10).join(metas)}
</head><body>
<div class="head"><div class="logo"><a href="/">{esc(site)}</a></div></div>
<div class="menu"><a href="/">首页</a><a href="/gzdt/">工作动态</a><a href="/tzgg/">通知公告</a><a href="/zcfg/">政策法规</a><a href="/dj/">党建纪检</a></div>
<div class="main"><div class="left">
<div class="crumbs"><a href="/">首页</a> &gt;&gt; <a href="/{column}/">{column}</a> &gt;&gt; 正文</div>
{f'<h1 class="lm">{column}</h1>' if column_h1 else ""}
<div class="detail">
<div class="d-title">{esc(n.title)}</div>
<div class="d-info">{"　".join(info)}　【<a href="javascript:window.print()">打印本页</a>】</div>
<div class="d-content">
{body}
</div>
{editor_html}
</div></div>
<div class="right"><h3>热点排行</h3>
{sidebar(others(n, pool, 6, rng), rng, "iso")}
</div></div>
{footer(site, icp, code)}
</body></html>"""
    return page, url, shown, column


def t_zwgk(n: Notice, pool: list[Notice], rng: random.Random, published: date) -> tuple[str, str, Shown, str]:
    """gov.cn-style 政府信息公开 detail: a bordered table (索 引 号, 发文机关, 发文字号, 成文日期, 发布日期), then the text."""
    host, icp, code, _ = SITES[n.issuer]
    site = n.issuer
    column = "政策文件" if n.docno else "通知公告"
    shown = Shown(signature=True)  # 成文日期 is always in the table
    idx = index_number(n, rng)
    shown.index_number = idx
    title_tag = pick(rng, [(f"{n.title}_{column}_{site}", 2), (f"{site}门户网站", 1)])
    style = pick(rng, [("cn", 2), ("iso", 1)])
    with_pub = rng.random() < 0.8
    shown.published = with_pub
    if n.docno:
        shown.docno = True
    table = f"""<table class="bd1" width="660" border="0" cellpadding="0" cellspacing="0">
<tr><td width="70"><b>索 引 号：</b></td><td width="260">{esc(idx)}</td><td width="70"><b>主题分类：</b></td><td>{esc(n.topic or "民政")}</td></tr>
<tr><td><b>发文机关：</b></td><td>{esc(site)}</td><td><b>成文日期：</b></td><td>{fmt_date(n.signed, None, style)}</td></tr>
<tr><td><b>标　　题：</b></td><td colspan="3">{esc(n.title)}</td></tr>
<tr><td><b>发文字号：</b></td><td>{esc(n.docno or "")}</td><td><b>发布日期：</b></td><td>{fmt_date(published, None, style) if with_pub else ""}</td></tr>
</table>"""
    body = render_lines(n, '<p style="text-indent: 2em; font-family: 仿宋_GB2312;">{}</p>',
                        '<p style="text-align: right;">{}</p>', 'border="1" cellspacing="0"')  # fmt: skip
    serial = 5300000 + int(hashlib.sha1(n.key.encode()).hexdigest()[:5], 16) % 600000
    url = f"http://{host}/zhengce/content/{published:%Y-%m}/{published:%d}/content_{serial}.htm"
    shown.published = True  # the URL carries year, month and day
    page = f"""<!DOCTYPE html><html><head>
<meta http-equiv="Content-Type" content="text/html; charset=utf-8" />
<title>{esc(title_tag)}</title>
<meta name="lanmu" content="{column}">
</head><body>
<div class="header"><img src="/images/logo.png" alt="{esc(site)}门户网站"></div>
<div class="BreadcrumbNav"><a href="/">首页</a> &gt; <a href="/zhengce/">政策</a> &gt; <a href="/zhengce/xxgk/">{column}</a></div>
<div class="wrap">
{table}
<table width="800" border="0" align="center"><tr><td class="b12c" id="UCAP-CONTENT">
<div class="pages_content">
<div class="title" style="text-align:center;font-size:20px">{esc(n.title)}</div>
{body}
</div></td></tr></table>
<div class="pages_print"><a href="javascript:window.print()">【打印】</a> <a href="javascript:window.close()">【关闭】</a></div>
</div>
{footer(site, icp, code)}
</body></html>"""
    return page, url, shown, column


TEMPLATES = {
    "trs": t_trs,
    "hanweb": t_hanweb,
    "gkmlpt": t_gkmlpt,
    "ucap": t_ucap,
    "static": t_static,
    "wordpress": t_wordpress,
    "portal": t_portal,
    "zwgk": t_zwgk,
}
# Encodings the templates are served in: GB family for the older CMSs (as their meta says), UTF-8 otherwise.
CHARSETS = {"trs": "gb18030", "static": "gb18030"}


# -- the set ---------------------------------------------------------------------------------------
def build_pages() -> list[Page]:
    """Return every govset page (each text under each template), deterministically."""
    notices = load_notices()
    pages: list[Page] = []
    for name, render in TEMPLATES.items():
        for n in notices:
            rng = random.Random(hashlib.sha1(f"{name}:{n.key}".encode()).hexdigest())
            delay = 0 if rng.random() < 0.5 else rng.randint(1, 5)
            published = n.signed if n.kind == "news" else n.signed + timedelta(days=delay)
            page, url, shown, column = render(n, notices, rng, published)
            listed = None
            if rng.random() < 0.5:  # half the pages were seen in a list row
                agree = rng.random() >= 0.08
                listed_title = (
                    truncated(n.title, rng.choice((18, 24, 40))) if agree else others(n, notices, 1, rng)[0].title
                )
                listed = {"title": listed_title, "date": published.isoformat() if rng.random() < 0.85 else None,
                          "column": column, "list_url": url.rsplit("/", 1)[0] + "/index.html",
                          "title_agrees": agree}  # fmt: skip
            # the publication date when the page or its list row shows it, else the signature date, else none
            page_date = published if shown.published else (n.signed if shown.signature else None)
            gold_date = published if listed and listed["date"] else page_date
            text = gold_lines(n, signature=shown.extra.get("signature_rendered", True))
            if shown.docno_in_text:
                text = [n.docno or "", *text]
            charset = CHARSETS.get(name, "utf-8")
            body = page.encode(charset)
            ctype = (
                "text/html" if rng.random() < 0.4 else f"text/html; charset={'GBK' if charset != 'utf-8' else 'UTF-8'}"
            )
            pages.append(Page(
                id=f"{name}-{n.key}", template=name, text_key=n.key, part=part_of(name, n.key), url=url, body=body,
                headers={"content-type": ctype}, column=column, listed=listed,
                gold={"text": "\n".join(text), "title": n.title,
                      "published_at": gold_date.isoformat() if gold_date else None,
                      "published_at_page_only": page_date.isoformat() if page_date else None,
                      "doc_number": n.docno if shown.docno else None, "index_number": shown.index_number,
                      "editor": shown.editor, "kind": n.kind},
            ))  # fmt: skip
    return pages


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Write the govset pages and gold to a directory.")
    parser.add_argument("--out", type=Path, required=True, help="directory for pages/*.html and gold.jsonl")
    args = parser.parse_args(argv)
    pages = build_pages()
    (args.out / "pages").mkdir(parents=True, exist_ok=True)
    with open(args.out / "gold.jsonl", "w", encoding="utf-8") as fh:
        for p in pages:
            (args.out / "pages" / f"{p.id}.html").write_bytes(p.body)
            row = {"id": p.id, "template": p.template, "text_key": p.text_key, "part": p.part, "url": p.url,
                   "headers": p.headers, "column": p.column, "listed": p.listed, **p.gold}  # fmt: skip
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    parts = {k: sum(p.part == k for p in pages) for k in ("dev", "held_out_text", "held_out_template")}
    print(f"{len(pages)} pages in {args.out} ({parts})", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
