"""Decode raw page bytes to text: BOM, strict UTF-8, then GB18030 vs Big5 chosen by the bytes themselves.

Declared charsets (HTTP header, <meta>) and the registry's hint are evidence to verify, never truth:
real pages declare gb2312 and use GBK-only characters, serve GBK under ``ISO-8859-1``, keep a stale
gb2312 meta over UTF-8 bytes, or send Big5 bytes labelled gb2312. A label only decides between
candidates whose character-frequency scores are close. Undecodable bytes are counted and shown as
U+FFFD, never dropped silently.

A page may mix encodings (a UTF-8 template including a GBK file, or the reverse): the majority encoding
is chosen on the stretches it reads without error, and a text node in the other encoding is decoded
with it when that reading is strict and clearly Chinese (``evidence["mixed_fragments"]``); otherwise its
bytes are counted as undecodable.

Speed: one strict UTF-8 pass over the page, then scoring on a sample of at most SAMPLE_BYTES taken from
the non-ASCII-bearing stretches of the page, then one full decode with the chosen codec (all decoding
is done by the C codecs) and, on GB18030/Big5 pages, one bytes.translate pass looking for UTF-8 fragments.
"""

from __future__ import annotations

import codecs
import inspect
import logging
import re
from bisect import bisect_left
from dataclasses import dataclass, field
from itertools import accumulate, compress

import chardet

from cleaning.decode.charfreq import COMMON_HANS, COMMON_HANT_ONLY, COMMON_HANZI, score_chinese

__all__ = [
    "COMMON_HANS",
    "COMMON_HANT_ONLY",
    "COMMON_HANZI",
    "Decoded",
    "charset_from_content_type",
    "charset_from_meta",
    "decode_bytes",
    "decode_counting",
    "normalize_label",
    "score_chinese",
]

logger = logging.getLogger(__name__)

# Byte-order marks, longest first (UTF-32 LE starts with the UTF-16 LE mark).
BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)

# Declared labels -> the codec we actually decode with. GB labels all mean "some subset of GB18030";
# Big5 labels mean cp950 (Microsoft's Big5, what servers really send). Latin-1 labels follow WHATWG.
LABEL_CODECS: dict[str, str] = {
    "gb2312": "gb18030",  # <meta charset=gb2312> on pages full of GBK-only characters
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "cp936": "gb18030",
    "ms936": "gb18030",
    "windows-936": "gb18030",
    "euc-cn": "gb18030",
    "csgb2312": "gb18030",
    "gb_2312-80": "gb18030",
    "gb_2312": "gb18030",
    "gb18030": "gb18030",
    "hz-gb-2312": "hz",
    "big5": "cp950",
    "x-big5": "cp950",
    "cn-big5": "cp950",
    "csbig5": "cp950",
    "cp950": "cp950",
    "big5-hkscs": "big5hkscs",
    "big5hkscs": "big5hkscs",
    "utf-8": "utf-8",
    "utf8": "utf-8",
    "unicode-1-1-utf-8": "utf-8",
    "iso-8859-1": "cp1252",
    "iso8859-1": "cp1252",
    "latin1": "cp1252",
    "latin-1": "cp1252",
    "us-ascii": "cp1252",
    "ascii": "cp1252",
    "windows-1252": "cp1252",
}

# The family a codec belongs to when comparing a label with what the bytes say.
CJK_FAMILY: dict[str, str] = {"gb18030": "gb18030", "cp950": "big5", "big5hkscs": "big5"}

# Non-CJK encodings chardet may choose between when the page is not Chinese at all.
NON_CJK_CANDIDATES: tuple[str, ...] = (
    "utf-16",
    "utf-32",
    "windows-1252",
    "iso-8859-1",
    "iso-8859-2",
    "windows-1251",
    "koi8-r",
    "shift_jis",
    "euc-jp",
    "euc-kr",
)

