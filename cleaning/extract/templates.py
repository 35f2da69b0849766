"""Per-site templates: lines and blocks that recur across many pages of one site are that site's chrome.

Pure functions. The flow learns a template from a site's recent pages and stores it per site (JSON);
``clean_page`` takes it as ``PageInput.site_template`` and extraction drops the recurring parts.

Lines: a template only ever drops a line that (1) recurs on at least ``min_share`` of the pages it was
learned from, (2) stands in the lead before the text's first sentence or in the tail after its last one,
and (3) is not protected (dates, 文号, salutations like 各区县民政局：, 特此通知, 附件, the signature line
above a date): a bureau's name signs every notice, but it is the notice's own content.

Blocks: a container (div, ul, table, section...) is fingerprinted by its shape (tag, classes, id) and
its text (spaces removed, digits folded). A block recurring on at least ``min_share`` of the pages is
dropped wherever it stands, however it renders into lines (a promo box between paragraphs, a sidebar
inside a layout table), after the chrome pass and before the content is chosen, unless it may carry the
notice: long text, a protected line (date, 文号, salutation, 附件, numbered heading) outside a list of
links, or a signature (a short block right before a date).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from collections.abc import Iterable, Mapping

from lxml.etree import _Element

from cleaning.extract.blocks import candidate_lines
from cleaning.extract.chrome import prune_chrome
from cleaning.extract.html import count_han, drop_keep_tail, parse_html, text_of
from cleaning.extract.line_rules import PROTECTED_LINE
from cleaning.extract.lines import SHORT_LINE, is_strong_line
from cleaning.extract.render import render_lines

TEMPLATE_VERSION = 2  # 2: recurring blocks besides lines
MIN_PAGES = 5  # fewer pages than this teach nothing: the template stays inactive
MIN_SHARE = 0.6  # a line or block on at least this share of a site's pages is the site's chrome
EXAMPLE_CHARS = 40  # each fingerprint keeps a readable example for review
# Elements fingerprinted as blocks: containers only. Paragraphs, list items and table cells are left out:
# a notice's standard clause (如有疑问，请联系…) or a name list's header row (序号 姓名) recurs across a
# site's notices, and digit folding makes number cells alike; recurring short lines at the text's edges
# are the line template's.
BLOCK_TAGS: tuple[str, ...] = tuple("div section aside article ul ol dl table center blockquote".split())
MIN_BLOCK_CHARS = 6  # a block with fewer characters (spaces removed) is too small to tell apart
LONG_BLOCK_HAN = 200  # a block with this many Han characters may be the notice: never dropped
LINK_LIST_SHARE = 0.5  # a block with at least this share of link text is navigation: its dates don't protect it
SIGNATURE_MAX_CHARS = 30  # a block this short right before a date line is the signature
DATE_LINE_MAX_CHARS = 20
_DIGITS = re.compile(r"\d+")
_SPACES = re.compile(r"\s+")
_DATE_LINE = re.compile(r"(19|20)\d{2}\s*[年\-/.]\s*\d{1,2}\s*[月\-/.]\s*\d{1,2}")


def _fold(text: str) -> str:
    """Return text with spaces removed and digit runs folded to 0 (the key fingerprints hash)."""
    return _DIGITS.sub("0", _SPACES.sub("", text))


def _hash(key: str) -> str:
    return hashlib.blake2b(key.encode("utf-8"), digest_size=8).hexdigest()


def line_fingerprint(line: str) -> str:
    """Return a short stable hash of a line with spaces removed and digit runs folded to 0.

    Folding digits lets counters (浏览次数：128) and page numbers recur; protected lines keep dates safe.
    """
    return _hash(_fold(line))


def block_shape(el: _Element) -> str:
    """Return an element's shape: tag, sorted classes and id, digits folded (div.box.left#side0)."""
    classes = ".".join(sorted((el.get("class") or "").split()))
    shape = f"{el.tag}.{classes}#{el.get('id') or ''}".replace(" ", "")
    return _DIGITS.sub("0", shape)


def block_fingerprint(el: _Element, text: str | None = None) -> str | None:
    """Return ``shape|hash of the folded text`` for a block, or None when its text is too short.

    The shape stays readable in the stored template, and lets extraction skip other elements cheaply.
    """
    key = _fold(text_of(el) if text is None else text)
    if len(key) < MIN_BLOCK_CHARS:
        return None
    return f"{block_shape(el)}|{_hash(key)}"


def page_blocks(root: _Element) -> dict[str, str]:
    """Return {fingerprint: example text} of the blocks of a page's tree (after the chrome pass)."""
    found: dict[str, str] = {}
    for el in root.iter(*BLOCK_TAGS):
        text = text_of(el)
        fp = block_fingerprint(el, text)
        if fp is not None and fp not in found:
            found[fp] = " ".join(text.split())[:EXAMPLE_CHARS]
    return found


def _page_parts(page: str | Iterable[str]) -> tuple[list[str], dict[str, str]]:
    """Return a page's candidate lines and block fingerprints (none for a page given as lines)."""
    if not isinstance(page, str):
        return [str(line) for line in page], {}
    root = parse_html(page)
    if root is None:
        return [], {}
    prune_chrome(root)  # blocks as extraction sees them: after the chrome pass
    blocks = page_blocks(root)
    return candidate_lines(root)[0], blocks


