"""Posting lists as arrays, decoded once per index version; a query's BM25F scores as array sums.

Whoosh decodes a posting block by unzipping and unpickling it with its positions, and scores
one document at a time in Python (5–10 µs each), on every query. Here a term's posting list is
read once per index version into two arrays, its document numbers and its BM25F score in each
document (the idf, average field length, B and K1 of the searcher's own BM25F, the weight
Whoosh stored, the field length as Whoosh stores it), and kept in a bounded LRU shared by a
worker's threads. A query's scores are then sums of those arrays over the query tree.

Those sums are in another order than Whoosh's matchers add them, so they choose candidates only:
the documents within SCORE_TOLERANCE of the last place. `exact_scores` then scores the candidates
as Whoosh would, bit for bit: it plans the matcher tree Whoosh would build for each segment (its
order of additions depends on each segment's term sizes; `plan`) and evaluates that tree over the
candidates with the same float64 operations, taking each term's score from the arrays (the same
formula on the same numbers as Whoosh's scorer). Building Whoosh's own matchers for that costs
more than the evaluation: each leaf reads its term's first block, each intersection walks to its
first match, a small segment's OR preloads every posting.
"""
from __future__ import annotations

from bisect import insort
from itertools import chain
from typing import NamedTuple

import numpy as np
from whoosh.fields import NUMERIC
from whoosh.codec.whoosh3 import W3LeafMatcher
from whoosh.matching import (
    AndMaybeMatcher, AndNotMatcher, DisjunctionMaxMatcher, IntersectionMatcher, ListMatcher, NullMatcherClass,
    UnionMatcher, WrappingMatcher,
)
from whoosh.matching.combo import ArrayUnionMatcher
from whoosh.matching.wrappers import FilterMatcher
from whoosh.query import And, AndNot, Or, Query, Term
from whoosh.scoring import BM25F
from whoosh.searching import Searcher
from whoosh.util import make_binary_tree
from whoosh.util.numeric import byte_to_length

from search_app.backends.whoosh.doctable import Lru, version_key
from search_app.backends.whoosh.internals import (
    OutOfTime, array_union_parts, field_b, filter_ids, length_bytes, position_lists, raw_postings,
)
from search_app.backends.whoosh.matchers import BoostedDocList, DocListMatcher, KnownPhrase
from search_app.results import Clock

CACHE_BYTES = 64 * 1024 * 1024  # decoded postings per process (12 bytes a posting)
SCORE_TOLERANCE = 1e-4  # relative: candidates this close to the last place are rescored exactly
# Once a search's time is spent, a term with more documents than this is no longer decoded (the
# cost of a cold posting list grows with it); a shorter one costs less than checking the clock.
SMALL_POSTINGS = 1000
SMALL_POSITIONS = 100  # the same for a word's positions, which cost several times more to decode
_BYTE_LENGTHS = np.array([0.0] + [float(byte_to_length(b)) for b in range(1, 256)], dtype=np.float64)


class Unsupported(Exception):
    """A query node this module does not score (the caller uses Whoosh's matchers instead)."""


class TermArrays(NamedTuple):
    """A term's documents (ascending global numbers) and its BM25F score in each."""

    docs: np.ndarray  # int32
    scores: np.ndarray  # float64, each exactly the score Whoosh's scorer gives
    segment_df: tuple[int, ...] = ()  # its document frequency in each segment (0: not there), deleted ones counted


def _term_key(searcher: Searcher, field: str, text: str) -> tuple:
    """A term's cache key: its scores depend on the index version and on the searcher's weighting."""
    weighting = searcher.weighting
    scored_by = (type(weighting), getattr(weighting, "K1", None), getattr(weighting, "B", None),
                 tuple(sorted(getattr(weighting, "_field_B", {}).items())))
    return (version_key(searcher), scored_by, field, text)


