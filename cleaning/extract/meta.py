"""Page metadata: title, publication date, issuer, 文号, attachments and column.

Reads the full parsed page (meta tags, <title>, labels like 发布时间：) and the extracted content lines.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from urllib.parse import urljoin, urlsplit

from lxml.etree import XPath, _Element

from cleaning.extract.html import ATTACHMENT_EXTS, PAGE_TITLE_TAGS, elements_by_tag, page_titles, text_of

# <meta name=...> keys (lower-cased) per field, most specific first. ArticleTitle, PubDate,
# ContentSource and ColumnName are the Chinese government website standard (GB/T 33479 style CMS).
META_TITLE = ("articletitle", "og:title", "title")
META_DATE = (
    "pubdate",
    "publishdate",
    "publish_date",
    "article:published_time",
    "og:release_date",
    "firstpublishedtime",
    "dc.date",
)
META_ISSUER = ("contentsource", "source", "og:article:author")
META_COLUMN = ("columnname", "columntype")

# Separators between article title and site name in <title>: 关于...的通知_通知公告_青州市民政局.
TITLE_SEPARATORS = re.compile(
    r"\s*(?:_|\||｜|——|--|—|\s-\s|\s–\s|-(?=[^-]*(?:民政|协会|協會|政府|网|網|局|厅|廳|部)[^-]*$))\s*"
)  # noqa: E501
MIN_TITLE_CHARS = 5
# A <title> segment naming the site or column rather than the article.
SITE_NAME = re.compile(r"民政|协会|協會|政府|网|網|局$|厅$|廳$|部$|中心$|门户|首页|首頁|通知公告|工作动态|新闻|官网")

_DATE_NUM = re.compile(r"((?:19|20)\d{2})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})(?!\d)")
_CN_DIGITS = {c: i for i, c in enumerate("〇一二三四五六七八九")} | {"零": 0, "○": 0, "Ｏ": 0, "O": 0}
_DATE_CN = re.compile(
    r"([〇零○Ｏ一二三四五六七八九]{4})年([一二三四五六七八九十]{1,3})月([一二三四五六七八九十]{1,3})日"
)  # noqa: E501
# 发布时间：2024-03-05 / 发布日期:2024年3月5日 / 日期：2024/03/05 09:30
DATE_LABEL = re.compile(
    r"(?:发布时间|發布時間|发布日期|發布日期|發佈日期|发文日期|成文日期|印发日期|日期|时间|時間)\s*[:：]\s*"
)  # noqa: E501
# 民國 dates after a label (發布日期：113-06-03) or with the era name (民國113年6月3日): year + 1911.
_DATE_ROC = re.compile(r"^(?:民國|民国)?\s*(\d{2,3})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})(?!\d)")
_DATE_ROC_ERA = re.compile(r"(?:民國|民国)\s*(\d{2,3})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日")
ROC_OFFSET = 1911
# 来源：青州市民政局 / 发布机构：... / 信息来源：
ISSUER_LABEL = re.compile(
    r"(?:发布机构|發布機構|发文机关|發文機關|信息来源|資訊來源|来源|來源)\s*[:：]\s*([^\s|｜:：]{2,30})"
)  # noqa: E501
# 来源 values that name no issuer (a content farm's 来源：网友投稿), and repost prefixes to strip.
ISSUER_NOT: frozenset[str] = frozenset(
    "网友投稿 網友投稿 网友 網友 本站 本站原创 本站原創 原创 原創 网络 網絡 網路 互联网 互聯網 未知 佚名 综合 綜合 转载 轉載".split()  # noqa: E501
)
ISSUER_PREFIX = re.compile(r"^(?:转自|轉自|转载自|轉載自|来自|來自|摘自)")
# 青民发〔2024〕12号 / 民发[2020]1号 / 民电【2017】29号 / 桂社协发【2020】 3号
DOC_NUMBER = re.compile(
    r"[\u4e00-\u9fff]{1,12}\s*[〔\[【［(（]\s*(?:19|20)\d{2}\s*[〕\]】］)）]\s*第?\s*\d{1,5}\s*[号號]"
)  # noqa: E501
DOC_NUMBER_LABEL = re.compile(r"文\s*[号號]\s*[:：]\s*")
# The last breadcrumb part names the column unless it is a generic page label.
BREADCRUMB_SPLIT = re.compile(r"\s*(?:>|＞|»|›|→|/|\\|>>)\s*")
BREADCRUMB_GENERIC = frozenset(
    {"正文", "详情", "詳情", "内容", "內容", "列表", "文章", "详细内容", "正文内容", "首页", "首頁"}
)  # noqa: E501
BREADCRUMB_LABEL = re.compile(
    r"^[\s:：]*(?:当前位置|當前位置|目前位置|您的位置|您现在的位置|您現在的位置|您当前的位置|您目前的位置|所在位置)\s*[:：]?\s*"
)  # noqa: E501
_CRUMB_ATTR = re.compile(r"crumb|position|location|dqwz|weizhi|path", re.I)
ATTACHMENT_TYPES = {"docx": "doc", "wps": "doc", "xlsx": "xls", "et": "xls", "pptx": "ppt", "dps": "ppt"}
SIGNATURE_MAX_CHARS = 30


@dataclass
class Meta:
    """Metadata of one page."""

    title: str = ""
    published_at: str | None = None
    issuer: str | None = None
    doc_number: str | None = None
    attachments: list[dict] = field(default_factory=list)
    column: str | None = None


def _clean(text: str | None) -> str:
    # the same as re.sub(r"\s+", " ", text).strip() (str.split and \s agree on whitespace), faster
    return " ".join((text or "").split())


def read_meta_tags(root: _Element, metas: list[_Element] | None = None) -> dict[str, str]:
    """Return <meta name|property=... content=...> as a dict with lower-cased keys (``metas``: the page's
    meta elements, when the caller has them already)."""
    tags: dict[str, str] = {}
    for m in root.iter("meta") if metas is None else metas:
        key = (m.get("name") or m.get("property") or "").strip().lower()
        if key and m.get("content") and key not in tags:
            tags[key] = _clean(m.get("content"))
    return tags


def strip_site_suffix(title: str) -> str:
    """Return a <title> without the site name: 关于...的通知_青州市民政局 -> 关于...的通知."""
    parts = [p for p in TITLE_SEPARATORS.split(_clean(title)) if p]
    while len(parts) > 1 and SITE_NAME.search(parts[-1]):
        parts.pop()
    if not parts:
        return ""
    return parts[0] if len(parts[0]) >= MIN_TITLE_CHARS or len(parts) == 1 else _clean(title)


def _matching_title(candidates: list[str], raw_title: str, page_title: str) -> str | None:
    """Return the first candidate of title length that <title> contains or that contains the page title."""
    for cand in candidates:
        if not (MIN_TITLE_CHARS <= len(cand) <= 150):
            continue
        if not raw_title or cand in raw_title or (page_title and page_title in cand):
            return cand
    return None


def extract_title(root: _Element, tags: dict[str, str], elements: dict[str, list[_Element]] | None = None) -> str:
    """Return the article title: meta ArticleTitle, a heading matching <title>, else <title> minus suffix.

    ``elements`` is elements_by_tag(root, ...) covering title, h1 and h2, when the caller has it already.
    """
    if tags.get("articletitle"):
        return tags["articletitle"]
    if elements is None:
        elements = elements_by_tag(root, ("title", "h1", "h2"))
    title_el = elements["title"][0] if elements["title"] else None  # root.findtext(".//title")
    raw_title = _clean(title_el.text if title_el is not None else None)
    page_title = strip_site_suffix(raw_title)
    # h1 and h2 in document order: a walk of its own only when the page has both
    h1s, h2s = elements["h1"], elements["h2"]
    headings = list(root.iter("h1", "h2")) if h1s and h2s else h1s or h2s
    candidates = [_clean(text_of(h)) for h in headings]
    found = _matching_title(candidates, raw_title, page_title)
    if found is None:  # only then are title-class elements looked at
        more = [_clean(text_of(el)) for el in _title_elements(root)]
        found = _matching_title(more, raw_title, page_title)
        candidates += more
    if found is not None:
        return found
    fallback = next((c for c in candidates if len(c) >= MIN_TITLE_CHARS), "")
    return page_title or tags.get("og:title", "") or fallback


def parse_date(text: str) -> str | None:
    """Return the first valid date in text as YYYY-MM-DD (2024-03-05, 2024年3月5日, 二〇二四年三月五日)."""
    for m in _DATE_NUM.finditer(text):
        y, mo, d = int(m.group(1)), int(m.group(2)), int(m.group(3))
        if 1 <= mo <= 12 and 1 <= d <= 31:
            return f"{y:04d}-{mo:02d}-{d:02d}"
    m = _DATE_CN.search(text)
    if m:
        y = int("".join(str(_CN_DIGITS[c]) for c in m.group(1)))
        mo, d = _cn_number(m.group(2)), _cn_number(m.group(3))
        if 1 <= mo <= 12 and 1 <= d <= 31:
            return f"{y:04d}-{mo:02d}-{d:02d}"
    return None


def parse_labelled_date(text: str) -> str | None:
    """Return the date right after a 发布日期-style label: any date parse_date reads, or a 民國 date."""
    if (m := _DATE_ROC.match(text.strip())) and not _DATE_NUM.match(text.strip()):
        y, mo, d = int(m.group(1)) + ROC_OFFSET, int(m.group(2)), int(m.group(3))
        if 1 <= mo <= 12 and 1 <= d <= 31:
            return f"{y:04d}-{mo:02d}-{d:02d}"
    return parse_date(text)


def _cn_number(s: str) -> int:
    if "十" not in s:
        return _CN_DIGITS.get(s, 0)
    tens, _, ones = s.partition("十")
    return (_CN_DIGITS.get(tens, 1) if tens else 1) * 10 + (_CN_DIGITS.get(ones, 0) if ones else 0)


def _is_date_line(line: str) -> bool:
    return len(line) <= 20 and parse_date(line) is not None


def extract_date(page_text: str, tags: dict[str, str], lines: list[str], url: str) -> str | None:
    """Return the publication date from meta tags, a 发布时间 label, the signature date, or the URL."""
    for key in META_DATE:
        if key in tags and (d := parse_date(tags[key])):
            return d
    for m in DATE_LABEL.finditer(page_text):
        if d := parse_labelled_date(page_text[m.end() : m.end() + 25]):
            return d
    if m := _DATE_ROC_ERA.search(page_text):
        return parse_labelled_date(f"{m.group(1)}-{m.group(2)}-{m.group(3)}")
    for line in lines[-4:][::-1]:
        if _is_date_line(line):
            return parse_date(line)
    for line in lines[:3]:
        if len(line) <= 60 and (d := parse_date(line)):
            return d
    m = re.search(r"/t?((?:19|20)\d{2})[-_/]?(\d{2})[-_/]?(\d{2})[_/]", urlsplit(url).path)
    if m:
        return parse_date(f"{m.group(1)}-{m.group(2)}-{m.group(3)}")
    return None


def extract_issuer(page_text: str, tags: dict[str, str], lines: list[str]) -> str | None:
    """Return the issuer from meta ContentSource, a 来源 label, or the signature line above the date."""
    for key in META_ISSUER:
        if (value := _issuer_value(tags.get(key))) is not None:
            return value
    for m in ISSUER_LABEL.finditer(page_text):
        if (value := _issuer_value(m.group(1))) is not None:
            return value
    tail = lines[-4:]
    for i in range(len(tail) - 1, 0, -1):
        if _is_date_line(tail[i]):
            prev = tail[i - 1]
            sentence = re.search(r"[。，；：！？,;:!?]", prev)
            if len(prev) <= SIGNATURE_MAX_CHARS and not sentence and not _is_date_line(prev):
                return prev
            break
    return None


def _issuer_value(value: str | None) -> str | None:
    value = ISSUER_PREFIX.sub("", _clean(value))
    han = sum(1 for c in value if "\u4e00" <= c <= "\u9fff")
    return value if han >= 2 and value not in ISSUER_NOT else None


def extract_doc_number(page_text: str, title: str, lines: list[str], headings: list[str] | None = None) -> str | None:
    """Return the page's own 文号 (label, title, heading, or a short line at the head), spaces removed."""
    m = DOC_NUMBER_LABEL.search(page_text)
    if m and (d := DOC_NUMBER.search(page_text[m.end() : m.end() + 40])):
        return re.sub(r"\s+", "", d.group(0))
    for text in [title, *(headings or []), *[ln for ln in lines[:5] if len(ln) <= 60]]:
        # DOC_NUMBER tries a match at every Han character: test for its 号 first
        if ("号" in text or "號" in text) and (d := DOC_NUMBER.search(text)):
            return re.sub(r"\s+", "", d.group(0))
    return None


