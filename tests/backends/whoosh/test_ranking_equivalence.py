"""The optimised search gives exactly what the plain Whoosh path gives: same hits, order, totals, facets.

The oracle below is the search as first written (issue 3): Whoosh's own sortedby on
(score, date) and groupedby facets over the whole result set. The fast path must agree
with it on every query of the committed benchmark set (bench/queries.tsv), on the sample
index and on a slice of the real archive.
"""
from __future__ import annotations

import csv
from pathlib import Path

import pytest
from whoosh import index as windex
from whoosh import sorting
from whoosh.scoring import BM25F

from conftest import ROOT, SHARED_ARCHIVE, archive_slice
from indexer import fields as F
from indexer.backends.whoosh.writer import build_index
from search_app.backends.whoosh.doctable import CACHE
from search_app.backends.whoosh.postings import ARRAYS
from search_app.backends.whoosh.compile import filter_query, to_whoosh
from search_app.backends.whoosh.ranking import search, weighting
from search_app.query import make_filters, parse_query
from search_app.results import FACETS, Paging, SearchRequest

QUERIES = ROOT / "bench" / "queries.tsv"
SAMPLE_QUERIES = [
    ("质量月", "", ""), ("质量", "", ""), ("質量月", "", ""), ("首席质量官 培训", "", ""), ("\"推动质量变革创新\"", "", ""),
    ("瑞金医院 OR 烽火通信", "", ""), ("质量月 -空气", "", ""), ("质量", "2022", ""), ("质量", "", "上海"),
    ("质量", "2014-2022", "浙江"), ("", "", ""), ("", "2022", ""), ("活动", "", "上海"),
    # With a campaign filter (4th item): a known name, another script and case, an unknown name.
    ("质量", "", "", "质量月"), ("质量", "", "", "QC小组活动"), ("活动", "2022", "上海", "質量月"),
    ("", "", "", "qc小组活动"), ("质量", "", "", "世界计量日"), ("质量", "", "", "火星活动"),
]
MULTI_VALUED = (F.REGIONS, F.CAMPAIGNS)


def _committed_queries() -> list[tuple[str, str, str]]:
    with QUERIES.open(encoding="utf-8") as f:
        # No CSV quoting: the phrases of the file are written "…" and must stay phrases.
        return [(r["q"], r["year"], r["region"]) for r in csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE)]


def oracle(searcher, q: str, year: str, region: str, sort: str, page: int, campaign: str = "") -> dict:
    """The unoptimised search: Whoosh sorts every match and groups facets itself."""
    parsed = parse_query(q)
    filters = make_filters(year, region, None, None, campaign)
    if sort == "date" or parsed.is_empty:
        sortedby, score_at = [sorting.FieldFacet(F.DATE, reverse=True), sorting.ScoreFacet()], 1
    else:
        sortedby, score_at = [sorting.ScoreFacet(), sorting.FieldFacet(F.DATE, reverse=True)], 0
    groupedby = {
        name: sorting.FieldFacet(field, allow_overlap=(field in MULTI_VALUED), maptype=sorting.Count)
        for name, field in FACETS.items()
    }
    limit = page * 10
    results = searcher.search(
        to_whoosh(parsed), limit=limit, filter=filter_query(filters), sortedby=sortedby, groupedby=groupedby, terms=False
    )
    facets = {}
    for name in FACETS:
        facets[name] = {v: n for v, n in results.groups(name).items() if v not in (None, "", 0)}
    hits = [
        (hit[F.ID_], None if parsed.is_empty else round(-hit.score[score_at], 4)) for hit in results[limit - 10 : limit]
    ]
    return {"total": len(results), "hits": hits, "facets": facets}


def fast(searcher, q: str, year: str, region: str, sort: str, page: int, campaign: str = "") -> dict:
    """The service's search, reduced to what the oracle reports."""
    request = SearchRequest(parse_query(q), make_filters(year, region, None, None, campaign), sort, Paging(page, 10))
    out = search(searcher, request, budget=None)
    return {
        "total": out["total"],
        "hits": [(r["id"], r["score"]) for r in out["results"]],
        "facets": {name: {row["value"]: row["count"] for row in rows} for name, rows in out["facets"].items()},
    }


def _compare(index_dir: Path, queries: list[tuple[str, ...]], runs: list[tuple[str, int]],
             scoring: BM25F | None = None, clear: bool = True) -> int:
    """Top lists compared on a searcher of the service's weighting (or `scoring`)."""
    if clear:
        CACHE.clear()
        ARRAYS.clear()
    compared = 0
    with windex.open_dir(str(index_dir)).searcher(weighting=scoring or weighting()) as searcher:
        for q, year, region, *campaign in queries:
            for sort, page in runs:
                want = oracle(searcher, q, year, region, sort, page, *campaign)
                got = fast(searcher, q, year, region, sort, page, *campaign)
                assert got == want, (q, year, region, *campaign, sort, page)
                compared += bool(want["hits"])
    assert len(ARRAYS) > 0  # the posting-array path chose the candidates of these searches
    return compared


def test_fast_search_equals_plain_whoosh_on_the_sample(sample_index: Path) -> None:
    runs = [("relevance", 1), ("relevance", 2), ("date", 1)]
    assert _compare(sample_index, SAMPLE_QUERIES + _committed_queries(), runs) >= 15


def test_cached_scores_follow_the_searchers_weighting(sample_index: Path) -> None:
    """The posting arrays' scores are kept per weighting: a searcher of Whoosh's default B after one
    of the service's (same index version, caches kept) still ranks as plain Whoosh does."""
    assert weighting().B != BM25F().B  # else this test compares nothing new
    queries = SAMPLE_QUERIES + _committed_queries()
    runs = [("relevance", 1)]
    assert _compare(sample_index, queries, runs) >= 15
    assert _compare(sample_index, queries, runs, scoring=BM25F(), clear=False) >= 15


@pytest.mark.archive
def test_fast_search_equals_plain_whoosh_on_the_archive(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Top-10 lists of every committed query on a 3,000-page slice of the real archive."""
    root = tmp_path_factory.mktemp("archive")
    corpus = archive_slice(root / "corpus", 9)  # every ninth page: all years, about 3,000 pages
    build_index(corpus, root / "index")
    compared = _compare(root / "index", _committed_queries(), [("relevance", 1), ("date", 1)])
    print(f"\nranking equivalence: {compared} non-empty top-10 lists identical to plain Whoosh")
    assert compared >= 200
    # After an incremental run that deleted pages: Whoosh keeps deleted documents in its
    # statistics and filters them from the postings; the arrays must do the same.
    pages = sorted(p for p in corpus.rglob("*") if p.is_file())
    for page in pages[::15]:
        page.unlink()
    report = build_index(corpus, root / "index")
    assert report.deleted >= 150, report
    compared = _compare(root / "index", _committed_queries(), [("relevance", 1), ("relevance", 3)])
    assert compared >= 200
