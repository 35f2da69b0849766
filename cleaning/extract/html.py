"""Page parsing and the element and text helpers every extraction module shares.

One home for lxml: the tolerant parse, an element's text, Han character counts, rare-tag lookups, the
page's own title strings, and the structural tables (which tags break lines, which links are attachments).
Nothing here decides what is content.
"""

from __future__ import annotations

import re
from bisect import bisect_right

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
# Characters XML forbids that libxml2 keeps in text nodes (in scripts, or the noncharacters anywhere), yet
# refuses when a text is set back (lxml raises "All strings must be XML compatible"): C0 controls but tab, line
# feed and carriage return, and U+FFFE, U+FFFF. Never text: removed before parsing.
_XML_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")

# -- cost caps (docs/RELIABILITY.md): each bounds a parse whose cost would grow faster than the page -------------
# libxml2 checks each attribute of an element against all the ones before it: an element with n attributes
# costs n^2 (100,000 attributes: minutes). Real elements carry a handful; past this many the rest are dropped.
MAX_ATTRIBUTES = 256
# libxml2 stops at 256 levels of nesting and silently drops the rest of the page. A page that deep is parsed
# again with the tags below this depth flattened (their text kept, block tags turned into line breaks).
MAX_NESTING = 200

# One start tag as the HTML5 tokenizer reads it: its name, then attributes (a name, optionally = and a value,
# quoted or not), separated by whitespace or slashes; a quoted value may hold > and <. Possessive quantifiers:
# no backtracking, linear time. Only tags long enough to hold more than MAX_ATTRIBUTES attributes are checked.
_WS = "\t\n\f\r "
_ATTRIBUTE = (
    f"(?:=|[^{_WS}/>=])[^{_WS}/>=]*+"  # the name (a leading = is part of it)
    f"(?:[{_WS}]*+=[{_WS}]*+(?:\"[^\"]*+(?:\"|\\Z)|'[^']*+(?:'|\\Z)|[^{_WS}>\"'][^{_WS}>]*+)?)?"  # = value
)
_START_TAG = re.compile(f"<(?P<name>[A-Za-z][^{_WS}/>]*+)(?P<attrs>(?:[{_WS}/]*+{_ATTRIBUTE})*+)")
_ONE_ATTRIBUTE = re.compile(f"[{_WS}/]*+{_ATTRIBUTE}")
# A start tag with more than MAX_ATTRIBUTES attributes, read the same way (atomic units: a tag with fewer fails at
# once). One search in C tells almost every page it has none, without a Python step per tag.
_FLOOD_TAG = re.compile(f"<[A-Za-z][^{_WS}/>]*+(?>[{_WS}/]*+{_ATTRIBUTE}){{{MAX_ATTRIBUTES + 1}}}")
_MIN_CHARS_PER_ATTRIBUTE = 2  # a name and a separator: a tag holding more attributes is at least this long
# Where the tokenizer reads no tags: comments, and the text of raw-text and RCDATA elements up to their end tag.
RAW_TEXT_TAGS = ("script", "style", "textarea", "title", "xmp", "iframe", "noembed", "noframes")
_RAW_OPEN = re.compile(f"<!--|<({'|'.join(RAW_TEXT_TAGS)})(?=[{_WS}/>])", re.I)
_RAW_CLOSE = {tag: re.compile(f"</{tag}", re.I) for tag in RAW_TEXT_TAGS}
_TAG = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9:-]*)[^>]*>")
_VOID_TAGS = frozenset("area base br col embed hr img input link meta param source track wbr".split())


def _raw_spans(text: str) -> list[tuple[int, int]]:
    """Return the (start, end) spans of comments and of raw-text elements' text, in order."""
    spans: list[tuple[int, int]] = []
    pos = 0
    while (m := _RAW_OPEN.search(text, pos)) is not None:
        if m.group(1) is None:  # a comment
            close = text.find("-->", m.end())
            end = len(text) if close == -1 else close + 3
            spans.append((m.start(), end))
        else:
            tag = _START_TAG.match(text, m.start())
            body = (tag.end() if tag else m.end()) + 1
            close_tag = _RAW_CLOSE[m.group(1).lower()].search(text, body)
            end = close_tag.start() if close_tag else len(text)
            spans.append((body, end))
        pos = max(end, m.end())
    return spans


def _inside(spans: list[tuple[int, int]], at: int) -> bool:
    k = bisect_right(spans, (at, 1 << 62)) - 1
    return k >= 0 and spans[k][0] <= at < spans[k][1]


