"""Ranking: run a parsed query with filters, BM25F with the title weighted, facets, pages."""
from __future__ import annotations

import copy
import math
import re
import time
from bisect import bisect_left
from collections import Counter
from dataclasses import dataclass
from functools import reduce
from heapq import heappush, heapreplace
from itertools import accumulate, islice

import numpy as np
from whoosh.codec.whoosh3 import W3LeafMatcher
from whoosh.collectors import TopCollector
from whoosh.matching import IntersectionMatcher, Matcher, NullMatcher
from whoosh.query import And, AndNot, Every, Or, Phrase, Query, Term
from whoosh.searching import Searcher
from whoosh.util import make_binary_tree

from indexer import fields as F
from search_app.query import BadParameter, Filters, ParsedQuery, filter_query
from indexer.segment import query_words
from search_app.doctable import CACHE
from search_app.postings import ARRAYS, SCORE_TOLERANCE, Unsupported, exact_scores, phrase_docs, query_scores
from search_app.snippets import highlight, snippet

SORTS = ("relevance", "date")
MAX_PER_PAGE = 100
FACETS = {"year": F.YEAR, "region": F.REGIONS, "doc_type": F.DOC_TYPE, "campaign": F.CAMPAIGNS}
SCORE_DIRECTLY = 2000  # up to this many filtered matches, each is scored on its own
MAX_PAGE = 1000
_INTEGER = re.compile(r"-?[0-9]{1,18}")
TIME_BUDGET = 0.5  # seconds of matching and ranking one search may take (None: no limit)
MIN_RANKED = 100  # documents ranked before the time budget may cut a search short


class OutOfTime(Exception):
    """The time budget of a search ran out (raised from inside Whoosh's collector loop)."""


class Clock:
    """The time budget of one search: `expired()` is checked between units of work."""

    def __init__(self, seconds: float | None) -> None:
        self.deadline = None if seconds is None else time.perf_counter() + seconds
        self.ran_out = False

    def expired(self) -> bool:
        """True once the budget is spent; the search is then marked partial."""
        if not self.ran_out and self.deadline is not None and time.perf_counter() > self.deadline:
            self.ran_out = True
        return self.ran_out


@dataclass
class Paging:
    """Validated page and page size."""

    page: int = 1
    per_page: int = 10


def make_paging(page: str | int | None, per_page: str | int | None) -> Paging:
    """Page numbers from request parameters; raise BadParameter for nonsense."""
    try:
        page_n = _integer(page, 1)
        size = _integer(per_page, 10)
    except (TypeError, ValueError):
        raise BadParameter("page 和 per_page 必须是整数") from None
    if not 1 <= page_n <= MAX_PAGE:
        raise BadParameter(f"page 必须在 1 到 {MAX_PAGE} 之间")
    if not 1 <= size <= MAX_PER_PAGE:
        raise BadParameter(f"per_page 必须在 1 到 {MAX_PER_PAGE} 之间")
    return Paging(page_n, size)


def _integer(value: str | int | None, default: int) -> int:
    """An integer parameter written in ASCII digits (as the OpenAPI description has it: not
    " 5", "5_0" or "٥", which Python's int() would read); empty is the default."""
    if value is None or value == "":
        return default
    if isinstance(value, int):
        return value
    if not _INTEGER.fullmatch(value):
        raise ValueError(value)
    return int(value)


def check_sort(sort: str | None) -> str:
    """`relevance` (default) or `date`; anything else is a BadParameter."""
    sort = sort or "relevance"
    if sort not in SORTS:
        raise BadParameter(f"sort 只能是 relevance 或 date，收到：{sort[:40]}")
    return sort


def _facets(counts: dict[str, Counter]) -> dict[str, list[dict]]:
    out = {}
    for name in FACETS:
        rows = [{"value": value, "count": n} for value, n in counts[name].items() if value not in (None, "", 0)]
        if name == "year":
            rows.sort(key=lambda r: -int(r["value"]))
        else:
            rows.sort(key=lambda r: (-r["count"], str(r["value"])))
        out[name] = rows
    return out


def stored_metadata(stored: dict) -> dict:
    """The metadata every API object carries, from a document's stored fields."""
    return {
        "id": stored[F.ID_],
        "title": stored.get(F.TITLE, ""),
        "url": stored.get(F.URL),
        "date": stored.get(F.DATE),
        "year": stored.get(F.YEAR),
        "region": stored.get(F.REGION),
        "district": stored.get(F.DISTRICT),
        "doc_type": stored.get(F.DOC_TYPE),
        "path": stored.get(F.PATH),
        "campaigns": stored_campaigns(stored),
    }


