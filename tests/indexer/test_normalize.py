"""Normalizing: pinyin glosses go, bracketed content stays, folding keeps lengths."""
from __future__ import annotations

import re

import pytest

from conftest import FIXTURE_CORPUS, SEEDS
from indexer.normalize import PINYIN_GLOSS, fold, normalize_text, strip_pinyin, to_simplified

TONED = re.compile(r"[(（][a-zü]*[āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜ][a-zü]*[)）]")


@pytest.mark.parametrize("seed", ["000_0bce4af3382c1576.txt", "003_b1e6235fe70e8a2b.txt"])
def test_seed_glosses_are_gone(seed: str) -> None:
    raw = (SEEDS / seed).read_text("utf-8")
    assert len(TONED.findall(raw)) > 200
    clean = normalize_text(raw)
    assert TONED.findall(clean) == []
    assert "質量月" in clean and "質(zhì)量" not in clean


def test_seed_000_keeps_real_brackets() -> None:
    clean = normalize_text((SEEDS / "000_0bce4af3382c1576.txt").read_text("utf-8"))
    for kept in ("第四屆(2021年度)", "(集團)有限公司", "國家核電(上海核工院)", "3C免辦"):
        assert kept in clean


def test_fixture_brackets_survive() -> None:
    clean = normalize_text((FIXTURE_CORPUS / "pinyin_glossed.txt").read_text("utf-8"))
    for kept in ("（一）", "(一)", "(徐東周)", "(3C)", "(Quality Month)", "(QC)"):
        assert kept in clean
    assert "國務院" in clean and TONED.findall(clean) == []


@pytest.mark.parametrize(
    "text,out",
    [
        ("質(zhì)量月", "質量月"),
        ("開展（zhǎn）", "開展"),
        ("綠(lǜ)色", "綠色"),
        ("English (zhì) after a space", "English (zhì) after a space"),
        ("型號(A3)", "型號(A3)"),
        ("說明(mà)", "說明"),
    ],
)
def test_strip_pinyin_cases(text: str, out: str) -> None:
    assert strip_pinyin(text) == out


def test_gloss_pattern_requires_tone_mark() -> None:
    assert PINYIN_GLOSS.search("企業(ma)") is None


def test_fold_is_same_length_and_simplified() -> None:
    text = "質量月活動 ＱＣ小組 臺灣 Quality"
    folded = fold(text)
    assert len(folded) == len(text)
    assert folded == "质量月活动 qc小组 台湾 quality"


def test_to_simplified_falls_back_per_character_when_length_changes(monkeypatch) -> None:
    import indexer.normalize as normalize

    class Lengthening:
        def convert(self, text: str) -> str:
            return text.replace("質", "质").replace("量", "量量") if len(text) > 1 else {"質": "质"}.get(text, text)

    monkeypatch.setattr(normalize, "_converter", Lengthening())
    normalize._fold_char.cache_clear()
    try:
        assert to_simplified("質量") == "质量"
    finally:
        normalize._fold_char.cache_clear()


def test_tidy_whitespace_and_invisible_characters() -> None:
    assert normalize_text("\ufeff质量\u200b月  活动\r\n\r\n\r\n\n结束　 ") == "质量月 活动\n\n结束"


def test_text_without_traditional_characters_is_not_converted() -> None:
    # A text with no character tw2s changes on its own is left as it is (3 % of a build went to
    # OpenCC's pass over Simplified text). OpenCC's phrase rules would also misread some Simplified
    # text: 一批覆盖 as 批覆 (批复) + 盖, 破坏土耳其 as 坏土 (坯土).
    import indexer.normalize as normalize

    for text in ("质量月活动在全国展开", "一批覆盖产业", "破坏土耳其经济", "Quality 2024"):
        assert to_simplified(text) == text
    assert normalize._converter.convert("一批覆盖产业") == "一批复盖产业"  # what the skipped pass did
    assert to_simplified("質量月") == "质量月"
    assert to_simplified("一批覆蓋產業") == "一批复盖产业"  # Traditional text still goes through OpenCC whole
    assert to_simplified("𠀀質量") == "𠀀质量"
    for ch in "質們臺灣這麼":  # a character tw2s changes alone sends a text through OpenCC
        assert normalize._convertible().search(f"质量{ch}月") is not None
    assert normalize._convertible().search("质量月活动") is None


def test_half_width_replaces_each_full_width_character() -> None:
    from indexer.normalize import half_width

    assert half_width("ＱＣ小组，（１）：１０％！～") == "QC小组,(1):10%!~"
    assert half_width("质量月") == "质量月"
