"""Issuer and editor: who published the notice (来源, ContentSource, the signature) and who edited it."""

from __future__ import annotations

import re

from cleaning.extract.meta.dates import is_date_line
from cleaning.extract.meta.facts import clean_space

META_ISSUER = ("contentsource", "source", "og:article:author")
# 来源：青州市民政局 / 发布机构：... / 信息来源：
ISSUER_LABEL = re.compile(
    r"(?:发布机构|發布機構|发文机关|發文機關|信息来源|資訊來源|来源|來源)\s*[:：]\s*([^\s|｜:：]{2,30})"
)  # noqa: E501
# 来源 values that name no issuer (a content farm's 来源：网友投稿), and repost prefixes to strip.
ISSUER_NOT: frozenset[str] = frozenset(
    "网友投稿 網友投稿 网友 網友 本站 本站原创 本站原創 原创 原創 网络 網絡 網路 互联网 互聯網 未知 佚名 综合 綜合 转载 轉載".split()  # noqa: E501
)
ISSUER_PREFIX = re.compile(r"^(?:转自|轉自|转载自|轉載自|来自|來自|摘自)")
SIGNATURE_MAX_CHARS = 30
# 责任编辑：王晗 / （责编：胡永秋、杨曦）/ [ 责编：张倩 ] / 编辑：刘喆 — names of 2-5 Han, 、 between, then an end.
EDITOR_LABEL = re.compile(
    r"(?:责任编辑|責任編輯|责编|責編|编辑|編輯)\s*[:：]\s*"
    r"([\u4e00-\u9fff·]{2,5}(?:[、，,\s]+[\u4e00-\u9fff·]{2,5}){0,3})(?=$|[\s）)\]】|，,。；;])"
)
_SENTENCE = re.compile(r"[。，；：！？,;:!?]")


def issuer_value(value: str | None) -> str | None:
    """Return a 来源 value as an issuer, or None when it names no one (网友投稿, 本站)."""
    value = ISSUER_PREFIX.sub("", clean_space(value))
    han = sum(1 for c in value if "\u4e00" <= c <= "\u9fff")
    return value if han >= 2 and value not in ISSUER_NOT else None


def extract_issuer(page_text: str, tags: dict[str, str], lines: list[str]) -> str | None:
    """Return the issuer from meta ContentSource, a 来源 label, or the signature line above the date."""
    for key in META_ISSUER:
        if (value := issuer_value(tags.get(key))) is not None:
            return value
    for m in ISSUER_LABEL.finditer(page_text):
        if (value := issuer_value(m.group(1))) is not None:
            return value
    tail = lines[-4:]
    for i in range(len(tail) - 1, 0, -1):
        if is_date_line(tail[i]):
            prev = tail[i - 1]
            if len(prev) <= SIGNATURE_MAX_CHARS and not _SENTENCE.search(prev) and not is_date_line(prev):
                return prev
            break
    return None


def extract_editor(text: str) -> str | None:
    """Return the editor's names of a 责任编辑 / 责编 / 编辑 line (names joined by 、), or None."""
    m = EDITOR_LABEL.search(text)
    if not m:
        return None
    names = [n for n in re.split(r"[、，,\s]+", m.group(1)) if n]
    return "、".join(names) or None
