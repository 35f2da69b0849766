"""Profile the clean_page pipeline with cProfile on the benchmark's pages (where does a page's time go?).

Run by hand from the repository root:

    .venv/bin/python bench/extract/profile_clean.py [--set sites|dev] [--rounds 10] [--sort tottime] [--top 40]

The pages are the ones bench/extract/run.py measures (the bundled sites' detail pages as served, or the
extract-dev set read in place). One warm-up round runs first (converters, caches), then --rounds rounds under
cProfile. cProfile's per-call overhead inflates small functions: compare runs with each other, and take
speed figures from run.py.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import run as bench  # noqa: E402  (bench/extract/run.py: the same pages and the same call)


def main(argv: list[str] | None = None) -> int:
    """Profile run_ours over a page set and print the top functions."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--set", choices=("sites", "dev"), default="sites", help="page set")
    parser.add_argument("--dev", default=str(bench.DEFAULT_DEV), help="extract-dev directory")
    parser.add_argument("--rounds", type=int, default=10, help="profiled passes over the set")
    parser.add_argument("--sort", default="tottime", help="pstats sort key (tottime, cumulative, ...)")
    parser.add_argument("--top", type=int, default=40, help="functions to print")
    args = parser.parse_args(argv)
    pages = bench.load_sites() if args.set == "sites" else bench.load_dev(Path(args.dev))
    for page in pages:  # warm-up: converters and per-process caches
        bench.run_ours(page)
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(args.rounds):
        for page in pages:
            bench.run_ours(page)
    profiler.disable()
    print(f"{len(pages)} pages x {args.rounds} rounds = {len(pages) * args.rounds} clean_page calls")
    pstats.Stats(profiler).sort_stats(args.sort).print_stats(args.top)
    return 0


if __name__ == "__main__":
    sys.exit(main())
