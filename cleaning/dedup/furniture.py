"""Dedup evidence without page furniture: lines the extractor would call chrome never count.

A copy that arrives through another site carries that site's chrome around the notice (a breadcrumb, a
meta line with date, source and a font-size widget, a block of related links listing other notices'
titles, a footer with 主办单位, ICP备 and print/close widgets). Left in, it dilutes the copy's similarity to
the notice and adds years and 文号 (of the related titles, the meta date) that trip the guards; two different
notices of one site would share it. ``evidence_lines`` keeps what the extractor would keep: it runs the
extractor's own line rules (``cleaning.extract.lines.filter_lines``: ``LINE_RULES``, ``UI_WORDS``, their
scopes, the cuts after a footer or a related-links heading) over the text's lines, each seen without the
brackets and list markers before it (【相关文章】 as 相关文章, · 标题 as 标题), plus structural checks the rules
leave to the page's DOM, which a text no longer has: breadcrumb trails and link bars (``FURNITURE_SHAPES``)
and lists of links in the tail (``LINK_RUN``). Works on text alone: ``zhcorpus dedup --jsonl`` takes texts
from elsewhere.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from cleaning.extract.line_rules import PROTECTED_LINE
from cleaning.extract.lines import SHORT_LINE, filter_lines, is_dense_line, is_prose

# Leading characters a line is seen without when the line rules look at it: brackets, bullets, colons,
# spaces (anything that is no letter, digit or Han character).
_LEAD = re.compile(r"^[\W_]+")
# Trailing closers and colons likewise (never a full stop: a sentence must stay a sentence for the rules).
_TAIL = re.compile(r"[】\]）)>》:：\s]+$")
_TAIL_CHARS = frozenset("】]）)>》:： \t")
_SENTENCE = re.compile("[，。；！？,;!?]")
_HAS_WORD = re.compile(r"[^\W\d_]")  # a letter or Han character (a part of only digits is a date, no crumb)

# Page furniture a text keeps in its shape, not its words (the DOM that told the extractor is gone):
# (name, separator, fewest parts, longest part). A short line without sentence punctuation, split by the
# separator into that many parts, each holding a letter or Han character and no longer than that.
FURNITURE_SHAPES: tuple[tuple[str, re.Pattern[str], int, int], ...] = (
    # 位置：网站首页 > 信息公开 > 文件通知 / 首页>>政策文件>>部门文件 / 首页 » 政策法规 » 部门文件
    ("trail", re.compile(r"\s*(?:>>|>|＞|»|›|→|/|\\)\s*"), 3, 16),
    # 首页 | 机构概况 | 政务公开 | 办事服务 / 网站地图 | 联系我们 | 隐私声明
    ("link_bar", re.compile(r"\s*[|｜]\s*"), 3, 10),
)


# Any separator of FURNITURE_SHAPES (most lines have none: the shapes are not tried on them).
_ANY_SEPARATOR = re.compile(r"[>＞»›→/\\|｜]")


def bare(line: str) -> str:
    """Return a line without the brackets, bullets and colons around its words."""
    if line[:1].isalnum() and line[-1:] not in _TAIL_CHARS:  # most lines: nothing to strip
        return line
    return _TAIL.sub("", _LEAD.sub("", line))


def furniture_shape(line: str) -> str | None:
    """Return the FURNITURE_SHAPES name a line has (a trail, a link bar), or None."""
    if len(line) > SHORT_LINE or not _ANY_SEPARATOR.search(line) or _SENTENCE.search(line):
        return None
    for name, separator, fewest, longest in FURNITURE_SHAPES:
        parts = separator.split(line.strip())
        if len(parts) >= fewest and all(0 < len(p) <= longest and _HAS_WORD.search(p) for p in parts):
            return name
    return None


# A list of links (other notices' titles) in the tail, after the text's last sentence: at least LINK_RUN
# lines in a row that are no sentence (no sentence punctuation) and no protected line (dates, 文号,
# attachments, numbered items), each LINK_MIN_CHARS long or more; the short line before the run is its
# heading (相关信息：, 相关连结). The rules drop such a block after a heading they know; this finds it after
# one they do not.
LINK_RUN = 3
LINK_MIN_CHARS = 8
LINK_HEADING_MAX = 12


def _link_list(lines: list[str]) -> set[int]:
    """Return the positions of link-list lines (and their headings) after the last sentence."""
    last = max((i for i, line in enumerate(lines) if is_prose(line)), default=-1)
    marks = [
        i > last and len(line) >= LINK_MIN_CHARS and not _SENTENCE.search(line) and not PROTECTED_LINE.match(line)
        for i, line in enumerate(lines)
    ]
    out: set[int] = set()
    i = 0
    while i < len(lines):
        if not marks[i]:
            i += 1
            continue
        j = i
        while j < len(lines) and marks[j]:
            j += 1
        if j - i >= LINK_RUN:
            out.update(range(i, j))
            head = i - 1
            if head > last and len(lines[head]) <= LINK_HEADING_MAX and not _SENTENCE.search(lines[head]):
                out.add(head)
        i = j
    return out


def evidence_lines(text: str) -> list[str]:
    """Return the non-empty lines of a text that are not page furniture (see the module docstring)."""
    lines = [line.strip() for line in text.split("\n")]
    lines = [line for line in lines if line]
    if not lines:
        return lines
    candidates = [line for line in lines if furniture_shape(line) is None]
    seen = [bare(line) or line for line in candidates]
    kept, _ = filter_lines(seen)
    # filter_lines returns the kept (bared) lines in order: walk them back onto the original lines
    out, j = [], 0
    for line, looked_at in zip(candidates, seen, strict=True):
        if j < len(kept) and looked_at == kept[j]:
            out.append(line)
            j += 1
    links = _link_list(out)
    return [line for i, line in enumerate(out) if i not in links] if links else out


def strip_furniture(text: str) -> str:
    """Return the text without its page furniture, one line per kept line."""
    return "\n".join(evidence_lines(text))


def dense_lines(lines: Sequence[str]) -> list[str]:
    """Return the lines that read as running text (``cleaning.extract.lines.is_dense_line``)."""
    return [line for line in lines if is_dense_line(line)]
