"""The time budget covers the whole search: decoding posting lists, building Whoosh's matcher tree
(once), the fallback walk and phrase checks. A search that runs out of time says so ("partial") and
never lists a document that does not match; a large OR is scored from the arrays, not walked."""
from __future__ import annotations

from pathlib import Path

import pytest
from whoosh import index as windex
from whoosh.query import Or

from search_app.backends.whoosh import postings, ranking
from search_app.backends.whoosh.compile import to_whoosh
from search_app.backends.whoosh.doctable import CACHE
from search_app.backends.whoosh.internals import array_union_parts
from search_app.backends.whoosh.postings import PostingArrays, exact_scores
from search_app.backends.whoosh.ranking import _docset, _scored, search
from search_app.query import parse_query
from search_app.results import Clock, SearchRequest, Paging

MANY = "质量 OR 品牌 OR 标准 OR 活动 OR 通知 OR 企业 OR 上海 OR 培训"


@pytest.fixture()
def fresh_arrays(monkeypatch) -> PostingArrays:
    """Empty caches of posting arrays and phrase documents for the ranking (as in a server just
    started), where every word counts as long (the sample's are short: the archive's common words are not)."""
    arrays = PostingArrays()
    monkeypatch.setattr(ranking, "ARRAYS", arrays)
    CACHE.clear_terms()
    monkeypatch.setattr(postings, "SMALL_POSTINGS", 0)
    monkeypatch.setattr(postings, "SMALL_POSITIONS", 0)
    return arrays


def _search(searcher, q: str, budget: float | None, page: int = 1) -> dict:
    return search(searcher, SearchRequest(parse_query(q), paging=Paging(page, 10)), budget)


def test_a_large_or_is_scored_from_the_arrays_in_whoosh_order(sample_index: Path, monkeypatch) -> None:
    """Whoosh preloads an OR of many words into an ArrayUnionMatcher in a small segment; its scores
    come from the arrays, equal to Whoosh's to the bit, without walking it."""
    def no_walk(*args, **kwargs):
        raise AssertionError("walked a matcher the arrays can evaluate")

    with windex.open_dir(str(sample_index)).searcher() as searcher:
        query = to_whoosh(parse_query(MANY))
        docs = sorted(_docset(searcher, query, Clock(None), {}))
        assert any(array_union_parts(query.matcher(sub, searcher.context())) for sub, _ in searcher.leaf_searchers())
        want = _scored(searcher, query, docs)
        monkeypatch.setattr(postings, "walk", no_walk)
        assert exact_scores(searcher, query, docs, PostingArrays()) == want


def test_the_matcher_tree_is_built_once_per_segment_even_when_walked(sample_index: Path, monkeypatch) -> None:
    built = []

    class Counted(Or):
        def matcher(self, searcher, context=None):
            built.append(searcher)
            return super().matcher(searcher, context)

    def unknown(*args, **kwargs):
        raise postings.Unsupported("a matcher the arrays do not know")

    with windex.open_dir(str(sample_index)).searcher() as searcher:
        plain = to_whoosh(parse_query(MANY))
        docs = sorted(_docset(searcher, plain, Clock(None), {}))
        want = _scored(searcher, plain, docs)
        monkeypatch.setattr(postings, "_evaluate", unknown)
        query = Counted(plain.subqueries)
        assert exact_scores(searcher, query, docs, PostingArrays()) == want
        segments = sum(1 for sub, offset in searcher.leaf_searchers()
                       if any(offset <= d < offset + sub.doc_count_all() for d in docs))
        assert len(built) == segments


def test_a_search_out_of_time_while_decoding_is_partial_and_lists_only_matches(sample_index: Path, fresh_arrays,
                                                                              monkeypatch) -> None:
    """Every posting list is slow to decode (a cold cache on a busy machine): the budget runs out
    after a few words, the rest are not read, and the answer is partial, its total a lower bound."""
    with windex.open_dir(str(sample_index)).searcher() as searcher:
        full = _search(searcher, MANY, None)
        fresh_arrays.clear()  # cold again
        decoded: list[str] = []
        real = PostingArrays._read_term

        class Decodes(Clock):
            """A clock whose time is the posting lists decoded: each costs a tenth of a second."""

            def expired(self) -> bool:
                self.ran_out = self.ran_out or 0.1 * len(decoded) > 0.25
                return self.ran_out

        def slow(self, searcher, field, text):
            decoded.append(text)
            return real(self, searcher, field, text)

        monkeypatch.setattr(PostingArrays, "_read_term", slow)
        monkeypatch.setattr(ranking, "Clock", Decodes)
        cut = _search(searcher, MANY, 1.0)
    words = parse_query(MANY).highlight_words
    assert cut["partial"] is True and cut["total_exact"] is False
    assert len(set(decoded)) < len(words)  # words were left unread
    assert 0 < cut["total"] <= full["total"]
    full_ids = {r["id"] for r in _all(sample_index, MANY)}
    assert {r["id"] for r in cut["results"]} <= full_ids


def _all(index: Path, q: str) -> list[dict]:
    with windex.open_dir(str(index)).searcher() as searcher:
        return search(searcher, SearchRequest(parse_query(q), paging=Paging(1, 100)), None)["results"]


def test_an_unread_negated_word_excludes_everything_rather_than_nothing(sample_index: Path, fresh_arrays) -> None:
    """With the budget spent before 空气 is read, `质量月 -空气` cannot know what to exclude: it
    lists nothing it cannot vouch for, and says the answer is partial."""
    with windex.open_dir(str(sample_index)).searcher() as searcher:
        for field in ("title", "text"):
            fresh_arrays.term(searcher, field, "质量月")  # the positive word is decoded already
        cut = _search(searcher, "质量月 -空气", 0.0)
        assert cut["partial"] is True and cut["total_exact"] is False and cut["total"] == 0
        assert _search(searcher, "质量月 -空气", None)["total"] > 0


def test_a_phrase_out_of_time_before_its_words_are_read_is_unchecked(sample_index: Path, fresh_arrays) -> None:
    with windex.open_dir(str(sample_index)).searcher() as searcher:
        cut = _search(searcher, '"质量 提升"', 0.0)
        full = _search(searcher, '"质量 提升"', None)
    assert full["total"] > 0
    assert cut["partial"] is True and cut["total_exact"] is False and cut["total"] == 0
