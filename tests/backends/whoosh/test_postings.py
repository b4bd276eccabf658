"""The posting arrays hold what Whoosh's own matchers and scorer give, deleted documents included."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from whoosh import index as windex

from indexer import fields as F
from indexer.backends.whoosh.writer import build_index
from search_app.backends.whoosh.postings import PostingArrays, Unsupported, query_scores
from search_app.backends.whoosh.compile import to_whoosh
from search_app.query import parse_query
from search_app.results import Clock


@pytest.fixture()
def index_with_deletions(corpus_copy: Path, tmp_path: Path) -> Path:
    """The sample index after an incremental run that deleted two files and added one."""
    index = tmp_path / "index"
    build_index(corpus_copy, index)
    gone = sorted(p for p in corpus_copy.iterdir() if p.is_file())[:2]  # two of the seeds
    for path in gone:
        path.unlink()
    (corpus_copy / "added.txt").write_text("2023年质量月活动通知\n\n各单位开展质量月活动，提升质量。", encoding="utf-8")
    report = build_index(corpus_copy, index)
    assert report.deleted == 2 and report.added == 1, report
    return index


def _whoosh_postings(searcher, field: str, text: str) -> tuple[list[int], list[float]]:
    """Global ids and BM25F scores of a term through Whoosh's own matcher and scorer."""
    ids, scores = [], []
    for sub, offset in searcher.leaf_searchers():
        if (field, text) not in sub.reader():
            continue
        matcher = sub.postings(field, text, weighting=searcher.weighting)
        while matcher.is_active():
            ids.append(matcher.id() + offset)
            scores.append(matcher.score())
            matcher.next()
    return ids, scores


def test_term_arrays_equal_whoosh_matchers_with_deletions(index_with_deletions: Path) -> None:
    arrays = PostingArrays()
    with windex.open_dir(str(index_with_deletions)).searcher() as searcher:
        assert any(leaf.has_deletions() for leaf, _ in searcher.reader().leaf_readers())
        checked = 0
        for field in (F.TITLE, F.TEXT_):
            for text in list(searcher.reader().field_terms(field))[:400]:
                ids, scores = _whoosh_postings(searcher, field, text)
                term = arrays.term(searcher, field, text)
                assert term.docs.tolist() == ids, (field, text)
                np.testing.assert_allclose(term.scores, scores, rtol=1e-6)
                checked += 1
        lengths = arrays.lengths(searcher, F.TEXT_)
        assert lengths.tolist() == [searcher.doc_field_length(d, F.TEXT_, 1) for d in range(searcher.doc_count_all())]
    assert checked > 300


def test_query_scores_sum_as_whoosh_does(sample_index: Path) -> None:
    """Each matching document's array score is Whoosh's score for it (within float32)."""
    from search_app.backends.whoosh.ranking import _docset, _resolve

    arrays = PostingArrays()
    with windex.open_dir(str(sample_index)).searcher() as searcher:
        for q in ("质量月", "质量 活动", "质量月 -空气", "瑞金医院 OR 烽火通信", "质量 OR 品牌 活动"):
            # Long words are also searched written apart (瑞金 医院 as a phrase): phrases found first.
            query, phrases = to_whoosh(parse_query(q)), {}
            _docset(searcher, query, Clock(None), phrases)
            query = _resolve(searcher, query, phrases) if phrases else query
            got = query_scores(searcher, query, phrases, arrays)
            hits = searcher.search(query, limit=None)
            assert len(hits) > 0, q
            for hit in hits:
                assert got[hit.docnum] == pytest.approx(hit.score, rel=1e-5), (q, hit.docnum)
            matched = {hit.docnum for hit in hits}
            assert not any(got[d] for d in range(searcher.doc_count_all()) if d not in matched), q


def test_a_query_the_arrays_do_not_score_says_so(sample_index: Path) -> None:
    from whoosh.query import Every

    with windex.open_dir(str(sample_index)).searcher() as searcher:
        with pytest.raises(Unsupported):
            query_scores(searcher, Every(), {}, PostingArrays())


