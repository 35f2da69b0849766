"""Extraction benchmark: char-bag F1, collapsed and bloated pages, chrome lines and pages/s of zhcorpus vs
trafilatura and readability-lxml, on each set and on each set's development and held-out parts.

Run by hand from the repository root (writes bench/extract/RESULTS.md next to this file):

    .venv/bin/python bench/extract/run.py [--dev ../shared/benchdata/extract-dev] [--repeat 5]
    .venv/bin/python bench/extract/run.py --sets dev,hard --tools zhcorpus --repeat 1 --out /tmp/r.md  # tuning

Sets:
- dev: the 52 real Chinese pages with gold text of ../shared/benchdata/extract-dev (Apache-2.0, from the
  magic-html benchmark; read in place, never copied). Split deterministically into a development part
  and a held-out third (page id as hex, mod 3 == 0) to keep rules general.
- sites: every bundled fixture site's detail pages as served (fixtures.server.fetch_bytes); gold is the
  notice's source text from the fixture's own YAML (all development: the fixtures were written with the rules).
- hard: generated "hard shape" pages (bench/extract/hardshapes.py: list-formatted articles, comments that
  outweigh the article, comment policies, wiki boxes, portal teasers, forum threads, pages where nothing
  stands out), held out by its own fixed rule, with vocabulary variants the development part never shows.
- govset: 384 gov notice pages under eight CMS detail templates with gold (bench/extract/govset, built on the
  metadata branch, cherry-picked here), held out by its own rule (two whole templates, a fifth of the texts).

Per-page figures are printed for development parts only: held-out pages are summarised, never listed, unless
--show-held-out is given (never while writing rules).

Tools, all single-process in the same run: ours = the whole clean_page pipeline (decode, repair,
extract, meta, normalise) from raw bytes; trafilatura.extract(favor_precision=True) and readability-lxml
Document.summary() from the same raw bytes. Timings are in CPU time of this process over --repeat rounds;
each round runs every tool once over the whole set, in an order rotated from round to round (other
processes may share the machine): a tool's best round, and the median of the per-round ratios to
trafilatura. The cleaning models are warmed first (cleaning.pipeline.warm_up), as the clean job does.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

import lxml.html  # noqa: E402
import trafilatura  # noqa: E402
from readability import Document  # noqa: E402

from bench.extract import hardshapes  # noqa: E402
from bench.machine import machine_info  # noqa: E402
from cleaning.extract.metrics import char_bag_f1  # noqa: E402
from cleaning.pipeline import PageInput, clean_page  # noqa: E402

DEFAULT_DEV = ROOT.parent / "shared" / "benchdata" / "extract-dev"
GOVSET = Path(__file__).with_name("govset")
HOLDOUT_MOD = 3
COLLAPSE_RECALL = 0.3  # a page whose output holds less than this share of the gold's characters collapsed
BLOATED_PRECISION = 0.3  # ... and one whose output is mostly not gold kept the page around the text
# Boilerplate the issue names; a page leaks when its output holds one its gold text doesn't.
LEAK_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("当前位置", re.compile(r"当前位置|當前位置|目前位置|您的位置|您现在的位置")),
    ("上一篇/下一篇", re.compile(r"上一篇|下一篇|上一條|下一條")),
    ("友情链接", re.compile(r"友情链接|友情鏈接")),
    ("分享到", re.compile(r"分享到")),
    ("打印/关闭", re.compile(r"打印本页|列印本頁|关闭窗口|關閉窗口")),
    ("字号", re.compile(r"字\s*[号號]\s*[:：]?\s*[\[【(（]?\s*大")),
    ("footer", re.compile(r"主办单位|主辦單位|版权所有|版權所有|ICP备|技术支持|網站標識碼|网站标识码")),
    ("promo", re.compile(r"下面是.{0,80}希望.{0,10}(帮助|幫助)")),
)
# Chrome lines, the bench's own table (written apart from cleaning/extract/line_rules.py, so a rule can't
# grade itself): an output line matching one, absent from the gold text, makes the page a chrome page.
CHROME_LINE_MAX = 60  # longer lines are text that happens to mention a control, not a control
CHROME_LINES: tuple[tuple[str, re.Pattern[str]], ...] = (
    # 【字体：大 中 小】 / 字号：T|T / 调整字体 / 放大 正常 缩小 / 【大 中 小】
    (
        "font size",
        re.compile(
            r"字\s*[号號体體]\s*[:：]|调整字体|放大\s*正常\s*缩小|[大中小]\s*[|｜ ]\s*[大中小]\s*[|｜ ]\s*[大中小]|"
            r"[【\[]\s*大\s*中\s*小\s*[】\]]"
        ),
    ),
    # 【打印本稿】 【关闭】 / 打印本页 / 关闭窗口 / [打印] / 我要打印
    (
        "print/close",
        re.compile(r"打印本[页頁稿文]|打印此[页文]|关闭窗口|關閉視窗|我要打印|[【\[]\s*(打印|关闭|關閉|列印)\s*[】\]]"),
    ),
    # 责任编辑：王岚 / 编辑：… / 审核： / 校对： / 初审 复审 终审
    (
        "editor",
        re.compile(r"^[\[【(（]?\s*(责任编辑|責任編輯|责编|编辑|編輯|审核|審核|校对|校對|初审|复审|终审)\s*[:：]"),
    ),
    # 点击进入专题>> / 更多>> / 查看更多>>
    ("promo", re.compile(r"(点击|更多|进入|查看).{0,12}(>>|》》|»)\s*$")),
    # 图集 / 高清图集 / 【图集】 / 组图
    ("gallery", re.compile(r"^[【\[]?\s*(高清)?(图集|组图)\s*[】\]]?$")),
    # 分享到： / 扫一扫在手机打开
    ("share", re.compile(r"^分享到|扫一扫")),
    # 上一篇：… / 下一篇：…
    ("prev/next", re.compile(r"^(上一篇|下一篇)")),
    # 当前位置：首页 > …
    ("breadcrumb", re.compile(r"^(当前位置|您的位置|您现在的位置|位置)\s*[:：]|^首页\s*[>＞»]")),
    # 版权所有 © / 浙ICP备 / 网站标识码 / 主办单位：
    ("footer", re.compile(r"版权所有|ICP备|网站标识码|主办单位\s*[:：]")),
    # 网友评论 / 发表评论 / 热门跟帖 (a comment section's heading or controls)
    (
        "comments",
        re.compile(r"^(网友评论|发表评论|我要评论|全部评论|热门评论|最新评论|热门跟帖|精彩评论|读者留言|评论区)"),
    ),
    # 回复 引用 举报 / 赞(12) (a comment's or post's action bar)
    ("actions", re.compile(r"^(回复|引用|举报)(\s+(回复|引用|举报|支持|反对|评分))+|赞\s*[(（]\d+[)）]")),
    # 只看该作者 / 发表于 2024-… / 查看: 123 | 回复: 4 (forum chrome)
    ("forum", re.compile(r"只看该作者|^\S{0,4}\s*发表于\s*\d|^查看\s*[:：]\s*\d+\s*\|\s*回复|^返回列表|^发新帖")),
    # 浏览次数：128 / 阅读量：3
    ("counter", re.compile(r"(浏览次数|阅读次数|点击数|浏览量|阅读量)\s*[:：]\s*\d")),
    # 本条目需要补充更多来源 / 此条目没有列出任何参考 (a wiki notice box)
    ("wiki box", re.compile(r"^(本|此)条目(需要|可能|存在|没有|的内容|的语调)")),
)
BLOCKS = {"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "table", "section", "article"}
_SPACES = re.compile(r"\s+")


def leaks(text: str, gold: str) -> list[str]:
    """Return the names of LEAK_PATTERNS found in text but not in gold."""
    return [name for name, pat in LEAK_PATTERNS if pat.search(text) and not pat.search(gold)]


def chrome_lines(text: str, gold: str) -> list[tuple[str, str]]:
    """Return (pattern name, line) for each short output line matching CHROME_LINES that the gold doesn't hold."""
    bare_gold = _SPACES.sub("", gold)
    found = []
    for line in text.splitlines():
        line = line.strip()
        if not line or len(line) > CHROME_LINE_MAX or _SPACES.sub("", line) in bare_gold:
            continue
        for name, pattern in CHROME_LINES:
            if pattern.search(line):
                found.append((name, line))
                break
    return found


