"""Metadata benchmark: published_at, title, 文号 and 索引号 of clean_page against gold, per set and part.

Run by hand from the repository root (writes bench/extract/META_RESULTS.md next to this file):

    .venv/bin/python bench/extract/meta_bench.py --final      # every part, writes META_RESULTS.md
    .venv/bin/python bench/extract/meta_bench.py --show dev   # while tuning: dev parts only, failing pages listed

Sets:
- dev: the 52 real pages of ../shared/benchdata/extract-dev (read in place) with the hand-made gold dates and
  titles of bench/extract/dev_meta.jsonl; parts as in run.py: held-out = int(id, 16) % 3 == 0.
- govset: bench/extract/govset (384 generated gov pages, gold from the generator); parts dev, held_out_text,
  held_out_template (see govset/build.py). Run twice: with the list rows the generator gives half the pages
  (ListedAs, as the crawler passes them) and page only (no list row).

Date figures count pages whose gold has a date: right, none (no date given) and wrong (another date); "false"
counts a date given on a page whose gold has none. htmldate (find_date, original_date=True) is measured on the
same pages as a reference. Without --final only the dev parts are run (what rules are tuned on); --show dev
lists their failing pages. Held-out parts are scored with --final, for the report, never while writing rules.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from bench.extract.govset.build import build_pages  # noqa: E402
from bench.machine import machine_info  # noqa: E402
from cleaning.pipeline import ListedAs, PageInput, clean_page  # noqa: E402

DEFAULT_DEV = ROOT.parent / "shared" / "benchdata" / "extract-dev"
DEV_LABELS = Path(__file__).with_name("dev_meta.jsonl")
HOLDOUT_MOD = 3
KEPT_MARK = "<!-- notes below are kept when the table above is rewritten -->"  # hand-written sections follow


def _norm(text: str | None) -> str:
    return "".join((text or "").split())


# -- sets ------------------------------------------------------------------------------------------
def load_dev(root: Path) -> list[dict]:
    """Return the dev pages with the hand-made gold of dev_meta.jsonl."""
    labels = {r["id"]: r for r in map(json.loads, DEV_LABELS.read_text(encoding="utf-8").splitlines())}
    pages = []
    for line in (root / "gold.jsonl").read_text(encoding="utf-8").splitlines():
        g = json.loads(line)
        lab = labels[g["id"]]
        part = "held_out" if int(g["id"], 16) % HOLDOUT_MOD == 0 else "dev"
        pages.append({"id": g["id"], "url": g["url"], "body": (root / "pages" / f"{g['id']}.html").read_bytes(),
                      "headers": {"content-type": "text/html"}, "listed": None, "part": part,
                      "gold": {"published_at": lab["published_at"], "title": lab["title"],
                               "doc_number": lab["doc_number"]}})  # fmt: skip
    return pages


def load_govset(with_listed: bool) -> list[dict]:
    """Return the govset pages; list rows passed as ListedAs when with_listed."""
    pages = []
    for p in build_pages():
        gold = dict(p.gold)
        if not with_listed:
            gold["published_at"] = gold["published_at_page_only"]
        listed = p.listed if with_listed else None
        pages.append({"id": p.id, "url": p.url, "body": p.body, "headers": p.headers, "part": p.part,
                      "column": p.column, "listed": listed, "gold": gold, "template": p.template})  # fmt: skip
    return pages


# -- tools -----------------------------------------------------------------------------------------
def run_ours(page: dict) -> dict:
    """Return the metadata clean_page gives the page's first document."""
    listed = page["listed"]
    row = None
    if listed:
        row = ListedAs(title=listed["title"], date=listed["date"], column=listed["column"], list_url=listed["list_url"])
    result = clean_page(PageInput(url=page["url"], body=page["body"], headers=page["headers"],
                                  column=page.get("column"), listed=row))  # fmt: skip
    if not result.documents:
        return {"published_at": None, "title": None, "doc_number": None, "flags": [], "drop": result.drop_reason}
    doc = result.documents[0]
    return {"published_at": doc.published_at, "title": doc.title, "doc_number": doc.doc_number,
            "index_number": getattr(doc, "index_number", None), "flags": list(doc.flags),
            "date_source": getattr(doc, "date_source", None), "drop": None}  # fmt: skip


def run_htmldate(page: dict) -> dict:
    """Return htmldate's original publication date of the page."""
    from htmldate import find_date

    try:
        found = find_date(page["body"], url=page["url"], original_date=True, outputformat="%Y-%m-%d")
    except Exception:  # htmldate raises on some malformed input; count as no date
        found = None
    return {"published_at": found}


