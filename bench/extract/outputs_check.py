"""Outputs and CPU cost of the decode, repair and script stages: save outputs, compare them, time the stages.

Run by hand from the repository root:

    .venv/bin/python bench/extract/outputs_check.py save /tmp/stage_outputs.json
    .venv/bin/python bench/extract/outputs_check.py check /tmp/stage_outputs.json
    .venv/bin/python bench/extract/outputs_check.py time [--rounds 20] [--label after] [--out FILE]

``save`` runs clean_page, decode_bytes, repair_text, detect_script, taiwan_score and to_hans over every input
we have and writes their outputs as JSON; ``check`` runs them again and lists every output that differs
(a speed change must leave them byte-identical). Inputs: the bundled sites' detail pages and the 52
extract-dev pages (as bench/extract/run.py builds them, dev read in place), the golden pages of
tests/cleaning/golden, the stage inputs clean_page hands to each stage on all these pages (captured by
wrapping the stages), and the bench/encoding corpus (pages, titles, stress pages, mojibake corruptions,
documents, byte shifts, clean texts).

``time`` replays the stage inputs captured on the sites and dev pages and reports each stage's CPU time per
page (time.process_time, best of --rounds rounds; the stages as clean_page calls them), and appends the
table, with date, machine, load average and command, to --out (bench/extract/STAGES.md): a log, so figures
of two code versions (run from two checkouts with the same --out) sit side by side.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import json
import shlex
import sys
import time
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT))
sys.path.append(str(ROOT / "bench" / "encoding"))  # after bench/extract: both hold a run.py

import corpus  # noqa: E402  (bench/encoding/corpus.py)
import run as extract_run  # noqa: E402  (bench/extract/run.py)

from bench.machine import machine_info  # noqa: E402
from cleaning import pipeline  # noqa: E402
from cleaning.decode.encoding import decode_bytes  # noqa: E402
from cleaning.decode.repair import repair_text  # noqa: E402
from cleaning.pipeline import PageInput, clean_page  # noqa: E402
from cleaning.text.script import detect_script, taiwan_score, to_hans  # noqa: E402

GOLDEN = ROOT / "tests" / "cleaning" / "golden"
SCRIPT_HINTS = (None, "hans", "hant", "hant-tw", "hant-hk")


def golden_pages() -> list[PageInput]:
    """Return the PageInput of every golden case (as tests/cleaning/test_clean_golden.py builds them)."""
    pages = []
    for path in sorted(GOLDEN.glob("*.in.html")):
        meta = json.loads(path.with_name(path.name.replace(".in.html", ".meta.json")).read_text(encoding="utf-8"))
        pages.append(
            PageInput(
                url=meta["url"],
                body=path.read_bytes(),
                headers=meta.get("headers", {}),
                status=meta.get("status", 200),
                encoding_hint=meta.get("encoding_hint"),
                script_hint=meta.get("script_hint"),
                column=meta.get("column"),
            )
        )
    return pages


def bench_pages(dev: Path) -> dict[str, list[PageInput]]:
    """Return the page sets: bundled sites, extract-dev, golden."""

    def as_input(page: dict) -> PageInput:
        return PageInput(url=page["url"], body=page["body"], headers=page["headers"], **page["hints"])

    return {
        "sites": [as_input(p) for p in extract_run.load_sites()],
        "dev": [as_input(p) for p in extract_run.load_dev(dev)],
        "golden": golden_pages(),
    }


class StageCalls:
    """Records the arguments clean_page passes to decode, repair and script stages while it runs."""

    def __init__(self) -> None:
        self.decode: list[tuple] = []
        self.repair: list[str] = []
        self.script: list[tuple[str, str | None]] = []  # (text, script hint) of each document

    def __enter__(self) -> StageCalls:
        self._saved = (dict(pipeline._STEP), pipeline.repair_text, pipeline.detect_script)
        step, repair, detect = self._saved

        def decode(*args):
            self.decode.append(args)
            return step["decode"](*args)

        def repair_lines(text):
            self.repair.append(text)
            return step["repair"](text)

        def repair_title(text):
            self.repair.append(text)
            return repair(text)

        pipeline._STEP.update(decode=decode, repair=repair_lines)
        pipeline.repair_text = repair_title
        self._current_hint: str | None = None
        pipeline.detect_script = lambda text: (self.script.append((text, self._current_hint)), detect(text))[1]
        return self

    def run(self, page: PageInput):
        self._current_hint = page.script_hint
        return clean_page(page)

    def __exit__(self, *exc) -> None:
        step, pipeline.repair_text, pipeline.detect_script = self._saved
        pipeline._STEP.update(step)


def as_json(value: object) -> object:
    """Return value as plain JSON data (dataclasses as dicts)."""
    if dataclasses.is_dataclass(value):
        return as_json(dataclasses.asdict(value))
    if isinstance(value, dict):
        return {str(k): as_json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [as_json(v) for v in value]
    return value


def collect(dev: Path) -> dict[str, object]:
    """Return every output, keyed by stage, input set and index."""
    out: dict[str, object] = {}
    calls = StageCalls()
    with calls:
        for name, pages in bench_pages(dev).items():
            for k, page in enumerate(pages):
                out[f"clean_page/{name}/{k}"] = as_json(calls.run(page))
    decode_inputs = [(args[0], *args[1:]) for args in calls.decode]
    decode_inputs += [(s.body, s.content_type) for s in corpus.build_pages() + corpus.build_titles()]
    decode_inputs += [(s.body, s.content_type) for s in corpus.build_stress() + corpus.build_short_titles()]
    decode_inputs += [(s.body, s.content_type, hint) for s in corpus.build_pages()[:80] for hint in ("big5", "gbk")]
    texts = list(calls.repair)
    for k, args in enumerate(decode_inputs):
        decoded = decode_bytes(*args)
        out[f"decode/{k}"] = as_json(decoded)
        texts.append(decoded.text)
    texts += [damaged for _, damaged, _ in corpus.build_corruptions()]
    texts += [damaged for _, damaged, _ in corpus.build_documents()]
    texts += [damaged for _, damaged, _ in corpus.build_byte_shifts()]
    texts += corpus.clean_texts()
    for k, text in enumerate(texts):
        out[f"repair/{k}"] = as_json(repair_text(text))
    script_texts = [text for text, _ in calls.script] + texts
    for k, text in enumerate(script_texts):
        out[f"script/{k}"] = [detect_script(text), taiwan_score(text)]
        for hint in SCRIPT_HINTS:
            out[f"to_hans/{k}/{hint}"] = to_hans(text, hint)
    return out


def check(saved: dict[str, object], now: dict[str, object]) -> list[str]:
    """Return the keys whose output differs (or exists on one side only)."""
    return sorted(k for k in saved.keys() | now.keys() if saved.get(k) != now.get(k))


# -- timing ------------------------------------------------------------------------------------------
def stage_inputs(dev: Path) -> dict[str, tuple[int, StageCalls]]:
    """Return {set: (pages, the stage calls clean_page made on them)} for the sites and dev sets."""
    out = {}
    for name, pages in bench_pages(dev).items():
        if name == "golden":
            continue
        calls = StageCalls()
        with calls:
            for page in pages:
                calls.run(page)
        out[name] = (len(pages), calls)
    return out


def run_script_stage(calls: StageCalls) -> None:
    """Run the script stage as clean_page does: detect, then to_hans unless the text is simplified."""
    for text, hint in calls.script:
        if detect_script(text) != "hans":
            to_hans(text, hint)


STAGES: dict[str, Callable[[StageCalls], None]] = {
    "decode": lambda calls: [decode_bytes(*args) for args in calls.decode],
    "repair": lambda calls: [repair_text(text) for text in calls.repair],
    "script": run_script_stage,
}


def time_stages(dev: Path, rounds: int) -> list[str]:
    """Return table rows of each stage's CPU µs per page, best of rounds, on the sites and dev sets."""
    rows = []
    for name, (pages, calls) in stage_inputs(dev).items():
        for stage, fn in STAGES.items():
            fn(calls)  # warm-up: converters, per-process memos
            best = float("inf")
            for _ in range(rounds):
                start = time.process_time()
                fn(calls)
                best = min(best, time.process_time() - start)
            rows.append(f"| {name} | {stage} | {1e6 * best / pages:.1f} | {pages} |")
            print(rows[-1], flush=True)
    return rows


