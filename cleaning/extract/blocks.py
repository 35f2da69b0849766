"""Choose the main content block: the element with the most dense Chinese text net of link and menu text.

One walk scores every block and counts the Han characters under every element; the lowest container
holding all dense blocks wins ties; summaries in a repeated headline+summary list (teasers) never count
as text; the small attachment list beside the chosen block is brought into it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from itertools import accumulate

import lxml.etree
from lxml.etree import _Element

from cleaning.extract.chrome import prune_chrome
from cleaning.extract.html import BLOCK_TAGS, count_han, count_han_many, is_attachment_link, text_of
from cleaning.extract.lines import PARAGRAPH_MIN_HAN
from cleaning.extract.render import render_lines

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


def _block_scores(root: _Element) -> tuple[dict[_Element, float], dict[_Element, _Span]]:
    """Return score_blocks(root) (root and the elements under it holding a block) and the walk's spans."""
    texts, order, spans = _walk_blocks(root)
    hans = count_han_many([t for _, _, t in texts])
    han_before = [0, *accumulate(hans)]
    own_han: dict[_Element, int] = {}
    own_link: dict[_Element, int] = {}
    own_punct: set[_Element] = set()
    for (block, linked, text), han in zip(texts, hans, strict=True):
        if linked:
            own_link[block] = own_link.get(block, 0) + max(han, len(text.strip()) // 2)
        elif han:
            own_han[block] = own_han.get(block, 0) + han
            if block not in own_punct and ZH_PUNCT_RE.search(text):
                own_punct.add(block)

    def han_of(el: _Element) -> int:  # count_han(text_of(el)), from the counts above when el was walked
        if el not in spans:
            return count_han(text_of(el))
        start, end = spans[el][:2]
        return han_before[end] - han_before[start]

    # Each block's value sits at its place in document order; an element's score is the sum over its
    # subtree, a difference of prefix sums (values are whole or half numbers: the float sums are exact).
    value_at = [0.0] * len(order)
    is_block = [0] * len(order)
    for block in dict.fromkeys(block for block, _, _ in texts):
        han, link = own_han.get(block, 0), own_link.get(block, 0)
        dense = han >= PARAGRAPH_MIN_HAN and (block in own_punct or han >= 30) and link < han
        if dense and not _item_too_big(block.getparent(), han, han_of) and _is_teaser(block, han, han_of):
            dense = False
        pos = spans[block][2]
        value_at[pos] = float(han - link) if dense else -float(han + link) * 0.5
        is_block[pos] = 1
    value_before = [0.0, *accumulate(value_at)]
    blocks_before = [0, *accumulate(is_block)]
    scores: dict[_Element, float] = {}
    for el in order:  # document order: ties between elements resolve the same way on every run
        _, _, pos, end, _ = spans[el]
        if blocks_before[end] > blocks_before[pos]:
            scores[el] = value_before[end] - value_before[pos]
    return scores, spans


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


def choose_content(root: _Element) -> _Element | None:
    """Return the content container: the best-scoring element, deepest on ties."""
    scores, spans = _block_scores(root)
    root_depth = sum(1 for _ in root.iterancestors())
    best, best_key = None, None
    for el, score in scores.items():
        if score <= 0:
            continue
        while el.tag not in CONTAINER_TAGS and (parent := el.getparent()) is not None:
            el = parent
        depth = root_depth + spans[el][4] if el in spans else sum(1 for _ in el.iterancestors())
        key = (score, depth)
        if best_key is None or key > best_key:
            best, best_key = el, key
    return best


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


def select_content(root: _Element) -> tuple[list[str], _Element]:
    """Return the rendered lines of the chosen content block (the body, or the page, when none stands out)
    and the block; attachment boxes beside it are moved into it (the tree changes)."""
    content = choose_content(root)
    if content is None:
        body = root.find("body")
        content = body if body is not None else root
    attach_siblings(content)
    return render_lines(content), content


def candidate_lines(root: _Element | None) -> tuple[list[str], _Element | None]:
    """Return the rendered lines of the chosen content block before any line rule, and the block.

    The tree is changed (chrome pruned, attachment boxes moved): pass a copy you don't need.
    """
    if root is None:
        return [], None
    prune_chrome(root)
    return select_content(root)
