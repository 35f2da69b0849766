"""Reading JSON Lines input for the stream commands (`dedup --jsonl`, `repair-text --jsonl`)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator

from zhcorpus.errors import CommandError


def read_objects(lines: Iterable[str], where: Callable[[int], str]) -> Iterator[tuple[int, dict]]:
    """Yield (line number, object) for each non-blank line; a line that is not a JSON object stops the
    command with an error starting with ``where(line number)``."""
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            raise CommandError(f"{where(n)}: invalid JSON ({exc.msg})") from exc
        if not isinstance(obj, dict):
            raise CommandError(f"{where(n)}: expected a JSON object")
        yield n, obj