class PostingArrays:
    """Field lengths and term arrays of recent index versions (thread-safe)."""

    def __init__(self, max_bytes: int = CACHE_BYTES) -> None:
        self._lengths = Lru(4)
        self._terms = Lru(max_bytes, weigh=lambda t: t.docs.nbytes + t.scores.nbytes)
        self._positions = Lru(max_bytes, weigh=lambda keys: keys.nbytes)

    def lengths(self, searcher: Searcher, field: str) -> np.ndarray:
        """Every document's length of `field` as Whoosh's scorer reads it (1 when it has none)."""
        return self._lengths.get((version_key(searcher), field), lambda: _read_lengths(searcher, field))

    def term(self, searcher: Searcher, field: str, text: str) -> TermArrays:
        """A term's documents and scores in the searcher's index version."""
        return self._terms.get(_term_key(searcher, field, text), lambda: self._read_term(searcher, field, text))

    def cached_term(self, searcher: Searcher, field: str, text: str) -> TermArrays | None:
        """`term` if it is decoded already, else None."""
        return self._terms.peek(_term_key(searcher, field, text))

    def term_within(self, searcher: Searcher, field: str, text: str, clock: Clock | None) -> TermArrays | None:
        """`term`, or None (and the clock told a word was skipped) when the search's time is spent
        and the term is not decoded yet: decoding a long posting list is the cold path's main cost."""
        if clock is None:
            return self.term(searcher, field, text)
        found = self._terms.peek(_term_key(searcher, field, text))
        if found is not None or searcher.doc_frequency(field, text) <= SMALL_POSTINGS or not clock.expired():
            return found if found is not None else self.term(searcher, field, text)
        clock.skipped = True
        return None

    def _read_term(self, searcher: Searcher, field: str, text: str) -> TermArrays:
        weighting = searcher.weighting
        if type(weighting) is not BM25F:
            raise Unsupported(f"weighting {type(weighting).__name__}")
        docs_parts, weight_parts, segment_df = [], [], []
        for sub, offset in searcher.leaf_searchers():
            reader = sub.reader()
            if (field, text) not in reader:
                segment_df.append(0)
                continue
            segment_df.append(reader.doc_frequency(field, text))
            ids, weights, deleted = raw_postings(reader, field, text)
            docs = np.asarray(ids, dtype=np.int64)
            w = np.asarray(weights, dtype=np.float64)
            if deleted:
                keep = ~np.isin(docs, np.fromiter(deleted, dtype=np.int64))
                docs, w = docs[keep], w[keep]
            docs_parts.append(docs + offset)
            weight_parts.append(w)
        if not docs_parts:
            return TermArrays(np.zeros(0, np.int32), np.zeros(0, np.float64), tuple(segment_df))
        docs = np.concatenate(docs_parts)
        w = np.concatenate(weight_parts)
        if not searcher.schema[field].scorable:  # whoosh.scoring.WeightScorer: the weight itself
            return TermArrays(docs.astype(np.int32), w, tuple(segment_df))
        fl = self.lengths(searcher, field)[docs]
        B = field_b(weighting, field)
        K1 = weighting.K1
        idf = searcher.idf(field, text)
        avgfl = searcher.avg_field_length(field) or 1
        # whoosh.scoring.bm25, element-wise
        scores = idf * ((w * (K1 + 1)) / (w + K1 * ((1 - B) + B * fl / avgfl)))
        return TermArrays(docs.astype(np.int32), scores, tuple(segment_df))

    def __len__(self) -> int:
        """How many term arrays are kept."""
        return len(self._terms)

    def positions(self, searcher: Searcher, field: str, text: str, clock: Clock | None = None) -> np.ndarray:
        """Where a term stands: ascending int64 keys `docnum << 32 | position`, deleted documents left out
        (OutOfTime when `clock` runs out while they are read)."""
        return self._positions.get((version_key(searcher), field, text),
                                   lambda: _read_positions(searcher, field, text, clock))

    def cached_positions(self, searcher: Searcher, field: str, text: str) -> np.ndarray | None:
        """`positions` if they are decoded already, else None."""
        return self._positions.peek((version_key(searcher), field, text))

    def clear_terms(self) -> None:
        """Forget the term arrays only (for measuring cold queries; lengths are read once per version)."""
        self._terms.clear()
        self._positions.clear()

    def clear(self) -> None:
        """Forget everything."""
        self._lengths.clear()
        self._terms.clear()
        self._positions.clear()