def test_exact_scores_are_whoosh_scores_bit_for_bit(index_with_deletions: Path) -> None:
    """exact_scores walks the matcher tree Whoosh builds per segment: the same scores, not close ones,
    for words, ANDs, ORs, NOTs and phrases (resolved as the ranking resolves them), after deletions."""
    from search_app.backends.whoosh.postings import exact_scores
    from search_app.backends.whoosh.ranking import _docset, _resolve, _scored

    arrays = PostingArrays()
    queries = ("质量月", "质量 活动", "质量月 -空气", "瑞金医院 OR 烽火通信", "质量 OR 品牌 活动", '"质量 提升"', "质量 -\"质量 提升\"",
               # Four or more alternatives: Whoosh preloads them in an ArrayUnionMatcher in a small segment.
               "质量 OR 品牌 OR 标准 OR 活动", "质量月 OR 首席质量官 OR 瑞金医院 OR 烽火通信 OR 活动 -空气")
    with windex.open_dir(str(index_with_deletions)).searcher() as searcher:
        for q in queries:
            query, phrases = to_whoosh(parse_query(q)), {}
            docs = sorted(_docset(searcher, query, Clock(None), phrases))
            if phrases:
                query = _resolve(searcher, query, phrases)
            assert docs, q
            want = _scored(searcher, query, docs)
            assert exact_scores(searcher, query, docs, arrays) == want, q


def test_phrases_from_position_arrays_equal_the_document_by_document_check(index_with_deletions: Path) -> None:
    """phrase_docs (cached positions, array intersections) finds what reading each candidate's
    positions finds (the path the ranking takes once its time budget is spent), repeated words too."""
    from whoosh.query import Phrase

    from search_app.backends.whoosh.ranking import _check_each, _having_all, _phrase_docs

    with windex.open_dir(str(index_with_deletions)).searcher() as searcher:
        checked = 0
        for words in (["质量", "月"], ["质量", "提升"], ["开展", "质量月"], ["质量", "质量"], ["的", "的", "的"], ["活动", "通知", "质量"]):
            for field in (F.TITLE, F.TEXT_):
                fast, _ = _phrase_docs(searcher, Phrase(field, words), Clock(None), {})
                candidates = _having_all(searcher, field, list(dict.fromkeys(words)), None, Clock(None))
                slow, unchecked = _check_each(searcher, field, words, candidates.tolist(), Clock(None))
                assert not unchecked and fast == slow, (field, words)
                checked += len(fast)
        assert checked > 5


def _whoosh_positions(searcher, field: str, text: str) -> np.ndarray:
    """`docnum << 32 | position` keys through Whoosh's matcher and its format's own decoder."""
    decode = searcher.schema[field].format.decoder("positions")
    keys = []
    for sub, offset in searcher.leaf_searchers():
        if (field, text) not in sub.reader():
            continue
        matcher = sub.reader().postings(field, text)
        while matcher.is_active():
            keys += [(matcher.id() + offset) << 32 | p for p in decode(matcher.value())]
            matcher.next()
    return np.asarray(keys, dtype=np.int64)


def test_positions_read_a_block_at_a_time_equal_whoosh_decoding(tmp_path: Path) -> None:
    """A block's position pickles loaded in one call give Whoosh's positions: over several blocks,
    with deletions, in segments of Whoosh's writer and of ours, one position (APPEND) or many (more
    than pickle's batch of 1,000), positions past 255 and 65,535 (other opcodes), inlined rare terms."""
    from indexer.backends.whoosh import internals as W
    from indexer.backends.whoosh.schema import build_schema
    from search_app.backends.whoosh.postings import _read_positions

    ix = windex.create_in(str(tmp_path), build_schema())
    for make in (ix.writer, lambda: W.writer(ix)):
        writer = make()
        base = ix.doc_count_all()
        for n in range(base, base + 300):
            words = ["质量"] * (1 + n % 4) + ["标准"] * (n % 3) + (["蓝鲸"] if n % 150 == 7 else [])
            if n % 100 == 5:
                words = ["标准"] * 70_000 + ["质量", "海豚"] + ["质量"] * 1_200
            writer.add_document(**{F.ID_: f"d{n}", F.TITLE: "质量 标准", F.TEXT_: " ".join(words)})
        writer.commit(merge=False)
    writer = ix.writer()
    for n in range(0, 600, 37):
        writer.delete_by_term(F.ID_, f"d{n}")
    writer.commit(merge=False)
    with ix.searcher() as searcher:
        assert len(searcher.leaf_searchers()) >= 2
        for field, word in ((F.TEXT_, "质量"), (F.TEXT_, "标准"), (F.TEXT_, "海豚"), (F.TEXT_, "蓝鲸"), (F.TITLE, "质量"), (F.TEXT_, "鲨鱼")):
            expected = _whoosh_positions(searcher, field, word)
            got = _read_positions(searcher, field, word)
            assert got.dtype == np.int64 and np.array_equal(got, expected), (field, word)
        assert (_read_positions(searcher, F.TEXT_, "海豚") & 0xFFFFFFFF).max() > 65_535
        assert len(_read_positions(searcher, F.TEXT_, "质量")) > 5_000


