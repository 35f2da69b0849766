"""The chrome pass: remove what is never article text before any block is scored.

Tags that never hold text (script, nav, footer ...), small forms, hidden blocks and elements whose id or
class names chrome (navbar, breadcrumb, friendlink, dqwz ...), unless such a wrapper holds most of the page;
then what the text itself names as chrome: comment sections under their heading (网友评论, 热门跟帖 …) and
small notice boxes (a wiki maintenance box, a comment policy). The tables are data, one comment per entry.
"""

from __future__ import annotations

import re
from functools import lru_cache

import lxml.etree
from lxml.etree import _Element

from cleaning.extract.html import count_han, drop_keep_tail, text_of

# -- chrome named by its own text -------------------------------------------------------------------------
# The heading of a comment section, as an element's whole text (spaces removed), with an optional count:
# 网友评论 / 热门跟帖（12） / 全部评论 32条 / 我来说两句. (留言 alone is left out: a gov 留言 page's letter is
# its content.)
COMMENT_HEADING = re.compile(
    r"^(网友评论|網友評論|网友跟帖|热门跟帖|熱門跟帖|最新跟帖|全部跟帖|热门评论|熱門評論|最新评论|最新評論|全部评论|全部評論|"
    r"精彩评论|精彩評論|用户评论|用戶評論|读者评论|讀者評論|读者留言|讀者留言|文章评论|评论区|評論區|评论列表|评论|評論|跟帖|"
    r"发表评论|發表評論|我要评论|我要評論|我来说两句|我來說兩句)"
    r"([(（\[]?\s*(共\s*)?\d+\s*(条|條|人参与|人參與)?\s*[)）\]]?|[:：])?$"
)
COMMENT_HEADING_MAX = 20  # characters: a heading, not a sentence about comments
# The opening words of a small notice box, at the start of its text: never part of an article.
NOTICE_BOX_START = re.compile(
    # 本条目需要补充更多来源 / 此条目介绍的是… / 本词条缺少概述图 (wiki and encyclopedia maintenance boxes)
    r"^(本|此|这|這)(条目|條目|词条|詞條|页面|頁面|列表)(需要|需|可能|存在|没有|沒有|缺少|缺乏|的内容|的內容|的语调|的語調|"
    r"的准确性|的準確性|已被|正在|是一篇|介绍的是|介紹的是|讲述的是|講述的是)"
    # 评论须知 / 跟帖须知 / 留言规则 / 网友评论仅供其表达个人看法 (comment policies)
    r"|^(评论须知|評論須知|跟帖须知|跟帖須知|留言须知|留言須知|发言须知|評論規則|评论规则|跟帖规则|留言规则|留言規則|评论公约|"
    r"跟帖评论自律|网友评论仅供|網友評論僅供|用户评论服务|评论服务协议)"
)
# ... or anywhere in a small box: 网友评论仅代表其个人观点 / 所有跟帖只代表网友个人观点 (a comment disclaimer)
NOTICE_BOX_ANYWHERE = re.compile(
    r"(评论|評論|跟帖|留言|发言|發言)(内容|內容)?\S{0,4}(仅|僅|只)(代表|供).{0,12}(个人|個人|本人|网友|網友)"
)
NOTICE_BOX_MAX_HAN = 300  # a notice box is small; an article that happens to start so is not removed
# A site footer's words: a block holding one never counts as the article's text when the main block is
# chosen (it still renders if it sits inside the chosen block: the line rules judge it there). 主办单位 is
# left out: an event notice names its organisers.
FOOTER_TEXT = re.compile(
    r"版权所有|版權所有|Copyright|©|ICP备|ICP證|ICP证|公网安备|公網安備|网站标识码|網站標識碼|技术支持[:：]|技術支持[:：]|"
    r"网站地图|網站地圖"
)
FOOTER_BLOCK_MAX_HAN = 150  # a footer block is short; a long block that mentions 版权所有 is text
# A forum poster's profile panel: its labels (帖子 698, 积分 9108, 注册时间 2024-06-15), one per text node with
# an optional number or date; a small box holding PROFILE_MIN_LABELS different ones is the panel.
PROFILE_LABEL = re.compile(
    r"^\s*(帖子|主题|主題|积分|積分|注册时间|註冊時間|UID|在线时间|在線時間|最后登录|最後登錄|精华|精華|威望|金钱|金錢|贡献|貢獻|"
    r"阅读权限|閱讀權限|用户组|用戶組|发消息|發消息|加好友|听众|聽眾|收听|收聽|好友|回帖|发帖|發帖)"
    r"\s*[:：]?\s*[\d\-/: ]*$"
)
PROFILE_MIN_LABELS = 3
PROFILE_MAX_HAN = 60
# Reader comments without a heading: at least COMMENT_ITEMS_MIN sibling items, each with a time (3小时前,
# 2024-05-12 10:23) and a button (回复, 赞(12), 举报), after an article (ARTICLE_BEFORE_HAN Han characters in
# sentences earlier on the page; a forum thread's posts look alike but nothing precedes them).
COMMENT_ACTION = re.compile(r"^\s*(回复|回覆|赞|讚|点赞|點讚|顶|踩|举报|舉報)\s*([(（]\s*\d+\s*[)）]|\d+)?\s*$")
COMMENT_TIME = re.compile(
    r"\d+\s*(秒|分钟|分鐘|小时|小時|天|周|週|个月|個月)前|刚刚|剛剛|昨天|前天|"
    r"(19|20)\d{2}[-/.年]\d{1,2}[-/.月]\d{1,2}日?\s*\d{1,2}:\d{2}|\b\d{1,2}-\d{1,2}\s+\d{1,2}:\d{2}"
)
COMMENT_ITEMS_MIN = 3
ARTICLE_BEFORE_HAN = 50
_SENTENCE = re.compile(r"[^。！？!?\n]{6,}[。！？]")
# What a page's text must hold for prune_text_chrome to look at its text nodes one by one (most pages: nothing).
# (literals only: the regex engine skips ahead on them, ten times faster than a leading character class)
_TEXT_CHROME_HINT = re.compile(
    "|".join(
        "本条目 此条目 这条目 這條目 本條目 此條目 本词条 此词条 本詞條 此詞條 "
        "本页面 此页面 本頁面 此頁面 本列表 此列表 "
        "须知 須知 规则 規則 公约 自律 仅代表 僅代表 只代表 仅供 僅供 评论 評論 跟帖 我来说 我來說 读者留言 讀者留言 "
        "积分 積分 注册时间 註冊時間 帖子 UID 威望 回复 回覆 举报 舉報 点赞 點讚".split()
    )
)
_BOX_TAGS = frozenset("div p td th tr tbody table section aside li ul ol dl dd dt span center blockquote".split())

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
    "pinglun",  # pinglun = 评论 (comments)
    "gentie",  # gentie = 跟帖 (comments)
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
        "cmt",  # class="cmt-list" (comments)
        "cmts",  # id="cmts"
        "navbox",  # class="navbox" (a wiki's navigation box under the article)
        "ambox",  # class="ambox" (a wiki's article message box: 本条目需要补充来源)
        "hatnote",  # class="hatnote" (a wiki's 此条目介绍的是… note)
        "editsection",  # class="mw-editsection" (a wiki heading's [编辑] link)
        "noprint",  # class="noprint" (a wiki's screen-only boxes)
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
    prune_text_chrome(root)


