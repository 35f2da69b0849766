"""Publication dates from layered evidence: every candidate the page and its list row offer, with its source.

Candidates come from the list row (ListedAs.date), page meta (PubDate, publishdate, article:published_time, ...),
JSON-LD and <time> elements, labelled lines (发布时间 / 发布日期 / 时间 / 日期 / 成文日期 ...), an unlabelled date in
the header zone between title and text, URL patterns (t20240305_123.html, unpadded /art/2005/3/6/, /2024-05/13/,
...), and the signature date under the text. ``choose_date`` prefers the publication date the page states over
dates inside the text, lets the list row settle ambiguity, and gives none rather than a guess.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from urllib.parse import urlsplit

MIN_YEAR, MAX_YEAR = 1990, 2100  # dates outside are page furniture (copyright years, ids), not publication
CHINA_TZ = timezone(timedelta(hours=8))  # the pages' own clock: meta times with an offset are converted to it

_DATE_NUM = re.compile(
    r"((?:19|20)\d{2})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})(?:(?!\d)|(?=\d{1,2}:\d{2}))"  # 2024-05-2400:16
)
_CN_DIGITS = {c: i for i, c in enumerate("〇一二三四五六七八九")} | {"零": 0, "○": 0, "Ｏ": 0, "O": 0}
_DATE_CN = re.compile(
    r"([〇零○Ｏ一二三四五六七八九]{4})年([一二三四五六七八九十]{1,3})月([一二三四五六七八九十]{1,3})日"
)  # noqa: E501
# 民國 dates after a label (發布日期：113-06-03) or with the era name (民國113年6月3日): year + 1911.
_DATE_ROC = re.compile(r"^(?:民國|民国)?\s*(\d{2,3})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})(?!\d)")
_DATE_ROC_ERA = re.compile(r"(?:民國|民国)\s*(\d{2,3})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日")
ROC_OFFSET = 1911
_ISO_MOMENT = re.compile(
    r"((?:19|20)\d{2})-(\d{1,2})-(\d{1,2})[T ](\d{1,2}):(\d{2})(?::\d{2})?(?:\.\d+)?\s*(Z|[+-]\d{2}:?\d{2})?$"
)

# <meta> keys (lower-cased name / property / itemprop) that carry the publication date, most specific first.
# Keys of updates (article:modified_time, dateupdate, updatetime, og:updated_time) are left out on purpose.
META_DATE_KEYS: tuple[str, ...] = (
    "pubdate",  # GB/T 33479 government sites: <meta name="PubDate" content="2024-03-05 09:30">
    "publishdate",  # news and portal CMSs: <meta name="publishdate" content="2024-05-15">
    "publish_date",
    "article:published_time",  # Open Graph articles: 2024-05-16T17:02:38+08:00
    "og:article:published_time",
    "datepublished",  # schema.org itemprop on a meta
    "og:release_date",  # 360kuai, sohu: 2024-05-20 06:48
    "og:time",  # ifeng: 2022-06-02 09:52:19
    "news:published_time",
    "firstpublishedtime",
    "publishtime",
    "dc.date.issued",
    "dc.date",
    "dcterms.issued",
)

# Labels before a date, by what the date is: (kind, pattern). published: the page says when it was published;
# signed: the document's own date (成文日期); updated: never chosen, kept as evidence; generic: 日期 / 时间, a
# publication date only in the header zone (and only when no Han character precedes it: not 报告时间：).
# Every label is followed by a colon, except those of NO_COLON_LABELS.
DATE_LABELS: tuple[tuple[str, str], ...] = (
    ("published", r"发布时间|發布時間|发布日期|發布日期|發佈日期|發佈時間|公布日期|公布时间"),  # 发布时间：2024-03-05
    (
        "published",
        r"发稿时间|發稿時間|发表时间|發表時間|刊发时间|上传时间|上網時間|上线时间|posted|published",
    ),  # 发稿时间：
    (
        "signed",
        r"成文日期|成文时间|成文時間|印发日期|印發日期|发文日期|發文日期|签发日期|簽發日期",
    ),  # 成文日期：2024-06-15
    (
        "updated",
        r"更新时间|更新時間|更新日期|修改时间|修改時間|最后更新|最後更新|updated",
    ),  # 更新时间：... (not chosen)
    ("generic", r"日期|时间|時間"),  # 时间：2024-03-05
)
# Publication labels written without a colon: 发布于 2024年6月18日, posted @ 2024-05-09 14:45, published on ...
NO_COLON_LABELS = re.compile(r"(?:发布|發佈|發布|发表|發表)[于於]|posted\s*@|published\s+on", re.I)
NO_COLON_HINTS = ("布于", "佈於", "布於", "表于", "表於", "@", "ed on")  # how NO_COLON_LABELS labels end
_LABEL_BEFORE = re.compile(
    "(?:" + "|".join(f"(?P<{kind}{i}>{pat})" for i, (kind, pat) in enumerate(DATE_LABELS)) + r")\s*$", re.I
)  # named groups: kind + index; matched against the few characters before a colon
_COLON = re.compile(r"[:：]")
_HAN_CHAR = re.compile(r"[\u4e00-\u9fff]")
LABEL_MAX_CHARS = 10  # the longest label plus spaces before its colon
LABEL_LAST_CHARS = frozenset("间間期dD")  # every DATE_LABELS label ends so (时间, 日期, posted, published, updated)
LABEL_GAP_CHARS = 3  # spaces and a bracket between a label's colon and its date
_LABEL_GAP = re.compile(r"^\s*[\[【(（]?\s*")  # between a label's colon and its date: 发布时间：【2024-03-05】
_POSTFIX_PUBLISHED = re.compile(
    r"\s*(?:\d{1,2}:\d{2}(?::\d{2})?)?\s*(?:发布|發佈|發布|发表|發表)"
)  # 2024-05-18 16:56发布于北京
# URL date patterns: (name, pattern with year, month, day groups). Months and days may be unpadded (/art/2005/3/6/).
URL_DATES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("trs", re.compile(r"/t((?:19|20)\d{2})(\d{2})(\d{2})_\d+")),  # TRS WCM: /202403/t20240305_123.html
    ("art", re.compile(r"/art/((?:19|20)\d{2})/(\d{1,2})/(\d{1,2})/")),  # Hanweb: /art/2005/3/6/art_12_34.html
    ("path", re.compile(r"/((?:19|20)\d{2})[-_/]?(\d{2})[-_/]?(\d{2})/")),  # /2024/06/18/ /2024-05/13/ /20240515/
    ("path_ymd", re.compile(r"/((?:19|20)\d{2})-(\d{1,2})-(\d{1,2})/")),  # /c/2020-1-12/ (unpadded)
)
# Where a candidate came from, and how much its word weighs when the page's own dates disagree.
SOURCE_WEIGHTS: dict[str, int] = {
    "meta": 3,  # publication meta tags
    "jsonld": 3,  # JSON-LD datePublished
    "label": 3,  # 发布时间：... outside the text
    "time": 2,  # <time datetime> marked as the publication (entry-date, itemprop, pubdate)
    "url": 2,  # a date in the URL path
    "header": 1,  # an unlabelled date (or 日期/时间) between the title and the text
    "listed": 2,  # the list row's date (a vote when the page's dates disagree)
}
STRONG_SOURCES = ("meta", "jsonld", "label", "time")  # the page states its publication date
WEAK_SOURCES = ("url", "header")  # a date where the publication date usually is
PRE_TEXT_CHARS = 3000  # a 发布时间 label further before the text than this belongs to a sidebar
HEAD_LINE_MAX_CHARS = 60  # a short line at the text's head may be the info line the extractor kept ...
_SENTENCE = re.compile(r"[。，；！？,;!?]")  # ... when it is no sentence (2024年9月5日是第九个“中华慈善日”。)
SIGNATURE_LINE_MAX_CHARS = 20
TAIL_GENERIC_CHARS = 120  # a generic 时间：label this close under the text dates the article


@dataclass(frozen=True)
class DateCandidate:
    """One date the page (or its list row) offers: the date, its source and where exactly (key, label)."""

    date: str  # YYYY-MM-DD
    source: str  # listed, meta, jsonld, time, label, header, url, signed, signature, updated
    detail: str = ""  # the meta key, the label, the URL pattern

    def as_dict(self) -> dict[str, str]:
        """Return the candidate as stored on the document."""
        return {"date": self.date, "source": self.source, "detail": self.detail}


def _valid(y: int, mo: int, d: int) -> str | None:
    if not MIN_YEAR <= y <= MAX_YEAR:
        return None
    try:
        return date(y, mo, d).isoformat()
    except ValueError:
        return None


def parse_date(text: str) -> str | None:
    """Return the first valid date in text as YYYY-MM-DD (2024-03-05, 2024年3月5日, 二〇二四年三月五日)."""
    for m in _DATE_NUM.finditer(text):
        if found := _valid(int(m.group(1)), int(m.group(2)), int(m.group(3))):
            return found
    m = _DATE_CN.search(text)
    if m:
        y = int("".join(str(_CN_DIGITS[c]) for c in m.group(1)))
        return _valid(y, _cn_number(m.group(2)), _cn_number(m.group(3)))
    return None


def parse_labelled_date(text: str) -> str | None:
    """Return the date at the start of text (after a 发布日期-style label): any parse_date date, or 民國."""
    text = text.strip()
    if (m := _DATE_ROC.match(text)) and not _DATE_NUM.match(text):
        return _valid(int(m.group(1)) + ROC_OFFSET, int(m.group(2)), int(m.group(3)))
    m = _DATE_NUM.match(text) or _DATE_CN.match(text)
    return parse_date(m.group(0)) if m else None


def parse_moment(value: str) -> str | None:
    """Return the date of a meta value; an ISO time with an offset is read on China's clock (UTC+8)."""
    value = value.strip()
    m = _ISO_MOMENT.match(value)
    if m and m.group(6):
        tz = m.group(6)
        offset = timedelta(0) if tz == "Z" else timedelta(hours=int(tz[:3]), minutes=int(tz[0] + tz[-2:]))
        try:
            moment = datetime(*(int(m.group(i)) for i in range(1, 6)), tzinfo=timezone(offset))
        except ValueError:
            return None
        local = moment.astimezone(CHINA_TZ)
        return _valid(local.year, local.month, local.day)
    if value.isdigit() and len(value) == 8:  # 20240305
        return _valid(int(value[:4]), int(value[4:6]), int(value[6:]))
    return parse_date(value)


