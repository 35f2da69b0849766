"""Typed flow parameters: the Prefect UI renders these as forms and rejects bad values before a run starts."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from jobs.config import DEFAULT_BATCH_SIZE

SiteId = Annotated[str, StringConstraints(pattern=r"^[a-z0-9-]+$", max_length=64)]


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
    """Per-run overrides of the registry's crawl limits (empty means: as the registry says)."""

    model_config = ConfigDict(extra="forbid")

    max_list_pages: int | None = Field(
        None, ge=1, le=10_000, description="List pages to walk per site (registry limit when empty)."
    )
    max_detail_pages: int | None = Field(
        None, ge=1, le=1_000_000, description="Detail pages to request per site (registry limit when empty)."
    )
    timeout_minutes: int = Field(30, ge=1, le=24 * 60, description="Wall-clock limit for one site's crawl.")


def check_sites(sites: list[str] | None, known: set[str]) -> None:
    """Raise ValueError naming unknown site ids, before any work starts."""
    unknown = sorted(set(sites or []) - known)
    if unknown:
        raise ValueError(f"unknown site ids: {', '.join(unknown)}; known: {', '.join(sorted(known))}")
