"""repair: each fix fires only on damage; clean text comes out byte-identical."""

from __future__ import annotations

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from cleaning.decode import repair
from cleaning.decode.repair import (
    fix_cjk_spaces,
    fix_doubled_punct,
    fix_halfwidth_punct,
    fix_pinyin_residue,
    fix_variant_glyphs,
    repair_text,
    score_byte_shift,
)

CLEAN_TEXTS = [
    "（一）高度重视。各村（居）委会要提前做好部署，函数(f)的取值见附表(2024)。",
    "(一)高度重视。请各村(居)委会于3月27日前报送。",
    "青民发〔2024〕12号　民发[2020]1号　民电【2017】29号",
    "“五社联动聚合力 社工服务暖基层”主题宣传活动。",
    "根据《关于组织开展2017年社会工作宣传周活动的通知》（民电【2017】29号）精神。",
    "社會工作宣傳週活動於3月20日至26日在全國範圍內開展。",
    "联系电话：0536-3221234，邮箱：gxsgxh@163.com。",
    "序号\t项目名称\t实施单位",
    "张 伟　李小明　王 芳",
    "Ratio 1:2, see http://example.com/a?b=1;c=2!",
]


@pytest.mark.parametrize("text", CLEAN_TEXTS)
def test_clean_text_is_byte_identical(text):
    result = repair_text(text)
    assert result.text == text
    assert result.repairs == {}
    assert result.flags == []


@pytest.mark.parametrize(
    ("text", "expected", "count"),
    [
        ("社會(huì)工作", "社會工作", 1),
        ("鎮(zhèn)、園民政科", "鎮、園民政科", 1),
        ("发动(dong4)群众", "发动群众", 1),
        ("會（huì）議", "會議", 1),
        ("村(居)委会", "村(居)委会", 0),
        ("(一)高度重视", "(一)高度重视", 0),
        ("函数(f)的值", "函数(f)的值", 0),
        ("年份(2024)", "年份(2024)", 0),
        ("方案(a)与方案(b)", "方案(a)与方案(b)", 0),
        # toneless syllables count only in a text with tone-marked residue
        ("社(shè)會(huì)工(gōng)作(zuo)", "社會工作", 4),
        ("社會(shè huì)工作", "社會工作", 1),  # one syllable per character, spaced or not
        ("社會(shèhuì)工作", "社會工作", 1),
        ("我们(wǒ men)", "我们", 1),  # a neutral-tone syllable inside toned residue
        ("绿(lǜ)色与绿(lv4)色", "绿色与绿色", 2),
        ("重(chóng)新与重(zhòng)要", "重新与重要", 2),  # every heteronym is a reading
        ("社会(hui)", "社会(hui)", 0),  # toneless and no other residue
        ("顒(dòng)", "顒(dòng)", 0),  # not a reading of the character before it, and no other residue
        # ... but with confirmed residue elsewhere, toned pinyin after byte-shift damage is residue too
        ("社會(huì)工作，慶;顒(dòng)結束", "社會工作，慶;顒結束", 2),
        ("社會(huì)工作，方案(a)與函數(f)", "社會工作，方案(a)與函數(f)", 1),  # toneless letters never qualify
        ("社會(huì)工作，型號(xq9)", "社會工作，型號(xq9)", 1),  # not a pinyin syllable
        ("会(huì)上(a)", "会上(a)", 1),  # a reading of 上 is shang, never a
    ],
)
def test_pinyin_residue(text, expected, count):
    assert fix_pinyin_residue(text) == (expected, count)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("目标,,在传播", "目标，在传播"),
        ("目标，，在传播", "目标，在传播"),
        ("知识,、树立", "知识、树立"),
        ("省、、市", "省、市"),
        ("发展,。会后", "发展。会后"),
        ("氛围,;大同市", "氛围;大同市"),
        ("a,,b", "a,b"),
    ],
)
def test_doubled_punct(text, expected):
    assert fix_doubled_punct(text)[0] == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("普及,是各街道", "普及，是各街道"),
        ("如下:一、", "如下：一、"),
        ("是否?请", "是否？请"),
        ("时间:2024年", "时间:2024年"),  # a digit on one side: left alone
        ("ratio 1:2", "ratio 1:2"),
    ],
)
def test_halfwidth_punct(text, expected):
    assert fix_halfwidth_punct(text)[0] == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("社 会 工 作 宣传周", "社会工作 宣传周"),
        ("开展工作 ，取得成效", "开展工作，取得成效"),
        ("聚合力 社工服务", "聚合力 社工服务"),
        ("张 伟", "张 伟"),
    ],
)
def test_cjk_spaces(text, expected):
    assert fix_cjk_spaces(text)[0] == expected


