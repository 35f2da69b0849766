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
    HELDOUT2_PARAGRAPHS,
    HELDOUT_HANT_PARAGRAPHS,
    HELDOUT_PARAGRAPHS,
    HKSCS_PARAGRAPHS,
    OTHER_HANT_PARAGRAPHS,
    OTHER_PARAGRAPHS,
    RARE_NAMES,
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
    fragment: tuple[int, int] | None = None  # mixed pages: the span of text encoded with the other codec


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


def build_titles(n: int = 1200, max_bytes: int = 64, seed: int = SEED + 1, rare: bool = False) -> list[Sample]:
    """Return n bare title snippets of at most max_bytes, cut at a character boundary (seeded).

    rare: simplified titles may also be GB18030 starting with an invented name holding a four-byte
    (CJK Extension A/B) character, and traditional ones Big5-HKSCS with a written Cantonese sentence.
    """
    rng = random.Random(seed)
    samples = []
    hans_codecs = ("gb2312", "gbk", "utf-8", "gb18030") if rare else ("gb2312", "gbk", "utf-8")
    hant_codecs = ("cp950", "utf-8", "cp950", "big5hkscs") if rare else ("cp950", "utf-8", "cp950")
    for i in range(n):
        hant = i % 3 == 2
        codec = rng.choice(hant_codecs if hant else hans_codecs)
        title = make_title(rng, HANT_TITLE_PARTS if hant else HANS_TITLE_PARTS)
        if codec == "gbk":
            title = rng.choice(GBK_ONLY) + title
        elif codec == "gb18030":
            title = rng.choice(RARE_NAMES) + "同志" + title
        elif codec == "big5hkscs":
            sentence = rng.choice(HKSCS_PARAGRAPHS)
            title = sentence[rng.randrange(len(sentence) // 2) :]
        if rng.random() < 0.5:  # a title followed by body text, as in <title> + first line
            paras = HANT_PARAGRAPHS if hant else HANS_PARAGRAPHS
            title += rng.choice([p for p in paras if _encodable(p, codec)])
        text, size = "", 0
        for c in title:
            width = len(c.encode(codec))
            if size + width > max_bytes:
                break
            text, size = text + c, size + width
        kind = f"{codec}/title" if max_bytes == 64 else f"{codec}/title{max_bytes}"
        samples.append(Sample(kind, text.encode(codec), None, text, FAMILY[codec]))
    return samples


# -- stress classes ----------------------------------------------------------------------------------
LABEL = {
    "gb2312": "gb2312",
    "gbk": "gbk",
    "gb18030": "gb18030",
    "cp950": "big5",
    "big5hkscs": "big5-hkscs",
    "utf-8": "utf-8",
}
ASCII_NAV = "".join(
    f'<li class="nav-item"><a href="/en/section{k}/index.html" title="Section {k}">Section {k}</a></li>'
    for k in range(40)
)


def _script_block(rng: random.Random, size: int) -> str:
    """Return about size bytes of ASCII JavaScript (a bundled module map, as CMS pages inline)."""
    lines = []
    total = 0
    k = 0
    while total < size:
        line = (
            f'define("mod/{k:x}",["jquery","mod/{rng.randrange(k + 1):x}"],function($,m){{var w={rng.randrange(999)},'
            f'h=w*{rng.randrange(1, 9)};return{{init:function(el){{$(el).css({{width:w+"px",height:h+"px"}});'
            f"m&&m.init&&m.init(el);}}}};}});\n"
        )
        lines.append(line)
        total += len(line)
        k += 1
    return "<script>" + "".join(lines) + "</script>"


def _declare(html: str, codec: str, declaration: str) -> tuple[str, str]:
    """Return (html with its meta, Content-Type) for a declaration: missing, meta-wrong or header-latin1."""
    meta = {"meta-wrong": WRONG_LABEL[codec], "correct": LABEL[codec]}.get(declaration)
    tag = f'<meta http-equiv="Content-Type" content="text/html; charset={meta}">' if meta else ""
    ct = "text/html; charset=ISO-8859-1" if declaration == "header-latin1" else "text/html"
    return html.replace("<head>", "<head>" + tag, 1), ct


def _cut_cjk(text: str, limit: int) -> str:
    """Return the prefix of text holding at most limit non-ASCII characters."""
    count = 0
    for i, c in enumerate(text):
        count += c >= "\x80"
        if count > limit:
            return text[:i]
    return text


def build_markup_heavy(n: int = 60) -> list[Sample]:
    """Return n pages of 30-100 KB of ASCII markup, CSS and JavaScript holding only 30-200 Chinese
    characters (a title, an alert string, an image alt text and a short paragraph)."""
    rng = random.Random(SEED + 7)
    codecs = ("gb2312", "gbk", "gb18030", "utf-8", "cp950", "big5hkscs", "utf-8")
    out = []
    for i in range(n):
        codec = codecs[i % len(codecs)]
        hant = codec in ("cp950", "big5hkscs") or (codec == "utf-8" and i % 2 == 1)
        parts = HANT_TITLE_PARTS if hant else HANS_TITLE_PARTS
        paras = [p for p in (HANT_PARAGRAPHS if hant else HANS_PARAGRAPHS) if _encodable(p, codec)]
        title = make_title(rng, parts)
        budget = rng.randint(30, 200) - 2 * len(title)
        para = _cut_cjk("".join(rng.sample(paras, 3)), max(budget, 4))
        size = rng.randint(30_000, 100_000)
        html = (
            f"<!DOCTYPE html>\n<html><head><title>{title}</title>{CSS}{_script_block(rng, size // 2)}</head>\n"
            f'<body><ul class="nav">{ASCII_NAV}</ul><div id="main"><h1>{title}</h1>'
            f'<img src="/img/banner.png" alt="{title}"><p>{para}</p></div>'
            f'{_script_block(rng, size // 2)}<script>function warn(){{alert("{title}");}}</script></body></html>\n'
        )
        html, ct = _declare(html, codec, ("missing", "meta-wrong", "header-latin1")[i % 3])
        out.append(Sample(f"markup-heavy/{codec}", html.encode(codec), ct, html, FAMILY[codec]))
    return out


MIXES = (("utf-8", "gbk"), ("gbk", "utf-8"), ("utf-8", "cp950"), ("cp950", "utf-8"))


def build_mixed(n: int = 60) -> list[Sample]:
    """Return n pages in one codec holding one fragment (a paragraph or a title) in another, as when a
    UTF-8 template includes a legacy GBK/Big5 file or the reverse; half the fragments stand alone in
    their text node, half between text in the page's codec (附件：…（2024年）)."""
    rng = random.Random(SEED + 8)
    out = []
    for i in range(n):
        major, minor = MIXES[i % len(MIXES)]
        hant = "cp950" in (major, minor)
        paras = HANT_PARAGRAPHS if hant else HANS_PARAGRAPHS
        parts = HANT_TITLE_PARTS if hant else HANS_TITLE_PARTS
        body = [f"<p>{p}</p>\n" for p in rng.choices(paras, k=rng.randint(3, 15))]
        fragment = rng.choice(paras) if i % 2 else make_title(rng, parts)
        at = rng.randrange(len(body) + 1)
        title = make_title(rng, parts)
        head = f"<!DOCTYPE html>\n<html><head><title>{title}</title>{SCRIPT_JS}</head>\n<body><h1>{title}</h1>\n"
        # Every other group of four: the fragment shares its text node with text in the page's codec.
        lead, trail = ("附件：", "（2024年）") if i // 4 % 2 else ("", "")
        before = head + "".join(body[:at]) + "<p>" + lead
        after = trail + "</p>\n" + "".join(body[at:]) + "</body></html>\n"
        before, ct = _declare(before, major, ("missing", "correct", "header-latin1")[i % 3])
        data = before.encode(major) + fragment.encode(minor) + after.encode(major)
        span = (len(before), len(before) + len(fragment))
        out.append(Sample(f"mixed/{major}+{minor}", data, ct, before + fragment + after, FAMILY[major], span))
    return out


def build_rare(n: int = 40) -> list[Sample]:
    """Return n pages whose rare characters need GB18030's four-byte codes (names in CJK Extension A/B)
    or Big5-HKSCS (written Cantonese)."""
    rng = random.Random(SEED + 9)
    out = []
    for i in range(n):
        hk = i % 2 == 1
        codec = "big5hkscs" if hk else "gb18030"
        if hk:
            paras = [
                *rng.choices(HKSCS_PARAGRAPHS, k=rng.randint(1, 4)),
                *rng.choices(HANT_PARAGRAPHS, k=rng.randint(0, 4)),
            ]
            title = rng.choice(HKSCS_PARAGRAPHS)[:12]
        else:
            names = "、".join(rng.sample(RARE_NAMES, rng.randint(2, 8)))
            paras = [f"表彰名单：{names}。", *rng.choices(HANS_PARAGRAPHS, k=rng.randint(0, 6))]
            title = make_title(rng, HANS_TITLE_PARTS)
        rng.shuffle(paras)
        html = (
            f"<!DOCTYPE html>\n<html><head><title>{title}</title>{SCRIPT_JS}</head>\n<body><h1>{title}</h1>\n"
            + "".join(f"<p>{p}</p>\n" for p in paras)
            + "</body></html>\n"
        )
        html, ct = _declare(html, codec, ("missing", "correct", "meta-wrong", "header-latin1")[i // 2 % 4])
        out.append(Sample(f"rare/{codec}", html.encode(codec), ct, html, FAMILY[codec]))
    return out


def _entities(rng: random.Random, text: str, share: float) -> str:
    """Return text with about share of its non-ASCII characters written as numeric character references."""
    out = []
    for c in text:
        if c >= "\x80" and rng.random() < share:
            out.append(f"&#x{ord(c):X};" if rng.random() < 0.5 else f"&#{ord(c)};")
        else:
            out.append(c)
    return "".join(out)


def build_entities(n: int = 60) -> list[Sample]:
    """Return n pages whose Chinese is partly numeric character references (&#x4E2D;, &#20013;) and
    partly raw bytes; the share of references goes up to 98%."""
    rng = random.Random(SEED + 10)
    codecs = ("gb2312", "gbk", "cp950", "utf-8", "big5hkscs", "gb18030")
    out = []
    for i in range(n):
        codec = codecs[i % len(codecs)]
        hant = codec in ("cp950", "big5hkscs") or (codec == "utf-8" and i % 2 == 1)
        share = (0.5, 0.9, 0.98)[i % 3]
        title, body_html = _page_text(rng, hant, "", codec)
        html = (
            f"<!DOCTYPE html>\n<html><head><title>{_entities(rng, title, share)}</title></head>\n"
            f"<body><h1>{title}</h1>\n{_entities(rng, body_html, share)}</body></html>\n"
        )
        html, ct = _declare(html, codec, ("missing", "meta-wrong", "header-latin1", "correct")[i // 6 % 4])
        out.append(Sample(f"entities/{codec}", html.encode(codec), ct, html, FAMILY[codec]))
    return out


def build_stress() -> list[Sample]:
    """Return every stress page: markup-heavy, mixed, rare characters, character references."""
    return [*build_markup_heavy(), *build_mixed(), *build_rare(), *build_entities()]


def build_short_titles() -> list[Sample]:
    """Return 16- and 32-byte titles (with GB18030 four-byte names and Big5-HKSCS Cantonese), seeded apart."""
    return [*build_titles(600, 16, SEED + 5, rare=True), *build_titles(600, 32, SEED + 6, rare=True)]


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
        *HELDOUT2_PARAGRAPHS,
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


LOST_BYTE_CLASSES = ("utf8-as-gbk", "utf8-as-gb18030")


def build_corruptions() -> list[tuple[str, str, str]]:
    """Return (kind, damaged text, original) for every clean paragraph a class applies to, plus mixed runs.

    Mixed: a damaged title embedded in a clean sentence, to check repair run by run. Other: the
    OTHER_PARAGRAPHS (other kinds of notices, written after the guesser's hand word list was dropped).
    Heldout: the HELDOUT_PARAGRAPHS (written before the context-model changes, never used to choose them).
    Heldout2: the HELDOUT2_PARAGRAPHS, for the two lost-byte classes only (a second held-out set).
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
        if kind in LOST_BYTE_CLASSES:
            out += [(f"{kind}/heldout2", corrupt(p, kind), p) for p in HELDOUT2_PARAGRAPHS]
        for _ in range(8):
            title = make_title(rng, HANS_TITLE_PARTS)
            if kind == "big5-as-latin1":
                title = make_title(rng, HANT_TITLE_PARTS)
            prefix, suffix = "附件：", "（2024年3月）已发布。"
            out.append((f"{kind}/mixed", prefix + corrupt(title, kind) + suffix, prefix + title + suffix))
    return out


DOCUMENT_GROUPS = (
    ("civil", HANS_PARAGRAPHS, HANS_TITLE_PARTS),
    ("civil-hant", HANT_PARAGRAPHS, HANT_TITLE_PARTS),
    ("other", OTHER_PARAGRAPHS, HANS_TITLE_PARTS),
    ("heldout", HELDOUT_PARAGRAPHS, HANS_TITLE_PARTS),
)


def build_documents(per_group: int = 12) -> list[tuple[str, str, str]]:
    """Return (kind, damaged, original) for whole documents (a title and 3-6 paragraphs of one group,
    one per line) damaged by the two lost-byte classes, for the document-local prior: a notice repeats
    its own words, which a single paragraph rarely does."""
    rng = random.Random(SEED + 11)
    out = []
    for group, paras, parts in DOCUMENT_GROUPS:
        for _ in range(per_group):
            lines = [make_title(rng, parts), *rng.sample(paras, min(len(paras), rng.randint(3, 6)))]
            doc = "\n".join(lines)
            for kind in ("utf8-as-gbk", "utf8-as-gb18030"):
                out.append((f"{kind}/document-{group}", corrupt(doc, kind), doc))
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