def _read_positions(searcher: Searcher, field: str, text: str, clock: Clock | None = None) -> np.ndarray:
    """A term's positions in every live document, as `docnum << 32 | position` keys; OutOfTime
    when the clock runs out on the way (a common word's positions take a good part of a budget)."""
    expired = clock.expired if clock is not None else None
    parts = []
    for sub, offset in searcher.leaf_searchers():
        reader = sub.reader()
        if (field, text) not in reader:
            continue
        ids, lists, deleted = position_lists(reader, field, text, expired)
        counts = np.fromiter(map(len, lists), np.int64, len(lists))
        sums = np.cumsum(np.fromiter(chain.from_iterable(lists), np.int64, int(counts.sum())))
        # each posting's deltas summed from its own first one: the running sum less what came before
        before = np.concatenate((np.zeros(1, np.int64), sums))[np.cumsum(counts) - counts]
        docs = np.repeat(np.asarray(ids, np.int64), counts)
        keys = ((docs + offset) << 32) | (sums - np.repeat(before, counts))
        if deleted:
            keys = keys[~np.isin(docs, np.fromiter(deleted, np.int64, len(deleted)))]
        parts.append(keys)
    return np.concatenate(parts) if parts else np.zeros(0, np.int64)


def phrase_docs(searcher: Searcher, field: str, words: list[str], candidates: np.ndarray, arrays: "PostingArrays",
                clock: Clock | None = None) -> np.ndarray | None:
    """Of the ascending `candidates`, the documents where the words stand at consecutive
    positions (word k at p + k), as Whoosh's phrase matcher (slop 1) decides; None when the
    clock ran out before the positions of every word were read."""
    found: np.ndarray | None = None
    for k, word in enumerate(words):
        keys = arrays.cached_positions(searcher, field, word) if clock is not None else None
        if keys is None:
            long = clock is not None and searcher.doc_frequency(field, word) > SMALL_POSITIONS
            if long and clock.expired():
                return None
            try:
                keys = arrays.positions(searcher, field, word, clock if long else None)
            except OutOfTime:
                return None
        docs = keys >> 32
        at = np.minimum(np.searchsorted(candidates, docs), max(len(candidates) - 1, 0))
        keys = keys[(candidates[at] == docs) & ((keys & 0xFFFFFFFF) >= k)] if len(candidates) else keys[:0]
        shifted = keys - k  # word k at p + k: the key of its phrase's start
        found = shifted if found is None else np.intersect1d(found, shifted)
        if not len(found):
            break
    return np.unique(found >> 32) if found is not None else candidates[:0]


def _read_lengths(searcher: Searcher, field: str) -> np.ndarray:
    """Quantized field lengths of every document, read from each segment's length column."""
    parts = []
    for leaf, _offset in searcher.reader().leaf_readers():
        raw = length_bytes(leaf, field, leaf.doc_count_all())
        lengths = _BYTE_LENGTHS[raw]
        lengths[raw == 0] = 1.0  # the scorer's default for a document without the field
        parts.append(lengths)
    return np.concatenate(parts) if parts else np.zeros(0)


def query_scores(searcher: Searcher, query: Query, phrases: dict, arrays: PostingArrays,
                 clock: Clock | None = None) -> np.ndarray:
    """Every document's score for `query` (0 where it does not match), as Whoosh's matchers sum
    their children's scores: an And only where all its parts match, an Or where any does, an
    AndNot as its positive part; `phrases`: the documents each phrase was found in. A word the
    clock left undecoded scores nothing."""
    size = searcher.doc_count_all()
    scores, _ = _node(searcher, query, phrases, arrays, size, clock)
    return scores


_NO_TERM = TermArrays(np.zeros(0, np.int32), np.zeros(0, np.float64))