def _cn_number(s: str) -> int:
    if "十" not in s:
        return _CN_DIGITS.get(s, 0)
    tens, _, ones = s.partition("十")
    return (_CN_DIGITS.get(tens, 1) if tens else 1) * 10 + (_CN_DIGITS.get(ones, 0) if ones else 0)


def is_date_line(line: str) -> bool:
    """Return True for a short line that is only a date (the signature date line: 2024年3月5日, （2024年3月5日印发）),
    not a clause that holds one (自2024年4月1日起施行。)."""
    if len(line) > SIGNATURE_LINE_MAX_CHARS:
        return False
    m = _DATE_NUM.search(line) or _DATE_CN.search(line)
    if not m or parse_date(m.group(0)) is None:
        return False
    rest = _DATE_LINE_FRAME.sub("", line[: m.start()] + line[m.end() :])
    return rest in SIGNATURE_DATE_WORDS


# What may stand around a signature date: brackets, punctuation, a weekday or time, 印发 / 发布.
_DATE_LINE_FRAME = re.compile(r"[\s（）()\[\]【】,，.。:：日号]|\d{1,2}:\d{2}(?::\d{2})?|星期.|周.")
SIGNATURE_DATE_WORDS = frozenset({"", "印发", "印發", "发布", "發布", "签发", "簽發", "制", "制发"})


