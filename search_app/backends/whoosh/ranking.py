"""Matching and ranking on Whoosh: a search request to its page of documents, BM25F with the title weighted.

A query's documents come from the posting arrays (search_app.backends.whoosh.postings) with
set operations on sorted arrays; phrases from position arrays; the candidates for the page from
array sums, then scored exactly as Whoosh's own matchers score them. The answer is shaped by
search_app.results.
"""
from __future__ import annotations

import copy
from bisect import bisect_left
from functools import reduce

import numpy as np
from whoosh.query import And, AndNot, Every, Or, Phrase, Query, Term
from whoosh.scoring import BM25F
from whoosh.searching import Searcher

from indexer import fields as F
from search_app.backends.whoosh.compile import filter_query, to_whoosh
from search_app.backends.whoosh.doctable import CACHE
from search_app.backends.whoosh.internals import OutOfTime, TopWithTies, block_ids
from search_app.backends.whoosh.matchers import KnownPhrase
from search_app.backends.whoosh.postings import (
    ARRAYS, SCORE_TOLERANCE, Unsupported, exact_scores, phrase_docs, query_scores, walk,
)
from search_app.results import TIME_BUDGET, Clock, SearchRequest, answer

SCORE_DIRECTLY = 2000  # up to this many filtered matches, each is scored on its own
MIN_RANKED = 100  # documents ranked before the time budget may cut a search short


def weighting() -> BM25F:
    """The service's BM25F: B and K1 of indexer.fields (Whoosh's default searcher has B 0.75)."""
    return BM25F(B=F.BM25_B, K1=F.BM25_K1)


def _term_docs(searcher: Searcher, field: str, text: str) -> set[int]:
    """Documents containing a term, read a posting block at a time."""
    out: set[int] = set()
    for sub, offset in searcher.leaf_searchers():
        reader = sub.reader()
        if (field, text) not in reader:
            continue
        ids = block_ids(reader.postings(field, text))
        out.update(map(offset.__add__, ids) if offset else ids)
    return out


def _docset(searcher: Searcher, query: Query, clock: Clock, phrases: dict, negated: bool = False,
            within: set[int] | None = None) -> set[int]:
    """Document numbers matching `query`, with set operations over posting lists.

    Walking Whoosh's union and intersection matchers costs several Python calls per
    document; a term's posting list is read block by block instead, and the sets are
    combined in C. Phrases are checked on the documents that have all their words
    (`_phrase_docs`), and are in `within` when given (the filters' documents: the caller cuts
    the answer to them); under a negation (`negated`), the documents the clock left unchecked
    count as matching, so that a search cut short only ever misses documents.
    """
    if isinstance(query, Term):
        return CACHE.term_docs(searcher, query.fieldname, query.text, _term_docs)
    if isinstance(query, Phrase):
        found, unchecked = _phrase_docs(searcher, query, clock, phrases, within)
        if not negated:
            return found
        return set(range(searcher.doc_count_all())) if unchecked is UNKNOWN else found | unchecked
    if isinstance(query, Or):
        out: set[int] = set()
        for sub in query.subqueries:
            out |= _docset(searcher, sub, clock, phrases, negated, within)
        return out
    if isinstance(query, And):
        parts = sorted((_docset(searcher, sub, clock, phrases, negated, within) for sub in query.subqueries), key=len)
        out = parts[0] if parts else set()
        for part in parts[1:]:
            out = out & part
        return out
    if isinstance(query, AndNot):
        return (_docset(searcher, query.a, clock, phrases, negated, within)
                - _docset(searcher, query.b, clock, phrases, not negated, within))
    if isinstance(query, Every):
        return CACHE.filter_docs(searcher, query)
    return set(searcher.docs_for_query(query))