WORDS = ("质量", "标准", "品牌", "活动", "企业", "检验", "计量", "认证", "管理", "安全", "创新", "服务")


@pytest.fixture(scope="module")
def two_segment_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A segment of more than 5,000 documents (where Whoosh ORs three clauses or more through a
    tree of unions weighted by their sizes) and a small one (where it preloads them), with
    deletions in both; words of unequal frequencies, and two that always come together (equal
    sizes: the tree keeps their order, which decides what is added first)."""
    import random

    from indexer.backends.whoosh.schema import build_schema

    rng = random.Random(24)
    path = tmp_path_factory.mktemp("segments") / "index"
    path.mkdir()
    ix = windex.create_in(str(path), build_schema())
    for count, start in ((5200, 0), (300, 5200)):
        writer = ix.writer()
        for n in range(start, start + count):
            words = [w for i, w in enumerate(WORDS) if rng.random() < 0.5 / (i + 1) ** 0.7]
            if n % 7 == 0:
                words += ["蓝鲸", "海豚"] + ["蓝鲸"] * (n % 3)  # in the same documents, not as often
            rng.shuffle(words)
            writer.add_document(**{F.ID_: f"d{n}", F.TITLE: " ".join(words[:2]), F.TEXT_: " ".join(words * rng.randint(1, 3)),
                                   F.YEAR: 2015 + n % 10, F.REGIONS: "上海" if n % 3 else "北京"})
        writer.commit(merge=False)
    writer = ix.writer()
    for n in range(0, 5500, 97):
        writer.delete_by_term(F.ID_, f"d{n}")
    writer.commit(merge=False)
    return path


def test_planned_trees_score_as_whoosh_in_large_and_small_segments(two_segment_index: Path) -> None:
    """exact_scores plans the matcher tree Whoosh would build (no matcher is built): in a segment of
    over 5,000 documents an OR of three or more clauses is a weighted tree of unions, whose order of
    additions is the sizes' order, ties ordered as Python orders Whoosh's matchers. Bit for bit what
    Whoosh's own matchers give, and no query here needs Whoosh's matchers to get it."""
    from whoosh.query import And, Or, Term

    from search_app.backends.whoosh.postings import Planner, exact_scores
    from search_app.backends.whoosh.ranking import _scored

    def words(*ws: str, field: str = F.TEXT_, boost: float = 1.0) -> list:
        return [Term(field, w, boost=boost) for w in ws]

    queries = [
        Or(words("质量", "标准", "品牌")),
        Or(words("服务", "创新", "安全", "管理", "认证")),
        Or(words("蓝鲸", "海豚", "计量")),  # two clauses of equal size
        Or(words("海豚", "蓝鲸", "计量", "服务")),
        Or(words("质量", "品牌") + words("质量", "活动", field=F.TITLE), boost=1.5),
        And([Or(words("质量", "标准", "检验")), Or(words("创新", "服务", "蓝鲸", "海豚"))]),
        And(words("质量", "标准", "品牌", "活动")),
        And(words("蓝鲸", "海豚", "质量")),
        # Equal sizes, a plain term (a FilterMatcher where there are deletions) after a boosted one
        # (a WrappingMatcher, its base class): Python orders those two, not the clauses' order.
        And(words("蓝鲸", "海豚") + words("蓝鲸", boost=1.3)),
        And(words("海豚") + words("蓝鲸", boost=0.7) + words("蓝鲸", "质量")),
        Or([Term(F.YEAR, 2019, boost=0.05), Term(F.REGIONS, "北京", boost=0.0), *words("管理", "认证", "缺席词")]),
        to_whoosh(parse_query("质量 标准 OR 品牌 OR 计量 活动 -安全")),
        to_whoosh(parse_query("质量 OR 标准 OR 品牌 OR 活动 OR 企业")),
    ]
    arrays = PostingArrays()
    with windex.open_dir(str(two_segment_index)).searcher() as searcher:
        leaves = searcher.leaf_searchers()
        assert [sub.doc_count_all() for sub, _ in leaves] == [5200, 300]
        assert all(sub.reader().has_deletions() for sub, _ in leaves)
        for query in queries:
            for segment, (sub, _) in enumerate(leaves):
                Planner(searcher, sub, segment, arrays).plan(query)  # never Unsupported here
            docs = sorted(searcher.docs_for_query(query))
            assert docs, query
            want = _scored(searcher, query, docs)
            assert exact_scores(searcher, query, docs, arrays) == want, query
