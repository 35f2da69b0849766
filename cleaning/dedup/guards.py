"""Dedup guards: the 文号, year mentions and figures that keep look-alike notices (yearly editions) apart.

``extract_guards`` finds them in one regex pass over folded text (``cleaning.dedup.keys.fold_texts``);
``guard_conflict`` decides whether two near-duplicates may share a cluster and ``containment_conflict``
whether one document may be a part of another. Part of the dedup engine (``cleaning/dedup/engine.py``).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cached_property

from cleaning.dedup.keys import fold_texts

# 文号 and year mentions, found in one pass from their year digits (the search skips ahead to a 1 or 2).
# A year mention: 2024年 / 2024年度 / 2024-03-05 / 2024.3.5 (group 2 set). A 文号: issuer abbreviation, year in
# 〔〕 [] 【】 () brackets, number, 号 (group 3 is the number; the opening bracket is checked before the
# digits). Matched on NFKC + simplified text, so ［］（）﹝﹞ and 號 are already folded. e.g. 民发〔2024〕8号,
# 青民发[2024]12号, 粤民函【2023】第5号. The look-behind (no digit before the year) sits after the year:
# four times faster than a leading (?<!\d) on long texts. A 文号's year is no year mention.
GUARD_RE = re.compile(
    r"((?:19|20)\d{2})(?<!\d{5})\s*"
    r"(?:(年|[-/.]\d{1,2}[-/.]\d{1,2})"  # year mention
    r"|[〕\]】)]\s*第?\s*0*(\d{1,5})\s*号)"  # 文号
)
DOC_NUMBER_OPEN = frozenset("〔[【(")
# The issuer abbreviation: the Han characters right before the bracket (searched backwards, so cheap).
DOC_PREFIX_RE = re.compile(r"([\u4e00-\u9fff]{1,12})\s*$")
# Characters that end the running text before an issuer abbreviation (根据民发… -> 民发).
DOC_PREFIX_CUT_RE = re.compile(r".*[的据照将和及与见于为按依转在以是经对]")
DOC_PREFIX_MAX = 8
# A side whose year mentions are at least this share on years the other side never mentions differs.
YEAR_CONFLICT_SHARE = 0.5
# Figures: the numbers of a document's running text (its dense lines: amounts, counts, dates, phone numbers),
# those of two digits or more (a single digit is mostly a list marker or a day) but no year (the year guard's;
# editions of one year share it), and the months of its dates (2024年3月 counts as 2024-3: editions a month
# apart may differ in nothing else).
# Editions of one notice family differ in them (another month's 低保 payment, another 公示's birth dates)
# where reposts keep them: a copy adding a wrapper or dropping a paragraph holds most of the other's
# figures on one side at least. Two documents with FIGURES_MIN distinct figures or more each, neither
# holding more than FIGURES_SHARE of the other's, differ.
FIGURES_MIN = 4
FIGURES_SHARE = 0.5
FIGURE_RE = re.compile(r"[0-9]{2,}")  # ASCII digits: NFKC made full-width ones so
MONTH_RE = re.compile(r"((?:19|20)[0-9]{2})\s*年\s*([0-9]{1,2})\s*月")
# Dates and years, whose parts are no figures of their own (a month's 11 is no amount; years are the year
# guard's): 2024年3月5日, 3月5日, 2024年3月, 2024年.
DATE_RE = re.compile(
    r"(?:19|20)[0-9]{2}\s*年(?:\s*[0-9]{1,2}\s*月(?:\s*[0-9]{1,2}\s*[日号])?)?"  # 2024年, 2024年3月, 2024年3月5日
    r"|[0-9]{1,2}\s*月\s*[0-9]{1,2}\s*[日号]"  # 3月5日
)


@dataclass(frozen=True)
class Guards:
    """What keeps look-alike notices apart: their 文号 (prefix, year, number) and year mentions."""

    doc_numbers: frozenset[tuple[str, str, str]] = frozenset()
    years: tuple[tuple[str, int], ...] = ()
    figures: frozenset[str] = frozenset()

    def to_json(self) -> str:
        """Return the guards as compact JSON (the ``guards`` row column)."""
        data: dict = {"doc_numbers": sorted(map(list, self.doc_numbers)), "years": dict(self.years)}
        if self.figures:
            data["figures"] = sorted(self.figures)
        return json.dumps(data, ensure_ascii=False, separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str) -> Guards:
        """Return guards parsed from ``to_json`` output."""
        data = json.loads(text)
        return cls(
            frozenset(tuple(d) for d in data["doc_numbers"]),
            tuple(sorted(data["years"].items())),
            frozenset(data.get("figures", ())),
        )

    # derived once per object: guards are compared for every candidate pair
    @cached_property
    def prefixes(self) -> frozenset[str]:
        """Return the issuer prefixes of the 文号."""
        return frozenset(p for p, _, _ in self.doc_numbers)

    @cached_property
    def year_counts(self) -> dict[str, int]:
        """Return year -> mentions."""
        return dict(self.years)

    @cached_property
    def year_total(self) -> int:
        """Return the number of year mentions."""
        return sum(n for _, n in self.years)


def _doc_prefix(raw: str) -> str:
    prefix = DOC_PREFIX_CUT_RE.sub("", raw)
    return (prefix or raw)[-DOC_PREFIX_MAX:]


def _scan_guards(folded: str) -> tuple[list[tuple[str, str, str]], dict[str, int]]:
    """Return (文号 as (issuer prefix, year, number), year -> mentions) of NFKC+simplified text, one pass."""
    numbers, years = [], {}
    for m in GUARD_RE.finditer(folded):
        year, mention, number = m.groups()
        if mention is not None:
            years[year] = years.get(year, 0) + 1
            continue
        j = m.start() - 1
        while j >= 0 and folded[j].isspace():
            j -= 1
        if j < 0 or folded[j] not in DOC_NUMBER_OPEN:
            continue
        head = DOC_PREFIX_RE.search(folded, max(0, j - 16), j)
        if head:
            numbers.append((_doc_prefix(head.group(1)), year, number))
    return numbers, years


def extract_doc_numbers(folded: str) -> list[tuple[str, str, str]]:
    """Return the 文号 in NFKC+simplified text as (issuer prefix, year, number without leading zeros)."""
    return _scan_guards(folded)[0]


def format_doc_number(doc_number: tuple[str, str, str]) -> str:
    """Return a normalised 文号 string, e.g. 民发〔2024〕8号."""
    prefix, year, number = doc_number
    return f"{prefix}〔{year}〕{number}号"


def extract_years(folded: str) -> dict[str, int]:
    """Return year -> mentions (2024年, 2024年度, 2024-03-05) in NFKC+simplified text, 文号 excluded."""
    return _scan_guards(folded)[1]


def extract_figures(running_text: str) -> frozenset[str]:
    """Return the distinct figures of running text: numbers of two digits or more without leading zeros, and
    year-months (see FIGURES_MIN)."""
    months = {f"{y}-{int(m)}" for y, m in MONTH_RE.findall(running_text)}
    undated = DATE_RE.sub(" ", running_text) if "年" in running_text or "月" in running_text else running_text
    figures = {m.lstrip("0") or "0" for m in FIGURE_RE.findall(undated)}
    figures |= months
    return frozenset(figures)


def extract_guards(folded: str, doc_number: str | None = None, running_text: str = "") -> Guards:
    """Return the guards of a folded text plus its page's own 文号 (meta), if any, and the figures of its
    running text (its dense lines)."""
    numbers, years = _scan_guards(folded)
    if doc_number:
        numbers += extract_doc_numbers(fold_texts([doc_number])[0])
    return Guards(frozenset(numbers), tuple(sorted(years.items())), extract_figures(running_text))


def guard_conflict(a: Guards, b: Guards) -> str | None:
    """Return why two documents must stay apart ("doc_number" or "year"), or None.

    文号: they conflict when they share none and some pair has the same issuer prefix (same series,
    another number: next year's edition), so a forwarding wrapper with its own 文号 still matches.
    Years: one side has at least half of its year mentions on years the other never mentions.
    Figures: neither side holds more than half of the other's running-text figures (FIGURES_MIN, FIGURES_SHARE).
    """
    if a.doc_numbers and b.doc_numbers and not (a.doc_numbers & b.doc_numbers) and a.prefixes & b.prefixes:
        return "doc_number"
    if a.years and b.years:
        for this, other in ((a, b), (b, a)):
            seen = other.year_counts
            alien = sum(n for y, n in this.years if y not in seen)
            if alien and alien >= YEAR_CONFLICT_SHARE * this.year_total:
                return "year"
    fa, fb = a.figures, b.figures
    if len(fa) >= FIGURES_MIN and len(fb) >= FIGURES_MIN:
        shared = len(fa & fb)
        if shared <= FIGURES_SHARE * len(fa) and shared <= FIGURES_SHARE * len(fb):
            return "figures"
    return None


def containment_conflict(small: Guards, large: Guards) -> bool:
    """Return True if the smaller document cannot be a part of the larger: its 文号 series or years differ.

    Only the smaller side is checked for foreign years: a splice mixes the years of several notices.
    """
    if small.doc_numbers and large.doc_numbers and not (small.doc_numbers & large.doc_numbers):
        if small.prefixes & large.prefixes:
            return True
    if small.years and large.years:
        seen = large.year_counts
        alien = sum(n for y, n in small.years if y not in seen)
        if alien and alien >= YEAR_CONFLICT_SHARE * small.year_total:
            return True
    return False
