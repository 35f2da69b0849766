"""`zhcorpus dedup --jsonl FILE`: cluster JSONL documents with the same engine the flow uses.

Input lines: ``{"id": ..., "text": ...}`` plus optional site_id, published_at, doc_number, issuer,
is_authority_site, title (other keys are ignored). Output, one line per input id in input order:
``{"id": ..., "cluster": <cluster id>, "canonical": <id of the cluster's canonical document>,
"is_canonical": <whether this document is it>, "canonical_reason": ...}``.
"""

from __future__ import annotations

import argparse
import ctypes
import multiprocessing
import os
import sys
from array import array
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import replace
from typing import TextIO

from cleaning.dedup.engine import DedupEngine
from cleaning.dedup.index import CANONICAL_REASONS, SignatureIndex
from cleaning.dedup.signatures import DocInput
from zhcorpus.errors import CommandError, reports_errors
from zhcorpus.jsonl import bounded_lines, dumps_line, read_objects, scrub_surrogates


def iter_docs(lines: Iterable[str], source: str = "-") -> Iterator[tuple[int, DocInput]]:
    """Yield (line number, DocInput) parsed from JSONL lines; blank lines are skipped; errors name the line
    number. Duplicate ids are the caller's to find (``dedup_jsonl`` asks the index, which holds every id)."""
    for n, obj in read_objects(bounded_lines(lines), lambda n: f"{source}:{n}"):
        doc_id, text = obj.get("id"), obj.get("text")
        if doc_id is None or isinstance(doc_id, (dict, list, bool)):
            raise CommandError(f"{source}:{n}: missing or invalid 'id'")
        if not isinstance(text, str):
            raise CommandError(f"{source}:{n}: missing or invalid 'text'")
        yield (
            n,
            DocInput(
                id=str(doc_id),
                text=scrub_surrogates(text),  # the engine's converters need real text; output names only ids
                site_id=str(obj.get("site_id") or ""),
                published_at=_opt_str(obj.get("published_at")),
                issuer=_opt_str(obj.get("issuer")),
                doc_number=_opt_str(obj.get("doc_number")),
                is_authority_site=bool(obj.get("is_authority_site")),
                title=str(obj.get("title") or ""),
            ),
        )


def read_docs(lines: Iterable[str], source: str = "-") -> list[DocInput]:
    """Return DocInputs parsed from JSONL lines (see ``iter_docs``); a duplicate id is an error."""
    docs, seen = [], set()
    for n, doc in iter_docs(lines, source):
        if doc.id in seen:
            raise CommandError(f"{source}:{n}: duplicate id {doc.id!r}")
        seen.add(doc.id)
        docs.append(doc)
    return docs


def _opt_str(value: object) -> str | None:
    return None if value is None or value == "" else str(value)


# Progress goes to stderr every this many documents.
PROGRESS_EVERY = 100_000


def dedup_jsonl(
    lines: Iterable[str],
    out: TextIO,
    *,
    source: str = "-",
    engine: DedupEngine | None = None,
    progress: TextIO | None = None,
    workers: int = 0,
) -> int:
    """Cluster the documents of JSONL lines and write one result line per id, in input order; return the count.

    Streams: documents are read and placed ``engine.chunk_size`` at a time and their texts dropped, so memory
    holds the index (about 1.7 KB per document), not the input. With ``workers``, that many processes compute
    the signatures of the next chunks while this one places the current (the same signatures: results are
    identical). Results are read off the index at the end (a later document may change an earlier one's
    canonical, or split a splice off its cluster).
    """
    engine = engine or DedupEngine()
    index = engine.new_index()
    chunk: list[DocInput] = []
    ids: set[str] = set()  # ids read but not placed yet
    placed = 0
    pool = _signature_pool(workers, engine)
    waiting: deque = deque()  # (chunk, its signatures: a future from the pool, or None)

    def place_next() -> None:
        nonlocal placed
        docs, future = waiting.popleft()
        engine.place(docs, index, signatures=future.result() if future is not None else None)
        ids.difference_update(d.id for d in docs)  # from now on in index.pos_of
        placed += len(docs)
        if progress is not None and placed // PROGRESS_EVERY != (placed - len(docs)) // PROGRESS_EVERY:
            print(f"dedup: {placed} documents placed", file=progress, flush=True)

    def flush() -> None:
        # signatures of this chunk are computed in the pool while the previous one is placed here; placing
        # needs no text, so the texts go with the chunk to the worker and are not kept here
        if pool:
            waiting.append(([replace(d, text="") for d in chunk], pool.submit(_worker_signatures, list(chunk))))
        else:
            waiting.append((list(chunk), None))
        chunk.clear()
        while len(waiting) > (workers if pool else 0):
            place_next()

    try:
        for n, doc in iter_docs(lines, source):
            if doc.id in ids or doc.id in index.pos_of:
                raise CommandError(f"{source}:{n}: duplicate id {doc.id!r}")
            ids.add(doc.id)
            chunk.append(doc)
            if len(chunk) >= engine.chunk_size:
                flush()
        if chunk:
            flush()
        while waiting:
            place_next()
    finally:
        if pool is not None:
            pool.shutdown(cancel_futures=True)
    write_results(index, out)
    return index.next_pos