def _node(searcher: Searcher, query: Query, phrases: dict, arrays: PostingArrays, size: int,
          clock: Clock | None) -> tuple[np.ndarray, np.ndarray]:
    if isinstance(query, Term):
        term = arrays.term_within(searcher, query.fieldname, query.text, clock) or _NO_TERM
        scores = np.zeros(size, np.float32)
        mask = np.zeros(size, bool)
        scores[term.docs] = term.scores * query.boost if query.boost != 1.0 else term.scores
        mask[term.docs] = True
        return scores, mask
    if isinstance(query, KnownPhrase):
        phrase = query.phrase
        found, _ = phrases[(phrase.fieldname, tuple(phrase.words))]
        mask = np.zeros(size, bool)
        mask[np.fromiter(found, dtype=np.int64, count=len(found))] = True
        scores = np.zeros(size, np.float32)
        for word in phrase.words:
            term = arrays.term_within(searcher, phrase.fieldname, word, clock) or _NO_TERM
            scores[term.docs] += term.scores
        scores *= mask
        if query.boost != 1.0:
            scores *= query.boost
        return scores, mask
    if isinstance(query, (And, Or)) and query.subqueries:
        parts = [_node(searcher, sub, phrases, arrays, size, clock) for sub in query.subqueries]
        scores = parts[0][0].copy()
        mask = parts[0][1].copy()
        for s, m in parts[1:]:
            scores += s
            if isinstance(query, And):
                mask &= m
            else:
                mask |= m
        if isinstance(query, And):
            scores *= mask
        if query.boost != 1.0:
            scores *= query.boost
        return scores, mask
    if isinstance(query, AndNot):
        scores, mask = _node(searcher, query.a, phrases, arrays, size, clock)
        _, excluded = _node(searcher, query.b, phrases, arrays, size, clock)
        mask = mask & ~excluded
        return scores * mask, mask
    raise Unsupported(type(query).__name__)


def exact_scores(searcher: Searcher, query: Query, docs: list[int], arrays: "PostingArrays",
                 clock: Clock | None = None, floor: int = 0) -> list[tuple[float, int]]:
    """(score, docnum) of each of the given ascending documents that `query` matches, equal to
    what Whoosh's matchers moved onto each document give.

    Whoosh's matcher tree is built once per segment and evaluated over the segment's documents
    from the arrays; a tree with a matcher this does not know is walked as Whoosh walks it. Once
    `floor` documents are scored, the clock may stop the work between segments (and the walk
    between documents): the documents left are left out."""
    out: list[tuple[float, int]] = []
    ids = np.asarray(docs, dtype=np.int64)
    context = searcher.context()
    for segment, (sub, offset) in enumerate(searcher.leaf_searchers()):
        lo, hi = np.searchsorted(ids, [offset, offset + sub.doc_count_all()])
        if lo == hi:
            continue
        if clock is not None and len(out) >= floor and clock.expired():
            break
        here = ids[lo:hi]
        try:
            tree = Planner(searcher, sub, segment, arrays).plan(query)
            matched, scores = _run(tree, here, offset, searcher, arrays, clock)
        except Unsupported:
            matcher = query.matcher(sub, context)
            try:
                matched, scores = _evaluate(matcher, here, offset, searcher, arrays, clock)
            except Unsupported:
                out += walk(matcher, here.tolist(), offset, clock, floor - len(out))
                continue
        out += zip(scores[matched].tolist(), here[matched].tolist())
    return out


_NULL = ("null",)