def _docarray(searcher: Searcher, query: Query, clock: Clock, phrases: dict, negated: bool = False,
              within: set[int] | None = None) -> np.ndarray:
    """`_docset` as an ascending array: words from the cached posting arrays, the set
    operations on sorted arrays (in C, also for sets of 100,000 documents).

    A word whose postings the spent clock leaves undecoded matches no document, and under a
    negation every document: the answer is then a part of the true one, never a document too many."""
    if isinstance(query, Term):
        term = ARRAYS.term_within(searcher, query.fieldname, query.text, clock)
        if term is None:
            return np.arange(searcher.doc_count_all(), dtype=np.int64) if negated else np.zeros(0, np.int64)
        return term.docs.astype(np.int64)
    if isinstance(query, Or):
        parts = [_docarray(searcher, sub, clock, phrases, negated, within) for sub in query.subqueries]
        return np.unique(np.concatenate(parts)) if parts else np.zeros(0, np.int64)
    if isinstance(query, And):
        parts = sorted((_docarray(searcher, sub, clock, phrases, negated, within) for sub in query.subqueries), key=len)
        out = parts[0] if parts else np.zeros(0, np.int64)
        for part in parts[1:]:
            out = np.intersect1d(out, part, assume_unique=True)
        return out
    if isinstance(query, AndNot):
        a = _docarray(searcher, query.a, clock, phrases, negated, within)
        b = _docarray(searcher, query.b, clock, phrases, not negated, within)
        return np.setdiff1d(a, b, assume_unique=True)
    found = _docset(searcher, query, clock, phrases, negated, within)  # phrases, Every, anything else
    return np.sort(np.fromiter(found, dtype=np.int64, count=len(found)))


class _Unknown(frozenset):
    """The documents a phrase left unchecked when none of its candidates is known: any of them."""


UNKNOWN = _Unknown({-1})  # non-empty (the answer's total is a lower bound), never a document number


def _phrase_docs(searcher: Searcher, phrase: Phrase, clock: Clock, phrases: dict,
                 within: set[int] | None = None) -> tuple[set[int], set[int]]:
    """(documents with the phrase, documents the clock left unchecked).

    The candidates are the documents having every word of the phrase, and of the filters'
    documents (`within`) when there are filters. The phrase must appear at consecutive
    positions, exactly as Whoosh's phrase matcher (slop 1) decides: found with the words'
    cached position arrays (postings.phrase_docs), or, once the budget is spent,
    checked document by document while it lasts, each document's positions read once per
    distinct word (a phrase of 60 times 的 reads those of 的 once, not 60 times). When the budget
    is spent before a word's postings are read, no candidate is known: all are unchecked."""
    key = (phrase.fieldname, tuple(phrase.words))
    if key in phrases:
        return phrases[key]
    field, words = phrase.fieldname, list(phrase.words)
    known = CACHE.phrase_docs(searcher, field, key[1])
    if known is not None:
        phrases[key] = (known if within is None else known & within, set())
        return phrases[key]
    distinct = list(dict.fromkeys(words))
    found: set[int] = set()
    unchecked: set[int] = set()
    try:
        only = _having_all(searcher, field, distinct, within, clock)
    except Unsupported:  # a weighting the arrays do not know: sets from Whoosh's postings
        sets = sorted((CACHE.term_docs(searcher, field, w, _term_docs) for w in distinct), key=len)
        candidates = set(sets[0]).intersection(*sets[1:]) if sets else set()
        if within is not None:
            candidates &= within  # the answer is cut to the filters anyway: check only what can stay
        only = np.asarray(sorted(candidates), dtype=np.int64)
    if only is None:  # out of time before every word was read
        phrases[key] = (found, UNKNOWN)
        return found, UNKNOWN
    if len(words) < 2:
        found = set(only.tolist())
    else:
        # Positions decoded once per index version, the phrase found by array operations.
        at = phrase_docs(searcher, field, words, only, ARRAYS, clock)
        if at is not None:
            found = set(at.tolist())
        else:  # the budget is spent: document by document, while it lasts
            found, unchecked = _check_each(searcher, field, words, only.tolist(), clock)
    if within is None and not unchecked:
        CACHE.keep_phrase(searcher, field, key[1], found)
    phrases[key] = (found, unchecked)
    return found, unchecked


def _check_each(searcher: Searcher, field: str, words: list[str], ordered: list[int],
                clock: Clock) -> tuple[set[int], set[int]]:
    """(documents of `ordered` with the phrase, those left unchecked), reading each candidate's positions."""
    distinct = list(dict.fromkeys(words))
    slots = [distinct.index(w) for w in words]
    found: set[int] = set()
    unchecked: set[int] = set()
    i = 0
    checked = 0
    for sub, offset in searcher.leaf_searchers():
        end = offset + sub.doc_count_all()
        j = bisect_left(ordered, end, i)
        local = [d - offset for d in ordered[i:j]]
        i = j
        if not local:
            continue
        reader = sub.reader()
        matchers = [reader.postings(field, w) for w in distinct]
        for n, docnum in enumerate(local):
            if checked >= 64 and not checked & 63 and clock.expired():
                unchecked.update(d + offset for d in local[n:])
                break
            checked += 1
            positions = []
            for matcher in matchers:
                matcher.skip_to(docnum)
                positions.append(matcher.value_as("positions"))
            if _has_phrase(positions, slots):
                found.add(docnum + offset)
        if i < len(ordered) and clock.ran_out:
            unchecked.update(ordered[i:])
            break
    return found, unchecked