TOOLS: dict[str, Callable[[dict], dict]] = {"zhcorpus": run_ours, "htmldate": run_htmldate}


# -- scoring ---------------------------------------------------------------------------------------
def score(pages: list[dict], outputs: list[dict], fields: tuple[str, ...]) -> dict:
    """Return counts per field: right / none / wrong on pages with gold, false on pages without."""
    out: dict = {"pages": len(pages)}
    if "published_at" in fields:
        with_gold = [(p, o) for p, o in zip(pages, outputs, strict=True) if p["gold"]["published_at"]]
        without = [(p, o) for p, o in zip(pages, outputs, strict=True) if not p["gold"]["published_at"]]
        out["date_gold"] = len(with_gold)
        out["date_right"] = sum(o["published_at"] == p["gold"]["published_at"] for p, o in with_gold)
        out["date_none"] = sum(not o["published_at"] for _, o in with_gold)
        out["date_wrong"] = out["date_gold"] - out["date_right"] - out["date_none"]
        out["date_nogold"] = len(without)
        out["date_false"] = sum(bool(o["published_at"]) for _, o in without)
    for name in ("title", "doc_number", "index_number"):
        if name not in fields:
            continue
        with_gold = [(p, o) for p, o in zip(pages, outputs, strict=True) if p["gold"].get(name)]
        without = [(p, o) for p, o in zip(pages, outputs, strict=True) if not p["gold"].get(name)]
        out[f"{name}_gold"] = len(with_gold)
        out[f"{name}_right"] = sum(_norm(o.get(name)) == _norm(p["gold"][name]) for p, o in with_gold)
        out[f"{name}_none"] = sum(not o.get(name) for _, o in with_gold)
        out[f"{name}_false"] = sum(bool(o.get(name)) for _, o in without) if name != "title" else 0
    if "flag" in fields:
        listed = [(p, o) for p, o in zip(pages, outputs, strict=True) if p["listed"] and p["listed"]["title"]]
        mism = [(p, o) for p, o in listed if not p["listed"]["title_agrees"]]
        out["flag_mismatch"] = len(mism)
        out["flag_caught"] = sum("listed_title_mismatch" in o.get("flags", []) for _, o in mism)
        out["flag_false"] = sum(
            "listed_title_mismatch" in o.get("flags", []) for p, o in listed if p["listed"]["title_agrees"]
        )
    return out


def failures(pages: list[dict], outputs: list[dict], part: str) -> list[str]:
    """Return one line per wrong field on the pages of one part (for tuning on dev parts only)."""
    lines = []
    for p, o in zip(pages, outputs, strict=True):
        if p["part"] != part:
            continue
        for name in ("published_at", "title", "doc_number", "index_number"):
            if name not in p["gold"] or name not in o:
                continue
            g, got = p["gold"][name], o[name]
            if _norm(g) != _norm(got):
                src = f" [{o.get('date_source')}]" if name == "published_at" else ""
                lines.append(f"{p['id']:28} {name:13} gold={g!r} got={got!r}{src}")
    return lines


def pct(a: int, b: int) -> str:
    return f"{a}/{b} ({100 * a / b:.0f}%)" if b else "–"


def evaluate(
    set_name: str, pages: list[dict], tools: dict, fields: tuple[str, ...], show: str | None, final: bool
) -> list[dict]:
    """Return result rows (one per tool and part, plus 'all') for a set; held-out parts only when final."""
    if not final:
        pages = [p for p in pages if p["part"] == "dev"]
    rows = []
    for tool, fn in tools.items():
        start = time.process_time()
        outputs = [fn(p) for p in pages]
        elapsed = time.process_time() - start
        tool_fields = fields if tool == "zhcorpus" else ("published_at",)
        parts = sorted({p["part"] for p in pages}, key=lambda s: (s != "dev", s))
        for part in [*parts, "all"] if final else parts:
            sel = [i for i, p in enumerate(pages) if part == "all" or p["part"] == part]
            row = score([pages[i] for i in sel], [outputs[i] for i in sel], tool_fields)
            rows.append({"set": set_name, "tool": tool, "part": part, "cpu_s": elapsed, **row})
        if show and tool == "zhcorpus":
            if show.startswith("held_out"):
                raise SystemExit("--show prints dev parts only: held-out pages are not looked at while tuning")
            for line in failures(pages, outputs, show):
                print(f"{set_name:14} {line}", file=sys.stderr)
    return rows