class Planner:
    """The matcher tree `query.matcher(sub, searcher.context())` builds in one segment, as tuples
    that name each node's matcher, without building it: ("leaf", field, text), ("wrap", child,
    boost), ("union" | "inter" | "andnot", a, b), ("array", children, boost, scored), ("doclist",
    ids, inner, factor), ("null",). Whoosh's choices are followed exactly (whoosh.query.compound,
    terms, matchers.KnownPhrase): an OR of two clauses, or in a segment of more than 5,000
    documents, is a tree of unions weighted by the clauses' sizes in the segment, else one
    preloading matcher; an AND is a tree of intersections weighted the other way; a compound of
    one clause is that clause, its boost dropped. Ties in weight are ordered as Python orders
    Whoosh's (weight, matcher) pairs (`_Weighted`). Unsupported for anything else.

    Sizes are document frequencies in the segment, from the term arrays when they are decoded,
    else from the segment's term table: planning decodes nothing (`_run` does, as before)."""

    def __init__(self, searcher: Searcher, sub: Searcher, segment: int, arrays: "PostingArrays") -> None:
        self.searcher, self.sub, self.segment, self.arrays = searcher, sub, segment, arrays
        self.reader = sub.reader()
        self.deletions = self.reader.has_deletions()  # its postings come filtered: FilterMatcher leaves
        self._terms: dict[tuple[str, object], tuple[str, object, int] | None] = {}
        self._sizes: dict[int, int] = {}

    def _term(self, field: str, text) -> tuple[str, object, int] | None:
        """(field, arrays key, document frequency in this segment) of a term; None when Whoosh makes no leaf of it."""
        if (field, text) in self._terms:
            return self._terms[field, text]
        found = None
        if field in self.sub.schema:
            try:
                btext = self.sub.schema[field].to_bytes(text)
            except ValueError:
                btext = None
            if btext is not None:
                key = _term_text(self.searcher, field, btext)
                cached = self.arrays.cached_term(self.searcher, field, key)
                if cached is not None and len(cached.segment_df) > self.segment:
                    found = (field, key, cached.segment_df[self.segment])
                else:
                    found = (field, key, self.reader.doc_frequency(field, btext) if (field, btext) in self.reader else 0)
        self._terms[field, text] = found
        return found

    def size(self, query: Query) -> int:
        """query.estimate_size(segment reader)."""
        if id(query) not in self._sizes:
            self._sizes[id(query)] = self._size(query)
        return self._sizes[id(query)]

    def _size(self, query: Query) -> int:
        if type(query) is Term:
            term = self._term(query.fieldname, query.text)
            return term[2] if term else 0
        if type(query) is And:
            return min(self.size(q) for q in query.subqueries)
        if type(query) is Or:
            return min(sum(self.size(q) for q in query.subqueries), self.reader.doc_count())
        if type(query) is KnownPhrase:
            return min(self._size(Term(query.fieldname, w)) for w in query.phrase.words)
        raise Unsupported(f"size of {type(query).__name__}")

    def plan(self, query: Query, scored: bool = True) -> tuple:
        """The node `query` becomes (`scored`: False under Whoosh's boolean context, a NOT's clauses)."""
        if type(query) is Term and not query.minquality:
            term = self._term(query.fieldname, query.text)
            if term is None or not term[2]:
                return _NULL
            leaf = ("leaf", term[0], term[1])
            return leaf if query.boost == 1.0 else ("wrap", leaf, query.boost)
        if type(query) is KnownPhrase:
            ids = query.local.get(id(self.reader))
            if not ids:
                return _NULL
            field = self.sub.schema[query.fieldname]
            words = [self.plan(Term(query.fieldname, field.to_bytes(w)), scored) for w in query.phrase.words]
            inner = make_binary_tree(lambda a, b: ("inter", a, b), words)
            return ("doclist", ids, inner, query.boost)
        if type(query) is AndNot:
            return ("andnot", self.plan(query.a, scored), self.plan(query.b, False))
        if type(query) in (And, Or):
            subs = query.subqueries
            if not subs:
                return _NULL
            if len(subs) == 1:
                return self.plan(subs[0], scored)
            if type(query) is Or:
                if query.scale or query.minmatch:
                    raise Unsupported("Or with scale or minmatch")
                if not (len(subs) < Or.TOO_MANY_CLAUSES and (len(subs) == 2 or self.sub.doc_count_all() > 5000)):
                    return ("array", [self.plan(q, scored) for q in subs], query.boost, scored)
                kind, weights = "union", [self.size(q) for q in subs]
            else:
                kind, weights = "inter", [-self.size(q) for q in subs]
            items = [_Weighted(w, self.plan(q, scored), self.deletions) for w, q in zip(weights, subs)]
            node = _weighted_tree(kind, items, self.deletions)
            return node if query.boost == 1.0 else ("wrap", node, query.boost)
        raise Unsupported(type(query).__name__)