def _having_all(searcher: Searcher, field: str, words: list[str], within: set[int] | None,
                clock: Clock) -> np.ndarray | None:
    """The documents having every word (and in `within`), from the words' posting arrays, which
    scoring uses too; None when the clock left a word undecoded (Unsupported under a weighting
    the arrays do not know)."""
    docs = []
    for word in words:
        term = ARRAYS.term_within(searcher, field, word, clock)
        if term is None:
            return None
        docs.append(term.docs)
    docs.sort(key=len)
    both = reduce(lambda a, b: np.intersect1d(a, b, assume_unique=True), docs[1:], docs[0]).astype(np.int64)
    return both if within is None else both[np.isin(both, np.fromiter(within, dtype=np.int64, count=len(within)))]


def _has_phrase(positions: list[list[int]], slots: list[int]) -> bool:
    """True when word k of the phrase (positions[slots[k]]) is at p + k for some p."""
    sets = [set(p) for p in positions]
    rest = [(k, sets[slot]) for k, slot in enumerate(slots) if k]
    return any(all(p + k in s for k, s in rest) for p in positions[slots[0]])


def _resolve(searcher: Searcher, query: Query, phrases: dict) -> Query:
    """`query` with each phrase replaced by the documents `_phrase_docs` found for it."""
    if isinstance(query, Phrase):
        found, _ = phrases[(query.fieldname, tuple(query.words))]
        ordered = sorted(found)
        local: dict[int, list[int]] = {}
        i = 0
        for sub, offset in searcher.leaf_searchers():
            j = bisect_left(ordered, offset + sub.doc_count_all(), i)
            local[id(sub.reader())] = [d - offset for d in ordered[i:j]]
            i = j
        return KnownPhrase(query, local)
    if isinstance(query, (And, Or)):
        out = copy.copy(query)
        out.subqueries = [_resolve(searcher, sub, phrases) for sub in query.subqueries]
        return out
    if isinstance(query, AndNot):
        out = copy.copy(query)
        out.a, out.b = _resolve(searcher, query.a, phrases), _resolve(searcher, query.b, phrases)
        return out
    return query


def _scored(
    searcher: Searcher, query: Query, docs: list[int], clock: Clock | None = None, floor: int = 0,
) -> list[tuple[float, int]]:
    """(score, docnum) of each of the given (ascending) documents, moving Whoosh's matchers to each
    (the plain Whoosh path: the fallback for a weighting the arrays do not know, and the tests'
    oracle); the documents the clock leaves (once `floor` are scored) are left out."""
    out: list[tuple[float, int]] = []
    context = searcher.context()
    i = 0
    for sub, offset in searcher.leaf_searchers():
        j = bisect_left(docs, offset + sub.doc_count_all(), i)
        if j > i:
            if clock is not None and len(out) >= floor and clock.expired():
                break
            out += walk(query.matcher(sub, context), docs[i:j], offset, clock, floor - len(out))
        i = j
    return out


def _top(
    searcher: Searcher, query: Query, allow: set[int] | None, limit: int, clock: Clock | None = None, floor: int = 0,
) -> list[tuple[float, int]]:
    """The candidates for the first `limit` places (ties included), as far as the clock allows."""
    collector = TopWithTies(limit, allow, clock.expired if clock is not None else None, floor)
    try:
        searcher.search_with_collector(query, collector)
    except OutOfTime:
        pass
    return collector.candidates()


def _array_candidates(searcher: Searcher, query: Query, phrases: dict, ids: np.ndarray, limit: int,
                      clock: Clock) -> list[int] | None:
    """Of the matching documents `ids` (ascending), those whose score can place them among the first
    `limit`: every one within SCORE_TOLERANCE of the limit-th best by the posting arrays, ties
    included. None for a query the arrays do not score (Whoosh's matchers rank it then)."""
    try:
        scores = query_scores(searcher, query, phrases, ARRAYS, clock)
    except Unsupported:
        return None
    got = scores[ids]
    last = float(np.partition(got, len(got) - limit)[len(got) - limit])
    return ids[got >= last - SCORE_TOLERANCE * max(abs(last), 1e-6)].tolist()


