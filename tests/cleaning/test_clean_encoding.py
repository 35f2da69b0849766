"""decode_bytes: bytes decide, declared labels are only hints."""

from __future__ import annotations

import codecs

import pytest

from cleaning.encoding import decode_bytes, normalize_label

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
