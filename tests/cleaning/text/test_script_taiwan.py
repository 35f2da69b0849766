"""Taiwan origin from the text: tw2sp phrasing for Taiwan pages without a registry hint, plain t2s for
Hong Kong and mainland traditional-script pages; protected terms kept on every Taiwan path."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cleaning.text.script import (
    HANS_SHARE,
    HANT_SHARE,
    PROTECTED_TERMS,
    SIMP_ONLY,
    TAIWAN_MIN_SCORE,
    TRAD_ONLY,
    detect_script,
    get_converter,
    looks_taiwanese,
    script_classes,
    taiwan_score,
    to_hans,
)

# Sentences written for these tests: (text, from Taiwan?).
ORIGIN_CASES = [
    # Taiwan: ROC dates, 新臺幣, agencies, local offices, vocabulary
    ("臺北市政府社會局訂於民國113年5月舉辦社群媒體研習，並提供視訊課程，報名資訊請至本局網站查詢。", True),
    ("新北市板橋區公所公告：本區里長聯繫會議改以視訊方式召開，相關軟體請先下載安裝。", True),
    ("本部依據行政院核定之數位發展方案，補助各縣市建置網路服務，總經費新臺幣三億元。", True),
    ("本所將於一一三年度辦理戶籍資料數位化作業，請民眾至戶政事務所洽詢。", True),
    ("高雄市衛生局提醒民眾，112年9月起可持健保卡至合約院所接種疫苗。", True),
    # Hong Kong: places, institutions, 網絡/軟件/身份證, written Cantonese, 衞
    ("社會福利署今日公布，綜援受助人可透過網絡申請資助，詳情請瀏覽香港政府網頁。", False),
    ("特區政府將撥款港幣五千萬元，支援區議會推行社區活動，並提供資訊科技培訓。", False),
    ("佢哋話個網絡軟件唔係好用，你可唔可以幫手睇吓？", False),
    ("食物環境衞生署提醒市民，帶同身份證正本到九龍辦事處辦理牌照續期。", False),
    # mainland pages in traditional script (s2t of mainland text)
    ("市人民政府辦公廳關於加強網絡信息安全工作的通知，各區縣人民政府、市政府各部門：", False),
    ("國務院新聞辦公室今日舉行發佈會，介紹視頻會議系統建設項目的進展及數據安全措施。", False),
    ("臺灣同胞投資企業協會舉辦兩岸交流活動，對臺工作辦公室負責人出席並致辭。", False),
    # traditional text with no regional evidence either way, and a Republican-era history sentence
    ("本會將於下月舉行義工嘉許禮，表揚服務時數超過一百小時的義工。", False),
    ("民國時期的商會檔案保存完整，是研究近代經濟史的重要資料。", False),
    # simplified text is never Taiwan text, whatever it mentions
    ("台北市与新北市的网路软体产业合作论坛在厦门举行。", False),
]


@pytest.mark.parametrize(("text", "taiwan"), ORIGIN_CASES)
def test_taiwan_origin_from_text(text, taiwan):
    assert looks_taiwanese(text) is taiwan, taiwan_score(text)


@pytest.mark.parametrize(("text", "taiwan"), ORIGIN_CASES)
def test_no_hint_uses_taiwan_phrasing_only_for_taiwan_text(text, taiwan):
    expected = to_hans(text, "hant-tw") if taiwan else get_converter("t2s").convert(text)
    assert to_hans(text) == expected


@pytest.mark.parametrize(
    ("text", "hint", "expected"),
    [
        # detected: tw2sp phrasing (視訊 -> 视频, 軟體 -> 软件)
        ("新北市板橋區公所公告：本區里長會議改以視訊召開，相關軟體請先安裝。", None, "视频"),
        ("新北市板橋區公所公告：本區里長會議改以視訊召開，相關軟體請先安裝。", None, "软件"),
        # the registry's default hans says nothing about a traditional text's region: detected too
        ("新北市板橋區公所公告：本區里長會議改以視訊召開，相關軟體請先安裝。", "hans", "视频"),
        # a regional hint is trusted over the text: hant means plain t2s even for Taiwan text
        ("新北市板橋區公所公告：本區里長會議改以視訊召開，相關軟體請先安裝。", "hant", "视讯"),
        ("新北市板橋區公所公告：本區里長會議改以視訊召開，相關軟體請先安裝。", "hant-hk", "软体"),
        # ... and hant-tw means tw2sp even when the text shows nothing
        ("觀看視訊", "hant-tw", "视频"),
        # Hong Kong text keeps its own words under t2s
        ("特區政府撥款港幣五千萬元，支援區議會推行網絡活動。", None, "支援区议会推行网络活动"),
    ],
)
def test_to_hans_hint_and_detection(text, hint, expected):
    assert expected in to_hans(text, hint)


TAIWAN_CONTEXT = "臺北市政府依據民國113年計畫，"  # enough evidence for detection on its own


def test_taiwan_context_is_detected():
    assert looks_taiwanese(TAIWAN_CONTEXT)


@pytest.mark.parametrize("term", PROTECTED_TERMS)
def test_protected_terms_are_needed(term):
    # a protected term is one tw2sp really changes beyond character conversion
    assert get_converter("tw2sp").convert(term) != get_converter("t2s").convert(term)


@pytest.mark.parametrize("term", PROTECTED_TERMS)
@pytest.mark.parametrize("hint", ["hant-tw", None, "hans"])
def test_protected_terms_kept_on_every_taiwan_path(term, hint):
    text = f"{TAIWAN_CONTEXT}辦理{term}相關業務。"
    assert get_converter("t2s").convert(term) in to_hans(text, hint)


# -- fast paths give what their plain definitions give ------------------------------------------------
def _script_by_definition(text: str) -> str:
    """detect_script counting every character through the per-character memo."""
    classes = script_classes(set(text))
    trad = sum(1 for c in text if classes[c] == TRAD_ONLY)
    simp = sum(1 for c in text if classes[c] == SIMP_ONLY)
    if trad + simp == 0:
        return "hans"
    share = trad / (trad + simp)
    return "hant" if share >= HANT_SHARE else "hans" if share <= HANS_SHARE else "mixed"


# Traditional-only, simplified-only and shared characters, ASCII, and characters first seen here
# (rare Han from each range the memo covers, a character outside it): short and long texts.
def _shuffled(parts: tuple) -> str:
    trad, simp, other, rng, times = parts
    chars = trad + simp + other
    return "".join(rng.sample(chars, k=len(chars))) * times  # repeated: long texts with the same shares


_SCRIPT_TEXT = st.tuples(
    st.text(alphabet="國會議員丟", max_size=300),
    st.text(alphabet="国会议员丢", max_size=40),
    st.text(alphabet="社工人a1，。㐂䶮鿋\uf91d\U00020000", max_size=100),
    st.randoms(use_true_random=False),
    st.integers(1, 30),
).map(_shuffled)


@settings(max_examples=300, deadline=None)
@given(_SCRIPT_TEXT)
def test_detect_script_counts_like_the_per_character_memo(text):
    assert detect_script(text) == _script_by_definition(text)


@pytest.mark.parametrize("text", [t for t, _ in ORIGIN_CASES])
def test_looks_taiwanese_is_the_score_against_the_threshold(text):
    assert looks_taiwanese(text) is (taiwan_score(text) >= TAIWAN_MIN_SCORE)