SAMPLE_BYTES = 2_048  # bytes of non-ASCII-bearing text scored per candidate codec
MIN_CJK_SCORE = 0.5  # below this frequency score a CJK reading is not believed
DECLARED_MARGIN = 0.08  # a declared label wins over the best reading if it scores within this margin
HINT_MARGIN = 0.15  # the operator's registry hint wins within a wider margin
UTF8_MAX_BAD_SHARE = 0.02  # a page this close to valid UTF-8 is UTF-8 with a few broken bytes
CHARDET_MIN_CONFIDENCE = 0.2  # below this chardet's answer for a non-Chinese page falls back to cp1252
UTF8_MIN_CHARS = 8  # ...if it has at least this many valid multi-byte characters
LOW_CJK_SCORE = 0.25  # a reading this low is believed only as a clear winner (see _clear_winner)
CLEAR_MARGIN = 0.4  # ...ahead of every other reading by this much
UTF8_HOPELESS = -1.0  # the score given without counting to a sample mostly undecodable as UTF-8
CLEAN_SHARE = 0.5  # stretches read without error must make up this share of a sample to be scored alone
FRAGMENT_MIN_CJK = 2  # a fragment re-read in another codec must hold this many CJK characters
FRAGMENT_EDGE = 8  # characters (or UTF-8 boundaries) tried each side of a fragment's edges
FRAGMENT_MAX_CHARS = 20_000  # longer text nodes (no markup, no newline) are not searched for fragments

_META_CHARSET = re.compile(rb"""<meta[^>]{0,200}?charset\s*=\s*["']?\s*([A-Za-z0-9_:.\-]+)""", re.I)
_HEADER_CHARSET = re.compile(r"""charset\s*=\s*["']?\s*([A-Za-z0-9_:.\-]+)""", re.I)
_SURROGATE = re.compile("[\udc80-\udcff]")
# A stretch of bytes that may hold multi-byte characters, starting at a high byte. Bytes below 0x30 and
# 0x3A-0x3F are never part of a GBK, GB18030, Big5 or UTF-8 multi-byte character, so a stretch after
# one of them starts on a character boundary.
_HIGH_STRETCH = re.compile(rb"[\x80-\xff][\x30-\x39\x40-\xff]*")
_STRETCH_BREAK = re.compile(rb"[\x00-\x2f\x3a-\x3f]")  # a byte no stretch holds
_NUL_PAIR = re.compile(rb"[\x01-\x7f]\x00|\x00[\x01-\x7f]")


@dataclass(frozen=True)
class Decoded:
    """Decoded text with the codec used, a confidence in [0, 1] and the evidence behind the choice."""

    text: str
    encoding: str | None
    confidence: float
    evidence: dict = field(default_factory=dict)


def normalize_label(label: str | None) -> str | None:
    """Return the Python codec to decode a declared charset label with, or None if unknown."""
    if not label:
        return None
    key = label.strip().strip("\"'").lower()
    if key in LABEL_CODECS:
        return LABEL_CODECS[key]
    try:
        return codecs.lookup(key).name
    except LookupError:
        return None


def charset_from_content_type(content_type: str | None) -> str | None:
    """Return the charset label of a Content-Type header value, if any."""
    if not content_type:
        return None
    m = _HEADER_CHARSET.search(content_type)
    return m.group(1) if m else None


def charset_from_meta(body: bytes) -> str | None:
    """Return the charset label declared by a <meta> tag in the first 4 KB, if any."""
    m = _META_CHARSET.search(body[:4096])
    return m.group(1).decode("ascii", "replace") if m else None


def _escape_every_byte(err: UnicodeError) -> tuple[str, int]:
    """Codec error handler: one escaped surrogate (U+DC80-U+DCFF) per undecodable byte, whatever its value."""
    if not isinstance(err, UnicodeDecodeError):
        raise err
    bad = err.object[err.start : err.end]
    return "".join(chr(0xDC80 | (b & 0x7F)) for b in bad), err.end


_COUNT_EVERY_BYTE = "zhcorpus.escape_every_byte"
codecs.register_error(_COUNT_EVERY_BYTE, _escape_every_byte)


def decode_counting(body: bytes, codec: str) -> tuple[str, int]:
    """Return (text with U+FFFD for each undecodable byte, number of undecodable bytes).

    Under GB18030 a lone byte 0x80 is the euro sign (as in Windows code page 936), not an error.
    """
    try:
        return body.decode(codec), 0
    except UnicodeDecodeError:
        pass
    try:
        raw = body.decode(codec, errors="surrogateescape")
    except UnicodeDecodeError:
        # surrogateescape cannot stand for bytes below 0x80: a UTF-16/32 body cut in the middle of a code
        # unit (an odd byte count after a BOM) or holding a lone surrogate. Count those bytes the same way.
        raw = body.decode(codec, errors=_COUNT_EVERY_BYTE)
    if codec == "gb18030":
        raw = raw.replace("\udc80", "€")
    bad = len(_SURROGATE.findall(raw))
    return (_SURROGATE.sub("\ufffd", raw) if bad else raw), bad


