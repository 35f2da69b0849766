"""Render an element as lines: blocks and <br> break lines, table rows join cells with a tab, and lists
of links inside the content are left out."""

from __future__ import annotations

import re

from lxml.etree import _Element

from cleaning.extract.html import BLOCK_TAGS, count_han, is_attachment_link, reads_as_sentence, text_of

LINK_LIST_DENSITY = 0.6  # sub-blocks with more link text than this are lists of links


def _non_space_len(text: str) -> int:
    """Return the number of non-whitespace characters (str.split and regex \\s agree on whitespace)."""
    return sum(map(len, text.split()))


def _is_link_list(el: _Element) -> bool:
    """Return True for a block of mostly link text with little text of its own, and no attachment link."""
    anchors = list(el.iter("a"))
    if not anchors:  # most blocks of a notice: nothing to measure
        return False
    total = text_of(el)
    chars = _non_space_len(total)
    if not chars:
        return False
    # a link whose text is a sentence is an item of a list-formatted article, not a menu entry
    texts = [t for t in map(text_of, anchors) if not reads_as_sentence(t)]
    if sum(map(_non_space_len, texts)) / chars <= LINK_LIST_DENSITY:
        return False
    own_han = count_han(total) - sum(map(count_han, texts))
    return own_han < 20 and not any(map(is_attachment_link, anchors))


def _is_data_row(tr: _Element) -> bool:
    cells = [c for c in tr if c.tag in ("td", "th")]
    if not cells:
        return False
    for c in cells:
        if any(d.tag in ("table", "p", "div", "ul", "ol") for d in c.iterdescendants()):
            return False
        if len(text_of(c)) > 200:
            return False
    return True


def render_lines(el: _Element, *, with_tail: bool = True) -> list[str]:
    """Return the text of el as lines: blocks and <br> break lines, table rows join cells with a tab.

    With ``with_tail`` the text after el (its tail) ends the last line, as in the page.
    """
    out: list[str] = []

    def walk(node: _Element, top: bool = False) -> None:
        tag = node.tag if isinstance(node.tag, str) else ""
        if tag in ("ul", "ol", "div", "table", "dl") and not top and _is_link_list(node):
            out.append("\n")
            if tail := node.tail:
                out.append(tail)
            return
        if tag == "tr" and _is_data_row(node):
            cells = [_flatten(c) for c in node if c.tag in ("td", "th")]
            out.append("\n" + "\t".join(c for c in cells if c) + "\n")
            if tail := node.tail:
                out.append(tail)
            return
        block = tag in BLOCK_TAGS
        if block or tag == "br":
            out.append("\n")
        if tag and (text := node.text):  # (each .text/.tail read builds a new str: read once)
            out.append(text)
        for child in node:
            walk(child)
        if block:
            out.append("\n")
        if tail := node.tail:
            out.append(tail)

    walk(el, top=True)
    if not with_tail and (tail := el.tail) and out and out[-1] == tail:
        out.pop()
    return [line for line in (_normalise_line(x) for x in "".join(out).split("\n") if x and not x.isspace()) if line]


def _flatten(el: _Element) -> str:
    return _normalise_line(" ".join(el.itertext()))


_WS_RUN = re.compile(r"[ \u00a0\u3000\r\f\v\u2002\u2003\u2009\u200b\ufeff]+")


def _normalise_line(line: str) -> str:
    if "\t" not in line:  # most lines: one cell
        return _WS_RUN.sub(" ", line).strip()
    cells = line.split("\t")
    cells = [_WS_RUN.sub(" ", c).strip() for c in cells]
    return "\t".join(c for c in cells if c)
