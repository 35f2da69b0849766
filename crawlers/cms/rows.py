"""Find a list page's notice rows without selectors: the repeated group of dated, titled links in the list area.

Every link is placed in a group by its path from <body> (tags, plus the column of a table cell) and by the
classes of the block that holds its rows; a link's row is the largest ancestor holding no other link of its
group. Groups are scored on how many rows they have, how many show a date, how long their titles are, how alike
their URLs look and whether they sit in navigation; the best group is the list. The same machinery reads rows
from registry selectors and from HTML fragments (Hanweb records), so titles and dates come out the same way.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from lxml import html as lxml_html

from crawlers.cms.base import ListPage, ListRow
from crawlers.cms.dates import find_full_date, find_month_day, find_roc_date, infer_year, today_in_china
from crawlers.sites import is_xpath

# Elements whose content is never part of a list.
SKIP_TAGS = frozenset({"script", "style", "noscript", "template", "head", "select", "option", "textarea", "iframe"})

# Classes that mark a row's state, not its kind: ignored when comparing the blocks rows sit in.
STATE_CLASSES = re.compile(
    r"^(odd|even|alt|on|active|cur|current|first|last|hover|selected|new|hot|top|clearfix|fl|fr|left|right|clear|cf)$",
    re.I,
)

# Ids and classes of page furniture: a group inside one of these is unlikely to be the notice list.
NAV_HINTS = re.compile(
    r"nav|menu|header|footer|foot|breadcrumb|crumb|position|location|dqwz|friend|yqlj|links?$|banner|toolbar|sitemap",
    re.I,
)
# Ids and classes of side boxes (hot lists, recommendations) that compete with the main list.
SIDE_HINTS = re.compile(r"side|aside|hot|rank|recommend|tuijian|rdtj|zxgx|latest", re.I)
NAV_TAGS = frozenset({"nav", "header", "footer", "aside"})

# Leading marks list rows put before a title, and the pinned label.
TITLE_LEAD = re.compile(r"^[\s·•●○■□◆◇▪▶►>»\-—*]+|^(?:\[|【|〔)?置顶(?:\]|】|〕)?\s*")
# A title cut short by the CMS.
ELLIPSIS = re.compile(r"(…+|\.{2,}|。{2,})\s*$")
# title attributes that are not titles.
GENERIC_TITLES = frozenset({"点击查看", "查看详情", "详细", "详情", "更多", "查看", "点击", "打开"})
# Whitespace between two CJK characters comes from markup line breaks, not from the title.
CJK_SPACE = re.compile(r"(?<=[\u3000-\u9fff\uff00-\uffef])\s+(?=[\u3000-\u9fff\uff00-\uffef])")
CJK = re.compile(r"[\u4e00-\u9fff]")
DIGITS = re.compile(r"\d+")

# A row is at most this long (characters of text) beyond its title, so a lone link never claims the page.
ROW_TEXT_SLACK = 300
MAX_ROW_LINKS = 8
# Text segments up to this long are where list rows put their dates (a span or cell of their own).
SHORT_SEGMENT = 40


def clean_text(text: str) -> str:
    """Return text with whitespace runs collapsed and none left between CJK characters."""
    return CJK_SPACE.sub("", re.sub(r"\s+", " ", text.replace("\xa0", " "))).strip()


def _classes(el) -> str:
    names = sorted({DIGITS.sub("", c) for c in (el.get("class") or "").split() if not STATE_CLASSES.match(c)})
    return ".".join(n for n in names if n)


def _skipped(el) -> bool:
    return any(a.tag in SKIP_TAGS for a in el.iterancestors() if isinstance(a.tag, str))


def _cell_index(el) -> int:
    return sum(1 for s in el.itersiblings(preceding=True) if s.tag in ("td", "th"))


def coarse_path(a) -> tuple[str, ...]:
    """Return the tags from <body> down to the link, table cells with their column index."""
    steps = []
    for el in [a, *a.iterancestors()]:
        if not isinstance(el.tag, str) or el.tag in ("body", "html"):
            break
        steps.append(f"{el.tag}[{_cell_index(el)}]" if el.tag in ("td", "th") else el.tag)
    return tuple(reversed(steps))


def chain_signature(el) -> str:
    """Return the tag.class chain of an element and its ancestors: blocks of the same kind share it."""
    parts = []
    for node in [el, *el.iterancestors()]:
        if not isinstance(node.tag, str) or node.tag in ("body", "html"):
            break
        ident = node.get("id") or ""
        ident = "" if DIGITS.fullmatch(ident) else DIGITS.sub("", ident)
        parts.append(node.tag + ("." + _classes(node) if _classes(node) else "") + ("#" + ident if ident else ""))
    return ">".join(reversed(parts))


def _furniture(el) -> tuple[bool, bool]:
    """Return (in navigation, in a side box) for an element, from its and its ancestors' tags, ids, classes."""
    nav = side = False
    for node in [el, *el.iterancestors()]:
        if not isinstance(node.tag, str):
            continue
        hints = f"{node.get('id') or ''} {node.get('class') or ''}"
        nav = nav or node.tag in NAV_TAGS - {"aside"} or bool(NAV_HINTS.search(hints))
        side = side or node.tag == "aside" or bool(SIDE_HINTS.search(hints))
    return nav, side


