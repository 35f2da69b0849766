"""The reliability campaign: hostile shapes timed at growing sizes, a long fuzz of mutated pages, text and JSON Lines,
and kill -9 trials of `zhcorpus clean`. Run by hand (minutes), from the repository root:

    .venv/bin/python bench/reliability/campaign.py [--sizes 50000,200000,800000] [--fuzz 3000] [--kills 30]
        [--stream-mb 50] [--seed 1] [--only cost,fuzz,kill,stream] [--out bench/reliability/RESULTS.md]

Writes the tables, with machine, date, load average and command, to --out; inputs that failed or cost the most are
saved under bench/out/reliability/ for a look. CPU times are time.process_time of this process (the clean runs of
the kill trials are subprocesses, timed by wall clock only to pick kill moments). Pages come from the bundled
fixture sites, the 52 extract-dev pages when ../shared/benchdata/extract-dev is there (read in place, never
copied), and generated shapes (shapes.py). Nothing touches the network.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.util
import json
import math
import os
import random
import shlex
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))

from shapes import NOTICE, PAGE_SHAPES, TEXT_SHAPES  # noqa: E402

from bench.machine import machine_info  # noqa: E402
from cleaning.decode.charfreq import char_model, guess_model  # noqa: E402
from cleaning.decode.repair import repair_text  # noqa: E402
from cleaning.pipeline import PageInput, clean_page  # noqa: E402

OUT_DIR = ROOT / "bench" / "out" / "reliability"
BUDGET_S_PER_100KB = 2.0  # the promise (docs/RELIABILITY.md)
DEV = ROOT.parent / "shared" / "benchdata" / "extract-dev"
WAIT_S = 600  # bound on every subprocess wait


HANG_S = 120  # an input still running after this many seconds (wall clock) is recorded as a hang and dropped


class Hang(BaseException):
    """Raised by the watchdog into a call that ran past HANG_S (BaseException: clean_page must not catch it)."""


def _alarm(signum, frame):
    raise Hang()


def cpu(fn, *args):
    """Return (result, CPU seconds) of fn(*args); (Hang(), seconds) if it ran past HANG_S."""
    previous = signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(HANG_S)
    start = time.process_time()
    try:
        result = fn(*args)
    except Hang as hang:
        result = hang
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    return result, time.process_time() - start


def per_100kb(seconds: float, size: int) -> float:
    return seconds / max(size, 1) * 100_000


# -- seed pages ---------------------------------------------------------------------------------------------
def _extract_bench():
    spec = importlib.util.spec_from_file_location("extract_bench_run", ROOT / "bench" / "extract" / "run.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def seed_pages() -> list[dict]:
    """Return the bundled sites' detail pages and, if present, the extract-dev pages: {url, body, headers}."""
    bench = _extract_bench()
    pages = [{"url": p["url"], "body": p["body"], "headers": p["headers"]} for p in bench.load_sites()]
    if DEV.exists():
        pages += [{"url": p["url"], "body": p["body"], "headers": p["headers"]} for p in bench.load_dev(DEV)]
    return pages


# -- 1. shapes at growing sizes -----------------------------------------------------------------------------
def run_cost(sizes: list[int]) -> dict:
    rows = []
    for name, make in PAGE_SHAPES.items():
        times = []
        for size in sizes:
            body = make(size)
            result, seconds = cpu(clean_page, PageInput(url="http://a.example/t/1.html", body=body, headers={}))
            if isinstance(result, Hang):
                times.append((len(body), seconds, "HANG", ["hang"]))
                continue
            times.append((len(body), seconds, result.drop_reason, result.flags))
        rows.append({"shape": name, "kind": "clean_page", "runs": times})
        print(f"cost {name}: " + ", ".join(f"{s / 1e3:.0f} KB {t:.2f} s" for s, t, *_ in times), file=sys.stderr)
    for name, make in TEXT_SHAPES.items():
        times = []
        for size in sizes:
            text = make(size)
            nbytes = len(text.encode("utf-8", "surrogatepass"))
            result, seconds = cpu(repair_text, text)
            times.append((nbytes, seconds, None, ["hang"] if isinstance(result, Hang) else result.flags))
        rows.append({"shape": name, "kind": "repair_text", "runs": times})
        print(f"cost {name}: " + ", ".join(f"{s / 1e3:.0f} KB {t:.2f} s" for s, t, *_ in times), file=sys.stderr)
    return {"rows": rows}


