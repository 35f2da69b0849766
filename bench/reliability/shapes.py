"""Hostile page shapes for the reliability campaign: name -> function(size in bytes) -> page bytes, and text shapes
for repair_text. Each is one way a page's cost could grow faster than its size; the campaign times each at several
sizes. Generated, deterministic (seeded), no third-party data.
"""

from __future__ import annotations

import random
from collections.abc import Callable

NOTICE = "关于开展社会救助工作的通知，各区县民政局要认真落实相关政策，确保困难群众基本生活得到保障。"


def _page(body: str, head: str = "") -> bytes:
    return f"<html><head><meta charset='utf-8'>{head}</head><body>{body}</body></html>".encode()


def attribute_flood(n: int) -> bytes:
    """One element with as many attributes as fit (libxml2 checks each against all before it)."""
    return _page("<div " + " ".join(f"a{i}=x" for i in range(n // 8)) + f">{NOTICE}</div>")


def quoted_attribute_flood(n: int) -> bytes:
    """Attributes whose quoted values hold '>' (a naive tag scanner ends the tag early)."""
    return _page("<div " + " ".join(f'a{i}=">"' for i in range(n // 9)) + f">{NOTICE}</div>")


def deep_nesting(n: int) -> bytes:
    """Divs nested n/11 deep around the notice (libxml2 stops at 256 levels)."""
    depth = n // 11
    return _page("<div>" * depth + f"<p>{NOTICE}</p>" + "</div>" * depth)


def unclosed_fonts(n: int) -> bytes:
    """<font> tags never closed, as old CMS pages leave them: nesting grows with every paragraph."""
    return _page("".join(f"<font color=red><p>{NOTICE}</p>" for _ in range(n // 150)))


def nested_tables(n: int) -> bytes:
    """Layout tables inside layout tables (four levels each)."""
    depth = n // 40
    return _page("<table><tr><td>" * depth + NOTICE + "</td></tr></table>" * depth)


def one_character(n: int) -> bytes:
    """One Han character repeated for the whole page."""
    return _page("<p>" + "啊" * (n // 3) + "</p>")


def long_line_ascii(n: int) -> bytes:
    """One line of ASCII without a break."""
    return _page("<p>" + "a" * n + "</p>")


def long_line_han(n: int) -> bytes:
    """One paragraph of running Chinese without a break."""
    return _page("<p>" + NOTICE * (n // len(NOTICE.encode())) + "</p>")


def many_breaks(n: int) -> bytes:
    """A character and a <br>, over and over."""
    return _page("<p>" + "字<br>" * (n // 7) + "</p>")


def huge_table(n: int) -> bytes:
    """A table of ten cells per row, as many rows as fit."""
    row = "<tr>" + "<td>格子</td>" * 10 + "</tr>"
    return _page("<table>" + row * (n // len(row.encode())) + "</table>")


def tiny_elements(n: int) -> bytes:
    """A span per character."""
    return _page("".join("<span>字</span>" for _ in range(n // 16)))


def entity_flood(n: int) -> bytes:
    """Character references, named and numeric, valid and not."""
    return _page("<p>" + "&amp;&#x4e00;&nbsp;&bogus;&#0;" * (n // 30) + "</p>")


def long_attribute_value(n: int) -> bytes:
    """One attribute value as long as the page (a data: URI)."""
    return _page(f'<img src="data:image/png;base64,{"A" * n}"><p>{NOTICE}</p>')


def many_links(n: int) -> bytes:
    """Link after link, half of them attachments, some malformed."""
    links = [
        '<a href="/a/{i}.pdf">附件{i}</a>',
        '<a href="http://[bad/{i}.doc">附件</a>',  # malformed: urljoin raises on it
        '<a href="/n/{i}.html">{i}</a>',
    ]
    return _page(NOTICE + "".join(links[i % 3].format(i=i) for i in range(n // 35)))


def many_lines(n: int) -> bytes:
    """Short paragraphs, one per line (line rules and templates see every one)."""
    return _page("".join(f"<p>第{i}行</p>\n" for i in range(n // 16)))


def script_heavy(n: int) -> bytes:
    """Inline scripts full of comparisons ('<' that are not tags) around a short notice."""
    return _page("<script>for(i=0;i<n;i++){" + " x" * (n // 4) + "}</script>" + f"<p>{NOTICE}</p>")


def random_bytes(n: int) -> bytes:
    """Bytes from a seeded generator."""
    return random.Random(3).randbytes(n)


def random_text(n: int) -> bytes:
    """Random bytes read as UTF-8 with replacement: text full of U+FFFD (every one a lost-byte gap)."""
    text = random.Random(2).randbytes(n // 2).decode("utf-8", "replace")
    return _page("<p>" + text.replace("<", " ").replace("&", " ") + "</p>")


def utf8_read_as_gbk(n: int) -> bytes:
    """A notice stored as UTF-8 read as GBK (every character damaged, lost bytes everywhere)."""
    data = (NOTICE * (n // 150 + 1)).encode()
    return _page("<p>" + data.decode("gb18030", "replace") + "</p>")[:n]


def mixed_encodings(n: int) -> bytes:
    """Paragraphs in UTF-8 with GB18030 and Big5 ones among them."""
    rnd = random.Random(1)
    parts, size = [], 0
    while size < n:
        part = b"<p>" + NOTICE.encode(rnd.choice(["utf-8", "utf-8", "gb18030", "big5"]), "replace") + b"</p>\n"
        parts.append(part)
        size += len(part)
    return b"<html><body>" + b"".join(parts) + b"</body></html>"


def utf16_odd(n: int) -> bytes:
    """A UTF-16 page with a byte-order mark and an odd byte count."""
    return b"\xff\xfe" + _page("<p>" + NOTICE * (n // 200 + 1) + "</p>").decode().encode("utf-16-le")[: n | 1]


PAGE_SHAPES: dict[str, Callable[[int], bytes]] = {
    f.__name__: f
    for f in (
        attribute_flood,
        quoted_attribute_flood,
        deep_nesting,
        unclosed_fonts,
        nested_tables,
        one_character,
        long_line_ascii,
        long_line_han,
        many_breaks,
        huge_table,
        tiny_elements,
        entity_flood,
        long_attribute_value,
        many_links,
        many_lines,
        script_heavy,
        random_bytes,
        random_text,
        utf8_read_as_gbk,
        mixed_encodings,
        utf16_odd,
    )
}


def text_random(n: int) -> str:
    return random.Random(2).randbytes(n).decode("utf-8", "replace")


def text_utf8_as_gbk(n: int) -> str:
    return (NOTICE * (n // 140 + 1)).encode().decode("gb18030", "replace")


def text_utf8_as_gbk_lines(n: int) -> str:
    text = text_utf8_as_gbk(n)
    return "\n".join(text[i : i + 80] for i in range(0, len(text), 80))


def text_latin(n: int) -> str:
    return ("社会救助".encode().decode("cp1252", "replace") + "a" * 50) * (n // 64)


def text_pinyin(n: int) -> str:
    return "社會(shè huì)工作" * (n // 30)


def text_one_character(n: int) -> str:
    return "啊" * (n // 3)


def text_surrogates(n: int) -> str:
    return random.Random(4).randbytes(n).decode("utf-8", "surrogateescape")


TEXT_SHAPES: dict[str, Callable[[int], str]] = {
    f.__name__: f
    for f in (
        text_random,
        text_utf8_as_gbk,
        text_utf8_as_gbk_lines,
        text_latin,
        text_pinyin,
        text_one_character,
        text_surrogates,
    )
}