def url_shape(url: str) -> str:
    """Return a URL's shape: digits folded, query values dropped (detail URLs of one list share it)."""
    base, _, query = url.partition("?")
    keys = ",".join(sorted(kv.split("=")[0] for kv in query.split("&") if kv))
    return DIGITS.sub("D", base) + ("?" + keys if keys else "")


# -- titles and dates of one row --------------------------------------------------------------------------------------
def _is_date_text(text: str) -> bool:
    text = text.strip()
    return bool(text) and (
        find_month_day(text) is not None or _full_date_alone(text) or find_roc_date(text) is not None
    )


# What may stand beside a date in a cell of its own: labels, brackets, a time of day.
DATE_LABELS = re.compile(r"发布时间|发布日期|更新时间|时间|日期|发布|[\s\[\]()（）【】:：\-/|]|\d{1,2}:\d{2}(:\d{2})?")


def _full_date_alone(text: str) -> bool:
    found = find_full_date(text)
    return found is not None and not DATE_LABELS.sub("", text.replace(found[1], "", 1)).strip()


def link_title(a) -> str:
    """Return a link's title: its text without date-only parts and bullets, or its title attribute if fuller."""
    parts: list[str] = []

    def walk(el) -> None:
        if el.text:
            parts.append(el.text)
        for child in el:
            if isinstance(child.tag, str) and not (child.tag in SKIP_TAGS or _is_date_text(child.text_content())):
                walk(child)
            if child.tail:
                parts.append(child.tail)

    walk(a)
    text = clean_text("".join(parts))
    found = find_full_date(text)
    if found and text.endswith(found[1]) and len(text) > len(found[1]):
        text = text[: -len(found[1])].rstrip(" -—|（(【[")
    text = TITLE_LEAD.sub("", text).strip()
    attr = clean_text(lxml_html.fromstring(f"<p>{a.get('title')}</p>").text_content()) if a.get("title") else ""
    if attr and attr not in GENERIC_TITLES and CJK.search(attr):
        cut = ELLIPSIS.sub("", text)
        if not text or ELLIPSIS.search(text) or (attr.startswith(cut) and len(attr) > len(cut)):
            return attr
    return ELLIPSIS.sub("", text).strip()


def _outside_segments(row, a) -> list[str]:
    """Return the row's text segments that are not part of the link's title, in document order."""
    segments: list[str] = []

    def walk(el, inside_link: bool) -> None:
        if not isinstance(el.tag, str) or el.tag in SKIP_TAGS:
            return
        here = inside_link or el is a
        if el.text and (not here or _is_date_text(el.text_content())):
            segments.append(el.text)
        for child in el:
            walk(child, here)
            if child.tail and (not here or child is a):
                segments.append(child.tail)

    walk(row, False)
    if row is a and a.tail:  # links standing side by side with their dates between them
        segments.append(a.tail)
    return [s for s in segments if s.strip()]


def row_date(row, a, url: str, previous: date | None, today: date) -> tuple[str | None, str | None]:
    """Return (ISO date, shown text) of a row's date outside its title: short segments first, yearless last."""
    segments = [clean_text(s) for s in _outside_segments(row, a)]
    short = [s for s in segments if len(s) <= SHORT_SEGMENT]
    for pool in (short, segments):
        for text in reversed(pool):
            found = find_full_date(text) or find_roc_date(text)
            if found:
                return found[0].isoformat(), found[1]
    for text in [*short, " ".join(segments)]:
        md = find_month_day(text)
        if md:
            full = infer_year(md[0], md[1], url, previous, today)
            if full:
                return full.isoformat(), md[2]
    return None, None


# -- groups ------------------------------------------------------------------------------------------------------------
@dataclass
class _Link:
    el: object
    url: str
    coarse: tuple[str, ...]
    row: object = None
    key: tuple = ()


