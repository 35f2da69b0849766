"""decode_bytes: bytes decide, declared labels are only hints."""

from __future__ import annotations

import codecs
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cleaning.decode.encoding import (
    UTF8_MAX_BAD_SHARE,
    UTF8_MIN_CHARS,
    _mostly_utf8,
    _utf8_pair_starts,
    decode_bytes,
    normalize_label,
    sample_high_bytes,
)

NOTICE = "关于开展2024年社会工作宣传周活动的通知。各区县民政局、各社会工作服务机构：请认真组织实施。"
GBK_ONLY = "朱镕基同志与堃、喆两位社工代表座谈，会议由民政局主持。"  # 镕 堃 喆 are in GBK, not GB2312
HANT = "關於開展社會工作宣傳週活動的通知，請各單位積極參與並及時報送總結。"


@pytest.mark.parametrize(
    ("case", "body", "content_type", "hint", "encoding", "text"),
    [
        (
            "gbk-only chars under gb2312 meta",
            b'<meta charset="gb2312">' + GBK_ONLY.encode("gbk"),
            None,
            None,
            "gb18030",
            GBK_ONLY,
        ),
        (
            "ISO-8859-1 header on GBK bytes",
            NOTICE.encode("gbk"),
            "text/html; charset=ISO-8859-1",
            None,
            "gb18030",
            NOTICE,
        ),
        ("Big5 bytes declared gb2312", HANT.encode("big5"), "text/html; charset=gb2312", None, "cp950", HANT),
        (
            "UTF-8 with stale gb2312 meta",
            b'<meta http-equiv="Content-Type" content="text/html; charset=gb2312">' + NOTICE.encode(),
            None,
            None,
            "utf-8",
            NOTICE,
        ),
        ("UTF-8 BOM", codecs.BOM_UTF8 + NOTICE.encode(), "text/html; charset=gbk", None, "utf-8", NOTICE),
        ("UTF-16 BOM", codecs.BOM_UTF16_LE + NOTICE.encode("utf-16-le"), None, None, "utf-16-le", NOTICE),
        ("gb2312 bytes without any label", NOTICE.encode("gb2312"), None, None, "gb18030", NOTICE),
        ("registry hint cp950 on Big5", HANT.encode("cp950"), None, "cp950", "cp950", HANT),
    ],
)
def test_decode_chooses_by_bytes(case, body, content_type, hint, encoding, text):
    decoded = decode_bytes(body, content_type, hint)
    assert decoded.encoding == encoding, case
    assert decoded.text.endswith(text), case
    assert decoded.evidence["undecodable_bytes"] == 0


def test_cut_final_utf8_char_is_tolerated_and_recorded():
    body = NOTICE.encode("utf-8")[:-2]  # cut inside the final "：" (3 bytes)
    decoded = decode_bytes(body)
    assert decoded.encoding == "utf-8"
    assert decoded.text == NOTICE[:-1]
    assert decoded.evidence["truncated_tail_bytes"] == 1


def test_undecodable_bytes_are_counted_not_dropped():
    body = NOTICE.encode("gbk") + b"\xff\xff" + NOTICE.encode("gbk")
    decoded = decode_bytes(body)
    assert decoded.encoding == "gb18030"
    assert decoded.evidence["undecodable_bytes"] == 2
    assert decoded.text.count("\ufffd") == 2


def test_declared_labels_are_recorded_as_evidence():
    decoded = decode_bytes(b'<meta charset="gb2312">' + NOTICE.encode("gbk"), "text/html; charset=ISO-8859-1")
    assert decoded.evidence["declared_header"] == "ISO-8859-1"
    assert decoded.evidence["declared_meta"] == "gb2312"
    assert decoded.evidence["detected"] == "gb18030"


def test_non_cjk_latin1_page():
    decoded = decode_bytes("<p>Café crème brûlée, naïve résumé.</p>".encode("cp1252"))
    assert decoded.encoding in ("cp1252", "iso8859-1", "latin-1")
    assert "Café" in decoded.text


def test_empty_body():
    assert decode_bytes(b"").encoding is None


