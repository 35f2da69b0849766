"""The character models load once, at a job's start, from a compact copy in the cache directory."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from cleaning import pipeline
from cleaning.decode import charfreq
from cleaning.decode.charfreq import PairCounts

SAMPLES = ("人可通过", "费用可直接", "决定对", "二〇二四年", "比赛中，", "倡导")


@pytest.fixture
def built() -> tuple[charfreq.CharModel, charfreq.CharModel]:
    """The process's models (built from the packages once), with this test's own _MODELS table."""
    return charfreq.char_model(), charfreq.guess_model()


@pytest.fixture
def fresh(monkeypatch: pytest.MonkeyPatch, built) -> dict:
    """An empty _MODELS table for the test (the process's models come back afterwards)."""
    table: dict = {}
    monkeypatch.setattr(charfreq, "_MODELS", table)
    return table


def _refuse_to_build(monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(*_args):
        raise AssertionError("built from the package files")

    monkeypatch.setattr(charfreq, "_build_char_model", boom)
    monkeypatch.setattr(charfreq, "_running_text_counts", boom)


def test_pair_counts_behave_as_the_dict_they_pack():
    counts = {"中国": 5, "中间": 2, "国家": 7, "a中": 1}
    packed = PairCounts(PairCounts.pack(counts))
    assert len(packed) == 4
    assert packed.get("国家") == 7 and packed["中间"] == 2
    assert packed.get("国中", 0) == 0 and packed.get("x") is None
    assert "中国" in packed and "家国" not in packed
    assert packed == counts and sorted(packed) == sorted(counts)
    assert dict(packed.items()) == counts


def test_cached_models_equal_the_built_ones_and_skip_the_package_files(tmp_path: Path, fresh, built, monkeypatch):
    words, guess = built
    fresh.update(words=words, guess=guess)
    charfreq._write_model_cache(tmp_path / charfreq.MODEL_CACHE_NAME, charfreq._model_sources_key())
    fresh.clear()
    _refuse_to_build(monkeypatch)
    charfreq.load_models(tmp_path)
    assert isinstance(fresh["guess"].running_pairs, PairCounts)
    for text in SAMPLES:
        assert charfreq.guess_model().score(text) == guess.score(text)
        assert charfreq.char_model().score(text) == words.score(text)
    assert charfreq.guess_model().running_pairs == guess.running_pairs


def test_a_cache_written_for_other_package_files_is_not_read(tmp_path: Path, fresh, built, monkeypatch):
    words, guess = built
    fresh.update(words=words, guess=guess)
    path = tmp_path / charfreq.MODEL_CACHE_NAME
    charfreq._write_model_cache(path, "format=0|an older jieba")
    assert charfreq._read_model_cache(path, charfreq._model_sources_key()) is None


def test_an_unreadable_cache_is_rebuilt_with_a_warning(tmp_path: Path, fresh, built, monkeypatch, caplog):
    words, guess = built
    path = tmp_path / charfreq.MODEL_CACHE_NAME
    path.write_bytes(b"\x00not marshal")
    monkeypatch.setattr(charfreq, "_build_char_model", lambda: words)
    monkeypatch.setattr(charfreq, "_running_text_counts", lambda: (guess.running_pairs, guess.running_chars))
    with caplog.at_level(logging.WARNING, logger="cleaning.decode.charfreq"):
        charfreq.load_models(tmp_path)
    assert "unreadable model cache" in caplog.text
    assert fresh["guess"].score("人可通过") == guess.score("人可通过")
    assert charfreq._read_model_cache(path, charfreq._model_sources_key()) is not None  # rewritten


def test_models_already_loaded_are_kept(fresh, built, monkeypatch):
    words, guess = built
    fresh.update(words=words, guess=guess)
    _refuse_to_build(monkeypatch)
    pipeline.warm_up(None)
    assert fresh["guess"] is guess


def test_the_clean_job_warms_up_before_its_first_page(tmp_path: Path, monkeypatch):
    from crawlers.sites import load_registry
    from jobs.clean import clean_batch
    from jobs.config import DataPaths

    calls: list = []
    monkeypatch.setattr(pipeline, "load_models", calls.append)
    paths = DataPaths(tmp_path)
    clean_batch(paths, [], load_registry())
    assert calls == [paths.cache_dir]


def test_packing_a_partly_expanded_pair_table_keeps_every_pair():
    counts = {"中国": 5, "中间": 2, "国家": 7, "家人": 1}
    packed = PairCounts(PairCounts.pack(counts))
    assert packed.get("中国") == 5  # expands the pairs starting with 中
    assert PairCounts(charfreq._packed(packed)) == counts