def _attachment_ext(href: str, name: str) -> str | None:
    path = urlsplit(href).path.lower()
    for candidate in (path, name.lower().strip()):
        tail = candidate.rsplit("/", 1)[-1]
        if "." in tail and (ext := tail.rsplit(".", 1)[-1]) in ATTACHMENT_EXTS:
            return ext
    return None


_LABELLED_ATTACHMENTS = XPath("//a[starts-with(normalize-space(string(.)), '附件')]")


def extract_attachments(root: _Element, content: _Element | None, url: str) -> list[dict]:
    """Return attachment links (.doc .pdf .xls .zip ...) in the content, or labelled 附件 anywhere."""
    return _attachments(_base_href(root) or url, _anchors(content), _labelled_anchors(root))


def _base_href(root: _Element, bases: list[_Element] | None = None) -> str | None:
    return next((b.get("href") for b in (root.iter("base") if bases is None else bases) if b.get("href")), None)


def _anchors(el: _Element | None) -> list[tuple[str, str]]:
    """Return (href, text) of the links under el."""
    return [(a.get("href") or "", text_of(a)) for a in el.iter("a")] if el is not None else []


def _labelled_anchors(root: _Element) -> list[tuple[str, str]]:
    """Return (href, text) of the links anywhere whose text starts with 附件."""
    return [(a.get("href") or "", text_of(a)) for a in _LABELLED_ATTACHMENTS(root)]


