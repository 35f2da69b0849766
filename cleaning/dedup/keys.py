"""Dedup keys: texts folded for finding duplicates (width, script, case, spaces, punctuation), digits kept.

``fold_texts`` applies NFKC, OpenCC t2s and case folding, punctuation kept (what the guards scan);
``evidence_texts`` does the same after dropping page furniture (``cleaning.dedup.furniture``: lines the
extractor would call chrome never count as evidence); ``strip_folded`` drops punctuation, symbols, separators
and control characters (the key the signatures shingle). Years and 文号 differ between look-alike notices, so
digits stay. Only for finding duplicates: stored text is never normalised this way.
"""

from __future__ import annotations

import hashlib
import re
import sys
import unicodedata
from collections.abc import Sequence
from functools import cache

import numpy as np

from cleaning.dedup.furniture import evidence_lines as furniture_lines
from cleaning.text.script import get_converter

# Unicode categories dropped from the key: punctuation, symbols, separators, control/format.
DROPPED_CATEGORIES: tuple[str, ...] = ("P", "S", "Z", "C")

# Characters whose t2s conversion changes only through a phrase rule (反覆 -> 反复, 沈思 -> 沉思): OpenCC
# converts each of them alone unchanged. With the characters it changes alone, they decide whether a text
# needs OpenCC at all (tests/cleaning/test_dedup_engine.py checks this against the installed dictionaries).
T2S_PHRASE_CHARS = "哩坏沈甦瞭藉衹覆"

# Bits of the per-code-point table (filled lazily for the characters a process meets).
_SEEN, _KEEP, _T2S = 1, 2, 4


@cache
def _char_table() -> np.ndarray:
    """Return the shared uint8 table over all code points (see ``_classify``); starts unfilled."""
    return np.zeros(sys.maxunicode + 1, dtype=np.uint8)


def _classify(cps: np.ndarray) -> np.ndarray:
    """Return the table after classifying the code points not seen before: kept in a key (not punctuation,
    symbol, separator or control), and changed by OpenCC t2s (alone, or as a ``T2S_PHRASE_CHARS``)."""
    table = _char_table()
    new = cps[(table[cps] & _SEEN) == 0]
    if len(new):
        chars = [chr(c) for c in np.unique(new).tolist() if c != 0x0A]
        # one OpenCC call for all new characters, newline-separated (no conversion rule holds a newline)
        converted = get_converter("t2s").convert("\n".join(chars)).split("\n") if chars else []
        table[0x0A] = _SEEN
        for c, t in zip(chars, converted, strict=True):
            bits = _SEEN
            if not unicodedata.category(c).startswith(DROPPED_CATEGORIES):
                bits |= _KEEP
            if t != c or c in T2S_PHRASE_CHARS:
                bits |= _T2S
            table[ord(c)] = bits
    return table


def _code_points(texts: Sequence[str]) -> np.ndarray:
    return np.frombuffer("".join(texts).encode("utf-32-le", "surrogatepass"), dtype=np.uint32)


def _split_like(joined: str, texts: Sequence[str]) -> list[str]:
    """Return joined cut back into pieces as long as texts."""
    result, pos = [], 0
    for t in texts:
        result.append(joined[pos : pos + len(t)])
        pos += len(t)
    return result


def _flag_texts(cps: np.ndarray, texts: Sequence[str], bit: int) -> list[bool]:
    """Return per text (cps: the texts' code points, joined) whether one of its characters has bit."""
    where = np.flatnonzero(_classify(cps)[cps] & bit)
    ends = np.cumsum(np.fromiter((len(t) for t in texts), dtype=np.int64, count=len(texts)))
    return (np.bincount(np.searchsorted(ends, where, side="right"), minlength=len(texts)) > 0).tolist()


