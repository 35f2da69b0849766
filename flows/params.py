"""Typed flow parameters: the Prefect UI renders these as forms and the server rejects bad values before a run starts.

Site ids are an enum of the registry's ids in the JSON schema (read when the flows are imported, so a deployment's
form lists the sites of the registry it was deployed with; a site added later needs a redeploy to appear). Python
callers may name the sites of another registry (`registry_path`); they are checked against it at run time.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, WithJsonSchema

from crawlers.run import DEFAULT_BATCH_SIZE as CRAWL_BATCH_SIZE
from crawlers.run import DEFAULT_PROCESSES
from crawlers.sites import load_registry
from jobs.config import DEFAULT_BATCH_SIZE


def _registry_ids() -> tuple[str, ...]:
    try:
        return tuple(s.id for s in load_registry().sites)
    except (OSError, ValueError):  # an unreadable registry fails where it is used, with its own message
        return ()


REGISTRY_IDS = _registry_ids()
SITE_ID_PATTERN = r"^[a-z0-9-]+$"
# The form (JSON schema, which the server enforces on deployment runs) lists the registry's ids; in Python a site id
# is any well-formed id, so a flow run given another registry (`registry_path`) can name that registry's sites:
# check_sites then refuses ids the registry in use does not have, by name.
SiteId = Annotated[
    str,
    StringConstraints(pattern=SITE_ID_PATTERN),
    WithJsonSchema({"type": "string", "enum": list(REGISTRY_IDS)} if REGISTRY_IDS else {"type": "string"}),
]
# For backfill and manual crawls: choosing nothing is an error, never "every site".
SiteList = Annotated[list[SiteId], Field(min_length=1, description="Site ids from the registry (at least one).")]
DATE_PATTERN = r"^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$"
# A calendar date. The pattern makes the server refuse "yesterday" before a run is created (JSON Schema's `format`
# alone is not checked by Prefect's validation).
IsoDate = Annotated[
    date,
    WithJsonSchema({"type": "string", "format": "date", "pattern": DATE_PATTERN, "title": "Date"}),
]


class CleanOptions(BaseModel):
    """How the clean stage batches its work."""

    model_config = ConfigDict(extra="forbid")

    batch_size: int = Field(
        DEFAULT_BATCH_SIZE,
        ge=1,
        le=5000,
        description="Pages per clean task; a few hundred keeps tasks few and memory flat.",
    )


class CrawlOptions(BaseModel):
    """Per-run overrides of the registry's crawl limits, and how the crawl is spread over processes and workers."""

    model_config = ConfigDict(extra="forbid")

    max_list_pages: int | None = Field(
        None, ge=1, le=10_000, description="List pages to walk per site (registry limit when empty)."
    )
    max_detail_pages: int | None = Field(
        None, ge=1, le=1_000_000, description="Detail pages to request per site (registry limit when empty)."
    )
    timeout_minutes: float | None = Field(
        None,
        gt=0,
        le=24 * 60,
        description="Wall-clock limit of one site's crawl; a site that reaches it is cut and reported. "
        "Empty: scaled to each site's page budget at the polite pace.",
    )
    batch_size: int = Field(
        CRAWL_BATCH_SIZE, ge=1, le=5000, description="Sites crawled at once by one crawler process (one batch)."
    )
    processes: int = Field(
        DEFAULT_PROCESSES, ge=1, le=64, description="Crawler processes at a time when batches run in this flow run."
    )
    dispatch: Literal["auto", "local", "pool"] = Field(
        "auto",
        description="Where batches run: `pool` as crawl-batch flow runs on the work pool (several workers share "
        "the night), `local` in this flow run's processes; `auto` is `pool` when this run came from a "
        "deployment, else `local`.",
    )


def check_sites(sites: list[str] | None, known: set[str]) -> None:
    """Raise ValueError naming unknown site ids, before any work starts (flows called with another registry)."""
    unknown = sorted(set(sites or []) - known)
    if unknown:
        raise ValueError(f"unknown site ids: {', '.join(unknown)}; known: {', '.join(sorted(known))}")