def render(rows: list[dict], info: dict[str, str], command: str) -> str:
    """Return META_RESULTS.md."""
    out = [
        "# Metadata benchmark",
        "",
        f"- date: {dt.datetime.now(dt.UTC).strftime('%Y-%m-%d %H:%M UTC')}",
        f"- command: `{command}`",
        f"- machine: `{info['uname']}`; CPU: {info['cpu']}; Python {info['python']}",
        f"- load average (1, 5, 15 min) when the run ended: {info['load']} on {os.cpu_count()} cores",
        "- dev = ../shared/benchdata/extract-dev (52 real pages) with the hand-made gold of "
        "bench/extract/dev_meta.jsonl (labelled once, before any rule work; held-out = int(id,16) % 3 == 0).",
        "- govset = bench/extract/govset (384 generated gov pages; parts fixed in build.py before any rule work). "
        "`govset+list`: half the pages carry the list row the generator made (ListedAs); `govset`: page only.",
        "- date: right / none / wrong over pages whose gold has a date; false = a date given where the gold has "
        "none. title, 文号, 索引号: right over pages whose gold has one (whitespace ignored); 文号 false = a 文号 "
        "given where the page shows none of its own. flag: list rows whose title is another notice's, caught by "
        "the `listed_title_mismatch` flag, and false flags on agreeing rows.",
        "",
        "| set | tool | part | pages | date right | date none | date wrong | false date | title right "
        "| 文号 right | 文号 false | 索引号 right | mismatch flagged | false flags | CPU s |",
        "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        g = r.get("date_gold", 0)
        cells = [
            r["set"], r["tool"], r["part"], str(r["pages"]), pct(r.get("date_right", 0), g),
            pct(r.get("date_none", 0), g), pct(r.get("date_wrong", 0), g),
            pct(r.get("date_false", 0), r.get("date_nogold", 0)),
            pct(r.get("title_right", 0), r.get("title_gold", 0)) if "title_gold" in r else "–",
            pct(r.get("doc_number_right", 0), r.get("doc_number_gold", 0)) if "doc_number_gold" in r else "–",
            str(r.get("doc_number_false", "–")),
            pct(r.get("index_number_right", 0), r.get("index_number_gold", 0)) if "index_number_gold" in r else "–",
            pct(r.get("flag_caught", 0), r.get("flag_mismatch", 0)) if "flag_mismatch" in r else "–",
            str(r.get("flag_false", "–")), f"{r['cpu_s']:.2f}" if r["part"] == "all" else "",
        ]  # fmt: skip
        out.append("| " + " | ".join(cells) + " |")
    return "\n".join(out) + "\n"


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark, print the table and write META_RESULTS.md."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dev", default=str(DEFAULT_DEV), help="extract-dev directory (gold.jsonl, pages/)")
    parser.add_argument("--out", default=str(Path(__file__).with_name("META_RESULTS.md")), help="results file")
    parser.add_argument("--show", help="print the failing pages of this part (dev parts only: dev)")
    parser.add_argument("--no-htmldate", action="store_true", help="skip the htmldate reference")
    parser.add_argument("--sets", default="dev,govset+list,govset", help="comma-separated sets to run")
    parser.add_argument("--final", action="store_true", help="also score the held-out parts (final report only)")
    args = parser.parse_args(argv)
    tools = {k: v for k, v in TOOLS.items() if not (args.no_htmldate and k == "htmldate")}
    wanted = args.sets.split(",")
    rows: list[dict] = []
    gov_fields = ("published_at", "title", "doc_number", "index_number", "flag")
    if "dev" in wanted:
        rows += evaluate("dev", load_dev(Path(args.dev)), tools, ("published_at", "title"), args.show, args.final)
    if "govset+list" in wanted:
        rows += evaluate("govset+list", load_govset(True), tools, gov_fields, args.show, args.final)
    if "govset" in wanted:
        rows += evaluate("govset", load_govset(False), tools, gov_fields[:-1], args.show, args.final)
    command = "python bench/extract/meta_bench.py " + " ".join(argv if argv is not None else sys.argv[1:])
    text = render(rows, machine_info(), command.strip())
    if args.final and not args.show:
        out = Path(args.out)
        kept = out.read_text(encoding="utf-8").partition(KEPT_MARK)[2] if out.exists() else ""
        out.write_text(text + ("\n" + KEPT_MARK + kept if kept else ""), encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
