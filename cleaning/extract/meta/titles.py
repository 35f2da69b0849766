"""The article title: never a breadcrumb, site or column name; meta markup stripped; <title> and headings reconciled.

Candidates: the meta title (ArticleTitle, og:title, twitter:title; raw markup such as <div> or <br> stripped), the
<title> with its site-name suffix removed, h1-h3 and title-class elements, and the list row's title. A heading
that agrees with the <title> wins; the list row breaks ties and checks the result, and a disagreement is flagged.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from cleaning.extract.meta.facts import BREADCRUMB_GENERIC, BREADCRUMB_LABEL, BREADCRUMB_SPLIT, PageFacts, clean_space

META_TITLE_KEYS = ("articletitle", "og:title", "twitter:title")
# Separators between article title and site name in <title>: 关于...的通知_通知公告_青州市民政局.
TITLE_SEPARATORS = re.compile(
    r"\s*(?:_|\||｜|——|--|—|\s-\s|\s–\s|-(?=[^-]*(?:民政|协会|協會|政府|网|網|局|厅|廳|部|纪检|紀檢|头条|頭條)[^-]*$))\s*"
)  # noqa: E501
MIN_TITLE_CHARS = 5
# A <title> segment naming the site or column rather than the article.
SITE_NAME = re.compile(
    r"民政|协会|協會|政府|网|網|局$|厅$|廳$|部$|中心$|门户|首页|首頁|通知公告|工作动态|新闻|官网|纪检|紀檢|头条|頭條"
)  # noqa: E501
# Names of a site, unit or platform (青州市民政局, 某某市社会工作协会, 政府信息公开, 新华网): short, ending so.
SITE_LIKE = re.compile(
    r"^.{0,18}(?:局|厅|廳|部|委|委员会|委員會|办公室|辦公室|协会|協會|学会|學會|基金会|基金會|中心|政府|人民政府|"
    r"网|網|网站|網站|门户|門戶|门户网站|频道|頻道|平台|信息公开|信息公開|政府信息公开|百科|官网|官網|首页|首頁)$"
)  # noqa: E501
TITLE_WORDS = re.compile(
    r"关于|關於|通知|公告|通报|通報|决定|決定|意见|意見|办法|辦法|召开|召開|举办|舉辦|开展|開展|印发|印發"
)
# Column (栏目) names that are never an article's title.
GENERIC_COLUMNS: frozenset[str] = frozenset(
    "通知公告 通知公示 公示公告 工作动态 工作動態 政策文件 政策法规 政策解读 新闻中心 新闻动态 要闻 时政要闻 图片新闻 "
    "协会动态 协会新闻 行业动态 政务公开 信息公开 政府信息公开 专题专栏 党建纪检 热点排行 最新发布 近期文章 相关文章 "
    "文章归档 正文 详情 快资讯 新闻 资讯".split()
)  # noqa: E501
# An info line glued to a title-class element: 习近平主持召开…座谈会 来源：新华社 作者： 2023-12-01
INFO_TAIL = re.compile(
    r"\s+(?:来源|來源|作者|发布时间|發布時間|发布日期|时间|時間|日期|浏览|瀏覽|点击|點擊)\s*[:：].*$"
)
_MARKUP = re.compile(r"<[^>]*>")
_NOT_WORD = re.compile(r"[\W_]+")
_TRUNCATED = re.compile(r"(?:…|\.\.\.|。。。)$")
CRUMB_COLUMN_MAX_CHARS = 12  # a longer last breadcrumb part is the article title itself
LISTED_AGREE_SHARE = 0.5  # bigram overlap above which a list row's (reworded) title agrees with the page's


@dataclass(frozen=True)
class TitleChoice:
    """The chosen title, where it came from, and flags (listed_title_mismatch, title_from_list)."""

    title: str
    source: str | None
    flags: tuple[str, ...] = ()


def norm(text: str) -> str:
    """Return text without whitespace and punctuation, for comparing titles."""
    return _NOT_WORD.sub("", text).lower()


def strip_markup(text: str) -> str:
    """Return a meta title without the raw markup some CMSs leave in it (<div ...>, <br>, <p>)."""
    return clean_space(_MARKUP.sub("", text))


def title_segments(title: str) -> list[str]:
    """Return the <title> split at its separators (关于...的通知_通知公告_青州市民政局 -> three parts)."""
    return [p for p in TITLE_SEPARATORS.split(clean_space(title)) if p]


def strip_site_suffix(title: str) -> str:
    """Return a <title> without the site name: 关于...的通知_青州市民政局 -> 关于...的通知."""
    parts = title_segments(title)
    while len(parts) > 1 and SITE_NAME.search(parts[-1]):
        parts.pop()
    if not parts:
        return ""
    return parts[0] if len(parts[0]) >= MIN_TITLE_CHARS or len(parts) == 1 else clean_space(title)


def is_not_title(text: str, facts: PageFacts) -> bool:
    """Return True for a breadcrumb, a site or unit name, a column name, or an empty string."""
    if len(norm(text)) < 2:
        return True
    if BREADCRUMB_LABEL.match(text):
        return True
    parts = BREADCRUMB_SPLIT.split(text)
    if len(parts) >= 3 and all(len(p) <= CRUMB_COLUMN_MAX_CHARS for p in parts):  # 首页 > 政务公开 > 通知公告
        return True
    # a breadcrumb's parts name columns, except a last part that is the article's own (long) title
    crumbs = set(facts.crumbs[:-1]) | {c for c in facts.crumbs[-1:] if len(c) <= CRUMB_COLUMN_MAX_CHARS}
    names = facts.site_names | {facts.column or ""} | crumbs
    if text in names or text in GENERIC_COLUMNS or text in BREADCRUMB_GENERIC:
        return True
    return bool(SITE_LIKE.match(text)) and not TITLE_WORDS.search(text)


def _meta_title(facts: PageFacts) -> tuple[str, str] | None:
    for key in META_TITLE_KEYS:
        value = facts.tags.get(key)
        if not value:
            continue
        value = strip_markup(value)
        if key != "articletitle":  # og:title often repeats the <title> with its suffixes
            value = _strip_against(value, facts)
        if not is_not_title(value, facts):
            return value, "meta"
    return None


def _strip_against(value: str, facts: PageFacts) -> str:
    """Return a meta title without trailing segments naming the site, the column or a tag (og:title often
    repeats the <title> with them: 悲壮！…提前离场_尼克斯_季后赛_步行者)."""
    parts = title_segments(value)
    if len(parts) <= 1:
        return value
    while len(parts) > 1 and _is_suffix(parts[-1], facts):
        parts.pop()
    if len(parts) == 1 and len(parts[0]) >= MIN_TITLE_CHARS:
        return parts[0]
    return strip_site_suffix(value)


_DOMAIN = re.compile(r"^[\w.-]+\.(?:com|cn|net|org|gov|edu)(?:\.cn)?$", re.I)  # 1905.com, CAIJING.COM.CN
SUFFIX_MAX_CHARS = 12  # a short trailing <title> part without title words is a tag or a column


def _is_suffix(segment: str, facts: PageFacts) -> bool:
    if SITE_NAME.search(segment) or _DOMAIN.match(segment) or is_not_title(segment, facts):
        return True
    return len(segment) <= SUFFIX_MAX_CHARS and not TITLE_WORDS.search(segment)


def choose_title(facts: PageFacts, text_start: int, listed: str | None) -> TitleChoice:
    """Return the page's title from its meta, <title>, headings and list row, checked against the list row."""
    title, source = _page_title(facts, text_start, listed)
    flags: tuple[str, ...] = ()
    if listed:
        if not title:
            return TitleChoice(clean_space(_TRUNCATED.sub("", listed)), "listed", ("title_from_list",))
        if not listed_agrees(listed, title):
            flags = ("listed_title_mismatch",)
    return TitleChoice(title, source, flags)


