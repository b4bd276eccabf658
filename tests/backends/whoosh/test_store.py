"""The app picks up a rebuilt or updated index without a restart."""
from __future__ import annotations

from pathlib import Path

import pytest

import search_app.backends.whoosh.store as store_module
from indexer import fields as F
from indexer.errors import IndexNotFound
from indexer.backends.whoosh.writer import build_index
from search_app.backends.whoosh.store import WhooshStore


def test_store_sees_incremental_commits_and_rebuilds(corpus_copy: Path, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(store_module, "CHECK_EVERY", 0.0)
    index_dir = tmp_path / "index"
    build_index(corpus_copy, index_dir)
    store = WhooshStore(index_dir)
    assert store.index().doc_count() == 19

    (corpus_copy / "004_fb5c211a9a1c32cf.txt").unlink()
    build_index(corpus_copy, index_dir)
    assert store.index().doc_count() == 18

    (corpus_copy / "new.txt").write_text("新增的质量月通知\n正文说明。", "utf-8")
    build_index(corpus_copy, index_dir, rebuild=True)
    with store.searcher() as searcher:
        assert searcher.doc_count() == 19
        assert searcher.document(path="new.txt") is not None
    store.close()


def test_missing_index_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(IndexNotFound, match="qsearch index"):
        WhooshStore(tmp_path / "nothing").index()


def test_api_without_index_answers_503_json(tmp_path: Path) -> None:
    from search_app import create_app

    client = create_app({"TESTING": True, "INDEX_DIR": str(tmp_path / "none")}).test_client()
    response = client.get("/api/search?q=质量")
    assert response.status_code == 503 and "qsearch index" in response.get_json()["error"]


def test_store_ranks_with_the_fields_bm25(sample_index: Path) -> None:
    """The served searchers score with indexer.fields' B and K1, which the Typesense side computes too."""
    store = WhooshStore(sample_index)
    with store.searcher() as searcher:
        assert (searcher.weighting.B, searcher.weighting.K1) == (F.BM25_B, F.BM25_K1)
    store.close()