def learn_site_template(
    pages: Iterable[str | Iterable[str]], *, min_pages: int = MIN_PAGES, min_share: float = MIN_SHARE
) -> dict:
    """Return a JSON-serialisable template of the lines and blocks recurring on at least min_share of pages.

    ``pages`` are decoded HTML strings, or each page's candidate lines (``candidate_lines``; such pages
    teach no blocks). Each line or block counts once per page. The template is ``{"version", "pages",
    "min_pages", "min_share", "lines": {fingerprint: pages containing it}, "examples": {fingerprint: text},
    "blocks": {fingerprint: pages}, "block_examples": {fingerprint: text}}``; with fewer than min_pages
    pages its ``lines`` and ``blocks`` are empty, so applying it changes nothing.
    """
    line_counts: Counter[str] = Counter()
    block_counts: Counter[str] = Counter()
    examples: dict[str, str] = {}
    block_examples: dict[str, str] = {}
    n_pages = 0
    for page in pages:
        n_pages += 1
        lines, blocks = _page_parts(page)
        seen: set[str] = set()
        for line in lines:
            if len(line) > SHORT_LINE * 2:
                continue  # long paragraphs are never chrome worth a template entry
            fp = line_fingerprint(line)
            if fp not in seen:
                seen.add(fp)
                line_counts[fp] += 1
                examples.setdefault(fp, line[:EXAMPLE_CHARS])
        block_counts.update(blocks.keys())  # once per page: the keys are distinct
        for fp, example in blocks.items():
            block_examples.setdefault(fp, example)
    lines_recurring: dict[str, int] = {}
    blocks_recurring: dict[str, int] = {}
    if n_pages >= min_pages:
        threshold = max(2, min_share * n_pages)
        lines_recurring = {fp: c for fp, c in line_counts.most_common() if c >= threshold}
        blocks_recurring = {fp: c for fp, c in block_counts.most_common() if c >= threshold}
    return {
        "version": TEMPLATE_VERSION,
        "pages": n_pages,
        "min_pages": min_pages,
        "min_share": min_share,
        "lines": lines_recurring,
        "examples": {fp: examples[fp] for fp in lines_recurring},
        "blocks": blocks_recurring,
        "block_examples": {fp: block_examples[fp] for fp in blocks_recurring},
    }


def _active(template: Mapping | None) -> bool:
    """Return True for a template of this version that drops something."""
    if not template or template.get("version") != TEMPLATE_VERSION:
        return False
    return bool(template.get("lines") or template.get("blocks"))


def template_digest(template: Mapping | None) -> str:
    """Return a short hash of what in a template changes extraction output ("" for no active template).

    That is the recurring lines and blocks; counts and examples are left out: a refresh that sees more
    pages but drops the same lines and blocks keeps the digest, so only a real change makes a site's
    pages stale.
    """
    if not _active(template):
        return ""
    key = json.dumps(
        {"version": TEMPLATE_VERSION, "lines": sorted(template.get("lines") or {}),
         "blocks": sorted(template.get("blocks") or {})},
        sort_keys=True,
    )  # fmt: skip
    return hashlib.blake2b(key.encode("utf-8"), digest_size=8).hexdigest()


def merge_templates(old: Mapping | None, new: Mapping) -> dict:
    """Return the template to store after a refresh: the newer one, unless it saw fewer pages than
    min_pages while the old one was active (a thin crawl must not wipe a good template)."""
    thin = new.get("pages", 0) < new.get("min_pages", MIN_PAGES)
    if _active(old) and not (new.get("lines") or new.get("blocks")) and thin:
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


def _next_text(el: _Element) -> str:
    """Return the first non-blank text after el in document order (its tail, a sibling, or further up)."""
    node: _Element | None = el
    while node is not None:
        if node.tail and node.tail.strip():
            return node.tail.strip()
        for sib in node.itersiblings():
            text = text_of(sib).strip() or (sib.tail or "").strip()
            if text:
                return text
        node = node.getparent()
    return ""


def block_protected(el: _Element, text: str) -> bool:
    """Return True for a block that may carry the notice: long text, a signature right before a date,
    or a protected line (date, 文号, salutation, 附件, numbered heading) outside a list of links."""
    if count_han(text) >= LONG_BLOCK_HAN:
        return True
    chars = len(_SPACES.sub("", text))
    if chars <= SIGNATURE_MAX_CHARS:
        after = _next_text(el)
        if len(after) <= DATE_LINE_MAX_CHARS and _DATE_LINE.search(after):
            return True
    links = sum(len(_SPACES.sub("", text_of(a))) for a in el.iter("a"))
    if links >= LINK_LIST_SHARE * chars:
        return False
    return any(PROTECTED_LINE.match(line) or _DATE_LINE.search(line) for line in render_lines(el, with_tail=False))


def drop_template_blocks(root: _Element, template: Mapping | None) -> int:
    """Remove the template's recurring blocks from a page's tree (after the chrome pass); return how many.

    Only elements of a recurring block's shape are hashed; the outermost recurring block is dropped
    whole; protected blocks stay (a recurring block inside one may still go).
    """
    recurring = (template or {}).get("blocks") or {}
    if not recurring or (template or {}).get("version") != TEMPLATE_VERSION:
        return 0
    shapes = {fp.split("|", 1)[0] for fp in recurring}
    tags = tuple({shape.split(".", 1)[0] for shape in shapes})
    doomed: set[_Element] = set()
    for el in root.iter(*tags):
        if block_shape(el) not in shapes or (doomed and any(d in doomed for d in el.iterancestors())):
            continue
        text = text_of(el)
        if block_fingerprint(el, text) in recurring and not block_protected(el, text):
            doomed.add(el)
    for el in doomed:
        drop_keep_tail(el)
    return len(doomed)
