"""Per-document facet values and sort keys, read once per index version and kept in memory.

Whoosh's own facets rebuild a document -> values map for a multi-valued field on every
query (about 60 ms on the 26k-page archive); here the map is built once for each open
index and facet counts become a pass over the matching document numbers.
"""
from __future__ import annotations

import threading
from collections import Counter, OrderedDict
from dataclasses import dataclass
from itertools import chain

from whoosh.query import Query
from whoosh.searching import Searcher

from indexer import fields as F

_NO_DATE = -1
TERM_CACHE_IDS = 1_000_000  # about 60 MB of document numbers per process  # date rank of documents without a date: after every dated one


@dataclass(frozen=True)
class DocTable:
    """Facet values and the date sort rank of every document number in one index version."""

    year: list[int]
    doc_type: list[str | None]
    regions: list[tuple[str, ...]]
    date_rank: list[int]  # larger is newer; _NO_DATE when missing

    def facet_counts(self, docnums: list[int]) -> dict[str, Counter]:
        """Counts of each facet value over `docnums` (a document counts once per value)."""
        years = Counter(map(self.year.__getitem__, docnums))
        types = Counter(map(self.doc_type.__getitem__, docnums))
        places = Counter(chain.from_iterable(map(self.regions.__getitem__, docnums)))
        return {"year": years, "doc_type": types, "region": places}


def _term_values(searcher: Searcher, field: str, size: int) -> list[list[str]]:
    """The terms of `field` each document has, from the postings (one pass per term)."""
    values: list[list[str]] = [[] for _ in range(size)]
    reader = searcher.reader()
    if field not in reader.indexed_field_names():
        return values
    for term in reader.field_terms(field):
        for docnum in searcher.postings(field, term).all_ids():
            values[docnum].append(term)
    return values


def build_doctable(searcher: Searcher) -> DocTable:
    """Read the facet fields and dates of every document of the searcher's index."""
    reader = searcher.reader()
    size = reader.doc_count_all()
    years = [int(v or 0) for v in reader.column_reader(F.YEAR)] if reader.has_column(F.YEAR) else [0] * size
    dates = [str(v or "") for v in reader.column_reader(F.DATE)] if reader.has_column(F.DATE) else [""] * size
    order = {d: n for n, d in enumerate(sorted({d for d in dates if d}))}
    types = [(vals[0] if vals else None) for vals in _term_values(searcher, F.DOC_TYPE, size)]
    regions = [tuple(vals) for vals in _term_values(searcher, F.REGIONS, size)]
    return DocTable(years, types, regions, [order.get(d, _NO_DATE) for d in dates])


class _VersionCache:
    """DocTables and filter document sets for the most recent index versions."""

    def __init__(self, versions: int = 2, filters: int = 512) -> None:
        self._lock = threading.Lock()
        self._tables: OrderedDict[tuple, DocTable] = OrderedDict()
        self._filters: OrderedDict[tuple, set[int]] = OrderedDict()
        self._terms: OrderedDict[tuple, set[int]] = OrderedDict()
        self._term_ids = 0
        self._versions = versions
        self._max_filters = filters

    def table(self, searcher: Searcher) -> DocTable:
        key = version_key(searcher)
        with self._lock:
            if key in self._tables:
                self._tables.move_to_end(key)
                return self._tables[key]
        table = build_doctable(searcher)  # outside the lock: other requests keep being served
        with self._lock:
            self._tables[key] = table
            while len(self._tables) > self._versions:
                self._tables.popitem(last=False)
        return table

    def term_docs(self, searcher: Searcher, field: str, text: str, read) -> set[int]:
        """A term's document set, `read(searcher, field, text)` on a miss (never mutate it).

        Decoding a long posting list costs more than anything else in a query; the sets of
        recently used terms are kept, up to TERM_CACHE_IDS document numbers in all.
        """
        key = (version_key(searcher), field, text)
        with self._lock:
            docs = self._terms.get(key)
            if docs is not None:
                self._terms.move_to_end(key)
                return docs
        docs = read(searcher, field, text)
        with self._lock:
            self._terms[key] = docs
            self._term_ids += len(docs)
            while self._term_ids > TERM_CACHE_IDS and len(self._terms) > 1:
                _, dropped = self._terms.popitem(last=False)
                self._term_ids -= len(dropped)
        return docs

    def clear_terms(self) -> None:
        """Forget the cached term sets only (the next queries read their posting lists)."""
        with self._lock:
            self._terms.clear()
            self._term_ids = 0

    def clear(self) -> None:
        """Forget everything (for measuring cold queries)."""
        with self._lock:
            self._tables.clear()
            self._filters.clear()
            self._terms.clear()
            self._term_ids = 0

    def filter_docs(self, searcher: Searcher, query: Query) -> set[int]:
        """Document numbers matching a filter query (a set Whoosh accepts as a filter; never mutate it)."""
        key = (version_key(searcher), repr(query))
        with self._lock:
            if key in self._filters:
                self._filters.move_to_end(key)
                return self._filters[key]
        docs = set(searcher.docs_for_query(query))
        with self._lock:
            self._filters[key] = docs
            while len(self._filters) > self._max_filters:
                self._filters.popitem(last=False)
        return docs


def version_key(searcher: Searcher) -> tuple:
    """Identifies what a searcher sees: its segments and their deletions."""
    return tuple(
        (leaf.segment().segment_id(), leaf.segment().deleted_count()) for leaf in _leaf_readers(searcher)
    )


def _leaf_readers(searcher: Searcher) -> list:
    return [reader for reader, _ in searcher.reader().leaf_readers()]


CACHE = _VersionCache()