def prune_text_chrome(root: _Element) -> int:
    """Remove comment sections under their heading and small notice boxes (by their text); return how many."""
    page_text = text_of(root)
    present = {m.group() for m in _TEXT_CHROME_HINT.finditer(page_text)}  # one pass over the text, in C
    if not present:  # most pages
        return 0
    # only the text nodes holding one of the words found, selected by XPath in C
    query = "//text()[" + " or ".join(f"contains(., '{word}')" for word in sorted(present)) + "]"
    found: list[_Element] = []
    panels: set[_Element] = set()
    item_parents: set[_Element] = set()  # parents whose children were judged as comment items already
    for node in root.xpath(query):  # in document order
        owner = node.getparent()
        if owner is None:
            continue
        if not node.is_tail and COMMENT_ACTION.match(node):
            found += _comment_items(owner, item_parents, page_text)
            continue
        if PROFILE_LABEL.match(node):
            panel = _profile_panel(owner)
            if panel is not None and panel not in panels:
                panels.add(panel)
                found.append(panel)
            continue
        el = owner.getparent() if node.is_tail else owner
        if el is None:
            continue
        text = node.strip()
        if len(text) <= COMMENT_HEADING_MAX and COMMENT_HEADING.match(_SPACES.sub("", text)) and not node.is_tail:
            found += _comment_section(owner)
        elif NOTICE_BOX_START.match(text) or NOTICE_BOX_ANYWHERE.search(text):
            box = _notice_box(el, text)
            if box is not None:
                found.append(box)
    removed = 0
    gone: set[_Element] = set()
    for el in found:
        if el in gone or any(anc in gone for anc in el.iterancestors()):
            continue
        gone.add(el)
        drop_keep_tail(el)
        removed += 1
    return removed


