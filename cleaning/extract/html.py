"""Page parsing and the element and text helpers every extraction module shares.

One home for lxml: the tolerant parse, an element's text, Han character counts, rare-tag lookups, the
page's own title strings, and the structural tables (which tags break lines, which links are attachments).
Nothing here decides what is content.
"""

from __future__ import annotations

import re

import lxml.etree
from lxml.etree import _Element

HAN_RE = re.compile("[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_NON_HAN_RUN = re.compile("[^\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")

# Elements that start a new line when rendered.
BLOCK_TAGS: frozenset[str] = frozenset(
    "p div section article main h1 h2 h3 h4 h5 h6 li ul ol dl dt dd table tbody thead tfoot tr td th "
    "blockquote pre center form fieldset figure figcaption address hr body html".split()
)
ATTACHMENT_EXTS: frozenset[str] = frozenset("doc docx pdf xls xlsx zip rar wps et ppt pptx 7z txt ofd csv".split())

_XML_DECL = re.compile(r"^\s*<\?xml[^>]*>", re.I)
_END_TAGS = re.compile(r"</\s*(body|html)\s*>", re.I)


def parse_html(text: str) -> _Element | None:
    """Return the parsed page, recovering from junk before <html> and early </body></html>."""
    # libxml2 drops everything after the first </html>; real pages close body twice before the text.
    text = _END_TAGS.sub("", _XML_DECL.sub("", text))
    if not text.strip():
        return None
    # collect_ids=False: nothing looks elements up by id, and the id table costs ~5% of a big page's parse
    parser = lxml.etree.HTMLParser(remove_comments=True, remove_pis=True, recover=True, collect_ids=False)
    try:
        root = lxml.etree.fromstring(text, parser=parser)
    except (lxml.etree.ParserError, lxml.etree.XMLSyntaxError, ValueError):
        return None
    if root is None:
        return None
    return root.getroottree().getroot()


def text_of(el: _Element) -> str:
    """Return the text of an element and its descendants (like HtmlElement.text_content)."""
    # the same string as XPath string(), serialised in C at about half its cost
    return lxml.etree.tostring(el, method="text", encoding="unicode", with_tail=False)


# count_han on long text: in UTF-16 a BMP character's high byte tells its block. Han (U+3400-4DBF,
# U+4E00-9FFF, U+F900-FAFF) are the high bytes 0x34-0x9F and 0xF9-0xFA, less U+4DC0-4DFF (Yijing
# symbols, high byte 0x4D); surrogates (0xD8-0xDF) are never counted, like the regex's BMP ranges.
_HAN_HIGH_BYTES = frozenset([*range(0x34, 0xA0), 0xF9, 0xFA])
_NOT_HAN_HIGH = bytes(b for b in range(256) if b not in _HAN_HIGH_BYTES)
_YIJING = re.compile("[\u4dc0-\u4dff]")
_BYTE_COUNT_MIN_CHARS = 48  # below this the regex is cheaper than encoding


def count_han(text: str) -> int:
    """Return the number of Han characters in text."""
    if text.isascii():  # O(1) in CPython: whitespace, numbers and Latin text between the blocks
        return 0
    if len(text) < _BYTE_COUNT_MIN_CHARS:
        return len(_NON_HAN_RUN.sub("", text))  # about twice as fast as len(findall)
    high = text.encode("utf-16-le", "surrogatepass")[1::2]  # C loops, about 3x the regex on long text
    han = len(high.translate(None, _NOT_HAN_HIGH))
    return han - len(_YIJING.findall(text)) if 0x4D in high else han


_SEPARATOR = "\x00"  # never in parsed text (XML forbids it; libxml2 drops it)
_NON_HAN_OR_SEPARATOR = re.compile("[^\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\x00]+")


def count_han_many(texts: list[str]) -> list[int]:
    """Return count_han of each text, counted in one regex pass over them all (a call per text costs more)."""
    joined = _SEPARATOR.join(texts)
    if joined.count(_SEPARATOR) != len(texts) - 1:  # a text holds the separator after all: one by one
        return [count_han(text) for text in texts]
    return [len(han) for han in _NON_HAN_OR_SEPARATOR.sub("", joined).split(_SEPARATOR)]


def drop_keep_tail(el: _Element) -> None:
    """Remove el and its subtree from the tree, keeping the text that follows it (its tail)."""
    parent = el.getparent()
    if parent is None:
        return
    tail = el.tail
    if tail and tail.strip():
        prev = el.getprevious()
        if prev is not None:
            prev.tail = (prev.tail or "") + tail
        else:
            parent.text = (parent.text or "") + tail
    parent.remove(el)


def is_attachment_link(a: _Element) -> bool:
    """Return True for an <a> whose href ends in an attachment extension (.doc .pdf .xls ...)."""
    href = (a.get("href") or "").lower().split("?")[0].split("#")[0]
    last = href.rsplit("/", 1)[-1]
    return "." in last and last.rsplit(".", 1)[-1] in ATTACHMENT_EXTS


# A link whose text is a sentence (a full stop, at least LINKED_SENTENCE_HAN Han characters, not cut short
# with an ellipsis) is running text, not a menu item: list-formatted articles link whole items; headlines
# and menus hold no 。 or ； (they may exclaim or ask: ！？), and a teaser's summary ends in … or ... where
# the site cut it.
LINKED_SENTENCE_RE = re.compile("[。；]")
LINKED_SENTENCE_HAN = 15
TRUNCATED_RE = re.compile(r"(\.{2,}|…+|。。。)\s*$")


def reads_as_sentence(text: str, han: int | None = None) -> bool:
    """Return True for a link text that is a whole sentence of running text (see LINKED_SENTENCE_RE);
    ``han`` is count_han(text) when the caller has it."""
    if LINKED_SENTENCE_RE.search(text) is None or TRUNCATED_RE.search(text):
        return False
    return (count_han(text) if han is None else han) >= LINKED_SENTENCE_HAN


_TITLE_SPLIT = re.compile(r"\s*(?:_|\||｜|——|--|—|\s-\s|\s–\s)\s*")
_SPACES = re.compile(r"\s+")


def elements_by_tag(root: _Element, tags: tuple[str, ...]) -> dict[str, list[_Element]]:
    """Return {tag: its elements in document order} for tags a page holds few of, in one pass over the tree.

    Each root.iter() walks every node (in C, yet about 0.1 ms on a 100 KB page): readers of several rare
    tags share one walk.
    """
    found: dict[str, list[_Element]] = {tag: [] for tag in tags}
    for el in root.iter(*tags):
        found[el.tag].append(el)
    return found


PAGE_TITLE_TAGS = ("meta", "h1", "title")  # what page_titles reads


def page_titles(root: _Element, found: dict[str, list[_Element]] | None = None) -> set[str]:
    """Return the page's title strings (meta ArticleTitle, h1, <title> parts), spaces removed.

    ``found`` is elements_by_tag(root, ...) covering PAGE_TITLE_TAGS, when the caller has it already.
    """
    if found is None:
        found = elements_by_tag(root, PAGE_TITLE_TAGS)
    titles: set[str] = set()
    for m in found["meta"]:
        if (m.get("name") or m.get("property") or "").lower() in ("articletitle", "og:title"):
            titles.add(m.get("content") or "")
    for h in found["h1"]:
        titles.add(text_of(h))
    t = found["title"][0] if found["title"] else None  # root.find(".//title")
    if t is not None:
        titles.update(_TITLE_SPLIT.split(text_of(t)))
    return {k for k in (_SPACES.sub("", x) for x in titles) if len(k) >= 4}