def listed_agrees(listed: str, title: str) -> bool:
    """Return True when a list row's title (maybe cut short with …) names the same notice as the page's."""
    nl, nt = norm(_TRUNCATED.sub("", listed.strip())), norm(title)
    if not nl or not nt:
        return True  # nothing to compare
    if nl in nt or nt in nl:
        return True
    a, b = _bigrams(nl), _bigrams(nt)
    return bool(a and b) and len(a & b) / min(len(a), len(b)) >= LISTED_AGREE_SHARE


def _bigrams(s: str) -> set[str]:
    return {s[i : i + 2] for i in range(len(s) - 1)}


NEAR_TEXT_CHARS = 400  # a heading this close before the text is its title (the info line lies between)
INFO_START = re.compile(
    r"^(?:来源|來源|作者|发布时间|發布時間|发布日期|时间|時間|日期|浏览|瀏覽|点击|點擊|字号|字體|字体)\s*[:：]"
)


def _page_title(facts: PageFacts, text_start: int, listed: str | None) -> tuple[str, str | None]:
    found = _meta_title(facts)
    if found:
        return found
    raw = facts.title_tag
    segments = [s for s in title_segments(raw) if not is_not_title(s, facts)]
    stripped = strip_site_suffix(raw)
    tag_title = stripped if stripped and not is_not_title(stripped, facts) else (segments[0] if segments else "")
    heads = _headings_before_text(facts, text_start)
    texts = [h for h, _ in heads]
    n_raw, n_tag = norm(raw), norm(tag_title)
    # a heading that is the <title> or one of its parts (also one the extractor kept inside the text)
    every = [*texts, *(h.text for h in facts.headings if h.text not in texts and not is_not_title(h.text, facts))]
    for seg in [tag_title, *segments]:
        if seg and (hit := next((h for h in every if norm(h) == norm(seg)), None)):
            return hit, "heading"
    # the list row, when it agrees with a heading or the <title>
    if listed:
        for cand in [*reversed(texts), tag_title]:
            if cand and len(norm(cand)) >= MIN_TITLE_CHARS and listed_agrees(listed, cand):
                return cand, "heading" if cand in texts else "title_tag"
    # a heading inside the <title> whose suffix went unrecognised: the longest
    inside = [h for h in texts if len(norm(h)) >= MIN_TITLE_CHARS and norm(h) in n_raw]
    if inside:
        return max(inside, key=len), "heading"
    # the <title> as the start of a heading with more glued on (第二章 失乡号的船长241)
    if len(n_tag) >= MIN_TITLE_CHARS and not _TRUNCATED.search(tag_title):
        if any(norm(h).startswith(n_tag) for h in texts):
            return tag_title, "title_tag"
    # a truncated <title> (关于调整2024年全市城乡最低…) completed by a heading
    if _TRUNCATED.search(stripped) and (cut := norm(_TRUNCATED.sub("", stripped))):
        if hit := next((h for h in texts if norm(h).startswith(cut)), None):
            return hit, "heading"
    # the heading right before the text, when the <title> agrees with no heading (it names the site)
    close = [h for h, at in heads if len(norm(h)) >= MIN_TITLE_CHARS and 0 <= text_start - at <= NEAR_TEXT_CHARS]
    if close and text_start >= 0:
        return close[-1], "heading"
    if tag_title:
        return tag_title, "title_tag"
    longish = [h for h in texts if len(norm(h)) >= MIN_TITLE_CHARS]
    if longish:
        return longish[-1], "heading"
    # last resort: an <h1> anywhere (the text's start may have been placed too early)
    h1 = [h.text for h in facts.headings if h.kind == "h1" and not is_not_title(h.text, facts)]
    return (h1[0], "heading") if h1 else ("", None)


def _headings_before_text(facts: PageFacts, text_start: int) -> list[tuple[str, int]]:
    """Return the title-like headings (info tails cut, non-titles dropped) before the text, with their offset."""
    out = []
    for h in facts.headings:
        text = INFO_TAIL.sub("", h.text)
        if INFO_START.match(text) or is_not_title(text, facts):
            continue
        probe = text[:8]  # a heading broken by <br> or <span> is found by its first characters
        at = facts.page_text.rfind(probe, 0, text_start) if text_start > 0 else facts.page_text.find(probe)
        if at < 0:
            continue  # after the text start (a sidebar's or the next article's heading), or not found at all
        out.append((text, at))
    return out