@dataclass
class RowGroup:
    """A candidate list: links of one path whose rows sit in blocks of one kind."""

    key: tuple
    links: list[_Link] = field(default_factory=list)
    score: float = 0.0

    @property
    def signature(self) -> str:
        """Return a stable text signature of the group (kept across a column's pages)."""
        return "/".join(self.key[0]) + " @ " + self.key[1]


def _assign_rows(links: list[_Link], max_row_text: int | None = None) -> None:
    """Set each link's row: its largest ancestor holding no other link of the same list."""
    counts: Counter = Counter()
    for link in links:
        for anc in link.el.iterancestors():
            counts[anc] += 1
    for link in links:
        row = link.el
        title_len = len(link.el.text_content())
        for anc in link.el.iterancestors():
            if anc.tag in ("body", "html") or counts[anc] != 1:
                break
            text_len = len(anc.text_content())
            if text_len > title_len + (max_row_text or ROW_TEXT_SLACK) or len(anc.findall(".//a")) > MAX_ROW_LINKS:
                break
            row = anc
        link.row = row
    # Rows of one list sit at one depth below their links: a block holding a single row (the last of a list
    # split into blocks) would otherwise make the block itself the row.
    depths = {id(link): _depth(link.el, link.row) for link in links}
    usual = Counter(depths.values()).most_common(1)[0][0] if depths else 0
    for link in links:
        if depths[id(link)] > usual:
            row = link.el
            for _ in range(usual):
                row = row.getparent()
            link.row = row


def _depth(el, ancestor) -> int:
    depth = 0
    while el is not ancestor and el is not None:
        el = el.getparent()
        depth += 1
    return depth


def collect_links(page: ListPage, root) -> tuple[list[_Link], list[tuple[str, str]]]:
    """Return the page's candidate detail links and the (url, reason) of links that cannot be details."""
    links: list[_Link] = []
    rejected: list[tuple[str, str]] = []
    for a in root.iter("a"):
        href = (a.get("href") or "").strip()
        if not href or _skipped(a):
            continue
        if href.startswith("#") or href.lower().startswith(("javascript:", "mailto:", "tel:")):
            rejected.append((href, "script"))
            continue
        url = page.absolute(href)
        problem = page.link_problem(url)
        if problem is None and url == page.absolute(page.url):
            problem = "self"
        if problem:
            rejected.append((url, problem))
            continue
        links.append(_Link(el=a, url=url, coarse=coarse_path(a)))
    return links, rejected


def group_links(links: list[_Link]) -> list[RowGroup]:
    """Return the candidate groups: links of one path, split by the kind of block their rows sit in."""
    by_path: dict[tuple, list[_Link]] = {}
    for link in links:
        by_path.setdefault(link.coarse, []).append(link)
    groups: dict[tuple, RowGroup] = {}
    for path, members in by_path.items():
        _assign_rows(members)
        for link in members:
            container = link.row.getparent()
            link.key = (path, chain_signature(container) if container is not None else "")
            groups.setdefault(link.key, RowGroup(key=link.key)).links.append(link)
    return list(groups.values())


def score_group(group: RowGroup, page: ListPage, today: date, pagers: list | None = None) -> float:
    """Return how much a group looks like the notice list (0 when it cannot be)."""
    seen: dict[str, _Link] = {}
    for link in group.links:
        seen.setdefault(link.url, link)
    if not seen:
        return 0.0
    rows = list(seen.values())
    titles = [link_title(link.el) for link in rows]
    dated = sum(1 for link in rows if row_date(link.row, link.el, link.url, None, today)[0])
    n = len(rows)
    mean_len = sum(len(t) for t in titles) / n
    cjk_share = sum(1 for t in titles if len(CJK.findall(t)) >= 4) / n
    shapes = Counter(url_shape(link.url) for link in rows)
    shape_share = shapes.most_common(1)[0][1] / n
    nav, side = _furniture(rows[0].row)
    # The number of rows counts, but less than how list-like they are: a short last page must still beat a
    # longer hot-news box beside it.
    quality = (0.5 + 0.5 * dated / n) * min(1.0, mean_len / 12) * (0.3 + 0.7 * cjk_share) * (0.4 + 0.6 * shape_share)
    score = math.sqrt(n) * quality
    if nav:
        score *= 0.25
    if side:
        score *= 0.4
    if pagers and _near_pager(rows[0].row.getparent(), pagers):
        score *= 1.5
    return score


# Text of pager controls: the block holding the notice list is next to them.
PAGER_TEXT = re.compile(
    r"^(下一?页|上一?页|首页|尾页|末页|下一頁|上一頁|共\s*\d+\s*[页頁条].*|第\s*\d+\s*/\s*\d+\s*页)$"
)


