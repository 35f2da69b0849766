"""What metadata reads from the whole page tree, read once before extraction prunes the tree in place.

Also where the page's zones lie in its visible text: the header zone between the title and the text (where the
info line with 发布时间 / 来源 / 文号 sits), the text itself, and the tail right after it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from lxml.etree import XPath, _Element

from cleaning.extract.html import PAGE_TITLE_TAGS, elements_by_tag, page_titles, text_of

PAGE_TEXT_MAX_CHARS = 40_000  # labels sit near the article head; very long pages are cut here
HEADING_MAX_CHARS = 150  # longer "headings" are paragraphs styled as titles
# Elements whose class or id names a title (xl_tit, d-title, article-title, entry-title, rumor-title, bt ...).
TITLE_CLASS = re.compile(r"title|(?:^|[\s_-])(?:tit|bt|biaoti|wzbt)(?:$|[\s_-])", re.I)
TITLE_CLASS_TAGS = ("div", "p", "td", "span", "h3", "strong", "font", "b")
HEADING_TAGS = ("h1", "h2", "h3")
# <meta name|property|itemprop> keys naming the site rather than the page.
SITE_NAME_KEYS = ("sitename", "og:site_name", "application-name", "apple-mobile-web-app-title")
_LDJSON_DATE = re.compile(r'"datePublished"\s*:\s*"([^"]{8,40})"')
_CRUMB_ATTR = re.compile(r"crumb|position|location|dqwz|weizhi|path|mianbao", re.I)
_LABELLED_ATTACHMENTS = XPath("//a[starts-with(normalize-space(string(.)), '附件')]")
FACT_TAGS: tuple[str, ...] = (*PAGE_TITLE_TAGS, "h2", "h3", "base", "body", "time", "script")


def clean_space(text: str | None) -> str:
    """Return text with runs of whitespace as one space, stripped."""
    # the same as re.sub(r"\s+", " ", text).strip() (str.split and \s agree on whitespace), faster
    return " ".join((text or "").split())


@dataclass(frozen=True)
class Heading:
    """A heading-like element: its kind (h1 h2 h3 or cls for a title-class element) and its text."""

    kind: str
    text: str


@dataclass(frozen=True)
class PageFacts:
    """What extract_meta reads from the whole page tree: read before extraction prunes the tree in place."""

    tags: dict[str, str]  # <meta> name / property / itemprop (lower-cased) -> content
    page_text: str  # visible text, cut at PAGE_TEXT_MAX_CHARS, spaces collapsed
    title_tag: str  # the <title> text
    headings: tuple[Heading, ...]  # h1-h3 and title-class elements, in document order
    site_names: frozenset[str]  # the site's own name from SiteName / og:site_name meta
    times: tuple[tuple[str, bool], ...]  # <time datetime> values and whether marked as the publication
    ld_dates: tuple[str, ...]  # JSON-LD datePublished values
    crumbs: tuple[str, ...]  # breadcrumb parts
    base: str | None  # <base href>
    labelled_anchors: tuple[tuple[str, str], ...]  # (href, text) of links labelled 附件 anywhere on the page
    column: str | None  # meta ColumnName or the breadcrumb's last part; None: the registry default
    page_titles: set[str] | None = None  # html.page_titles(root), for extract_content


def read_meta_tags(root: _Element, metas: list[_Element] | None = None) -> dict[str, str]:
    """Return <meta name|property|itemprop=... content=...> as a dict with lower-cased keys (``metas``: the
    page's meta elements, when the caller has them already)."""
    tags: dict[str, str] = {}
    for m in root.iter("meta") if metas is None else metas:
        key = (m.get("name") or m.get("property") or m.get("itemprop") or "").strip().lower()
        if key and m.get("content") and key not in tags:
            tags[key] = clean_space(m.get("content"))
    return tags


def visible_text(root: _Element, bodies: list[_Element] | None = None) -> list[str]:
    """Return the text nodes under <body> outside <script> and <style>, in document order."""
    out: list[str] = []
    for body in root.iter("body") if bodies is None else bodies:
        # script and style hold one text node and no children in an HTML tree: blank it while itertext
        # reads everything else in C (a Python walk over the scripts' ancestors costs a third more)
        hidden = [(el, el.text) for el in body.iter("script", "style") if el.text is not None]
        try:
            for el, _ in hidden:
                el.text = None
            out.extend(body.itertext())
        finally:
            for el, text in hidden:
                el.text = text
    return out


@lru_cache(maxsize=4096)  # pages of a site repeat the same class and id values
def _is_title_attrs(cls: str | None, id_: str | None) -> bool:
    return TITLE_CLASS.search(f"{cls or ''} {id_ or ''}") is not None


@lru_cache(maxsize=4096)
def _is_crumb_attrs(cls: str | None, id_: str | None) -> bool:
    return _CRUMB_ATTR.search(f"{cls or ''} {id_ or ''}") is not None


def read_headings_and_crumbs(root: _Element) -> tuple[tuple[Heading, ...], tuple[str, ...]]:
    """Return h1-h3 and the elements whose class or id names a title, in document order, with their text; and
    the parts of the page's breadcrumb (首页 > 通知公告 > 正文 -> 首页, 通知公告, 正文), or (). One walk."""
    headings: list[Heading] = []
    crumbs: tuple[str, ...] | None = None
    heading_tags, title_tags, crumb_tags = set(HEADING_TAGS), set(TITLE_CLASS_TAGS), set(CRUMB_TAGS)
    for el in root.iter(*WALK_TAGS):  # about 400 elements on a portal page: keep the loop body lean
        tag = el.tag
        cls, id_ = el.get("class"), el.get("id")
        marked = cls is not None or id_ is not None
        if tag in heading_tags or (marked and tag in title_tags and _is_title_attrs(cls, id_)):
            text = clean_space(text_of(el))
            if 2 <= len(text) <= HEADING_MAX_CHARS:
                headings.append(Heading(tag if tag in heading_tags else "cls", text))
        if crumbs is None and tag in crumb_tags:
            if (marked and _is_crumb_attrs(cls, id_)) or "位置" in (el.text or ""):
                crumbs = _crumb_parts(el, f"{cls or ''} {id_ or ''}" if marked else "")
    return tuple(headings), crumbs or ()


# Breadcrumbs: the label that opens them, the separators between parts, parts that name no column.
BREADCRUMB_LABEL = re.compile(
    r"^[\s:：]*(?:当前位置|當前位置|目前位置|您的位置|您现在的位置|您現在的位置|您当前的位置|您目前的位置|所在位置)\s*[:：]?\s*"
)  # noqa: E501
BREADCRUMB_SPLIT = re.compile(r"\s*(?:>|＞|»|›|→|/|\\|>>)\s*")
BREADCRUMB_GENERIC = frozenset(
    {"正文", "详情", "詳情", "内容", "內容", "列表", "文章", "详细内容", "正文内容", "首页", "首頁"}
)  # noqa: E501
CRUMB_TAGS = ("div", "p", "span", "td", "nav", "ol", "ul")
META_COLUMN = ("columnname", "columntype")
WALK_TAGS = tuple(dict.fromkeys((*HEADING_TAGS, *TITLE_CLASS_TAGS, *CRUMB_TAGS)))


def _crumb_parts(el: _Element, attrs: str) -> tuple[str, ...] | None:
    """Return the breadcrumb parts of el when it is a breadcrumb (by its class / id or a 当前位置 label)."""
    crumb_attr = bool(attrs) and _CRUMB_ATTR.search(attrs) is not None
    label = el.text or ""
    if not crumb_attr and not ("位置" in label and BREADCRUMB_LABEL.match(label)):
        return None
    text = clean_space(text_of(el))
    if not text or len(text) > 120 or not BREADCRUMB_SPLIT.search(text):
        return None
    if crumb_attr or BREADCRUMB_LABEL.match(text):
        return tuple(p for p in BREADCRUMB_SPLIT.split(BREADCRUMB_LABEL.sub("", text)) if p)
    return None


def _without_own_title(crumbs: tuple[str, ...], title_tag: str, h1s: list[str]) -> tuple[str, ...]:
    """Return the breadcrumb without a last part that is the page's own title (首页 > 诗 > 夜雨 on 夜雨's page)."""
    if not crumbs:
        return crumbs
    last = _NOT_WORD.sub("", crumbs[-1]).lower()
    own = {_NOT_WORD.sub("", x).lower() for x in [*h1s, *re.split(r"[_|｜]| - ", title_tag)[:1]]}
    return crumbs[:-1] if last and last in own else crumbs


def column_of(tags: dict[str, str], crumbs: tuple[str, ...]) -> str | None:
    """Return the column: meta ColumnName, else the breadcrumb's last non-generic part, else None."""
    for key in META_COLUMN:
        if tags.get(key):
            return tags[key]
    parts = [p for p in crumbs if p not in BREADCRUMB_GENERIC]
    if parts and len(parts[-1]) <= 12:
        return parts[-1]
    return None


def read_page_facts(root: _Element) -> PageFacts:
    """Return what extract_meta needs from the whole page tree (so extraction may then change the tree)."""
    found = elements_by_tag(root, FACT_TAGS)
    tags = read_meta_tags(root, found["meta"])
    title_el = found["title"][0] if found["title"] else None
    times = []
    for t in found["time"]:
        if t.get("datetime"):
            marks = f"{t.get('class') or ''} {t.get('itemprop') or ''}".lower()
            times.append(
                (t.get("datetime"), "publish" in marks or "entry-date" in marks or t.get("pubdate") is not None)
            )
    ld = [m.group(1) for s in found["script"] if (s.get("type") or "").lower() == "application/ld+json"
          for m in _LDJSON_DATE.finditer(s.text or "")]  # fmt: skip
    title_tag = clean_space(text_of(title_el)) if title_el is not None else ""
    headings, crumbs = read_headings_and_crumbs(root)
    crumbs = _without_own_title(crumbs, title_tag, [text_of(h) for h in found["h1"]])
    return PageFacts(
        tags=tags,
        page_text=clean_space(" ".join(visible_text(root, found["body"]))[:PAGE_TEXT_MAX_CHARS]),
        title_tag=title_tag,
        headings=headings,
        site_names=frozenset(tags[k] for k in SITE_NAME_KEYS if tags.get(k)),
        times=tuple(times),
        ld_dates=tuple(ld),
        crumbs=crumbs,
        base=next((b.get("href") for b in found["base"] if b.get("href")), None),
        labelled_anchors=tuple((a.get("href") or "", text_of(a)) for a in _LABELLED_ATTACHMENTS(root)),
        column=column_of(tags, crumbs),
        page_titles=page_titles(root, found),
    )


@dataclass(frozen=True)
class Zones:
    """Where the page's parts lie in PageFacts.page_text (character offsets; -1 when not found)."""

    text_start: int  # the first line of the extracted text (after any heading lines)
    text_end: int  # the end of its last line
    title_at: int = -1  # the end of the title's last occurrence before the text

    def with_title(self, page_text: str, title: str) -> Zones:
        """Return the zones with the title's offset: its last occurrence before the text."""
        if not title or self.text_start <= 0:
            return self
        at = page_text.rfind(title[:_PROBE_CHARS], 0, self.text_start)
        return Zones(self.text_start, self.text_end, min(at + len(title), self.text_start) if at >= 0 else -1)

    def header(self, page_text: str) -> str:
        """Return the header zone: from the title to the text (where the info line sits); "" when the title was
        not found before the text (then only labelled dates near the text count, see header_fallback)."""
        if self.text_start < 0 or not 0 <= self.title_at <= self.text_start:
            return ""
        return page_text[max(self.title_at, self.text_start - HEADER_MAX_CHARS) : self.text_start]

    def header_fallback(self, page_text: str) -> str:
        """Return the stretch right before the text, for labelled dates when the title was not found."""
        if self.text_start < 0:
            return ""
        return page_text[max(0, self.text_start - HEADER_FALLBACK) : self.text_start]

    def tail(self, page_text: str) -> str:
        """Return the text right after the extracted text (where 发布时间 / posted @ lines sit on some themes)."""
        return page_text[self.text_end : self.text_end + TAIL_CHARS] if self.text_end >= 0 else ""


HEADER_FALLBACK = 300  # header zone length when the title is not found before the text
HEADER_MAX_CHARS = 1500  # a title further from the text than this is a sidebar copy
TAIL_CHARS = 1000  # publication labels after the text (posted @ ..., 发布时间：) sit within this
_PROBE_CHARS = 12  # a line is found in page_text by its first characters ...
MIN_PROBE_LINE_CHARS = 10  # ... when it has this many (a short line such as 经济日报 also stands in the header)


def locate_zones(page_text: str, lines: list[str], skip: set[str]) -> Zones:
    """Return where the extracted text lies in page_text; leading lines that are headings (normalised text in
    skip) are the title, not the text."""
    body = [ln for ln in (clean_space(x) for x in lines) if ln]
    while body and (_NOT_WORD.sub("", body[0]).lower() in skip or INFO_FIELD.match(body[0])):
        body = body[1:]
    start = -1
    # the first line long enough to be found only where it stands (a repaired or joined line may not be)
    for ln in [x for x in body if len(x) >= MIN_PROBE_LINE_CHARS][:3]:
        if (start := page_text.find(ln[:_PROBE_CHARS])) >= 0:
            break
    end = -1
    if start >= 0 and body:
        last, span = body[-1], sum(len(x) + 1 for x in body)
        # the last occurrence within the text's own length (a short last line may also occur inside the text)
        at = page_text.rfind(last[:_PROBE_CHARS], start, start + span + span // 3 + len(last))
        end = at + len(last) if at >= 0 else min(len(page_text), start + span)
    return Zones(start, end)


_NOT_WORD = re.compile(r"[\W_]+")  # the same normalisation as titles.norm
# Lines that are fields of an info line or 信息公开 table, not text, when the extractor kept them at the head.
INFO_FIELD = re.compile(
    r"^\s*(?:索\s*引\s*号|名\s*称|标\s*题|分\s*类|主题分类|发布机构|发文机关|成文日期|发布日期|发布时间|文\s*号|发文字号|"
    r"字\s*号|主\s*题\s*词|来\s*源|信息来源|作\s*者|有\s*效\s*性|生效日期|浏览次数|点击数)\s*[:：]"
)
