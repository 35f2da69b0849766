"""Dedup benchmark: pairwise P/R/F1 and speed of DedupEngine vs datasketch's default LSH; scale and incremental runs.

    .venv/bin/python -m bench.dedup.run                 # full run, writes bench/dedup/RESULTS.md
    .venv/bin/python -m bench.dedup.run --quick         # 10k quality only, no file written

Timings run in a fresh subprocess each (peak RSS from resource.getrusage), twice; the better run is kept.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import resource
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path

from bench.machine import machine_info

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]


def to_inputs(docs: list[dict]):
    from cleaning.dedup.signatures import DocInput

    return [
        DocInput(
            d["id"],
            d["text"],
            d.get("site_id") or "",
            d.get("published_at"),
            d.get("issuer"),
            d.get("doc_number"),
            bool(d.get("is_authority_site")),
        )
        for d in docs
    ]


def pairwise(pred: dict[str, str], truth: dict[str, str]) -> dict:
    """Return pairwise precision, recall and F1 of predicted clusters against true labels."""
    both = Counter((pred[i], truth[i]) for i in truth)
    pc, tc = Counter(pred[i] for i in truth), Counter(truth.values())

    def pairs(c):
        return sum(n * (n - 1) // 2 for n in c.values())

    tp, pp, tp_all = pairs(both), pairs(pc), pairs(tc)
    p = tp / pp if pp else 1.0
    r = tp / tp_all if tp_all else 1.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {
        "precision": round(p, 4),
        "recall": round(r, 4),
        "f1": round(f, 4),
        "true_pairs": tp_all,
        "predicted_pairs": pp,
    }


def run_engine(docs: list[dict], **params) -> tuple[dict[str, str], list, float]:
    from cleaning.dedup.engine import DedupEngine

    engine = DedupEngine(**params)
    inputs = to_inputs(docs)
    t = time.perf_counter()
    index = engine.new_index()
    out = engine.assign(inputs, index)
    elapsed = time.perf_counter() - t
    return {a.id: a.cluster_id for a in out}, out, elapsed


def run_datasketch(docs: list[dict], threshold: float = 0.8, num_perm: int = 128) -> tuple[dict[str, str], float]:
    """datasketch MinHashLSH on raw text 5-gram shingles; clusters = connected components of candidates."""
    from datasketch import MinHash, MinHashLSH

    t = time.perf_counter()
    lsh = MinHashLSH(threshold=threshold, num_perm=num_perm)
    parent = {d["id"]: d["id"] for d in docs}

    def find(x):
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for d in docs:
        text = d["text"]
        m = MinHash(num_perm=num_perm)
        m.update_batch([text[i : i + 5].encode("utf-8") for i in range(max(1, len(text) - 4))])
        for other in lsh.query(m):
            a, b = find(d["id"]), find(other)
            if a != b:
                parent[max(a, b)] = min(a, b)
        lsh.insert(d["id"], m)
    elapsed = time.perf_counter() - t
    return {i: find(i) for i in parent}, elapsed


def containment_scores(docs: list[dict], assignments) -> dict:
    """Return recall/precision of contains links: a splice linked (either direction) to a notice it holds."""
    by_id = {d["id"]: d for d in docs}
    found: set[tuple[str, str]] = set()
    wrong = 0
    for a in assignments:
        for other, relation, _ in a.links:
            if relation == "repost":
                continue
            outer, inner = (a.id, other) if relation == "contains" else (other, a.id)
            pair = (by_id[outer]["label"], by_id[inner]["label"])
            if by_id[inner]["label"] in by_id[outer].get("contains", []):
                found.add(pair)
            else:
                wrong += 1
    present = {d["label"] for d in docs}
    expected = {(d["label"], lab) for d in docs if d["kind"] == "splice" for lab in d["contains"] if lab in present}
    splice_members = sum(1 for a in assignments if by_id[a.id]["kind"] == "splice" and a.cluster_id != a.id)
    size = Counter(a.cluster_id for a in assignments)
    shared = sum(1 for a in assignments if by_id[a.id]["kind"] == "splice" and size[a.cluster_id] > 1)
    # links touching a splice: right when the other side is a notice the splice holds
    splice_links = splice_right = same_notice = 0
    for a in assignments:
        for other, relation, _ in a.links:
            if relation == "repost":
                continue
            outer, inner = (a.id, other) if relation == "contains" else (other, a.id)
            if by_id[outer]["label"] == by_id[inner]["label"]:
                same_notice += 1  # a copy holding a shorter copy of the same notice (two clusters of it)
            if "splice" in (by_id[outer]["kind"], by_id[inner]["kind"]):
                splice_links += 1
                splice_right += by_id[inner]["label"] in by_id[outer].get("contains", [])
    return {
        "contains_recall": round(len(found & expected) / max(1, len(expected)), 4),
        "contains_links_wrong": wrong,
        "splice_link_precision": round(splice_right / max(1, splice_links), 4),
        "same_notice_links": same_notice,
        "splices_joined_a_cluster": splice_members,
        "splices_sharing_a_cluster": shared,
    }


# -- subprocess measurements --------------------------------------------------------------------------
def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure(kind: str, n: int, seed: int, chrome_share: float = 0.0) -> dict:
    """Run one measurement in this process and return its figures (called in a fresh subprocess)."""
    from bench.dedup.generate import generate
    from bench.dedup.scale import chrome_recall

    docs = generate(n, seed, chrome_share=chrome_share)
    truth = {d["id"]: d["label"] for d in docs}
    rss_gen = _peak_mb()
    cpu = time.process_time()
    if kind == "engine":
        pred, out, elapsed = run_engine(docs)
        cpu = time.process_time() - cpu
        extra = containment_scores(docs, out)
    else:
        pred, elapsed = run_datasketch(docs)
        cpu = time.process_time() - cpu
        extra = {}
    info = {d["id"]: {"kind": d["kind"], "heldout": d.get("chrome_heldout")} for d in docs}
    return {
        "kind": kind,
        "docs": len(docs),
        "chrome_share": chrome_share,
        "seconds": round(elapsed, 2),
        "cpu_seconds": round(cpu, 2),
        "docs_per_s": round(len(docs) / elapsed),
        "peak_rss_mb": round(_peak_mb(), 1),
        "rss_after_generate_mb": round(rss_gen, 1),
        **pairwise(pred, truth),
        **chrome_recall(pred, truth, info),
        "false_pairs_by_kind": false_pairs_by_kind(pred, truth, info),
        **extra,
    }


def false_pairs_by_kind(pred: dict[str, str], truth: dict[str, str], info: dict[str, dict]) -> dict[str, int]:
    """Return predicted pairs of different notices, by the kinds of their two documents."""
    clusters = defaultdict(list)
    for doc_id, cluster in pred.items():
        clusters[cluster].append(doc_id)
    out: Counter = Counter()
    for members in clusters.values():
        if len({truth[m] for m in members}) < 2:
            continue
        for i, a in enumerate(members):
            for b in members[i + 1 :]:
                if truth[a] != truth[b]:
                    out["+".join(sorted((info[a]["kind"], info[b]["kind"])))] += 1
    return dict(out.most_common())


def in_subprocess(kind: str, n: int, seed: int, repeats: int = 2, chrome_share: float = 0.0) -> dict:
    """Return the better (faster) of ``repeats`` fresh-process runs of a measurement."""
    best = None
    for _ in range(repeats):
        cmd = [sys.executable, "-m", "bench.dedup.run", "--measure", kind, "--docs", str(n), "--seed", str(seed)]
        cmd += ["--chrome-share", str(chrome_share)]
        out = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, check=True)
        result = json.loads(out.stdout.strip().splitlines()[-1])
        if best is None or result["seconds"] < best["seconds"]:
            best = result
    return best


def minhash_libraries(n_docs: int = 2000) -> dict:
    """Return seconds to MinHash the same keys' 5-grams with datasketch, rensa per doc, rensa flat (numpy)."""
    import numpy as np
    import rensa
    from datasketch import MinHash

    from bench.dedup.generate import generate
    from cleaning.dedup import minhash
    from cleaning.dedup.keys import fold_texts, strip_folded

    keys = strip_folded(fold_texts([d["text"] for d in generate(n_docs, 7)]))[0]
    grams = [[k[i : i + 5] for i in range(len(k) - 4)] for k in keys]
    t = time.perf_counter()
    for g in grams:
        m = MinHash(num_perm=128)
        m.update_batch([s.encode("utf-8") for s in g])
    ds = time.perf_counter() - t
    t = time.perf_counter()
    for g in grams:
        r = rensa.RMinHash(128, 1)
        r.update(g)
    rs = time.perf_counter() - t
    t = time.perf_counter()
    minhash.minhash_matrix(minhash.shingle_hashes(keys, 5), 128)
    flat = time.perf_counter() - t
    # signature size: bytes and dtype of what each library keeps per document
    return {
        "docs": n_docs,
        "datasketch_s": round(ds, 3),
        "rensa_per_doc_s": round(rs, 3),
        "rensa_flat_numpy_s": round(flat, 3),
        "datasketch_sig_bytes": MinHash(num_perm=128).hashvalues.nbytes,
        "datasketch_sig_dtype": str(MinHash(num_perm=128).hashvalues.dtype),
        "rensa_sig_bytes": np.zeros(128, dtype=np.uint32).nbytes,
    }