def precision_recall(predicted: str, gold: str) -> tuple[float, float]:
    """Return the char-bag precision and recall of predicted against gold."""
    a = Counter(c for c in predicted if not c.isspace())
    b = Counter(c for c in gold if not c.isspace())
    overlap = sum((a & b).values())
    return (overlap / sum(a.values()) if a else 0.0), (overlap / sum(b.values()) if b else 0.0)


# -- tools: raw bytes -> text -------------------------------------------------------------------------
def run_ours(page: dict) -> str:
    result = clean_page(PageInput(url=page["url"], body=page["body"], headers=page["headers"], **page["hints"]))
    return "\n".join(d.text for d in result.documents)


def run_trafilatura(page: dict) -> str:
    return trafilatura.extract(page["body"], favor_precision=True) or ""


def run_readability(page: dict) -> str:
    html = Document(page["body"]).summary(html_partial=True)
    root = lxml.html.fromstring(html) if html.strip() else None
    if root is None:
        return ""
    for el in root.iter():
        if el.tag in BLOCKS:
            el.tail = "\n" + (el.tail or "")
    return root.text_content()


TOOLS: dict[str, Callable[[dict], str]] = {
    "zhcorpus (clean_page)": run_ours,
    "trafilatura (favor_precision)": run_trafilatura,
    "readability-lxml": run_readability,
}