def pager_nodes(root) -> list:
    """Return the page's pager controls: 下一页/尾页 links, 共N页 text, createPageHTML scripts."""
    nodes = []
    for el in root.iter():
        if not isinstance(el.tag, str):
            continue
        if el.tag == "script" and "createPageHTML" in (el.text or ""):
            nodes.append(el)
        elif el.tag in ("a", "span", "div", "td", "em") and len(el) <= 3:
            text = re.sub(r"\s+", "", el.text_content() or "")
            if text and len(text) <= 20 and PAGER_TEXT.match(text):
                nodes.append(el)
    return nodes


def _near_pager(container, pagers: list) -> bool:
    """Return True when a pager control sits inside or right after the container (within two levels up)."""
    if container is None:
        return False
    scope = container
    for _ in range(2):
        parent = scope.getparent()
        if parent is None or parent.tag in ("body", "html"):
            break
        scope = parent
    # Compare elements, never id()s: lxml makes a new proxy object for a node nobody holds, and a freed proxy's
    # id is soon another's.
    return any(p is scope or any(a is scope for a in p.iterancestors()) for p in pagers)


@dataclass
class RowsFound:
    """The rows found on a page and how they were found."""

    rows: list[ListRow]
    group: str | None
    rejected: list[tuple[str, str]]
    candidates: int  # groups considered


def _rows_of(links: list[_Link], today: date) -> list[ListRow]:
    rows: list[ListRow] = []
    seen: set[str] = set()
    previous: date | None = None
    for link in links:
        if link.url in seen:
            continue
        seen.add(link.url)
        iso, shown = row_date(link.row, link.el, link.url, previous, today)
        if iso:
            previous = date.fromisoformat(iso)
        rows.append(ListRow(url=link.url, title=link_title(link.el) or None, date=iso, date_text=shown))
    return rows


def _merge_siblings(best: RowGroup, groups: list[RowGroup]) -> list[_Link]:
    """Return the best group's links plus those of same-path groups in sibling blocks (pinned boxes, split lists)."""
    parents = {
        link.row.getparent().getparent()
        for link in best.links
        if link.row.getparent() is not None and link.row.getparent().getparent() is not None
    }
    shapes = Counter(url_shape(link.url) for link in best.links)
    main_shape = shapes.most_common(1)[0][0]
    merged = list(best.links)
    for group in groups:
        if group is best or group.key[0] != best.key[0]:
            continue
        container = group.links[0].row.getparent()
        if container is None or container.getparent() not in parents:
            continue
        if sum(url_shape(link.url) == main_shape for link in group.links) * 2 >= len(group.links):
            merged.extend(group.links)
    nodes = list(best.links[0].el.getroottree().iter())  # held, so each node keeps one proxy
    order = {el: i for i, el in enumerate(nodes)}
    return sorted(merged, key=lambda link: order.get(link.el, 0))


def detect_rows(page: ListPage, root=None, prefer: str | None = None, today: date | None = None) -> RowsFound:
    """Return the notice rows of a list page: the best-scoring group of links (or the `prefer`red one)."""
    today = today or today_in_china()
    root = root if root is not None else page.selector.root
    links, rejected = collect_links(page, root)
    groups = group_links(links)
    pagers = pager_nodes(root)
    for group in groups:
        group.score = score_group(group, page, today, pagers)
    groups = [g for g in groups if g.score > 0]
    if not groups:
        return RowsFound([], None, rejected, 0)
    preferred = [g for g in groups if prefer and g.signature == prefer]
    best = preferred[0] if preferred else max(groups, key=lambda g: g.score)
    if not preferred and not _looks_like_a_list(best, today):
        return RowsFound([], None, rejected + [(lk.url, "not_in_list") for lk in links], len(groups))
    chosen = _merge_siblings(best, groups)
    ids = {id(link) for link in chosen}
    rejected += [(link.url, "not_in_list") for link in links if id(link) not in ids]
    return RowsFound(_rows_of(chosen, today), best.signature, rejected, len(groups))


def _looks_like_a_list(group: RowGroup, today: date) -> bool:
    """Return False for a best group that is still navigation: short undated titles only."""
    rows = {link.url: link for link in group.links}.values()
    titles = [link_title(link.el) for link in rows]
    dated = sum(1 for link in rows if row_date(link.row, link.el, link.url, None, today)[0])
    long_titles = sum(1 for t in titles if len(t) >= 6)
    return dated > 0 or long_titles * 2 > len(titles) and long_titles >= 2