def final_state(assignments) -> tuple[dict[str, str], set[tuple[str, str, str]]]:
    """Return (cluster per id, stored links) after applying assignments in order: a later one (a document
    that moved) wins, and a repost link across clusters is dropped, as the store does."""
    last = {a.id: a for a in assignments}
    clusters = {i: a.cluster_id for i, a in last.items()}
    links = set()
    for a in last.values():
        for other, relation, _ in a.links:
            if relation == "contained_in":
                links.add((other, a.id, "contains"))
            elif relation != "repost" or clusters[other] == a.cluster_id:
                links.add((a.id, other, relation))
    return clusters, links


def batch_equals_incremental(n: int = 3000, seed: int = 3) -> bool:
    """Return True if assigning n docs at once gives the same clusters and links as 3 nightly runs with
    save/reload (documents that moved in a later run taken from it), and reloading changes nothing."""
    from bench.dedup.generate import generate
    from cleaning.dedup.engine import DedupEngine

    docs = to_inputs(generate(n, seed))
    engine = DedupEngine(chunk_size=700)
    one = engine.assign(docs, engine.new_index())
    index, parts = engine.new_index(), []
    for lo, hi in ((0, 1000), (1000, 2200), (2200, n)):
        parts += engine.assign(docs[lo:hi], index)
        index = engine.load_index(index.to_rows())
    return final_state(one) == final_state(parts) and index.to_rows() == engine.load_index(index.to_rows()).to_rows()


