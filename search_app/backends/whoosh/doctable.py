"""Per-document facet values and sort keys, read once per index version and kept in memory.

Whoosh's own facets rebuild a document -> values map for a multi-valued field on every
query (about 60 ms on the 26k-page archive); here the map is built once for each open
index and facet counts become a pass over the matching document numbers.
"""
from __future__ import annotations

import threading
from collections import Counter, OrderedDict
from dataclasses import dataclass
from functools import cached_property
from itertools import chain
from typing import Callable, TypeVar

import numpy as np
from whoosh.query import Query
from whoosh.searching import Searcher

from indexer.backends.whoosh.facets import facet_columns, load_columns, version_key
from search_app.backends.whoosh.internals import index_folder

_NO_DATE = -1  # date rank of documents without a date: after every dated one
ARRAY_COUNTS_FROM = 200  # documents from which facets are counted with arrays (fewer: one by one is quicker)
TERM_CACHE_IDS = 1_000_000  # about 60 MB of document numbers per process
T = TypeVar("T")


@dataclass(frozen=True)
class DocTable:
    """Facet values and the date sort rank of every document number in one index version."""

    year: list[int]
    doc_type: list[str | None]
    regions: list[list[str]]
    campaigns: list[list[str]]
    date_rank: list[int]  # larger is newer; _NO_DATE when missing

    def facet_counts(self, docnums: list[int]) -> dict[str, Counter]:
        """Counts of each facet value over `docnums` (distinct; a document counts once per value)."""
        if len(docnums) < ARRAY_COUNTS_FROM:
            years = Counter(map(self.year.__getitem__, docnums))
            types = Counter(map(self.doc_type.__getitem__, docnums))
            places = Counter(chain.from_iterable(map(self.regions.__getitem__, docnums)))
            campaigns = Counter(chain.from_iterable(map(self.campaigns.__getitem__, docnums)))
            return {"year": years, "doc_type": types, "region": places, "campaign": campaigns}
        ids = np.asarray(docnums, dtype=np.int64)
        chosen = np.zeros(len(self.year), dtype=bool)
        chosen[ids] = True
        out = {}
        for name, (values, codes, owners) in self._encoded.items():
            picked = codes[ids] if owners is None else codes[chosen[owners]]
            counts = np.bincount(picked, minlength=len(values))
            out[name] = Counter({values[i]: int(counts[i]) for i in np.flatnonzero(counts).tolist()})
        return out

    @cached_property
    def _encoded(self) -> dict[str, tuple[list, np.ndarray, np.ndarray | None]]:
        """Each facet's values numbered: (values, each document's number, None) for a column of one
        value per document, (values, numbers, the document of each) for a column of lists."""
        out = {}
        for name, column in (("year", self.year), ("doc_type", self.doc_type)):
            number: dict = {}
            codes = np.fromiter((number.setdefault(v, len(number)) for v in column), dtype=np.int32, count=len(column))
            out[name] = (list(number), codes, None)
        for name, column in (("region", self.regions), ("campaign", self.campaigns)):
            number = {}
            codes = np.fromiter((number.setdefault(v, len(number)) for values in column for v in values), dtype=np.int32)
            owners = np.repeat(np.arange(len(column), dtype=np.int32), [len(values) for values in column])
            out[name] = (list(number), codes, owners)
        return out


def build_doctable(searcher: Searcher) -> DocTable:
    """The facet fields and dates of every document of the searcher's index: from the facet file
    the writer saved for this index version when there is one, else read from the index."""
    folder = index_folder(searcher)
    columns = (load_columns(folder, version_key(searcher)) if folder else None) or facet_columns(searcher)
    dates = columns["date"]
    order = {d: n for n, d in enumerate(sorted({d for d in dates if d}))}
    # the lists as read (not made tuples: 30 ms of a worker's start on the news archive)
    return DocTable(columns["year"], columns["doc_type"], columns["regions"], columns["campaigns"],
                    [order.get(d, _NO_DATE) for d in dates])


