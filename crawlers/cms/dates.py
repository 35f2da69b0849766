"""Dates as list rows show them (2026-01-05, 2026年1月5日, [01-05], 2026/1/5, ...) and dates in detail URLs."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta, timezone

CHINA = timezone(timedelta(hours=8))

# Full dates a list row shows, tried in order; each yields (year, month, day).
FULL_DATES: list[tuple[str, re.Pattern[str]]] = [
    # 2026-01-05, 2026/1/5, 2026.01.05, 2026-01-05 09:30 (the time is ignored)
    ("ymd", re.compile(r"(?<!\d)((?:19|20)\d{2})\s*[-/.]\s*(\d{1,2})\s*[-/.]\s*(\d{1,2})(?!\d)")),
    # 2026年1月5日, 2026年01月05日
    ("ymd_cn", re.compile(r"(?<!\d)((?:19|20)\d{2})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日?")),
    # 20260105 standing alone (some 信息公开 catalogues)
    ("ymd_compact", re.compile(r"(?<![\d_])((?:19|20)\d{2})(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])(?![\d_])")),
]

# Month and day without a year, as short lists show them: [01-05], (01-05), 01-05, 1月5日. Only accepted when
# the text around them is nothing else (a cell or span of its own, or brackets), never inside running text.
MONTH_DAY = re.compile(r"^\s*[\[(（【]?\s*(\d{1,2})\s*(?:[-/.]|月)\s*(\d{1,2})\s*日?\s*[\])）】]?\s*$")
MONTH_DAY_BRACKETED = re.compile(r"[\[(（【]\s*(\d{1,2})\s*[-/.]\s*(\d{1,2})\s*[\])）】]")

# Taiwan (民國) dates: 113/08/05 standing alone, or 民國113年8月5日 anywhere; the year is ROC (+1911).
ROC_ALONE = re.compile(r"^\s*[\[(（]?\s*(\d{2,3})\s*[-/.]\s*(\d{1,2})\s*[-/.]\s*(\d{1,2})\s*[\])）]?\s*$")
ROC_NAMED = re.compile(r"民[國国]\s*(\d{2,3})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日?")
ROC_OFFSET = 1911

# Dates in detail URLs, as TRS, Hanweb and other CMSs write them; each yields (year, month, day or None).
URL_DATES: list[tuple[str, re.Pattern[str]]] = [
    # TRS: /202403/t20240301_123.html
    ("trs", re.compile(r"/t((?:19|20)\d{2})(\d{2})(\d{2})_\d+")),
    # Hanweb: /art/2005/3/6/art_12_345.html (months and days without zero padding)
    ("hanweb", re.compile(r"/art/((?:19|20)\d{2})/(\d{1,2})/(\d{1,2})/")),
    # /2024-03-01/ or /2024/03/01/
    ("ymd_path", re.compile(r"/((?:19|20)\d{2})[-/](\d{1,2})[-/](\d{1,2})/")),
    # /20240301/ or _20240301 or 20240301123456.shtml
    ("ymd_compact", re.compile(r"[/_]((?:19|20)\d{2})(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])")),
    # /202403/ (a month folder)
    ("ym_path", re.compile(r"/((?:19|20)\d{2})(0[1-9]|1[0-2])/")),
]


def make_date(year: int, month: int, day: int) -> date | None:
    """Return the date, or None when the numbers are not a real date in a plausible range."""
    if not 1990 <= year <= 2100:
        return None
    try:
        return date(year, month, day)
    except ValueError:
        return None


def find_full_date(text: str) -> tuple[date, str] | None:
    """Return the last full date in `text` and the text that showed it, or None."""
    best: tuple[int, date, str] | None = None
    for _name, pattern in FULL_DATES:
        for m in pattern.finditer(text):
            found = make_date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
            if found and (best is None or m.start() > best[0]):
                best = (m.start(), found, m.group(0).strip())
    return (best[1], best[2]) if best else None


def find_roc_date(text: str) -> tuple[date, str] | None:
    """Return a 民國 date (113/08/05 alone, or 民國113年8月5日) as a Gregorian date and its shown text, else None."""
    m = ROC_ALONE.match(text) or ROC_NAMED.search(text)
    if not m or not 60 <= int(m.group(1)) <= 199:
        return None
    found = make_date(int(m.group(1)) + ROC_OFFSET, int(m.group(2)), int(m.group(3)))
    return (found, m.group(0).strip()) if found else None


def find_month_day(text: str) -> tuple[int, int, str] | None:
    """Return (month, day, shown text) of a yearless date standing alone or bracketed in `text`, else None."""
    m = MONTH_DAY.match(text) or MONTH_DAY_BRACKETED.search(text)
    if not m:
        return None
    month, day = int(m.group(1)), int(m.group(2))
    if not (1 <= month <= 12 and 1 <= day <= 31):
        return None
    return month, day, m.group(0).strip()


def url_date(url: str) -> tuple[int, int, int | None] | None:
    """Return (year, month, day or None) a detail URL carries, or None."""
    for name, pattern in URL_DATES:
        m = pattern.search(url)
        if not m:
            continue
        year, month = int(m.group(1)), int(m.group(2))
        day = int(m.group(3)) if name != "ym_path" else None
        if make_date(year, month, day or 1):
            return year, month, day
    return None


def infer_year(month: int, day: int, url: str, previous: date | None, today: date) -> date | None:
    """Return the full date of a yearless row date.

    The detail URL's year wins when its month agrees; otherwise the row continues the list's order (newest
    first): the year of the previous row's date (or today's), one less when the month-day is more than a month
    later than that date (a list crossing New Year; pinned rows and same-day jitter stay in the year).
    """
    from_url = url_date(url)
    if from_url and from_url[1] == month:
        return make_date(from_url[0], month, day)
    anchor = previous or today
    found = make_date(anchor.year, month, day) or make_date(anchor.year - 1, month, day)  # 02-29
    if found and found > anchor + YEAR_WRAP_SLACK:
        found = make_date(anchor.year - 1, month, day)
    return found


# How far a yearless date may lie after the row before it and still be in the same year.
YEAR_WRAP_SLACK = timedelta(days=31)


def epoch_date(value: float) -> date | None:
    """Return the China date of epoch seconds or milliseconds (as JSON list APIs send), else None."""
    seconds = value / 1000 if value > 1e11 else value
    if not 631152000 <= seconds <= 4102444800:  # 1990 .. 2100
        return None
    return datetime.fromtimestamp(seconds, UTC).astimezone(CHINA).date()


def today_in_china() -> date:
    """Return today's date in China (list pages are dated in CST)."""
    return datetime.now(UTC).astimezone(CHINA).date()