def _attachments(base: str, *anchor_lists: list[tuple[str, str]]) -> list[dict]:
    seen: set[str] = set()
    found: list[dict] = []
    for href, text in (anchor for anchors in anchor_lists for anchor in anchors):
        href = href.strip()
        if not href or href.startswith(("javascript:", "mailto:", "#")):
            continue
        name = _clean(text)
        ext = _attachment_ext(href, name)
        if ext is None:
            continue
        absolute = urljoin(base, href)
        if absolute in seen:
            continue
        seen.add(absolute)
        name = name or urlsplit(absolute).path.rsplit("/", 1)[-1]
        found.append({"name": name, "url": absolute, "type": ATTACHMENT_TYPES.get(ext, ext)})
    return found


# Python loops over root.iter(tags) below replace these XPaths (same elements, same order, 2-3x faster):
#   //*[self::div or self::p or self::span or self::td or self::nav or self::ol or self::ul]
#      [@class or @id or contains(text(), '位置')]    (breadcrumbs; implied by extract_column's own test)
#   //*[self::div or self::p or self::td or self::span or self::h3 or self::strong]
#      [contains(translate(@class, 'TITLE', 'title'), 'title') or ... @id ...]    (title elements)
#   //body//text()[not(ancestor::script) and not(ancestor::style)]                 (visible text)
CRUMB_TAGS = ("div", "p", "span", "td", "nav", "ol", "ul")
TITLE_TAGS = ("div", "p", "td", "span", "h3", "strong")
_TITLE_CASE = str.maketrans("TITLE", "title")  # what XPath translate(@class, 'TITLE', 'title') does


