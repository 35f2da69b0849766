"""Stable identifiers: a raw page's id is a hash of its canonical URL; documents derive from it."""

from __future__ import annotations

import hashlib

from w3lib.url import canonicalize_url


def canonical_url(url: str) -> str:
    """Return the URL with sorted query, no fragment and normalised escapes."""
    return canonicalize_url(url, keep_fragments=False)


def page_id_for(url: str) -> str:
    """Return the stable raw-page id: 20 hex chars of sha1 over the canonical URL."""
    return hashlib.sha1(canonical_url(url).encode("utf-8")).hexdigest()[:20]


def document_id_for(page_id: str, part: int | None) -> str:
    """Return a document id: the page id, suffixed with the part number for compilation pages."""
    return page_id if part is None else f"{page_id}-p{part}"


def sha256_hex(body: bytes) -> str:
    """Return the sha256 hex digest of raw bytes."""
    return hashlib.sha256(body).hexdigest()


def new_run_id() -> str:
    """Return a sortable crawl run id: the UTC start time, YYYYMMDDTHHMMSSffffffZ."""
    from datetime import UTC, datetime

    return datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