def sample_high_bytes(body: bytes, limit: int = SAMPLE_BYTES) -> bytes:
    """Return up to limit bytes of the stretches of body that hold non-ASCII bytes, joined by spaces.

    The stretches, each counted with its joining space, are taken until they reach limit. They are found
    by findall (in C) on chunks of body that end at a byte no stretch holds, so no stretch is cut.
    """
    parts: list[bytes] = []
    size = pos = 0
    while pos < len(body):
        stop = _STRETCH_BREAK.search(body, pos + 4 * limit + 1)
        end = stop.start() if stop else len(body)
        found = _HIGH_STRETCH.findall(body, pos, end)
        totals = list(accumulate(len(part) + 1 for part in found))
        k = bisect_left(totals, limit - size)  # the first stretch that reaches limit, if any
        if k < len(found):
            parts += found[: k + 1]
            break
        parts += found
        size += totals[-1] if totals else 0
        pos = end
    return b" ".join(parts)


def _decode_utf8(body: bytes) -> tuple[str, int] | None:
    """Return (text, cut tail bytes) if body is strict UTF-8, tolerating one cut final character."""
    try:
        return body.decode("utf-8"), 0
    except UnicodeDecodeError as err:
        tail = len(body) - err.start
        if err.reason == "unexpected end of data" and tail < 4:
            try:
                return body[: err.start].decode("utf-8"), tail
            except UnicodeDecodeError:
                return None
        return None


# Every byte but C0, C1 and F5-FF, which no UTF-8 character holds (deleted to count those).
_SOMETIMES_UTF8 = bytes(b for b in range(256) if b not in (0xC0, 0xC1) and b < 0xF5)


def _mostly_utf8(sample: bytes) -> bool:
    """Return True if sample is UTF-8 with a few broken bytes (a CMS cut a character, a stray byte)."""
    if len(sample.translate(None, _SOMETIMES_UTF8)) > UTF8_MAX_BAD_SHARE * len(sample):
        return False  # bytes never found in UTF-8 alone are too many: GBK or Big5 (no decode needed)
    valid = sample.decode("utf-8", errors="ignore")
    bad = len(sample) - len(valid.encode("utf-8"))
    if bad > UTF8_MAX_BAD_SHARE * len(sample):
        return False
    good = len(valid) - len(valid.encode("ascii", errors="ignore"))
    return good >= UTF8_MIN_CHARS and bad <= UTF8_MAX_BAD_SHARE * (good * 3)


def _score_sample(sample: bytes, codec: str) -> float:
    """Return the Chinese score of sample read with codec; a cut final character is not held against it.

    A page may hold a fragment in another encoding (a UTF-8 template including a GBK file): when the
    stretches this codec reads without error make up most of the sample, only they are scored, so a
    foreign fragment does not sink the right reading. A wrong reading gains little by this: its clean
    stretches still read as rare characters. Big5 is read as Big5-HKSCS too when cp950 fails on it.
    """
    text = sample.decode(codec, errors="replace")
    if text.endswith("\ufffd"):
        text = text[:-1]
    if codec == "utf-8" and text.count("\ufffd") > (1 - CLEAN_SHARE) * len(sample):
        # at least half the bytes undecodable, the rest at most a quarter as many characters: below 0
        return UTF8_HOPELESS
    if codec == "cp950" and "\ufffd" in text:
        hk = sample.decode("big5hkscs", errors="replace").rstrip("\ufffd")
        if hk.count("\ufffd") < text.count("\ufffd"):
            text, codec = hk, "big5hkscs"
    # Each U+FFFD stands for at least one byte: past this many, the clean stretches can't be the share.
    if "\ufffd" in text and text.count("\ufffd") <= (1 - CLEAN_SHARE) * len(sample):
        parts = sample.split(b" ")
        reads = text.split(" ")  # one per part, unless a decoder swallowed a space after a lead byte
        if len(reads) != len(parts):
            reads = [part.decode(codec, errors="replace") for part in parts]
        read_clean = ["\ufffd" not in read for read in reads]
        if sum(map(len, compress(parts, read_clean))) >= CLEAN_SHARE * len(sample):
            return score_chinese(" ".join(compress(reads, read_clean)))
    return score_chinese(text)