def fold_texts(texts: Sequence[str], *, casefold: bool = True) -> list[str]:
    """Return each text NFKC-folded, simplified (OpenCC t2s) and case-folded, punctuation kept."""
    t2s = get_converter("t2s")
    # full-width forms (U+FF01..FF5E) and the ideographic space to ASCII in one numpy pass: NFKC's work
    cps = _code_points(texts)
    wide = (cps >= 0xFF01) & (cps <= 0xFF5E)
    ideo_space = cps == 0x3000
    if wide.any() or ideo_space.any():
        cps = cps.copy()
        cps[wide] -= 0xFEE0
        cps[ideo_space] = 0x20
        texts = _split_like(cps.tobytes().decode("utf-32-le", "surrogatepass"), texts)
    # OpenCC only where a character could change: most pages are simplified already
    needs = _flag_texts(cps, texts, _T2S)
    out = []
    for text, need in zip(texts, needs, strict=True):
        # after the full-width pass the quick check usually finds the text NFKC already
        if not unicodedata.is_normalized("NFKC", text):
            text = unicodedata.normalize("NFKC", text)
            need = _flag_texts(_code_points([text]), [text], _T2S)[0]
        text = t2s.convert(text) if need else text
        out.append(text.casefold() if casefold else text)
    return out


# What the furniture rules see of a folded text: sentence punctuation full-width again (NFKC made it ASCII;
# a copy may have had ASCII punctuation to begin with), as the extractor's rules and line tests expect it.
_RULE_VIEW = ((",", "，"), (";", "；"), ("!", "！"), ("?", "？"))
_FULL_STOP = re.compile(r"\.(?!\d)")  # a full stop, not a decimal point


def _rule_view(text: str) -> str:
    for ascii_mark, full in _RULE_VIEW:  # str.replace: several times faster than str.translate here
        if ascii_mark in text:
            text = text.replace(ascii_mark, full)
    return _FULL_STOP.sub("。", text) if "." in text else text


def evidence_lines(texts: Sequence[str]) -> list[list[str]]:
    """Return each text's lines without page furniture (``cleaning.dedup.furniture``), NFKC-folded and
    simplified, sentence punctuation full-width, not case-folded: the line rules see them so (rules in
    simplified script also catch 相關連結; Copyright keeps its case)."""
    out = []
    for text in fold_texts(texts, casefold=False):
        out.append(furniture_lines(_rule_view(text)))
    return out


def evidence_texts(texts: Sequence[str]) -> list[str]:
    """Return each text folded as ``fold_texts`` does, without its page furniture (see ``evidence_lines``)."""
    return ["\n".join(lines).casefold() for lines in evidence_lines(texts)]


def strip_folded(folded: Sequence[str]) -> tuple[list[str], np.ndarray, np.ndarray]:
    """Return (keys, code points of all keys joined, key lengths): folded texts without dropped categories."""
    cps = _code_points(folded)
    keep = (_classify(cps)[cps] & _KEEP) != 0
    lengths = np.fromiter((len(f) for f in folded), dtype=np.int64, count=len(folded))
    # kept characters per text: a sum per segment (a cumulative sum over all characters costs more)
    key_lengths = np.zeros(len(folded), dtype=np.int64)
    nonempty = lengths > 0
    if nonempty.any():
        key_lengths[nonempty] = np.add.reduceat(keep, (np.cumsum(lengths) - lengths)[nonempty], dtype=np.int64)
    kept = cps[keep]
    joined = kept.tobytes().decode("utf-32-le", "surrogatepass")
    keys, pos = [], 0
    for n in key_lengths.tolist():
        keys.append(joined[pos : pos + n])
        pos += n
    return keys, kept, key_lengths


def dedup_key(text: str) -> str:
    """Return text without page furniture, NFKC-folded, simplified, lower-cased, without whitespace or
    punctuation."""
    return strip_folded(evidence_texts([text]))[0][0]


def hash_key(key: str) -> str:
    """Return the sha256 hex digest of a dedup key."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def content_hash(text: str) -> str:
    """Return the sha256 hex digest of dedup_key(text)."""
    return hash_key(dedup_key(text))