def log_timings(out: Path, label: str, rows: list[str], argv: list[str]) -> None:
    """Append a timing table with date, machine, load average and command to out."""
    info = machine_info()
    block = [
        f"## {label}: {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC",
        "",
        f"- command: `python bench/extract/outputs_check.py {shlex.join(argv)}` (run from {ROOT})",
        f"- machine: `{info['uname']}`; {info['cpu']}, {info['cores']} cores; Python {info['python']}",
        f"- load average (1, 5, 15 min) when the run ended: {info['load']} (the machine is shared)",
        "",
        "| set | stage | CPU µs/page (best round) | pages |",
        "|---|---|---:|---:|",
        *rows,
        "",
    ]
    if not out.exists():
        out.write_text(STAGES_HEADER, encoding="utf-8")
    with out.open("a", encoding="utf-8") as f:
        f.write("\n".join(block) + "\n")


STAGES_HEADER = """# Decode, repair and script stages: CPU time per page

Written by `bench/extract/outputs_check.py time` (appended, newest last). Each stage is replayed on the inputs
clean_page gives it on the bundled sites' detail pages and on the 52 extract-dev pages (read in place):
decode = decode_bytes of the page bytes; repair = repair_text of the extracted lines and of the title;
script = detect_script of each document, then to_hans unless it is simplified. CPU time
(time.process_time) of the best of N rounds over the whole set, divided by its pages.

"""


def main(argv: list[str] | None = None) -> int:
    """Save, check or time; return 1 when check finds a difference."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("action", choices=("save", "check", "time"))
    parser.add_argument("path", nargs="?", default="/tmp/zhcorpus_stage_outputs.json", help="saved outputs")
    parser.add_argument("--dev", default=str(extract_run.DEFAULT_DEV), help="extract-dev directory")
    parser.add_argument("--rounds", type=int, default=20, help="timed rounds (time)")
    parser.add_argument("--label", default="stage timings", help="heading of the appended table (time)")
    parser.add_argument("--out", default=str(HERE / "STAGES.md"), help="timing log to append to (time)")
    args = parser.parse_args(argv)
    dev = Path(args.dev)
    if args.action == "time":
        rows = time_stages(dev, args.rounds)
        log_timings(Path(args.out), args.label, rows, sys.argv[1:] if argv is None else argv)
        return 0
    now = collect(dev)
    if args.action == "save":
        Path(args.path).write_text(json.dumps(now, ensure_ascii=False), encoding="utf-8")
        print(f"saved {len(now)} outputs to {args.path}")
        return 0
    saved = json.loads(Path(args.path).read_text(encoding="utf-8"))
    now = json.loads(json.dumps(now, ensure_ascii=False))  # the same JSON round trip as the saved side
    differing = check(saved, now)
    for key in differing[:20]:
        print(f"DIFFERS {key}\n  saved: {str(saved.get(key))[:300]}\n  now:   {str(now.get(key))[:300]}")
    print(f"{len(now)} outputs, {len(differing)} differ")
    return 1 if differing else 0


if __name__ == "__main__":
    sys.exit(main())