def _decode_big5(body: bytes) -> tuple[str, int, str]:
    """Decode Big5 as cp950, or big5hkscs when that leaves fewer undecodable bytes."""
    text, bad = decode_counting(body, "cp950")
    if bad:
        hk_text, hk_bad = decode_counting(body, "big5hkscs")
        if hk_bad < bad:
            return hk_text, hk_bad, "big5hkscs"
    return text, bad, "cp950"


# Fragments in another encoding are looked for between markup: a text node or a line.
_NODE_END = (b"<", b">", b"\n")
# Two UTF-8 CJK characters in a row (three bytes each, lead E3-E9) mark where a UTF-8 fragment may sit
# in a GBK or Big5 page. Legacy text holds such bytes by chance too; the fragment is then checked whole.


def _utf8_pair_starts(body: bytes) -> list[int]:
    """Return the offsets where two UTF-8 CJK characters start, in order.

    Each byte is mapped to its role (L lead E3-E9, C continuation 80-BF, x other) by bytes.translate and
    the pattern LCCLCC is found with bytes.find, both in C: a regex scan costs more than the whole decode
    on GBK text, whose bytes keep entering the pattern.
    """
    roles = body.translate(_PAIR_ROLES)
    starts: list[int] = []
    at = roles.find(b"LCCLCC")
    while at != -1:
        starts.append(at)
        at = roles.find(b"LCCLCC", at + 1)  # overlapping: three characters in a row hold two pairs
    return starts


_PAIR_ROLES = bytes(ord("L") if 0xE3 <= b <= 0xE9 else ord("C") if 0x80 <= b <= 0xBF else ord("x") for b in range(256))


_SURROGATE_RUN = re.compile("[\udc80-\udcff]+")


def _node_around(data, start: int, end: int, ends) -> tuple[int, int]:
    """Return the span of the text node (between markup characters or newlines) holding start..end."""
    left = max(data.rfind(e, 0, start) for e in ends) + 1
    rights = [k for k in (data.find(e, end) for e in ends) if k != -1]
    return left, min(rights, default=len(data))


def _reads_as_chinese(text: str, than: str) -> bool:
    """Return True if text is believable Chinese and clearly better than the other reading."""
    cjk = sum(1 for c in text if c in COMMON_HANZI or "\u4e00" <= c <= "\u9fff")
    score = score_chinese(text)
    return cjk >= FRAGMENT_MIN_CJK and score >= MIN_CJK_SCORE and score >= score_chinese(than) + DECLARED_MARGIN


def _decode_utf8_mixed(body: bytes) -> tuple[str, int, int]:
    """Decode a mostly-UTF-8 page; return (text, undecodable bytes, fragments re-read).

    In each text node holding undecodable bytes, the stretch around them is re-read as GB18030 or Big5
    when that reading decodes strictly and is clearly Chinese (see _reread_fragment). Other undecodable
    bytes are counted and shown as U+FFFD.
    """
    raw = body.decode("utf-8", "surrogateescape")
    out: list[str] = []
    pos = fragments = 0
    ends = ("<", ">", "\n")
    scanned = 0  # each text node is tried once
    for m in _SURROGATE_RUN.finditer(raw):
        if m.start() < scanned:
            continue
        left, right = _node_around(raw, m.start(), m.end(), ends)
        scanned = right
        if right - left > FRAGMENT_MAX_CHARS:
            continue
        reading = _reread_fragment(raw[left:right])
        if reading is None:
            continue
        out.append(raw[pos:left])
        out.append(reading)
        pos = right
        fragments += 1
    out.append(raw[pos:])
    text = "".join(out)
    bad = len(_SURROGATE.findall(text))
    return (_SURROGATE.sub("\ufffd", text) if bad else text), bad, fragments