def stored_campaigns(stored: dict) -> list[str]:
    """The campaigns a document is about, from its stored fields (an older index has none)."""
    return [c for c in (stored.get(F.CAMPAIGNS) or "").split(",") if c]


def result_item(stored: dict, score: float | None, words: list[str]) -> dict:
    """One result in the API's shape (plus title_html for the pages)."""
    return {
        **stored_metadata(stored),
        "snippet": str(snippet(stored.get(F.TEXT_, ""), words)),
        "title_html": str(highlight(stored.get(F.TITLE, ""), words)),
        "score": round(score, 4) if score is not None else None,
        "organizations": stored.get(F.ORGANIZATIONS, []),
    }


class _TopWithTies(TopCollector):
    """Whoosh's top-N collector (block-max skipping included), keeping every document that
    ties the N-th best score, so that ties can then be broken by date exactly as a full sort
    would break them. Only documents of `allow` (when given) are collected, and the loop
    stops when the clock runs out once `floor` documents are in."""

    def __init__(self, limit: int, allow: set[int] | None = None, clock: Clock | None = None, floor: int = 0) -> None:
        # No matcher replacement: Whoosh's replace(minquality) drops union branches it judges
        # unable to reach the threshold, and on the archive it dropped real top-10 hits (10 of
        # the 260 benchmark queries). Block skipping by quality alone was exact on all of them.
        super().__init__(limit=limit, replace=0)
        self.allow = allow
        self.clock = clock
        self.floor = floor

    def prepare(self, top_searcher, q, context):
        super().prepare(top_searcher, q, context)
        self._best: list[float] = []  # heap of the N best scores
        self._kept: list[tuple[float, int]] = []  # (score, docnum) with score >= the N-th best

    def collect_matches(self):
        allow, offset, collect, clock = self.allow, self.offset, self.collect, self.clock
        for sub_docnum in self.matches():
            if clock is not None and self.total >= self.floor and clock.expired():
                raise OutOfTime
            if allow is None or offset + sub_docnum in allow:
                collect(sub_docnum)

    def _collect(self, global_docnum: int, score: float) -> int:
        self.total += 1
        best = self._best
        if len(best) < self.limit:
            heappush(best, score)
        elif score > best[0]:
            heapreplace(best, score)
        elif score < best[0]:
            return 0
        self._kept.append((score, global_docnum))
        if len(best) == self.limit:
            # Blocks whose best possible score is below the N-th best can be skipped; the
            # bound sits just under it so that blocks holding ties are still read.
            self.minscore = math.nextafter(best[0], -math.inf)
            if len(self._kept) > 4 * self.limit:
                self._kept = [k for k in self._kept if k[0] >= best[0]]
        return 0 - score

    def candidates(self) -> list[tuple[float, int]]:
        """Every (score, docnum) that can be among the first N, ties included."""
        floor = self._best[0] if len(self._best) == self.limit else -math.inf
        return [k for k in self._kept if k[0] >= floor]


def _term_docs(searcher: Searcher, field: str, text: str) -> set[int]:
    """Documents containing a term, read a posting block at a time."""
    out: set[int] = set()
    for sub, offset in searcher.leaf_searchers():
        reader = sub.reader()
        if (field, text) not in reader:
            continue
        matcher = reader.postings(field, text)
        if isinstance(matcher, W3LeafMatcher):
            ids = _block_ids(matcher)
        else:  # inlined single postings, or a segment with deletions (a filtering wrapper)
            ids = list(matcher.all_ids())
        out.update(map(offset.__add__, ids) if offset else ids)
    return out


