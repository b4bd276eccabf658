"""The per-version document table over segments that lack a sortable column."""
from __future__ import annotations

from pathlib import Path

from whoosh import index as windex

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
