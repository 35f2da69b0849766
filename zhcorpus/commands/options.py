"""Helpers every command group shares: the registry the user chose and progress lines on stderr."""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path


def progress_printer(label: str):
    """Return a progress(done, total) callback that rewrites one stderr line."""

    def report(done: int, total: int) -> None:
        print(f"\r{label}: {done}/{total}", end="" if done < total else "\n", file=sys.stderr, flush=True)

    return report


def registry_from(args: argparse.Namespace):
    """Return the site registry named by --registry, or the default one."""
    from crawlers.sites import load_registry

    return load_registry(Path(args.registry) if args.registry else None)


def positive_int(value: str) -> int:
    """Return value as an integer of at least 1; argparse reports anything else as a usage error."""
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {value!r}") from None
    if number < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {number}")
    return number


def positive_float(value: str) -> float:
    """Return value as a number above 0; argparse reports anything else as a usage error."""
    try:
        number = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {value!r}") from None
    if not number > 0:
        raise argparse.ArgumentTypeError(f"must be above 0, got {value}")
    return number


def iso_date(value: str) -> str:
    """Return value if it is an ISO date (YYYY-MM-DD); argparse reports anything else as a usage error."""
    try:
        return date.fromisoformat(value.strip()).isoformat()
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a date as YYYY-MM-DD, got {value!r}") from None
