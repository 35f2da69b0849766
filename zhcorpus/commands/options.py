"""Helpers every command group shares: the registry the user chose and progress lines on stderr."""

from __future__ import annotations

import argparse
import sys
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
