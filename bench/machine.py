"""The machine a benchmark ran on, for the RESULTS files (shared by every benchmark)."""

from __future__ import annotations

import os
import platform
from pathlib import Path


def machine_info() -> dict[str, str]:
    """Return uname, CPU model, core count, Python version and the current load average."""
    cpu = platform.processor() or "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "uname": " ".join(platform.uname()),
        "cpu": cpu,
        "cores": str(os.cpu_count()),
        "python": platform.python_version(),
        "load": ", ".join(f"{x:.2f}" for x in os.getloadavg()),
    }