# -- data sets ---------------------------------------------------------------------------------------
def load_dev(root: Path) -> list[dict]:
    """Return the dev pages with gold text (read in place from shared/benchdata)."""
    pages = []
    for line in (root / "gold.jsonl").read_text(encoding="utf-8").splitlines():
        gold = json.loads(line)
        body = (root / "pages" / f"{gold['id']}.html").read_bytes()
        pages.append({"id": gold["id"], "url": gold["url"], "body": body, "gold": gold["text"],
                      "headers": {"content-type": "text/html"}, "hints": {},
                      "held_out": int(gold["id"], 16) % HOLDOUT_MOD == 0})  # fmt: skip
    return pages


def load_sites() -> list[dict]:
    """Return every bundled site's detail pages as served, with the notice's source text as gold."""
    from crawlers.sites import load_registry
    from fixtures.common import body_lines
    from fixtures.server import _offline_sites, fetch_bytes

    sites = _offline_sites(1)
    reg = {s.id: s for s in load_registry().sites}
    wanted: list[tuple[str, str, str]] = []  # (site id, path, gold)

    def gold_of(body: str) -> str:
        return "\n".join(line.lstrip(">").replace("|", " ") for line in body_lines(body))

    wanted += [("qingzhou-mzj", n.path, gold_of(n.body)) for n in sites["mzj.qingzhou.example"].notices]
    wanted += [("lingnan-swa", a.path, gold_of(a.body)) for a in sites["www.lnswa.example"].articles]
    wanted += [("mzb", n.path, gold_of(n.body)) for n in sites["www.mzb.example"].notices]
    wanted += [("taibei-swa", n.path, gold_of(n.body)) for n in sites["www.twswa.example"].news]
    wanted += [
        ("fanwen", e.path, "\n".join(gold_of(b) for _, b in e.parts)) for e in sites["www.fanwen.example"].essays
    ]
    traps = sites["trap.example"]
    wanted += [("traps", f"/notices/{k}.html", gold_of(traps.texts[k]["body"])) for k in ("n1", "n2", "n3")]
    pages = []
    for site_id, path, gold in wanted:
        site = reg[site_id]
        host = site.allowed_domains[0]
        status, headers, body = fetch_bytes(host, path)
        assert status == 200, (host, path)
        hints = {"site_id": site.id, "encoding_hint": site.encoding, "script_hint": site.script, "column": site.column}
        pages.append({"id": f"{site_id}:{path}", "url": f"http://{host}{path}", "body": body, "gold": gold,
                      "headers": headers, "hints": hints, "held_out": False, "site": site_id})  # fmt: skip
    return pages