def write_results(index: SignatureIndex, out: TextIO) -> None:
    """Write one result line per indexed document, in position order. Each cluster's canonical document is
    chosen once, when its first member is written, and kept as two small numbers (a million documents make
    half a million clusters: a dictionary of tuples would cost tens of MB at the moment memory peaks)."""
    canonical_pos = array("i", [-1]) * len(index.cluster_ids)
    reason_of = array("b", [0]) * len(index.cluster_ids)
    for pos in range(index.next_pos):
        cluster = index.cluster_of[pos]
        if canonical_pos[cluster] < 0:
            info = index.cluster(index.cluster_ids[cluster])
            canonical_pos[cluster] = index.pos_of[info.canonical_id]
            reason_of[cluster] = CANONICAL_REASONS.index(info.canonical_reason)
        canonical_id = index.ids[canonical_pos[cluster]]
        reason = CANONICAL_REASONS[reason_of[cluster]]
        doc_id = index.ids[pos]
        row = {
            "id": doc_id,
            "cluster": index.cluster_ids[cluster],
            "canonical": canonical_id,
            "is_canonical": canonical_id == doc_id,
            "canonical_reason": reason,
        }
        out.write(dumps_line(row) + "\n")


def prefer_mmap_for_large_buffers() -> None:
    """Have glibc serve allocations over 128 KB by mmap, returned to the system when freed. Its adaptive
    threshold otherwise serves a chunk's numpy buffers (tens of MB, freed at once) from the heap, which keeps
    them: a million-document batch then peaks ~0.2 KB per document higher. No-op without glibc."""
    try:
        ctypes.CDLL("libc.so.6").mallopt(M_MMAP_THRESHOLD, 128 * 1024)
    except (OSError, AttributeError):
        pass


M_MMAP_THRESHOLD = -3  # glibc's mallopt parameter number


def _signature_pool(workers: int, engine: DedupEngine) -> ProcessPoolExecutor | None:
    """Return a pool of signature workers, each with its own copy of the engine (forked: they start with this
    process's loaded tables; the engine's cache of recent signatures lives in the worker), or None for none
    or where fork is unavailable."""
    if workers <= 0 or "fork" not in multiprocessing.get_all_start_methods():
        return None
    context = multiprocessing.get_context("fork")
    return ProcessPoolExecutor(max_workers=workers, mp_context=context, initializer=_start_worker, initargs=(engine,))


_WORKER_ENGINE: DedupEngine | None = None  # the engine of a signature worker process


def _start_worker(engine: DedupEngine) -> None:
    global _WORKER_ENGINE
    _WORKER_ENGINE = engine


def _worker_signatures(docs: list[DocInput]) -> list:
    """Return the signatures of docs, computed by this worker's engine."""
    return _WORKER_ENGINE.signatures(docs)


def default_workers() -> int:
    """Return 1 signature worker on a machine with two cores or more, else 0."""
    return 1 if (os.cpu_count() or 1) > 1 else 0


@reports_errors
def cmd_dedup(args: argparse.Namespace) -> int:
    """Run `zhcorpus dedup`: data on stdout, one-line errors on stderr with exit status 1."""
    prefer_mmap_for_large_buffers()
    try:
        if args.jsonl == "-":
            n = dedup_jsonl(sys.stdin, sys.stdout, source="<stdin>", progress=sys.stderr, workers=args.workers)
        else:
            with open(args.jsonl, encoding="utf-8") as fh:
                n = dedup_jsonl(fh, sys.stdout, source=args.jsonl, progress=sys.stderr, workers=args.workers)
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
    p.add_argument(
        "--workers",
        type=int,
        default=default_workers(),
        help="processes computing signatures beside the one placing documents (default: 1 with 2+ cores, 0 = none)",
    )
    p.set_defaults(func=cmd_dedup)
