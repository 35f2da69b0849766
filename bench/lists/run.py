"""List-walk benchmark: crawl stand-in sites of many list layouts from URL-only entries; score what the lists gave.

    .venv/bin/python -m bench.lists.run --set tuned|held-out|all [--notices 120] [--json bench/out/lists.json]

For each layout (bench/lists/layouts.py) a `fixtures.standin` site serves N notices on 127.0.0.1; a registry
entry with only id, name, start_urls, allowed_domains and allow_private_network crawls it twice through the
real crawler (`crawlers.run.crawl_site`, one subprocess per crawl). Scored against the site's truth:

- found: listed notices whose detail page the crawl stored (2xx), over all notices the site lists
- titles / dates: listed title / listed date (raw.db `listings`) equal to the truth, over the notices found
- extra: listed URLs that are not notices; rerun: detail pages downloaded again by the second crawl (want 0)

Politeness is switched off for the stand-ins (defaults.pacing: no delay, no AutoThrottle): they are local.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
import zlib
from pathlib import Path

import yaml

from bench.lists.layouts import HELD_OUT, STRESS, STRESS_NOTICES, TUNED
from bench.machine import machine_info
from crawlers.run import crawl_site
from db.ids import canonical_url
from db.raw import RawStore
from fixtures.standin import Layout, StandinServer, StandinSite, registry_entry

FAST = {"download_delay": 0, "autothrottle": False, "concurrency_per_domain": 8}


def score_layout(layout: Layout, notices: int, workdir: Path) -> dict:
    """Crawl one stand-in twice and return its figures."""
    site = StandinSite(layout, notices_count=notices, seed=zlib.crc32(layout.name.encode()) % 1000)
    with StandinServer(site) as server:
        site_id = layout.name.lower()
        registry = workdir / f"{site_id}.yaml"
        entry = registry_entry(site_id, server)
        registry.write_text(
            yaml.safe_dump({"defaults": {"pacing": FAST}, "sites": [entry]}, allow_unicode=True), encoding="utf-8"
        )
        raw_db = workdir / f"{site_id}.db"
        started = time.monotonic()
        first = crawl_site(site_id, "run-1", raw_db, registry=registry)
        seconds = time.monotonic() - started
        second = crawl_site(site_id, "run-2", raw_db, registry=registry)
        truth = {canonical_url(server.url(t["path"])): t for t in site.truth()}
    store = RawStore(raw_db)
    try:
        listed = {row["url"]: row for row in store.listings(site_id)}
        stored = {
            row["url"]
            for row in store.db.query(
                "SELECT url FROM raw_pages WHERE site_id = ? AND page_type = 'detail' AND status BETWEEN 200 AND 299",
                [site_id],
            )
        }
        rerun = store.run_counts("run-2").get(site_id, {}).get("detail_pages_downloaded") or 0
    finally:
        store.close()
    found = [u for u in truth if u in stored and u in listed]
    titles = sum(1 for u in found if listed[u]["title"] == truth[u]["title"])
    dated = layout.date_format != "none"
    dates = sum(1 for u in found if listed[u]["listed_date"] == truth[u]["date"])
    return {
        "layout": layout.name,
        "notices": len(truth),
        "found": len(found),
        "titles": titles,
        "dates": dates if dated else None,
        "extra": len(set(listed) - set(truth)),
        "rerun_downloads": rerun,
        "walk_errors": first.get("walk_errors", {}),
        "adapters": first.get("adapters", {}),
        "list_pages": first.get("list_pages"),
        "second_walk_errors": second.get("walk_errors", {}),
        "crawl_s": round(seconds, 1),
        "misses": [truth[u]["path"] for u in truth if u not in found][:5],
        "wrong_titles": [
            (listed[u]["title"], truth[u]["title"]) for u in found if listed[u]["title"] != truth[u]["title"]
        ][:3],
        "wrong_dates": [
            (listed[u]["date_text"], listed[u]["listed_date"], truth[u]["date"])
            for u in found
            if dated and listed[u]["listed_date"] != truth[u]["date"]
        ][:3],
    }


def pct(n: int | None, d: int) -> str:
    """Return n/d as a percentage cell."""
    return "-" if n is None or not d else f"{100 * n / d:.1f}%"


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark on one set of layouts and print a table (and JSON if asked)."""
    parser = argparse.ArgumentParser(prog="python -m bench.lists.run", description=__doc__.splitlines()[0])
    parser.add_argument("--set", choices=["tuned", "held-out", "stress", "all"], default="tuned")
    parser.add_argument("--notices", type=int, default=120, help="notices per stand-in site")
    parser.add_argument("--only", help="run only the layouts whose name contains this")
    parser.add_argument("--json", type=Path, help="write the figures as JSON here")
    args = parser.parse_args(argv)
    layouts = {"tuned": TUNED, "held-out": HELD_OUT, "stress": STRESS, "all": TUNED + HELD_OUT + STRESS}[args.set]
    if args.only:
        layouts = [lay for lay in layouts if args.only in lay.name]
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        for layout in layouts:
            print(f"{layout.name} ...", file=sys.stderr, flush=True)
            results.append(score_layout(layout, STRESS_NOTICES.get(layout.name, args.notices), Path(tmp)))
    print(f"{'layout':28} {'found':>8} {'titles':>8} {'dates':>8} {'extra':>5} {'rerun':>5}  walk errors")
    for r in results:
        print(
            f"{r['layout']:28} {pct(r['found'], r['notices']):>8} {pct(r['titles'], r['found']):>8} "
            f"{pct(r['dates'], r['found']):>8} {r['extra']:>5} {r['rerun_downloads']:>5}  {r['walk_errors'] or ''}"
        )
    for r in results:
        if r["misses"] or r["wrong_titles"] or r["wrong_dates"]:
            print(f"\n{r['layout']}: misses {r['misses']}\n  titles {r['wrong_titles']}\n  dates {r['wrong_dates']}")
    machine = machine_info()
    print(f"\nmachine: {machine['cpu']}, {machine['cores']} cores, load {machine['load']}", file=sys.stderr)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        doc = {"machine": machine, "set": args.set, "notices": args.notices, "layouts": results}
        args.json.write_text(json.dumps(doc, ensure_ascii=False, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
