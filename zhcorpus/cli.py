"""The `zhcorpus` command: thin wrappers over the functions the flows call.

Data goes to stdout, logs and progress to stderr; failures are one clear line and a non-zero exit.
Each command group lives in its own module under zhcorpus/commands/.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys

from jobs.config import DATA_ENV
from jobs.offline import keep_prefect_local
from zhcorpus.commands import corpus, dedup, page, sites, text
from zhcorpus.errors import CommandError

log = logging.getLogger("zhcorpus")
COMMAND_GROUPS = (corpus, sites, text, page, dedup)


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser with every subcommand."""
    parser = argparse.ArgumentParser(prog="zhcorpus", description="A clean corpus of Chinese public notices.")
    parser.add_argument("--data", help=f"data directory (default: ${DATA_ENV} or ./data)")
    parser.add_argument("--registry", help="site registry file (default: crawlers/sites.yaml)")
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging on stderr")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for group in COMMAND_GROUPS:
        group.add_commands(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the CLI and return its exit status."""
    keep_prefect_local()
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    # Prefect's client logs every API request at INFO; keep stderr for what a user wants to read.
    for noisy in ("httpx", "httpcore"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    try:
        return args.func(args)
    except (CommandError, FileNotFoundError) as exc:
        print(f"zhcorpus: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("zhcorpus: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader went away (`zhcorpus export | head`): stop quietly, like other Unix tools.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


if __name__ == "__main__":
    sys.exit(main())
