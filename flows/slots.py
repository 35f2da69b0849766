"""A Prefect concurrency slot per host, so no host is crawled by two flow runs at once, on any worker.

Each host a site may fetch from (its allowed domains) has a global concurrency limit `zhcorpus-host-<host>` of 1,
created on first use. A batch holds the slots of all its sites' hosts while it crawls (with a lease the server
expires if the holder dies, so a killed worker frees its hosts after LEASE_S). Two sites that share a host are in one
batch (crawlers.run.host_chains), so a run never waits on itself; a second run (a manual crawl during the night)
waits until the first one's batch is done.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

from prefect.client.orchestration import get_client
from prefect.client.schemas.actions import GlobalConcurrencyLimitCreate
from prefect.concurrency.sync import concurrency
from prefect.exceptions import ObjectAlreadyExists

from crawlers.run import host_keys
from crawlers.sites import Site

logger = logging.getLogger(__name__)

LIMIT_PREFIX = "zhcorpus-host-"
# Limits read per request when looking for the missing ones (the server's default page size is 200).
PAGE = 200
# How long the server keeps a slot for a holder that stopped renewing it (the holder renews while it lives).
LEASE_S = 300.0


def host_limit_names(sites: list[Site]) -> list[str]:
    """Return the concurrency-limit names of every host these sites may fetch from, sorted."""
    return sorted({LIMIT_PREFIX + host for site in sites for host in host_keys(site)})


def ensure_limits(names: list[str]) -> int:
    """Create the limits (1 slot each) that do not exist yet; return how many were created."""
    created = 0
    with get_client(sync_client=True) as client:
        existing: set[str] = set()
        while page := client.read_global_concurrency_limits(limit=PAGE, offset=len(existing)):
            existing.update(limit.name for limit in page)
            if len(page) < PAGE:
                break
        for name in sorted(set(names) - existing):
            try:
                client.create_global_concurrency_limit(GlobalConcurrencyLimitCreate(name=name, limit=1))
                created += 1
            except ObjectAlreadyExists:  # another batch created it meanwhile
                continue
    return created


@contextmanager
def host_slots(sites: list[Site], *, timeout_s: float) -> Iterator[list[str]]:
    """Hold one slot of every host of these sites for the block; TimeoutError when another run keeps them longer."""
    names = host_limit_names(sites)
    created = ensure_limits(names)
    if created:
        logger.info("created %d host concurrency limits", created)
    with concurrency(names, occupy=1, timeout_seconds=timeout_s, lease_duration=LEASE_S, strict=True):
        yield names