def _reread_fragment(node: str) -> str | None:
    """Return a UTF-8 text node (undecodable bytes escaped) with its foreign stretch re-read, or None.

    The stretch runs from the first to the last undecodable byte, widened by up to FRAGMENT_EDGE
    characters each side (legacy bytes that happen to form valid UTF-8); the widening whose whole node
    scores best wins. The stretch's UTF-8 reading must hold no common Chinese character pair (UTF-8 text
    with a broken byte is not re-read) and its legacy reading must be clearly Chinese.
    """
    bad = [k for k, c in enumerate(node) if "\udc80" <= c <= "\udcff"]
    first, last = bad[0], bad[-1] + 1
    best: tuple[float, str] | None = None
    for p in range(max(0, first - FRAGMENT_EDGE), first + 1):
        for q in range(last, min(len(node), last + FRAGMENT_EDGE) + 1):
            middle = node[p:q]
            if sum(1 for c in middle if c in COMMON_HANZI) >= FRAGMENT_MIN_CJK:
                continue
            data = middle.encode("utf-8", "surrogateescape")
            for codec in ("gb18030", "cp950", "big5hkscs"):
                try:
                    text = data.decode(codec)
                except UnicodeDecodeError:
                    continue
                whole = node[:p] + text + node[q:]
                score = score_chinese(whole)
                if (best is None or score > best[0]) and _reads_as_chinese(text, _SURROGATE.sub("\ufffd", middle)):
                    best = (score, whole)
    return best[1] if best else None


def _utf8_edges(data: bytes, start: int, end: int, lo: int, hi: int) -> tuple[list[int], list[int], int | None]:
    """Return the character boundaries of the strict UTF-8 stretch grown from data[start:end] within
    [lo, hi): the FRAGMENT_EDGE outermost ones on the left, then on the right; and, when both sides grew by more
    than FRAGMENT_EDGE characters, the boundary FRAGMENT_EDGE characters before the right end: a later start in
    the same stretch ending before it grows to the very same edges (UTF-8 resynchronises at every lead byte)."""
    lefts, rights = [start], [end]
    while start > lo:
        width = next((w for w in (1, 2, 3, 4) if start - w >= lo and _is_utf8(data[start - w : start])), 0)
        if not width:
            break
        start -= width
        lefts.append(start)
    while end < hi:
        width = next((w for w in (1, 2, 3, 4) if end + w <= hi and _is_utf8(data[end : end + w])), 0)
        if not width:
            break
        end += width
        rights.append(end)
    settled = rights[-FRAGMENT_EDGE - 1] if len(lefts) > FRAGMENT_EDGE and len(rights) > FRAGMENT_EDGE else None
    return lefts[-FRAGMENT_EDGE:], rights[-FRAGMENT_EDGE:], settled


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _utf8_fragment(body: bytes, start: int, end: int, codec: str) -> tuple[tuple[int, int, str] | None, int]:
    """Return ((start, end, text) of a UTF-8 fragment around body[start:end] in a legacy page, or None) and the
    offset up to which later candidates need no look (they would find the same).

    The fragment is a strict UTF-8 stretch of the text node around start..end whose edges are chosen so that the
    rest of the node reads strictly in the page's codec and the whole node scores best; its UTF-8
    reading must be clearly more Chinese than its reading in the page's codec. A text node longer than
    FRAGMENT_MAX_CHARS bytes is not searched (as on UTF-8 pages): the cost of a page stays linear.
    """
    left, right = _node_around(body, start, end, _NODE_END)
    if right - left > FRAGMENT_MAX_CHARS:
        return None, right
    lefts, rights, settled = _utf8_edges(body, start, end, left, right)
    best: tuple[float, int, int, str] | None = None
    for p in lefts:
        try:
            head = body[left:p].decode(codec)
        except UnicodeDecodeError:
            continue
        for q in rights:
            try:
                tail = body[q:right].decode(codec)
            except UnicodeDecodeError:
                continue
            text = body[p:q].decode("utf-8")
            score = score_chinese(head + text + tail)
            if best is None or score > best[0]:
                best = (score, p, q, text)
    skip = (settled - (end - start)) if settled is not None else start
    if best is None or not _reads_as_chinese(best[3], body[best[1] : best[2]].decode(codec, errors="replace")):
        return None, skip
    return (best[1], best[2], best[3]), skip


