"""Reposts grouped in search, on both backends (issue 23): one notice on three sites and a Traditional
copy is one result with its copies listed; the same template for three years stays three results."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from conftest import app_on, indexed_pages
from indexer.backends.whoosh.writer import build_index
from repost_texts import NOTICE, TRADITIONAL

SITES = {
    "site-a/notice.txt": "2023-08-25\n" + NOTICE,
    "site-b/notice.txt": "2023-08-28\n来源：甲市政府网\n" + NOTICE,
    "site-c/notice.txt": NOTICE + "\n（责任编辑：王某）",
    "site-d/notice.txt": "2023-09-02\n" + TRADITIONAL,
    **{f"template/{y}.txt": f"{y}-08-25\n" + NOTICE.replace("2023", str(y)) for y in (2020, 2021, 2022)},
}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return indexed_pages(tmp_path_factory.mktemp("reposts"), SITES)


@pytest.fixture(scope="module", params=["whoosh", pytest.param("typesense", marks=pytest.mark.typesense)])
def client(request, corpus: Path):
    app = app_on(request, request.param, corpus, "reposts")
    yield app.test_client()
    app.extensions["qsearch_store"].close()


def test_reposts_are_one_result_with_their_copies(client) -> None:
    from indexer.document import doc_id

    data = client.get("/api/search", query_string={"q": "质量强国 建设有我", "year": "2023"}).get_json()
    assert data["total"] == 1
    (hit,) = data["results"]
    assert hit["path"] == "site-a/notice.txt"
    assert sorted(hit["duplicates"]) == sorted(doc_id(p) for p in ("site-b/notice.txt", "site-c/notice.txt", "site-d/notice.txt"))
    years = {f["value"]: f["count"] for f in data["facets"]["year"]}
    assert years == {2023: 1}  # facets count the group once
    page = client.get("/", query_string={"q": "质量强国 建设有我", "year": "2023"}).get_data(as_text=True)
    assert "另有 3 处相同内容" in page and "site-d/notice.txt" in page
    copy = client.get(f"/api/documents/{doc_id('site-d/notice.txt')}").get_json()
    assert copy["copy_of"] == doc_id("site-a/notice.txt")


def test_a_template_for_other_years_is_not_grouped(client) -> None:
    data = client.get("/api/search", query_string={"q": "质量强国 建设有我", "per_page": 20}).get_json()
    assert data["total"] == 4 and all(not r["duplicates"] for r in data["results"] if r["path"].startswith("template/"))


def test_a_new_copy_joins_the_group_and_a_removed_one_leaves_it(corpus: Path, tmp_path: Path) -> None:
    from search_app.backends.whoosh.store import WhooshStore

    work = tmp_path / "corpus"
    shutil.copytree(corpus / "corpus", work)
    build_index(work, tmp_path / "index")
    (work / "site-e").mkdir()
    (work / "site-e/notice.txt").write_text("2023-08-30\n" + NOTICE + "\n", "utf-8")
    (work / "site-b/notice.txt").unlink()
    build_index(work, tmp_path / "index")
    store = WhooshStore(tmp_path / "index")
    try:
        (hit,) = store.search({"q": "质量强国 建设有我", "year": "2023"})["results"]
        assert len(hit["duplicates"]) == 3 and hit["path"] == "site-a/notice.txt"
    finally:
        store.close()


@pytest.mark.typesense
def test_typesense_regroups_in_place_as_copies_come_and_go(typesense_node, corpus: Path, tmp_path: Path) -> None:
    """A copy that becomes the shown document loses its copy_of (an update to null), and the group
    follows files added and removed, without the documents being written again."""
    from indexer.backends.typesense.client import TypesenseConfig
    from indexer.backends.typesense.writer import build_typesense
    from indexer.document import doc_id
    from search_app.backends.typesense.store import TypesenseStore

    work = tmp_path / "corpus"
    shutil.copytree(corpus / "corpus", work)
    config = TypesenseConfig(tuple(typesense_node.nodes), typesense_node.api_key, "regroup_in_place")
    build_typesense(work, config, rebuild=True)
    (work / "site-e").mkdir()
    (work / "site-e/notice.txt").write_text("2023-08-30\n" + NOTICE + "\n", "utf-8")
    for gone in ("site-a/notice.txt", "site-b/notice.txt"):
        (work / gone).unlink()
    report = build_typesense(work, config)
    assert report.failed == []
    store = TypesenseStore(config)
    try:
        data = store.search({"q": "质量强国 建设有我", "year": "2023"})
        (hit,) = data["results"]
        assert hit["path"] == "site-e/notice.txt" and data["total"] == 1
        assert sorted(hit["duplicates"]) == sorted(doc_id(p) for p in ("site-c/notice.txt", "site-d/notice.txt"))
        assert store.document(doc_id("site-e/notice.txt"))["copy_of"] is None
        assert store.document(doc_id("site-d/notice.txt"))["copy_of"] == doc_id("site-e/notice.txt")
    finally:
        store.close()
