"""Per-site templates: lines that recur across many pages of one site are that site's chrome.

Pure functions. The flow learns a template from a site's recent pages and stores it per site (JSON);
``clean_page`` takes it as ``PageInput.site_template`` and extraction drops the recurring lines.

A template only ever drops a line that (1) recurs on at least ``min_share`` of the pages it was learned
from, (2) stands in the lead before the text's first sentence or in the tail after its last one, and
(3) is not protected (dates, 文号, salutations like 各区县民政局：, 特此通知, 附件, the signature line
above a date): a bureau's name signs every notice, but it is the notice's own content.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from collections.abc import Iterable, Mapping

from cleaning.boilerplate import (
    PROTECTED_LINE,
    SHORT_LINE,
    candidate_lines,
    is_strong_line,
    parse_html,
)

TEMPLATE_VERSION = 1
MIN_PAGES = 5  # fewer pages than this teach nothing: the template stays inactive
MIN_SHARE = 0.6  # a line on at least this share of a site's pages is the site's chrome
EXAMPLE_CHARS = 40  # each fingerprint keeps a readable example for review
_DIGITS = re.compile(r"\d+")
_SPACES = re.compile(r"\s+")
_DATE_LINE = re.compile(r"(19|20)\d{2}\s*[年\-/.]\s*\d{1,2}\s*[月\-/.]\s*\d{1,2}")


def line_fingerprint(line: str) -> str:
    """Return a short stable hash of a line with spaces removed and digit runs folded to 0.

    Folding digits lets counters (浏览次数：128) and page numbers recur; protected lines keep dates safe.
    """
    key = _DIGITS.sub("0", _SPACES.sub("", line))
    return hashlib.blake2b(key.encode("utf-8"), digest_size=8).hexdigest()


def _page_lines(page: str | Iterable[str]) -> list[str]:
    if isinstance(page, str):
        return candidate_lines(parse_html(page))[0]
    return [str(line) for line in page]


def learn_site_template(
    pages: Iterable[str | Iterable[str]], *, min_pages: int = MIN_PAGES, min_share: float = MIN_SHARE
) -> dict:
    """Return a JSON-serialisable template of the lines recurring on at least min_share of pages.

    ``pages`` are decoded HTML strings, or each page's candidate lines (``candidate_lines``). Each line
    counts once per page. The template is ``{"version", "pages", "min_pages", "min_share",
    "lines": {fingerprint: pages containing it}, "examples": {fingerprint: text}}``; with fewer than
    min_pages pages its ``lines`` is empty, so applying it changes nothing.
    """
    counts: Counter[str] = Counter()
    examples: dict[str, str] = {}
    n_pages = 0
    for page in pages:
        n_pages += 1
        seen: set[str] = set()
        for line in _page_lines(page):
            if len(line) > SHORT_LINE * 2:
                continue  # long paragraphs are never chrome worth a template entry
            fp = line_fingerprint(line)
            if fp not in seen:
                seen.add(fp)
                counts[fp] += 1
                examples.setdefault(fp, line[:EXAMPLE_CHARS])
    recurring: dict[str, int] = {}
    if n_pages >= min_pages:
        threshold = max(2, min_share * n_pages)
        recurring = {fp: c for fp, c in counts.most_common() if c >= threshold}
    return {
        "version": TEMPLATE_VERSION,
        "pages": n_pages,
        "min_pages": min_pages,
        "min_share": min_share,
        "lines": recurring,
        "examples": {fp: examples[fp] for fp in recurring},
    }


def template_digest(template: Mapping | None) -> str:
    """Return a short hash of what in a template changes extraction output ("" for no active template).

    Counts and examples are left out: a refresh that sees more pages but drops the same lines keeps the
    digest, so only a real template change makes a site's pages stale.
    """
    if not template or not template.get("lines") or template.get("version") != TEMPLATE_VERSION:
        return ""
    key = json.dumps({"version": TEMPLATE_VERSION, "lines": sorted(template["lines"])}, sort_keys=True)
    return hashlib.blake2b(key.encode("utf-8"), digest_size=8).hexdigest()


def merge_templates(old: Mapping | None, new: Mapping) -> dict:
    """Return the template to store after a refresh: the newer one, unless it saw fewer pages than
    min_pages while the old one was active (a thin crawl must not wipe a good template)."""
    if old and old.get("lines") and not new.get("lines") and new.get("pages", 0) < new.get("min_pages", MIN_PAGES):
        return dict(old)
    return dict(new)


def _protected(lines: list[str], i: int) -> bool:
    line = lines[i]
    if PROTECTED_LINE.match(line) or _DATE_LINE.search(line):
        return True
    # The signature: a short line right above a date line (青州市民政局 / 2024年6月18日).
    following = lines[i + 1 : i + 3]
    return len(line) <= 30 and any(_DATE_LINE.search(x) and len(x) <= 20 for x in following)


def apply_site_template(lines: list[str], template: Mapping | None) -> tuple[list[str], int]:
    """Return lines without the template's recurring lead/tail lines, and how many were dropped."""
    recurring = (template or {}).get("lines") or {}
    if not recurring or (template or {}).get("version") != TEMPLATE_VERSION:
        return lines, 0
    strong = [i for i, line in enumerate(lines) if is_strong_line(line)]
    first, last = (strong[0], strong[-1]) if strong else (len(lines), -1)
    kept: list[str] = []
    for i, line in enumerate(lines):
        edge = i < first or i > last
        if edge and line_fingerprint(line) in recurring and not _protected(lines, i):
            continue
        kept.append(line)
    return kept, len(lines) - len(kept)
