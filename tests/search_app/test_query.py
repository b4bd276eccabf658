"""The query model: unquoted chunks, other names, soft AND's relaxed query, pinyin candidates."""
from __future__ import annotations

from search_app.query import Clause, Filters, parse_query
from search_app.suggest import pinyin_candidates


def test_an_unquoted_chunk_is_a_phrase_or_its_parts() -> None:
    (clause,) = parse_query("全国质量月").clauses
    kinds = [(o.kind, o.words) for o in clause.options]
    assert kinds[0] == ("words", ["全国质量月"]) and ("phrase", ["全国", "质量月"]) in kinds
    assert clause.unquoted == ["全国质量月"]


def test_a_name_kept_whole_is_not_written_apart_into_single_characters() -> None:
    (clause,) = parse_query("质量月").clauses
    assert clause.kind == "words" and clause.words == ["质量月"]  # never 质量 + 月


def test_quotes_turn_other_names_off() -> None:
    assert "国家市场监督管理总局" in parse_query("市场监管总局").expanded
    assert parse_query('"市场监管总局"').expanded == []


def test_relaxed_needs_three_quarters_of_the_words_and_keeps_phrases_and_negations() -> None:
    query, optional = parse_query('质量月 QC成果发表 "发布会" -空气').relaxed()
    assert optional == ["质量月", "qc", "成果", "发表"]
    kinds = [(c.kind, c.negated) for c in query.clauses]
    assert ("phrase", False) in kinds or ("words", False) in kinds
    some = next(c for c in query.clauses if c.kind == "or")
    assert all(len(o.words) == 3 for o in some.options) and len(some.options) == 4  # C(4, 3)
    assert query.clauses[-1].negated and query.clauses[-1].words == ["空气"]


def test_nothing_to_relax() -> None:
    assert parse_query("质量月").relaxed() is None
    assert parse_query('"质量月 活动"').relaxed() is None
    assert parse_query("质量月 活动").relaxed() is None  # ⌈¾ × 2⌉ = 2: every word still needed
    query, optional = parse_query("质量月 月报").relaxed(all_but_one=True)  # the last resort
    assert optional == ["质量月", "月报"] and [o.words for o in query.clauses[0].options] == [["质量月"], ["月", "报"]]
    assert parse_query("蓝鲸计划").relaxed(all_but_one=True) is None  # one chunk is one thing
    query, optional = parse_query("质量月 活动 总结").relaxed(all_but_one=True)  # two of three
    assert optional == ["质量月", "活动", "总结"] and len(query.clauses[0].options) == 3
    assert parse_query("质量月 活动 总结 模板").relaxed(all_but_one=True) is None  # ⌈¾ × 4⌉ is three already


def test_a_long_word_is_relaxed_to_its_parts_but_a_name_is_not() -> None:
    query, optional = parse_query("船厂 石油化工").relaxed()  # ⌈¾ × 3⌉: all three, 石油化工 written apart too
    assert optional == ["船厂", "石油", "化工"] and query.clauses[0].words == ["船厂", "石油", "化工"]
    assert parse_query("政府质量奖 公示").relaxed() is None  # an award's name is never cut apart
    assert parse_query("家电 质量文化").relaxed() is None  # nor a word of the domain dictionary


def test_parts_count_as_words_but_never_make_a_name_or_a_split_chunk() -> None:
    # ⌈¾⌉ of the analyzed words, as Elasticsearch counts them: 3 of 空气 + 质量 + 月 + 报.
    query, optional = parse_query("空气质量 月报").relaxed()
    assert optional == ["空气", "质量", "月", "报"] and len(query.clauses[0].options) == 4
    query, _ = parse_query("产品质量 月 活动").relaxed()
    assert ["质量", "月", "活动"] in [o.words for o in query.clauses[0].options]
    assert query.campaigns == []  # 质量 + 月 + 活动 are parts and words, not the campaign 质量月 typed
    query, _ = parse_query("产品质量 月 活动").relaxed(all_but_one=True)  # two of the three typed words
    assert [o.words for o in query.clauses[0].options] == [["产品", "质量", "月"], ["产品", "质量", "活动"], ["月", "活动"]]
    assert parse_query("质量管理体系").relaxed(all_but_one=True) is None  # one chunk of two words
    assert parse_query("石油化工").relaxed()[0].clauses[0].words == ["石油", "化工"]  # one word, written apart
    # Too many parts for the cap: the typed words, whole.
    _, optional = parse_query("石油化工 船厂 安全 生产 检查 制度 标准 管理").relaxed()
    assert optional[0] == "石油化工" and len(optional) == 8
    # Parts the index does not hold inside the word (以色列国 + 防部, where it holds 以色列 + 国防部): kept whole;
    # parts it holds, four-character ones too (香港特区 in 香港特区政府), are counted.
    _, optional = parse_query("以色列国防部 质量 标准 检查").relaxed()
    assert optional == ["以色列国防部", "质量", "标准", "检查"]
    _, optional = parse_query("香港特区政府 质量 标准 检查").relaxed()
    assert optional == ["香港特区", "政府", "质量", "标准", "检查"]


