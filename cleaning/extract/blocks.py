"""Choose the main content block: the element with the most dense Chinese text net of link and menu text.

One walk scores every block and counts the Han characters under every element; the lowest container
holding all dense blocks wins ties; summaries in a repeated headline+summary list (teasers) never count
as text; the small attachment list beside the chosen block is brought into it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from itertools import accumulate

import lxml.etree
from lxml.etree import _Element

from cleaning.extract.chrome import FOOTER_BLOCK_MAX_HAN, FOOTER_TEXT, prune_chrome
from cleaning.extract.html import (
    BLOCK_TAGS,
    count_han,
    count_han_many,
    is_attachment_link,
    reads_as_sentence,
    text_of,
)
from cleaning.extract.lines import PARAGRAPH_MIN_HAN, SHORT_LINE, chrome_rule
from cleaning.extract.render import render_lines

_SPACES = re.compile(r"\s+")
ZH_PUNCT_RE = re.compile("[，。、；：？！“”《》（）]")

# Containers that may be chosen as the main content block; a winning paragraph brings its parent,
# so signature and date lines beside a one-paragraph notice stay.
CONTAINER_TAGS: frozenset[str] = frozenset(
    "div section article main td body table tbody center form blockquote".split()
)

TEASER_LINK_HAN = 6  # a headline link of at least this many Han characters ...
TEASER_MIN_ITEMS = 3  # ... repeated at least this many times (same tag and class) ...
TEASER_MAX_DEPTH = 4  # ... within this many levels above the summary
TEASER_ITEM_FACTOR = 2  # ... in an item holding little more than the summary marks a teaser
ATTACHMENT_BLOCK_MAX_HAN = 400  # an attachment list beside the text is small
# Collapse: the best-scoring block holds a small share of the page's running text while another region
# holds this many times more (one comment, a wiki box or a disclaimer outscoring an article split into
# paragraphs among menus): that region is chosen instead.
RECONSIDER_FACTOR = 3.0
BODY_SHARE = 0.5  # a block below the body holding this share of its dense text is chosen over the whole page
_PAGE_TAGS = ("body", "html")
TITLE_MIN_CHARS = 6  # a title shorter than this may be a column name repeated anywhere
TITLE_REGION_HAN = 20  # the title's region: its lowest container with this much text besides the title


def score_blocks(root: _Element) -> dict[_Element, float]:
    """Return the score of root and of each element under it that holds a block: Han characters in dense
    paragraphs minus link and menu text."""
    return _block_scores(root)[0]


# Per walked element: (first text under it, end of its texts, its index in document order, end of its
# descendants in that order, depth below the walked root).
_Span = tuple[int, int, int, int, int]


def _walk_blocks(root: _Element) -> tuple[list[tuple[_Element, bool, str]], list[_Element], dict[_Element, _Span]]:
    """Return every text node as (block, inside a link, text), the elements, and their spans, in one pass.

    A text belongs to its nearest BLOCK_TAGS ancestor; an element's tail belongs to its parent's block.
    The tree is parse_html's (comments and processing instructions dropped): iterwalk skips those nodes
    and so would skip their tails.
    """
    texts: list[tuple[_Element, bool, str]] = []
    append = texts.append
    order: list[_Element] = []
    spans: dict[_Element, _Span] = {}
    # (block, inside a link, first text index, index in order) of the open elements; iterwalk costs less
    # than recursion
    open_: list[tuple[_Element, bool, int, int]] = [(root, False, 0, 0)]
    block_tags = BLOCK_TAGS
    for event, el in lxml.etree.iterwalk(root, events=("start", "end")):  # elements only: tags are str
        if event == "start":
            block, linked, _, _ = open_[-1]
            start, tag = len(texts), el.tag
            if tag in block_tags:
                block = el
            elif tag == "a":
                linked = True
            text = el.text
            if text and not text.isspace():
                append((block, linked, text))
            open_.append((block, linked, start, len(order)))
            order.append(el)
            continue
        _, _, start, pos = open_.pop()
        spans[el] = (start, len(texts), pos, len(order), len(open_) - 1)
        if el is not root:
            tail = el.tail
            if tail and not tail.isspace():
                block, linked, _, _ = open_[-1]
                append((block, linked, tail))
    return texts, order, spans


@dataclass
class BlockMap:
    """One walk's view of a page: every element in document order with its subtree's block values.

    ``value_at[i]`` is the value of the block at order[i] (0 when order[i] is no block): a dense block's Han
    characters net of its link text, or minus half of a label's or menu's characters. Sums over a subtree
    or over a stretch of document order are differences of the prefix sums (whole or half numbers: exact).
    """

    order: list[_Element]
    spans: dict[_Element, _Span]
    value_at: list[float]
    value_before: list[float]  # prefix sums of value_at
    dense_before: list[float]  # prefix sums of the positive values only (dense text)
    blocks_before: list[int]  # prefix counts of blocks
    texts: list[tuple[_Element, bool, str]]  # the walk's texts: (block, inside a link, text)
    plain_before: list[int]  # prefix sums over the walk's texts of Han characters outside links
    link_before: list[int]  # ... and of link text (Han characters, or half the characters of Latin links)

    def score(self, el: _Element) -> float:
        """Return the element's score: the sum of its subtree's block values."""
        _, _, pos, end, _ = self.spans[el]
        return self.value_before[end] - self.value_before[pos]

    def dense(self, el: _Element) -> float:
        """Return the dense text (positive block values) under the element."""
        _, _, pos, end, _ = self.spans[el]
        return self.dense_before[end] - self.dense_before[pos]

    def plain(self, el: _Element) -> int:
        """Return the Han characters under the element outside links, dense or not."""
        start, end = self.spans[el][:2]
        return self.plain_before[end] - self.plain_before[start]

    def title_element(self, titles: set[str]) -> _Element | None:
        """Return the block whose text is the longest of the page's titles (spaces removed), first in document
        order, or None."""
        wanted = sorted((t for t in titles if len(t) >= TITLE_MIN_CHARS), key=len, reverse=True)
        if not wanted:
            return None
        found: dict[str, _Element] = {}
        firsts = {t[0] for t in wanted}
        shortest = len(wanted[-1])
        for block, _, text in self.texts:
            if len(text) < shortest or text.lstrip()[:1] not in firsts:  # most texts: no title starts so
                continue
            key = _SPACES.sub("", text)
            if key in titles and key not in found:
                found[key] = block
        return next((found[t] for t in wanted if t in found), None)

    def links(self, el: _Element) -> int:
        """Return the link text under the element."""
        start, end = self.spans[el][:2]
        return self.link_before[end] - self.link_before[start]


def _block_scores(root: _Element) -> tuple[dict[_Element, float], dict[_Element, _Span]]:
    """Return score_blocks(root) (root and the elements under it holding a block) and the walk's spans."""
    blocks = map_blocks(root)
    return _scores_of(blocks), blocks.spans


