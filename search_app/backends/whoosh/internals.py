"""The Whoosh internals the read path relies on: the one module of the web app that touches them.

Pinned to whoosh-reloaded 2.7.5 (setup.cfg), and held by tests/backends/whoosh/test_postings.py
(term arrays equal to Whoosh's own matchers and scorer, after deletions too) and
tests/backends/whoosh/test_ranking_equivalence.py (every committed query ranked as Whoosh's own
sort ranks it). What is used, and why:

- A Whoosh 3 posting list's blocks (`W3LeafMatcher._read_ids`, `_read_weights`, `_data`,
  `_read_data`, `_ids`, `_weights`, `_i`, `_lastblock`, `_next_block`, `_byteids`): a term's documents and
  weights are read a block at a time into arrays, without Whoosh's per-posting Python calls.
- A segment with deletions wraps its postings in a FilterMatcher (`_exclude`, `_ids`, `child`):
  its deleted documents are dropped from the arrays, and its scores evaluated as it scores them.
- A term's position values (`W3LeafMatcher._read_values`, `_values`): the pickled position deltas
  of a block's postings (formats.Positions: a uint count, then `dumps(deltas, 2)`) are loaded in
  one call instead of one `decode_positions` per posting.
- The field-length column (`_lenfield`, `LENGTHS_COLUMN`, `_perdoc._cached_reader`, the column's
  `_dbfile`, `_basepos`, `_count`): every document's stored length byte read at once, the
  number BM25F divides by.
- `BM25F._field_B`: the B of each field, as the searcher's scorer uses it.
- `ArrayUnionMatcher._submatchers`, `_boost`, `_scored` (a CombinationMatcher's parts): Whoosh
  builds one for an OR of many words in a small segment; its scores are evaluated from the arrays
  in the same order of additions instead of walking it.
- `TopCollector._collect`, `minscore`: a top-N collector that keeps ties at the N-th place and
  stops when the time budget runs out (the fallback for a matcher tree the arrays do not cover).
"""
from __future__ import annotations

import math
from heapq import heappush, heapreplace
from itertools import accumulate, islice
from pathlib import Path
from pickle import loads
from typing import Callable

import numpy as np
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, W3LeafMatcher, _lenfield
from whoosh.collectors import TopCollector
from whoosh.matching import ArrayUnionMatcher
from whoosh.matching.wrappers import FilterMatcher
from whoosh.scoring import BM25F


def index_folder(searcher) -> Path | None:
    """The folder of the index a searcher was opened on (`Searcher._ix`), None when not from a folder."""
    storage = getattr(getattr(searcher, "_ix", None), "storage", None)
    folder = getattr(storage, "folder", None)
    return Path(folder) if folder else None


class OutOfTime(Exception):
    """The time budget of a search ran out inside a loop of Whoosh's (a collector, a posting list)."""


def block_ids(matcher) -> list[int]:
    """All ids of a term's posting list in one segment (the matcher is used up)."""
    if not isinstance(matcher, W3LeafMatcher):
        # inlined single postings, or a segment with deletions (a filtering wrapper)
        return list(matcher.all_ids())
    ids: list[int] = []
    for block in _blocks(matcher):
        ids.extend(_block_ids(block))
    return ids


def _blocks(matcher: W3LeafMatcher, text: str = "", expired: Callable[[], bool] | None = None):
    """The matcher at each of its blocks in turn; OutOfTime when `expired()` says so between them."""
    while matcher.is_active():
        yield matcher
        if matcher._lastblock:
            break
        if expired is not None and expired():
            raise OutOfTime(text)
        matcher._next_block()


def _block_ids(matcher: W3LeafMatcher) -> list[int]:
    """The ids of the matcher's current block from its position on: the stored id deltas summed
    in C (Whoosh's `_read_ids` sums them with a generator, a Python step per posting)."""
    if matcher._byteids:
        matcher._read_ids()
        return list(matcher._ids[matcher._i :])
    if matcher._data is None:
        matcher._read_data()
    return list(islice(accumulate(matcher._data[0]), matcher._i, None))


