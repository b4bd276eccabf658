"""Ranking: run a parsed query with filters, BM25F with the title weighted, facets, pages."""
from __future__ import annotations

import math
from itertools import accumulate, islice
import time
from collections import Counter
from dataclasses import dataclass
from heapq import heappush, heapreplace

from whoosh.codec.whoosh3 import W3LeafMatcher
from whoosh.collectors import FilterCollector, TopCollector
from whoosh.query import And, AndNot, Or, Phrase, Query, Term
from whoosh.searching import Searcher

from indexer import fields as F
from search_app.query import BadParameter, Filters, ParsedQuery, filter_query
from indexer.segment import query_words
from search_app.doctable import CACHE
from search_app.snippets import highlight, snippet

SORTS = ("relevance", "date")
MAX_PER_PAGE = 100
FACETS = {"year": F.YEAR, "region": F.REGIONS, "doc_type": F.DOC_TYPE, "campaign": F.CAMPAIGNS}
SCORE_DIRECTLY = 2000  # up to this many filtered matches, each is scored on its own


@dataclass
class Paging:
    """Validated page and page size."""

    page: int = 1
    per_page: int = 10


def make_paging(page: str | int | None, per_page: str | int | None) -> Paging:
    """Page numbers from request parameters; raise BadParameter for nonsense."""
    try:
        page_n = int(page) if page not in (None, "") else 1
        size = int(per_page) if per_page not in (None, "") else 10
    except (TypeError, ValueError):
        raise BadParameter("page 和 per_page 必须是整数") from None
    if page_n < 1:
        raise BadParameter("page 必须 ≥ 1")
    if not 1 <= size <= MAX_PER_PAGE:
        raise BadParameter(f"per_page 必须在 1 到 {MAX_PER_PAGE} 之间")
    return Paging(page_n, size)


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
    would break them."""

    def __init__(self, limit: int, record: bool = False) -> None:
        # No matcher replacement: Whoosh's replace(minquality) drops union branches it judges
        # unable to reach the threshold, and on the archive it dropped real top-10 hits (10 of
        # the 260 benchmark queries). Block skipping by quality alone was exact on all of them.
        super().__init__(limit=limit, replace=0)
        self.record = record
        self.seen: list[int] = []  # with `record`: every matching document, in order

    def prepare(self, top_searcher, q, context):
        super().prepare(top_searcher, q, context)
        self._best: list[float] = []  # heap of the N best scores
        self._kept: list[tuple[float, int]] = []  # (score, docnum) with score >= the N-th best

    def _collect(self, global_docnum: int, score: float) -> int:
        self.total += 1
        if self.record:
            self.seen.append(global_docnum)
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


def _docset(searcher: Searcher, query: Query) -> set[int]:
    """Document numbers matching `query`, with set operations over posting lists.

    Walking Whoosh's union and intersection matchers costs several Python calls per
    document; a term's posting list is read block by block instead, and the sets are
    combined in C. Phrases (positions needed) and anything else go through Whoosh.
    """
    if isinstance(query, Term):
        return CACHE.term_docs(searcher, query.fieldname, query.text, _term_docs)
    if isinstance(query, Or):
        out: set[int] = set()
        for sub in query.subqueries:
            out |= _docset(searcher, sub)
        return out
    if isinstance(query, And):
        parts = sorted((_docset(searcher, sub) for sub in query.subqueries), key=len)
        out = parts[0] if parts else set()
        for part in parts[1:]:
            out = out & part
        return out
    if isinstance(query, AndNot):
        return _docset(searcher, query.a) - _docset(searcher, query.b)
    return set(searcher.docs_for_query(query))


def _needs_positions(query: Query) -> bool:
    """True when matching needs positions (phrases): no block-max skipping is possible then."""
    return any(isinstance(leaf, Phrase) for leaf in query.leaves())


def _filter_set(searcher: Searcher, filters: Filters) -> set[int] | None:
    fq = filter_query(filters)
    return CACHE.filter_docs(searcher, fq) if fq is not None else None


def _scored(searcher: Searcher, query: Query, docs: list[int]) -> list[tuple[float, int]]:
    """(score, docnum) of each of the given (ascending) documents, moving the matcher to each."""
    out = []
    context = searcher.context()
    i = 0
    for sub, offset in searcher.leaf_searchers():
        end = offset + sub.doc_count_all()
        matcher = query.matcher(sub, context)
        while i < len(docs) and docs[i] < end and matcher.is_active():
            local = docs[i] - offset
            matcher.skip_to(local)
            if matcher.is_active() and matcher.id() == local:
                out.append((matcher.score(), docs[i]))
            i += 1
        while i < len(docs) and docs[i] < end:
            i += 1
    return out


def _top(searcher: Searcher, query: Query, allowed: set[int] | None, limit: int, record: bool) -> _TopWithTies:
    collector = _TopWithTies(limit, record)
    searcher.search_with_collector(query, collector if allowed is None else FilterCollector(collector, allow=allowed))
    return collector


def search(
    searcher: Searcher, parsed: ParsedQuery, filters: Filters, sort: str = "relevance", paging: Paging | None = None
) -> dict:
    """The search response: results of one page, total, facets over the whole result set.

    Scoring is Whoosh's default BM25F; the title weighs more through its field boost in the
    schema (indexer.fields). Ties go to the newer document, then to the lower document
    number. The order is the one a full sort on (score, date) gives; only the documents that
    can reach the page are scored (tests/test_ranking_equivalence.py holds the two together).
    """
    started = time.perf_counter()
    paging = paging or Paging()
    table = CACHE.table(searcher)
    query = parsed.to_whoosh()
    allowed = _filter_set(searcher, filters)
    limit = paging.page * paging.per_page
    rank = table.date_rank
    collector = None
    if sort == "relevance" and not parsed.is_empty and _needs_positions(query):
        # Phrases: one pass scores every match and records it, instead of matching twice.
        collector = _top(searcher, query, allowed, limit, record=True)
        docs = sorted(collector.seen)
    else:
        docs = _docset(searcher, query)
        docs = sorted(docs & allowed if allowed is not None else docs)
    if sort == "date" or parsed.is_empty:
        # Newest first; the documents sharing the last date that reaches the page are scored.
        by_date = sorted(docs, key=lambda d: -rank[d])
        if len(by_date) > limit:
            boundary = rank[by_date[limit - 1]]
            by_date = [d for d in by_date if rank[d] >= boundary]
        scores = {} if parsed.is_empty else {d: score for score, d in _scored(searcher, query, sorted(by_date))}
        ranked = sorted(by_date, key=lambda d: (-rank[d], -scores.get(d, 0.0), d))
        hits = [(scores.get(d), d) for d in ranked[:limit]]
    else:
        if collector is not None:
            candidates = collector.candidates()
        elif allowed is not None and len(docs) <= SCORE_DIRECTLY:
            # Filtered down to a few documents: score just those rather than every match.
            candidates = _scored(searcher, query, docs)
        else:
            candidates = _top(searcher, query, allowed, limit, record=False).candidates()
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
        "understood": {
            "clauses": [c.describe() for c in parsed.clauses],
            "truncated": parsed.truncated,
            "filters": filters.active(),
            "sort": sort,
        },
    }
