"""`zhcorpus decode` and `zhcorpus repair-text`: the encoding and repair steps on files and stdin.

Wired into the CLI by ``add_commands(subparsers)``. Data goes to stdout; a failure is one line on stderr
and exit status 1.
"""

from __future__ import annotations

import argparse
import io
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO

from cleaning.decode.encoding import decode_bytes
from cleaning.decode.repair import repair_text
from zhcorpus.errors import CommandError, reports_errors
from zhcorpus.jsonl import bounded_lines, dumps_line, read_objects

# repair-text reads and repairs its input in pieces of whole lines of about this many characters, so memory
# stays flat whatever the input's size; a line longer than this is cut into pieces of this size.
REPAIR_CHUNK_CHARS = 250_000


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
            print(dumps_line(record), file=out)
        else:
            print(dumps_line(record, indent=2), file=out)
    return 0


@contextmanager
def _std_streams(args: argparse.Namespace, *, binary_safe: bool) -> Iterator[tuple[TextIO, TextIO]]:
    """Yield (input, output): the ones a test passed, else stdin and stdout as UTF-8. With binary_safe, bytes
    that are not UTF-8 pass through unchanged (surrogateescape) and line ends are kept as they are."""
    inp, out = getattr(args, "stdin", None), getattr(args, "stdout", None)
    errors = "surrogateescape" if binary_safe else "strict"
    made: list[io.TextIOWrapper] = []
    if inp is None and getattr(sys.stdin, "buffer", None) is not None:
        inp = io.TextIOWrapper(sys.stdin.buffer, "utf-8", errors, newline="")
        made.append(inp)
    if out is None and getattr(sys.stdout, "buffer", None) is not None:
        sys.stdout.flush()
        out = io.TextIOWrapper(sys.stdout.buffer, "utf-8", errors, newline="", write_through=True)
        made.append(out)
    try:
        yield inp or sys.stdin, out or sys.stdout
    finally:
        for stream in made:  # hand the buffers back to sys.stdin / sys.stdout instead of closing them
            if stream.writable():
                stream.flush()
            stream.detach()


def repair_chunks(inp: TextIO, chunk_chars: int = REPAIR_CHUNK_CHARS) -> Iterator[str]:
    """Yield the input in pieces of whole lines of about chunk_chars (a longer line is cut), in order."""
    pending: list[str] = []
    size = 0
    while True:
        line = inp.readline(chunk_chars)
        if not line:
            break
        pending.append(line)
        size += len(line)
        if size >= chunk_chars:
            yield "".join(pending)
            pending, size = [], 0
    if pending:
        yield "".join(pending)


def cmd_repair_text(args: argparse.Namespace) -> int:
    """Repair text from stdin (streamed, bounded memory); with --jsonl each line is an object whose `text` is
    repaired."""
    with _std_streams(args, binary_safe=not args.jsonl) as (inp, out):
        try:
            if not args.jsonl:
                for chunk in repair_chunks(inp):
                    out.write(repair_text(chunk).text)
                return 0
            for number, record in read_objects(bounded_lines(inp), lambda n: f"stdin line {n}"):
                if not isinstance(record.get("text"), str):
                    raise CommandError(f"stdin line {number}: expected an object with a string `text`")
                repaired = repair_text(record["text"])
                record["text"] = repaired.text
                record["repairs"] = [{"name": k, "count": v} for k, v in repaired.repairs.items()]
                record["flags"] = repaired.flags
                print(dumps_line(record), file=out)
        except UnicodeDecodeError as exc:
            raise CommandError(f"stdin is not UTF-8 text ({exc.reason})") from exc
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