def test_one_chunk_of_three_words_is_relaxed_to_its_phrases_of_two_too() -> None:
    query, optional = parse_query("数据质量管理").relaxed()  # 数据质量 pages lack 管理: BM25 finds them
    assert optional == ["数据", "质量", "管理"]
    options = [(o.kind, o.words) for o in query.clauses[0].options]
    assert options == [("words", ["数据", "质量", "管理"]), ("phrase", ["数据", "质量"]), ("phrase", ["质量", "管理"])]
    query, _ = parse_query("数据质量管理 -空气").relaxed()
    assert query.clauses[-1].negated and len(query.clauses[0].options) == 3
    assert all(o.kind == "words" for o in parse_query("质量月 活动 总结 模板").relaxed()[0].clauses[0].options)  # four chunks
    # Never longer than the caps allow, nor from a chunk that repeats its words.
    for text in ("质量管理" * 30, "质量管理" * 499 + "数据", "质量质量管理"):
        relaxed = parse_query(text).relaxed()
        options = relaxed[0].clauses[0].options if relaxed else []
        assert all(o.kind == "words" for o in options), text


def test_relaxed_words_carry_their_other_names_synonyms_and_year() -> None:
    # The last resort's two of three words: 质量部 is also found as 品质部 (a page of 品质部 + KPI).
    query, optional = parse_query("质量部 KPI 考核").relaxed(all_but_one=True)
    first = query.clauses[0].options[0]
    assert first.kind == "and" and first.unquoted == ["质量部", "kpi"] and optional == ["质量部", "kpi", "考核"]
    names = first.options[0]
    assert names.kind == "or" and ("phrase", ["品质", "部"]) in [(o.kind, o.words) for o in names.options]
    assert first.options[1] == Clause("words", ["kpi"])
    assert first.describe().startswith("质量部 或 ") and "品质部" in first.describe()
    # A year is also found by the documents of that year; words without alternatives stay one clause.
    query, _ = parse_query("2019 质量月 活动 总结").relaxed()
    assert [o.kind for o in query.clauses[0].options] == ["and", "and", "and", "words"]
    year = query.clauses[0].options[0].options[0]
    assert [o.kind for o in year.options] == ["words", "year"] and year.options[1].describe() == "2019年的文档"
    # A field clause marks nothing: 乌鲁木齐市 is marked as typed, not as the region's name 乌鲁木齐.
    query, _ = parse_query("乌鲁木齐市 质量月 活动 总结").relaxed()
    assert "乌鲁木齐市" in query.highlight_words and "乌鲁木齐" not in query.highlight_words
    assert any(o.kind == "place" for c in query.clauses for a in c.options for p in a.options for o in p.options)
    # Not when a filter already asks for the year or region; 年 after a year is part of it.
    query, optional = parse_query("2019年质量月 活动").relaxed(filters=Filters(year=(2019, 2019)))
    assert optional == ["2019", "质量月", "活动"]
    assert "year" not in repr(query.clauses)
    query, _ = parse_query("2019年质量月 活动").relaxed()
    assert "Clause(kind='year', words=['2019']" in repr(query.clauses)


def test_chunks_that_start_with_a_year() -> None:
    assert parse_query("2019年质量月 活动").years == [(0, "2019", ["质量月"])]
    assert parse_query("2019年度质量月").years == [(0, "2019", ["质量月"])]
    assert parse_query("2023 质量月").years == [(0, "2023", [])]
    assert parse_query("质量月 2023").years == [(1, "2023", [])]
    assert parse_query("2023").years == [] and parse_query("2023年").years == []  # nothing else to rank by
    assert parse_query('"2019年质量月"').years == [] and parse_query("质量月 -2019").years == []
    assert parse_query("12019 质量月").years == [] and parse_query("1899 质量月").years == []
    assert parse_query("2000家 企业").years == [] and parse_query("2019年度").years == []  # a number; alone


def test_chunks_that_name_a_region() -> None:
    assert parse_query("新疆 质量月").places == [(0, "新疆")]
    assert parse_query("质量月 乌鲁木齐市").places == [(1, "乌鲁木齐")]
    assert parse_query("新疆").places == [] and parse_query('"新疆" 质量月').places == []
    assert parse_query("中山 质量月").places == [] and parse_query("中山市 质量月").places == [(0, "中山")]


def test_pinyin_candidates() -> None:
    assert pinyin_candidates("zhiliangyue")[0] == "质量月"
    assert "质量月" in pinyin_candidates("ZLY")
    assert pinyin_candidates("质量月") == [] and pinyin_candidates("zhiliang 月") == []
    assert pinyin_candidates("q") == []


def test_or_joins_chunks_not_a_chunks_spellings() -> None:
    parsed = parse_query("市场监管总局 OR 国家质检总局 OR 上海")
    (clause,) = parsed.clauses
    assert clause.kind == "or" and not clause.unquoted and len(clause.options) == 3
    assert clause.describe() == "市场监管总局 或 国家质检总局 或 上海"