_NODE_MATCHERS = {"wrap": WrappingMatcher, "union": UnionMatcher, "inter": IntersectionMatcher,
                  "andnot": AndNotMatcher, "array": ArrayUnionMatcher, "null": NullMatcherClass}


class _Weighted:
    """A planned node and its weight, ordered as Python orders the (weight, matcher) pairs
    whoosh.util.make_weighted_tree sorts: by weight; on a tie, Whoosh's matchers compare equal
    (`__eq__`: the same class) and not less (`__lt__`), except that Python asks the right-hand
    matcher first when its class derives from the left's, and its `__gt__` (not less, not equal)
    says yes: so (w, m1) < (w, m2) when m2's class is a proper subclass of m1's (a plain term
    in a segment with deletions, a FilterMatcher, after a boosted one, a WrappingMatcher)."""

    __slots__ = ("weight", "node", "cls")

    def __init__(self, weight: int, node: tuple, deletions: bool) -> None:
        self.weight, self.node = weight, node
        kind = node[0]
        if kind == "leaf":  # W3LeafMatcher and ListMatcher derive from no other matcher here
            self.cls = FilterMatcher if deletions else W3LeafMatcher
        elif kind == "doclist":
            self.cls = DocListMatcher if node[3] == 1.0 else BoostedDocList
        else:
            self.cls = _NODE_MATCHERS[kind]

    def __lt__(self, other: "_Weighted") -> bool:
        if self.weight != other.weight:
            return self.weight < other.weight
        return other.cls is not self.cls and issubclass(other.cls, self.cls)


def _weighted_tree(kind: str, items: list[_Weighted], deletions: bool) -> tuple:
    """whoosh.util.make_weighted_tree over planned nodes: the two lightest joined first."""
    items.sort()
    while len(items) > 1:
        a, b = items.pop(0), items.pop(0)
        insort(items, _Weighted(a.weight + b.weight, (kind, a.node, b.node), deletions))
    return items[0].node