def growth(runs: list[tuple]) -> float:
    """Return the exponent k of time ~ size^k between the smallest and the largest run (1 = linear)."""
    (s0, t0, *_), (s1, t1, *_) = runs[0], runs[-1]
    if t0 <= 0.005 or t1 <= 0.005 or s1 == s0:
        return float("nan")  # too fast to tell
    return math.log(t1 / t0) / math.log(s1 / s0)


# -- 2. fuzz ------------------------------------------------------------------------------------------------
HOSTILE_SNIPPETS = [
    lambda r: "<div " + " ".join(f"a{i}=x" for i in range(r.randint(100, 20_000))) + ">",
    lambda r: "<div>" * r.randint(100, 6000),
    lambda r: "<font>" * r.randint(100, 3000),
    lambda r: "<table><tr><td>" * r.randint(20, 500),
    lambda r: "<!--",
    lambda r: "<script>",
    lambda r: "<title>",
    lambda r: "\ufffe\uffff",
    lambda r: "\x00\x01\x0b",
    lambda r: "</body></html>",
    lambda r: "&#xD800;&#0;&bogus;" * r.randint(1, 2000),
    lambda r: '<a href="http://[bad/a.pdf">附件</a><a href="//[::1/b.doc">附件</a>',
    lambda r: "<br>" * r.randint(100, 20_000),
    lambda r: "啊" * r.randint(1000, 100_000),
    lambda r: "x" * r.randint(1000, 200_000),
    lambda r: NOTICE.encode().decode("gb18030", "replace") * r.randint(1, 40),
    lambda r: r.randbytes(r.randint(10, 5000)).decode("utf-8", "replace"),
    lambda r: '<meta http-equiv="refresh" content="0;url=http://169.254.169.254/">',
    lambda r: '<img src="' + "A" * r.randint(1000, 300_000) + '">',
]


def mutate(page: bytes, r: random.Random) -> tuple[bytes, str]:
    """Return a mutated page and a label of what was done."""
    how = r.randrange(8)
    if how == 0:
        data = bytearray(page)
        for _ in range(r.randint(1, 60)):
            if data:
                data[r.randrange(len(data))] = r.randrange(256)
        return bytes(data), "flip"
    if how in (1, 2, 3):
        k = r.randrange(len(HOSTILE_SNIPPETS))
        snippet = HOSTILE_SNIPPETS[k](r)
        text = page.decode("utf-8", "surrogateescape")
        at = r.randint(0, len(text))
        return (text[:at] + snippet + text[at:]).encode("utf-8", "surrogateescape"), f"insert{k}"
    if how == 4:
        return page[: r.randint(0, len(page))], "truncate"
    if how == 5:
        text = page.decode("utf-8", "replace")
        codec = r.choice(["gb18030", "big5", "utf-16-le", "utf-16-be", "utf-16", "cp1252"])
        return text.encode(codec, "replace") if codec != "cp1252" else text.encode(codec, "ignore"), f"reencode:{codec}"
    if how == 6:
        return page * r.randint(2, 12), "repeat"
    return bytes(b ^ 0x80 if r.random() < 0.02 else b for b in page), "highbit"


