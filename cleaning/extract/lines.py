"""Line-level boilerplate removal: which lines read as text, the rule engine over ``line_rules``, title
repeats in the lead, and the trim of lead and tail to what reads as part of the notice.

Speed: a page's line features are memoised (``line_han``) and cheap tests run before regexes.
"""

from __future__ import annotations

import re
from functools import lru_cache

from cleaning.extract.html import count_han
from cleaning.extract.line_rules import EDITOR_CREDIT, EDITOR_LINE, LINE_RULES, PROTECTED_LINE, UI_WORDS

SENTENCE_PUNCT_RE = re.compile("[，。；！？]")

PARAGRAPH_MIN_HAN = 10  # a block with fewer Han characters is a label or menu item
DENSE_PLAIN_HAN = 20  # a line without sentence marks needs this many Han characters to read as text
STRONG_MIN_HAN = 15  # a line with a sentence mark and this many Han characters starts the text ...
STRONG_LONG_HAN = 30  # ... as does any line with this many
LEAD_KEEP = 6  # non-dense lead lines in a row kept before the first strong line (salutation, 文号)
LEAD_MIN_HAN_SHARE = 0.3  # a lead line is mostly Chinese text, not a date, counter or byline
TRAIL_KEEP = 8  # short non-dense lines kept after the last dense line (attachments, signature, date)
SHORT_LINE = 60  # anchor phrases act on lines at most this long (characters)
HEAD_LINES = 3  # ... or within the first lines
TAIL_LINES = 4  # ... or within the last lines

_UI_STRIP = re.compile(r"[\s\[\]【】()（）]+")
_UI_MAX_CHARS = max(3, *map(len, UI_WORDS))
_SYMBOLS_ONLY = re.compile(r"^[\W_]+$")
_SPACES = re.compile(r"\s+")


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


def editor_credits(line: str) -> list[tuple[str, str]]:
    """Return the (role, name) pairs of a credits line (责任编辑：王岚, 编辑：王某 审核：李某), or [] for any
    other line; a name may be empty (责任编辑：)."""
    if len(line) > SHORT_LINE or EDITOR_LINE.match(line) is None:
        return []
    return [(m.group(1), m.group(2)) for m in EDITOR_CREDIT.finditer(line)]


def editor_line(line: str) -> tuple[str, str] | None:
    """Return (role, name) of a credits line's first credit (责任编辑：王岚 -> ("责任编辑", "王岚")), else None.

    Extraction drops such lines from the text; metadata may read them. The roles are line_rules.EDITOR_ROLES.
    """
    credits = editor_credits(line)
    return credits[0] if credits else None


def chrome_rule(line: str) -> str | None:
    """Return the name of the first line rule (any scope) matching a short line that is not prose, else None:
    what such a line would be dropped as at the text's head or tail (发布时间：… 来源：…, 【打印】, 责任编辑：…)."""
    if len(line) > SHORT_LINE or is_prose(line):
        return None
    anchored, floating = _applicable_rules(True, True, True, True, True)  # every rule, joined where it can be
    if anchored.match(line) is None and not _search_any(floating, line):
        return None
    return next((name for name, pattern, _ in LINE_RULES if pattern.search(line)), None)


def filter_lines(lines: list[str]) -> tuple[list[str], dict[str, int]]:
    """Return lines without boilerplate per LINE_RULES and UI_WORDS, and counts dropped per rule."""
    kept: list[str] = []
    dropped: dict[str, int] = {}
    n = len(lines)
    # where the text starts and ends: its strong lines, less those a rule drops anywhere (a labelled
    # disclaimer is a long sentence, yet the credits line above it is the text's tail)
    anywhere = _applicable_rules(False, False, False, False, False)
    strong = [
        i
        for i, line in enumerate(lines)
        if is_strong_line(line) and anywhere[0].match(line) is None and not _search_any(anywhere[1], line)
    ]
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
        if cut and not _prose_follows(lines, i + 1):
            dropped[name] = dropped.get(name, 0) + (n - i)
            break
        dropped[name] = dropped.get(name, 0) + 1
    return kept, dropped


_SENTENCE_END = re.compile("[。！？；][”’」』）)]?$")
PROSE_RUN = 3  # this many sentences in a row after an anchor line are text: the anchor does not cut them
PROSE_RUN_MIN_HAN = 12
PROSE_LOOKAHEAD = 6  # ... looked for within this many lines after it


def _prose_follows(lines: list[str], start: int) -> bool:
    """Return True when PROSE_RUN whole sentences in a row follow soon after start: a list-formatted article
    under a 推荐阅读 heading, never a list of links to cut."""
    run = 0
    for line in lines[start : start + PROSE_LOOKAHEAD + PROSE_RUN]:
        if "\t" not in line and line_han(line) >= PROSE_RUN_MIN_HAN and _SENTENCE_END.search(line):
            run += 1
            if run >= PROSE_RUN:
                return True
        else:
            run = 0
    return False


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


