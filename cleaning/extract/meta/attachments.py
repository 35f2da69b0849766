"""Attachment links (.doc .pdf .xls .zip ...) of the content, or labelled 附件 anywhere on the page."""

from __future__ import annotations

from urllib.parse import urljoin, urlsplit

from lxml.etree import _Element

from cleaning.extract.html import ATTACHMENT_EXTS, text_of
from cleaning.extract.meta.facts import clean_space

# Office formats folded to the family downstream tools filter on.
ATTACHMENT_TYPES = {"docx": "doc", "wps": "doc", "xlsx": "xls", "et": "xls", "pptx": "ppt", "dps": "ppt"}


def _attachment_ext(href: str, name: str) -> str | None:
    try:
        path = urlsplit(href).path.lower()
    except ValueError:  # http://[bad/a.pdf: not a URL
        return None
    for candidate in (path, name.lower().strip()):
        tail = candidate.rsplit("/", 1)[-1]
        if "." in tail and (ext := tail.rsplit(".", 1)[-1]) in ATTACHMENT_EXTS:
            return ext
    return None


def anchors(el: _Element | None) -> list[tuple[str, str]]:
    """Return (href, text) of the links under el."""
    return [(a.get("href") or "", text_of(a)) for a in el.iter("a")] if el is not None else []


def attachments(base: str, *anchor_lists: list[tuple[str, str]] | tuple[tuple[str, str], ...]) -> list[dict]:
    """Return {name, url, type} of the attachment links among the anchors, absolute, each URL once; a link
    whose href is no URL (http://[bad/a.pdf) is skipped, never failing the page."""
    seen: set[str] = set()
    found: list[dict] = []
    for href, text in (anchor for anchors_ in anchor_lists for anchor in anchors_):
        href = href.strip()
        if not href or href.startswith(("javascript:", "mailto:", "#")):
            continue
        name = clean_space(text)
        ext = _attachment_ext(href, name)
        if ext is None:
            continue
        try:
            absolute = urljoin(base, href)
        except ValueError:  # a malformed href or base: skip the link, keep the page
            continue
        if absolute in seen:
            continue
        seen.add(absolute)
        name = name or urlsplit(absolute).path.rsplit("/", 1)[-1]
        found.append({"name": name, "url": absolute, "type": ATTACHMENT_TYPES.get(ext, ext)})
    return found
