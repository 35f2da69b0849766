"""Byte-shift damage: a GBK/Big5 stream that lost one byte is flagged with a damage score, never
rewritten; clean text (rare names, classical phrases, Cantonese, symbols) is never flagged."""

from __future__ import annotations

import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cleaning.decode import repair
from cleaning.decode.charfreq import COMMON_HANZI, char_model
from cleaning.decode.repair import SHIFT_MIN_NATS, SHIFT_MIN_UNCOMMON, SHIFT_WINDOW, find_shift_runs, repair_text
from cleaning.text.script import simplify_chars

# Sentences written for these tests.
GB_SENTENCES = [
    "为进一步加强城乡社区治理，全面提升基层公共服务水平，市民政局决定在全市范围内开展示范社区创建活动。",
    "各乡镇人民政府要加强组织领导，明确工作责任，确保各项救助政策落实到位，切实保障困难群众基本生活。",
]
BIG5_SENTENCE = "衛生局提醒民眾注意秋冬季節流感疫情，符合資格之長者及兒童可至各地衛生所免費接種疫苗。"


def drop_byte(data: bytes, at: int) -> bytes:
    return data[:at] + data[at + 1 :]


def damaged_length(damaged: str, original: str) -> int:
    """Return how many characters of damaged differ from original, past the common prefix and suffix."""
    head = 0
    while head < min(len(damaged), len(original)) and damaged[head] == original[head]:
        head += 1
    tail = 0
    while tail < min(len(damaged), len(original)) - head and damaged[-1 - tail] == original[-1 - tail]:
        tail += 1
    return len(damaged) - head - tail