@pytest.mark.parametrize(
    ("label", "codec"),
    [
        ("gb2312", "gb18030"),
        ("GBK", "gb18030"),
        ("x-gbk", "gb18030"),
        ("Big5", "cp950"),
        ("big5-hkscs", "big5hkscs"),
        ("UTF8", "utf-8"),
        ("ISO-8859-1", "cp1252"),
        ("nonsense-enc", None),
    ],
)
def test_normalize_label(label, codec):
    assert normalize_label(label) == codec


# -- mixed encodings, little Chinese, rare characters ------------------------------------------------
PARAS = [
    "市民政局决定开展养老服务质量提升行动，请各单位认真组织实施。",
    "申请人应当携带身份证原件到社区服务中心办理登记手续。",
    "本通知自发布之日起施行，由市民政局负责解释。",
]
TRAD = "申請人應攜帶身分證正本至區公所社會課辦理登記手續，逾期不予受理。"


def _page(parts: list[bytes]) -> bytes:
    return b"<html><head><title>t</title></head><body>" + b"".join(parts) + b"</body></html>"


@pytest.mark.parametrize(
    ("case", "major", "minor", "fragment", "lead"),
    [
        ("GBK paragraph in a UTF-8 page", "utf-8", "gbk", PARAS[1], ""),
        ("Big5 paragraph in a UTF-8 page", "utf-8", "cp950", TRAD, ""),
        ("UTF-8 paragraph in a GBK page", "gbk", "utf-8", PARAS[1], ""),
        ("UTF-8 paragraph in a Big5 page", "cp950", "utf-8", TRAD, ""),
        ("GBK text after UTF-8 text in one node", "utf-8", "gbk", PARAS[1], "附件："),
        ("UTF-8 text after GBK text in one node", "gbk", "utf-8", PARAS[1], "附件："),
    ],
)
def test_foreign_fragment_is_read_in_its_own_encoding(case, major, minor, fragment, lead):
    paras = [p if major != "cp950" else TRAD for p in PARAS]
    body = _page(
        [
            f"<p>{paras[0]}</p>".encode(major),
            f"<p>{lead}".encode(major),
            fragment.encode(minor),
            f"</p><p>{paras[2]}</p>".encode(major),
        ]
    )
    d = decode_bytes(body)
    assert f"<p>{lead}{fragment}</p>" in d.text, case
    assert paras[0] in d.text and paras[2] in d.text
    assert d.evidence["mixed_fragments"] == 1
    assert d.evidence["undecodable_bytes"] == 0


def test_broken_bytes_in_utf8_text_are_counted_not_reread():
    # a CMS cut a character in the middle of UTF-8 text: nothing reads better, so U+FFFD and a count
    text = PARAS[0] + PARAS[1]
    data = text.encode()
    body = _page([b"<p>", data[:30] + data[31:], b"</p>"])
    d = decode_bytes(body)
    assert d.encoding == "utf-8"
    assert d.evidence["undecodable_bytes"] >= 1
    assert "\ufffd" in d.text
    assert "mixed_fragments" not in d.evidence
    assert PARAS[1][2:] in d.text


def test_non_chinese_bytes_in_utf8_page_stay_counted():
    body = _page([f"<p>{PARAS[0]}</p>".encode(), b"<p>\x80\x81\xfe\xff\x80</p>", f"<p>{PARAS[2]}</p>".encode()])
    d = decode_bytes(body)
    assert d.evidence["undecodable_bytes"] == 5
    assert d.text.count("\ufffd") == 5


@pytest.mark.parametrize("codec", ["gb2312", "gbk", "gb18030", "cp950", "utf-8"])
def test_little_chinese_in_a_large_ascii_page(codec):
    title = "關於辦理登記的通知" if codec == "cp950" else "关于办理登记的通知"
    script = "".join(f'define("m{k}",function(){{return {k}*2;}});\n' for k in range(2000))
    html = f"<html><head><title>{title}</title><script>{script}</script></head><body><h1>{title}</h1></body></html>"
    d = decode_bytes(html.encode(codec))
    assert d.text == html


@pytest.mark.parametrize(
    ("text", "codec"),
    [
        ("表彰名单：刘䶮、王𨭉、李㛃、张𪚥。", "gb18030"),  # CJK Extension A/B: four bytes in GB18030
        ("嗰間茶餐廳嘅奶茶", "big5hkscs"),  # 16 bytes of written Cantonese, two HKSCS characters
        ("今日嘅講座喺社區會堂舉行，有興趣嘅街坊可以早啲嚟登記。", "big5hkscs"),
    ],
)
def test_rare_characters_decode(text, codec):
    assert decode_bytes(text.encode(codec)).text == text


