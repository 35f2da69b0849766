"""`zhcorpus dedup --jsonl FILE`: cluster JSONL documents with the same engine the flow uses.

Input lines: ``{"id": ..., "text": ...}`` plus optional site_id, published_at, doc_number, issuer,
is_authority_site, title (other keys are ignored). Output, one line per input id in input order:
``{"id": ..., "cluster": <cluster id>, "canonical": <id of the cluster's canonical document>,
"is_canonical": <whether this document is it>, "canonical_reason": ...}``.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable
from typing import TextIO

from cleaning.dedup.engine import DedupEngine
from cleaning.dedup.signatures import DocInput
from jobs.dedup import place
from zhcorpus.errors import CommandError, reports_errors
from zhcorpus.jsonl import bounded_lines, dumps_line, read_objects, scrub_surrogates


def read_docs(lines: Iterable[str], source: str = "-") -> list[DocInput]:
    """Return DocInputs parsed from JSONL lines; blank lines are skipped; errors name the line number."""
    docs, seen = [], set()
    for n, obj in read_objects(bounded_lines(lines), lambda n: f"{source}:{n}"):
        doc_id, text = obj.get("id"), obj.get("text")
        if doc_id is None or isinstance(doc_id, (dict, list, bool)):
            raise CommandError(f"{source}:{n}: missing or invalid 'id'")
        if not isinstance(text, str):
            raise CommandError(f"{source}:{n}: missing or invalid 'text'")
        doc_id = str(doc_id)
        if doc_id in seen:
            raise CommandError(f"{source}:{n}: duplicate id {doc_id!r}")
        seen.add(doc_id)
        docs.append(
            DocInput(
                id=doc_id,
                text=scrub_surrogates(text),  # the engine's converters need real text; output names only ids
                site_id=str(obj.get("site_id") or ""),
                published_at=_opt_str(obj.get("published_at")),
                issuer=_opt_str(obj.get("issuer")),
                doc_number=_opt_str(obj.get("doc_number")),
                is_authority_site=bool(obj.get("is_authority_site")),
                title=str(obj.get("title") or ""),
            )
        )
    return docs


def _opt_str(value: object) -> str | None:
    return None if value is None or value == "" else str(value)


def dedup_jsonl(lines: Iterable[str], out: TextIO, *, source: str = "-", engine: DedupEngine | None = None) -> int:
    """Cluster the documents of JSONL lines and write one result line per id; return the count."""
    docs = read_docs(lines, source)
    engine = engine or DedupEngine()
    assignments, clusters = place(engine, docs, engine.new_index())
    for a in assignments[: len(docs)]:  # a fresh index has no earlier documents that could move
        cluster = clusters[a.cluster_id]
        row = {
            "id": a.id,
            "cluster": a.cluster_id,
            "canonical": cluster.canonical_id,
            "is_canonical": cluster.canonical_id == a.id,
            "canonical_reason": cluster.canonical_reason,
        }
        out.write(dumps_line(row) + "\n")
    return len(docs)


@reports_errors
def cmd_dedup(args: argparse.Namespace) -> int:
    """Run `zhcorpus dedup`: data on stdout, one-line errors on stderr with exit status 1."""
    try:
        if args.jsonl == "-":
            n = dedup_jsonl(sys.stdin, sys.stdout, source="<stdin>")
        else:
            with open(args.jsonl, encoding="utf-8") as fh:
                n = dedup_jsonl(fh, sys.stdout, source=args.jsonl)
    except (OSError, UnicodeDecodeError) as exc:
        raise CommandError(str(exc)) from exc
    print(f"dedup: {n} documents", file=sys.stderr)
    return 0


def add_commands(subparsers: argparse._SubParsersAction) -> None:
    """Add the `dedup` subcommand to the CLI's subparsers."""
    p = subparsers.add_parser(
        "dedup",
        help="cluster near-duplicate documents of a JSONL file (id, text, ...) -> {id, cluster, canonical}",
    )
    p.add_argument("--jsonl", required=True, metavar="FILE", help="input JSONL file, or - for stdin")
    p.set_defaults(func=cmd_dedup)
