"""The chrome pass: remove what is never article text before any block is scored.

Tags that never hold text (script, nav, footer ...), small forms, hidden blocks and elements whose id or
class names chrome (navbar, breadcrumb, friendlink, dqwz ...), unless such a wrapper holds most of the page.
The tables are data, one comment per entry.
"""

from __future__ import annotations

import re
from functools import lru_cache

import lxml.etree
from lxml.etree import _Element

from cleaning.extract.html import count_han, drop_keep_tail, text_of

# Tags never part of the article text.
DROP_TAGS: frozenset[str] = frozenset(
    "script style noscript iframe nav header footer aside select option button input textarea object "
    "embed svg canvas template map area link meta head title rt rp video audio".split()
)
FORM_MAX_HAN = 200  # ASP.NET pages wrap everything in <form>; only small forms (search boxes) are chrome
# display:none only: WeChat articles ship their text as visibility:hidden until a script shows it.
HIDDEN_STYLE = re.compile(r"display\s*:\s*none", re.I)
KEEP_WRAPPER_HAN = 200  # a chrome-looking wrapper holding at least this many Han characters ...
KEEP_WRAPPER_SHARE = 0.4  # ... and this share of the page is the article itself, not chrome

# id/class substrings that mark chrome wherever they appear (navbar, mainnav, footerbox, friendlink...).
BOILERPLATE_SUBSTRINGS: tuple[str, ...] = (
    "nav",  # navbar, topnav, mainnav
    "menu",  # menu, submenu
    "footer",  # footer, page-footer
    "breadcrumb",  # breadcrumb
    "crumb",  # crumbs, crumb-trail
    "copyright",  # copyright
    "friend",  # friendlink, friend-links
    "share",  # share, bdsharebuttonbox
    "qrcode",  # qrcode, qrcode-box
    "erweima",  # erweima (二维码)
    "sidebar",  # sidebar
    "pagination",  # pagination
    "dqwz",  # dqwz = 当前位置 (pinyin initials, common on gov CMS templates)
    "yqlj",  # yqlj = 友情链接
    "bqsy",  # bqsy = 版权所有
    "fenxiang",  # fenxiang = 分享
    "prevnext",  # prevnext, prev-next is caught by the tokens below
    "sxp",  # sxp = 上下篇
)
# id/class tokens (split on non-letters) that mark chrome only as whole words: "link" not "linkage".
BOILERPLATE_TOKENS: frozenset[str] = frozenset(
    {
        "link",  # class="link"
        "links",  # class="links"
        "position",  # class="position" (当前位置 bar)
        "location",  # class="location"
        "banner",  # class="banner"
        "ad",  # class="ad"
        "ads",  # class="ads"
        "advert",  # class="advert"
        "comment",  # class="comment"
        "comments",  # id="comments"
        "related",  # class="related"
        "recommend",  # class="recommend"
        "toolbar",  # class="toolbar"
        "tools",  # class="article-tools" (打印 关闭)
        "print",  # class="print"
        "pager",  # class="pager"
        "login",  # class="login"
        "search",  # class="search"
        "header",  # class="header"
        "foot",  # class="foot"
        "bottom",  # class="bottom" (site footer on many gov templates)
        "prev",  # class="prev-next"
        "gotop",  # class="gotop"
    }
)
_TOKEN_SPLIT = re.compile(r"[^a-z]+")
# One pass over id/class values: any substring, or a token as a whole word.
_CHROME_ATTR = re.compile(
    "|".join(map(re.escape, BOILERPLATE_SUBSTRINGS))
    + r"|(?<![a-z])(?:"
    + "|".join(sorted(BOILERPLATE_TOKENS, key=len, reverse=True))
    + r")(?![a-z])"
)


@lru_cache(maxsize=8192)  # pages of a site repeat the same id/class values
def _is_chrome_attrs(attrs: str) -> bool:
    attrs = attrs.lower()
    return bool(attrs.strip()) and _CHROME_ATTR.search(attrs) is not None


# Nodes prune_chrome drops whatever they hold: comments, processing instructions, entities, DROP_TAGS.
_DROP_NODES = (lxml.etree.Comment, lxml.etree.ProcessingInstruction, lxml.etree.Entity, *sorted(DROP_TAGS))


def prune_chrome(root: _Element) -> None:
    """Remove chrome in place: DROP_TAGS, small forms, hidden blocks and id/class matches."""
    for head in list(root.iter("head")):  # first, so its meta, link and title need no removal one by one
        drop_keep_tail(head)
    for el in list(root.iter(*_DROP_NODES)):
        drop_keep_tail(el)
    for form in list(root.iter("form")):
        if count_han(text_of(form)) < FORM_MAX_HAN:
            drop_keep_tail(form)
    total_han = 0  # the page's Han characters, counted when first needed
    doomed: set[_Element] = set()
    # Elements with an id, class or style, in document order (a loop here is faster than the XPath
    # //*[@id or @class or @style] and reads each attribute once).
    for el in root.iter(lxml.etree.Element):
        if not el.attrib:
            continue
        id_, cls, style = el.get("id"), el.get("class"), el.get("style")
        chrome = (id_ is not None or cls is not None) and _is_chrome_attrs(f"{id_ or ''} {cls or ''}")
        if not (chrome or (style is not None and HIDDEN_STYLE.search(style))) or el.tag in ("body", "html"):
            continue
        if doomed and any(anc in doomed for anc in el.iterancestors()):
            continue
        text = text_of(el)
        han = count_han(text) if len(text) >= KEEP_WRAPPER_HAN else 0  # short: surely chrome, no count needed
        if han >= KEEP_WRAPPER_HAN and not total_han:
            total_han = count_han(text_of(root)) or 1
        # A wrapper with a chrome-looking class that holds most of the page is the article itself.
        if not (han >= KEEP_WRAPPER_HAN and han > KEEP_WRAPPER_SHARE * total_han):
            doomed.add(el)
    for el in doomed:
        drop_keep_tail(el)
