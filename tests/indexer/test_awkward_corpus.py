"""Awkward corpora: links out of the corpus, pipes, huge files, GBK file names, unreadable folders.

Each is reported with a reason in the JSON summary, the rest is indexed, the build never stops.
"""
from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from indexer.backends.whoosh.writer import build_index
from indexer.parse import MAX_FILE_BYTES
from search_app.cli import main

NOTICE = "关于开展{n}年质量月活动的通知\n各区市场监管局：现将2024年质量月活动有关事项通知如下。\n".format


def _corpus(tmp_path: Path) -> Path:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "good.txt").write_text(NOTICE(n=2024), "utf-8")
    return corpus


def _reasons(report) -> dict[str, str]:
    return {f["path"]: f["error"] for f in report.failed}


def test_links_pipes_and_huge_files_are_reported_and_the_rest_indexed(tmp_path: Path) -> None:
    corpus = _corpus(tmp_path)
    outside = tmp_path / "secret.txt"
    outside.write_text("外面的文件：不应被索引。", "utf-8")
    (corpus / "passwd.txt").symlink_to(outside)
    (corpus / "zero.txt").symlink_to("/dev/zero")
    (corpus / "inside.txt").symlink_to(corpus / "good.txt")
    (corpus / "loop.txt").symlink_to(corpus / "loop.txt")
    (corpus / "up").symlink_to(corpus, target_is_directory=True)
    os.mkfifo(corpus / "pipe.txt")
    with open(corpus / "huge.html", "wb") as handle:
        handle.truncate(MAX_FILE_BYTES + 1)  # sparse: no disk used
    report = build_index(corpus, tmp_path / "ix")
    reasons = _reasons(report)
    assert "语料目录之外" in reasons["passwd.txt"] and "语料目录之外" in reasons["zero.txt"]
    assert "断开或循环" in reasons["loop.txt"]
    assert "不跟随" in reasons["up"]
    assert "不是普通文件" in reasons["pipe.txt"]
    assert "文件过大" in reasons["huge.html"]
    assert report.added == 2 and report.documents == 2  # good.txt and the link inside the corpus


def test_gbk_file_names_are_shown_and_read(tmp_path: Path, runner: CliRunner) -> None:
    corpus = _corpus(tmp_path)
    gbk_name = "质量月通知.txt".encode("gb18030")
    with open(os.path.join(os.fsencode(corpus), gbk_name), "wb") as handle:
        handle.write(NOTICE(n=2023).encode("gb18030"))
    bad_name = b"\xff\xfe\xfd.txt"
    with open(os.path.join(os.fsencode(corpus), bad_name), "wb") as handle:
        handle.write(NOTICE(n=2022).encode("utf-8"))
    result = runner.invoke(main, ["index", "--corpus", str(corpus), "--index", str(tmp_path / "ix"), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout_bytes.decode("utf-8"))  # valid UTF-8, one object
    assert data["documents"] == 2
    assert [f["path"] for f in data["failed"]] == ["\\xff\\xfe\\xfd.txt"]
    search = runner.invoke(main, ["search", "2023年", "--index", str(tmp_path / "ix"), "--json"])
    assert [r["path"] for r in json.loads(search.stdout)["results"]] == ["质量月通知.txt"]


def test_json_with_a_missing_corpus_is_one_json_object(tmp_path: Path, runner: CliRunner) -> None:
    result = runner.invoke(main, ["index", "--corpus", str(tmp_path / "nope"), "--index", str(tmp_path / "ix"), "--json"])
    assert result.exit_code == 2
    assert "不存在" in json.loads(result.stdout)["error"]


@pytest.mark.skipif(not hasattr(os, "setuid"), reason="needs POSIX users")
def test_an_unreadable_folder_is_reported_and_its_documents_kept() -> None:
    # Under /tmp itself: pytest's own temporary folders are closed to other users.
    tmp_path = Path(tempfile.mkdtemp(prefix="qsearch-unreadable-"))
    try:
        _unreadable_folder(tmp_path)
    finally:
        shutil.rmtree(tmp_path, ignore_errors=True)


def _unreadable_folder(tmp_path: Path) -> None:
    corpus = _corpus(tmp_path)
    (corpus / "locked").mkdir()
    (corpus / "locked" / "kept.txt").write_text(NOTICE(n=2021), "utf-8")
    index_dir = tmp_path / "ix"
    assert build_index(corpus, index_dir).documents == 2
    # Root reads every folder: run the second build as an unprivileged user who cannot.
    uid = 65534 if os.geteuid() == 0 else os.geteuid()
    for path in [tmp_path, *tmp_path.rglob("*")]:
        os.chown(path, uid, -1, follow_symlinks=False)
    (corpus / "locked").chmod(0)
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child drops to the unprivileged user and runs the build in this process image
        try:
            os.close(read_end)
            if os.geteuid() == 0:
                os.setgid(65534)
                os.setuid(uid)
            report = build_index(corpus, index_dir)
            os.write(write_end, json.dumps({"documents": report.documents, "deleted": report.deleted, "failed": report.failed}).encode())
        except BaseException as exc:  # noqa: BLE001 - the parent shows it
            os.write(write_end, json.dumps({"error": repr(exc)}).encode())
        finally:
            os._exit(0)
    os.close(write_end)
    try:
        with os.fdopen(read_end, "rb") as pipe:
            out = pipe.read()
        os.waitpid(pid, 0)
    finally:
        (corpus / "locked").chmod(0o755)
    data = json.loads(out)
    assert "error" not in data, data["error"] if "error" in data else ""
    assert data["deleted"] == 0 and data["documents"] == 2
    assert [f["path"] for f in data["failed"]] == ["locked"] and "保留" in data["failed"][0]["error"]


def test_a_deep_empty_tree_and_a_file_deleted_during_the_build(tmp_path: Path) -> None:
    corpus = _corpus(tmp_path)
    deep = corpus
    for level in range(120):
        deep = deep / f"d{level}"
    deep.mkdir(parents=True)
    for n in range(120):
        (corpus / f"n{n:03d}.txt").write_text(NOTICE(n=2000 + n % 25), "utf-8")
    doomed = corpus / "n110.txt"

    def progress(phase: str, done: int, total: int) -> None:
        if phase == "建立索引" and done >= 50 and doomed.exists():
            doomed.unlink()  # gone between the walk and its turn to be read

    report = build_index(corpus, tmp_path / "ix", progress=progress, jobs=1)
    reasons = _reasons(report)
    assert "无法读取文件" in reasons["n110.txt"]
    assert report.documents == 120  # good.txt and every notice but the deleted one
