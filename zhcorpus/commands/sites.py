"""`zhcorpus sites`: list the site registry or check it offline."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from zhcorpus.commands.options import registry_from
from zhcorpus.errors import CommandError


def cmd_sites(args: argparse.Namespace) -> int:
    """List the registry's sites, or check the registry file."""
    from crawlers.sites import DEFAULT_REGISTRY, check_registry

    if args.action == "check":
        path = Path(args.registry) if args.registry else DEFAULT_REGISTRY
        problems = check_registry(path)
        for problem in problems:
            print(problem, file=sys.stderr)
        if problems:
            raise CommandError(f"{path}: {len(problems)} problem(s)")
        print(f"{path}: ok")
        return 0
    registry = registry_from(args)
    for site in registry.sites:
        state = "enabled" if site.enabled else "disabled"
        where = "bundled" if site.bundled else "remote"
        print(f"{site.id:16} {state:8} {where:7} {site.kind:13} {site.name}")
    return 0


def add_commands(sub: argparse._SubParsersAction) -> None:
    """Add `sites list|check` to the CLI's subparsers."""
    p = sub.add_parser("sites", help="list or check the site registry")
    p.add_argument("action", choices=["list", "check"])
    p.set_defaults(func=cmd_sites)
