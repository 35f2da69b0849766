"""The `zhcorpus` command: thin wrappers over the functions the flows call.

Data goes to stdout, logs and progress to stderr. Every failure is one line on stderr and a non-zero exit
(1 for a failed command, 2 for a bad invocation, 130 for Ctrl-C): `main` is the one error boundary, and only
`-v` adds a traceback. Each command group lives in its own module under zhcorpus/commands/.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import traceback

from jobs.config import DATA_ENV
from jobs.offline import keep_prefect_local
from zhcorpus.commands import corpus, dedup, page, sites, text
from zhcorpus.errors import INTERNAL_ERROR_PREFIX, describe_failure

log = logging.getLogger("zhcorpus")
COMMAND_GROUPS = (corpus, sites, text, page, dedup)


class OneLineParser(argparse.ArgumentParser):
    """An argument parser whose usage errors are one line on stderr (exit status 2), naming --help."""

    def error(self, message: str) -> None:  # type: ignore[override] - argparse's signature, never returns
        """Print the usage error as one line and exit with status 2."""
        self.exit(2, f"{self.prog}: error: {message} (see `{self.prog} --help`)\n")


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser with every subcommand."""
    parser = OneLineParser(prog="zhcorpus", description="A clean corpus of Chinese public notices.")
    parser.add_argument("--data", help=f"data directory (default: ${DATA_ENV} or ./data)")
    parser.add_argument("--registry", help="site registry file (default: crawlers/sites.yaml)")
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging; tracebacks on errors")
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
    except KeyboardInterrupt:
        print("zhcorpus: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader went away (`zhcorpus export | head`): stop quietly, like other Unix tools.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except Exception as exc:  # the one boundary: whatever failed, the user reads one line
        if args.verbose:
            traceback.print_exc(file=sys.stderr)
        line = describe_failure(exc)
        unexpected = line.startswith(INTERNAL_ERROR_PREFIX) and not args.verbose
        print(f"zhcorpus: error: {line}" + (" (run with -v for the traceback)" if unexpected else ""), file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
