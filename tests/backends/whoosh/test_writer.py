"""Building the index: failures reported, incremental updates exact, phrases and folding work."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from whoosh import index as windex
from whoosh.query import And, Phrase, Term

from indexer import fields as F
from indexer.document import doc_id
from indexer import build as index_module
from indexer.backends.whoosh import writer as writer_module
from indexer.backends.whoosh.writer import WorkerFailed, build_index
from indexer.filestate import FILE_NAME
from indexer.segment import query_words

BROKEN = {"fixtures/empty.txt", "fixtures/binary.html", "fixtures/spaces_only.txt", "fixtures/notes.pdf"}
OK_COUNT = 5 + 4 + 10  # seeds, the sample notice with its 3 attachments (issue 22), fixtures


def _files(index_dir: Path) -> dict[str, int]:
    """The index's files and their times; not the record of file times and hashes (indexer.filestate),
    which a run that finds files it had to hash (written in the same tick as the last build) refreshes."""
    return {p.name: p.stat().st_mtime_ns for p in index_dir.iterdir() if p.name != FILE_NAME}


def _search(index_dir: Path, query) -> set[str]:
    with windex.open_dir(str(index_dir)).searcher() as searcher:
        return {hit[F.PATH] for hit in searcher.search(query, limit=None)}


def _words(field: str, text: str):
    return And([Term(field, w) for w in query_words(text)])


def test_first_build_indexes_everything_it_can(corpus_copy: Path, tmp_path: Path) -> None:
    report = build_index(corpus_copy, tmp_path / "index")
    assert report.committed
    assert report.added == OK_COUNT and report.documents == OK_COUNT
    assert {f["path"] for f in report.failed} == BROKEN
    assert all(f["error"] for f in report.failed)
    assert report.skipped == []  # notes.pdf is read as a PDF now (issue 22), and fails: it has no pages
    assert set(report.as_json()) == {"added", "updated", "deleted", "unchanged", "skipped", "failed", "excluded", "documents", "recovered"}


def test_unchanged_corpus_changes_nothing(corpus_copy: Path, tmp_path: Path) -> None:
    index_dir = tmp_path / "index"
    build_index(corpus_copy, index_dir)
    before = _files(index_dir)
    report = build_index(corpus_copy, index_dir)
    assert (report.added, report.updated, report.deleted, report.unchanged) == (0, 0, 0, OK_COUNT)
    assert not report.committed
    assert _files(index_dir) == before


def test_editing_one_file_updates_only_that_document(corpus_copy: Path, tmp_path: Path) -> None:
    index_dir = tmp_path / "index"
    build_index(corpus_copy, index_dir)
    seed = corpus_copy / "004_fb5c211a9a1c32cf.txt"
    seed.write_text(seed.read_text("utf-8") + "\n补充说明：增设编辑测试专用词汇麒麟鹿。\n", "utf-8")
    report = build_index(corpus_copy, index_dir)
    assert (report.added, report.updated, report.deleted, report.unchanged) == (0, 1, 0, OK_COUNT - 1)
    assert report.documents == OK_COUNT
    assert _search(index_dir, _words(F.TEXT_, "麒麟鹿")) == {"004_fb5c211a9a1c32cf.txt"}


def test_deleting_one_file_removes_it(corpus_copy: Path, tmp_path: Path) -> None:
    index_dir = tmp_path / "index"
    build_index(corpus_copy, index_dir)
    (corpus_copy / "003_b1e6235fe70e8a2b.txt").unlink()
    report = build_index(corpus_copy, index_dir)
    assert (report.deleted, report.documents) == (1, OK_COUNT - 1)
    with windex.open_dir(str(index_dir)).searcher() as searcher:
        assert searcher.document(id=doc_id("003_b1e6235fe70e8a2b.txt")) is None


def test_new_pipeline_version_reindexes(corpus_copy: Path, tmp_path: Path, monkeypatch) -> None:
    index_dir = tmp_path / "index"
    build_index(corpus_copy, index_dir)
    monkeypatch.setattr(F, "PIPELINE_VERSION", "test-next")
    report = build_index(corpus_copy, index_dir)
    assert report.updated == OK_COUNT and report.unchanged == 0


def test_rebuild_swaps_in_a_fresh_index_and_keeps_other_files(corpus_copy: Path, tmp_path: Path) -> None:
    index_dir = tmp_path / "index"
    index_dir.mkdir()
    (index_dir / "README.md").write_text("keep me", "utf-8")
    build_index(corpus_copy, index_dir)
    report = build_index(corpus_copy, index_dir, rebuild=True)
    assert report.added == OK_COUNT and report.documents == OK_COUNT
    assert (index_dir / "README.md").read_text("utf-8") == "keep me"
    assert len(list(index_dir.glob("*.toc"))) == 1
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".index.")]


def test_only_broken_files_index_nothing(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "empty.txt").write_bytes(b"")
    report = build_index(corpus, tmp_path / "index")
    assert report.documents == 0 and not report.committed
    assert not windex.exists_in(str(tmp_path / "index")) if (tmp_path / "index").exists() else True


def test_unreadable_file_is_reported(corpus_copy: Path, tmp_path: Path) -> None:
    if os.geteuid() == 0:
        target = corpus_copy / "broken_link.txt"
        target.symlink_to(corpus_copy / "does-not-exist.txt")
    else:
        target = corpus_copy / "locked.txt"
        target.write_text("质量月", "utf-8")
        target.chmod(0)
    report = build_index(corpus_copy, tmp_path / "index")
    assert target.name in {Path(f["path"]).name for f in report.failed}
    assert report.documents == OK_COUNT


def _stored_in_order(index_dir: Path) -> list[dict]:
    """Every document's stored fields in document-number order (the order ties rank in)."""
    with windex.open_dir(str(index_dir)).searcher() as searcher:
        return [searcher.stored_fields(n) for n in range(searcher.doc_count_all())]