def _scores_of(blocks: BlockMap) -> dict[_Element, float]:
    scores: dict[_Element, float] = {}
    before, counts = blocks.value_before, blocks.blocks_before
    for el in blocks.order:  # document order: ties between elements resolve the same way on every run
        _, _, pos, end, _ = blocks.spans[el]
        if counts[end] > counts[pos]:
            scores[el] = before[end] - before[pos]
    return scores


def map_blocks(root: _Element) -> BlockMap:
    """Return the page's BlockMap: one walk, block values in document order, prefix sums."""
    texts, order, spans = _walk_blocks(root)
    hans = count_han_many([t for _, _, t in texts])
    han_before = [0, *accumulate(hans)]
    own_han: dict[_Element, int] = {}
    own_link: dict[_Element, int] = {}
    own_punct: set[_Element] = set()
    plain_at = [0] * len(texts)
    link_at = [0] * len(texts)
    for i, ((block, linked, text), han) in enumerate(zip(texts, hans, strict=True)):
        if linked and not reads_as_sentence(text, han):
            link_at[i] = max(han, len(text.strip()) // 2)
            own_link[block] = own_link.get(block, 0) + link_at[i]
        elif han:
            plain_at[i] = han
            own_han[block] = own_han.get(block, 0) + han
            if block not in own_punct and ZH_PUNCT_RE.search(text):
                own_punct.add(block)

    def han_of(el: _Element) -> int:  # count_han(text_of(el)), from the counts above when el was walked
        if el not in spans:
            return count_han(text_of(el))
        start, end = spans[el][:2]
        return han_before[end] - han_before[start]

    value_at = [0.0] * len(order)
    is_block = [0] * len(order)
    for block in dict.fromkeys(block for block, _, _ in texts):
        han, link = own_han.get(block, 0), own_link.get(block, 0)
        dense = han >= PARAGRAPH_MIN_HAN and (block in own_punct or han >= 30) and link < han
        if dense and han <= FOOTER_BLOCK_MAX_HAN and _is_chrome_block(block, han + link):
            dense = False

        if dense and not _item_too_big(block.getparent(), han, han_of) and _is_teaser(block, han, han_of):
            dense = False
        pos = spans[block][2]
        value_at[pos] = float(han) if dense else -float(han + link) * 0.5
        is_block[pos] = 1
    return BlockMap(
        order,
        spans,
        value_at,
        [0.0, *accumulate(value_at)],
        [0.0, *accumulate(v if v > 0 else 0.0 for v in value_at)],
        [0, *accumulate(is_block)],
        texts,
        [0, *accumulate(plain_at)],
        [0, *accumulate(link_at)],
    )


def _is_chrome_block(block: _Element, chars: int) -> bool:
    """Return True for a short block a footer's words or a line rule name as chrome (版权所有 © …, 发布时间：…
    来源：…, 【字体：大 中 小】): it never counts as the article's text when the main block is chosen."""
    text = " ".join(text_of(block).split())
    return FOOTER_TEXT.search(text) is not None or (chars <= SHORT_LINE and chrome_rule(text) is not None)


def _item_too_big(anc: _Element | None, han: int, han_of: Callable[[_Element], int]) -> bool:
    """Return True where _is_teaser stops climbing: no ancestor, body/html, or far more text than the block."""
    return anc is None or anc.tag in ("body", "html") or han_of(anc) > TEASER_ITEM_FACTOR * han + 50


def _is_teaser(block: _Element, han: int, han_of: Callable[[_Element], int]) -> bool:
    """Return True for a summary in a repeated item (headline link, then summary): a list of teasers."""
    has_headline = repeated = False
    for depth, anc in enumerate(block.iterancestors()):
        if depth >= TEASER_MAX_DEPTH or _item_too_big(anc, han, han_of):
            break
        if not has_headline:
            for a in anc.iter("a", block.tag):
                if a is block:
                    break  # only a headline link before the summary counts
                if a.tag == "a" and han_of(a) >= TEASER_LINK_HAN:
                    has_headline = True
                    break
        parent = anc.getparent()
        if parent is not None and not repeated:
            shape = (anc.tag, anc.get("class"))
            repeated = sum(1 for sib in parent if (sib.tag, sib.get("class")) == shape) >= TEASER_MIN_ITEMS
        if has_headline and repeated:
            return True
    return False


def _container_of(el: _Element) -> _Element:
    """Return el, or its nearest ancestor that may be chosen as the content (CONTAINER_TAGS)."""
    while el.tag not in CONTAINER_TAGS and (parent := el.getparent()) is not None:
        el = parent
    return el


def _best_scoring(blocks: BlockMap, root: _Element, *, below_body: bool = False) -> _Element | None:
    """Return the container of the best-scoring element (deepest on ties), or None when none scores above 0;
    with below_body, the best one under the body."""
    root_depth = sum(1 for _ in root.iterancestors())
    best, best_key = None, None
    for el, score in _scores_of(blocks).items():
        if score <= 0:
            continue
        el = _container_of(el)
        if below_body and el.tag in _PAGE_TAGS:
            continue
        depth = root_depth + blocks.spans[el][4] if el in blocks.spans else sum(1 for _ in el.iterancestors())
        key = (score, depth)
        if best_key is None or key > best_key:
            best, best_key = el, key
    return best


def max_stretch(values: list[float]) -> tuple[int, int, float]:
    """Return (start, end, sum) of the stretch of values with the largest sum (Kadane), end exclusive; it
    starts and ends on a positive value. (0, 0, 0.0) when no value is positive."""
    best = (0, 0, 0.0)
    start, total = 0, 0.0
    for i, v in enumerate(values):
        if total <= 0:
            if v <= 0:
                continue
            start, total = i, 0.0
        total += v
        if total > best[2]:
            best = (start, i + 1, total)
    return best


def _common_ancestor(a: _Element, b: _Element) -> _Element:
    """Return the lowest element holding both a and b."""
    ancestors = {a, *a.iterancestors()}
    if b in ancestors:
        return b
    return next((anc for anc in b.iterancestors() if anc in ancestors), b)


def _holds(outer: _Element, inner: _Element) -> bool:
    """Return True when inner is outer or lies under it."""
    return inner is outer or any(anc is outer for anc in inner.iterancestors())


def _densest_stretch(blocks: BlockMap) -> tuple[_Element | None, float]:
    """Return the container of the stretch of blocks, in document order, with the largest sum of values
    (dense text net of the menus and labels between), and that stretch's dense text."""
    start, end, _ = max_stretch(blocks.value_at)
    if end <= start:
        return None, 0.0
    dense = blocks.dense_before[end] - blocks.dense_before[start]
    return _container_of(_common_ancestor(blocks.order[start], blocks.order[end - 1])), dense


def _title_region(blocks: BlockMap, titles: set[str], best: _Element | None) -> _Element | None:
    """Return the lowest container above the article title's element holding TITLE_REGION_HAN Han
    characters of text outside links besides the title, or None (no title found, only the body does, or
    best holds the title: then the region and best are one inside the other)."""
    if not titles:
        return None
    title_el = blocks.title_element(titles)
    if title_el is None or (best is not None and _holds(best, title_el)):
        return None
    own = blocks.plain(title_el) if title_el in blocks.spans else 0
    el = title_el.getparent()
    while el is not None and el.tag not in ("body", "html"):
        if el in blocks.spans and blocks.plain(el) - own >= TITLE_REGION_HAN:
            return _container_of(el)
        el = el.getparent()
    return None


def _plainest(blocks: BlockMap) -> _Element | None:
    """Return the container with the most Han characters outside links net of its link text, below the
    body (the conservative region when no block is dense), or None."""
    best, best_value = None, 0
    for el in blocks.order:
        if el.tag in ("body", "html") or el.tag not in CONTAINER_TAGS:
            continue
        value = blocks.plain(el) - blocks.links(el)
        if value > best_value:
            best, best_value = el, value
    return best


def choose_content(root: _Element, titles: set[str] | None = None) -> _Element | None:
    """Return the content container, judged on the whole page.

    The best-scoring element (deepest on ties) stands unless it holds a small share of the page's running
    text: when the densest stretch of blocks in document order holds RECONSIDER_FACTOR times its dense
    text, that stretch's container is chosen; when the region under the page's title holds that many times
    its text outside links and neither holds the other, the title region is. With no dense block at all, the
    title region or the container richest in text outside links (never the whole page when one exists).
    """
    return _choose(root, titles)[0]


def _choose(root: _Element, titles: set[str] | None) -> tuple[_Element | None, BlockMap]:
    """Return choose_content's choice and the page's BlockMap."""
    blocks = map_blocks(root)
    best = _best_scoring(blocks, root)
    stretch, stretch_dense = _densest_stretch(blocks)
    if stretch is not None and (best is None or stretch_dense >= RECONSIDER_FACTOR * blocks.dense(best)):
        best = stretch
    if best is not None and best.tag in _PAGE_TAGS:
        # the whole page wins only when no block below it holds most of its text (paragraphs right in <body>)
        inner = _best_scoring(blocks, root, below_body=True)
        if inner is not None and blocks.dense(inner) >= BODY_SHARE * blocks.dense(best):
            best = inner
    region = _title_region(blocks, titles or set(), best)
    if region is not None and (
        best is None
        or (
            not _holds(best, region)
            and not _holds(region, best)
            and blocks.plain(region) >= RECONSIDER_FACTOR * max(blocks.dense(best), 1.0)
        )
    ):
        best = region
    return (best if best is not None else _plainest(blocks)), blocks


def attach_siblings(content: _Element) -> int:
    """Move small attachment lists that follow the content block into it; return how many moved.

    CMS templates often put 附件 links in a box after the text container (div.fj, .attachments).
    """
    moved = 0
    anchor = content
    for _level in range(2):
        parent = anchor.getparent()
        if parent is None or anchor.tag in ("body", "html"):
            break
        for sib in list(anchor.itersiblings()):
            if not isinstance(sib.tag, str):
                continue
            if (
                any(is_attachment_link(a) for a in sib.iter("a"))
                and count_han(text_of(sib)) <= ATTACHMENT_BLOCK_MAX_HAN
            ):  # noqa: E501
                sib.tail = None
                content.append(sib)
                moved += 1
        if moved:
            break
        anchor = parent
    return moved


def select_content(root: _Element, titles: set[str] | None = None) -> tuple[list[str], _Element]:
    """Return the rendered lines of the chosen content block (the body, or the page, when the page holds no
    text at all) and the block; attachment boxes beside it are moved into it (the tree changes).

    ``titles`` are the page's title strings (html.page_titles, read before the chrome pass): they locate
    the article when no block stands out."""
    content, blocks = _choose(root, titles)
    if content is None:
        body = root.find("body")
        content = body if body is not None else root
    attach_siblings(content)
    if content.tag in _PAGE_TAGS:  # the text stands right in <body>: render its stretch, not the whole page
        lines = _stretch_lines(content if content.tag == "body" else content.find("body"), blocks)
        if lines is not None:
            return lines, content
    return render_lines(content), content


STRETCH_MIN_SHARE = 0.1  # the stretch's dense text against the body's text outside links, to stand for the page
EDGE_SIBLINGS = 6  # siblings before and after the densest stretch kept with it: title, 文号, salutation, signature
EDGE_SIBLING_CHARS = 120  # ... each short, without a dense block, more text than links


def _stretch_lines(body: _Element | None, blocks: BlockMap) -> list[str] | None:
    """Return the lines of the body's children that the densest stretch of blocks covers, with the short
    siblings right before and after it (title, salutation, signature, date), or None without a stretch that
    holds STRETCH_MIN_SHARE of the body's text."""
    start, end, _ = max_stretch(blocks.value_at)
    if body is None or end <= start:
        return None
    if blocks.dense_before[end] - blocks.dense_before[start] < STRETCH_MIN_SHARE * blocks.plain(body):
        return None  # the page has next to no running text: the stretch is no article
    children = [c for c in body if isinstance(c.tag, str) and c in blocks.spans]
    covered = [i for i, c in enumerate(children) if blocks.spans[c][2] < end and blocks.spans[c][3] > start]
    if not covered:
        return None
    first, last = covered[0], covered[-1]
    while first > 0 and covered[0] - first < EDGE_SIBLINGS and _edge_sibling(children[first - 1], blocks):
        first -= 1
    while last + 1 < len(children) and last - covered[-1] < EDGE_SIBLINGS and _edge_sibling(children[last + 1], blocks):
        last += 1
    return [line for child in children[first : last + 1] for line in render_lines(child)]


def _edge_sibling(el: _Element, blocks: BlockMap) -> bool:
    """Return True for a short element without dense text whose text is mostly not links."""
    text = text_of(el)
    return len(text.strip()) <= EDGE_SIBLING_CHARS and blocks.dense(el) == 0 and blocks.links(el) <= blocks.plain(el)


def candidate_lines(root: _Element | None) -> tuple[list[str], _Element | None]:
    """Return the rendered lines of the chosen content block before any line rule, and the block.

    The tree is changed (chrome pruned, attachment boxes moved): pass a copy you don't need.
    """
    if root is None:
        return [], None
    prune_chrome(root)
    return select_content(root)
