"""Main-content extraction for Chinese government and association pages, on lxml.

Passes: drop chrome by tag, id/class and hidden style, and the blocks a learned site template marks as
recurring; pick the block with the most dense Chinese text net of link and menu text (the lowest
container holding all dense blocks wins ties) and bring along the attachment list beside it; render one
line per paragraph (table rows as tab-joined cells); drop lines the site template marks as recurring
chrome; drop boilerplate lines by the anchor rules kept as data below (they act only on short lines, or
in the lead before the text / the tail after it); trim the lead and tail to what reads as part of the
notice.

Speed: each pass costs a walk over the tree or the lines in Python, so passes share what they can (one
walk scores every block and counts the Han characters under every element; a page's line features are
memoised) and cheap tests run before regexes.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import accumulate

import lxml.etree
from lxml.etree import _Element

HAN_RE = re.compile("[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_NON_HAN_RUN = re.compile("[^\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
ZH_PUNCT_RE = re.compile("[，。、；：？！“”《》（）]")
SENTENCE_PUNCT_RE = re.compile("[，。；！？]")

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

# Elements that start a new line when rendered.
BLOCK_TAGS: frozenset[str] = frozenset(
    "p div section article main h1 h2 h3 h4 h5 h6 li ul ol dl dt dd table tbody thead tfoot tr td th "
    "blockquote pre center form fieldset figure figcaption address hr body html".split()
)
# Containers that may be chosen as the main content block; a winning paragraph brings its parent,
# so signature and date lines beside a one-paragraph notice stay.
CONTAINER_TAGS: frozenset[str] = frozenset(
    "div section article main td body table tbody center form blockquote".split()
)

PARAGRAPH_MIN_HAN = 10  # a block with fewer Han characters is a label or menu item
LINK_LIST_DENSITY = 0.6  # sub-blocks with more link text than this are lists of links
TEASER_LINK_HAN = 6  # a headline link of at least this many Han characters ...
TEASER_MIN_ITEMS = 3  # ... repeated at least this many times (same tag and class) ...
TEASER_MAX_DEPTH = 4  # ... within this many levels above the summary
TEASER_ITEM_FACTOR = 2  # ... in an item holding little more than the summary marks a teaser
DENSE_PLAIN_HAN = 20  # a line without sentence marks needs this many Han characters to read as text
STRONG_MIN_HAN = 15  # a line with a sentence mark and this many Han characters starts the text ...
STRONG_LONG_HAN = 30  # ... as does any line with this many
LEAD_KEEP = 6  # non-dense lead lines in a row kept before the first strong line (salutation, 文号)
LEAD_MIN_HAN_SHARE = 0.3  # a lead line is mostly Chinese text, not a date, counter or byline
TRAIL_KEEP = 8  # short non-dense lines kept after the last dense line (attachments, signature, date)
SHORT_LINE = 60  # anchor phrases act on lines at most this long (characters)
HEAD_LINES = 3  # ... or within the first lines
TAIL_LINES = 4  # ... or within the last lines
ATTACHMENT_BLOCK_MAX_HAN = 400  # an attachment list beside the text is small
ATTACHMENT_EXTS: frozenset[str] = frozenset("doc docx pdf xls xlsx zip rar wps et ppt pptx 7z txt ofd csv".split())

# Whole lines that are buttons or labels of a page's widgets, never text (compared without spaces
# and brackets): 播报 编辑 (baike), 收藏 / +关注 / 分享 (news apps), 返回 / 打印 / 关闭 (gov CMS).
UI_WORDS: frozenset[str] = frozenset(
    "播报 编辑 收藏 分享 关注 +关注 已关注 点赞 评论 举报 更多 展开 收起 展开全文 阅读全文 返回 返回顶部 打印 "
    "关闭 顶 踩 赞 转发 复制链接 微信 微博 QQ空间 QQ好友 朋友圈 扫一扫 播报文章 语音播报 收听 "
    "編輯 收藏 分享 關注 點讚 評論 檢舉 更多 展開 收起 返回 列印 關閉 回上一頁 回首頁 "
    "× ✕ ✖ | / - · > < >> <<".split()
)
_UI_STRIP = re.compile(r"[\s\[\]【】()（）]+")
_UI_MAX_CHARS = max(3, *map(len, UI_WORDS))
_SYMBOLS_ONLY = re.compile(r"^[\W_]+$")

# Line rules: (name, pattern, scope); a rule may take several entries. An alternation is fast to search
# only when each branch starts with a literal (or it is one character class), so mixed ones are split.
# Scopes:
#   "short"     short lines, or any line within the first/last lines of the text;
#   "lead"      short lines before the text starts (or within the first lines): bylines, info tables;
#   "tail"      short lines after the text ends (or within the last lines): editor and source credits;
#   "head_tail" short lines in the lead or the tail;
#   "cut"       like "short", and after the text's last third it also drops every line after it;
#   "endcut"    like "short", and once the text has started it also drops every line after it;
#   "anywhere"  a pattern specific enough to act on any line.
LINE_RULES: tuple[tuple[str, re.Pattern[str], str], ...] = (
    # 当前位置：首页 > 新闻中心 > 通知公告 / 當前位置 /首頁/活動總結 / ::: 目前位置：首頁 > 最新消息
    (
        "breadcrumb",
        re.compile(
            r"^[\s:：]*(当前位置|當前位置|目前位置|您的位置|您现在的位置|您現在的位置|您当前的位置|您目前的位置|所在位置|当前栏目|现在位置|位置[:：]\s*首页)"
        ),
        "short",
    ),  # noqa: E501
    # 首页 > 新闻中心 > 通知公告 (a bare trail without the label)
    ("breadcrumb", re.compile(r"^\s*(首页|首頁|网站首页|主页|主頁)\s*[>＞»›/\\]"), "short"),
    # 【字号：大 中 小】 / 字体：[大][中][小] / 字號：
    ("font_size", re.compile(r"字\s*[号號体體]\s*[:：]?\s*[\[【(（]?\s*[大中小]"), "short"),
    # 【打印本页】【关闭窗口】 / 列印本頁 / 返回顶部 / [打印] [关闭]
    (
        "print_close",
        re.compile(r"打印本页|打印本頁|列印本頁|关闭窗口|關閉窗口|关闭本页|返回顶部|返回頂部"),
        "short",
    ),
    ("print_close", re.compile(r"[\[【]\s*(打印|关闭|關閉|列印)\s*[\]】]"), "short"),
    # 上一篇：东田中心小学...下一篇：寻找妈妈的寻人启事
    (
        "prev_next",
        re.compile(
            r"^\s*[\[【]?\s*(上一篇|下一篇|上一條|下一條|上一条|下一条|上篇|下篇|上一則|下一則)\s*[\]】]?\s*[:：]?"
        ),
        "endcut",
    ),  # noqa: E501
    # 分享到：微信 微博 QQ空间
    ("share", re.compile(r"^\s*(分享到|分享至|分享：|分享:|分享給|分享给)"), "short"),
    # 扫一扫在手机打开当前页 / 微信扫一扫 / 扫码关注
    ("share", re.compile(r"扫一扫|掃一掃|扫码|掃碼|关注公众号|關注公眾號|用手机看|手机扫描"), "short"),
    # 友情链接 / 友情鏈接
    ("friend_links", re.compile(r"^\s*(友情链接|友情鏈接|相关链接|相關鏈接)"), "endcut"),
    # 相关文章 / 相关阅读 / 推荐阅读 / 热点推荐 / 猜你喜欢 / 大家都在看
    (
        "related",
        re.compile(
            r"^\s*(相关文章|相關文章|相关阅读|相關閱讀|相关新闻|相關新聞|相关推荐|相關推薦|推荐阅读|推薦閱讀|热点推荐|熱點推薦|热门推荐|熱門推薦|猜你喜欢|猜你喜歡|为你推荐|為你推薦|大家都在看|热门文章|熱門文章|延伸阅读|延伸閱讀|精彩推荐|精彩推薦)"
        ),
        "endcut",
    ),  # noqa: E501
    # 参考资料 / 参考文献 / 外部链接 (reference lists under encyclopedia articles)
    ("references", re.compile(r"^\s*(参考资料|參考資料|参考文献|參考文獻|外部链接|外部連結|参见|參見)\s*$"), "endcut"),
    # 主办单位：青州市民政局 承办单位：... / 版权所有 © 2024 / Copyright / 京ICP备05063546号
    (
        "footer",
        re.compile(
            r"主办单位|主辦單位|承办单位|承辦單位|版权所有|版權所有|Copyright|©|ICP备|ICP證|ICP证|网站标识码|網站標識碼|公网安备|公網安備|技术支持|技術支持|网站地图|網站地圖"
        ),
        "cut",
    ),  # noqa: E501
    # 地址：青州市...  邮编：262500  联系电话：0536-... (address+phone footer)
    ("footer_contact", re.compile(r"^\s*(地址|通讯地址|聯絡地址)\s*[:：].*(电话|電話|邮编|郵編)"), "short"),
    # 联系电话：0536-3221234  传真：...
    (
        "footer_contact",
        re.compile(r"^\s*(联系电话|聯繫電話|聯絡電話)\s*[:：]\s*[\d\-\s()（）]+(传真|傳真|邮编|郵編|$)"),
        "head_tail",
    ),  # noqa: E501
    # 首页 | 上一页 1 2 3 下一页 | 尾页 (pager under a list or a long article)
    ("pager", re.compile(r"上一页|下一页|尾页|下一頁|上一頁"), "cut"),
    # 免责声明：本内容来自...不代表...立场 / 平台声明 / 举报 / 作者其他文章
    (
        "disclaimer",
        re.compile(
            r"^\s*(免责声明|免責聲明|平台声明|平台聲明|声明[:：]|举报|舉報|作者其他文章|查看原图|特别声明|特別聲明)"
        ),
        "endcut",
    ),  # noqa: E501
    # 以上内容...为...用户上传并发布，本平台仅提供信息存储服务
    (
        "disclaimer",
        re.compile(r"仅提供信息存储|僅提供信息存儲|不代表本(站|网|網|平台)|观点仅代表作者|觀點僅代表作者"),
        "endcut",
    ),  # noqa: E501
    # 未经授权请勿转载 / 转载请注明出处 / 原文链接：
    (
        "copyright_notice",
        re.compile(
            r"未[经經].{0,12}(授权|授權|许可|許可).{0,10}(转载|轉載|使用)|转载请注明|轉載請註明|请勿转载|請勿轉載"
        ),
        "endcut",
    ),
    ("copyright_notice", re.compile(r"^\s*(原文链接|原文鏈接|本文链接|本文鏈接|原文地址)\s*[:：]"), "endcut"),
    # 本文来源：http://www.fanwen.example/hdzj/230418.html (a page's own URL under the text)
    (
        "source_url",
        re.compile(r"^\s*(本文来源|本文來源|文章来源|文章來源|来源网址|本文网址|本文網址)\s*[:：]\s*(https?://|www\.)"),
        "short",
    ),  # noqa: E501
    # 【责任编辑：王岚】 / 责任编辑：杨丹宇 / （编辑：小何） / [作者: 刘满仓 责任编辑:
    (
        "editor",
        re.compile(
            r"^\s*[\[【(（]?\s*(作者\s*[:：].{0,20})?(责任编辑|責任編輯|责编|責編|编辑|編輯|校对|校對|审核|審核|审校|監製|监制|编审|編審|值班编辑)\s*[:：|]"
        ),
        "tail",
    ),  # noqa: E501
    # 返回搜狐，查看更多 / 返回首页 / 返回列表
    (
        "back_link",
        re.compile(
            r"^\s*(返回搜狐|返回首页|返回首頁|返回列表|返回上一页|返回上一頁|回上一頁|回首頁|查看更多|点击查看|點擊查看)"
        ),
        "short",
    ),  # noqa: E501
    # 广告 / 广告通知：英国留学生注意了... (an ad slot labelled as such)
    ("ad", re.compile(r"^\s*(广告|廣告|推广|推廣)(\s|$|[:：]|\S{2,40}$)"), "short"),
    # 浏览次数：128 / 点击数：35 / 阅读量 / 點閱次數
    (
        "views",
        re.compile(
            r"(浏览次数|瀏覽次數|浏览量|瀏覽量|點閱次數|点击数|點擊數|点击量|點擊量|阅读次数|閱讀次數|访问量|訪問量|阅读量|閱讀量|点击|點擊)\s*[:：]"
        ),
        "short",
    ),  # noqa: E501
    ("views", re.compile(r"\d\s*(人阅读|人閱讀|次阅读|次閱讀|次浏览)"), "short"),
    # 发布时间：2024-03-05  来源：青州市民政局 (the info line under the title; meta reads it first)
    (
        "info_line",
        re.compile(
            r"(发布时间|發布時間|发布日期|發布日期|發佈日期|发文日期|更新时间|更新時間|信息来源|資訊來源|来源|來源|作者|编辑|編輯|类别|類別|时间|時間)\s*[:：]"
        ),
        "lead",
    ),  # noqa: E501
    # 2024-05-18 16:56发布于北京 / 发布于：北京市 / IP属地：广东 / 来自甘肃 (bylines on news apps)
    (
        "info_line",
        re.compile(
            r"^\s*((19|20)\d{2}[-/.年]\d{1,2}[-/.月]\d{1,2}日?\s*(\d{1,2}:\d{2}(:\d{2})?)?\s*(发布于.*)?|发布于\s*[:：]?.{0,12}|IP属地\s*[:：].{0,8}|来自\S{2,4}|原创\s*.{0,20})$"
        ),
        "lead",
    ),  # noqa: E501
    # 索引号：000014349/2024-00021  主题分类：慈善事业 (gov.cn 信息公开 table above the text)
    (
        "info_table",
        re.compile(
            r"^\s*(索引号|索 引 号|主题分类|主題分類|发文字号|發文字號|发布机构|發布機構|成文日期|生效日期|发文机关|發文機關|公开方式|主题词|主題詞|体裁分类|有效性|所属机构|信息分类|文\s*号|标\s*题|標\s*題)\s*[:：]"  # noqa: E501
        ),
        "lead",
    ),  # noqa: E501
    # 下面是语文迷为大家带来的关于...活动总结，希望对你有帮助。
    ("promo", re.compile(r"下面是.{0,80}希望[对對]?[你您大家]{1,2}.{0,6}(帮助|幫助)"), "anywhere"),
    # 本文由xx网整理 / 本文由小编整理发布
    ("promo", re.compile(r"^\s*本文由.{0,40}(整理|收集|發布|发布)"), "short"),
    # 更多xx范文请关注xx网 / 更多相关内容请关注
    ("promo", re.compile(r"^\s*更多.{0,40}(请关注|請關注|尽在|盡在)"), "short"),
)
# Lines a learned template must never drop, however often they recur on a site: dates, 文号,
# salutations (各区县民政局：), closing formulas, attachment labels, numbered headings (一、 （一） 第一条 1.).
PROTECTED_LINE = re.compile(
    r"^(各.{1,40}[:：]|.{0,30}[〔\[【［(（]\s*(19|20)\d{2}\s*[〕\]】］)）]\s*第?\s*\d{1,5}\s*[号號].{0,4}|"
    r"(特此|此复|此復|此致|敬礼|敬禮).{0,8}|附\s*件.{0,60}|([一二三四五六七八九十]+、|[（(][一二三四五六七八九十]+[）)]|第.{1,3}[条章节條]|\d{1,2}[.、．]).*|.{0,12}(19|20)\d{2}\s*[年\-/.]\s*\d{1,2}\s*[月\-/.]\s*\d{1,2}\s*日?)$"
)


@dataclass
class Extracted:
    """Content lines of a page, the chosen content element, and counts of lines dropped per rule."""

    lines: list[str]
    content: _Element | None
    dropped: dict[str, int] = field(default_factory=dict)


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
    texts = [text_of(a) for a in anchors]
    if sum(map(_non_space_len, texts)) / chars <= LINK_LIST_DENSITY:
        return False
    own_han = count_han(total) - sum(map(count_han, texts))
    return own_han < 20 and not any(map(is_attachment_link, anchors))


def is_attachment_link(a: _Element) -> bool:
    """Return True for an <a> whose href ends in an attachment extension (.doc .pdf .xls ...)."""
    href = (a.get("href") or "").lower().split("?")[0].split("#")[0]
    last = href.rsplit("/", 1)[-1]
    return "." in last and last.rsplit(".", 1)[-1] in ATTACHMENT_EXTS


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


def is_prose(line: str) -> bool:
    """Return True for a full sentence (has a comma, ends with 。！？): anchor phrases never drop those."""
    return line.endswith(("。", "！", "？", ".", "!", "?")) and ("，" in line or "," in line)


@lru_cache(maxsize=4096)  # the passes over one page's lines (template, rules, trim) test the same lines
def line_han(line: str) -> int:
    """Return the number of Han characters in a content line (count_han, memoised for the current page)."""
    return count_han(line)


def is_dense_line(line: str) -> bool:
    """Return True for a line that reads as running text: enough Han characters and punctuation."""
    han = line_han(line)
    return han >= PARAGRAPH_MIN_HAN and (bool(SENTENCE_PUNCT_RE.search(line)) or han >= DENSE_PLAIN_HAN)


def is_strong_line(line: str) -> bool:
    """Return True for a line that surely belongs to the text: a real sentence, or long Chinese.

    Table rows (tab-joined cells) never are: an info table (标题：…) above the text must not start it.
    """
    if "\t" in line:
        return False
    han = line_han(line)
    return han >= STRONG_LONG_HAN or (han >= STRONG_MIN_HAN and bool(SENTENCE_PUNCT_RE.search(line)))


def is_ui_line(line: str) -> bool:
    """Return True for a widget label (播报, 编辑, +关注, ×) or a line of symbols only."""
    if line_han(line) > _UI_MAX_CHARS:  # Han characters are never stripped: too long for any label
        return False
    bare = _UI_STRIP.sub("", line)
    return not bare or bare in UI_WORDS or bool(_SYMBOLS_ONLY.match(bare)) and len(bare) <= 3


def filter_lines(lines: list[str]) -> tuple[list[str], dict[str, int]]:
    """Return lines without boilerplate per LINE_RULES and UI_WORDS, and counts dropped per rule."""
    kept: list[str] = []
    dropped: dict[str, int] = {}
    n = len(lines)
    strong = [i for i, line in enumerate(lines) if is_strong_line(line)]
    first, last = (strong[0], strong[-1]) if strong else (n, -1)
    for i, line in enumerate(lines):
        if is_ui_line(line):
            dropped["ui"] = dropped.get("ui", 0) + 1
            continue
        short = len(line) <= SHORT_LINE
        head, tail = i < HEAD_LINES, i >= n - TAIL_LINES
        lead, after = (i < first, i > last) if strong else (head, tail)
        anchored, floating = _applicable_rules(short and not is_prose(line), head, tail, lead, after)
        if anchored.match(line) is None and not _search_any(floating, line):
            kept.append(line)  # the common case: no rule that may act here matches
            continue
        zone = {"head": head, "tail": tail, "lead": lead, "after": after}
        rule = _match_rule(line, short, zone, i >= n * 2 / 3 or i > last, i > first)
        if rule is None:
            kept.append(line)
            continue
        name, cut = rule
        if cut:
            dropped[name] = dropped.get(name, 0) + (n - i)
            break
        dropped[name] = dropped.get(name, 0) + 1
    return kept, dropped


def _rule_applies(scope: str, short: bool, zone: dict[str, bool]) -> bool:
    """Return True if a rule of this scope may act on a line of this length and zone."""
    if scope == "lead":
        return short and zone["lead"]
    if scope == "tail":
        return short and zone["after"]
    if scope == "head_tail":
        return short and (zone["lead"] or zone["after"])
    if scope in ("short", "cut", "endcut"):
        return short or zone["head"] or zone["tail"]
    return True


_NEVER = re.compile(r"(?!)")


def _search_any(patterns: tuple[re.Pattern[str], ...], line: str) -> bool:
    for pattern in patterns:  # a plain loop: any() over a generator costs more than most searches
        if pattern.search(line):
            return True
    return False


@lru_cache(maxsize=64)
def _applicable_rules(
    short: bool, head: bool, tail: bool, lead: bool, after: bool
) -> tuple[re.Pattern[str], tuple[re.Pattern[str], ...]]:
    """Return (the rules anchored at the line start joined into one pattern, the other rules) that may act
    on such a line; a prose line asks as a long one (only "anywhere" rules and the head/tail act on it).

    The anchored ones are tried at the start only (``match``). The others are searched one by one: each
    starts with a set of literal characters the regex engine skips ahead to, which a joined pattern loses.
    """
    zone = {"head": head, "tail": tail, "lead": lead, "after": after}
    patterns = [pattern for _, pattern, scope in LINE_RULES if _rule_applies(scope, short, zone)]
    anchored = [p.pattern for p in patterns if p.pattern.startswith("^")]
    joined = re.compile("|".join(f"(?:{p})" for p in anchored)) if anchored else _NEVER
    return joined, tuple(p for p in patterns if not p.pattern.startswith("^"))


def _match_rule(line: str, short: bool, zone: dict[str, bool], late: bool, started: bool) -> tuple[str, bool] | None:
    # Only the rules that may act on this line are tried, and they are tried cheaply first: most lines are
    # long prose in the middle of the text, where only the "anywhere" rules can act.
    prose = is_prose(line)
    for name, pattern, scope in LINE_RULES:
        if (prose and scope != "anywhere") or not _rule_applies(scope, short, zone):
            continue
        if pattern.search(line):
            return name, short and ((scope == "cut" and late) or (scope == "endcut" and started))
    return None


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


def drop_title_lines(lines: list[str], titles: set[str]) -> tuple[list[str], int]:
    """Return lines without repeats of the page title in the lead (before the text starts)."""
    if not titles:
        return lines, 0
    strong = next((i for i, line in enumerate(lines) if is_strong_line(line)), len(lines))
    kept = [line for i, line in enumerate(lines) if not (i <= strong and i < 8 and _SPACES.sub("", line) in titles)]
    return kept, len(lines) - len(kept)


def _lead_ok(line: str) -> bool:
    """Return True for a line that may open a notice before its first sentence (各单位：, 文号, subtitle)."""
    chars = len(_SPACES.sub("", line))
    return chars > 0 and (line_han(line) / chars >= LEAD_MIN_HAN_SHARE or PROTECTED_LINE.match(line) is not None)


def trim_edges(lines: list[str]) -> tuple[list[str], int]:
    """Return lines without chrome around the text: up to LEAD_KEEP Chinese lead lines before the first
    strong line, and after the last dense line only table rows and up to TRAIL_KEEP short lines."""
    strong = [i for i, line in enumerate(lines) if is_strong_line(line)]
    dense = [i for i, line in enumerate(lines) if is_dense_line(line)]
    if not dense:
        return lines, 0
    first = strong[0] if strong else dense[0]
    start, run = first, 0
    # Walk back over Chinese lead lines; LEAD_KEEP non-dense ones in a row end the lead (a list of
    # titles and authors, as in a table of contents, alternates dense and short lines and stays).
    while start > 0 and _lead_ok(lines[start - 1]):
        run = 0 if is_dense_line(lines[start - 1]) else run + 1
        if run > LEAD_KEEP:
            break
        start -= 1
    last = max(dense[-1], strong[-1] if strong else 0)
    end, short_kept = last + 1, 0
    for line in lines[last + 1 :]:
        if "\t" in line and line_han(line):
            end += 1
        elif len(line) <= SHORT_LINE and short_kept < TRAIL_KEEP and _lead_ok(line):
            end, short_kept = end + 1, short_kept + 1
        else:
            break
    return lines[start:end], len(lines) - (end - start)


def candidate_lines(root: _Element | None, site_template: Mapping | None = None) -> tuple[list[str], _Element | None]:
    """Return the rendered lines of the chosen content block before any line rule, and the block.

    The tree is changed (chrome pruned, a site template's recurring blocks dropped, attachment boxes
    moved): pass a copy you don't need.
    """
    lines, content, _ = _candidate_lines(root, site_template)
    return lines, content


def _candidate_lines(root: _Element | None, site_template: Mapping | None) -> tuple[list[str], _Element | None, int]:
    """Return candidate_lines(root, site_template) and how many template blocks were dropped."""
    if root is None:
        return [], None, 0
    prune_chrome(root)
    blocks = 0
    if site_template:  # before the content is chosen: a recurring box must not win or stay inside it
        from cleaning.templates import drop_template_blocks

        blocks = drop_template_blocks(root, site_template)
    content = choose_content(root)
    if content is None:
        body = root.find("body")
        content = body if body is not None else root
    attach_siblings(content)
    return render_lines(content), content, blocks


def extract_content(
    root: _Element | None,
    site_template: Mapping | None = None,
    *,
    in_place: bool = False,
    titles: set[str] | None = None,
) -> Extracted:
    """Return the main-content lines of a parsed page (the tree is copied, not changed, unless in_place).

    ``titles`` is page_titles(root) when the caller has read it already (the page facts hold it).

    ``site_template`` is a template from ``cleaning.templates.learn_site_template``: blocks it marks as
    recurring on the site are dropped wherever they stand, and recurring lines from the lead and tail
    (never protected ones such as dates, 文号 or the signature).
    """
    if root is None:
        return Extracted([], None)
    line_han.cache_clear()  # memoised per page only: a benchmark's repeated pages must not hit it
    titles = page_titles(root) if titles is None else titles
    lines, content, blocks = _candidate_lines(root if in_place else copy.deepcopy(root), site_template)
    dropped: dict[str, int] = {"site_template_block": blocks} if blocks else {}
    if site_template:
        from cleaning.templates import apply_site_template

        lines, n = apply_site_template(lines, site_template)
        if n:
            dropped["site_template"] = n
    lines, n = drop_title_lines(lines, titles)
    if n:
        dropped["title_repeat"] = n
    lines, rule_dropped = filter_lines(lines)
    dropped.update(rule_dropped)
    lines, trimmed = trim_edges(lines)
    if trimmed:
        dropped["edge_trim"] = trimmed
    return Extracted(lines, content, dropped)