def ondisk_runs(docs: list, bounds: list[int], path: Path, engine=None) -> list:
    """Return the assignments of placing docs in nightly runs docs[bounds[i]:bounds[i+1]], each against the
    on-disk index in corpus.db at path (written back after each run, as jobs.dedup does)."""
    from cleaning.dedup.engine import DedupEngine
    from db.corpus import CorpusStore
    from db.dedup_index import apply_changes
    from db.store import transaction

    engine = engine or DedupEngine()
    store = CorpusStore(path)
    parts = []
    try:
        for lo, hi in zip(bounds, bounds[1:], strict=False):
            index = engine.new_index(store=store.dedup_store())
            parts += engine.assign(docs[lo:hi], index)
            changes = index.changes()
            with transaction(store.db):
                apply_changes(store.db, changes, next_seq=index.next_pos)
    finally:
        store.close()
    return parts


def ondisk_equals_memory(n: int = 10_000, seed: int = 1, runs: int = 4, chrome_share: float = 0.3) -> dict:
    """Return whether the on-disk index, written back between ``runs`` nightly runs, gives the same clusters
    and links as one in-memory batch of the same documents; and both times."""
    from bench.dedup.generate import generate
    from cleaning.dedup.engine import DedupEngine

    docs = to_inputs(generate(n, seed, chrome_share=chrome_share))
    engine = DedupEngine()
    t = time.perf_counter()
    batch = engine.assign(docs, engine.new_index())
    memory_s = time.perf_counter() - t
    bounds = [round(i * len(docs) / runs) for i in range(runs + 1)]
    with tempfile.TemporaryDirectory() as tmp:
        t = time.perf_counter()
        parts = ondisk_runs(docs, bounds, Path(tmp) / "corpus.db", engine)
        disk_s = time.perf_counter() - t
    a, b = final_state(batch), final_state(parts)
    return {
        "docs": len(docs),
        "runs": runs,
        "clusters_equal": a[0] == b[0],
        "links_equal": a[1] == b[1],
        "memory_s": round(memory_s, 2),
        "ondisk_s": round(disk_s, 2),
    }


