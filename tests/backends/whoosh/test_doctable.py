"""The per-version document table over segments that lack a sortable column."""
from __future__ import annotations

from pathlib import Path

from whoosh import index as windex

from indexer import fields as F
from indexer.backends.whoosh.writer import build_index
from search_app.backends.whoosh.ranking import search
from search_app.query import make_filters, parse_query
from search_app.results import Paging, SearchRequest


def test_a_segment_of_dateless_documents_does_not_break_search(corpus_copy: Path, tmp_path: Path) -> None:
    index_dir = tmp_path / "index"
    build_index(corpus_copy, index_dir)
    # Added on its own, the notice gets a segment of its own with no date or year column.
    (corpus_copy / "dateless.txt").write_text("关于开展麒麟鹿质量专项活动的通知\n现就麒麟鹿质量专项活动通知如下。\n", "utf-8")
    build_index(corpus_copy, index_dir)
    ix = windex.open_dir(str(index_dir))
    with ix.searcher() as searcher:
        assert len(searcher.reader().leaf_readers()) >= 2
        for sort in ("relevance", "date"):
            result = search(searcher, SearchRequest(parse_query("麒麟鹿 质量"), make_filters(None, None, None, None), sort, Paging(1, 10)))
            assert [hit["path"] for hit in result["results"]] == ["dateless.txt"]


def test_phrase_documents_are_remembered_per_index_version(corpus_copy: Path, tmp_path: Path) -> None:
    from search_app.backends.whoosh.doctable import CACHE

    index_dir = tmp_path / "index"
    (corpus_copy / "apart.txt").write_text("2019年全国“质量月”活动在京启动\n全国“质量月”活动启动仪式举行。\n", "utf-8")
    build_index(corpus_copy, index_dir)
    CACHE.clear()

    def paths(q: str, region: str | None = None) -> list[str]:
        ix = windex.open_dir(str(index_dir))
        with ix.searcher() as searcher:
            request = SearchRequest(parse_query(q), make_filters(None, region, None, None), "relevance", Paging(1, 50))
            return sorted(hit["path"] for hit in search(searcher, request)["results"])

    first = paths('"全国 质量月"')
    assert "apart.txt" in first
    with windex.open_dir(str(index_dir)).searcher() as searcher:
        assert CACHE.phrase_docs(searcher, F.TEXT_, ("全国", "质量月")) is not None
    assert paths('"全国 质量月"') == first  # from the remembered documents
    assert paths('"全国 质量月"', region="北京") == [p for p in first if p in paths("全国", region="北京")]
    # A new document is a new index version: nothing remembered is used for it.
    (corpus_copy / "apart2.txt").write_text("全国“质量月”在沪开幕\n", "utf-8")
    build_index(corpus_copy, index_dir)
    assert paths('"全国 质量月"') == sorted(first + ["apart2.txt"])


def test_facets_counted_with_arrays_equal_the_counts_one_by_one() -> None:
    """Large result sets are counted with numbered values and bincount: the same counts as
    Counter over the same documents, None and repeated values included."""
    import random

    from search_app.backends.whoosh import doctable
    from search_app.backends.whoosh.doctable import DocTable

    rng = random.Random(7)
    n = 3000
    table = DocTable(
        year=[rng.choice([2019, 2020, 2021, None]) for _ in range(n)],
        doc_type=[rng.choice(["通知", "新闻", None]) for _ in range(n)],
        regions=[rng.sample(["上海", "北京", "新疆", "广东"], rng.randint(0, 3)) for _ in range(n)],
        campaigns=[["质量月"] * rng.randint(0, 2) + rng.sample(["QC小组活动", "世界计量日"], rng.randint(0, 2)) for _ in range(n)],
        date_rank=[0] * n,
    )
    for size in (1, 150, 250, 2000, n):
        docs = sorted(rng.sample(range(n), size))
        by_arrays = table.facet_counts(docs) if size >= doctable.ARRAY_COUNTS_FROM else None
        limit = doctable.ARRAY_COUNTS_FROM
        try:
            doctable.ARRAY_COUNTS_FROM = 0
            arrays = table.facet_counts(docs)
            doctable.ARRAY_COUNTS_FROM = n + 1
            one_by_one = table.facet_counts(docs)
        finally:
            doctable.ARRAY_COUNTS_FROM = limit
        assert arrays == one_by_one, size
        assert by_arrays in (None, arrays)