class AnchoredRules:
    """Rules anchored at the line start, matched at once: by the line's first non-space character, only the
    rules that can start with it (joined into one pattern); rules whose first character can't be told are
    tried on every line. Most lines of a text start with a character no rule starts with."""

    def __init__(self, patterns: list[str]) -> None:
        firsts = [(p, _first_chars(p)) for p in patterns]
        anywhere = [p for p, chars in firsts if chars is None]
        keyed = {c for _, chars in firsts if chars for c in chars}
        self._rest = _joined(anywhere)
        self._by_first = {c: _joined([p for p, chars in firsts if chars is None or c in chars]) for c in sorted(keyed)}

    def match(self, line: str) -> re.Match[str] | None:
        """Return the match of the first applicable anchored rule at the line's start, or None."""
        return self._by_first.get(line.lstrip()[:1], self._rest).match(line)


def _joined(patterns: list[str]) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{p})" for p in patterns)) if patterns else _NEVER


def _first_chars(pattern: str) -> frozenset[str] | None:
    """Return the characters a match of pattern can start with once leading spaces are skipped, or None when
    that can't be told (the parse of Python's own regex compiler, re._parser)."""
    try:
        chars, _ = _first_of(re._parser.parse(pattern))  # type: ignore[attr-defined]
    except Exception:  # an internal module of another Python: the rule is simply tried on every line
        return None
    return None if chars is None else frozenset(chars)


def _first_of(items) -> tuple[set[str] | None, bool]:  # noqa: ANN001 (a re._parser SubPattern)
    """Return (first characters, whether the sequence can match empty) of a parsed regex sequence."""
    c = re._constants  # type: ignore[attr-defined]
    out: set[str] = set()
    for op, av in items:
        if op is c.AT:
            continue
        if op is c.LITERAL:
            return out | {chr(av)}, False
        if op in (c.MAX_REPEAT, c.MIN_REPEAT):
            low, _, sub = av
            chars, empty = _first_of(sub)
            if chars is None:
                return None, False
            out |= chars
            if low and not empty and chars:  # (spaces alone are skipped: chars is empty)
                return out, False
            continue
        if op is c.IN:
            chars = _in_chars(av)
            if chars is None:
                return None, False
            if not chars:  # a space
                continue
            return out | chars, False
        if op in (c.BRANCH, c.SUBPATTERN):
            empty_any = False
            for branch in av[1] if op is c.BRANCH else [av[3]]:
                chars, empty = _first_of(branch)
                if chars is None:
                    return None, False
                out |= chars
                empty_any |= empty
            if not empty_any:
                return out, False
            continue
        return None, False
    return out, True


def _in_chars(items) -> set[str] | None:  # noqa: ANN001
    """Return the characters of a parsed character class; \\s counts for none (lines are matched from their
    first non-space character), \\d for the digits; None for anything wider."""
    c = re._constants  # type: ignore[attr-defined]
    out: set[str] = set()
    for op, av in items:
        if op is c.LITERAL:
            out.add(chr(av))
        elif op is c.RANGE and av[1] - av[0] <= 256:
            out.update(map(chr, range(av[0], av[1] + 1)))
        elif op is c.CATEGORY and av is c.CATEGORY_SPACE:
            continue
        elif op is c.CATEGORY and av is c.CATEGORY_DIGIT:
            out.update("0123456789")
        else:
            return None
    return out


@lru_cache(maxsize=64)
def _applicable_rules(
    short: bool, head: bool, tail: bool, lead: bool, after: bool
) -> tuple[AnchoredRules, tuple[re.Pattern[str], ...]]:
    """Return (the rules anchored at the line start, the other rules) that may act on such a line; a prose
    line asks as a long one (only "anywhere" rules and the head/tail act on it).

    The anchored ones are tried at the start only (``match``, by first character). The others are searched
    one by one: each starts with a set of literal characters the regex engine skips ahead to, which a joined
    pattern loses.
    """
    zone = {"head": head, "tail": tail, "lead": lead, "after": after}
    patterns = [pattern for _, pattern, scope in LINE_RULES if _rule_applies(scope, short, zone)]
    anchored = AnchoredRules([p.pattern for p in patterns if p.pattern.startswith("^")])
    return anchored, tuple(p for p in patterns if not p.pattern.startswith("^"))


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
    if short_kept >= TRAIL_KEEP:
        end += _field_list_run(lines[end:], lines[end - short_kept : end])
    return lines[start:end], len(lines) - (end - start)


FIELD_LIST_SHARE = 0.8  # this share of a run of short lines with the same number of fields is a list


def _field_list_run(rest: list[str], kept: list[str]) -> int:
    """Return how many of rest continue a list of records written as lines (张三 男 文昌街道), the kept
    trailing lines being its start: a name list published as paragraphs, never a list of headlines (one
    field each)."""
    fields = [len(line.split()) for line in kept]
    common = max(set(fields), key=fields.count)
    if common < 2 or fields.count(common) < FIELD_LIST_SHARE * len(fields):
        return 0
    n = 0
    for line in rest:
        if len(line) > SHORT_LINE or not _lead_ok(line) or len(line.split()) != common:
            break
        n += 1
    return n