def load_hard() -> list[dict]:
    """Return the generated hard-shape pages (bench/extract/hardshapes.py), each with its part."""
    return hardshapes.generate(DEFAULT_DEV)


def load_govset() -> list[dict]:
    """Return the govset pages (bench/extract/govset/build.py, generated at run time) when that set is
    present; held out = its parts held_out_template and held_out_text."""
    if not (GOVSET / "build.py").exists():
        return []
    import importlib

    build = importlib.import_module("bench.extract.govset.build")
    return [{"id": p.id, "url": p.url, "body": p.body, "gold": p.gold["text"], "headers": p.headers,
             "hints": {"column": p.column}, "held_out": p.part != "dev", "shape": p.template}
            for p in build.build_pages()]  # fmt: skip


SETS: dict[str, Callable[[argparse.Namespace], list[dict]]] = {
    "dev": lambda args: load_dev(Path(args.dev)),
    "sites": lambda args: load_sites(),
    "hard": lambda args: load_hard(),
    "govset": lambda args: load_govset(),
}
TIMED_SETS = ("dev", "sites")  # pages/s against trafilatura is measured on the real and the fixture pages


# -- measuring ---------------------------------------------------------------------------------------
def warm_up() -> None:
    """Load the cleaning models before timing, as the clean job does at its start."""
    from cleaning.pipeline import warm_up as warm_pipeline

    warm_pipeline()


def measure(
    pages: list[dict], tools: dict[str, Callable[[dict], str]], repeat: int
) -> dict[str, tuple[list[str], list[float]]]:
    """Return {tool: (outputs, pages/s of each of the repeat rounds)}.

    Each round runs every tool once over the set, in an order rotated from round to round, so a burst of
    load from another process falls on all tools alike and no tool always runs right after another.
    """
    names = list(tools)
    rates: dict[str, list[float]] = {name: [] for name in names}
    outputs: dict[str, list[str]] = {}
    for round_ in range(repeat):
        for name in names[round_ % len(names) :] + names[: round_ % len(names)]:
            start = time.process_time()  # CPU time: other processes on a shared machine inflate it less
            outputs[name] = [tools[name](p) for p in pages]
            rates[name].append(len(pages) / max(time.process_time() - start, 1e-9))
    return {name: (outputs[name], rates[name]) for name in names}


def median(values: list[float]) -> float:
    ordered = sorted(values)
    if not ordered:
        return 0.0
    mid = len(ordered) // 2
    return ordered[mid] if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2


def mean(values: list[float]) -> float:
    return sum(values) / len(values) if values else 0.0


def score_page(output: str, page: dict) -> dict:
    """Return one page's figures: F1, precision, recall, leak names and chrome lines."""
    precision, recall = precision_recall(output, page["gold"])
    return {"id": page["id"], "held_out": page["held_out"], "shape": page.get("shape", ""),
            "f1": char_bag_f1(output, page["gold"]), "precision": precision, "recall": recall,
            "leaks": leaks(output, page["gold"]), "chrome": chrome_lines(output, page["gold"])}  # fmt: skip


def summarise(set_name: str, part: str, tool: str, scored: list[dict]) -> dict:
    """Return one result row: a set's part (or all of it) under one tool."""
    return {
        "set": set_name, "part": part, "tool": tool, "pages": len(scored), "f1": mean([s["f1"] for s in scored]),
        "collapsed": sum(s["recall"] < COLLAPSE_RECALL for s in scored),
        "bloated": sum(s["precision"] < BLOATED_PRECISION for s in scored),
        "leak_pages": sum(bool(s["leaks"]) for s in scored), "chrome_pages": sum(bool(s["chrome"]) for s in scored),
        "leaks": Counter(n for s in scored for n in s["leaks"]),
        "chrome": Counter(name for s in scored for name in dict(s["chrome"])),
    }  # fmt: skip


