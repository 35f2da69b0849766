"""`zhcorpus decode` and `zhcorpus repair-text`: the encoding and repair steps on files and stdin.

Wired into the CLI by ``add_commands(subparsers)``. Data goes to stdout; a failure is one line on stderr
and exit status 1.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TextIO

from cleaning.decode.encoding import decode_bytes
from cleaning.decode.repair import repair_text
from zhcorpus.errors import CommandError, reports_errors
from zhcorpus.jsonl import read_objects


def cmd_decode(args: argparse.Namespace) -> int:
    """Print one JSON object per file: path, encoding (a Python codec name), confidence, evidence."""
    out: TextIO = getattr(args, "stdout", None) or sys.stdout
    for name in args.paths:
        path = Path(name)
        try:
            body = path.read_bytes()
        except OSError as exc:
            raise CommandError(f"{name}: {exc.strerror or exc}") from exc
        decoded = decode_bytes(body, args.content_type, args.hint)
        record = {
            "path": name,
            "encoding": decoded.encoding,
            "confidence": decoded.confidence,
            "evidence": decoded.evidence,
        }
        if args.jsonl:
            print(json.dumps(record, ensure_ascii=False), file=out)
        else:
            print(json.dumps(record, ensure_ascii=False, indent=2), file=out)
    return 0


def cmd_repair_text(args: argparse.Namespace) -> int:
    """Repair text from stdin; with --jsonl each line is an object whose `text` is repaired."""
    inp: TextIO = getattr(args, "stdin", None) or sys.stdin
    out: TextIO = getattr(args, "stdout", None) or sys.stdout
    if not args.jsonl:
        out.write(repair_text(inp.read()).text)
        return 0
    for number, record in read_objects(inp, lambda n: f"stdin line {n}"):
        if not isinstance(record.get("text"), str):
            raise CommandError(f"stdin line {number}: expected an object with a string `text`")
        repaired = repair_text(record["text"])
        record["text"] = repaired.text
        record["repairs"] = [{"name": k, "count": v} for k, v in repaired.repairs.items()]
        record["flags"] = repaired.flags
        print(json.dumps(record, ensure_ascii=False), file=out)
    return 0


def add_commands(subparsers: argparse._SubParsersAction) -> None:
    """Add the `decode` and `repair-text` commands to an argparse subparsers object."""
    p = subparsers.add_parser(
        "decode",
        help="detect the encoding of files from their bytes; one JSON object per file",
        description="Decide each file's encoding from its bytes (declarations are only hints) and print "
        "path, encoding, confidence and evidence as JSON.",
    )
    p.add_argument("paths", nargs="+", metavar="PATH", help="files to examine")
    p.add_argument("--jsonl", action="store_true", help="one compact JSON object per line")
    p.add_argument("--content-type", help="a Content-Type header value to weigh as evidence")
    p.add_argument("--hint", help="an encoding hint, as the site registry would give")
    p.set_defaults(func=reports_errors(cmd_decode))

    p = subparsers.add_parser(
        "repair-text",
        help="repair mojibake and conversion residue: text on stdin, repaired text on stdout",
        description="Repair text read from stdin. With --jsonl each input line is a JSON object with "
        "`text` (other keys kept); the output adds the repaired `text`, a `repairs` list and `flags`.",
    )
    p.add_argument("--jsonl", action="store_true", help="read and write JSON lines")
    p.set_defaults(func=reports_errors(cmd_repair_text))


def main(argv: list[str] | None = None) -> int:
    """Run the two commands on their own (for tests and until the CLI wires them in)."""
    parser = argparse.ArgumentParser(prog="zhcorpus", description="Encoding detection and text repair.")
    add_commands(parser.add_subparsers(dest="command", required=True, metavar="COMMAND"))
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