def test_variant_glyphs_and_kangxi_radicals():
    assert fix_variant_glyphs("设臵岗位，⼯作⼈员") == ("设置岗位，工作人员", 3)


def test_replacement_chars_removed_and_flagged():
    result = repair_text("社会工作服务\ufffd\ufffd机构")
    assert result.text == "社会工作服务机构"
    assert result.repairs["replacement_char"] == 2
    assert "replacement_chars:2" in result.flags


def test_byte_shift_damage_is_flagged_not_repaired():
    text = "开展丰富多彩的慶;顒(dòng)。抓出活动成效;顒结束后"
    assert score_byte_shift(text) == 2
    result = repair_text(text)
    assert "byte_shift_damage" in result.flags
    assert result.damage_score > 0
    assert "顒" in result.text


@pytest.mark.parametrize("text", ["一是加强领导;二是落实责任", "带去了很多的欢乐;圣诞节举办的化妆舞会"])
def test_semicolon_before_ordinary_char_is_not_damage(text):
    assert score_byte_shift(text) == 0


def test_kunjinkao_flagged():
    assert any(f.startswith("kunjinkao:") for f in repair_text("锟斤拷锟斤拷标题").flags)


# -- prefilters: each repair first looks for what its pattern cannot match without ----------------------
# Han, the punctuation and spaces the patterns work on, pinyin letters, digits, variants and radicals.
_REPAIR_TEXT = st.lists(
    st.sampled_from(
        [*"社会工作，、。；;：:！!？?,  (（)）huìdong45臵⼯", " 社", " 会 工", "慶;顒", "作!工", ",,", "，。"]
    ),
    max_size=30,
).map("".join)


@settings(max_examples=500, deadline=None)
@given(_REPAIR_TEXT)
@example("慶;顒;顒!顒 社;;会")  # spots sharing a character: the regex takes every other one
def test_prefilters_never_hide_a_match(text):
    if repair._DOUBLED_PUNCT.search(text):
        assert repair._DOUBLED_PUNCT_START.search(text)
    if repair._LETTER_SPACED.search(text):
        assert repair._LETTER_SPACED_PART.search(text)
    if repair._HALF_PUNCT.search(text):
        assert any(c in text for c in repair.HALF_TO_FULL)
    assert repair._byte_shift_spots(text) == [m.group(1) for m in repair._BYTE_SHIFT.finditer(text)]
    if repair._VARIANT_RE.search(text) or repair._RADICALS.search(text):
        assert repair._VARIANT_OR_RADICAL.search(text)


@pytest.mark.parametrize("text", ["会议(1)通知", "会(1 2)议", "第（3）条", "会（ ）议"])
def test_pinyin_candidates_without_letters_never_read(text):
    # what fix_pinyin_residue skips before reading: digits and spaces alone are no syllable
    (m,) = repair._PINYIN_CANDIDATE.finditer(text)
    assert not m.group(1).strip(repair._NOT_LETTERS)
    assert not repair._residue_reading(text, m, toneless=True)
    assert not repair._is_toned_pinyin(m.group(1))