def evaluate(set_name: str, pages: list[dict], tools: dict[str, Callable[[dict], str]], repeat: int) -> dict:
    """Return {"rows": result rows per part and tool, "speed": rows per tool, "pages": per-page figures}."""
    timed = repeat if set_name in TIMED_SETS else 1
    measured = measure(pages, tools, timed)
    rows, per_page, speed = [], {}, []
    traf = next((rates for name, (_, rates) in measured.items() if name.startswith("trafilatura")), None)
    for tool, (outputs, rates) in measured.items():
        scored = [score_page(o, p) for o, p in zip(outputs, pages, strict=True)]
        per_page[tool] = scored
        parts = [("all", scored), ("development", [s for s in scored if not s["held_out"]])]
        if any(s["held_out"] for s in scored):
            parts.append(("held-out", [s for s in scored if s["held_out"]]))
        rows += [summarise(set_name, part, tool, subset) for part, subset in parts]
        if set_name in TIMED_SETS:
            ratio = median([r / t for r, t in zip(rates, traf, strict=True)]) if traf else 0.0
            speed.append({"set": set_name, "tool": tool, "pages": len(pages), "best": max(rates), "ratio": ratio,
                          "traf_best": max(traf) if traf else 0.0})  # fmt: skip
        dev_row = next(r for r in rows if r["tool"] == tool and r["part"] == "development")
        print(f"{set_name:6} {tool:30} dev-part F1 {dev_row['f1']:.4f}  collapsed {dev_row['collapsed']}  "
              f"chrome pages {dev_row['chrome_pages']}  {max(rates):6.1f} pages/s", file=sys.stderr)  # fmt: skip
    return {"rows": rows, "speed": speed, "pages": per_page, "opinions": second_opinions(measured, pages)}


SECOND_OPINION_MIN = 50  # characters both libraries agree on, for their agreement to say anything
SECOND_OPINION_RECALL = 0.3  # ours holding less of that agreement than this is a sign of collapse


def second_opinions(measured: dict[str, tuple[list[str], list[float]]], pages: list[dict]) -> list[dict]:
    """Return, per page, the share of what readability-lxml and trafilatura agree on (the multiset
    intersection of their characters) that our output holds: a sign of collapse that needs no gold.
    Empty unless all three tools ran."""
    ours = next((o for name, (o, _) in measured.items() if name.startswith("zhcorpus")), None)
    traf = next((o for name, (o, _) in measured.items() if name.startswith("trafilatura")), None)
    read = next((o for name, (o, _) in measured.items() if name.startswith("readability")), None)
    if ours is None or traf is None or read is None:
        return []
    out = []
    for page, mine, t, r in zip(pages, ours, traf, read, strict=True):
        agreed = _bag(t) & _bag(r)
        size = sum(agreed.values())
        held = sum((_bag(mine) & agreed).values()) / size if size else 1.0
        out.append({"id": page["id"], "held_out": page["held_out"], "agreed": size, "held": held,
                    "gold_recall": precision_recall(mine, page["gold"])[1]})  # fmt: skip
    return out


def _bag(text: str) -> Counter:
    return Counter(c for c in text if not c.isspace())


def machine() -> dict[str, str]:
    """Return the machine description for RESULTS.md, with the versions of the tools compared."""
    info = machine_info()
    info["uname"] = subprocess.run(["uname", "-a"], capture_output=True, text=True).stdout.strip() or info["uname"]
    return {**info, "trafilatura": trafilatura.__version__, "lxml": ".".join(map(str, lxml.etree.LXML_VERSION))}


def page_detail(results: dict[str, dict], *, held_out: bool, worst: int = 8) -> list[str]:
    """Return markdown lines: the lowest-F1 pages of zhcorpus per set, and their chrome lines, for one part."""
    out = []
    for set_name, result in results.items():
        scored = next((s for tool, s in result["pages"].items() if tool.startswith("zhcorpus")), [])
        part = [s for s in scored if s["held_out"] == held_out]
        if not part:
            continue
        lows = sorted(part, key=lambda s: s["f1"])[:worst]
        out.append(f"- {set_name}: " + ", ".join(
            f"{s['id']} {s['f1']:.3f} (P {s['precision']:.2f} R {s['recall']:.2f})" for s in lows))  # fmt: skip
        for s in part:
            if s["chrome"]:
                name, line = s["chrome"][0]
                more = f" and {len(s['chrome']) - 1} more" if len(s["chrome"]) > 1 else ""
                out.append(f"  - chrome on {s['id']}: ({name}) `{line[:40]}`{more}")
    return out


