"""How commands fail: one clear line on stderr and exit status 1, the same for every command."""

from __future__ import annotations

import argparse
import functools
import sys
from collections.abc import Callable


class CommandError(Exception):
    """A failure to report as one line with exit status 1."""


def reports_errors(func: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
    """Wrap a command so a CommandError becomes `zhcorpus: error: ...` on stderr and exit status 1."""

    @functools.wraps(func)
    def run(args: argparse.Namespace) -> int:
        try:
            return func(args)
        except CommandError as exc:
            print(f"zhcorpus: error: {exc}", file=getattr(args, "stderr", None) or sys.stderr)
            return 1

    return run