_SPACES = re.compile(r"\s+")


def _starts_with_only(el: _Element, child: _Element) -> bool:
    """Return True when child is el's first element and no text comes before it."""
    return not (el.text or "").strip() and next(iter(el), None) is child


def _comment_section(heading: _Element) -> list[_Element]:
    """Return what a comment heading opens: the wrapper that starts with it, or the heading and what follows.

    The heading climbs through wrappers that begin with it (div.cmt > div.hd > h3); a wrapper holding
    more than the heading is the section. A bare heading line (a <p> after the article's paragraphs) takes
    its following siblings with it: the comments under it.
    """
    if _SPACES.sub("", text_of(heading)) != _SPACES.sub("", heading.text or ""):
        return []  # the element holds more than the heading
    anchor = heading
    while (parent := anchor.getparent()) is not None and parent.tag not in ("body", "html"):
        if not _starts_with_only(parent, anchor):
            break
        anchor = parent
        if len(_SPACES.sub("", text_of(anchor))) > COMMENT_HEADING_MAX:
            return [anchor]  # the wrapper holds the comments too
    return [anchor, *(sib for sib in anchor.itersiblings() if isinstance(sib.tag, str))]


def _comment_items(button: _Element, judged: set[_Element], page_text: str) -> list[_Element]:
    """Return the reader-comment items a comment button (回复, 赞(3)) sits in, when COMMENT_ITEMS_MIN sibling
    items of one tag each hold a time and a button and an article's sentences come before them; else []."""
    item = button
    for _ in range(6):
        parent = item.getparent()
        if parent is None or parent.tag in ("body", "html"):
            return []
        if parent in judged:
            return []
        siblings = [c for c in parent if c.tag == item.tag]
        if len(siblings) >= COMMENT_ITEMS_MIN:
            items = [c for c in siblings if _looks_like_comment(c)]
            if len(items) >= COMMENT_ITEMS_MIN:  # (else the button's own bar or item: climb on)
                judged.add(parent)
                return items if _article_before(items[0], page_text) else []
        item = parent
    return []


def _looks_like_comment(el: _Element) -> bool:
    """Return True for an element holding a time and a comment button."""
    return COMMENT_TIME.search(text_of(el)) is not None and any(COMMENT_ACTION.match(t) for t in el.itertext())


def _article_before(el: _Element, page_text: str) -> bool:
    """Return True when sentences of ARTICLE_BEFORE_HAN Han characters precede el's text on the page."""
    head = text_of(el).strip()[:30]
    at = page_text.find(head) if head else -1
    if at <= 0:
        return False
    return sum(count_han(m) for m in _SENTENCE.findall(page_text, 0, at)) >= ARTICLE_BEFORE_HAN


def _profile_panel(el: _Element) -> _Element | None:
    """Return the largest small box around el holding PROFILE_MIN_LABELS different profile labels, or None."""
    panel = None
    for _ in range(5):  # a panel nests its labels a few levels deep (td > dl > dt)
        if el is None or el.tag in ("body", "html"):
            break
        text = text_of(el)
        if count_han(text) > PROFILE_MAX_HAN:
            break
        labels = {m.group(1) for m in map(PROFILE_LABEL.match, _lines_of(el)) if m}
        if len(labels) >= PROFILE_MIN_LABELS:
            panel = el
        el = el.getparent()
    return panel


def _lines_of(el: _Element) -> list[str]:
    """Return the element's text nodes, stripped (a panel's labels and values each sit in their own)."""
    return [t.strip() for t in el.itertext() if t.strip()]


def _notice_box(el: _Element, opening: str) -> _Element | None:
    """Return the largest box around el whose text starts with opening and holds few Han characters."""
    box = None
    head = opening[:8]
    while el is not None and el.tag in _BOX_TAGS:
        text = text_of(el).lstrip()
        if not text.startswith(head) or count_han(text) > NOTICE_BOX_MAX_HAN:
            break
        box, el = el, el.getparent()
    return box
