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