class Lru:
    """A thread-safe least-recently-used map bounded by the total weight of its values."""

    def __init__(self, limit: int, weigh: Callable[[object], int] = lambda value: 1) -> None:
        self._lock = threading.Lock()
        self._items: OrderedDict[tuple, object] = OrderedDict()
        self._limit = limit
        self._weigh = weigh
        self._weight = 0

    def get(self, key: tuple, build: Callable[[], T]) -> T:
        """The value under `key`, built (outside the lock, so other requests go on) on a miss."""
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
        value = build()
        with self._lock:
            if key not in self._items:
                self._items[key] = value
                self._weight += self._weigh(value)
            while self._weight > self._limit and len(self._items) > 1:
                _, dropped = self._items.popitem(last=False)
                self._weight -= self._weigh(dropped)
        return value

    def put(self, key: tuple, value: object) -> None:
        """Keep `value` under `key`."""
        self.get(key, lambda: value)

    def peek(self, key: tuple):
        """The value under `key` (marked recently used), or None; nothing is built."""
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
        return None

    def __len__(self) -> int:
        return len(self._items)

    def clear(self) -> None:
        """Forget everything."""
        with self._lock:
            self._items.clear()
            self._weight = 0


class _VersionCache:
    """DocTables, filter document sets, term document sets and phrase document sets for the most
    recent index versions."""

    def __init__(self, versions: int = 2, filters: int = 512) -> None:
        self._tables = Lru(versions)
        self._filters = Lru(filters)
        # Decoding a long posting list costs more than anything else in a query; the sets of
        # recently used terms are kept, up to TERM_CACHE_IDS document numbers in all.
        self._terms = Lru(TERM_CACHE_IDS, weigh=len)
        # A phrase of common words (新闻 联播: also every chunk's words written apart) is checked
        # against the positions of every document having its words; the documents found are kept.
        self._phrases = Lru(TERM_CACHE_IDS // 4, weigh=lambda docs: len(docs) + 1)

    def table(self, searcher: Searcher) -> DocTable:
        """The DocTable of the searcher's index version."""
        return self._tables.get(version_key(searcher), lambda: build_doctable(searcher))

    def term_docs(self, searcher: Searcher, field: str, text: str, read: Callable[[Searcher, str, str], set[int]]) -> set[int]:
        """A term's document set, `read(searcher, field, text)` on a miss (never mutate it)."""
        return self._terms.get((version_key(searcher), field, text), lambda: read(searcher, field, text))

    def filter_docs(self, searcher: Searcher, query: Query) -> set[int]:
        """Document numbers matching a filter query (a set Whoosh accepts as a filter; never mutate it)."""
        return self._filters.get((version_key(searcher), repr(query)), lambda: set(searcher.docs_for_query(query)))

    def filter_array(self, searcher: Searcher, query: Query):
        """`filter_docs` as an ascending numpy array (cached beside it)."""
        import numpy as np

        def build():
            docs = self.filter_docs(searcher, query)
            return np.sort(np.fromiter(docs, dtype=np.int64, count=len(docs)))

        return self._filters.get((version_key(searcher), "array", repr(query)), build)

    def cached(self, searcher: Searcher, key: str, build: Callable[[], object]):
        """Any small fact of the searcher's index version (`build` on a miss), kept beside the filters."""
        return self._filters.get((version_key(searcher), "fact", key), build)

    def phrase_docs(self, searcher: Searcher, field: str, words: tuple[str, ...]) -> set[int] | None:
        """The documents found to have a phrase in this index version (never mutate it), or None."""
        return self._phrases.peek((version_key(searcher), field, words))

    def keep_phrase(self, searcher: Searcher, field: str, words: tuple[str, ...], docs: set[int]) -> None:
        """Remember every document of the index version that has the phrase."""
        self._phrases.put((version_key(searcher), field, words), docs)

    def clear_terms(self) -> None:
        """Forget the cached term and phrase sets only (the next queries read their posting lists)."""
        self._terms.clear()
        self._phrases.clear()

    def clear(self) -> None:
        """Forget everything (for measuring cold queries)."""
        for cache in (self._tables, self._filters, self._terms, self._phrases):
            cache.clear()


CACHE = _VersionCache()