def render(results: dict[str, dict], info: dict[str, str], command: str, repeat: int) -> str:
    """Return RESULTS.md."""
    out = [
        "# Extraction benchmark",
        "",
        f"- date: {dt.datetime.now(dt.UTC).strftime('%Y-%m-%d %H:%M UTC')}",
        f"- command: `{command}`",
        f"- machine: `{info['uname']}`",
        f"- CPU: {info['cpu']}; Python {info['python']}; trafilatura {info['trafilatura']}; lxml {info['lxml']}",
        f"- load average (1, 5, 15 min) when the run ended: {info['load']} on {os.cpu_count()} cores",
        f"- timing: single process, one core, CPU time (time.process_time), {repeat} rounds on the dev and sites sets "
        "(the cleaning models warmed first, as the clean job does); each round runs every tool once over the set, "
        "in an order rotated from round to round (the machine is shared with other processes). pages/s is a tool's "
        "best round; × trafilatura is best against best, and the median over rounds of the ratio within a round. "
        "zhcorpus is timed for the whole clean_page pipeline from raw bytes (decode, repair, extract, meta, script, "
        "dedup key), the others for their extraction from the same bytes.",
        "- dev set: ../shared/benchdata/extract-dev (52 real pages, magic-html benchmark, Apache-2.0), held-out "
        "third = page ids with int(id, 16) % 3 == 0 (fixed up front). Before issue 13 the worst pages of both parts "
        "were inspected while writing rules, so the held-out figure of that set is indicative, not a clean "
        "hold-out; since issue 13 held-out pages and their per-page scores are not opened while tuning.",
        "- sites: the bundled fixture sites' detail pages; gold = the notices' source text (development only).",
        "- hard: bench/extract/hardshapes.py, generated from the fixture texts and the dev part's gold texts; "
        "held-out = int(sha1(id)[:8], 16) % 3 == 0, with vocabulary variants the development part never shows.",
        "- govset: bench/extract/govset (384 generated gov notice pages, 8 CMS detail templates, metadata branch); "
        "held-out = templates ucap and zwgk whole, and texts with sha1(key) % 5 == 0.",
        f"- collapsed: recall < {COLLAPSE_RECALL}; bloated: precision < {BLOATED_PRECISION} (char-bag).",
        "- leak pages: output holds 当前位置 / 上一篇 / 友情链接 / 分享到 / 打印本页 / 字号 / footer / promo text the "
        "gold does not. chrome pages: an output line of at most "
        f"{CHROME_LINE_MAX} characters, absent from the gold, matches the bench's own CHROME_LINES table (font-size "
        "controls, print/close, editor and reviewer lines, promos, 图集, share, prev/next, breadcrumb, footer, comment "
        "and forum controls, counters, wiki boxes; defined in run.py apart from the cleaning rules).",
        "",
        "| set | part | tool | pages | char-bag F1 | collapsed | bloated | leak pages | chrome pages |",
        "|---|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for result in results.values():
        for r in result["rows"]:
            out.append(f"| {r['set']} | {r['part']} | {r['tool']} | {r['pages']} | {r['f1']:.4f} | {r['collapsed']} "
                       f"| {r['bloated']} | {r['leak_pages']} | {r['chrome_pages']} |")  # fmt: skip
    speed = [s for result in results.values() for s in result["speed"]]
    if speed:
        out += ["", "## Warm speed", ""]
        out += [
            "| set | tool | pages | pages/s | × trafilatura | × trafilatura, median round |",
            "|---|---|---:|---:|---:|---:|",
        ]
        for s in speed:
            best = s["best"] / s["traf_best"] if s["traf_best"] else 0.0
            out.append(f"| {s['set']} | {s['tool']} | {s['pages']} | {s['best']:.1f} | {best:.2f} | {s['ratio']:.2f} |")
    opinions = [(name, r["opinions"]) for name, r in results.items() if r.get("opinions")]
    if opinions:
        out += ["", "## Second opinions", "",
                f"Pages where our output holds less than {SECOND_OPINION_RECALL} of the characters readability-lxml "
                f"and trafilatura agree on (at least {SECOND_OPINION_MIN} of them): a sign of collapse that needs no "
                "gold; how many of those really collapsed (gold recall < 0.3).", "",
                "| set | part | pages | doubtful | of them collapsed |", "|---|---|---:|---:|---:|"]  # fmt: skip
        for name, rows in opinions:
            for part, subset in (("development", [o for o in rows if not o["held_out"]]),
                                 ("held-out", [o for o in rows if o["held_out"]])):  # fmt: skip
                if not subset:
                    continue
                doubtful = [
                    o for o in subset if o["agreed"] >= SECOND_OPINION_MIN and o["held"] < SECOND_OPINION_RECALL
                ]
                real = sum(o["gold_recall"] < COLLAPSE_RECALL for o in doubtful)
                out.append(f"| {name} | {part} | {len(subset)} | {len(doubtful)} | {real} |")
    out += ["", "## Chrome and leaks by kind (all parts)", ""]
    for result in results.values():
        for r in result["rows"]:
            if r["part"] != "all":
                continue
            kinds = ", ".join(f"{k} {v}" for k, v in (r["chrome"] + r["leaks"]).most_common()) or "none"
            out.append(f"- {r['set']} / {r['tool']}: {kinds}")
    out += ["", "## Lowest F1 pages and chrome lines (zhcorpus), development parts only", ""]
    out += page_detail(results, held_out=False)
    out += ["", "## How far to trust these figures", "", *CAVEATS]
    return "\n".join(out) + "\n"


# Written by hand, kept with the table so no reader takes a figure for more than it is.
CAVEATS = [
    "- dev: before issue 13 the worst pages of both parts were inspected (the held-out figure is indicative); during "
    "issue 13 only development pages were opened, except that the first 600 characters of gold.jsonl (the opening "
    "of one held-out page's gold) were printed once by accident.",
    "- hard: the generator and the rules were written by the same hand, from the same knowledge of what real "
    "templates print; its held-out part has other class names and wording variants than its development part "
    "and fresh random mixes, but nobody tuned on it blind. Treat it as a regression check for the collapse "
    "shapes, not as an estimate of real-page F1.",
    "- govset: built on the metadata branch (cherry-picked); its held-out part was never opened here.",
    "- speed: the machine is shared; rerun on a quiet machine. warm_up freezes the process's objects after "
    "loading the models (gc.freeze), which also spares trafilatura and readability collections that walk them.",
]


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark, print the table and write RESULTS.md."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dev", default=str(DEFAULT_DEV), help="extract-dev directory (gold.jsonl, pages/)")
    parser.add_argument("--repeat", type=int, default=5, help="timing rounds (each runs every tool once)")
    parser.add_argument("--sets", default=",".join(SETS), help=f"comma-separated sets (default: {','.join(SETS)})")
    parser.add_argument("--tools", default="", help="comma-separated tool name prefixes (default: all)")
    parser.add_argument("--out", default=str(Path(__file__).with_name("RESULTS.md")), help="results file")
    parser.add_argument("--show-held-out", action="store_true",
                        help="also print held-out pages' per-page figures (never while writing rules)")  # fmt: skip
    args = parser.parse_args(argv)
    wanted = [t.strip() for t in args.tools.split(",") if t.strip()]
    tools = {name: fn for name, fn in TOOLS.items() if not wanted or any(name.startswith(w) for w in wanted)}
    unknown = [s for s in args.sets.split(",") if s not in SETS]
    if unknown or not tools:
        parser.error(f"unknown set(s) {unknown} or no tool matching {args.tools!r}")
    warm_up()
    results = {}
    for set_name in args.sets.split(","):
        pages = SETS[set_name](args)
        if pages:
            results[set_name] = evaluate(set_name, pages, tools, args.repeat)
    command = "python bench/extract/run.py " + " ".join(argv if argv is not None else sys.argv[1:])
    text = render(results, machine(), command.strip(), args.repeat)
    Path(args.out).write_text(text, encoding="utf-8")
    print(text)
    if args.show_held_out:
        print("\n## Held-out pages (asked for with --show-held-out)\n")
        print("\n".join(page_detail(results, held_out=True)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