def test_worker_processes_build_the_same_index_as_one_process(corpus_copy: Path, tmp_path: Path) -> None:
    serial = build_index(corpus_copy, tmp_path / "serial", jobs=1)
    parallel = build_index(corpus_copy, tmp_path / "parallel", jobs=2)
    assert parallel.as_json() == serial.as_json()
    assert len(windex.open_dir(str(tmp_path / "parallel"))._segments()) == 2  # one segment per worker
    assert _stored_in_order(tmp_path / "parallel") == _stored_in_order(tmp_path / "serial")
    query = _words(F.TEXT_, "质量月")
    with windex.open_dir(str(tmp_path / "serial")).searcher() as a, windex.open_dir(str(tmp_path / "parallel")).searcher() as b:
        hits_a = [(h[F.PATH], round(h.score, 9)) for h in a.search(query, limit=None)]
        hits_b = [(h[F.PATH], round(h.score, 9)) for h in b.search(query, limit=None)]
    assert hits_a and hits_a == hits_b


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_full_builds_rows_are_what_the_index_stores(corpus_copy: Path, tmp_path: Path, jobs: int,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    # The regrouping after a full build reads the rows the writers kept instead of the stored fields.
    seen = []
    regroup = writer_module._regroup

    def check(index_dir: Path, corpus: Path, report, written=None) -> None:
        with windex.open_dir(str(index_dir)).searcher() as searcher:
            stored = [{k: v for k, v in doc.items() if k in writer_module.STATE_FIELDS} for doc in searcher.all_stored_fields()]
            assert written[1] == searcher.reader().generation()
        seen.append((written[0], stored))
        regroup(index_dir, corpus, report, written)

    monkeypatch.setattr(writer_module, "_regroup", check)
    build_index(corpus_copy, tmp_path / "index", jobs=jobs)
    (rows, stored), = seen
    assert len(rows) == OK_COUNT and rows == stored
    assert any(F.PARENT in row for row in rows) and all(F.SIGNATURE in row for row in rows)


def test_a_run_that_commits_before_the_regrouping_makes_it_read_the_index(corpus_copy: Path, tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    # Between a full build's swap and its regrouping another run deletes a file: the rows kept of the
    # build no longer describe the index (and a deletion keeps the count of documents with deleted ones).
    regroup = writer_module._regroup

    def racing(index_dir: Path, corpus: Path, report, written=None) -> None:
        monkeypatch.setattr(writer_module, "_regroup", regroup)
        (corpus / "fixtures" / "gbk_notice.html").unlink()
        assert build_index(corpus, index_dir).deleted == 1
        regroup(index_dir, corpus, report, written)

    monkeypatch.setattr(writer_module, "_regroup", racing)
    build_index(corpus_copy, tmp_path / "index", jobs=1)
    again = build_index(corpus_copy, tmp_path / "index")
    assert (again.deleted, again.committed, again.documents) == (0, False, OK_COUNT - 1)


def test_worker_processes_update_incrementally(corpus_copy: Path, tmp_path: Path) -> None:
    index_dir = tmp_path / "index"
    build_index(corpus_copy, index_dir, jobs=2)
    seed = corpus_copy / "004_fb5c211a9a1c32cf.txt"
    seed.write_text(seed.read_text("utf-8") + "\n补充说明：增设编辑测试专用词汇麒麟鹿。\n", "utf-8")
    (corpus_copy / "new.txt").write_text("新增的质量月通知：麒麟鹿专项检查。", "utf-8")
    report = build_index(corpus_copy, index_dir, jobs=2)
    assert (report.added, report.updated, report.unchanged) == (1, 1, OK_COUNT - 1)
    assert report.documents == OK_COUNT + 1
    assert _search(index_dir, _words(F.TEXT_, "麒麟鹿")) == {"004_fb5c211a9a1c32cf.txt", "new.txt"}
    assert build_index(corpus_copy, index_dir, jobs=2).unchanged == OK_COUNT + 1


def test_a_dead_worker_stops_the_build_and_leaves_the_index_as_it_was(
    corpus_copy: Path, tmp_path: Path, monkeypatch
) -> None:
    if index_module.start_method() != "fork":
        pytest.skip("the worker inherits the patched function only when forked")
    index_dir = tmp_path / "index"
    build_index(corpus_copy, index_dir, jobs=1)
    before = _files(index_dir)
    real = index_module.build_document

    def dies_on_one_file(path: str, data: bytes, parent=None):
        if path.endswith("004_fb5c211a9a1c32cf.txt"):
            os._exit(3)  # the process is killed mid-build, as by the OOM killer
        return real(path, data, parent)

    monkeypatch.setattr(index_module, "build_document", dies_on_one_file)
    (corpus_copy / "004_fb5c211a9a1c32cf.txt").write_text("改过的内容：质量月。", "utf-8")
    (corpus_copy / "new.txt").write_text("新增的质量月通知。", "utf-8")
    with pytest.raises(WorkerFailed, match="退出码 3"):
        build_index(corpus_copy, index_dir, jobs=2)
    assert _files(index_dir) == before
    assert _search(index_dir, _words(F.TEXT_, "麒麟鹿")) == set()
    assert windex.open_dir(str(index_dir)).doc_count() == OK_COUNT


def test_phrases_match_exactly(sample_index: Path) -> None:
    phrase = Phrase(F.TEXT_, query_words("推动质量变革创新"))
    assert {"corpus/000_0bce4af3382c1576.txt", "corpus/001_d323e32c5bf0f654.txt"} <= {
        "corpus/" + p for p in _search(sample_index, phrase)
    }
    # The same words, not adjacent in this order anywhere: AND matches, the phrase does not.
    assert _search(sample_index, _words(F.TEXT_, "创新变革推动质量")) != set()
    assert _search(sample_index, Phrase(F.TEXT_, query_words("创新 变革 推动 质量"))) == set()


def test_traditional_and_simplified_queries_find_both_scripts(sample_index: Path) -> None:
    simplified = _search(sample_index, _words(F.TEXT_, "首席质量官"))
    traditional = _search(sample_index, _words(F.TEXT_, "首席質量官"))
    assert simplified == traditional
    assert {"000_0bce4af3382c1576.txt", "001_d323e32c5bf0f654.txt"} <= simplified


def test_subwords_give_recall_for_parts_of_long_words(sample_index: Path) -> None:
    assert "001_d323e32c5bf0f654.txt" in _search(sample_index, Term(F.TEXT_, "首席"))
    # a four-character word inside a name: 质量协会 in 上海市质量协会, the only way this page writes it
    assert "004_fb5c211a9a1c32cf.txt" in _search(sample_index, Term(F.TEXT_, "质量协会"))


def test_chrome_words_are_not_indexed(sample_index: Path) -> None:
    for word in ("侧栏专有词", "脚本秘密词", "页脚专有词"):
        assert _search(sample_index, _words(F.TEXT_, word)) == set(), word
    assert _search(sample_index, Phrase(F.TEXT_, query_words("會員活動"))) == set()


def test_false_friend_does_not_match_quality_month(sample_index: Path) -> None:
    assert "fixtures/false_friend.txt" not in _search(sample_index, Term(F.TEXT_, "质量月"))
    assert "fixtures/false_friend.txt" in _search(sample_index, _words(F.TEXT_, "空气质量"))


def test_a_run_that_planned_before_another_committed_plans_again_under_the_lock(corpus_copy: Path, tmp_path: Path) -> None:
    index_dir = tmp_path / "index"
    build_index(corpus_copy, index_dir)
    (corpus_copy / "late.txt").write_text("关于开展麒麟鹿质量专项活动的通知\n现就有关事项通知如下。\n", "utf-8")
    interleaved = []

    def progress(phase: str, done: int, total: int) -> None:
        # While this run is still checking files (before it takes the lock), another run commits.
        if phase == index_module.CHECKING and not interleaved:
            interleaved.append(build_index(corpus_copy, index_dir))

    report = build_index(corpus_copy, index_dir, progress=progress)
    assert interleaved[0].added == 1
    assert report.added == 0 and not report.committed
    with windex.open_dir(str(index_dir)).searcher() as searcher:
        paths = [stored[F.PATH] for stored in searcher.all_stored_fields()]
    assert len(paths) == len(set(paths)) == OK_COUNT + 1


def test_a_stored_document_is_written_again_exactly_as_it_was(corpus_copy: Path, tmp_path: Path) -> None:
    """The regrouping commit rewrites documents from their stored fields instead of their files."""
    from indexer.document import Document

    index_dir = tmp_path / "index"
    build_index(corpus_copy, index_dir)
    with windex.open_dir(str(index_dir)).searcher() as searcher:
        stored = list(searcher.all_stored_fields())
    assert len(stored) == OK_COUNT and any(s.get(F.ORGANIZATIONS) for s in stored) and any(s.get(F.PARENT) for s in stored)
    for fields in stored:
        again = Document.from_stored(fields).fields()
        assert again.pop(F.ORG_NAMES, None) is not None or not fields.get(F.ORGANIZATIONS)
        assert again == fields


def test_worker_shards_are_contiguous_and_of_about_equal_bytes(tmp_path: Path) -> None:
    from indexer.backends.whoosh.writer import balanced_shards

    sizes = [100] * 10 + [1000] * 2 + [10] * 4  # a few large pages at the middle
    for n, size in enumerate(sizes):
        (tmp_path / f"{n:02}.html").write_bytes(b"x" * size)
    todo = [(f"{n:02}.html", False) for n in range(len(sizes))] + [("gone.html", True)]
    shards = balanced_shards(tmp_path, todo, 2)
    assert [item for shard in shards for item in shard] == todo  # in order, nothing lost
    assert [len(shard) for shard in shards] == [11, 6]  # equal counts would give 9 + 8: 900 bytes against 2,040
    assert balanced_shards(tmp_path, todo[:1], 3) == [todo[:1]]
    assert [len(s) for s in balanced_shards(tmp_path, todo, 3)] == [11, 1, 5]
