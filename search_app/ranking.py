"""Ranking: run a parsed query with filters, BM25F with the title weighted, facets, pages."""
from __future__ import annotations

import time
from dataclasses import dataclass

from whoosh import sorting
from whoosh.searching import Searcher

from indexer import fields as F
from search_app.query import BadParameter, Filters, ParsedQuery, filter_query
from indexer.segment import query_words
from search_app.snippets import highlight, snippet

SORTS = ("relevance", "date")
MAX_PER_PAGE = 100
FACETS = {"year": F.YEAR, "region": F.REGIONS, "doc_type": F.DOC_TYPE}


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


def _facets(results) -> dict[str, list[dict]]:
    out = {}
    for name in FACETS:
        counts = results.groups(name)
        rows = [{"value": value, "count": n} for value, n in counts.items() if value not in (None, "", 0)]
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
    }


def result_item(stored: dict, score: float | None, words: list[str]) -> dict:
    """One result in the API's shape (plus title_html for the pages)."""
    return {
        **stored_metadata(stored),
        "snippet": str(snippet(stored.get(F.TEXT_, ""), words)),
        "title_html": str(highlight(stored.get(F.TITLE, ""), words)),
        "score": round(score, 4) if score is not None else None,
        "organizations": stored.get(F.ORGANIZATIONS, []),
    }


def search(
    searcher: Searcher, parsed: ParsedQuery, filters: Filters, sort: str = "relevance", paging: Paging | None = None
) -> dict:
    """The search response: results of one page, total, facets over the whole result set.

    Scoring is Whoosh's default BM25F; the title weighs more through its field boost in the
    schema (indexer.fields). Ties go to the newer document.
    """
    started = time.perf_counter()
    paging = paging or Paging()
    query = parsed.to_whoosh()
    # With sortedby, Whoosh reports each hit's sort key; the ScoreFacet part of it is -score.
    if sort == "date" or parsed.is_empty:
        sortedby, score_at = [sorting.FieldFacet(F.DATE, reverse=True), sorting.ScoreFacet()], 1
    else:
        sortedby, score_at = [sorting.ScoreFacet(), sorting.FieldFacet(F.DATE, reverse=True)], 0
    groupedby = {
        name: sorting.FieldFacet(field, allow_overlap=(field == F.REGIONS), maptype=sorting.Count)
        for name, field in FACETS.items()
    }
    limit = paging.page * paging.per_page
    results = searcher.search(
        query, limit=limit, filter=filter_query(filters), sortedby=sortedby, groupedby=groupedby, terms=False
    )
    total = len(results)
    start = (paging.page - 1) * paging.per_page
    words = parsed.highlight_words or (query_words(filters.org) if filters.org else [])
    items = [
        result_item(hit.fields(), None if parsed.is_empty else -hit.score[score_at], words)
        for hit in results[start:limit]
    ]
    return {
        "query": parsed.text,
        "total": total,
        "page": paging.page,
        "per_page": paging.per_page,
        "took_ms": round((time.perf_counter() - started) * 1000, 1),
        "results": items,
        "facets": _facets(results),
        "understood": {
            "clauses": [c.describe() for c in parsed.clauses],
            "truncated": parsed.truncated,
            "filters": filters.active(),
            "sort": sort,
        },
    }