# -- candidates -------------------------------------------------------------------------------------
def meta_candidates(
    tags: dict[str, str], ld_dates: tuple[str, ...], times: tuple[tuple[str, bool], ...]
) -> list[DateCandidate]:  # noqa: E501
    """Return the publication dates of meta tags, JSON-LD and marked <time> elements."""
    out = [DateCandidate(d, "meta", key) for key in META_DATE_KEYS if key in tags and (d := parse_moment(tags[key]))]
    out += [DateCandidate(d, "jsonld", "datePublished") for v in ld_dates[:1] if (d := parse_moment(v))]
    out += [DateCandidate(d, "time", "time[datetime]") for v, marked in times if marked and (d := parse_moment(v))][:1]
    return out


def url_candidates(url: str) -> list[DateCandidate]:
    """Return the date in the URL path (TRS t20240305_, Hanweb /art/2005/3/6/, /2024-05/13/, ...), if any."""
    try:
        path = urlsplit(url).path
    except ValueError:  # a malformed page URL (http://[bad): no date from it, never a failed page
        return []
    for name, pattern in URL_DATES:
        if (m := pattern.search(path)) and (d := _valid(int(m.group(1)), int(m.group(2)), int(m.group(3)))):
            return [DateCandidate(d, "url", name)]
    return []


