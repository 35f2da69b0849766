"""Scale runs of the dedup benchmark: ``zhcorpus dedup --jsonl`` batches and nightly runs against an on-disk index.

Each step runs in a process of its own (``python -m bench.dedup.scale STEP ...``, called by bench/dedup/run.py)
so its peak RSS is its own: writing the input, the batch, scoring, building a stored index, one nightly run.

    corpus kinds: generated  bench/dedup/generate.py at that size (chrome class 30%)
                  copies     the 10k benchmark copied to that size with fresh ids (what the maintainers'
                             held-back scale runs do: every copy an exact duplicate of its original)
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path

CHROME_SHARE = 0.3
FIELDS = ("id", "text", "site_id", "published_at", "issuer", "doc_number", "is_authority_site")


def peak_mb() -> float:
    """Return this process's peak RSS in MB."""
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def write_input(kind: str, n: int, seed: int, path: Path) -> dict:
    """Write the benchmark input as JSONL (labels in a side file path.labels, kinds for scoring)."""
    from bench.dedup.generate import generate

    base = generate(n if kind == "generated" else 10_000, seed, chrome_share=CHROME_SHARE)
    written = 0
    with open(path, "w", encoding="utf-8") as fh, open(str(path) + ".labels", "w", encoding="utf-8") as lab:
        copies = 1 if kind == "generated" else -(-n // len(base))
        for k in range(copies):
            for d in base:
                if written >= n and kind == "copies":
                    break
                row = {f: d[f] for f in FIELDS}
                if kind == "copies":
                    row["id"] = f"{d['id']}#{k}"
                fh.write(json.dumps(row, ensure_ascii=False) + "\n")
                extra = {"kind": d["kind"], "heldout": d.get("chrome_heldout")}
                lab.write(json.dumps([row["id"], d["label"], extra], ensure_ascii=False) + "\n")
                written += 1
    return {"docs": written, "bytes": path.stat().st_size}


def run_batch(path: Path, out: Path, workers: int) -> dict:
    """Run ``zhcorpus dedup --jsonl`` in this process (as the command does, malloc setting included); peak RSS
    of this process and, separately, of its signature worker."""
    from zhcorpus.commands.dedup import dedup_jsonl, prefer_mmap_for_large_buffers

    prefer_mmap_for_large_buffers()
    wall, cpu = time.perf_counter(), time.process_time()
    with open(path, encoding="utf-8") as fh, open(out, "w", encoding="utf-8") as dst:
        n = dedup_jsonl(fh, dst, source=str(path), progress=sys.stderr, workers=workers)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    rss = peak_mb()
    return {
        "docs": n,
        "workers": workers,
        "seconds": round(wall, 1),
        "cpu_seconds": round(cpu, 1),
        "worker_cpu_seconds": round(children.ru_utime + children.ru_stime, 1),
        "peak_rss_mb": rss,
        "worker_peak_rss_mb": round(children.ru_maxrss / 1024, 1),
        "kb_per_doc": round(rss * 1024 / n, 2),
    }


def score(path: Path, out: Path) -> dict:
    """Return pairwise P/R/F1 of a batch's output against the labels, and recall of chrome pairs."""
    from bench.dedup.run import pairwise

    truth, info = {}, {}
    with open(str(path) + ".labels", encoding="utf-8") as fh:
        for line in fh:
            doc_id, label, extra = json.loads(line)
            truth[doc_id], info[doc_id] = label, extra
    with open(out, encoding="utf-8") as fh:
        pred = {r["id"]: r["cluster"] for r in map(json.loads, fh)}
    return {**pairwise(pred, truth), **chrome_recall(pred, truth, info)}


def chrome_recall(pred: dict[str, str], truth: dict[str, str], info: dict[str, dict]) -> dict:
    """Return recall of true pairs by class: with a chrome-carrying copy (dev / held-out styles), plain."""
    groups = defaultdict(list)
    for doc_id, label in truth.items():
        groups[label].append(doc_id)
    hit, total = Counter(), Counter()
    for members in groups.values():
        if len(members) > 2000:
            continue  # copies runs: quadratic; their chrome figures come from the generated runs
        for i, a in enumerate(members):
            for b in members[i + 1 :]:
                chrome = [x for x in (a, b) if info[x]["kind"] == "chrome_repost"]
                key = ("chrome_heldout" if info[chrome[0]]["heldout"] else "chrome_dev") if chrome else "plain"
                total[key] += 1
                hit[key] += pred[a] == pred[b]
    return {f"recall_{k}": round(hit[k] / total[k], 4) for k in sorted(total)} | {
        f"pairs_{k}": total[k] for k in sorted(total)
    }


def build_store(path: Path, db: Path, n: int) -> dict:
    """Place the first n documents of a JSONL file into a new on-disk index (one run, as a rebuild does)."""
    from cleaning.dedup.engine import DedupEngine
    from db.corpus import CorpusStore
    from db.dedup_index import apply_changes
    from db.store import transaction
    from zhcorpus.commands.dedup import iter_docs, prefer_mmap_for_large_buffers

    prefer_mmap_for_large_buffers()
    engine = DedupEngine()
    store = CorpusStore(db)
    index = engine.new_index()  # a first run over an empty store places in memory (as jobs.dedup does)
    t = time.perf_counter()
    chunk = []
    with open(path, encoding="utf-8") as fh:
        for k, (_, doc) in enumerate(iter_docs(fh)):
            if k >= n:
                break
            chunk.append(doc)
            if len(chunk) == engine.chunk_size:
                engine.place(chunk, index)
                chunk = []
    if chunk:
        engine.place(chunk, index)
    placed = time.perf_counter() - t
    with transaction(store.db):
        apply_changes(store.db, index.changes(), next_seq=index.next_pos)
    written = time.perf_counter() - t - placed
    store.close()
    return {
        "docs": n,
        "place_s": round(placed, 1),
        "write_s": round(written, 1),
        "peak_rss_mb": peak_mb(),
        "db_mb": round(db.stat().st_size / 2**20, 1),
    }


def nightly(path: Path, db: Path, skip: int, new: int) -> dict:
    """Place documents skip..skip+new of a JSONL file against the stored index, as a nightly run: read
    only what they touch, write their changes back; return seconds (placing, writing) and peak RSS."""
    from cleaning.dedup.engine import DedupEngine, Placed
    from db.corpus import CorpusStore
    from db.dedup_index import apply_changes
    from db.store import transaction
    from zhcorpus.commands.dedup import iter_docs

    docs = []
    with open(path, encoding="utf-8") as fh:
        for k, (_, doc) in enumerate(iter_docs(fh)):
            if k >= skip + new:
                break
            if k >= skip:
                docs.append(doc)
    rss_before = peak_mb()
    engine = DedupEngine()
    t = time.perf_counter()
    store = CorpusStore(db)
    index = engine.new_index(store=store.dedup_store())
    placed = Placed()
    for start in range(0, len(docs), engine.chunk_size):
        engine.place(docs[start : start + engine.chunk_size], index, placed)
    assignments = engine.assignments(placed, index)
    engine.touched_clusters(assignments, index)  # the canonical documents the job writes
    place_s = time.perf_counter() - t
    with transaction(store.db):
        apply_changes(store.db, index.changes(), next_seq=index.next_pos)
    total = time.perf_counter() - t
    store.close()
    loaded = len(index._slot) - (index.next_pos - index.base)
    return {
        "stored": skip,
        "new": len(docs),
        "place_s": round(place_s, 2),
        "write_s": round(total - place_s, 2),
        "total_s": round(total, 2),
        "stored_rows_read": loaded,
        "peak_rss_mb": peak_mb(),
        "rss_before_mb": rss_before,
    }


def main(argv: list[str] | None = None) -> int:
    """Run one step and print its figures as JSON."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("step", choices=["input", "batch", "score", "build", "nightly"])
    p.add_argument("--kind", choices=["generated", "copies"], default="generated")
    p.add_argument("--docs", type=int, default=100_000)
    p.add_argument("--new", type=int, default=10_000)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--jsonl", type=Path)
    p.add_argument("--out", type=Path)
    p.add_argument("--db", type=Path)
    p.add_argument("--workers", type=int, default=1, help="batch: signature worker processes (the command's default)")
    args = p.parse_args(argv)
    if args.step == "input":
        result = write_input(args.kind, args.docs, args.seed, args.jsonl)
    elif args.step == "batch":
        result = run_batch(args.jsonl, args.out or Path(tempfile.mktemp(suffix=".jsonl")), args.workers)
    elif args.step == "score":
        result = score(args.jsonl, args.out)
    elif args.step == "build":
        result = build_store(args.jsonl, args.db, args.docs)
    else:
        result = nightly(args.jsonl, args.db, args.docs, args.new)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