def rows_from_selector(page: ListPage, selector: str, today: date | None = None) -> RowsFound:
    """Return the rows a registry selector picks: each selected link's row gives its title and date."""
    today = today or today_in_china()
    found = page.selector.xpath(selector) if is_xpath(selector) else page.selector.css(selector)
    links: list[_Link] = []
    rejected: list[tuple[str, str]] = []
    for sel in found:
        el = sel.root
        href = el if isinstance(el, str) else el.get("href")
        if not href or not href.strip():
            continue
        url = page.absolute(href)
        problem = page.link_problem(url)
        if problem:
            rejected.append((url, problem))
            continue
        if isinstance(el, str):  # an attribute value: no element to read a title or date from
            links.append(_Link(el=None, url=url, coarse=()))
        else:
            links.append(_Link(el=el, url=url, coarse=()))
    elements = [link for link in links if link.el is not None]
    _assign_rows(elements)
    rows: list[ListRow] = []
    seen: set[str] = set()
    previous: date | None = None
    for link in links:
        if link.url in seen:
            continue
        seen.add(link.url)
        if link.el is None:
            rows.append(ListRow(url=link.url))
            continue
        iso, shown = row_date(link.row, link.el, link.url, previous, today)
        previous = date.fromisoformat(iso) if iso else previous
        rows.append(ListRow(url=link.url, title=link_title(link.el) or None, date=iso, date_text=shown))
    return RowsFound(rows, f"selector {selector}", rejected, 1)


def rows_from_fragments(page: ListPage, fragments: Iterable[str], today: date | None = None) -> RowsFound:
    """Return one row per HTML fragment (Hanweb <record>s): its main link, with the fragment as the row."""
    today = today or today_in_china()
    rows: list[ListRow] = []
    rejected: list[tuple[str, str]] = []
    seen: set[str] = set()
    previous: date | None = None
    for fragment in fragments:
        text = fragment.strip()
        if not text:
            continue
        # A bare table row (jpage wraps records in dataBefore/dataAfter) only parses inside a table.
        if re.match(r"<t[rd][\s>]", text, re.I):
            text = f"<table>{text}</table>"
        try:
            root = lxml_html.fragment_fromstring(text, create_parent="div")
        except Exception:  # noqa: BLE001 - a broken record is skipped, the others still count
            rejected.append(("<record>", "unparsable"))
            continue
        links, bad = collect_links(page, root)
        rejected += bad
        if not links:
            continue
        main = max(links, key=lambda lk: len(link_title(lk.el)))
        if main.url in seen:
            continue
        seen.add(main.url)
        iso, shown = row_date(root, main.el, main.url, previous, today)
        previous = date.fromisoformat(iso) if iso else previous
        rows.append(ListRow(url=main.url, title=link_title(main.el) or None, date=iso, date_text=shown))
    return RowsFound(rows, "records", rejected, 1)


# -- the column a page says it is --------------------------------------------------------------------------------------
# Where government CMS pages name their column, in order of trust.
COLUMN_META = ("ColumnName", "columnname", "column", "lanmu")
CRUMB_HINTS = re.compile(r"position|crumb|location|dqwz|weizhi|path|bread", re.I)
CRUMB_SPLIT = re.compile(r"\s*(?:>|»|›|/|＞|→|::+)\s*")
CRUMB_LEAD = re.compile(r"^.*?(?:当前位置|目前位置|您的位置|所在位置|现在位置)\s*[:：]?\s*")
TITLE_SPLIT = re.compile(r"\s*[-_|—–]+\s*|\s+")


def page_column(page: ListPage) -> str | None:
    """Return the column name the page states: meta ColumnName, the breadcrumb's last item, or its title."""
    sel = page.selector
    for name in COLUMN_META:
        value = sel.xpath(f"//meta[@name='{name}']/@content").get()
        if value and value.strip():
            return clean_text(value)[:40]
    for el in sel.root.iter():
        if isinstance(el.tag, str) and CRUMB_HINTS.search(f"{el.get('class') or ''} {el.get('id') or ''}"):
            text = CRUMB_LEAD.sub("", clean_text(" ".join(el.itertext())))
            parts = [p for p in CRUMB_SPLIT.split(text) if p.strip()]
            if parts and 1 < len(parts[-1]) <= 20:
                return parts[-1].strip()
    title = clean_text(sel.xpath("//title/text()").get() or "")
    first = TITLE_SPLIT.split(title)[0] if title else ""
    return first if 1 < len(first) <= 20 else None