@pytest.mark.parametrize(
    ("text", "codec"),
    [
        ("대한민국 정부", "euc-kr"),
        ("새로운 정책", "euc-kr"),
        ("こんにちは世界", "shift_jis"),
        ("Привет мир", "cp1251"),
        ("ÀÉÎÕÜàéîõü", "cp1252"),
    ],
)
def test_short_non_chinese_snippets_are_not_read_as_chinese(text, codec):
    d = decode_bytes(text.encode(codec))
    assert d.encoding not in ("gb18030", "cp950", "big5hkscs", "utf-8")


# -- fast paths give what their plain definitions give ------------------------------------------------
_STRETCH = re.compile(rb"[\x80-\xff][\x30-\x39\x40-\xff]*")
# Bytes that start, continue and break stretches, and lead or continue UTF-8 characters.
_BYTES = st.sampled_from(
    [b"a", b"<", b" ", b"=", b"?", b"@", b"9", b":", b"\xb0", b"\xa1", b"\x80", b"\xff", b"\xe4", b"\xb8", b"\xc0"]
)


def _sample_by_definition(body: bytes, limit: int) -> bytes:
    """The stretches holding non-ASCII bytes, each counted with its space, taken until they reach limit."""
    parts, size = [], 0
    for m in _STRETCH.finditer(body):
        parts.append(m.group(0))
        size += len(m.group(0)) + 1
        if size >= limit:
            break
    return b" ".join(parts)


@settings(max_examples=400, deadline=None)
@given(st.lists(_BYTES, max_size=300).map(b"".join), st.sampled_from([0, 1, 7, 64, 2048]))
def test_sample_takes_whole_stretches_until_the_limit(body, limit):
    assert sample_high_bytes(body, limit) == _sample_by_definition(body, limit)


@settings(max_examples=400, deadline=None)
@given(st.lists(_BYTES, max_size=120).map(b"".join))
def test_utf8_pair_starts_are_every_two_cjk_characters(body):
    pairs = re.compile(rb"(?=[\xe3-\xe9][\x80-\xbf]{2}[\xe3-\xe9][\x80-\xbf]{2})")
    assert _utf8_pair_starts(body) == [m.start() for m in pairs.finditer(body)]


def _mostly_utf8_by_decoding(sample: bytes) -> bool:
    valid = sample.decode("utf-8", errors="ignore")
    bad = len(sample) - len(valid.encode("utf-8"))
    good = len(valid) - len(valid.encode("ascii", errors="ignore"))
    share = UTF8_MAX_BAD_SHARE
    return bad <= share * len(sample) and good >= UTF8_MIN_CHARS and bad <= share * (good * 3)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from([NOTICE, HANT, "abc ", "€", "é"]), max_size=12), st.sampled_from(["utf-8", "gb18030"]))
def test_mostly_utf8_counts_bytes_never_in_utf8_like_a_decode(pieces, codec):
    data = "".join(pieces).encode(codec, errors="ignore")
    for sample in (data, data[1:], data + b"\xff", b"\xc0" + data[:40]):
        assert _mostly_utf8(sample) == _mostly_utf8_by_decoding(sample)


@pytest.mark.parametrize(
    "body, codec, bad",
    [
        (b"\xff\xfe<\x00h\x00i", "utf-16-le", 1),  # a BOM and an odd byte count: the last byte is cut
        (b"\xfe\xff\x00<\x00", "utf-16-be", 1),
        (b"\xff\xfe\x00\xd8a\x00", "utf-16-le", 2),  # a lone high surrogate
        (b"\xff\xfe\x00\x00a\x00\x00", "utf-32-le", 3),  # a UTF-32 body cut inside a code unit
    ],
)
def test_a_bom_body_that_does_not_decode_is_counted_not_raised(body, codec, bad):
    decoded = decode_bytes(body)
    assert decoded.encoding == codec
    assert decoded.evidence["undecodable_bytes"] == bad
    assert decoded.text.count("\ufffd") == bad
