"""An index written by the release before the backend seam still opens, answers, and updates.

Whoosh pickles the schema with the analyzer into the index by module path (indexer.segment),
so moving modules must not break indexes already on users' disks. tests/fixtures/legacy_index
was written by commit 2fa233f from tests/fixtures/corpus (see tests/fixtures/README.md).
"""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from conftest import FIXTURE_CORPUS, FIXTURES
from indexer.backends.whoosh.writer import build_index
from search_app import create_app

LEGACY = FIXTURES / "legacy_index"


@pytest.fixture()
def legacy(tmp_path: Path) -> Path:
    """A writable copy of the legacy index."""
    return Path(shutil.copytree(LEGACY, tmp_path / "index"))


def test_a_legacy_index_opens_and_answers(legacy: Path) -> None:
    app = create_app({"TESTING": True, "INDEX_DIR": str(legacy), "RESPONSE_CACHE_ENTRIES": 0})
    try:
        client = app.test_client()
        assert client.get("/healthz").get_json()["documents"] == 10
        found = client.get("/api/search", query_string={"q": "质量月"}).get_json()
        assert found["total"] >= 3 and found["results"][0]["snippet"]
        phrase = client.get("/api/search", query_string={"q": '"质量月"', "region": "浙江"}).get_json()
        assert phrase["total"] >= 1
        doc = client.get(f"/api/documents/{found['results'][0]['id']}").get_json()
        assert doc["text"]
        assert client.get("/api/organizations").get_json()["organizations"]
        assert client.get("/", query_string={"q": "質量月"}).status_code == 200
    finally:
        app.extensions["qsearch_store"].close()


def test_the_writer_updates_a_legacy_index(legacy: Path, tmp_path: Path) -> None:
    corpus = Path(shutil.copytree(FIXTURE_CORPUS, tmp_path / "corpus"))
    (corpus / "added.txt").write_text("关于开展麒麟鹿质量月活动的通知\n\n各单位：现就麒麟鹿质量月活动通知如下。", "utf-8")
    report = build_index(corpus, legacy)
    # The schema gained fields since (format, links, parent, note: issue 22), so the writer rebuilds
    # the legacy index in place rather than updating it.
    assert report.committed and report.documents == 11
    app = create_app({"TESTING": True, "INDEX_DIR": str(legacy), "RESPONSE_CACHE_ENTRIES": 0})
    try:
        found = app.test_client().get("/api/search", query_string={"q": "麒麟鹿"}).get_json()
        assert [r["path"] for r in found["results"]] == ["added.txt"]
    finally:
        app.extensions["qsearch_store"].close()
