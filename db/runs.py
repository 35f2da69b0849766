"""Who runs a crawl, and whether it still does: so the next run can close the row of one that was killed.

A crawl run row records its owner (host, pid and the process's start time, which tells a reused pid apart) and
a heartbeat the owner refreshes while it runs. A row without `finished_at` is interrupted when its owner is a
process of this host that no longer exists, or (owners on other hosts, which cannot be looked up) when its
heartbeat is older than `STALE_AFTER_S`.
"""

from __future__ import annotations

import os
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

# How often an owner refreshes its heartbeat, and how old one may be before another host calls the run dead.
HEARTBEAT_S = 30.0
STALE_AFTER_S = 600.0


def process_started(pid: int) -> str | None:
    """Return a process's start time in clock ticks since boot (field 22 of /proc/PID/stat), None if gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return stat.rsplit(")", 1)[1].split()[19]


@dataclass(frozen=True)
class RunOwner:
    """The process that runs a crawl."""

    host: str
    pid: int
    started: str | None  # process_started(pid) when the run began

    @classmethod
    def current(cls) -> RunOwner:
        """Return this process as an owner."""
        return cls(host=socket.gethostname(), pid=os.getpid(), started=process_started(os.getpid()))

    def is_gone(self, heartbeat_at: str | None, *, now: datetime | None = None) -> bool:
        """Return True when this owner is certainly not running any more (its run was interrupted)."""
        if self.host == socket.gethostname():
            started = process_started(self.pid)
            return started is None or (self.started is not None and started != self.started)
        if not heartbeat_at:
            return True
        beat = datetime.fromisoformat(heartbeat_at)
        if beat.tzinfo is None:
            beat = beat.replace(tzinfo=UTC)
        return ((now or datetime.now(UTC)) - beat).total_seconds() > STALE_AFTER_S


class Heartbeat:
    """Call `beat()` every `interval_s` in a daemon thread until stopped (a context manager)."""

    def __init__(self, beat: Callable[[], None], interval_s: float = HEARTBEAT_S) -> None:
        self._beat = beat
        self._interval_s = interval_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="crawl-heartbeat", daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(self._interval_s):
            try:
                self._beat()
            except Exception:  # noqa: BLE001 - a missed beat only makes the run look older; never stop the crawl
                continue

    def __enter__(self) -> Heartbeat:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
