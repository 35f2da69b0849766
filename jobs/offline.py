"""Keep Prefect on this machine: no analytics or telemetry traffic leaves it."""

from __future__ import annotations

import os

# Prefect's client honours DO_NOT_TRACK; its server has its own analytics switch.
OFFLINE_ENV = {
    "DO_NOT_TRACK": "1",
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
}


def keep_prefect_local() -> None:
    """Set the no-telemetry switches unless the user set them explicitly."""
    for key, value in OFFLINE_ENV.items():
        os.environ.setdefault(key, value)
