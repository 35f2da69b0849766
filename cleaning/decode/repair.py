"""Text repairs on extracted text: each fix is pure ``str -> (str, count)``; damage we can't fix is flagged.

Every fix must leave clean Chinese text byte-identical (tested), so a fix only fires on a pattern that
clean text never contains.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_left
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache, lru_cache

import numpy as np

from cleaning.decode.charfreq import CANTONESE_COMMON, COMMON_HANZI, COMMON_LEVEL1, PUNCT_ZH, char_model
from cleaning.decode.mojibake import fix_mojibake
from cleaning.text.script import simplify_chars

HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_HAN_RE = re.compile(f"[{HAN}]")
_NON_HAN_RUN = re.compile(f"[^{HAN}]+")

# Pinyin residue: 會(huì) / 动(dong4) / 社會(shè huì) / 會（huì）, flattened <ruby> annotations right after
# Han characters. The regex only finds candidates: a candidate is removed when its syllables are readings
# of the Han characters before it (pypinyin, all heteronyms), so (一), 村(居)委会, 函数(f), 方案(a) stay.
_TONE_MARKS = frozenset("āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜ")
# (Patterns here start with a character, not a lookbehind: the regex engine then skips ahead to that
# character instead of trying the lookbehind at every position, several times faster on long text.)
_PINYIN_CANDIDATE = re.compile(rf"[(（](?<=[{HAN}][(（])\s*([a-zA-Zü{''.join(_TONE_MARKS)}1-5 ]{{1,30}}?)\s*[)）]")
_NOT_LETTERS = " 12345"  # what a candidate may hold besides letters
MAX_RESIDUE_SYLLABLES = 4  # one syllable per preceding character, at most this many characters
# Toneless candidates (会(hui)) count only in a text with at least this many toned residues.
TONELESS_MIN_TONED = 1


@cache
def _readings(char: str) -> tuple[frozenset[str], frozenset[str]]:
    """Return the readings of char: (with tone numbers, neutral tone as 5; without tones)."""
    from pypinyin import Style, pinyin  # loaded only for pages that show residue candidates

    toned = frozenset(pinyin(char, style=Style.TONE3, heteronym=True, neutral_tone_with_five=True)[0])
    return toned, frozenset(r.rstrip("12345") for r in toned)


@lru_cache(maxsize=4096)  # a few thousand pinyin syllables exist
def _tone3(syllable: str) -> str:
    """Return a syllable with its tone as a trailing number (huì -> hui4, lǜ -> lv4), or without one."""
    from pypinyin.contrib.tone_convert import to_tone3

    return to_tone3(syllable.lower().replace("ü", "v"))


def _syllable_fits(char: str, syllable: str, toneless: bool) -> bool:
    """Return True if syllable (tone marks, a tone number or, if toneless, no tone) reads char."""
    toned, plain = _readings(char)
    syl = _tone3(syllable)
    if syl[-1:].isdigit():
        return syl in toned
    # no tone: a neutral-tone syllable (们 men in wǒ men), or any reading where toneless residue counts
    return syl + "5" in toned or (toneless and syl in plain)


def _reads_as(chars: str, residue: str, toneless: bool) -> bool:
    """Return True if residue splits into one syllable per character of chars, each a reading of it."""
    if not chars:
        return not residue
    for end in range(min(len(residue), 7), 0, -1):  # the longest syllable is 6 letters and a tone (zhuang4)
        head, rest = residue[:end], residue[end:].lstrip()
        if head.strip() == head and _syllable_fits(chars[0], head, toneless) and _reads_as(chars[1:], rest, toneless):
            return True
    return False


def _residue_is_toned(residue: str) -> bool:
    return any(c in _TONE_MARKS or c.isdigit() for c in residue.lower())


def _residue_reading(text: str, m: re.Match, toneless: bool) -> bool:
    """Return True if the parenthesised syllables of m read the Han characters right before it."""
    residue = m.group(1).strip()
    if not residue or (not toneless and not _residue_is_toned(residue)):
        return False
    start = m.start()
    for k in range(1, MAX_RESIDUE_SYLLABLES + 1):
        chars = text[start - k : start]
        if len(chars) < k or not _HAN_RE.match(chars[0]):
            break
        if _reads_as(chars, residue, toneless):
            return True
    return False


# A run of commas/enumeration marks, or commas right before a stronger stop: 目标,,在 / 知识,、树立 / 发展,。
_DOUBLED_PUNCT = re.compile(r"[,，、]{2,}|[,，、]+(?=[。；;：:！？!?])")
# What every such run starts with; searched first, as it costs a sixth of the pattern above on clean text.
_DOUBLED_PUNCT_START = re.compile(r"[,，、][,，、。；;：:！？!?]")

# Half-width punctuation between two CJK characters -> full-width.
HALF_TO_FULL: dict[str, str] = {",": "，", ":": "：", ";": "；", "?": "？", "!": "！"}
_CJK_CTX = f"{HAN}“”‘’《》「」（）"
_HALF_PUNCT = re.compile(rf"([,:;?!])(?<=[{_CJK_CTX}][,:;?!])(?=[{_CJK_CTX}])")

# Letter-spaced Han runs (社 会 工 作): three or more single characters separated by single spaces.
_LETTER_SPACED = re.compile(rf"[{HAN}](?<![{HAN}][{HAN}])(?: [{HAN}]){{2,}}(?![{HAN}])")
# What every letter-spaced run holds; starting with a space, it is found far faster than the pattern above,
# which is tried at every Han character.
_LETTER_SPACED_PART = re.compile(rf" [{HAN}] [{HAN}]")
# A space glued to full-width punctuation: 工作 ，/ 。 各单位.
_SPACE_NEAR_FULLWIDTH = re.compile(
    rf" (?<=[{HAN}] ) *(?=[，。、；：！？”』」）])| (?<=[，。、；：！？“『「（] ) *(?=[{HAN}])"
)

# Byte-shift damage (慶;顒 for 慶祝活動): a Han char, a half-width ; or !, then a rare Han char.
_BYTE_SHIFT = re.compile(rf"[{HAN}][;!]([{HAN}])")

# Byte-shift runs: a GBK or Big5 stream that lost one byte reads every following pair one byte off
# until it resyncs, a run of valid characters drawn almost at random from the code table
# (为进一步龊贸窍绲捅...). Such a run has three marks real text lacks all at once, rare names,
# classical phrases and Cantonese included: no two neighbours form part of a dictionary word, several
# characters lie outside the common level of GB2312 and Big5, and the character model finds it very
# unlikely. Stretches shorter than a window can't be told from a name and are not looked for.
SHIFT_WINDOW = 8  # characters judged together
SHIFT_MIN_NATS = 10.0  # mean surprisal per character in the window (bench damage: 13+ for 95%)
SHIFT_MIN_UNCOMMON = 3  # characters outside COMMON_LEVEL1 and COMMON_HANZI in the window
# Written Cantonese characters (CANTONESE_COMMON: outside both common levels, missing from the
# dictionary) are ordinary text.
# What a run never spans: ASCII, Latin-1 (× ± °), spaces, punctuation, full-width ASCII.
_SHIFT_BREAK = "\x00-\xff\\s\u2010-\u205e\u3000-\u3006\u3008-\u303f\uff01-\uff5e" + re.escape(PUNCT_ZH)
_SHIFT_RUN = re.compile(f"[^{_SHIFT_BREAK}]{{{SHIFT_WINDOW},}}")
_ORDINARY = COMMON_LEVEL1 | COMMON_HANZI | frozenset(CANTONESE_COMMON)


@cache
def _uncommon_table() -> np.ndarray:
    """Return, for every code point, whether it is an uncommon character a run may span: neither
    ordinary nor a run break. (Built once per process; no run break lies above the BMP.)"""
    table = np.ones(0x110000, dtype=bool)
    bmp = np.arange(0x10000, dtype=np.uint32).tobytes().decode("utf-32-le", "surrogatepass")
    table[[m.start() for m in re.finditer(f"[{_SHIFT_BREAK}]", bmp)]] = False
    table[[ord(c) for c in _ORDINARY]] = False
    return table


# UTF-8 bytes decoded as GBK after a U+FFFD round trip.
_KUNJINKAO = "锟斤拷"

# Variant or wrong glyphs seen on real pages, mapped to the standard character.
VARIANT_GLYPHS: dict[str, str] = {
    "臵": "置",  # 设臵 / 位臵: Word documents exported with a broken GBK font mapping
    "値": "值",  # 数値: Japanese shinjitai form pasted into Chinese notices
    "戸": "户",  # 戸籍: Japanese form of 户
    "蔴": "麻",  # 芝蔴: old variant in scanned-then-OCRed texts
    "黒": "黑",  # 黒龙江: Japanese shinjitai form
    "衹": "只",  # 衹有: variant of 只 that t2s leaves alone
    "暸": "瞭",  # 暸解: a wrong glyph input methods offer for 瞭 on traditional pages
}
_VARIANT_RE = re.compile("[" + "".join(VARIANT_GLYPHS) + "]")
# Kangxi radicals (⼀⼈⼯ U+2F00-U+2FD5) and CJK radical supplements from PDF-to-HTML conversion.
_RADICALS = re.compile("[\u2e80-\u2ef3\u2f00-\u2fd5]")
_VARIANT_OR_RADICAL = re.compile("[" + "".join(VARIANT_GLYPHS) + "\u2e80-\u2ef3\u2f00-\u2fd5]")


@cache
def _toned_syllables() -> frozenset[str]:
    """Return every toned pinyin syllable pypinyin knows, tone as a trailing number (hui4, lv4, men5)."""
    from pypinyin.pinyin_dict import pinyin_dict

    return frozenset(_tone3(reading) for readings in pinyin_dict.values() for reading in readings.split(","))


def _is_toned_pinyin(candidate: str) -> bool:
    """Return True if every word of candidate is a real pinyin syllable carrying a tone (dòng, dong4)."""
    words = candidate.split()
    return bool(words) and all(
        (any(ch in _TONE_MARKS for ch in w) or w[-1:] in "12345") and _tone3(w) in _toned_syllables() for w in words
    )


def fix_pinyin_residue(text: str) -> tuple[str, int]:
    """Remove pinyin left after Han characters by flattened ruby when it reads them: 會(huì) -> 會."""
    if "(" not in text and "（" not in text:
        return text, 0
    # Digits alone, 第（1）条, are no syllable: such candidates never read, and pypinyin stays unloaded.
    matches = [m for m in _PINYIN_CANDIDATE.finditer(text) if m.group(1).strip(_NOT_LETTERS)]
    if not matches:
        return text, 0
    toned = [m for m in matches if _residue_reading(text, m, toneless=False)]
    accept_toneless = len(toned) >= TONELESS_MIN_TONED
    doomed = {m.start() for m in toned}
    if accept_toneless:
        doomed |= {
            m.start()
            for m in matches
            if m.start() not in doomed and m.group(1).islower() and _residue_reading(text, m, toneless=True)
        }
        # In a text with confirmed residue, toned pinyin also goes when the character before it is not the
        # one it was written for (byte-shift damage: 慶;顒(dòng) for 慶祝活動): toned syllables are never prose.
        doomed |= {m.start() for m in matches if m.start() not in doomed and _is_toned_pinyin(m.group(1))}
    if not doomed:
        return text, 0
    out, pos = [], 0
    for m in matches:
        if m.start() in doomed:
            out.append(text[pos : m.start()])
            pos = m.end()
    out.append(text[pos:])
    return "".join(out), len(doomed)


def fix_doubled_punct(text: str) -> tuple[str, int]:
    """Collapse doubled commas: ``,,``/``，，`` -> ``，``, ``,、`` -> ``、``, ``,。`` -> ``。``."""

    def replace(m: re.Match) -> str:
        run = m.group(0)
        if m.end() < len(text) and text[m.end()] in "。；;：:！？!?" and len(run) <= 2:
            return ""
        if "、" in run:
            return "、"
        return "，" if ("，" in run or _is_cjk_context(text, m.start(), m.end())) else ","

    if not _DOUBLED_PUNCT_START.search(text):
        return text, 0
    new, n = _DOUBLED_PUNCT.subn(replace, text)
    return new, n


def _is_cjk_context(text: str, start: int, end: int) -> bool:
    before = text[start - 1] if start > 0 else ""
    after = text[end] if end < len(text) else ""
    return bool(_HAN_RE.match(before) or _HAN_RE.match(after))


def fix_halfwidth_punct(text: str) -> tuple[str, int]:
    """Turn half-width , : ; ? ! between CJK characters into full-width."""
    if not any(c in text for c in HALF_TO_FULL):
        return text, 0
    return _HALF_PUNCT.subn(lambda m: HALF_TO_FULL[m.group(1)], text)


def fix_cjk_spaces(text: str) -> tuple[str, int]:
    """Remove stray spaces: letter-spaced Han runs and spaces glued to full-width punctuation."""
    if " " not in text:
        return text, 0
    count = 0

    def join(m: re.Match) -> str:
        nonlocal count
        count += m.group(0).count(" ")
        return m.group(0).replace(" ", "")

    if _LETTER_SPACED_PART.search(text):
        text = _LETTER_SPACED.sub(join, text)
    text, n = _SPACE_NEAR_FULLWIDTH.subn("", text)
    return text, count + n


def fix_replacement_chars(text: str) -> tuple[str, int]:
    """Remove U+FFFD; the count becomes a document flag so the loss is never silent."""
    n = text.count("\ufffd")
    return (text.replace("\ufffd", ""), n) if n else (text, 0)


def fix_variant_glyphs(text: str) -> tuple[str, int]:
    """Map variant glyphs (VARIANT_GLYPHS) and Kangxi radicals to standard characters."""
    if not _VARIANT_OR_RADICAL.search(text):
        return text, 0
    text, n = _VARIANT_RE.subn(lambda m: VARIANT_GLYPHS[m.group(0)], text)
    text, k = _RADICALS.subn(lambda m: unicodedata.normalize("NFKC", m.group(0)), text)
    return text, n + k


def _outside_gb2312(char: str) -> bool:
    try:
        char.encode("gb2312")
    except UnicodeEncodeError:
        return True
    return False


def score_byte_shift(text: str) -> int:
    """Return the number of byte-shift damage spots (慶;顒): Han, half-width ; or !, then a rare Han.

    Rare means outside the common-character table and outside GB2312: a GBK byte stream read one byte
    off lands in the GBK extension area, while a real clause after ';' starts with an ordinary character.
    """
    return sum(1 for char in _byte_shift_spots(text) if char not in COMMON_HANZI and _outside_gb2312(char))


def _byte_shift_spots(text: str) -> list[str]:
    """Return the Han character after each ; or ! standing between two Han characters, as the
    non-overlapping matches of _BYTE_SHIFT find them (a spot's second Han can't start the next one).

    The marks are found with str.find, which scans far faster than the regex engine tries a character class
    at every position; clean text seldom holds either mark.
    """
    marks = [at for mark in ";!" for at in _find_all(text, mark)]
    spots: list[str] = []
    end = 0
    for at in sorted(marks):
        if at - 1 >= end and _HAN_RE.match(text, at - 1) and _HAN_RE.match(text, at + 1):
            spots.append(text[at + 1])
            end = at + 2
    return spots


def _find_all(text: str, char: str) -> list[int]:
    """Return every offset of char in text except the first, where no spot can be."""
    found = []
    at = text.find(char, 1)
    while at != -1:
        found.append(at)
        at = text.find(char, at + 1)
    return found


def find_shift_runs(text: str) -> list[tuple[int, int]]:
    """Return (start, end) of each stretch of byte-shift damage: windows of SHIFT_WINDOW characters with
    no dictionary pair, at least SHIFT_MIN_UNCOMMON uncommon characters and SHIFT_MIN_NATS mean surprisal.
    """
    spans: list[tuple[int, int]] = []
    text = text.replace(_KUNJINKAO, " " * len(_KUNJINKAO))  # flagged as kunjinkao, same length
    codes = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    marks = _uncommon_table()[codes]
    if np.count_nonzero(marks) < SHIFT_MIN_UNCOMMON:
        return spans  # ordinary text: no run to look for, no model needed (nor loaded)
    before = np.concatenate(([0], np.cumsum(marks)))  # uncommon characters before each offset
    # Offsets where SHIFT_WINDOW characters hold enough uncommon ones: a run is judged only if one lies in it.
    hot = np.flatnonzero(before[SHIFT_WINDOW:] - before[:-SHIFT_WINDOW] >= SHIFT_MIN_UNCOMMON).tolist()
    if not hot:
        return spans
    for m in _SHIFT_RUN.finditer(text):
        k = bisect_left(hot, m.start())
        if k == len(hot) or hot[k] > m.end() - SHIFT_WINDOW:
            continue  # no window uncommon enough: no model needed (nor loaded)
        run = m.group(0)
        model = char_model()
        simple = simplify_chars(run)
        if len(simple) != len(run):
            simple = run
        linked = [c + d in model.bigrams for c, d in zip(simple, simple[1:], strict=False)]
        uncommon = [c not in _ORDINARY for c in run]
        nats: list[float] | None = None
        for i in range(len(run) - SHIFT_WINDOW + 1):
            if any(linked[i : i + SHIFT_WINDOW - 1]) or sum(uncommon[i : i + SHIFT_WINDOW]) < SHIFT_MIN_UNCOMMON:
                continue
            nats = nats or model.surprisals(simple)
            if sum(nats[i : i + SHIFT_WINDOW]) < SHIFT_MIN_NATS * SHIFT_WINDOW:
                continue
            start, end = m.start() + i, m.start() + i + SHIFT_WINDOW
            if spans and start <= spans[-1][1]:
                spans[-1] = (spans[-1][0], end)
            else:
                spans.append((start, end))
    return spans


# Order matters: pinyin before punctuation (a residue's parentheses are not punctuation to fix),
# doubled punctuation before width (``,;`` must collapse first).
REPAIRS: tuple[tuple[str, Callable[[str], tuple[str, int]]], ...] = (
    ("replacement_char", fix_replacement_chars),
    ("variant_glyph", fix_variant_glyphs),
    ("pinyin_residue", fix_pinyin_residue),
    ("doubled_punct", fix_doubled_punct),
    ("halfwidth_punct", fix_halfwidth_punct),
    ("cjk_spaces", fix_cjk_spaces),
)


@dataclass
class Repaired:
    """Repaired text, counts per repair, flags for damage left in place, and the byte-shift score."""

    text: str
    repairs: dict[str, int] = field(default_factory=dict)
    flags: list[str] = field(default_factory=list)
    damage_score: float = 0.0


def repair_text(text: str) -> Repaired:
    """Return text with mojibake undone, all REPAIRS applied and counted, and unrepairable damage flagged.

    Flags: ``mojibake_guessed_bytes:N`` (lost bytes recovered by the likeliest character),
    ``byte_shift_damage`` with ``byte_shift_score`` (byte-shift spots per 1000 Han characters: 慶;顒
    patterns plus runs read one byte off, each run one lost byte) and ``byte_shift_runs:N`` for the runs,
    ``kunjinkao:N`` (锟斤拷: the bytes are gone), ``replacement_chars:N`` and ``damage_score:X``
    (unrecoverable or guessed spots per 1000 Han characters). Damage is flagged, never rewritten.
    """
    repairs: dict[str, int] = {}
    moji = fix_mojibake(text)
    text = moji.text
    repairs.update(moji.repairs)
    counted = text  # Han characters are counted here, only when there is damage to score
    semicolon_shifts = score_byte_shift(text)  # measured before width fixes hide the half-width ';'
    kunjinkao = text.count(_KUNJINKAO)
    for name, fix in REPAIRS:
        text, n = fix(text)
        if n:
            repairs[name] = n
    shift_runs = len(find_shift_runs(text))  # after REPAIRS: radicals and variants are standard by now
    shifts = semicolon_shifts + shift_runs
    damage = round(1000 * shifts / _han_count(counted), 2) if shifts else 0.0
    lost = repairs.get("replacement_char", 0)
    flags: list[str] = []
    if moji.guessed_bytes:
        flags.append(f"mojibake_guessed_bytes:{moji.guessed_bytes}")
    if moji.unguessed_gaps:  # the guessing budget ran out (docs/RELIABILITY.md): these gaps keep U+FFFD
        flags.append(f"lost_byte_guesses_capped:{moji.unguessed_gaps}")
    if shifts:
        flags += ["byte_shift_damage", f"byte_shift_score:{damage}"]
    if shift_runs:
        flags.append(f"byte_shift_runs:{shift_runs}")
    if kunjinkao:
        flags.append(f"kunjinkao:{kunjinkao}")
    if lost:
        flags.append(f"replacement_chars:{lost}")
    spots = shifts + 3 * kunjinkao + lost + moji.guessed_bytes
    if spots and (kunjinkao or lost or moji.guessed_bytes):
        damage = max(damage, round(1000 * spots / _han_count(counted), 2))
        flags.append(f"damage_score:{damage}")
    return Repaired(text, repairs, flags, damage)


def _han_count(text: str) -> int:
    """Return the number of Han characters in text, at least 1."""
    return len(_NON_HAN_RUN.sub("", text)) or 1  # about twice as fast as len(findall) on long text
