"""Script detection (simplified / traditional / mixed) and conversion to simplified with official OpenCC.

Converters are built once per process, and each character's script class (traditional-only,
simplified-only, neither) is memoised per process, also as an array over all code points: detection of a
long text is one numpy lookup and count of its code points. Taiwan pages use ``tw2sp`` for phrasing
(視訊 -> 视频): pages the site registry marks ``hant-tw``, and pages with no regional hint (none, or the
registry's default ``hans``) whose text shows Taiwan origin (``taiwan_score``: ROC dates, 新臺幣, Taiwan
agencies and places, Taiwan vocabulary, weighed against Hong Kong and mainland usage). tw2sp's phrase
table rewrites some terms wrongly (檔案館 -> 文件馆); those terms are protected and converted character
by character.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from functools import cache

import numpy as np
import opencc

HAN_RE = re.compile("[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
HANT_SHARE = 0.9  # at least this share of script-specific characters traditional -> "hant"
HANS_SHARE = 0.1  # at most this share -> "hans"

# Terms tw2sp's phrase conversion changes in meaning; converted char-wise instead.
PROTECTED_TERMS: tuple[str, ...] = (
    "人事檔案",  # personnel file: tw2sp gives 人事文件
    "檔案館",  # archives: tw2sp gives 文件馆
    "檔案局",  # archives bureau: tw2sp gives 文件局
    "檔案管理",  # records management: tw2sp gives 文件管理
    "國家檔案",  # national archives: tw2sp gives 国家文件
    "檔案室",  # records room: tw2sp gives 文件室
    "病歷檔案",  # medical records: tw2sp gives 病历文件
    "支援災區",  # aid to disaster areas: mainland also says 支援, not 支持
    "醫療支援",  # medical aid: tw2sp gives 医疗支持
    "人力支援",  # manpower sent to help: tw2sp gives 人力支持
    "社群媒體",  # social media: tw2sp gives 社区媒体
    "查詢",  # inquire (查詢電話): tw2sp gives 查找, "look for"
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
HAN_RANGES: tuple[tuple[int, int], ...] = ((0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF))
# The same memo as an array over all code points for detect_script (a set of a long text's characters costs
# a Python object per character; numpy counts at C speed). Only Han characters have a class to look up;
# they are UNCLASSIFIED until first seen.
UNCLASSIFIED = 3
_CLASS_OF = np.full(0x110000, NEUTRAL, dtype=np.uint8)
for _lo, _hi in HAN_RANGES:
    _CLASS_OF[_lo : _hi + 1] = UNCLASSIFIED
NUMPY_MIN_CHARS = 32  # below this, numpy's call overhead costs more than a set of the characters


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
            _CLASS_OF[ord(c)] = _SCRIPT_CLASS[c]
            if s != c:
                _SIMPLIFIED[c] = s
    return _SCRIPT_CLASS


def simplify_chars(text: str) -> str:
    """Return text with each traditional-only character replaced by its t2s form (no phrase rules)."""
    script_classes(set(text))
    return "".join(_SIMPLIFIED.get(c, c) for c in text)


def detect_script(text: str) -> str:
    """Return "hans", "hant" or "mixed" by the share of traditional-only among script-specific chars."""
    trad, simp = _script_counts(text) if len(text) >= NUMPY_MIN_CHARS else _script_counts_short(text)
    if not trad:
        return "hans"  # no traditional-only character: share 0 (or no script-specific one at all)
    if not simp:
        return "hant"  # share 1
    share = trad / (trad + simp)
    if share >= HANT_SHARE:
        return "hant"
    if share <= HANS_SHARE:
        return "hans"
    return "mixed"


def _script_counts(text: str) -> tuple[int, int]:
    """Return (traditional-only, simplified-only) characters of text, counted with numpy."""
    codes = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    counts = np.bincount(_CLASS_OF[codes], minlength=UNCLASSIFIED + 1)
    if counts[UNCLASSIFIED]:  # Han characters never seen in this process: classify them first
        unseen = np.unique(codes[_CLASS_OF[codes] == UNCLASSIFIED])
        script_classes(map(chr, unseen.tolist()))
        counts = np.bincount(_CLASS_OF[codes], minlength=UNCLASSIFIED + 1)
    return int(counts[TRAD_ONLY]), int(counts[SIMP_ONLY])


def _script_counts_short(text: str) -> tuple[int, int]:
    """Return (traditional-only, simplified-only) characters of a short text, by its distinct characters;
    when one kind is absent the other is only marked present (1): detect_script needs no count then."""
    chars = set(text)
    found = {_SCRIPT_CLASS.get(c) for c in chars}
    if None in found:  # characters never seen in this process: classify them first
        found = {script_classes(chars)[c] for c in chars}
    if TRAD_ONLY not in found or SIMP_ONLY not in found:  # one kind at most: its count is all that matters
        return int(TRAD_ONLY in found), int(SIMP_ONLY in found)
    counts = Counter(text)  # counted in C; only the distinct characters are looked at below
    classes = _SCRIPT_CLASS
    trad = sum(n for c, n in counts.items() if classes.get(c) == TRAD_ONLY)
    simp = sum(n for c, n in counts.items() if classes.get(c) == SIMP_ONLY)
    return trad, simp


# -- Taiwan origin from the text ----------------------------------------------------------------------
# (pattern, weight) pairs; each pattern counts at most MAX_HITS_PER_PATTERN times, so one word repeated
# down a page is not a page of evidence. Weights: 3 for what only Taiwan writes (ROC dates, 新臺幣), 2
# for Taiwan institutions, 1 for places and vocabulary that mainland or Hong Kong text also quotes.
_ROC_NUMERAL = "0-9０-９一二三四五六七八九十〇零百"
TAIWAN_EVIDENCE: tuple[tuple[str, float], ...] = (
    (rf"民國\s*[{_ROC_NUMERAL}]+\s*年", 3.0),  # 民國113年, 民國一一三年 (民國時期 does not match)
    (r"中華民國", 2.0),  # the state's name, in Taiwan's own documents
    (r"1(?<![0-9]1)[01][0-9](?:\s*年\s*[0-9]{1,2}\s*月|年度)", 3.0),  # ROC year: 113年3月, 113年度
    (r"一(?<![一二三四五六七八九〇零十]一)[〇零一][〇零一二三四五六七八九]年", 3.0),  # 一一三年(度): ROC 100-119
    (r"新[臺台]幣", 3.0),  # the New Taiwan dollar
    (r"行政院|立法院|監察院|考試院|衛生福利部|衛福部|內政部|國健署|健保署", 2.0),  # central agencies
    (r"公所(?<=[區鄉鎮市]公所)|戶政事務所|地政事務所|里辦公處|里長", 2.0),  # local offices
    # Taiwan's cities and counties; the patterns start at 市 / 縣 and look back, which is much faster
    (r"市(?<=(?:[臺台][北中南]|新北|桃園|高雄|基隆|新竹|嘉義)市)", 1.0),
    (r"縣(?<=(?:新竹|苗栗|彰化|南投|雲林|嘉義|屏東|宜蘭|花蓮|[臺台]東|澎湖|金門|連江)縣)", 1.0),
    (r"網路|軟體|視訊|社群|簡訊|部落格|伺服器|資料庫|數位|專案|宣導|身分證|捷運|計程車|健保|長照", 1.0),
    (r"義大利|紐西蘭|雪梨|寮國|肯亞|奈及利亞|坦尚尼亞|沙烏地|通膨", 1.0),  # Taiwan transliterations, 通膨
    (r"資訊|計畫|品質", 0.5),  # Taiwan usage that Hong Kong shares in part (資訊科技) or writes 計劃
)
# Hong Kong and mainland usage in traditional script: evidence against Taiwan origin.
ELSEWHERE_EVIDENCE: tuple[tuple[str, float], ...] = (
    (r"香港|九龍|新界|特區|特別行政區|港幣|港元|立法會|區議會|社署|房委會|綜援", 2.0),  # Hong Kong
    (r"[佢哋嘅咗啲冇喺嗰唔]", 2.0),  # written Cantonese
    (r"人民政府|國務院|中華人民共和國|人民幣|黨委|黨組|共產黨|書記", 2.0),  # mainland institutions
    (r"對[臺台]|灣(?<=[臺台]灣)(?:同胞|地區|當局)", 2.0),  # mainland writing about Taiwan
    (r"網絡|軟件|信息|視頻|質量|項目|打印|數據|服務器|計算機|身份證|短訊|質素|流動電話|通脹|意大利|新西蘭", 1.0),
    (r"[衞綫峯]", 1.0),  # Hong Kong standard glyphs (Taiwan writes 衛 線 峰)
)
DETECT_REGION_HINTS = (None, "hans")  # registry hints that say nothing about a traditional text's region
MAX_HITS_PER_PATTERN = 3
TAIWAN_MIN_SCORE = 3.0  # Taiwan evidence minus evidence of elsewhere, at least this -> Taiwan phrasing
_TAIWAN_RES = tuple((re.compile(p), w) for p, w in TAIWAN_EVIDENCE)
_ELSEWHERE_RES = tuple((re.compile(p), w) for p, w in ELSEWHERE_EVIDENCE)


def _evidence(text: str, table: tuple[tuple[re.Pattern, float], ...]) -> float:
    total = 0.0
    for pattern, weight in table:
        hits = 0
        for _ in pattern.finditer(text):
            hits += 1
            if hits == MAX_HITS_PER_PATTERN:
                break
        total += weight * hits
    return total


def taiwan_score(text: str) -> float:
    """Return Taiwan evidence minus Hong Kong and mainland evidence in text (0 for simplified text)."""
    if detect_script(text) == "hans":
        return 0.0
    return _evidence(text, _TAIWAN_RES) - _evidence(text, _ELSEWHERE_RES)


def looks_taiwanese(text: str) -> bool:
    """Return True if traditional-script text shows Taiwan origin (taiwan_score >= TAIWAN_MIN_SCORE)."""
    if detect_script(text) == "hans":
        return False  # score 0
    taiwan = _evidence(text, _TAIWAN_RES)
    if taiwan < TAIWAN_MIN_SCORE:
        return False  # evidence of elsewhere only lowers the score: no need to look for it
    return taiwan - _evidence(text, _ELSEWHERE_RES) >= TAIWAN_MIN_SCORE


def to_hans(text: str, script_hint: str | None = None) -> str:
    """Return text in simplified script: t2s, or tw2sp with PROTECTED_TERMS kept for Taiwan pages.

    Taiwan pages: the registry hint ``hant-tw``, or a text that looks_taiwanese when the hint says
    nothing about the region: no hint, or ``hans`` (the registry's default, wrong for traditional text).
    The hints ``hant`` and ``hant-hk`` are trusted: plain t2s.
    """
    taiwan = script_hint == "hant-tw" or (script_hint in DETECT_REGION_HINTS and looks_taiwanese(text))
    if not taiwan:
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
