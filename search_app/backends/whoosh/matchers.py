"""Matchers of our own in Whoosh's matcher protocol: a phrase whose documents are already known.

The ranking module finds a phrase's documents with position arrays (search_app.backends.whoosh.
postings); `KnownPhrase` then stands for the phrase in the query tree, so that Whoosh (or
`exact_scores`) scores exactly those documents as its phrase matcher would, without checking
positions again.
"""
from __future__ import annotations

from bisect import bisect_left

from whoosh.matching import IntersectionMatcher, Matcher, NullMatcher
from whoosh.query import Phrase, Query, Term
from whoosh.util import make_binary_tree


class KnownPhrase(Query):
    """A phrase whose documents the ranking module already found: its matcher walks those
    documents only and scores each as Whoosh's phrase matcher does (the sum of its words'
    scores, through the same intersection tree), without checking positions again."""

    def __init__(self, phrase: Phrase, local: dict[int, list[int]]) -> None:
        self.phrase = phrase
        self.local = local  # id(segment reader) -> ascending local document numbers
        self.fieldname = phrase.fieldname
        self.boost = phrase.boost

    def __repr__(self) -> str:
        return f"KnownPhrase({self.phrase!r})"

    def __eq__(self, other) -> bool:
        return isinstance(other, KnownPhrase) and other.phrase == self.phrase and other.local is self.local

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
        matcher = DocListMatcher(ids, make_binary_tree(IntersectionMatcher, terms))
        return matcher if self.boost == 1.0 else BoostedDocList(matcher, self.boost)


class DocListMatcher(Matcher):
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

    @property
    def ids(self) -> list[int]:
        """The documents it matches (ascending, local to the segment)."""
        return self._ids

    @property
    def inner(self) -> Matcher:
        """The matcher that scores them."""
        return self._inner

    factor = 1.0  # what the inner matcher's scores are multiplied by

    def is_active(self) -> bool:
        return self._i < len(self._ids)

    def reset(self) -> None:
        self._inner.reset()
        self._i = 0
        self._sync()

    def copy(self) -> "DocListMatcher":
        return DocListMatcher(self._ids, self._inner.copy(), self._i)

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


class BoostedDocList(DocListMatcher):
    """A DocListMatcher whose scores are multiplied (as Whoosh wraps a boosted phrase)."""

    def __init__(self, matcher: DocListMatcher, boost: float) -> None:
        super().__init__(matcher._ids, matcher._inner, matcher._i)
        self.factor = boost

    def copy(self) -> "BoostedDocList":
        return BoostedDocList(super().copy(), self.factor)

    def score(self) -> float:
        return self._inner.score() * self.factor