@pytest.mark.parametrize("sentence", GB_SENTENCES)
def test_dropped_lead_byte_in_gbk_is_flagged(sentence):
    data = sentence.encode("gbk")
    # every character here takes two bytes: dropping an even offset drops a lead byte, and the rest of
    # the clause reads one byte off
    for at in range(0, len(data) // 2, 2):
        damaged = drop_byte(data, at).decode("gb18030", errors="replace")
        assert find_shift_runs(damaged), (at, damaged)


def test_byte_shift_run_flagged_with_score_and_left_in_place():
    data = GB_SENTENCES[0].encode("gbk")
    damaged = drop_byte(data, 6).decode("gb18030", errors="replace")
    (start, end), *_ = find_shift_runs(damaged)
    assert end - start >= SHIFT_WINDOW
    result = repair_text(damaged)
    assert "byte_shift_damage" in result.flags
    assert "byte_shift_runs:1" in result.flags
    assert any(f.startswith("byte_shift_score:") for f in result.flags)
    assert result.damage_score > 0
    assert damaged[start:end].replace("\ufffd", "") in result.text  # flagged, never rewritten


def test_big5_shift_long_enough_is_flagged():
    data = BIG5_SENTENCE.encode("cp950")
    long_runs = found = 0
    for at in range(0, len(data), 2):
        damaged = drop_byte(data, at).decode("cp950", errors="replace")
        if damaged_length(damaged, BIG5_SENTENCE) >= SHIFT_WINDOW + 1:  # + the U+FFFD where it resyncs
            long_runs += 1
            found += bool(find_shift_runs(damaged))
    # Big5 resyncs fast (trail bytes 0x40-0x7E read as ASCII): most damage is too short to look for
    assert long_runs and found == long_runs


@pytest.mark.parametrize(
    "text",
    [
        # names one after another, rare characters in names and places
        "出席活动的有丁程鑫、严浩翔、贺峻霖、宋亚轩、刘耀文等演员。",
        "演员曾敬骅×彭千祐曝氛围感合照",
        "滟滪堆位于瞿塘峡口，旧时为长江航道险滩。",
        "昝岗镇梁神堂村、溵水河畔的古淀遗址列入保护名录。",
        "堃园小区和喆苑新村的居民代表参加了座谈会。",
        # written Cantonese and Hong Kong names
        "雖然佢已經冇咗喺幕前演出，但佢哋一家仲係好開心。",
        "小花岑潔儀帶囝囝返面試班",
        # classical Chinese
        "噫吁嚱，危乎高哉！蜀道之难，难于上青天。蚕丛及鱼凫，开国何茫然。",
        # symbols, Roman numerals, Kangxi radicals from PDF conversion
        "水质从劣Ⅴ类变为Ⅳ类，①提高认识；②落实责任。",
        "双⽂幼⼉园开展亲子活动",
        # the 慶;顒 pattern is counted apart and a 锟斤拷 run stays a kunjinkao flag only
        "锟斤拷锟斤拷锟斤拷社会救助通知",
    ],
)
def test_clean_text_is_never_a_shift_run(text):
    assert find_shift_runs(text) == []
    assert not any(f.startswith("byte_shift_runs") for f in repair_text(text).flags)


def test_kunjinkao_still_flagged():
    result = repair_text("锟斤拷锟斤拷锟斤拷社会救助通知")
    assert "kunjinkao:3" in result.flags


ORDINARY_TEXT = st.text(alphabet=st.sampled_from(sorted(COMMON_HANZI) + list("，。、；：“”《》（）")), max_size=200)


@settings(max_examples=200, deadline=None)
@given(ORDINARY_TEXT)
def test_text_of_common_characters_is_never_flagged(text):
    assert find_shift_runs(text) == []


# -- fast paths give what their plain definitions give ------------------------------------------------
def test_uncommon_table_marks_exactly_what_a_run_spans_and_is_not_ordinary():
    every = np.arange(0x110000, dtype=np.uint32).tobytes().decode("utf-32-le", "surrogatepass")
    in_run = np.zeros(0x110000, dtype=bool)
    in_run[[m.start() for m in re.finditer(f"[^{repair._SHIFT_BREAK}]", every)]] = True
    ordinary = np.zeros(0x110000, dtype=bool)
    ordinary[[ord(c) for c in repair._ORDINARY]] = True
    assert np.array_equal(repair._uncommon_table(), in_run & ~ordinary)


def _shift_runs_by_definition(text: str) -> list[tuple[int, int]]:
    """find_shift_runs judging every window of every run, with no shortcut."""
    model = char_model()
    spans: list[tuple[int, int]] = []
    text = text.replace("锟斤拷", "   ")
    for m in repair._SHIFT_RUN.finditer(text):
        run = m.group(0)
        simple = simplify_chars(run)
        simple = simple if len(simple) == len(run) else run
        linked = [c + d in model.bigrams for c, d in zip(simple, simple[1:], strict=False)]
        uncommon = [c not in repair._ORDINARY for c in run]
        nats = model.surprisals(simple)
        for i in range(len(run) - SHIFT_WINDOW + 1):
            if any(linked[i : i + SHIFT_WINDOW - 1]) or sum(uncommon[i : i + SHIFT_WINDOW]) < SHIFT_MIN_UNCOMMON:
                continue
            if sum(nats[i : i + SHIFT_WINDOW]) < SHIFT_MIN_NATS * SHIFT_WINDOW:
                continue
            start, end = m.start() + i, m.start() + i + SHIFT_WINDOW
            if spans and start <= spans[-1][1]:
                spans[-1] = (spans[-1][0], end)
            else:
                spans.append((start, end))
    return spans


# Common characters, uncommon ones (byte-shift output and rare names), breaks, and 锟斤拷.
_MIXED = st.lists(st.sampled_from([*"社会救助通知工作，。 a1", *"龊贸窍绲捅灞荩椋鲣鳏", "锟斤拷"]), max_size=60).map(
    "".join
)


@settings(max_examples=300, deadline=None)
@given(_MIXED)
def test_shift_runs_match_the_plain_definition(text):
    assert find_shift_runs(text) == _shift_runs_by_definition(text)


@pytest.mark.parametrize("sentence", GB_SENTENCES)
def test_shift_runs_of_real_damage_match_the_plain_definition(sentence):
    data = sentence.encode("gbk")
    for at in range(0, len(data), 3):
        damaged = drop_byte(data, at).decode("gb18030", errors="replace")
        assert find_shift_runs(damaged) == _shift_runs_by_definition(damaged)