def find_labels(text: str) -> list[tuple[int, int, str, str]]:
    """Return (start, end, kind, label) of the date labels in text, in order; end is where its date may start.

    Scanning for colons (and 于 / @) and reading the few characters before them is far cheaper than running
    the label alternation over the whole text.
    """
    out = []
    for c in _COLON.finditer(text):
        before = text[max(0, c.start() - LABEL_MAX_CHARS) : c.start()].rstrip()
        if not before or before[-1] not in LABEL_LAST_CHARS:  # 来源：, 作者：, 各有关单位：: most colons end here
            continue
        m = _LABEL_BEFORE.search(text, max(0, c.start() - LABEL_MAX_CHARS), c.start())
        if not m:
            continue
        kind = next(name for name, value in m.groupdict().items() if value is not None).rstrip("0123456789")
        if kind == "generic" and m.start() > 0 and _HAN_CHAR.match(text, m.start() - 1):
            continue  # 报告时间：, 销售时间： are the text's own
        out.append((m.start(), c.end(), kind, m.group(0).strip()))
    for hint in NO_COLON_HINTS:  # str.find runs in C; the hints are rare in a page's text
        at = text.find(hint)
        while at >= 0:
            m = NO_COLON_LABELS.search(text, max(0, at - LABEL_MAX_CHARS), at + len(hint))
            if m and m.end() == at + len(hint):
                out.append((m.start(), m.end(), "published", m.group(0)))
            at = text.find(hint, at + 1)
    return sorted(out)


def labelled_candidates(
    text: str, *, generic: bool, labels: list[tuple[int, int, str, str]] | None = None
) -> list[DateCandidate]:
    """Return the dates right after a date label in text (generic 日期/时间 labels only when generic);
    ``labels`` is find_labels(text) when the caller has it already."""
    out = []
    for _, end, kind, label in find_labels(text) if labels is None else labels:
        if kind == "generic" and not generic:
            continue
        rest = text[end : end + 40]
        gap = _LABEL_GAP.match(rest)
        if not gap or not (d := parse_labelled_date(rest[gap.end() :])):
            continue
        source = {"published": "label", "generic": "header"}.get(kind, kind)
        out.append(DateCandidate(d, source, label))
    return out