def _decode_legacy_mixed(body: bytes, codec: str) -> tuple[str, int, str, int]:
    """Decode a GB18030 or Big5 page; return (text, undecodable bytes, codec, UTF-8 fragments read).

    Strict UTF-8 stretches holding CJK characters that read far better as UTF-8 than in the page's
    codec are decoded as UTF-8 (a UTF-8 fragment in a legacy page, see _utf8_fragment); the rest with
    the codec.
    """
    spans: list[tuple[int, int, str]] = []
    pos = 0
    settled = -1  # candidates up to here would repeat a failed look at the same stretch: skipped
    for at in _utf8_pair_starts(body):
        if at < pos or at <= settled:
            continue
        found, skip = _utf8_fragment(body, at, at + 6, "gb18030" if codec == "gb18030" else "big5hkscs")
        if found is not None and found[0] >= pos:
            spans.append(found)
            pos = found[1]
        elif found is None:
            settled = skip
    if not spans:
        if codec == "gb18030":
            return (*decode_counting(body, "gb18030"), "gb18030", 0)
        text, bad, codec = _decode_big5(body)
        return text, bad, codec, 0
    pieces = [
        body[a:b] for a, b in zip((0, *(e for _, e, _ in spans)), (*(s for s, _, _ in spans), len(body)), strict=True)
    ]
    if codec != "gb18030":
        codec = _decode_big5(b"\n".join(pieces))[2]
    out: list[str] = []
    bad = 0
    for k, piece in enumerate(pieces):
        text, n = decode_counting(piece, codec)
        out.append(text)
        bad += n
        if k < len(spans):
            out.append(spans[k][2])
    return "".join(out), bad, codec, len(spans)


def _clear_winner(sample: bytes, codec: str, score: float, scores: list[float]) -> bool:
    """Return True if a CJK reading scoring below MIN_CJK_SCORE is still believed: a short snippet of
    less frequent characters (茶餐廳, 奶茶) that its codec reads without error, far ahead of every other
    reading. Korean or Japanese bytes read as Chinese score alike in GB18030 and Big5, so never get here.
    """
    if score < LOW_CJK_SCORE or sorted(scores)[-2] > score - CLEAR_MARGIN:
        return False
    text = sample.decode("big5hkscs" if codec == "cp950" else codec, errors="replace")
    return "\ufffd" not in text.rstrip("\ufffd")


def _utf16_candidate(body: bytes) -> str | None:
    """Return utf-16-le / utf-16-be if the first KB looks like BOM-less UTF-16 of mostly ASCII text."""
    head = body[:1024]
    if len(head) < 16 or head.count(0) < len(head) // 4:
        return None
    pairs = _NUL_PAIR.findall(head)
    le = sum(1 for p in pairs if p[1] == 0)
    be = len(pairs) - le
    return "utf-16-le" if le > be else "utf-16-be"


# chardet 5 (allowed by our bounds, and pulled in by readability-lxml) filters words with a regex that is quadratic
# in a run of ASCII letters: 8 KB of "xxxx..." cost seconds. Runs longer than this are cut before it sees them.
_LETTER_RUN = re.compile(rb"[A-Za-z]{64,}")


def _chardet_detect(body: bytes) -> dict:
    """Run chardet on body with charset declarations removed, limited to non-CJK candidates if it can."""
    stripped = _META_CHARSET.sub(b"<meta>", body[: 4 * SAMPLE_BYTES])
    stripped = _LETTER_RUN.sub(lambda m: m.group()[:64], stripped)
    if _CHARDET_LIMITS:  # chardet >= 7 takes a candidate list
        return chardet.detect(stripped, include_encodings=list(NON_CJK_CANDIDATES))
    return chardet.detect(stripped)


_CHARDET_LIMITS = "include_encodings" in inspect.signature(chardet.detect).parameters