def run_fuzz(n: int, seed: int, pages: list[dict]) -> dict:
    r = random.Random(seed)
    results = Counter()
    errors: list[dict] = []
    worst: list[tuple[float, int, str]] = []  # (s per 100 KB, size, label) for inputs of at least 10 KB
    slowest_small: list[tuple[float, int, str]] = []  # (seconds, size, label) under 10 KB
    hangs: list[dict] = []
    total_bytes = 0
    total_cpu = 0.0
    for i in range(n):
        seed_page = r.choice(pages)
        body, label = mutate(seed_page["body"], r)
        if r.random() < 0.3:
            body, label2 = mutate(body, r)
            label += "+" + label2
        headers = dict(seed_page["headers"]) if r.random() < 0.7 else {}
        url = r.choice([seed_page["url"], seed_page["url"], "", "http://[bad"])
        result, seconds = cpu(clean_page, PageInput(url=url, body=body, headers=headers))
        total_bytes += len(body)
        total_cpu += seconds
        if isinstance(result, Hang):
            path = OUT_DIR / f"fuzz-hang-{i}.bin"
            path.write_bytes(body)
            hangs.append({"input": str(path), "label": label, "size": len(body)})
            results["hang"] += 1
            continue
        results[result.drop_reason or "documents"] += 1
        if result.drop_reason == "internal_error":
            path = OUT_DIR / f"fuzz-error-{i}.bin"
            path.write_bytes(body)
            errors.append({"input": str(path), "label": label, "error": result.error})
        if len(body) >= 10_000:
            worst.append((per_100kb(seconds, len(body)), len(body), label))
        else:
            slowest_small.append((seconds, len(body), label))
        if i % 250 == 0:
            print(f"fuzz pages {i}/{n}", file=sys.stderr)
    worst.sort(reverse=True)
    slowest_small.sort(reverse=True)
    if worst:
        (OUT_DIR / "fuzz-worst.json").write_text(json.dumps(worst[:20], ensure_ascii=False, indent=1))
    text_errors, text_worst = run_text_fuzz(max(200, n // 3), seed + 1)
    jsonl = run_jsonl_fuzz(max(200, n // 3), seed + 2)
    return {
        "pages": n,
        "bytes": total_bytes,
        "cpu": total_cpu,
        "outcomes": dict(results.most_common()),
        "errors": errors,
        "hangs": hangs,
        "worst": worst[:5],
        "over_budget": sum(1 for w in worst if w[0] > BUDGET_S_PER_100KB),
        "large_inputs": len(worst),
        "slowest_small": slowest_small[:3],
        "text": {"inputs": max(200, n // 3), "errors": text_errors, "worst": text_worst},
        "jsonl": jsonl,
    }


def run_text_fuzz(n: int, seed: int) -> tuple[list[str], tuple[float, int]]:
    r = random.Random(seed)
    errors, worst = [], (0.0, 0)
    for _ in range(n):
        how = r.randrange(4)
        if how == 0:
            text = "".join(chr(r.randrange(0x110000)) for _ in range(r.randint(0, 3000)))
        elif how == 1:
            data = bytearray((NOTICE * r.randint(1, 60)).encode(r.choice(["utf-8", "gb18030", "big5"]), "replace"))
            for _ in range(r.randint(0, 50)):
                if data:
                    del data[r.randrange(len(data))]
            text = bytes(data).decode(r.choice(["gb18030", "gbk", "cp1252", "utf-8", "big5"]), "replace")
        elif how == 2:
            text = r.randbytes(r.randint(0, 60_000)).decode("utf-8", r.choice(["replace", "surrogateescape", "ignore"]))
        else:
            text = r.choice(list(TEXT_SHAPES.values()))(r.randint(100, 100_000))
        try:
            result, seconds = cpu(repair_text, text)
        except Exception as exc:  # noqa: BLE001 - the campaign counts what escapes
            errors.append(f"{type(exc).__name__}: {exc}"[:200])
            continue
        if isinstance(result, Hang):
            errors.append(f"hang past {HANG_S} s ({len(text)} characters)")
            continue
        size = len(text.encode("utf-8", "surrogatepass"))
        if size >= 10_000 and per_100kb(seconds, size) > worst[0]:
            worst = (per_100kb(seconds, size), size)
    return errors, worst


def run_jsonl_fuzz(n: int, seed: int) -> dict:
    from zhcorpus.commands.dedup import read_docs
    from zhcorpus.errors import CommandError
    from zhcorpus.jsonl import bounded_lines, read_objects

    r = random.Random(seed)
    counts = Counter()
    escaped: list[str] = []
    pieces = ['{"id": 1, "text": "社会"}', '{"text": "\\ud800"}', "[", "]", "{", "}", '"', ":", ",", "9" * 5000,
              "[" * 3000, "\ufeff", "null", '{"id": [1], "text": 2}', "\x00", "\\u0000", '"\\x"', "NaN"]  # fmt: skip
    for _ in range(n):
        lines = ["".join(r.choice(pieces) for _ in range(r.randint(0, 6))) + "\n" for _ in range(r.randint(1, 5))]
        for reader in ("objects", "dedup"):
            try:
                if reader == "objects":
                    list(read_objects(bounded_lines(lines), lambda k: f"line {k}"))
                else:
                    read_docs(lines)
                counts["read"] += 1
            except CommandError:
                counts["one-line error"] += 1
            except Exception as exc:  # noqa: BLE001
                escaped.append(f"{reader}: {type(exc).__name__}: {exc}"[:200])
    return {"inputs": 2 * n, "counts": dict(counts), "escaped": escaped[:10], "escaped_total": len(escaped)}


# -- 3. kill -9 of zhcorpus clean ---------------------------------------------------------------------------
def build_raw(path: Path, pages: list[dict], extra: int) -> int:
    from db.raw import RawFetch, RawStore

    store = RawStore(path)
    n = 0
    try:
        for k, page in enumerate(pages):
            url = page["url"] or f"http://seed.example/{k}.html"
            fetch = RawFetch("run1", "seed", "detail", url, url, 200, page["headers"], page["body"], "2026-01-01")
            store.record_fetch(fetch)
            n += 1
        for k in range(extra):
            body = f"<html><body><h1>关于做好第{k}批救助工作的通知</h1><p>{NOTICE * (1 + k % 5)}</p></body></html>"
            body = body.encode()
            url = f"http://gen.example/tzgg/{k:05d}.html"
            store.record_fetch(RawFetch("run1", "gen", "detail", url, url, 200, {}, body, "2026-01-01"))
            n += 1
    finally:
        store.close()
    return n


def clean_cmd(root: Path, batch: int) -> list[str]:
    return [sys.executable, "-m", "zhcorpus.cli", "--data", str(root), "clean", "--batch-size", str(batch)]


def snapshot(root: Path) -> dict:
    corpus = sqlite3.connect(root / "corpus.db")
    raw = sqlite3.connect(root / "raw.db")
    try:
        ok = all(c.execute("PRAGMA integrity_check").fetchone()[0] == "ok" for c in (corpus, raw))
        try:
            corpus.execute("INSERT INTO documents_fts(documents_fts) VALUES('integrity-check')")
            fts_ok = True
        except sqlite3.DatabaseError:
            fts_ok = False
        return {
            "integrity": ok,
            "fts": fts_ok,
            "fts_rows": corpus.execute("SELECT COUNT(*) FROM documents_fts").fetchone()[0],
            "documents": corpus.execute(
                "SELECT id, content_hash, title, text, cluster_id, is_canonical FROM documents ORDER BY id"
            ).fetchall(),
            "clusters": corpus.execute("SELECT * FROM clusters ORDER BY cluster_id").fetchall(),
            "links": corpus.execute("SELECT * FROM document_links ORDER BY from_id, to_id").fetchall(),
            "outcomes": raw.execute(
                "SELECT page_id, outcome, drop_reason FROM clean_status ORDER BY page_id"
            ).fetchall(),
        }
    finally:
        corpus.close()
        raw.close()


def committed(root: Path) -> int:
    try:
        conn = sqlite3.connect(f"file:{root / 'raw.db'}?mode=ro", uri=True, timeout=1)
        try:
            return conn.execute("SELECT COUNT(*) FROM clean_status").fetchone()[0]
        finally:
            conn.close()
    except sqlite3.DatabaseError:
        return -1


def run_kills(trials: int, seed: int, pages: list[dict], extra: int = 300) -> dict:
    r = random.Random(seed)
    work = Path(tempfile.mkdtemp(prefix="zhcorpus-kill-"))
    try:
        raw = work / "raw.db"
        total = build_raw(raw, pages, extra)
        reference = work / "reference"
        reference.mkdir()
        shutil.copy(raw, reference / "raw.db")
        start = time.monotonic()
        subprocess.run(clean_cmd(reference, 50), check=True, capture_output=True, timeout=WAIT_S)
        ref_seconds = time.monotonic() - start
        expected = snapshot(reference)
        outcome = Counter()
        failures: list[str] = []
        phases = Counter()
        kills = 0
        for t in range(trials):
            root = work / f"trial{t}"
            root.mkdir()
            shutil.copy(raw, root / "raw.db")
            batch = r.choice([1, 5, 20, 50, 200])
            for _ in range(r.randint(1, 3)):  # one to three kills in a row, then a run to the end
                proc = subprocess.Popen(
                    clean_cmd(root, batch), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
                )
                time.sleep(r.uniform(0.2, ref_seconds * 1.1))
                if proc.poll() is None:
                    rows = committed(root)
                    os.killpg(proc.pid, signal.SIGKILL)
                    kills += 1
                    phases["during the batches" if 0 <= rows < total else "after the batches (dedup)"] += 1
                    after_kill = snapshot(root) if (root / "corpus.db").exists() else None
                    if after_kill is not None and not (after_kill["integrity"] and after_kill["fts"]):
                        failures.append(f"trial {t}: integrity or FTS broken right after a kill")
                else:
                    phases["ended before the kill"] += 1
                proc.wait(timeout=WAIT_S)
            subprocess.run(clean_cmd(root, batch), check=True, capture_output=True, timeout=WAIT_S)
            got = snapshot(root)
            same = got == expected
            outcome["equal to the uninterrupted run" if same else "DIFFERENT"] += 1
            if not same:
                diff = [k for k in expected if got.get(k) != expected[k]]
                failures.append(f"trial {t} (batch {batch}): differs in {', '.join(diff)}")
            shutil.rmtree(root)
            print(f"kill trial {t + 1}/{trials}: {'ok' if same else 'DIFFERENT'}", file=sys.stderr)
        return {
            "trials": trials,
            "pages": total,
            "kills": kills,
            "phases": dict(phases),
            "outcome": dict(outcome),
            "failures": failures,
            "reference_s": ref_seconds,
            "documents": len(expected["documents"]),
        }
    finally:
        shutil.rmtree(work, ignore_errors=True)


# -- 4. repair-text on a large stream ---------------------------------------------------------------------------
# Run in the child: at exit it prints its own peak resident memory on stderr. VmHWM, not ru_maxrss: ru_maxrss
# survives exec, so a child forked from this (large) process would report this process's size.
REPORT_PEAK_MEMORY = (
    "import atexit, sys; atexit.register(lambda: print('peak_rss_kb', [l.split()[1] for l in "
    "open('/proc/self/status') if l.startswith('VmHWM')][0], file=sys.stderr)); "
)


def run_stream(megabytes: int, seed: int) -> dict:
    """Run `zhcorpus repair-text` on that many MB of random bytes and of damaged text; return time and peak memory."""
    import resource

    rows = []
    work = Path(tempfile.mkdtemp(prefix="zhcorpus-stream-"))
    try:
        r = random.Random(seed)
        inputs = {
            "random bytes": r.randbytes(megabytes * 1_000_000),
            "UTF-8 read as GBK, re-encoded": (NOTICE * (megabytes * 1_000_000 // 140))
            .encode()
            .decode("gb18030", "replace")
            .encode(),
        }
        for name, data in inputs.items():
            path = work / "in.txt"
            path.write_bytes(data)
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            start = time.monotonic()
            with open(path, "rb") as inp:
                proc = subprocess.run(
                    [
                        sys.executable,
                        "-c",
                        REPORT_PEAK_MEMORY + "from zhcorpus.cli import main; sys.exit(main(['repair-text']))",
                    ],
                    stdin=inp,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.PIPE,
                    text=True,
                    timeout=WAIT_S * 3,
                )
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            peak = [line.split()[1] for line in proc.stderr.splitlines() if line.startswith("peak_rss_kb ")]
            rows.append(
                {
                    "input": name,
                    "bytes": len(data),
                    "exit": proc.returncode,
                    "wall_s": time.monotonic() - start,
                    "cpu_s": (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime),
                    "max_rss_mb": int(peak[-1]) / 1024 if peak else float("nan"),
                }
            )
            print(f"stream {name}: {rows[-1]}", file=sys.stderr)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return {"rows": rows}


# -- report ---------------------------------------------------------------------------------------------------
def render(results: dict, info: dict[str, str], command: str) -> str:
    lines = [
        "# Reliability campaign",
        "",
        f"{dt.date.today().isoformat()} · {info['cpu']} · {info['cores']} cores · Python {info['python']} · "
        f"load average {info['load']} (at the start) / {results['load_end']} (at the end).",
        f"Command: `{command}`. CPU times are `time.process_time`; the machine was shared, so they are upper "
        "bounds of a quiet machine's. Rerun on a quiet machine for final figures.",
        "",
    ]
    if "cost" in results:
        lines += [
            f"## Cost of hostile shapes (budget {BUDGET_S_PER_100KB:g} s CPU per 100 KB)",
            "",
            "| shape | step | "
            + " | ".join(f"{s // 1000} KB" for s in results["sizes"])
            + " | worst s/100 KB | growth | flags |",
            "|---|---|" + "---:|" * len(results["sizes"]) + "---:|---:|---|",
        ]
        for row in results["cost"]["rows"]:
            runs = row["runs"]
            worst = max(per_100kb(t, s) for s, t, *_ in runs)
            k = growth(runs)
            flags = sorted({f.split(":")[0] for *_, fl in runs for f in fl if ":" in f or f.endswith("flattened")})
            cells = " | ".join(f"{t:.2f} s" for _, t, *_ in runs)
            lines.append(
                f"| {row['shape']} | {row['kind']} | {cells} | {worst:.2f} | {'-' if math.isnan(k) else f'{k:.2f}'} | "
                f"{', '.join(flags[:4]) or ''} |"
            )
        lines += ["", "Growth: the exponent k of time ~ size^k between the smallest and largest size (1 = linear; "
                  "'-' when both runs take under 5 ms).", ""]  # fmt: skip
    if "fuzz" in results:
        f = results["fuzz"]
        lines += [
            "## Fuzz",
            "",
            f"- pages: {f['pages']} mutated pages ({f['bytes'] / 1e6:.1f} MB, {f['cpu']:.0f} s CPU) from the bundled "
            "sites' and extract-dev pages: byte flips, hostile insertions (attribute floods, deep nesting, unclosed "
            "comments and scripts, noncharacters, NULs, entity floods, malformed links, long lines, mojibake, "
            "meta refresh), truncation, re-encoding, repetition; two mutations on 30%.",
            "- outcomes: " + ", ".join(f"{k} {v}" for k, v in f["outcomes"].items()),
            f"- hangs (an input still running after {HANG_S} s): {len(f['hangs'])}"
            + "".join(f"\n  - {h['label']}: {h['size']} B ({h['input']})" for h in f["hangs"][:10]),
            f"- internal errors (exceptions inside clean_page): {len(f['errors'])}"
            + ("".join(f"\n  - {e['label']}: {e['error']} ({e['input']})" for e in f["errors"][:10])),
            f"- inputs of 10 KB or more: {f['large_inputs']}; over {BUDGET_S_PER_100KB:g} s/100 KB: "
            f"{f['over_budget']}; worst: "
            + ", ".join(f"{w[0]:.2f} s/100 KB ({w[1] / 1e3:.0f} KB, {w[2]})" for w in f["worst"][:3]),
            "- slowest inputs under 10 KB: "
            + ", ".join(f"{s:.3f} s ({n} B, {lbl})" for s, n, lbl in f["slowest_small"]),
            f"- repair_text: {f['text']['inputs']} texts (arbitrary code points, damaged Chinese, random bytes, "
            "shapes); "
            f"exceptions: {len(f['text']['errors'])}; worst {f['text']['worst'][0]:.2f} s/100 KB "
            f"({f['text']['worst'][1] / 1e3:.0f} KB)",
            f"- JSON Lines readers: {f['jsonl']['inputs']} inputs: {f['jsonl']['counts']}; other exceptions: "
            f"{f['jsonl']['escaped_total']}" + "".join(f"\n  - {e}" for e in f["jsonl"]["escaped"]),
            "",
        ]
    if "kill" in results:
        k = results["kill"]
        lines += [
            "## kill -9 of `zhcorpus clean`",
            "",
            f"- {k['trials']} trials on a raw.db of {k['pages']} pages ({k['documents']} documents when cleaned "
            f"whole, {k['reference_s']:.1f} s uninterrupted); each trial: batch size 1, 5, 20, 50 or 200, one to "
            "three clean runs each killed (SIGKILL to the process group) at a random moment, then one run to the end.",
            f"- kills: {k['kills']} ({', '.join(f'{n} {p}' for p, n in k['phases'].items())})",
            "- checked after every kill: PRAGMA integrity_check on both databases and the FTS5 integrity-check; "
            "after the final run: documents (id, hash, title, text, cluster, canonical), clusters, links and clean "
            "outcomes equal to the uninterrupted run's.",
            f"- result: {', '.join(f'{n} {o}' for o, n in k['outcome'].items())}"
            + "".join(f"\n  - {x}" for x in k["failures"]),
            "",
        ]
    if "stream" in results:
        lines += [
            "## `zhcorpus repair-text` on a large stream",
            "",
            "| input | size | exit | CPU | wall | peak RSS of the process |",
            "|---|---:|---:|---:|---:|---:|",
        ]
        for row in results["stream"]["rows"]:
            lines.append(
                f"| {row['input']} | {row['bytes'] / 1e6:.0f} MB | {row['exit']} | {row['cpu_s']:.0f} s | "
                f"{row['wall_s']:.0f} s | {row['max_rss_mb']:.0f} MB |"
            )
        lines += ["", "Before (issue 10): 50 MB of random bytes took 68 s and 3.1 GB, read whole into memory.", ""]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="50000,200000,800000", help="page sizes in bytes for the shapes")
    parser.add_argument("--fuzz", type=int, default=3000, help="mutated pages")
    parser.add_argument("--kills", type=int, default=30, help="kill -9 trials")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--stream-mb", type=int, default=50, help="size of the repair-text stream inputs")
    parser.add_argument("--only", default="cost,fuzz,kill,stream", help="parts to run")
    parser.add_argument("--out", type=Path, default=HERE / "RESULTS.md")
    args = parser.parse_args(argv)
    parts = set(args.only.split(","))
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    info = machine_info()
    guess_model(), char_model()  # load the models once, outside every timing
    clean_page(PageInput(url="http://a.example/1.html", body=f"<p>{NOTICE}</p>".encode(), headers={}))
    repair_text("社會(shè huì)工作，鍙戝竷閫氱煡\ufffd")  # pypinyin and the guesser's tables, loaded once
    results: dict = {"sizes": [int(s) for s in args.sizes.split(",")]}
    pages = seed_pages() if parts & {"fuzz", "kill"} else []
    if "cost" in parts:
        results["cost"] = run_cost(results["sizes"])
    if "fuzz" in parts:
        results["fuzz"] = run_fuzz(args.fuzz, args.seed, pages)
    if "kill" in parts:
        results["kill"] = run_kills(args.kills, args.seed, pages)
    if "stream" in parts:
        results["stream"] = run_stream(args.stream_mb, args.seed)
    results["load_end"] = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    command = ".venv/bin/python bench/reliability/campaign.py " + shlex.join(argv if argv is not None else sys.argv[1:])
    text = render(results, info, command.strip())
    args.out.write_text(text + "\n", encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