def cap_attributes(text: str, notes: list[str] | None = None) -> str:
    """Return text with every start tag cut to its first MAX_ATTRIBUTES attributes (noted as attributes_capped:N).

    Tags are read as the HTML5 tokenizer reads them; "tags" inside comments and scripts are left alone (the
    parser reads none there, and cutting one could swallow the comment's or script's end).
    """
    if _FLOOD_TAG.search(text) is None:
        return text
    long_tag = MAX_ATTRIBUTES * _MIN_CHARS_PER_ATTRIBUTE
    out: list[str] = []
    pos = dropped = 0
    spans: list[tuple[int, int]] | None = None
    for m in _START_TAG.finditer(text):
        if m.end() - m.start() <= long_tag or m.start() < pos:
            continue
        if spans is None:
            spans = _raw_spans(text)  # only for pages with a long tag
        if _inside(spans, m.start()):
            continue
        cut = None
        count = 0
        for count, attribute in enumerate(_ONE_ATTRIBUTE.finditer(text, m.start("attrs"), m.end("attrs")), 1):
            if count == MAX_ATTRIBUTES:
                cut = attribute.end()
        if cut is not None and count > MAX_ATTRIBUTES:
            dropped += count - MAX_ATTRIBUTES
            out.append(text[pos:cut])
            pos = m.end()
    if not dropped:
        return text
    out.append(text[pos:])
    if notes is not None:
        notes.append(f"attributes_capped:{dropped}")
    return "".join(out)


def flatten_nesting(text: str, max_depth: int = MAX_NESTING) -> str:
    """Return text with the start and end tags nested deeper than max_depth removed, their text kept; removed
    block tags become <br> so lines stay apart. Depth is counted over non-void tags as written, outside
    comments and scripts."""
    spans = _raw_spans(text)
    out: list[str] = []
    pos = depth = 0
    for m in _TAG.finditer(text):
        name = m.group(2).lower()
        if name in _VOID_TAGS or name in RAW_TEXT_TAGS or _inside(spans, m.start()):
            continue  # a script or style keeps its tags: without them its code would become the page's text
        closing = m.group(1) == "/"
        inner = depth - 1 if closing else depth
        depth = max(0, depth - 1) if closing else depth + 1
        if inner >= max_depth:
            out.append(text[pos : m.start()])
            out.append("<br>" if name in BLOCK_TAGS else "")
            pos = m.end()
    out.append(text[pos:])
    return _BREAK_RUN.sub("<br>", "".join(out))


_BREAK_RUN = re.compile(r"<br>(?:[\t\n\f\r ]*+<br>)++")  # the breaks flattening leaves: one per run


def _too_deep(parser: lxml.etree.HTMLParser) -> bool:
    """Return True if libxml2 stopped at its nesting limit (a fatal error: the last one it logged)."""
    last = parser.error_log.last_error
    return last is not None and last.type_name == "ERR_RESOURCE_LIMIT" and "depth" in last.message


def parse_html(text: str, notes: list[str] | None = None) -> _Element | None:
    """Return the parsed page, recovering from junk before <html> and early </body></html>.

    Its cost is bounded whatever the page: attributes past MAX_ATTRIBUTES are dropped, nesting past libxml2's
    limit is flattened instead of losing the rest of the page; each cut is noted in ``notes``
    (``attributes_capped:N``, ``nesting_flattened``) when a list is given.
    """
    # libxml2 drops everything after the first </html>; real pages close body twice before the text.
    text = _END_TAGS.sub("", _XML_DECL.sub("", text))
    if _XML_FORBIDDEN.search(text):
        text = _XML_FORBIDDEN.sub("", text)
    if not text.strip():
        return None
    text = cap_attributes(text, notes)
    parsed = _parse(text)
    if parsed is not None and parsed[1]:
        parsed = _parse(flatten_nesting(text))
        if notes is not None:
            notes.append("nesting_flattened")
    return parsed[0] if parsed is not None else None


def _parse(text: str) -> tuple[_Element, bool] | None:
    """Return (root, whether libxml2 hit its depth limit), or None when nothing parses."""
    # collect_ids=False: nothing looks elements up by id, and the id table costs ~5% of a big page's parse
    parser = lxml.etree.HTMLParser(remove_comments=True, remove_pis=True, recover=True, collect_ids=False)
    try:
        root = lxml.etree.fromstring(text, parser=parser)
    except (lxml.etree.ParserError, lxml.etree.XMLSyntaxError, ValueError):
        return None
    if root is None:
        return None
    return root.getroottree().getroot(), _too_deep(parser)


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
