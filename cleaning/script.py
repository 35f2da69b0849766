"""Script detection (simplified / traditional / mixed) and conversion to simplified with official OpenCC.

Converters are built once per process. Taiwan pages (hint ``hant-tw``) use ``tw2sp`` for phrasing
(視訊 -> 视频), but its phrase table rewrites some terms wrongly (檔案館 -> 文件馆); those terms are
protected and converted character by character.
"""

from __future__ import annotations

import re
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


def detect_script(text: str) -> str:
    """Return "hans", "hant" or "mixed" by the share of traditional-only among script-specific chars."""
    counts: dict[str, int] = {}
    for c in HAN_RE.findall(text):
        counts[c] = counts.get(c, 0) + 1
    if not counts:
        return "hans"
    chars = list(counts)
    as_simp = get_converter("t2s").convert("\n".join(chars)).split("\n")
    as_trad = get_converter("s2t").convert("\n".join(chars)).split("\n")
    if len(as_simp) != len(chars) or len(as_trad) != len(chars):
        return "mixed"  # a converter merged lines; never seen, but don't guess
    trad = sum(counts[c] for c, s in zip(chars, as_simp, strict=True) if s != c)
    simp = sum(counts[c] for c, t in zip(chars, as_trad, strict=True) if t != c and c not in t)
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