def _block_ids(matcher: W3LeafMatcher) -> list[int]:
    """All ids of a Whoosh 3 posting list, block by block (the matcher is used up)."""
    ids: list[int] = []
    while matcher.is_active():
        if matcher._data is None:
            matcher._read_data()
        # The block stores id deltas (whoosh.util.numlists.delta_decode, done here in C).
        ids.extend(islice(accumulate(matcher._data[0]), matcher._i, None))
        if matcher._lastblock:
            break
        matcher._next_block()
    return ids


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
        return found | unchecked if negated else found
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
    operations on sorted arrays (in C, also for sets of 100,000 documents)."""
    if isinstance(query, Term):
        return ARRAYS.term(searcher, query.fieldname, query.text).docs.astype(np.int64)
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


def _phrase_docs(searcher: Searcher, phrase: Phrase, clock: Clock, phrases: dict,
                 within: set[int] | None = None) -> tuple[set[int], set[int]]:
    """(documents with the phrase, documents the clock left unchecked).

    The candidates are the documents having every word of the phrase, and of the filters'
    documents (`within`) when there are filters. The phrase must appear at consecutive
    positions, exactly as Whoosh's phrase matcher (slop 1) decides: found with the words'
    cached position arrays (search_app.postings.phrase_docs), or, once the budget is spent,
    checked document by document while it lasts, each document's positions read once per
    distinct word (a phrase of 60 times 的 reads those of 的 once, not 60 times)."""
    key = (phrase.fieldname, tuple(phrase.words))
    if key in phrases:
        return phrases[key]
    field, words = phrase.fieldname, list(phrase.words)
    distinct = list(dict.fromkeys(words))
    found: set[int] = set()
    unchecked: set[int] = set()
    only = _having_all(searcher, field, distinct, within) if len(words) >= 2 and not clock.expired() else None
    if only is not None:
        # Positions decoded once per index version, the phrase found by array operations.
        found = set(phrase_docs(searcher, field, words, only, ARRAYS).tolist())
        phrases[key] = (found, unchecked)
        return found, unchecked
    sets = sorted((CACHE.term_docs(searcher, field, w, _term_docs) for w in distinct), key=len)
    candidates = set(sets[0]).intersection(*sets[1:]) if sets else set()
    if within is not None:
        candidates &= within  # the answer is cut to the filters anyway: check only what can stay
    if len(words) < 2:
        found = candidates
    else:  # the budget is spent (or a weighting the arrays do not know): document by document
        ordered = sorted(candidates)
        slots = [distinct.index(w) for w in words]
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
    phrases[key] = (found, unchecked)
    return found, unchecked


def _having_all(searcher: Searcher, field: str, words: list[str], within: set[int] | None) -> np.ndarray | None:
    """The documents having every word (and in `within`), from the words' posting arrays, which
    scoring uses too; None under a weighting the arrays do not know."""
    try:
        docs = sorted((ARRAYS.term(searcher, field, w).docs for w in words), key=len)
    except Unsupported:
        return None
    both = reduce(lambda a, b: np.intersect1d(a, b, assume_unique=True), docs[1:], docs[0]).astype(np.int64)
    return both if within is None else both[np.isin(both, np.fromiter(within, dtype=np.int64, count=len(within)))]


def _has_phrase(positions: list[list[int]], slots: list[int]) -> bool:
    """True when word k of the phrase (positions[slots[k]]) is at p + k for some p."""
    sets = [set(p) for p in positions]
    rest = [(k, sets[slot]) for k, slot in enumerate(slots) if k]
    return any(all(p + k in s for k, s in rest) for p in positions[slots[0]])


class _KnownPhrase(Query):
    """A phrase whose documents `_phrase_docs` already found: its matcher walks those
    documents only and scores each as Whoosh's phrase matcher does (the sum of its words'
    scores, through the same intersection tree), without checking positions again."""

    def __init__(self, phrase: Phrase, local: dict[int, list[int]]) -> None:
        self.phrase = phrase
        self.local = local  # id(segment reader) -> ascending local document numbers
        self.fieldname = phrase.fieldname
        self.boost = phrase.boost

    def __repr__(self) -> str:
        return f"_KnownPhrase({self.phrase!r})"

    def __eq__(self, other) -> bool:
        return isinstance(other, _KnownPhrase) and other.phrase == self.phrase and other.local is self.local

    def __hash__(self) -> int:
        return hash(self.phrase)

    def estimate_size(self, ixreader) -> int:
        return self.phrase.estimate_size(ixreader)

    def estimate_min_size(self, ixreader) -> int:
        return self.phrase.estimate_min_size(ixreader)

    def matcher(self, searcher, context=None):
        ids = self.local.get(id(searcher.reader()))
        if not ids:
            return NullMatcher()
        field = searcher.schema[self.fieldname]
        terms = [Term(self.fieldname, field.to_bytes(w)).matcher(searcher, context) for w in self.phrase.words]
        matcher = _ListMatcher(ids, make_binary_tree(IntersectionMatcher, terms))
        return matcher if self.boost == 1.0 else _BoostedMatcher(matcher, self.boost)


class _ListMatcher(Matcher):
    """Matches the given ascending document numbers, each scored by `inner` moved onto it
    (every one of them is a match of `inner`)."""

    def __init__(self, ids: list[int], inner: Matcher, i: int = 0) -> None:
        self._ids = ids
        self._inner = inner
        self._i = i
        self._sync()

    def _sync(self) -> None:
        if self._i < len(self._ids) and self._inner.is_active():
            self._inner.skip_to(self._ids[self._i])
            if not self._inner.is_active() or self._inner.id() != self._ids[self._i]:
                self._i = len(self._ids)  # cannot happen: every id has all the words

    def is_active(self) -> bool:
        return self._i < len(self._ids)

    def reset(self) -> None:
        self._inner.reset()
        self._i = 0
        self._sync()

    def copy(self) -> "_ListMatcher":
        return _ListMatcher(self._ids, self._inner.copy(), self._i)

    def replace(self, minquality=0):
        return self if self.is_active() else NullMatcher()

    def depth(self) -> int:
        return 1 + self._inner.depth()

    def supports_block_quality(self) -> bool:
        return False

    def id(self) -> int:
        return self._ids[self._i]

    def next(self) -> bool:
        self._i += 1
        self._sync()
        return False

    def skip_to(self, id) -> None:
        if self.is_active() and id > self._ids[self._i]:
            self._i = bisect_left(self._ids, id, self._i)
            self._sync()

    def all_ids(self):
        return iter(self._ids[self._i:])

    def score(self) -> float:
        return self._inner.score()

    def weight(self) -> float:
        return self._inner.weight()

    def value(self):
        return self._inner.value()

    def supports(self, astype) -> bool:
        return self._inner.supports(astype)

    def value_as(self, astype):
        return self._inner.value_as(astype)

    def term_matchers(self):
        return self._inner.term_matchers()

    def matching_terms(self, id=None):
        return self._inner.matching_terms(id)


class _BoostedMatcher(_ListMatcher):
    """A _ListMatcher whose scores are multiplied (as Whoosh wraps a boosted phrase)."""

    def __init__(self, matcher: _ListMatcher, boost: float) -> None:
        super().__init__(matcher._ids, matcher._inner, matcher._i)
        self._boost = boost

    def copy(self) -> "_BoostedMatcher":
        return _BoostedMatcher(super().copy(), self._boost)

    def score(self) -> float:
        return self._inner.score() * self._boost


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
        return _KnownPhrase(query, local)
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
    """(score, docnum) of each of the given (ascending) documents, moving the matcher to each;
    the documents the clock leaves (once `floor` are scored) are left out."""
    out = []
    context = searcher.context()
    i = 0
    for sub, offset in searcher.leaf_searchers():
        end = offset + sub.doc_count_all()
        matcher = query.matcher(sub, context)
        while i < len(docs) and docs[i] < end and matcher.is_active():
            if clock is not None and len(out) >= floor and clock.expired():
                return out
            local = docs[i] - offset
            matcher.skip_to(local)
            if matcher.is_active() and matcher.id() == local:
                out.append((matcher.score(), docs[i]))
            i += 1
        while i < len(docs) and docs[i] < end:
            i += 1
    return out


def _top(
    searcher: Searcher, query: Query, allow: set[int] | None, limit: int, clock: Clock | None = None, floor: int = 0,
) -> list[tuple[float, int]]:
    """The candidates for the first `limit` places (ties included), as far as the clock allows."""
    collector = _TopWithTies(limit, allow, clock, floor)
    try:
        searcher.search_with_collector(query, collector)
    except OutOfTime:
        pass
    return collector.candidates()


def _exact(searcher: Searcher, query: Query, docs: list[int], clock: Clock, floor: int) -> list[tuple[float, int]]:
    """(score, docnum) of the given ascending documents: from the posting arrays through the
    matcher tree Whoosh builds, else (a matcher the arrays do not cover) by Whoosh's matchers."""
    try:
        return exact_scores(searcher, query, docs, ARRAYS)
    except Unsupported:
        return _scored(searcher, query, docs, clock, floor)


