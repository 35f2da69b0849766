"""Split compilation pages (共3篇, 篇一/篇二, 【1】, 第一篇) into parts.

Choice: every part's title is ``PAGE TITLE（篇N）`` (unique, keeps the page title, sorts together);
a part's own heading, when it has one, stays as the first line of its text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

CN_NUMERALS = "零一二三四五六七八九十"
HEADING_MAX_CHARS = 60
MISMATCH_SHARE = 0.4  # parts sharing fewer of the title's bigrams than this get part_title_mismatch ...
# ... unless they contain the title's topic: its first bigram that isn't a genre word (活动 总结 范文).
GENRE_BIGRAMS: frozenset[str] = frozenset(
    "活动 活動 动总 動總 总结 總結 范文 範文 方案 计划 計劃 工作 心得 体会 體會 报告 報告 主题 主題 题活 題活 "
    "年度 通知 讲话 講話 发言 發言 演讲 演講 月活 周活 週活 日活".split()
)

# Part headings: (name, pattern with groups "head" and "num"). Only short lines are tried.
PART_HEADINGS: tuple[tuple[str, re.Pattern[str]], ...] = (
    # 1.以基层基础建设年为重点,主题实践活动方案 篇一
    ("pian_suffix", re.compile(r"^(?:\d{1,2}\s*[.、．]\s*)?(?P<head>.*?)\s*篇(?P<num>[一二三四五六七八九十]{1,3})$")),
    # 2017年開展社會工作宣傳週活動總結【1】
    ("bracket_number", re.compile(r"^(?P<head>.*?\S)\s*[【\[]\s*(?P<num>\d{1,2})\s*[】\]]$")),
    # 第一篇：社区活动总结 / 第2篇
    ("di_pian", re.compile(r"^第(?P<num>[一二三四五六七八九十]{1,3}|\d{1,2})篇\s*[:：、.．]?\s*(?P<head>.*)$")),
    # 【2016社區國際社工日活動方案2】: the title repeated with a number, in brackets
    ("bracketed_title_number", re.compile(r"^[【\[](?P<head>.*?\D)\s*(?P<num>\d{1,2})[】\]]$")),
)
# Every PART_HEADINGS pattern needs a 篇 or a closing bracket at the end: lines with neither are skipped
# before the patterns are tried (most lines of a page).
HEADING_HINT = re.compile(r"篇|[】\]]$")
# 以基层基础建设年为重点,主题实践活动方案(共3篇)
TOTAL_MARKER = re.compile(r"[（(]\s*共\s*(\d{1,2})\s*篇\s*[）)]")
_HAN = re.compile("[\u4e00-\u9fff]")


@dataclass
class Part:
    """One part of a compilation page: 1-based index, its own heading (or None) and its lines."""

    index: int
    heading: str | None
    lines: list[str]
    flags: list[str] = field(default_factory=list)


def _to_int(num: str) -> int:
    if num.isdigit():
        return int(num)
    if "十" in num:
        tens, _, ones = num.partition("十")
        return (CN_NUMERALS.index(tens) if tens else 1) * 10 + (CN_NUMERALS.index(ones) if ones else 0)
    return CN_NUMERALS.index(num) if len(num) == 1 else 0


def part_title(page_title: str, index: int, heading: str | None = None) -> str:
    """Return the title of part ``index``: ``PAGE TITLE（篇一）``, without the page's (共3篇).

    A page without a title uses the part's own heading instead.
    """
    num = CN_NUMERALS[index] if index <= 10 else str(index)
    base = TOTAL_MARKER.sub("", page_title).strip() or (heading or "").strip()
    return f"{base}（篇{num}）"


def _title_bigrams(title: str) -> set[str]:
    han = "".join(_HAN.findall(title))
    return {han[i : i + 2] for i in range(len(han) - 1)}


def title_overlap(title: str, text: str) -> float:
    """Return the share of the title's Han bigrams that occur in text (1.0 when the title has none)."""
    grams = _title_bigrams(title)
    return sum(1 for g in grams if g in text) / len(grams) if grams else 1.0


def title_topic(title: str) -> str | None:
    """Return the title's first Han bigram that isn't a genre word: 殯葬 in 殯葬改革宣傳月活動總結."""
    for run in re.findall("[\u4e00-\u9fff]+", title):
        for i in range(len(run) - 1):
            if run[i : i + 2] not in GENRE_BIGRAMS:
                return run[i : i + 2]
    return None


def find_headings(lines: list[str]) -> list[tuple[int, int, str]]:
    """Return (line index, part number, heading) for the best-supported heading pattern, in order."""
    best: list[tuple[int, int, str]] = []
    candidates = [(i, line.strip()) for i, line in enumerate(lines) if len(line) <= HEADING_MAX_CHARS]
    candidates = [(i, line) for i, line in candidates if HEADING_HINT.search(line)]
    for _name, pattern in PART_HEADINGS:
        hits = []
        for i, line in candidates:
            m = pattern.match(line)
            if m and (num := _to_int(m.group("num"))) > 0:
                hits.append((i, num, m.group("head").strip()))
        # Keep the longest run numbered 1, 2, 3... (or starting at 2 when part 1's heading is lost).
        run: list[tuple[int, int, str]] = []
        for hit in hits:
            if (not run and hit[1] in (1, 2)) or (run and hit[1] == run[-1][1] + 1):
                run.append(hit)
        if len(run) > len(best):
            best = run
    return best


def split_parts(lines: list[str], page_title: str) -> list[Part]:
    """Return the parts of a compilation page, or [] for a normal page. Lines before part 1 are dropped."""
    headings = find_headings(lines)
    total = TOTAL_MARKER.search(page_title) or next((m for ln in lines[:5] if (m := TOTAL_MARKER.search(ln))), None)
    if len(headings) < 2 and not (total and headings):
        return []
    parts: list[Part] = []
    first_line, first_num = headings[0][0], headings[0][1]
    if first_num == 2 and first_line > 0:
        # Part 1 has no heading left (or never had one): everything before part 2 is part 1.
        parts.append(Part(1, None, lines[:first_line]))
    bounds = [h[0] for h in headings] + [len(lines)]
    for (start, num, head), end in zip(headings, bounds[1:], strict=True):
        parts.append(Part(num, head or None, lines[start:end]))
    key_title = TOTAL_MARKER.sub("", page_title)
    topic = title_topic(key_title)
    for part in parts:
        body = "\n".join(part.lines[1:] if part.heading else part.lines)
        # A heading that repeats the page title says nothing about the part; its own heading does.
        own_heading = part.heading if part.heading and _title_bigrams(part.heading) != _title_bigrams(key_title) else ""
        on_topic = topic is not None and (topic in body or topic in own_heading)
        if title_overlap(key_title, body) < MISMATCH_SHARE and not on_topic:
            part.flags.append("part_title_mismatch")
    return [p for p in parts if any(_HAN.search(ln) for ln in p.lines)]
