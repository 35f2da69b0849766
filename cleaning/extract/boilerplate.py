"""Main-content extraction for Chinese government and association pages, on lxml.

Passes: drop chrome by tag, id/class and hidden style (``chrome``), and the blocks a learned site
template marks as recurring (``templates``); pick the block with the most dense Chinese text net of link
and menu text and bring along the attachment list beside it (``blocks``); render one line per paragraph,
table rows as tab-joined cells (``render``); drop lines the site template marks as recurring chrome; drop
boilerplate lines by the anchor rules kept as data (``line_rules``: they act only on short lines, or in
the lead before the text / the tail after it); trim the lead and tail to what reads as part of the
notice (``lines``).

Speed: each pass costs a walk over the tree or the lines in Python, so passes share what they can (one
walk scores every block and counts the Han characters under every element; a page's line features are
memoised) and cheap tests run before regexes.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass, field

from lxml.etree import _Element

from cleaning.extract.blocks import select_content
from cleaning.extract.chrome import prune_chrome
from cleaning.extract.html import page_titles
from cleaning.extract.lines import drop_title_lines, filter_lines, line_han, trim_edges
from cleaning.extract.templates import apply_site_template, drop_template_blocks


@dataclass
class Extracted:
    """Content lines of a page, the chosen content element, and counts of lines dropped per rule."""

    lines: list[str]
    content: _Element | None
    dropped: dict[str, int] = field(default_factory=dict)


def _candidate_lines(
    root: _Element | None, site_template: Mapping | None, titles: set[str]
) -> tuple[list[str], _Element | None, int]:
    """Return the candidate lines (blocks.candidate_lines) with a site template's recurring blocks dropped
    first, the block, and how many template blocks were dropped."""
    if root is None:
        return [], None, 0
    prune_chrome(root)
    blocks = 0
    if site_template:  # before the content is chosen: a recurring box must not win or stay inside it
        blocks = drop_template_blocks(root, site_template)
    lines, content = select_content(root, titles)
    return lines, content, blocks


def extract_content(
    root: _Element | None,
    site_template: Mapping | None = None,
    *,
    in_place: bool = False,
    titles: set[str] | None = None,
) -> Extracted:
    """Return the main-content lines of a parsed page (the tree is copied, not changed, unless in_place).

    ``titles`` is page_titles(root) when the caller has read it already (the page facts hold it).

    ``site_template`` is a template from ``cleaning.extract.templates.learn_site_template``: blocks it marks as
    recurring on the site are dropped wherever they stand, and recurring lines from the lead and tail
    (never protected ones such as dates, 文号 or the signature).
    """
    if root is None:
        return Extracted([], None)
    line_han.cache_clear()  # memoised per page only: a benchmark's repeated pages must not hit it
    titles = page_titles(root) if titles is None else titles
    lines, content, blocks = _candidate_lines(root if in_place else copy.deepcopy(root), site_template, titles)
    dropped: dict[str, int] = {"site_template_block": blocks} if blocks else {}
    if site_template:
        lines, n = apply_site_template(lines, site_template)
        if n:
            dropped["site_template"] = n
    lines, n = drop_title_lines(lines, titles)
    if n:
        dropped["title_repeat"] = n
    lines, rule_dropped = filter_lines(lines)
    dropped.update(rule_dropped)
    lines, trimmed = trim_edges(lines)
    if trimmed:
        dropped["edge_trim"] = trimmed
    return Extracted(lines, content, dropped)
