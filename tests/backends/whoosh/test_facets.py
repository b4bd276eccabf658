"""The facet table saved in the index by the writer, and read by the server instead of the postings."""
from __future__ import annotations

import json
from pathlib import Path

from whoosh import index as windex

from indexer.backends.whoosh.facets import FILE_PREFIX, facet_columns, file_name, load_columns, version_key
from indexer.backends.whoosh.writer import build_index
from search_app.backends.whoosh.doctable import build_doctable


def _facet_files(index_dir: Path) -> list[str]:
    return sorted(p.name for p in index_dir.glob(f"{FILE_PREFIX}*"))


def _saved_and_read(index_dir: Path) -> tuple[dict | None, dict]:
    with windex.open_dir(str(index_dir)).searcher() as searcher:
        return load_columns(index_dir, version_key(searcher)), facet_columns(searcher)


def test_each_commit_saves_the_facets_of_the_new_version_only(corpus_copy: Path, tmp_path: Path) -> None:
    index_dir = tmp_path / "index"
    build_index(corpus_copy, index_dir)
    first = _facet_files(index_dir)
    saved, read = _saved_and_read(index_dir)
    assert len(first) == 1 and saved == read and any(read["campaigns"]) and any(read["year"])
    (corpus_copy / "new.txt").write_text("2021年上海市质量月活动通知\n上海市开展质量月活动，现将有关事项通知如下。\n", "utf-8")
    build_index(corpus_copy, index_dir)
    second = _facet_files(index_dir)
    saved, read = _saved_and_read(index_dir)
    assert len(second) == 1 and second != first and saved == read
    assert len(read["year"]) == windex.open_dir(str(index_dir)).doc_count_all()


def test_the_server_reads_the_saved_table_and_builds_its_own_without_it(corpus_copy: Path, tmp_path: Path) -> None:
    index_dir = tmp_path / "index"
    build_index(corpus_copy, index_dir)
    ix = windex.open_dir(str(index_dir))
    with ix.searcher() as searcher:
        path = index_dir / file_name(version_key(searcher))
        from_file = build_doctable(searcher)
        data = json.loads(path.read_text("utf-8"))
        # A file that says other things for this version is what the server uses: proof it reads it.
        data["columns"]["year"] = [1999] * len(data["columns"]["year"])
        path.write_text(json.dumps(data), "utf-8")
        assert set(build_doctable(searcher).year) == {1999}
        path.unlink()
        assert build_doctable(searcher) == from_file
        path.write_text("{broken", "utf-8")
        assert build_doctable(searcher) == from_file


def test_an_index_without_a_facet_file_gets_one_on_the_next_run(corpus_copy: Path, tmp_path: Path) -> None:
    index_dir = tmp_path / "index"
    build_index(corpus_copy, index_dir)
    for name in _facet_files(index_dir):
        (index_dir / name).unlink()
    report = build_index(corpus_copy, index_dir)
    assert not report.committed and len(_facet_files(index_dir)) == 1
