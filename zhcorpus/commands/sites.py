"""`zhcorpus sites`: list the site registry, check it offline (and its selectors on saved pages), dry-run a site."""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from pathlib import Path

from zhcorpus.commands.options import registry_from
from zhcorpus.errors import CommandError, one_line

# Rows and rejected examples a `sites try` report prints per list page (all of them with --json).
SHOW_ROWS = 15
SHOW_REJECTED = 3


def cmd_sites(args: argparse.Namespace) -> int:
    """List the registry's sites, check the registry file, or try a site."""
    if args.action == "check":
        return _check(args)
    if args.action == "try":
        return _try(args)
    registry = registry_from(args)
    for site in registry.sites:
        state = "enabled" if site.enabled else "disabled"
        where = "bundled" if site.bundled else "remote"
        private = "private-ok" if site.allow_private_network else "public"
        print(f"{site.id:16} {state:8} {where:7} {site.kind or '-':13} {site.cms:6} {private:10} {site.name}")
    return 0


def _check(args: argparse.Namespace) -> int:
    from crawlers.sites import DEFAULT_REGISTRY, check_registry, load_registry

    path = Path(args.registry) if args.registry else DEFAULT_REGISTRY
    problems = check_registry(path)
    for problem in problems:  # the findings are the command's data (stdout); the failure is one line (stderr)
        print(one_line(problem))
    if problems:
        raise CommandError(f"{path}: {len(problems)} problem(s)")
    registry = load_registry(path)
    checked, selector_problems = _check_selectors(registry, args)
    for problem in selector_problems:
        print(one_line(problem))
    if selector_problems:
        raise CommandError(f"{path}: {len(selector_problems)} selector problem(s) on saved pages")
    for site in registry.sites:
        if site.allow_private_network:
            print(f"note: site {site.id!r} may reach private and loopback addresses (allow_private_network)")
    print(f"{path}: ok" + (f" (selectors checked on {checked} saved pages)" if checked else ""))
    return 0


def _saved_pages(args: argparse.Namespace, site_id: str) -> list[tuple[str, bytes, dict]]:
    """Return (url, body, headers) of saved list pages of a site: --saved files named after it, and the raw store's."""
    from db.raw import read_list_pages
    from jobs.config import data_paths

    pages: list[tuple[str, bytes, dict]] = []
    if getattr(args, "saved", None):
        folder = Path(args.saved)
        files = sorted(folder.glob(f"{site_id}*")) if folder.is_dir() else []
        pages += [(f"file://{p}", p.read_bytes(), {}) for p in files]
    site_file = data_paths(args.data).raw().site_path(site_id)
    pages += [(row["url"], row["body"], row["headers"]) for row in read_list_pages(site_file, site_id, limit=2)]
    return pages


def _check_selectors(registry, args: argparse.Namespace) -> tuple[int, list[str]]:
    """Return (pages checked, problems) for the registry selectors of sites that have saved list pages."""
    from crawlers.cms.rows import rows_from_selector
    from crawlers.cms.static import registry_next

    checked, problems = 0, []
    for site in registry.sites:
        rules = site.list_rules
        if not (rules.detail_links or rules.next_page):
            continue
        for url, body, headers in _saved_pages(args, site.id):
            page = _list_page(site, url if not url.startswith("file://") else site.entry_urls[0], body, headers)
            checked += 1
            if rules.detail_links and not rows_from_selector(page, rules.detail_links).rows:
                problems.append(f"site {site.id!r}, key 'list.detail_links': selects no detail link on {url}")
            if rules.next_page and registry_next(page, rules.next_page) is None and "下一页" in page.text:
                problems.append(f"site {site.id!r}, key 'list.next_page': selects nothing on {url}, which has 下一页")
    return checked, problems


def _list_page(site, url: str, body: bytes, headers: dict):
    """Return a ListPage for stored bytes, decoded as Scrapy decodes responses."""
    from scrapy.http import HtmlResponse, TextResponse

    from crawlers.cms.base import ListPage

    content_type = headers.get("content-type") or ""
    cls = TextResponse if ("json" in content_type or body.lstrip()[:1] in (b"{", b"[")) else HtmlResponse
    response = cls(url, body=body, headers={"Content-Type": content_type} if content_type else {})
    return ListPage(
        url=url,
        text=response.text,
        content_type=content_type or "text/html",
        entry_url=site.entry_urls[0],
        allowed_domains=list(site.allowed_domains),
        detail_regex=site.detail_regex,
        rules=site.list_rules,
        json_api=site.json_api,
    )


def _try(args: argparse.Namespace) -> int:
    registry = registry_from(args)
    try:
        site = registry.get(args.site)
    except KeyError as exc:
        raise CommandError(exc.args[0]) from None
    started = time.monotonic()
    if args.saved:
        report = _try_saved(site, args)
    else:
        report = _try_live(site, args)
    seconds = time.monotonic() - started
    if args.json:
        print(json.dumps({"site_id": site.id, "report": report, "seconds": round(seconds, 2)}, ensure_ascii=False))
    else:
        print(render_try(site, report, seconds, live=not args.saved))
    pages = [p for p in report if "rows" in p]
    if not pages:
        raise CommandError(f"{site.id}: no list page could be read (see above)")
    return 0


def _try_saved(site, args: argparse.Namespace) -> list[dict]:
    from crawlers.cms import parse_list
    from crawlers.spiders.notices import page_problem

    path = Path(args.saved)
    if not path.is_file():
        raise CommandError(f"{path}: no such file")
    url = args.url or site.entry_urls[0]
    page = _list_page(site, url, path.read_bytes(), {})
    result = parse_list(page, site.cms)
    return [
        {
            "column": url,
            "page_no": 1,
            "request": f"saved {path} as {url}",
            "status": None,
            "adapter": result.adapter,
            "evidence": result.evidence,
            "column_name": site.column or result.column,
            "declared_pages": result.declared_pages,
            "declared_records": result.declared_records,
            "group": result.group,
            "rows": [{**r.as_dict(), "known": False} for r in result.rows],
            "next": [{"request": n.describe(), "why": n.why, "page_no": n.page_no} for n in result.next],
            "rejected": result.rejected,
            "shell": result.shell,
            "problem": page_problem(result, 1),
        }
    ]