def _array_candidates(searcher: Searcher, query: Query, phrases: dict, ids: np.ndarray, limit: int) -> list[int] | None:
    """Of the matching documents `ids` (ascending), those whose score can place them among the first
    `limit`: every one within SCORE_TOLERANCE of the limit-th best by the posting arrays, ties
    included. None for a query the arrays do not score (Whoosh's matchers rank it then)."""
    try:
        scores = query_scores(searcher, query, phrases, ARRAYS)
    except Unsupported:
        return None
    got = scores[ids]
    last = float(np.partition(got, len(got) - limit)[len(got) - limit])
    return ids[got >= last - SCORE_TOLERANCE * max(abs(last), 1e-6)].tolist()


def search(
    searcher: Searcher, parsed: ParsedQuery, filters: Filters, sort: str = "relevance", paging: Paging | None = None,
    budget: float | None = TIME_BUDGET,
) -> dict:
    """The search response: results of one page, total, facets over the whole result set.

    Scoring is Whoosh's default BM25F; the title weighs more through its field boost in the
    schema (indexer.fields). Ties go to the newer document, then to the lower document
    number. The order is the one a full sort on (score, date) gives; only the documents that
    can reach the page are scored (tests/test_ranking_equivalence.py holds the two together).

    `budget` bounds the seconds spent matching phrases and ranking. When it runs out the
    answer is marked `partial`: the results are the best of the documents ranked so far
    (at least MIN_RANKED when there are that many), and for phrase queries `total` and the
    facets count only the documents checked in time (never a document that does not match).
    """
    started = time.perf_counter()
    clock = Clock(budget)
    paging = paging or Paging()
    table = CACHE.table(searcher)
    query = parsed.to_whoosh()
    fq = filter_query(filters)
    allowed = CACHE.filter_docs(searcher, fq) if fq is not None else None
    limit = paging.page * paging.per_page
    floor = min(limit, MIN_RANKED)
    rank = table.date_rank
    phrases: dict = {}
    try:
        found = _docarray(searcher, query, clock, phrases, within=allowed)
    except Unsupported:  # a weighting the arrays do not know: sets from Whoosh's postings
        found = np.asarray(sorted(_docset(searcher, query, clock, phrases, within=allowed)), dtype=np.int64)
    if allowed is not None:
        found = found[np.isin(found, CACHE.filter_array(searcher, fq))]
    docs = found.tolist()
    if phrases:
        query = _resolve(searcher, query, phrases)
    if sort == "date" or parsed.is_empty:
        # Newest first; the documents sharing the last date that reaches the page are scored.
        by_date = sorted(docs, key=lambda d: -rank[d])
        if len(by_date) > limit:
            boundary = rank[by_date[limit - 1]]
            by_date = [d for d in by_date if rank[d] >= boundary]
        scores = {} if parsed.is_empty else {d: score for score, d in _exact(searcher, query, sorted(by_date), clock, floor)}
        ranked = sorted(by_date, key=lambda d: (-rank[d], -scores.get(d, 0.0), d))
        hits = [(scores.get(d), d) for d in ranked[:limit]]
    else:
        chosen = _array_candidates(searcher, query, phrases, found, limit) if len(docs) > limit else docs
        if chosen is not None:
            # The documents that can reach the page (by the cached posting arrays), scored
            # exactly as Whoosh's own matchers score them.
            candidates = _exact(searcher, query, chosen, clock, floor)
        elif len(docs) <= SCORE_DIRECTLY:
            # A few documents: score just those rather than walk every posting.
            candidates = _scored(searcher, query, docs, clock, floor)
        else:
            restrict = set(docs) if allowed is not None or phrases else None
            candidates = _top(searcher, query, restrict, limit, clock, floor)
        hits = sorted(candidates, key=lambda h: (-h[0], -rank[h[1]], h[1]))[:limit]
    start = (paging.page - 1) * paging.per_page
    words = parsed.highlight_words or (query_words(filters.org) if filters.org else [])
    items = [
        result_item(searcher.stored_fields(docnum), None if parsed.is_empty else score, words)
        for score, docnum in hits[start:limit]
    ]
    return {
        "query": parsed.text,
        "total": len(docs),
        "page": paging.page,
        "per_page": paging.per_page,
        "took_ms": round((time.perf_counter() - started) * 1000, 1),
        "results": items,
        "facets": _facets(table.facet_counts(docs)),
        "partial": clock.ran_out,
        "total_exact": not any(unchecked for _, unchecked in phrases.values()),
        "understood": understood(parsed, filters, sort),
    }


def understood(parsed: ParsedQuery, filters: Filters, sort: str) -> dict:
    """How the search read its request: the answer's `understood` object."""
    return {
        "clauses": [c.describe() for c in parsed.clauses],
        "truncated": parsed.truncated,
        "negation_only": parsed.negation_only,
        "filters": filters.active(),
        "sort": sort,
    }
