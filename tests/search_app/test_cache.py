"""Answers kept per index version (search_app.cache): hits, ETags and 304s, what is never kept,
bounds, and a new index version never answered from an older one's cache."""
from __future__ import annotations

from pathlib import Path

import pytest

from indexer.backends.whoosh.writer import build_index
from search_app import create_app
from search_app.cache import ResponseCache

CACHED = [
    ("/api/search", {"q": "质量月"}),
    ("/api/search", {"q": "质量", "region": "上海", "page": "2", "per_page": "3"}),
    ("/api/organizations", {"kind": "enterprise"}),
    ("/api/organizations.csv", {}),
    ("/api/themes", {}),
    ("/", {"q": "質量月"}),
    ("/organizations", {}),
    ("/themes", {}),
]


@pytest.fixture(params=["whoosh", pytest.param("typesense", marks=pytest.mark.typesense)])
def app(request, sample_index: Path):
    """A fresh app (an empty cache) on each backend."""
    if request.param == "whoosh":
        config = {"TESTING": True, "INDEX_DIR": str(sample_index)}
    else:
        config = {"TESTING": True, "BACKEND": "typesense", "TYPESENSE": request.getfixturevalue("typesense_sample")}
    app = create_app(config)
    yield app
    app.extensions["qsearch_store"].close()


@pytest.mark.parametrize("path,params", CACHED)
def test_a_repeated_request_is_a_hit_with_the_same_body_and_etag(client, path: str, params: dict) -> None:
    first = client.get(path, query_string=params)
    second = client.get(path, query_string=params)
    assert first.status_code == second.status_code == 200
    assert (first.headers["X-Cache"], second.headers["X-Cache"]) == ("miss", "hit")
    assert first.get_data() == second.get_data()
    assert first.headers["ETag"] == second.headers["ETag"] and first.headers["Cache-Control"] == "no-cache"
    assert first.headers["Content-Type"] == second.headers["Content-Type"]
    assert second.headers.get("Content-Disposition") == first.headers.get("Content-Disposition")
    assert second.headers["X-Content-Type-Options"] == "nosniff"  # security headers on hits too
    revalidated = client.get(path, query_string=params, headers={"If-None-Match": first.headers["ETag"]})
    assert revalidated.status_code == 304 and revalidated.get_data() == b""
    assert revalidated.headers["ETag"] == first.headers["ETag"]


def test_document_answers_are_kept_and_revalidated(client) -> None:
    hit = client.get("/api/search", query_string={"q": "质量月"}).get_json()["results"][0]
    for path in (f"/api/documents/{hit['id']}", f"/documents/{hit['id']}"):
        first = client.get(path, query_string={"q": "质量月"})
        again = client.get(path, query_string={"q": "质量月"}, headers={"If-None-Match": first.headers["ETag"]})
        assert first.status_code == 200 and again.status_code == 304


def test_other_parameters_are_other_answers(client) -> None:
    a = client.get("/api/search", query_string={"q": "质量月"})
    b = client.get("/api/search", query_string={"q": "质量月", "sort": "date"})
    assert b.headers["X-Cache"] == "miss" and a.headers["ETag"] != b.headers["ETag"]
    assert client.get("/api/search", query_string={"q": "质量月", "page": "2"}).headers["X-Cache"] == "miss"


def test_errors_and_health_are_never_kept(client) -> None:
    for _ in range(2):
        bad = client.get("/api/search", query_string={"q": "质量", "year": "soon"})
        assert bad.status_code == 400 and "X-Cache" not in bad.headers and "ETag" not in bad.headers
        missing = client.get("/api/documents/0123456789abcdef")
        assert missing.status_code == 404 and "X-Cache" not in missing.headers
        assert "X-Cache" not in client.get("/healthz").headers


def test_partial_answers_are_not_kept(sample_index: Path) -> None:
    app = create_app({"TESTING": True, "INDEX_DIR": str(sample_index), "SEARCH_TIME_BUDGET": 0.0})
    try:
        client = app.test_client()
        # A phrase query: with no time at all the phrase check stops at once and the answer is partial.
        answers = [client.get("/api/search", query_string={"q": '"质量 提升"'}) for _ in range(2)]
        if answers[0].get_json()["partial"]:
            assert [a.headers["X-Cache"] for a in answers] == ["miss", "miss"]
    finally:
        app.extensions["qsearch_store"].close()


def test_a_new_index_version_is_never_answered_from_the_old_cache(corpus_copy: Path, tmp_path: Path, monkeypatch) -> None:
    import search_app.backends.whoosh.store as store_module

    monkeypatch.setattr(store_module, "CHECK_EVERY", 0.0)  # look at the index on every request
    index = tmp_path / "index"
    build_index(corpus_copy, index)
    app = create_app({"TESTING": True, "INDEX_DIR": str(index)})
    try:
        client = app.test_client()
        before = client.get("/api/search", query_string={"q": "蓝鲸计划"})
        assert before.get_json()["total"] == 0
        (corpus_copy / "new.txt").write_text("关于蓝鲸计划的通知\n蓝鲸计划即日启动。", "utf-8")
        build_index(corpus_copy, index)
        after = client.get("/api/search", query_string={"q": "蓝鲸计划"}, headers={"If-None-Match": before.headers["ETag"]})
        assert after.status_code == 200 and after.headers["X-Cache"] == "miss"
        assert after.get_json()["total"] == 1 and after.headers["ETag"] != before.headers["ETag"]
    finally:
        app.extensions["qsearch_store"].close()


def test_the_cache_is_bounded_by_entries_and_bytes() -> None:
    cache = ResponseCache(entries=3, max_bytes=100)
    for n in range(5):
        cache.put(("k", n), b"x" * 10, [], str(n))
    assert len(cache) == 3 and cache.get(("k", 0)) is None and cache.get(("k", 4)) is not None
    cache.get(("k", 2))  # now the most recently used
    cache.put(("k", 5), b"y" * 10, [], '"5"')
    assert cache.get(("k", 2)) is not None and cache.get(("k", 3)) is None
    cache.put(("big",), b"z" * 95, [], '"b"')  # pushes everything else out of the 100 bytes
    assert len(cache) == 1 and cache.get(("big",)) is not None
    cache.put(("huge",), b"z" * 101, [], '"h"')  # never kept: larger than the whole cache
    assert cache.get(("huge",)) is None


def test_zero_entries_keeps_nothing(sample_index: Path) -> None:
    app = create_app({"TESTING": True, "INDEX_DIR": str(sample_index), "RESPONSE_CACHE_ENTRIES": 0})
    try:
        client = app.test_client()
        assert [client.get("/api/search", query_string={"q": "质量月"}).headers["X-Cache"] for _ in range(2)] == ["miss", "miss"]
    finally:
        app.extensions["qsearch_store"].close()
