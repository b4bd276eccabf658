"""The state an incremental run plans from, saved beside each index version (state.py): always what
the stored fields say, whether the commit regrouped copies or not, and never trusted for another version."""
from __future__ import annotations

import json
from pathlib import Path

from whoosh import index as windex

from indexer.backends.whoosh.facets import reader_key, versioned_name
from indexer.backends.whoosh.state import FILE_PREFIX, Collector, load
from indexer.backends.whoosh.writer import build_index
from repost_texts import NOTICE


def _from_stored(index_dir: Path) -> tuple[tuple, dict, dict]:
    """The index's version key and its state as read from every document's stored fields."""
    with windex.open_dir(str(index_dir)).reader() as reader:
        collect = Collector()
        for stored in reader.all_stored_fields():
            collect.add(stored)
        return reader_key(reader), collect.state, {k: tuple(map(_plain, v)) for k, v in collect.relations.items()}


def _plain(value):
    return list(value) if isinstance(value, tuple) else value


def _saved(index_dir: Path) -> list[Path]:
    return sorted(index_dir.glob(f"{FILE_PREFIX}*.json"))


def _assert_saved_is_stored(index_dir: Path) -> None:
    key, state, relations = _from_stored(index_dir)
    assert [p.name for p in _saved(index_dir)] == [versioned_name(FILE_PREFIX, key)]  # one file: this version's
    found = load(index_dir, key)
    assert found is not None
    assert found[0] == state
    assert {k: tuple(map(_plain, v)) for k, v in found[1].items()} == relations


def test_each_commit_saves_what_the_stored_fields_hold(corpus_copy: Path, tmp_path: Path) -> None:
    index_dir = tmp_path / "index"
    build_index(corpus_copy, index_dir)
    _assert_saved_is_stored(index_dir)
    key, state, relations = _from_stored(index_dir)
    assert len(state) == 19 and relations  # the sample notice links its attachments

    # An edit and two copies of one notice: the commit, then the regrouping commit of the copies.
    (corpus_copy / "a.txt").write_text("2023-08-25\n" + NOTICE, "utf-8")
    (corpus_copy / "b.txt").write_text("2023-08-26\n" + NOTICE + "\n（责任编辑：王某）", "utf-8")
    (corpus_copy / "fixtures" / "false_friend.txt").write_text("改过的内容：质量月活动通知。", "utf-8")
    report = build_index(corpus_copy, index_dir)
    assert report.committed and report.added == 2 and report.updated == 1
    with windex.open_dir(str(index_dir)).searcher() as searcher:
        grouped = [s for s in searcher.all_stored_fields() if s.get("copy_of") or s.get("duplicates")]
    assert len(grouped) == 2  # the regrouping commit ran
    _assert_saved_is_stored(index_dir)

    (corpus_copy / "b.txt").unlink()
    build_index(corpus_copy, index_dir)
    _assert_saved_is_stored(index_dir)


def test_a_missing_stale_or_broken_file_is_read_again_from_the_index(corpus_copy: Path, tmp_path: Path) -> None:
    index_dir = tmp_path / "index"
    build_index(corpus_copy, index_dir)
    (saved,) = _saved(index_dir)

    saved.unlink()
    report = build_index(corpus_copy, index_dir)
    assert (report.added, report.updated, report.unchanged) == (0, 0, 19)
    _assert_saved_is_stored(index_dir)  # read from the stored fields and saved for the next run

    (saved,) = _saved(index_dir)
    saved.write_text("{not json", "utf-8")
    assert load(index_dir, _from_stored(index_dir)[0]) is None
    report = build_index(corpus_copy, index_dir)
    assert (report.added, report.updated, report.unchanged) == (0, 0, 19)
    _assert_saved_is_stored(index_dir)

    # A file whose recorded version is not the one its name stands for is not trusted.
    (saved,) = _saved(index_dir)
    data = json.loads(saved.read_text("utf-8"))
    data["version"] = [["another", 0]]
    data["state"] = {}
    saved.write_text(json.dumps(data), "utf-8")
    report = build_index(corpus_copy, index_dir)
    assert (report.added, report.updated, report.unchanged) == (0, 0, 19)


def test_a_run_reading_an_older_version_keeps_the_newer_versions_file(corpus_copy: Path, tmp_path: Path) -> None:
    from indexer.backends.whoosh.state import indexed_state

    index_dir = tmp_path / "index"
    build_index(corpus_copy, index_dir)
    old_reader = windex.open_dir(str(index_dir)).reader()  # a run that looked before the commit below
    (corpus_copy / "a.txt").write_text("2023-08-25\n" + NOTICE, "utf-8")
    build_index(corpus_copy, index_dir)
    (newer,) = _saved(index_dir)
    for saved in _saved(index_dir):
        saved.unlink()
    newer.write_text("{}", "utf-8")  # stands for the newer version's file
    state, _ = indexed_state(index_dir, old_reader)  # read from the older version's stored fields
    assert "a.txt" not in state and len(state) == 19
    assert _saved(index_dir) == [newer]  # not replaced by the older version's
