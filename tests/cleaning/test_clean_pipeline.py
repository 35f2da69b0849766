"""clean_page: drop reasons, API shape, output invariants; properties on arbitrary bytes."""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cleaning.decode.encoding import decode_bytes
from cleaning.decode.repair import repair_text
from cleaning.pipeline import PIPELINE_VERSION, STEPS, CleanDocument, PageInput, PageResult, clean_page

PARA = "为进一步弘扬社会工作专业精神，提升社会工作的社会认同，营造社会工作事业发展的良好氛围，现将有关事项通知如下。"
HTML = f"<html><head><title>通知_民政局</title></head><body><div><p>{PARA}</p><p>{PARA}</p></div></body></html>"


def make(body: bytes, content_type: str = "text/html", status: int = 200) -> PageInput:
    return PageInput(url="http://mzj.example/a.html", body=body, headers={"content-type": content_type}, status=status)


@pytest.mark.parametrize(
    ("case", "page", "reason"),
    [
        ("404", make(HTML.encode(), status=404), "http_error"),
        ("empty body", make(b""), "empty"),
        ("whitespace body", make(b"  \r\n "), "empty"),
        ("PDF served as text/html", make(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj"), "binary"),
        ("docx served as text/html", make(b"PK\x03\x04" + b"\x00" * 100), "binary"),
        ("PNG", make(b"\x89PNG\r\n\x1a\n" + b"\x00" * 50), "binary"),
        ("NUL-heavy", make(b"abc\x00\x00\x00def\x00\x00" * 50), "binary"),
        ("JSON", make(b'{"a": 1}', "application/json"), "not_html"),
        ("no content", make(b"<html><body><div class='nav'><a href='/'>home</a></div></body></html>"), "no_content"),
    ],
)
def test_drop_reasons(case, page, reason):
    result = clean_page(page)
    assert result.drop_reason == reason, case
    assert result.documents == []


def test_too_large():
    assert clean_page(make(HTML.encode()), max_bytes=100).drop_reason == "too_large"


def test_api_shape():
    result = clean_page(make(HTML.encode("gbk"), "text/html; charset=ISO-8859-1"))
    assert isinstance(result, PageResult)
    assert result.drop_reason is None
    assert result.encoding == "gb18030"
    assert set(result.encoding_evidence) >= {
        "bom",
        "declared_header",
        "declared_meta",
        "detected",
        "hint",
        "undecodable_bytes",
    }
    (doc,) = result.documents
    assert isinstance(doc, CleanDocument)
    assert doc.part is None
    assert doc.title == "通知"
    assert doc.text == f"{PARA}\n{PARA}"
    assert doc.script == "hans" and doc.text_hans == doc.text
    assert re.fullmatch(r"[0-9a-f]{64}", doc.content_hash)


def test_pipeline_version_from_steps():
    assert PIPELINE_VERSION == "+".join(f"{n}{v}" for n, v, _ in STEPS)
    assert re.fullmatch(
        r"decode\d+\+extract\d+\+repair\d+\+parts\d+\+meta\d+\+script\d+\+dedupkey\d+", PIPELINE_VERSION
    )


def test_undecodable_bytes_flagged_on_page_and_document():
    body = HTML.encode("gbk").replace("。</p>".encode("gbk"), "。".encode("gbk") + b"\xff</p>", 1)
    result = clean_page(make(body))
    assert "undecodable_bytes:1" in result.flags
    (doc,) = result.documents
    assert "\ufffd" not in doc.text
    assert "replacement_chars:1" in doc.flags


def test_outputs_have_no_residue_or_boilerplate():
    body = (
        "<html><body><div class='crumb'>当前位置：首页 > 通知公告</div><div>"
        f"<p>做好社會(huì)工作宣傳普及,,是各街道的共同職責(zé)。{PARA}</p><p>{PARA}</p>"
        "<p>上一篇：关于做好走访慰问工作的通知</p></div><div>友情链接：民政部</div></body></html>"
    ).encode()
    (doc,) = clean_page(make(body)).documents
    for bad in ("\ufffd", "(huì)", "当前位置", "友情链接", "上一篇", ",,"):
        assert bad not in doc.text
    assert doc.repairs["pinyin_residue"] == 2


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=2048), st.sampled_from([None, "text/html; charset=gb2312", "text/html; charset=big5"]))
def test_decode_and_repair_never_raise(body, content_type):
    decoded = decode_bytes(body, content_type)
    repaired = repair_text(decoded.text)
    assert "\ufffd" not in repaired.text


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=4096))
def test_clean_page_never_raises(body):
    result = clean_page(make(b"<html><body><p>" + body + b"</p></body></html>"))
    assert result.drop_reason != "internal_error"


HAN_RUN = st.text(
    alphabet="社会工作民政局通知公告开展活动宣传服务机构各区县镇街道居委村年月日一二三的了和与在为0123456789",
    min_size=1,
    max_size=20,
)
CLAUSE = st.tuples(HAN_RUN, st.sampled_from(["，", "。", "、", "；", "：", "", "（一）", "“", "”", "《", "》"])).map(
    "".join
)


@settings(max_examples=200, deadline=None)
@given(st.lists(CLAUSE, min_size=1, max_size=20).map("".join))
def test_clean_chinese_text_unchanged_by_repair(text):
    assert repair_text(text).text == text
