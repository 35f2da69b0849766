"""JSON for the commands' output and JSON Lines input (`dedup --jsonl`, `repair-text --jsonl`): bounded reading,
output that can always be written."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Iterator
from typing import TextIO

from zhcorpus.errors import CommandError

# A longer input line is refused, not read into memory whole (a JSON object per line, notices are KBs).
MAX_LINE_CHARS = 16_000_000


def bounded_lines(stream: TextIO | Iterable[str], limit: int = MAX_LINE_CHARS) -> Iterator[str]:
    """Yield the lines of stream; a line longer than limit characters stops the command with an error."""
    readline = getattr(stream, "readline", None)
    if readline is None:  # a list of lines (tests, callers that hold the text already)
        for n, line in enumerate(stream, 1):
            if len(line) > limit:
                raise CommandError(f"line {n}: longer than {limit:,} characters")
            yield line
        return
    n = 0
    while True:
        line = readline(limit + 1)
        if not line:
            return
        n += 1
        if len(line) > limit:
            raise CommandError(f"line {n}: longer than {limit:,} characters")
        yield line


def read_objects(lines: Iterable[str], where: Callable[[int], str]) -> Iterator[tuple[int, dict]]:
    """Yield (line number, object) for each non-blank line; a line that is not a JSON object stops the
    command with an error starting with ``where(line number)``."""
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except ValueError as exc:  # JSONDecodeError, and numbers past Python's integer-digits limit
            raise CommandError(f"{where(n)}: invalid JSON ({getattr(exc, 'msg', exc)})") from exc
        except RecursionError as exc:
            raise CommandError(f"{where(n)}: invalid JSON (nested too deeply)") from exc
        if not isinstance(obj, dict):
            raise CommandError(f"{where(n)}: expected a JSON object")
        yield n, obj


def dumps_line(obj: object, indent: int | None = None) -> str:
    """Return obj as one line of JSON, non-ASCII kept as is; a lone surrogate (which UTF-8 cannot carry, e.g.
    read from a ``\\ud800`` escape) makes the line ASCII with \\u escapes instead, so it can always be written."""
    line = json.dumps(obj, ensure_ascii=False, indent=indent)
    try:
        line.encode("utf-8")
    except UnicodeEncodeError:
        return json.dumps(obj, ensure_ascii=True, indent=indent)
    return line


_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def scrub_surrogates(text: str) -> str:
    """Return text with each lone surrogate (a ``\\ud800`` JSON escape, never a character) as U+FFFD."""
    return _LONE_SURROGATE.sub("\ufffd", text) if not text.isascii() else text