@lru_cache(maxsize=4096)  # pages of a site repeat the same class and id values
def _is_crumb_attrs(attrs: str) -> bool:
    return _CRUMB_ATTR.search(attrs) is not None


def _title_elements(root: _Element) -> list[_Element]:
    return [
        el
        for el in root.iter(*TITLE_TAGS)
        if "title" in (el.get("class") or "").translate(_TITLE_CASE)
        or "title" in (el.get("id") or "").translate(_TITLE_CASE)
    ]


PAGE_TEXT_MAX_CHARS = 40_000  # labels sit near the article head; very long pages are cut here


def _visible_text(root: _Element, bodies: list[_Element] | None = None) -> list[str]:
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


def extract_column(root: _Element, tags: dict[str, str], default: str | None) -> str | None:
    """Return the column: meta ColumnName, else the breadcrumb's last part, else the registry default."""
    for key in META_COLUMN:
        if tags.get(key):
            return tags[key]
    for el in root.iter(*CRUMB_TAGS):
        cls, id_ = el.get("class"), el.get("id")
        crumb_attr = (cls is not None or id_ is not None) and _is_crumb_attrs(f"{cls or ''} {id_ or ''}")
        label = el.text or ""
        if not crumb_attr and not ("位置" in label and BREADCRUMB_LABEL.match(label)):
            continue
        text = _clean(text_of(el))
        if not text or len(text) > 120:
            continue
        if crumb_attr or BREADCRUMB_LABEL.match(text):
            parts = [p for p in BREADCRUMB_SPLIT.split(BREADCRUMB_LABEL.sub("", text)) if p]
            parts = [p for p in parts if p not in BREADCRUMB_GENERIC]
            if parts and len(parts[-1]) <= 12 and len(parts) >= 1 and BREADCRUMB_SPLIT.search(text):
                return parts[-1]
    return default