def _postings(reader, field: str, text: str, read: str, expired: Callable[[], bool] | None = None
              ) -> tuple[list[int], list, frozenset | None]:
    """(ids, what `read` gives per posting: "weight" or "value", deleted ids to drop) of a term
    in one segment, a block at a time."""
    matcher = reader.postings(field, text)
    deleted = None
    if isinstance(matcher, FilterMatcher) and matcher._exclude:
        deleted, matcher = frozenset(matcher._ids), matcher.child
    ids: list[int] = []
    out: list = []
    if isinstance(matcher, W3LeafMatcher):
        for block in _blocks(matcher, text, expired):
            ids.extend(_block_ids(block))
            if read == "weight":
                block._read_weights()
                out.extend(block._weights[block._i :])
            else:
                block._read_values()
                out.extend(block._values[block._i :])
    else:  # inlined postings of a rare term, or a filter keeping only some documents
        get = matcher.weight if read == "weight" else matcher.value
        while matcher.is_active():
            ids.append(matcher.id())
            out.append(get())
            matcher.next()
    return ids, out, deleted


def raw_postings(reader, field: str, text: str) -> tuple[list[int], list[float], frozenset | None]:
    """(ids, weights, deleted ids to drop) of a term in one segment, a block at a time."""
    return _postings(reader, field, text, "weight")


_PROTOCOL_2 = b"\x80\x02"


def position_lists(reader, field: str, text: str, expired: Callable[[], bool] | None = None
                   ) -> tuple[list[int], list[list[int]], frozenset | None]:
    """(ids, each posting's position deltas, deleted ids to drop) of a term in one segment, a
    block at a time; OutOfTime when `expired()` says so between blocks."""
    ids, values, deleted = _postings(reader, field, text, "value", expired)
    return ids, _position_deltas(values), deleted


def _position_deltas(values: list[bytes]) -> list[list[int]]:
    """The deltas pickled in each value: the pickles (less their count, protocol mark and stop)
    joined as the items of one list, which one `loads` reads (nested marks are a stack)."""
    parts = []
    for value in values:
        if value[4:6] != _PROTOCOL_2:
            return [loads(value[4:] if value.endswith(b".") else value[4:] + b".") for value in values]
        parts.append(value[6:-1] if value.endswith(b".") else value[6:])
    return loads(b"\x80\x02(" + b"".join(parts) + b"l.")


def is_term_leaf(matcher) -> bool:
    """True for a matcher of one term's postings in one segment."""
    return isinstance(matcher, W3LeafMatcher)


def filter_ids(matcher: FilterMatcher) -> tuple[object, set, bool]:
    """(child, ids, exclude) of a FilterMatcher: it matches its child's documents in (or, when
    `exclude`, not in) ids."""
    return matcher.child, matcher._ids, matcher._exclude


def array_union_parts(matcher) -> tuple[list, float, bool] | None:
    """(children, boost, scored) of an ArrayUnionMatcher, None for any other matcher."""
    if type(matcher) is not ArrayUnionMatcher:
        return None
    return matcher._submatchers, matcher._boost, matcher._scored


def length_bytes(leaf, field: str, count: int) -> np.ndarray:
    """The stored length byte of `field` for each of a segment's `count` documents (0: none)."""
    column = leaf._perdoc._cached_reader(_lenfield(field), LENGTHS_COLUMN)
    raw = np.zeros(count, dtype=np.uint8)
    if column is not None and column._count:
        stored = np.frombuffer(column._dbfile.get(column._basepos, column._count), dtype=np.uint8)
        raw[: len(stored)] = stored[:count]
    return raw


def field_b(weighting: BM25F, field: str) -> float:
    """The B the scorer uses for a field."""
    return weighting._field_B.get(field, weighting.B)


class TopWithTies(TopCollector):
    """Whoosh's top-N collector (block-max skipping included), keeping every document that
    ties the N-th best score, so that ties can then be broken by date exactly as a full sort
    would break them. Only documents of `allow` (when given) are collected, and the loop
    stops (OutOfTime) when `expired()` says so once `floor` documents are in."""

    def __init__(self, limit: int, allow: set[int] | None = None, expired: Callable[[], bool] | None = None,
                 floor: int = 0) -> None:
        # No matcher replacement: Whoosh's replace(minquality) drops union branches it judges
        # unable to reach the threshold, and on the archive it dropped real top-10 hits (10 of
        # the 260 benchmark queries). Block skipping by quality alone was exact on all of them.
        super().__init__(limit=limit, replace=0)
        self.allow = allow
        self.expired = expired
        self.floor = floor

    def prepare(self, top_searcher, q, context):
        super().prepare(top_searcher, q, context)
        self._best: list[float] = []  # heap of the N best scores
        self._kept: list[tuple[float, int]] = []  # (score, docnum) with score >= the N-th best

    def collect_matches(self):
        allow, offset, collect, expired = self.allow, self.offset, self.collect, self.expired
        for sub_docnum in self.matches():
            if expired is not None and self.total >= self.floor and expired():
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
