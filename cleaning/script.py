"""Script detection (simplified / traditional / mixed) and conversion to simplified with official OpenCC.

Converters are built once per process, and each character's script class (traditional-only,
simplified-only, neither) is memoised per process: detection is a set lookup per distinct character of
a text, with a count only for texts that hold both kinds. Taiwan pages (hint ``hant-tw``) use ``tw2sp``
for phrasing (視訊 -> 视频), but its phrase table rewrites some terms wrongly (檔案館 -> 文件馆); those
terms are protected and converted character by character.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from functools import cache

import opencc

HAN_RE = re.compile("[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
HANT_SHARE = 0.9  # at least this share of script-specific characters traditional -> "hant"
HANS_SHARE = 0.1  # at most this share -> "hans"

# Terms tw2sp's phrase conversion changes in meaning; converted char-wise instead.
PROTECTED_TERMS: tuple[str, ...] = (
    "人事檔案",  # personnel file: tw2sp gives 人事文件
    "檔案館",  # archives: tw2sp gives 文件馆
    "檔案局",  # archives bureau: tw2sp gives 文件局
    "支援災區",  # aid to disaster areas: mainland also says 支援, not 支持
    "社群媒體",  # social media: tw2sp gives 社区媒体
)
_PROTECTED_RE = re.compile("|".join(map(re.escape, sorted(PROTECTED_TERMS, key=len, reverse=True))))


@cache
def get_converter(config: str) -> opencc.OpenCC:
    """Return the shared OpenCC converter for a config name (t2s, s2t, tw2sp)."""
    return opencc.OpenCC(config)


# Per-process memo of each Han character's script class, filled in batches as characters are first
# seen: one OpenCC call per batch of new characters instead of two conversions of every text.
NEUTRAL, TRAD_ONLY, SIMP_ONLY = 0, 1, 2
_SCRIPT_CLASS: dict[str, int] = {}
_SIMPLIFIED: dict[str, str] = {}  # traditional-only character -> its t2s form


def _is_han(c: str) -> bool:
    return "\u3400" <= c <= "\u4dbf" or "\u4e00" <= c <= "\u9fff" or "\uf900" <= c <= "\ufaff"


def script_classes(chars: Iterable[str]) -> dict[str, int]:
    """Return the memo of script classes after adding chars: TRAD_ONLY if t2s changes the character,
    SIMP_ONLY if s2t changes it to forms that do not include it, else NEUTRAL."""
    new = [c for c in chars if c not in _SCRIPT_CLASS]
    if new:
        other = [c for c in new if not _is_han(c)]
        _SCRIPT_CLASS.update(dict.fromkeys(other, NEUTRAL))  # remembered too, so the next text skips them
        new = [c for c in new if _is_han(c)]
    if new:
        joined = "\n".join(new)
        as_simp = get_converter("t2s").convert(joined).split("\n")
        as_trad = get_converter("s2t").convert(joined).split("\n")
        if len(as_simp) != len(new) or len(as_trad) != len(new):  # a converter merged lines: go one by one
            as_simp = [get_converter("t2s").convert(c) for c in new]
            as_trad = [get_converter("s2t").convert(c) for c in new]
        for c, s, t in zip(new, as_simp, as_trad, strict=True):
            _SCRIPT_CLASS[c] = TRAD_ONLY if s != c else SIMP_ONLY if t != c and c not in t else NEUTRAL
            if s != c:
                _SIMPLIFIED[c] = s
    return _SCRIPT_CLASS


def simplify_chars(text: str) -> str:
    """Return text with each traditional-only character replaced by its t2s form (no phrase rules)."""
    script_classes(set(text))
    return "".join(_SIMPLIFIED.get(c, c) for c in text)


def detect_script(text: str) -> str:
    """Return "hans", "hant" or "mixed" by the share of traditional-only among script-specific chars."""
    chars = set(text)
    found = {_SCRIPT_CLASS.get(c) for c in chars}
    if None in found:  # characters never seen in this process: classify them first
        found = {script_classes(chars)[c] for c in chars}
    classes = _SCRIPT_CLASS
    if TRAD_ONLY not in found:
        return "hans"  # no traditional-only character: share 0 (or no script-specific one at all)
    if SIMP_ONLY not in found:
        return "hant"  # share 1
    counts = Counter(text)  # counted in C; only the distinct characters are looked at below
    trad = simp = 0
    for c, n in counts.items():
        k = classes.get(c)
        if k == TRAD_ONLY:
            trad += n
        elif k == SIMP_ONLY:
            simp += n
    if trad + simp == 0:
        return "hans"
    share = trad / (trad + simp)
    if share >= HANT_SHARE:
        return "hant"
    if share <= HANS_SHARE:
        return "hans"
    return "mixed"


def to_hans(text: str, script_hint: str | None = None) -> str:
    """Return text in simplified script: t2s, or tw2sp with PROTECTED_TERMS kept for Taiwan pages."""
    if script_hint != "hant-tw":
        return get_converter("t2s").convert(text)
    tw2sp, t2s = get_converter("tw2sp"), get_converter("t2s")
    out: list[str] = []
    pos = 0
    for m in _PROTECTED_RE.finditer(text):
        out.append(tw2sp.convert(text[pos : m.start()]))
        out.append("".join(t2s.convert(c) for c in m.group(0)))
        pos = m.end()
    out.append(tw2sp.convert(text[pos:]))
    return "".join(out)
