"""How commands fail: one clear line on stderr and exit status 1, the same for every command."""

from __future__ import annotations

import argparse
import functools
import sqlite3
import sys
from collections.abc import Callable

INTERNAL_ERROR_PREFIX = "internal error: "  # how an unexpected failure's line starts


class CommandError(Exception):
    """A failure to report as one line with exit status 1."""


def one_line(text: str) -> str:
    """Return text with every run of whitespace (newlines included) folded to one space."""
    return " ".join(str(text).split())


def describe_failure(exc: BaseException) -> str:
    """Return the one line that tells a user what failed: the message of an expected failure, else the
    exception's type and message."""
    from crawlers.sites import RegistryError

    if isinstance(exc, CommandError):
        return one_line(str(exc))
    if isinstance(exc, RegistryError):
        first = one_line(exc.problems[0]) if exc.problems else "invalid"
        where = "" if first.startswith(str(exc.path)) else f"{exc.path}: "
        more = f" (+{len(exc.problems) - 1} more: `zhcorpus sites check` lists them)" if len(exc.problems) > 1 else ""
        return f"{where}{first}{more}"
    if isinstance(exc, OSError) and exc.strerror:
        where = f"{exc.filename}: " if exc.filename else ""
        return f"{where}{exc.strerror}"
    if isinstance(exc, sqlite3.DatabaseError):
        return f"database: {one_line(str(exc))}"
    message = one_line(str(exc))
    return f"{INTERNAL_ERROR_PREFIX}{type(exc).__name__}" + (f": {message}" if message else "")


def reports_errors(func: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
    """Wrap a command so a CommandError becomes `zhcorpus: error: ...` on stderr and exit status 1.

    The CLI's main() is the boundary for everything else; this lets a command group run on its own (tests).
    """

    @functools.wraps(func)
    def run(args: argparse.Namespace) -> int:
        try:
            return func(args)
        except CommandError as exc:
            print(f"zhcorpus: error: {one_line(str(exc))}", file=getattr(args, "stderr", None) or sys.stderr)
            return 1

    return run