def decode_bytes(body: bytes, headers_content_type: str | None = None, hint: str | None = None) -> Decoded:
    """Return the page text decoded by evidence from the bytes; labels only decide near ties."""
    header_label = charset_from_content_type(headers_content_type)
    meta_label = charset_from_meta(body)
    evidence: dict = {
        "bom": None,
        "declared_header": header_label,
        "declared_meta": meta_label,
        "detected": None,
        "hint": hint,
        "undecodable_bytes": 0,
    }
    if not body:
        return Decoded("", None, 0.0, evidence)

    for bom, codec in BOMS:
        if body.startswith(bom):
            evidence["bom"] = codec
            text, bad = decode_counting(body[len(bom) :], codec)
            evidence["undecodable_bytes"] = bad
            return Decoded(text, codec, 1.0, evidence)

    utf8 = _decode_utf8(body)
    if utf8 is not None:
        text, cut = utf8
        evidence["detected"] = "utf-8"
        if cut:
            evidence["truncated_tail_bytes"] = cut
        return Decoded(text, "utf-8", 0.9 if text.isascii() else 0.99, evidence)

    utf16 = _utf16_candidate(body)
    if utf16:
        text, bad = decode_counting(body[: len(body) // 2 * 2], utf16)
        if bad == 0 and "\x00" not in text:
            evidence["detected"] = utf16
            return Decoded(text, utf16, 0.8, evidence)

    sample = sample_high_bytes(body)
    if _mostly_utf8(sample):
        text, bad, fragments = _decode_utf8_mixed(body)
        evidence["detected"] = "utf-8"
        evidence["undecodable_bytes"] = bad
        if fragments:
            evidence["mixed_fragments"] = fragments
        return Decoded(text, "utf-8", 0.9, evidence)

    scores = {
        "gb18030": _score_sample(sample, "gb18030"),
        "cp950": _score_sample(sample, "cp950"),
        "utf-8": _score_sample(sample, "utf-8"),
    }
    evidence["scores"] = {k: round(v, 3) for k, v in scores.items()}
    best = max(scores, key=scores.__getitem__)
    if best == "utf-8" and scores[best] >= MIN_CJK_SCORE:
        # Mostly UTF-8 with stretches in another encoding (or broken): re-read those stretches.
        text, bad, fragments = _decode_utf8_mixed(body)
        evidence.update(detected="utf-8", undecodable_bytes=bad)
        if fragments:
            evidence["mixed_fragments"] = fragments
        return Decoded(text, "utf-8", 0.8, evidence)
    utf8_score = scores.pop("utf-8")
    chosen = best = max(scores, key=scores.__getitem__)
    declared = [normalize_label(header_label), normalize_label(meta_label)]
    for label_codec, margin in ((normalize_label(hint), HINT_MARGIN), *((d, DECLARED_MARGIN) for d in declared)):
        family = CJK_FAMILY.get(label_codec or "")
        if family and family != CJK_FAMILY[best]:
            other = "gb18030" if family == "gb18030" else "cp950"
            if scores[other] >= MIN_CJK_SCORE and scores[best] - scores[other] <= margin:
                chosen = other
                break
    if scores[chosen] >= MIN_CJK_SCORE or _clear_winner(sample, chosen, scores[chosen], [*scores.values(), utf8_score]):
        text, bad, chosen, fragments = _decode_legacy_mixed(body, chosen)
        if fragments:
            evidence["mixed_fragments"] = fragments
        runner_up = min(scores.values())
        confidence = min(1.0, max(0.0, 0.5 + scores[CJK_FAMILY_CODEC[CJK_FAMILY[chosen]]] - runner_up))
        evidence["detected"] = chosen
        evidence["undecodable_bytes"] = bad
        return Decoded(text, chosen, round(confidence, 3), evidence)

    # Not Chinese: let chardet judge the bytes alone, without the page's own declaration.
    result = _chardet_detect(body)
    codec = normalize_label(result.get("encoding")) or "cp1252"
    if float(result.get("confidence") or 0.0) < CHARDET_MIN_CONFIDENCE:
        codec = "cp1252"  # a guess this weak (chardet 7 calls short French text Hungarian) is no evidence
    if CJK_FAMILY.get(codec) or codec == "utf-8":
        codec = "cp1252"  # already ruled out above: the bytes did not read as Chinese or UTF-8
    evidence["detected"] = codec
    try:
        text, bad = decode_counting(body, codec)
    except LookupError:
        codec = "cp1252"
        text, bad = decode_counting(body, codec)
    evidence["undecodable_bytes"] = bad
    return Decoded(text, codec, round(float(result.get("confidence") or 0.0), 3), evidence)


CJK_FAMILY_CODEC: dict[str, str] = {"gb18030": "gb18030", "big5": "cp950"}