def copy_docs(searcher: Searcher) -> np.ndarray:
    """The near-duplicates shown under another document (issue 23), as sorted document numbers
    (cached per index version; a handful, so leaving them out costs next to nothing)."""
    if F.COPY_OF not in searcher.schema:
        return np.zeros(0, dtype=np.int64)  # an index from before issue 23
    return CACHE.cached(searcher, "copies", lambda: np.asarray(
        sorted(searcher.docs_for_query(Every(F.COPY_OF))), dtype=np.int64))


def search(searcher: Searcher, request: SearchRequest, budget: float | None = TIME_BUDGET) -> dict:
    """The search response: results of one page, total, facets over the whole result set.

    Scoring is the searcher's BM25F (the store's: `weighting()`); the title weighs more through its field boost in the
    schema (indexer.fields). Ties go to the newer document, then to the lower document
    number. The order is the one a full sort on (score, date) gives; only the documents that
    can reach the page are scored (tests/backends/whoosh/test_ranking_equivalence.py holds the
    two together).

    `budget` bounds the seconds spent matching phrases and ranking. When it runs out the
    answer is marked `partial`: the results are the best of the documents ranked so far
    (at least MIN_RANKED when there are that many), and for phrase queries `total` and the
    facets count only the documents checked in time (never a document that does not match).
    """
    clock = Clock(budget)
    parsed, paging = request.query, request.paging
    table = CACHE.table(searcher)
    query = to_whoosh(parsed)
    fq = filter_query(request.filters)
    allowed = CACHE.filter_docs(searcher, fq) if fq is not None else None
    hidden = copy_docs(searcher)
    limit = paging.limit
    floor = min(limit, MIN_RANKED)
    rank = table.date_rank
    phrases: dict = {}
    try:
        found = _docarray(searcher, query, clock, phrases, within=allowed)
    except Unsupported:  # a weighting the arrays do not know: sets from Whoosh's postings
        found = np.asarray(sorted(_docset(searcher, query, clock, phrases, within=allowed)), dtype=np.int64)
    if allowed is not None:
        found = found[np.isin(found, CACHE.filter_array(searcher, fq))]
    if hidden.size:
        found = found[~np.isin(found, hidden)]
    docs = found.tolist()
    if phrases:
        query = _resolve(searcher, query, phrases)
    if request.by_date:
        # Newest first; the documents sharing the last date that reaches the page are scored.
        by_date = sorted(docs, key=lambda d: -rank[d])
        if len(by_date) > limit:
            boundary = rank[by_date[limit - 1]]
            by_date = [d for d in by_date if rank[d] >= boundary]
        exact = [] if parsed.is_empty else exact_scores(searcher, query, sorted(by_date), ARRAYS, clock, floor)
        scores = {d: score for score, d in exact}
        ranked = sorted(by_date, key=lambda d: (-rank[d], -scores.get(d, 0.0), d))
        hits = [(scores.get(d), d) for d in ranked[:limit]]
    else:
        chosen = _array_candidates(searcher, query, phrases, found, limit, clock) if len(docs) > limit else docs
        if chosen is not None:
            # The documents that can reach the page (by the cached posting arrays), scored
            # exactly as Whoosh's own matchers score them.
            candidates = exact_scores(searcher, query, chosen, ARRAYS, clock, floor)
        elif len(docs) <= SCORE_DIRECTLY:
            # A few documents: score just those rather than walk every posting.
            candidates = _scored(searcher, query, docs, clock, floor)
        else:
            restrict = set(docs) if allowed is not None or phrases or hidden.size else None
            candidates = _top(searcher, query, restrict, limit, clock, floor)
        hits = sorted(candidates, key=lambda h: (-h[0], -rank[h[1]], h[1]))[:limit]
    page = [(searcher.stored_fields(docnum), score) for score, docnum in hits[paging.start:limit]]
    return answer(request, page, len(docs), table.facet_counts(docs), partial=clock.ran_out,
                  total_exact=not clock.skipped and not any(unchecked for _, unchecked in phrases.values()))