SCALE_SIZES = (100_000, 300_000, 1_000_000)
RESULTS_JSON = HERE / "results.json"


def step(*args: str) -> dict:
    """Run a bench.dedup.scale step in a fresh process; return its JSON figures (progress to our stderr)."""
    cmd = [sys.executable, "-m", "bench.dedup.scale", *args]
    out = subprocess.run(cmd, cwd=ROOT, stdout=subprocess.PIPE, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def part_quality(seed: int) -> dict:
    """Return 10k quality with and without the chrome class (seeds 1 and 2) and the datasketch baseline."""
    out = {}
    for s in (seed, seed + 1):
        out[f"seed{s}"] = {
            "chrome": in_subprocess("engine", 10_000, s, repeats=1, chrome_share=0.3),
            "plain": in_subprocess("engine", 10_000, s, repeats=1, chrome_share=0.0),
        }
    out[f"seed{seed}"]["datasketch_plain"] = in_subprocess("datasketch", 10_000, seed, repeats=1)
    out[f"seed{seed}"]["datasketch_chrome"] = in_subprocess("datasketch", 10_000, seed, repeats=1, chrome_share=0.3)
    return out


def part_batch(sizes: tuple[int, ...], kinds: tuple[str, ...], tmp: Path, workers: tuple[int, ...]) -> dict:
    """Return batch figures of ``zhcorpus dedup --jsonl`` per corpus kind and size (and per worker count)."""
    out: dict = {}
    for kind in kinds:
        for n in sizes:
            src, dst = tmp / f"{kind}-{n}.jsonl", tmp / f"{kind}-{n}.out"
            written = step("input", "--kind", kind, "--docs", str(n), "--jsonl", str(src))
            for w in workers:
                run = step("batch", "--jsonl", str(src), "--out", str(dst), "--workers", str(w))
                run["load_after"] = machine_info()["load"]
                if kind == "generated" and w == workers[0]:
                    run.update(step("score", "--jsonl", str(src), "--out", str(dst)))
                out.setdefault(kind, {}).setdefault(str(n), {})[f"workers{w}"] = {**written, **run}
                print(json.dumps({kind: {n: out[kind][str(n)]}}), file=sys.stderr, flush=True)
            if kind == "generated" and n != max(sizes):
                src.unlink()
                Path(str(src) + ".labels").unlink()
    return out


def part_incremental(stored: int, new: int, tmp: Path) -> dict:
    """Return the figures of building an on-disk index of ``stored`` documents, then one nightly run of
    ``new`` more in a fresh process."""
    src = tmp / f"generated-{stored + new}.jsonl"
    if not src.exists():
        step("input", "--kind", "generated", "--docs", str(stored + new), "--jsonl", str(src))
    db = tmp / "corpus.db"
    db.unlink(missing_ok=True)
    build = step("build", "--jsonl", str(src), "--db", str(db), "--docs", str(stored))
    night = step("nightly", "--jsonl", str(src), "--db", str(db), "--docs", str(stored), "--new", str(new))
    return {"build": build, "nightly": night, "load_after": machine_info()["load"]}


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark, or parts of it, keeping figures in results.json; --write renders RESULTS.md."""
    p = argparse.ArgumentParser(description="dedup benchmark")
    p.add_argument("--measure", choices=["engine", "datasketch"])
    p.add_argument("--docs", type=int, default=10000)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--chrome-share", type=float, default=0.0)
    p.add_argument("--quick", action="store_true", help="10k quality with and without the chrome class; no file")
    p.add_argument(
        "--part",
        action="append",
        choices=["quality", "ondisk", "batch", "incremental", "libraries"],
        help="run only these parts (repeatable; default all), merged into bench/dedup/results.json",
    )
    p.add_argument("--sizes", type=int, nargs="+", default=list(SCALE_SIZES), help="batch sizes")
    p.add_argument("--kinds", nargs="+", default=["generated", "copies"], choices=["generated", "copies"])
    p.add_argument("--workers", type=int, nargs="+", default=[1, 0], help="batch signature workers to measure")
    p.add_argument("--stored", type=int, default=1_000_000, help="incremental: documents in the stored index")
    p.add_argument("--new", type=int, default=10_000, help="incremental: new documents in the nightly run")
    p.add_argument("--tmp", type=Path, help="where the inputs go (default: a temporary directory)")
    p.add_argument("--write", action="store_true", help="render bench/dedup/RESULTS.md from results.json")
    args = p.parse_args(argv)
    if args.measure:
        print(json.dumps(measure(args.measure, args.docs, args.seed, args.chrome_share)))
        return 0
    if args.quick:
        print(json.dumps(measure("engine", args.docs, args.seed, 0.3)))
        print(json.dumps(measure("engine", args.docs, args.seed, 0.0)))
        return 0
    results = json.loads(RESULTS_JSON.read_text()) if RESULTS_JSON.exists() else {}
    parts = args.part or ([] if args.write else ["quality", "ondisk", "libraries", "batch", "incremental"])
    if args.tmp is not None:
        args.tmp.mkdir(parents=True, exist_ok=True)  # inputs of a million documents are GBs: say where
    with tempfile.TemporaryDirectory(dir=args.tmp) as tmp:
        for part in parts:
            started = machine_info()["load"]
            if part == "quality":
                figures = part_quality(args.seed)
            elif part == "ondisk":
                figures = ondisk_equals_memory(10_000, args.seed, runs=4) | {
                    "batch_equals_incremental_3k": batch_equals_incremental()
                }
            elif part == "libraries":
                figures = minhash_libraries()
            elif part == "batch":
                figures = part_batch(tuple(args.sizes), tuple(args.kinds), Path(tmp), tuple(args.workers))
            else:
                figures = part_incremental(args.stored, args.new, Path(tmp))
            if part == "batch" and "batch" in results:  # runs of other sizes or workers stay
                figures = _merged(results["batch"]["figures"], figures)
            results[part] = {
                "figures": figures,
                "date": dt.date.today().isoformat(),
                "load_before": started,
                "load_after": machine_info()["load"],
                "machine": machine(),
                "command": " ".join(["python -m bench.dedup.run", *(argv if argv is not None else sys.argv[1:])]),
            }
            RESULTS_JSON.write_text(json.dumps(results, ensure_ascii=False, indent=1) + "\n")
            print(json.dumps({part: figures}, ensure_ascii=False), file=sys.stderr, flush=True)
    if args.write or not args.part:
        from bench.dedup.report import render

        (HERE / "RESULTS.md").write_text(render(results), encoding="utf-8")
    return 0


def _merged(old: dict, new: dict) -> dict:
    """Return old updated with new, nested dicts merged."""
    out = dict(old)
    for k, v in new.items():
        out[k] = _merged(out[k], v) if isinstance(v, dict) and isinstance(out.get(k), dict) else v
    return out


def machine() -> dict:
    """Return the machine description (bench/machine.py)."""
    return machine_info()


if __name__ == "__main__":
    sys.exit(main())