def _try_live(site, args: argparse.Namespace) -> list[dict]:
    from contextlib import nullcontext

    from crawlers.run import CrawlError, crawl_site
    from jobs.config import data_paths

    registry_path = Path(args.registry) if args.registry else None
    print(f"trying {site.id}: reading up to {args.pages} list page(s) per column, nothing stored", file=sys.stderr)
    if site.bundled:
        from fixtures.server import FixtureServer

        server = FixtureServer()
    else:
        server = nullcontext()
    with server as srv:
        try:
            summary = crawl_site(
                site.id,
                "dry-run",
                data_paths(args.data).raw().site_path(site.id),
                registry=registry_path,
                proxy_url=srv.proxy_url if srv else None,
                timeout_s=args.timeout,
                dry_run=True,
                try_pages=args.pages,
            )
        except CrawlError as exc:
            raise CommandError(str(exc)) from None
    return summary["report"]


def short_group(signature: str | None) -> str:
    """Return a row group's signature shortened for people: the block holding the rows and the path to a link."""
    if not signature:
        return "-"
    if " @ " not in signature:
        return signature
    path, chain = signature.split(" @ ", 1)
    return f"{chain.split('>')[-1]} > {'/'.join(path.split('/')[-3:])}"


def render_try(site, report: list[dict], seconds: float, *, live: bool) -> str:
    """Return a `sites try` report as text: per list page, the adapter, rows, next requests and rejections."""
    out = [f"site      {site.id} ({site.name})"]
    for page in report:
        out.append("")
        out.append(f"list page {page.get('page_no', '?')}  {page.get('request')}")
        if page.get("error") or "rows" not in page:
            out.append(f"  failed: {page.get('error') or 'HTTP ' + str(page.get('status'))}")
            continue
        out.append(f"  adapter   {page['adapter']}  ({'; '.join(page['evidence']) or 'no evidence'})")
        declared = [f"{page['declared_pages']} pages" if page.get("declared_pages") else ""]
        declared += [f"{page['declared_records']} records" if page.get("declared_records") else ""]
        if any(declared):
            out.append(f"  declares  {', '.join(d for d in declared if d)}")
        if page.get("column_name"):
            out.append(f"  column    {page['column_name']}")
        rows = page["rows"]
        dated = sum(1 for r in rows if r.get("date"))
        titled = sum(1 for r in rows if r.get("title"))
        where = "app shell: rows come from its API" if page.get("shell") else short_group(page.get("group"))
        out.append(f"  rows      {len(rows)} detail links, {titled} with a title, {dated} with a date  [{where}]")
        for row in rows[:SHOW_ROWS]:
            mark = "  (in the raw store)" if row.get("known") else ""
            out.append(f"    {row.get('date') or '----------'}  {row.get('title') or '(no title)'}{mark}")
            out.append(f"                {row['url']}")
        if len(rows) > SHOW_ROWS:
            out.append(f"    ... {len(rows) - SHOW_ROWS} more")
        for nxt in page["next"] or [{"request": "none", "why": "the walk ends here"}]:
            out.append(f"  next      {nxt['request']}  ({nxt['why']})")
        if page.get("problem"):
            out.append(f"  PROBLEM   {page['problem']}")
        rejected = Counter(reason for _, reason in page["rejected"])
        if rejected:
            parts = ", ".join(f"{n} {reason}" for reason, n in rejected.most_common())
            out.append(f"  rejected  {sum(rejected.values())} links: {parts}")
            for reason, _ in rejected.most_common():
                examples = [u for u, r in page["rejected"] if r == reason][:SHOW_REJECTED]
                out.append(f"    {reason}: {', '.join(examples)}")
    source = "live" if live else "saved page"
    out.append("")
    out.append(f"{len(report)} list page(s) read ({source}) in {seconds:.1f} s; raw store untouched")
    return "\n".join(out)


def add_commands(sub: argparse._SubParsersAction) -> None:
    """Add `sites list|check|try` to the CLI's subparsers."""
    p = sub.add_parser(
        "sites",
        help="list, check or try the site registry",
        description="list: the registry's sites; check: validate it offline (selectors on saved pages too); "
        "try SITE: read a site's first list pages (or a saved one) and show what a crawl would take, storing nothing.",
    )
    p.add_argument("action", choices=["list", "check", "try"])
    p.add_argument("site", nargs="?", help="site id (for try)")
    p.add_argument("--saved", help="try: a saved list page to read instead of fetching; check: a folder of them")
    p.add_argument("--url", help="try --saved: the URL the saved page was fetched from (default: the start URL)")
    p.add_argument("--pages", type=int, default=2, help="try: list pages per column to read (default 2)")
    p.add_argument("--timeout", type=float, default=120, help="try: seconds before giving up (default 120)")
    p.add_argument("--json", action="store_true", help="try: print the report as JSON")
    p.set_defaults(func=cmd_sites_checked)


def cmd_sites_checked(args: argparse.Namespace) -> int:
    """Run `sites`, requiring a site id for `try`."""
    if args.action == "try" and not args.site:
        raise CommandError("sites try needs a site id (see `zhcorpus sites list`)")
    if args.action == "try" and args.pages < 1:
        raise CommandError("--pages must be at least 1")
    return cmd_sites(args)