@dataclass(frozen=True)
class PageFacts:
    """What extract_meta reads from the whole page tree: read before extraction prunes the tree in place."""

    tags: dict[str, str]
    page_text: str  # visible text, cut at PAGE_TEXT_MAX_CHARS, spaces collapsed
    title: str
    h1_texts: list[str]
    base: str | None  # <base href>
    labelled_anchors: list[tuple[str, str]]  # (href, text) of links labelled 附件 anywhere on the page
    column: str | None  # meta ColumnName or the breadcrumb's last part; None: the registry default
    page_titles: set[str] | None = None  # boilerplate.page_titles(root), for extract_content


# The few-per-page elements read_page_facts reads, gathered in one walk over the tree.
FACT_TAGS: tuple[str, ...] = (*PAGE_TITLE_TAGS, "h2", "base", "body")


def read_page_facts(root: _Element) -> PageFacts:
    """Return what extract_meta needs from the whole page tree (so extraction may then change the tree)."""
    found = elements_by_tag(root, FACT_TAGS)
    tags = read_meta_tags(root, found["meta"])
    return PageFacts(
        tags=tags,
        page_text=_clean(" ".join(_visible_text(root, found["body"]))[:PAGE_TEXT_MAX_CHARS]),
        title=extract_title(root, tags, found),
        h1_texts=[text_of(h) for h in found["h1"]],
        base=_base_href(root, found["base"]),
        labelled_anchors=_labelled_anchors(root),
        column=extract_column(root, tags, None),
        page_titles=page_titles(root, found),
    )


def extract_meta(
    root: _Element | None,
    content: _Element | None,
    lines: list[str],
    url: str,
    column_default: str | None,
    *,
    facts: PageFacts | None = None,
) -> Meta:
    """Return the page's Meta from the full page tree (or its facts read earlier), the content element
    and the content lines."""
    if facts is None:
        if root is None:
            return Meta(column=column_default)
        facts = read_page_facts(root)
    tags, page_text, title = facts.tags, facts.page_text, facts.title
    return Meta(
        title=title,
        published_at=extract_date(page_text, tags, lines, url),
        issuer=extract_issuer(page_text, tags, lines),
        doc_number=extract_doc_number(page_text, title, lines, facts.h1_texts),
        attachments=_attachments(facts.base or url, _anchors(content), facts.labelled_anchors),
        column=facts.column if facts.column is not None else column_default,
    )