def header_candidates(zone: str, *, unlabelled: bool = True) -> list[DateCandidate]:
    """Return the dates of the header zone: labelled ones by their label, the others (when unlabelled) as
    header dates, or as published when 发布 follows them (2024-05-06 15:47:53 发布)."""
    labels = find_labels(zone)
    out = labelled_candidates(zone, generic=True, labels=labels)
    label_ends = [end for _, end, _, _ in labels]
    for m in _DATE_NUM.finditer(zone):
        found = _valid(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        if found is None or any(0 <= m.start() - end <= LABEL_GAP_CHARS for end in label_ends):
            continue  # a labelled date is counted above
        if _POSTFIX_PUBLISHED.match(zone, m.end()):
            out.append(DateCandidate(found, "label", "…发布"))
        elif unlabelled:
            out.append(DateCandidate(found, "header"))
    return out


def text_candidates(page_text: str, text_start: int, tail: str) -> list[DateCandidate]:
    """Return labelled publication and document dates outside the text: the nearest before it, and the tail."""
    before = (
        page_text[max(0, text_start - PRE_TEXT_CHARS) : text_start] if text_start >= 0 else page_text[:PRE_TEXT_CHARS]
    )
    found = labelled_candidates(before, generic=False)
    nearest: dict[str, DateCandidate] = {}
    for c in found:  # the last of each kind before the text is the article's own
        nearest[c.source] = c
    out = list(nearest.values())
    tail_labels = find_labels(tail)
    out += [c for c in labelled_candidates(tail, generic=False, labels=tail_labels) if c.source == "label"][:1]
    # a 时间：/ 日期： line right under the text (复核 时间：2019-09-24 17:08) is the article's, weakly
    near = [x for x in tail_labels if x[1] <= TAIL_GENERIC_CHARS]
    out += [c for c in labelled_candidates(tail, generic=True, labels=near) if c.source == "header"][:1]
    return out


def signature_candidates(lines: list[str]) -> list[DateCandidate]:
    """Return the signature date: a short date line among the text's last lines."""
    for line in lines[-6:][::-1]:
        if is_date_line(line) and (d := parse_date(line)):
            return [DateCandidate(d, "signature")]
    return []


def head_line_candidates(lines: list[str]) -> list[DateCandidate]:
    """Return dates of short lines at the text's head: an info line the extractor kept (2024-05-20 14:33·新华社)."""
    if len(lines) <= 4:  # a short text's first lines may be its signature
        return []
    return [DateCandidate(d, "header", "head line") for line in lines[:3]
            if len(line) <= HEAD_LINE_MAX_CHARS and not _SENTENCE.search(line) and (d := parse_date(line))]  # fmt: skip


def roc_era_candidates(page_text: str) -> list[DateCandidate]:
    """Return a 民國113年6月3日 date written with its era name (Taiwan pages)."""
    m = _DATE_ROC_ERA.search(page_text)
    if m and (d := _valid(int(m.group(1)) + ROC_OFFSET, int(m.group(2)), int(m.group(3)))):
        return [DateCandidate(d, "header", "民國")]
    return []


# -- the choice -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class DateChoice:
    """The chosen publication date, the source that settled it, and flags on disagreements."""

    date: str | None
    source: str | None
    flags: tuple[str, ...] = ()


def choose_date(candidates: list[DateCandidate], listed: str | None) -> DateChoice:
    """Return the publication date: the page's stated one (settled by weight and the list row when its own
    dates disagree), else the list row's, else the document's own date (成文日期, signature), else none."""
    published = [c for c in candidates if c.source in SOURCE_WEIGHTS and c.source != "listed"]
    if published:
        votes: dict[str, int] = {}
        for c in published:
            votes[c.date] = votes.get(c.date, 0) + SOURCE_WEIGHTS[c.source]
        strong = any(c.source in STRONG_SOURCES for c in published)
        if listed and not strong and listed not in votes:
            return DateChoice(listed, "listed", ("listed_date_mismatch",))  # a list row outweighs URL/header dates
        if listed and listed in votes:
            votes[listed] += SOURCE_WEIGHTS["listed"]
        # the heaviest date; ties go to the earliest (a publication precedes its updates and recommendations)
        best = min(votes, key=lambda d: (-votes[d], d))
        source = next(c.source for c in sorted(published, key=lambda c: -SOURCE_WEIGHTS[c.source]) if c.date == best)
        flags = ("listed_date_mismatch",) if listed and listed != best else ()
        return DateChoice(best, source, flags)
    if listed:
        return DateChoice(listed, "listed")
    for source in ("signed", "signature"):
        if found := next((c for c in candidates if c.source == source), None):
            return DateChoice(found.date, source)
    return DateChoice(None, None)