def _run(node: tuple, docs: np.ndarray, offset: int, searcher: Searcher, arrays: "PostingArrays",
         clock: Clock | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(matches, scores) of a planned tree at global `docs` of the segment at `offset`, each node
    computing its score from its children's as the matcher it stands for does in score()."""
    kind = node[0]
    if kind == "null":
        return np.zeros(len(docs), bool), np.zeros(len(docs))
    if kind == "leaf":
        term = arrays.term_within(searcher, node[1], node[2], clock) or _NO_TERM
        at = np.minimum(np.searchsorted(term.docs, docs), max(len(term.docs) - 1, 0))
        hit = term.docs[at] == docs if len(term.docs) else np.zeros(len(docs), bool)
        return hit, np.where(hit, term.scores[at] if len(term.docs) else 0.0, 0.0)
    if kind == "wrap":
        hit, scores = _run(node[1], docs, offset, searcher, arrays, clock)
        return hit, scores * node[2]
    if kind == "array":
        _, children, boost, scored = node
        if not scored:  # Whoosh marks each match with 1: only which documents match counts
            hit = np.zeros(len(docs), bool)
            for child in children:
                hit |= _run(child, docs, offset, searcher, arrays, clock)[0]
            return hit, np.zeros(len(docs))
        total = np.zeros(len(docs))
        for child in children:
            hit, scores = _run(child, docs, offset, searcher, arrays, clock)
            total = np.where(hit, total + scores * boost, total)
        return total > 0, total
    if kind == "doclist":
        _, ids, inner, factor = node
        hit, scores = _run(inner, docs, offset, searcher, arrays, clock)
        hit = hit & np.isin(docs - offset, np.asarray(ids, dtype=np.int64))
        return hit, scores * factor if factor != 1.0 else scores
    if kind == "filter":  # a segment's deletions (exclude) or a list of documents
        _, child, ids, exclude, boost = node
        hit, scores = _run(child, docs, offset, searcher, arrays, clock)
        listed = np.isin(docs - offset, np.fromiter(ids, dtype=np.int64, count=len(ids)))
        return hit & (~listed if exclude else listed), scores * boost
    ha, sa = _run(node[1], docs, offset, searcher, arrays, clock)
    hb, sb = _run(node[2], docs, offset, searcher, arrays, clock)
    if kind == "inter":
        return ha & hb, sa + sb
    if kind == "andnot":
        return ha & ~hb, sa
    if kind == "andmaybe":
        return ha, np.where(hb, sa + sb, sa)
    both = np.maximum(sa, sb) if kind == "dismax" else sa + sb
    return ha | hb, np.where(ha & hb, both, np.where(ha, sa, sb))


def walk(matcher, docs: list[int], offset: int, clock: Clock | None = None, floor: int = 0) -> list[tuple[float, int]]:
    """(score, docnum) of the given ascending global documents of one segment (at `offset`) that
    the matcher matches, by moving Whoosh's matcher onto each; the clock may stop it once `floor`
    are scored."""
    out: list[tuple[float, int]] = []
    for docnum in docs:
        if not matcher.is_active():
            break
        if clock is not None and len(out) >= floor and clock.expired():
            break
        local = docnum - offset
        matcher.skip_to(local)
        if matcher.is_active() and matcher.id() == local:
            out.append((matcher.score(), docnum))
    return out


def _term_text(searcher: Searcher, field: str, btext: bytes | str) -> bytes | str:
    """A matcher's term as the arrays key it: the text of a word, the encoded bytes of a number (a year)."""
    if isinstance(btext, bytes) and not isinstance(searcher.schema[field], NUMERIC):
        return btext.decode("utf-8")
    return btext


def _evaluate(m, docs: np.ndarray, offset: int, searcher: Searcher, arrays: "PostingArrays",
              clock: Clock | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(matches, scores) of a Whoosh matcher tree at global `docs` of the segment at `offset`,
    each node computing its score from its children's as the node's own score() does."""
    return _run(_as_plan(m, searcher), docs, offset, searcher, arrays, clock)


_PAIRS = {UnionMatcher: "union", IntersectionMatcher: "inter", AndNotMatcher: "andnot",
          AndMaybeMatcher: "andmaybe", DisjunctionMaxMatcher: "dismax"}


def _as_plan(m, searcher: Searcher) -> tuple:
    """A built Whoosh matcher tree as the tuples `Planner` writes (`_run` evaluates both)."""
    if isinstance(m, NullMatcherClass):
        return _NULL
    if type(m) in (W3LeafMatcher, ListMatcher) and m.term() is not None:
        field, btext = m.term()
        return ("leaf", field, _term_text(searcher, field, btext))
    union = array_union_parts(m)
    if union is not None:
        children, boost, scored = union
        if not scored:
            raise Unsupported("ArrayUnionMatcher without scores")
        return ("array", [_as_plan(child, searcher) for child in children], boost, scored)
    if type(m) is FilterMatcher:
        child, ids, exclude = filter_ids(m)
        return ("filter", _as_plan(child, searcher), ids, exclude, m.boost)
    if type(m) is WrappingMatcher:
        return ("wrap", _as_plan(m.child, searcher), m.boost)
    if type(m) in (DocListMatcher, BoostedDocList):
        return ("doclist", m.ids, _as_plan(m.inner, searcher), m.factor)
    if type(m) in _PAIRS:
        return (_PAIRS[type(m)], _as_plan(m.a, searcher), _as_plan(m.b, searcher))
    raise Unsupported(type(m).__name__)


ARRAYS = PostingArrays()
