"""The analyzer: one for indexing and queries, Traditional = Simplified, phrases and offsets right."""
from __future__ import annotations

import pickle
import random

import pytest

from conftest import SEEDS
from indexer.normalize import fold, normalize_text
from indexer.segment import ChineseAnalyzer, analyze, domain_words, index_positions, query_words, word_parts


@pytest.mark.parametrize(
    "traditional,simplified",
    [
        ("質量月活動", "质量月活动"),
        ("首席質量官培訓", "首席质量官培训"),
        ("質量信得過班組", "质量信得过班组"),
        ("政府質量獎", "政府质量奖"),
        ("上海市質量協會", "上海市质量协会"),
    ],
)
def test_traditional_and_simplified_give_the_same_tokens(traditional: str, simplified: str) -> None:
    assert analyze(traditional, index_mode=True) == analyze(simplified, index_mode=True)
    assert query_words(traditional) == query_words(simplified)


@pytest.mark.parametrize("word", ["质量月", "首席质量官", "质量信得过班组", "政府质量奖", "质量强国"])
def test_domain_words_stay_whole(word: str) -> None:
    assert word in query_words(f"开展{word}相关工作")


def test_domain_dictionary_is_data() -> None:
    words = [w for w, _ in domain_words()]
    assert "质量月" in words and "首席质量官" in words and "QC小组" in words


@pytest.mark.parametrize("text", ["本月空气质量月报显示", "发布空气质量月报", "空气质量月报"])
def test_false_friend_is_not_quality_month(text: str) -> None:
    assert "质量月" not in [t.text for t in analyze(text, index_mode=True)]


@pytest.mark.parametrize(
    "text,straddler",
    [("国家电网", "家电"), ("产品质量", "品质"), ("空气质量", "气质"), ("中华人民共和国", "华人"),
     ("上海市人民政府", "海市"), ("上海市人民政府", "民政"), ("高质量", "高质"), ("世界标准日", "界标"),
     ("盐城市", "城市"), ("宝山区", "山区"), ("金山区", "山区"), ("上海市人民政府", "上海市人"), ("内蒙古自治区", "内蒙古自")],
)
def test_a_sub_word_across_the_parts_of_a_word_is_not_indexed(text: str, straddler: str) -> None:
    # 家电 lies across 国家 + 电网: a search for 家电 must not find pages about the power grid.
    tokens = {t.text for t in analyze(text, index_mode=True)}
    assert straddler not in tokens and text in tokens


@pytest.mark.parametrize(
    "text,parts",
    [("国家电网", {"国家", "电网"}), ("产品质量", {"产品", "质量"}), ("高质量", {"质量"}),
     ("中华人民共和国", {"中华", "人民", "共和国"}), ("上海市人民政府", {"上海", "上海市", "人民", "政府"}),
     ("国家市场监管总局", {"国家", "市场", "监管", "总局"}), ("市场监管局", {"市场", "监管", "监管局"}),
     ("全国质量月", {"全国", "质量", "质量月"}), ("盐城市", {"盐城"}), ("达州市", {"达州"}), ("宝山区", {"宝山"}),
     ("东城区", {"东城"}), ("工业园区", {"工业", "园区"}), ("浦东新区", {"浦东", "新区"}),
     ("中国质量协会", {"中国", "质量", "协会", "质量协会"}), ("上海市质量协会", {"上海市", "质量协会"})],
)
def test_the_parts_of_a_word_are_its_sub_words(text: str, parts: set[str]) -> None:
    assert {t.text for t in analyze(text, index_mode=True)} >= parts


def test_query_mode_has_no_subwords_index_mode_does() -> None:
    assert query_words("首席质量官") == ["首席质量官"]
    index_tokens = analyze("首席质量官", index_mode=True)
    assert {t.text for t in index_tokens} >= {"首席", "质量", "首席质量官"}
    assert {t.pos for t in index_tokens} == {0}


def test_positions_are_consecutive_for_main_words() -> None:
    tokens = analyze("上海市开展质量月活动，首席质量官参加培训。", index_mode=True)
    main = [t for t in tokens if t.text in query_words("上海市开展质量月活动，首席质量官参加培训。")]
    positions = sorted({t.pos for t in tokens})
    assert positions == list(range(len(positions)))
    assert len(positions) == len(query_words("上海市开展质量月活动，首席质量官参加培训。"))
    assert main


def test_offsets_point_at_the_original_characters_of_a_traditional_seed() -> None:
    text = normalize_text((SEEDS / "000_0bce4af3382c1576.txt").read_text("utf-8"))
    tokens = analyze(text, index_mode=True)
    assert len(tokens) > 2000
    for tok in tokens:
        assert fold(text[tok.start : tok.end]) == tok.text
    first = next(t for t in tokens if t.text == "质量月")
    assert text[first.start : first.end] == "質量月"


def test_latin_is_lowercased_and_punctuation_dropped() -> None:
    assert query_words("QC小组，FMEA！") == ["qc小组", "fmea"]
    assert query_words("“”（）——。") == []


def test_index_positions_are_the_index_mode_tokens_by_word() -> None:
    texts = [p.read_text("utf-8") for p in sorted(SEEDS.glob("*.txt"))]
    texts += ["QC小组 qc小组活动，國家電網 质量质量月 2023年全国“质量月” 达州市 上海市委 ＡＢＣ１２３ ...", ""]
    # index_positions reads jieba's tagged cut (shared with the organization finder), analyze its
    # tokenize: unknown words (jieba's HMM), Latin, digits and punctuation must cut the same.
    rng = random.Random(5)
    pool = "质量月活动企业鑫淼垚犇骉昇晟曌囧槑甡QCqc2023１２年，。、“”（）- \n"
    texts += ["".join(rng.choice(pool) for _ in range(rng.randint(1, 300))) for _ in range(200)]
    texts.append("质量月活动，鑫淼企业。" * 12_000)  # past TAG_MEMO_MAX_CHARS: cut again, not remembered
    for text in texts:
        expected: dict[str, list[int]] = {}
        for tok in analyze(text, index_mode=True):
            expected.setdefault(tok.text, []).append(tok.pos)
        assert index_positions(text) == expected
    assert len(index_positions(texts[0])) > 100


def test_whoosh_tokenizer_matches_analyze_and_pickles() -> None:
    analyzer = ChineseAnalyzer()
    restored = pickle.loads(pickle.dumps(analyzer))
    text = "開展質量月活動"
    got = [(t.text, t.pos, t.startchar, t.endchar) for t in restored(text, positions=True, chars=True, mode="index")]
    assert got == [(t.text, t.pos, t.start, t.end) for t in analyze(text, index_mode=True)]
    assert [t.text for t in analyzer(text, mode="query")] == query_words(text)


@pytest.mark.parametrize(
    "word,parts",
    [
        ("全国质量月", ("全国", "质量月")),  # written 全国“质量月” on real pages
        ("新闻联播", ("新闻", "联播")),
        ("qc小组", ("qc", "小组")),
        ("质量月", ()),  # 质量 + 月 would find 空气质量月报
        ("开幕式", ()),  # 开幕 + 式: a single character is no word anyone writes apart
        ("习近平", ()),
        ("质量", ()),
    ],
)
def test_word_parts_are_words_a_page_could_write_apart(word: str, parts: tuple[str, ...]) -> None:
    assert word_parts(word) == parts
