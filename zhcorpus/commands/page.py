"""`zhcorpus clean-page`: run the cleaning pipeline the flows run on saved pages and print JSON.

    zhcorpus clean-page [--url URL] [--site SITE] [--template FILE] PATH
    zhcorpus clean-page --jsonl [--site SITE] PATH...

Wired into the CLI with ``add_commands(subparsers)``. Data goes to stdout (one JSON object per page),
failures to stderr as one line each, and the exit status is 1 if any page could not be read or cleaned (a page
a cleaning bug met is still printed, with drop_reason internal_error and the exception in ``error``).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Mapping
from pathlib import Path

from cleaning.pipeline import PageInput, PageResult, clean_page, warm_up
from jobs.config import data_paths
from zhcorpus.errors import CommandError, reports_errors
from zhcorpus.jsonl import dumps_line

PART_SUFFIX = "（篇"


def site_hints(site_id: str | None, registry_path: str | None = None) -> dict:
    """Return PageInput keyword hints (site_id, encoding_hint, script_hint, column) for a registry site."""
    if not site_id:
        return {}
    from crawlers.sites import load_registry

    registry = load_registry(Path(registry_path) if registry_path else None)
    site = registry.sites_by_id.get(site_id)
    if site is None:
        known = ", ".join(s.id for s in registry.sites)
        raise CommandError(f"unknown site {site_id!r} (known: {known})")
    return {"site_id": site.id, "encoding_hint": site.encoding, "script_hint": site.script, "column": site.column}


def result_json(path: str, result: PageResult) -> dict:
    """Return the command's JSON object for one page: page fields, then the text of all its documents.

    A compilation page (篇一/篇二) has one document per part: ``text`` joins them and ``parts`` lists
    each part's number, title, text and flags.
    """
    docs = result.documents
    first = docs[0] if docs else None
    flags: list[str] = list(result.flags)
    for doc in docs:
        flags += [f for f in doc.flags if f not in flags]
    title = first.title if first else None
    if first is not None and first.part is not None and title and PART_SUFFIX in title:
        title = title[: title.rindex(PART_SUFFIX)]
    out = {
        "path": path,
        "encoding": result.encoding,
        "title": title,
        "published_at": first.published_at if first else None,
        "issuer": first.issuer if first else None,
        "doc_number": first.doc_number if first else None,
        "index_number": first.index_number if first else None,
        "editor": first.editor if first else None,
        "published_at_source": first.date_source if first else None,
        "date_candidates": first.date_candidates if first else [],
        "title_source": first.title_source if first else None,
        "attachments": first.attachments if first else [],
        "text": "\n".join(d.text for d in docs),
        "repairs": first.repairs if first else {},
        "flags": flags,
        "column": first.column if first else None,
        "script": first.script if first else None,
        "drop_reason": result.drop_reason,
    }
    if len(docs) > 1 or (first is not None and first.part is not None):
        out["parts"] = [{"part": d.part, "title": d.title, "text": d.text, "flags": d.flags} for d in docs]
    return out


def clean_file(path: Path, *, url: str = "", hints: Mapping | None = None, template: Mapping | None = None) -> dict:
    """Return the JSON object for one saved page (bytes exactly as served; headers unknown).

    A page a cleaning bug could not clean has drop_reason ``internal_error`` and its exception in ``error``.
    """
    body = path.read_bytes()
    page = PageInput(url=url, body=body, headers={}, site_template=template, **dict(hints or {}))
    result = clean_page(page)
    out = result_json(str(path), result)
    if result.error:
        out["error"] = result.error
    return out


def _load_template(path: str | None) -> dict | None:
    if not path:
        return None
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise CommandError(f"cannot read template {path}: {exc}") from exc


@reports_errors
def cmd_clean_page(args: argparse.Namespace) -> int:
    """Clean saved pages through decode, repair, extract and normalise; print JSON per page."""
    hints = site_hints(args.site, getattr(args, "registry", None))
    template = _load_template(args.template)
    if not args.jsonl and len(args.paths) != 1:
        raise CommandError("clean-page takes one PATH (use --jsonl for several)")
    if args.jsonl:  # many pages: load the models before the first, from the data dir's cache when there is one
        paths = data_paths()
        warm_up(paths.cache_dir if paths.root.is_dir() else None)
    status = 0
    for name in args.paths:
        try:
            obj = clean_file(Path(name), url=args.url or "", hints=hints, template=template)
        except OSError as exc:
            print(f"zhcorpus: error: {name}: {exc.strerror or exc}", file=sys.stderr)
            status = 1
            continue
        if args.jsonl:
            print(dumps_line(obj))
        else:
            print(dumps_line(obj, indent=2))
        if obj.get("error"):  # the page is printed (drop_reason internal_error) and the run fails
            print(f"zhcorpus: error: {name}: internal error while cleaning: {obj['error']}", file=sys.stderr)
            status = 1
    return status


def add_commands(subparsers: argparse._SubParsersAction) -> None:
    """Add the `clean-page` command to an argparse subparsers object."""
    p = subparsers.add_parser(
        "clean-page",
        help="clean saved HTML pages (decode, repair, extract, normalise) and print JSON",
        description="Run the cleaning pipeline the flows run on saved pages (bytes as served) and print "
        "path, encoding, title, published_at, issuer, doc_number, index_number, editor, published_at_source, "
        "date_candidates, title_source, attachments, text, repairs and flags.",
    )
    p.add_argument("paths", nargs="+", metavar="PATH", help="saved page(s); several only with --jsonl")
    p.add_argument("--url", help="the page's URL, to resolve attachment links and dates in paths")
    p.add_argument("--site", metavar="SITE", help="registry site id: encoding hint, script and column")
    p.add_argument("--template", metavar="FILE", help="a site template (JSON from learn_site_template)")
    p.add_argument("--jsonl", action="store_true", help="one compact JSON object per line, one per PATH")
    p.set_defaults(func=cmd_clean_page)
