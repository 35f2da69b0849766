"""script detection and OpenCC conversion; dedup keys."""

from __future__ import annotations

import pytest

from cleaning.dedup.keys import content_hash, dedup_key
from cleaning.text.script import detect_script, get_converter, to_hans


@pytest.mark.parametrize(
    ("text", "script"),
    [
        ("关于开展社会工作宣传周活动的通知", "hans"),
        ("關於開展社會工作宣傳週活動的通知", "hant"),
        ("关于开展社会工作宣傳週活動的通知", "mixed"),
        ("2024 ABC", "hans"),
        ("關於開展社會工作宣傳週活動的通知及這個計劃的說明，这些", "hant"),  # one simplified-only: share >= 0.9
        ("关于开展社会工作宣传周活动的通知及这个计划的说明，這些", "hans"),  # one traditional-only: share <= 0.1
        ("的的的的", "hans"),  # no script-specific character
    ],
)
def test_detect_script(text, script):
    assert detect_script(text) == script


@pytest.mark.parametrize(
    ("text", "hint", "expected"),
    [
        ("社會工作宣傳週", None, "社会工作宣传周"),
        ("觀看視訊，支援社群", "hant-tw", "观看视频，支持社区"),
        ("整理人事檔案，走進檔案館", "hant-tw", "整理人事档案，走进档案馆"),
        ("通過社群媒體支援災區", "hant-tw", "通过社群媒体支援灾区"),
        ("觀看視訊", "hant", "观看视讯"),  # t2s only: no Taiwan phrasing outside Taiwan pages
    ],
)
def test_to_hans(text, hint, expected):
    assert to_hans(text, hint) == expected


def test_converters_are_shared():
    assert get_converter("t2s") is get_converter("t2s")


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        ("关于开展工作的通知。", "關於開展工作的通知", True),
        ("青民发〔2024〕12号", "青民发[2024]12号", True),
        ("社会　工作，ＡＢＣ", "社会工作abc", True),
        ("青民发〔2024〕12号", "青民发〔2024〕13号", False),
        ("2023年度总结", "2024年度总结", False),
    ],
)
def test_dedup_key(a, b, same):
    assert (dedup_key(a) == dedup_key(b)) is same
    assert (content_hash(a) == content_hash(b)) is same


def test_content_hash_is_sha256_hex():
    h = content_hash("通知")
    assert len(h) == 64 and int(h, 16) >= 0
