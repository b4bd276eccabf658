"""The record of file sizes and times: unchanged files are neither hashed nor analyzed again, the
content hash still decides for any file whose size or time moved, racy files are always hashed."""
from __future__ import annotations

import json
import os
from pathlib import Path

from indexer import fields as F
from indexer.backends.whoosh.writer import build_index
from indexer.filestate import FILE_NAME, FileStates

ARTICLE = "<html><head><title>{title}</title></head><body><div class='content'><p>{body}</p></div></body></html>"
BODY = "各地市场监管部门围绕质量月主题，组织企业开展质量提升活动，推动质量强国建设，取得明显成效。" * 3
DIRECTORY = "<html><body><ul>" + "".join(f"<li><a href='/n{i}.html'>新闻标题第{i}条</a></li>" for i in range(40)) + "</ul></body></html>"
OLD = 1_600_000_000 * 10**9  # 2020: long before any build


def _corpus(root: Path) -> Path:
    corpus = root / "corpus"
    corpus.mkdir()
    (corpus / "a.html").write_text(ARTICLE.format(title="质量月活动通知", body=BODY), "utf-8")
    (corpus / "b.html").write_text(ARTICLE.format(title="质量提升行动", body=BODY.replace("质量月", "品牌日")), "utf-8")
    (corpus / "list.html").write_text(DIRECTORY, "utf-8")
    for path in corpus.iterdir():
        os.utime(path, ns=(OLD, OLD))
    return corpus


def _counts(report) -> tuple[int, int, int]:
    return report.added, report.updated, report.unchanged


def test_the_record_lists_indexed_files_with_hashes_and_excluded_ones_with_reasons(tmp_path: Path) -> None:
    corpus = _corpus(tmp_path)
    report = build_index(corpus, tmp_path / "index")
    assert _counts(report) == (2, 0, 0) and [e["path"] for e in report.excluded] == ["list.html"]
    record = json.loads((tmp_path / "index" / FILE_NAME).read_text("utf-8"))
    assert record["pipeline"] == F.PIPELINE_VERSION
    assert set(record["files"]) == {"a.html", "b.html", "list.html"}
    size, mtime, digest, reason = record["files"]["a.html"]
    assert (size, mtime, reason) == ((corpus / "a.html").stat().st_size, OLD, None) and len(digest) == 32
    assert record["files"]["list.html"][2:] == [None, report.excluded[0]["reason"]]


def test_a_file_of_the_recorded_size_and_time_is_not_read_again(tmp_path: Path) -> None:
    corpus = _corpus(tmp_path)
    build_index(corpus, tmp_path / "index")
    # Other bytes of the same length under the recorded time: as rsync and git, the run trusts the
    # record (the file is not even read), so the document stays as indexed.
    page = corpus / "a.html"
    page.write_text(page.read_text("utf-8").replace("质量月活动通知", "品牌日活动通知"), "utf-8")
    os.utime(page, ns=(OLD, OLD))
    report = build_index(corpus, tmp_path / "index")
    assert _counts(report) == (0, 0, 2) and not report.committed
    assert [e["path"] for e in report.excluded] == ["list.html"]


def test_a_moved_time_is_hashed_and_the_hash_decides(tmp_path: Path) -> None:
    corpus = _corpus(tmp_path)
    build_index(corpus, tmp_path / "index")
    later = OLD + 10**9
    os.utime(corpus / "b.html", ns=(later, later))  # touched, same bytes: hashed, unchanged
    page = corpus / "a.html"
    page.write_text(page.read_text("utf-8").replace("质量月活动通知", "品牌日活动通知"), "utf-8")
    os.utime(page, ns=(later, later))  # same length, new time: hashed, updated
    report = build_index(corpus, tmp_path / "index")
    assert _counts(report) == (0, 1, 1) and report.committed
    assert json.loads((tmp_path / "index" / FILE_NAME).read_text("utf-8"))["files"]["b.html"][1] == later


def test_an_excluded_page_is_analyzed_again_when_it_changes(tmp_path: Path) -> None:
    corpus = _corpus(tmp_path)
    build_index(corpus, tmp_path / "index")
    (corpus / "list.html").write_text(ARTICLE.format(title="目录改成了文章", body=BODY), "utf-8")
    report = build_index(corpus, tmp_path / "index")
    assert _counts(report) == (1, 0, 2) and report.excluded == []


def test_a_file_changed_in_the_tick_of_the_last_build_is_always_hashed(tmp_path: Path) -> None:
    corpus = _corpus(tmp_path)
    index_dir = tmp_path / "index"
    build_index(corpus, index_dir)
    record = json.loads((index_dir / FILE_NAME).read_text("utf-8"))
    page = corpus / "a.html"
    page.write_text(page.read_text("utf-8").replace("质量月活动通知", "品牌日活动通知"), "utf-8")
    # The edit landed in the same clock tick as the recorded time, just before that build began:
    # its size and time are what the record says, but it may have changed after being read.
    racy = record["checked_at"] - 10**9  # a second before it began (within RACY_NS)
    os.utime(page, ns=(racy, racy))
    record["files"]["a.html"][1] = racy
    (index_dir / FILE_NAME).write_text(json.dumps(record), "utf-8")
    report = build_index(corpus, index_dir)
    assert _counts(report) == (0, 1, 1)


def test_a_record_of_another_pipeline_or_a_broken_one_is_ignored(tmp_path: Path) -> None:
    corpus = _corpus(tmp_path)
    index_dir = tmp_path / "index"
    build_index(corpus, index_dir)
    record = json.loads((index_dir / FILE_NAME).read_text("utf-8"))
    assert FileStates.load(index_dir, corpus).seen["a.html"].hash == record["files"]["a.html"][2]
    (index_dir / FILE_NAME).write_text(json.dumps({**record, "pipeline": "0"}), "utf-8")
    assert FileStates.load(index_dir, corpus).seen == {}
    (index_dir / FILE_NAME).write_text("{not json", "utf-8")
    assert FileStates.load(index_dir, corpus).seen == {}
    report = build_index(corpus, index_dir)  # every file hashed, the excluded page analyzed again
    assert _counts(report) == (0, 0, 2) and [e["path"] for e in report.excluded] == ["list.html"]
    assert set(json.loads((index_dir / FILE_NAME).read_text("utf-8"))["files"]) == {"a.html", "b.html", "list.html"}
