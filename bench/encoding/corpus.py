"""Deterministic dev corpus for the encoding benchmark, generated at bench time from texts.py.

Pages: simplified text as GB2312 / GBK / GB18030 / UTF-8 and traditional text as Big5 (cp950) /
Big5-HKSCS / UTF-8, each with a correct, missing or wrong declaration (header or meta). Titles: bare
title bytes cut at a character boundary to at most 64 bytes. Corruptions: mojibake classes made from
the clean paragraphs.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from texts import (
    EXTRA_CLEAN,
    HANS_PARAGRAPHS,
    HANS_TITLE_PARTS,
    HANT_PARAGRAPHS,
    HANT_TITLE_PARTS,
    HELDOUT_HANT_PARAGRAPHS,
    HELDOUT_PARAGRAPHS,
    OTHER_HANT_PARAGRAPHS,
    OTHER_PARAGRAPHS,
)

SEED = 20240315

GBK_ONLY = "镕堃喆玥珺昇犇淼祎琇"  # in GBK, not in GB2312 (names that force GBK)
GB18030_4BYTE = "䶮㛃㐂"  # CJK Ext-A names, four bytes in GB18030, not in GBK
HKSCS_ONLY = "啲嘅咗"  # Cantonese characters in Big5-HKSCS, not in cp950
NAV_HANS = "首页 | 机构概况 | 政务公开 | 通知公告 | 办事服务 | 互动交流"
NAV_HANT = "首頁 | 機關介紹 | 政府資訊公開 | 最新消息 | 便民服務 | 意見信箱"
CSS = "<style>" + "".join(f".c{k} {{ margin: {k}px; color: #33{k:02d}66; }}" for k in range(60)) + "</style>"
SCRIPT_JS = "<script>var _hmt = _hmt || []; (function(){ var hm = document.createElement('script'); })();</script>"


@dataclass(frozen=True)
class Sample:
    """One benchmark input: bytes, the declarations served with them and the text they must decode to."""

    kind: str  # e.g. "gbk/meta-wrong"
    body: bytes
    content_type: str | None
    text: str  # the exact text the bytes encode
    family: str  # gb18030 | big5 | utf-8


FAMILY = {
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "gb18030": "gb18030",
    "cp950": "big5",
    "big5hkscs": "big5",
    "utf-8": "utf-8",
}
WRONG_LABEL = {
    "gb2312": "big5",
    "gbk": "utf-8",
    "gb18030": "big5",
    "cp950": "gb2312",
    "big5hkscs": "gb2312",
    "utf-8": "gb2312",
}


def make_title(rng: random.Random, parts: tuple[tuple[str, ...], ...]) -> str:
    """Return a title assembled from one choice per part list."""
    return "".join(rng.choice(p) for p in parts)


def _encodable(text: str, codec: str) -> bool:
    try:
        text.encode(codec)
    except UnicodeEncodeError:
        return False
    return True


def _page_text(rng: random.Random, hant: bool, extra: str, codec: str) -> tuple[str, str]:
    paras = [p for p in (HANT_PARAGRAPHS if hant else HANS_PARAGRAPHS) if _encodable(p, codec)]
    title = make_title(rng, HANT_TITLE_PARTS if hant else HANS_TITLE_PARTS)
    chosen = rng.choices(paras, k=rng.randint(3, 40))
    if extra:
        chosen[rng.randrange(len(chosen))] += extra
    return title, "".join(f"<p>{p}</p>\n" for p in chosen)


def build_pages(n: int = 420) -> list[Sample]:
    """Return n pages covering every encoding x declaration combination (seeded)."""
    rng = random.Random(SEED)
    codecs_hans = ("gb2312", "gbk", "gb18030", "utf-8")
    codecs_hant = ("cp950", "big5hkscs", "utf-8")
    samples = []
    for i in range(n):
        hant = i % 3 == 2
        codec = rng.choice(codecs_hant if hant else codecs_hans)
        extra = {
            "gbk": "".join(rng.sample(GBK_ONLY, 3)),
            "gb18030": rng.choice(GB18030_4BYTE),
            "big5hkscs": rng.choice(HKSCS_ONLY),
        }.get(codec, "")
        title, body_html = _page_text(rng, hant, extra, codec)
        declaration = ("correct", "missing", "meta-wrong", "header-wrong", "header-latin1")[i % 5]
        label = {
            "gb2312": "gb2312",
            "gbk": "gbk",
            "gb18030": "gb18030",
            "cp950": "big5",
            "big5hkscs": "big5-hkscs",
            "utf-8": "utf-8",
        }[codec]
        meta_label = header_label = None
        if declaration == "correct":
            meta_label = label
        elif declaration == "meta-wrong":
            meta_label = WRONG_LABEL[codec]
        elif declaration == "header-wrong":
            header_label, meta_label = WRONG_LABEL[codec], label
        elif declaration == "header-latin1":
            header_label = "ISO-8859-1"
        meta = f'<meta http-equiv="Content-Type" content="text/html; charset={meta_label}">' if meta_label else ""
        nav = NAV_HANT if hant else NAV_HANS
        parts = HANT_TITLE_PARTS if hant else HANS_TITLE_PARTS
        links = "".join(
            f'<li><a href="/tzgg/{i}_{k}.html">{make_title(rng, parts)}</a><span>2024-03-{k + 1:02d}</span></li>'
            for k in range(rng.randint(0, 25))
        )
        html = (
            f"<!DOCTYPE html>\n<html><head>{meta}<title>{title}</title>{SCRIPT_JS}</head>\n"
            f'<body><div class="nav">{nav}</div><div class="content"><h1>{title}</h1>\n{body_html}'
            f'</div><ul class="related">{links}</ul>{CSS}'
            f'<div><div class="foot">{"版權所有" if hant else "版权所有"} 2024</div></body></html>\n'
        )
        body = html.encode(codec)
        ct = f"text/html; charset={header_label}" if header_label else "text/html"
        samples.append(Sample(f"{codec}/{declaration}", body, ct, html, FAMILY[codec]))
    return samples


def build_titles(n: int = 1200) -> list[Sample]:
    """Return n bare title snippets of at most 64 bytes, cut at a character boundary (seeded)."""
    rng = random.Random(SEED + 1)
    samples = []
    for i in range(n):
        hant = i % 3 == 2
        codec = rng.choice(("cp950", "utf-8", "cp950") if hant else ("gb2312", "gbk", "utf-8"))
        title = make_title(rng, HANT_TITLE_PARTS if hant else HANS_TITLE_PARTS)
        if codec == "gbk":
            title = rng.choice(GBK_ONLY) + title
        if rng.random() < 0.5:  # a title followed by body text, as in <title> + first line
            paras = HANT_PARAGRAPHS if hant else HANS_PARAGRAPHS
            title += rng.choice([p for p in paras if _encodable(p, codec)])
        text, size = "", 0
        for c in title:
            width = len(c.encode(codec))
            if size + width > 64:
                break
            text, size = text + c, size + width
        samples.append(Sample(f"{codec}/title", text.encode(codec), None, text, FAMILY[codec]))
    return samples


# -- corruptions --------------------------------------------------------------------------------------
def clean_texts() -> list[str]:
    """Return the clean texts (>= 60): paragraphs, titles and the mixed Latin/number/URL lines."""
    rng = random.Random(SEED + 2)
    titles = [make_title(rng, HANS_TITLE_PARTS) for _ in range(10)]
    titles += [make_title(rng, HANT_TITLE_PARTS) for _ in range(8)]
    return [
        *HANS_PARAGRAPHS,
        *HANT_PARAGRAPHS,
        *EXTRA_CLEAN,
        *OTHER_PARAGRAPHS,
        *OTHER_HANT_PARAGRAPHS,
        *HELDOUT_PARAGRAPHS,
        *HELDOUT_HANT_PARAGRAPHS,
        *titles,
    ]


SLOPPY_1252 = {b: chr(b) for b in (0x81, 0x8D, 0x8F, 0x90, 0x9D)}


def decode_sloppy_1252(data: bytes) -> str:
    """Decode as Windows-1252 the way browsers and Windows do: the 5 unassigned bytes become C1 controls."""
    return "".join(SLOPPY_1252.get(b) or bytes((b,)).decode("cp1252") for b in data)


def corrupt(text: str, kind: str) -> str:
    """Return text damaged by one mojibake class."""
    if kind == "utf8-as-gbk":
        return text.encode("utf-8").decode("gbk", errors="replace")
    if kind == "utf8-as-gb18030":
        return text.encode("utf-8").decode("gb18030", errors="replace")
    if kind == "gbk-as-latin1":
        return text.encode("gb18030").decode("latin-1")
    if kind == "gbk-as-cp1252":
        return decode_sloppy_1252(text.encode("gb18030"))
    if kind == "big5-as-latin1":
        return text.encode("cp950").decode("latin-1")
    if kind == "utf8-as-latin1":
        return text.encode("utf-8").decode("latin-1")
    if kind == "utf8-as-cp1252":
        return decode_sloppy_1252(text.encode("utf-8"))
    if kind == "double-utf8":
        return decode_sloppy_1252(decode_sloppy_1252(text.encode("utf-8")).encode("utf-8"))
    raise ValueError(kind)


CORRUPTIONS = (
    "utf8-as-gbk",
    "utf8-as-gb18030",
    "gbk-as-latin1",
    "gbk-as-cp1252",
    "big5-as-latin1",
    "utf8-as-latin1",
    "utf8-as-cp1252",
    "double-utf8",
)


def build_corruptions() -> list[tuple[str, str, str]]:
    """Return (kind, damaged text, original) for every clean paragraph a class applies to, plus mixed runs.

    Mixed: a damaged title embedded in a clean sentence, to check repair run by run. Other: the
    OTHER_PARAGRAPHS (other kinds of notices, written after the guesser's hand word list was dropped).
    Heldout: the HELDOUT_PARAGRAPHS (written before the context-model changes, never used to choose them).
    """
    out = []
    rng = random.Random(SEED + 3)
    paras = [*HANS_PARAGRAPHS, *HANT_PARAGRAPHS, *EXTRA_CLEAN]
    for kind in CORRUPTIONS:
        for p in paras:
            if kind == "big5-as-latin1":
                try:
                    p.encode("cp950")
                except UnicodeEncodeError:
                    continue
            out.append((kind, corrupt(p, kind), p))
        for group, group_paras in (
            ("other", (*OTHER_PARAGRAPHS, *OTHER_HANT_PARAGRAPHS)),
            ("heldout", (*HELDOUT_PARAGRAPHS, *HELDOUT_HANT_PARAGRAPHS)),
        ):
            for p in group_paras:
                if kind == "big5-as-latin1" and not _encodable(p, "cp950"):
                    continue
                out.append((f"{kind}/{group}", corrupt(p, kind), p))
        for _ in range(8):
            title = make_title(rng, HANS_TITLE_PARTS)
            if kind == "big5-as-latin1":
                title = make_title(rng, HANT_TITLE_PARTS)
            prefix, suffix = "附件：", "（2024年3月）已发布。"
            out.append((f"{kind}/mixed", prefix + corrupt(title, kind) + suffix, prefix + title + suffix))
    return out


# -- byte-shift damage --------------------------------------------------------------------------------
SHIFT_SOURCES = (("gbk", "gb18030"), ("cp950", "cp950"))  # (encoding of the text, codec the page is read with)


def damaged_span(damaged: str, original: str) -> int:
    """Return how many characters of damaged differ from original, past their common prefix and suffix."""
    head = 0
    while head < min(len(damaged), len(original)) and damaged[head] == original[head]:
        head += 1
    tail = 0
    while tail < min(len(damaged), len(original)) - head and damaged[-1 - tail] == original[-1 - tail]:
        tail += 1
    return len(damaged) - head - tail


def build_byte_shifts(per_paragraph: int = 3) -> list[tuple[str, str, int]]:
    """Return (kind, damaged text, damaged characters): paragraphs encoded as GBK or Big5 with one
    non-ASCII byte dropped at a seeded position, read back with errors="replace" as a page would be."""
    rng = random.Random(SEED + 4)
    hans = (*HANS_PARAGRAPHS, *OTHER_PARAGRAPHS, *HELDOUT_PARAGRAPHS)
    hant = (*HANT_PARAGRAPHS, *OTHER_HANT_PARAGRAPHS, *HELDOUT_HANT_PARAGRAPHS)
    out = []
    for (codec, reader), paras in zip(SHIFT_SOURCES, (hans, hant), strict=True):
        for p in paras:
            if not _encodable(p, codec):
                continue
            data = p.encode(codec)
            for _ in range(per_paragraph):
                at = rng.randrange(len(data))
                while data[at] < 0x80:
                    at = (at + 1) % len(data)
                damaged = (data[:at] + data[at + 1 :]).decode(reader, errors="replace")
                out.append((f"{codec}-drop-byte", damaged, damaged_span(damaged, p)))
    return out
