"""Crash consistency: kill -9 the indexer at random moments, then check what is left.

After every kill the index opens and holds exactly the last committed set of documents (never a
mix), no worker outlives its parent, the next run completes the work and leaves no staging
folder, temporary TOC or orphaned segment file behind, and says it recovered from a dead run.
A live writer still refuses a second one with its message and exit code. Seeded and bounded.
"""
from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from whoosh import index as windex

from indexer import fields as F
from indexer.backends.whoosh.lock import leftovers

TRIALS = 7  # per case: three cases, 21 kills in all
FILES = 320  # above the parallel threshold, so workers are killed with their parent too
WORDS = ("质量", "品牌", "标准", "计量", "企业", "活动", "提升", "创新", "检验", "认证", "安全", "服务", "培训", "管理", "发展")
rng = random.Random(20261201)


def _write_doc(corpus: Path, n: int, version: int = 0) -> None:
    body = "".join(rng.choice(WORDS) for _ in range(400))
    (corpus / f"d{n:04d}.txt").write_text(f"第{n}号质量活动简报（版本{version}）\n{body}。\n", "utf-8")


def _qsearch(*args: str, output: bool = True) -> subprocess.Popen:
    pipe = subprocess.PIPE if output else subprocess.DEVNULL
    return subprocess.Popen(
        [sys.executable, "-c", "from search_app.cli import main; main()", "index", *args],
        stdout=pipe, stderr=pipe, start_new_session=True, text=True,
    )


def _run(*args: str) -> dict:
    proc = _qsearch(*args, "--json")
    out, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err
    return json.loads(out)


def _paths(index_dir: Path) -> set[str] | None:
    """The committed set of documents, or None when there is no index yet."""
    if not windex.exists_in(str(index_dir)):
        return None
    with windex.open_dir(str(index_dir)).searcher() as searcher:
        return {stored[F.PATH] for stored in searcher.all_stored_fields()}


def _hashes(index_dir: Path) -> dict[str, str]:
    with windex.open_dir(str(index_dir)).searcher() as searcher:
        return {stored[F.PATH]: stored[F.CONTENT_HASH] for stored in searcher.all_stored_fields()}


def _kill_after(args: tuple[str, ...], delay: float) -> None:
    """Start `qsearch index`, kill -9 the parent only after `delay` s; its workers must die too."""
    proc = _qsearch(*args, output=False)
    time.sleep(delay)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    deadline = time.monotonic() + 10
    while True:  # every process of the build's session is gone (workers die with their parent)
        try:
            os.killpg(proc.pid, 0)
        except ProcessLookupError:
            break
        assert time.monotonic() < deadline, "a worker outlived its killed parent"
        time.sleep(0.05)


def _timed(args: tuple[str, ...]) -> float:
    started = time.monotonic()
    _run(*args)
    return time.monotonic() - started


@pytest.fixture()
def corpus(tmp_path: Path) -> Path:
    root = tmp_path / "corpus"
    root.mkdir()
    for n in range(FILES):
        _write_doc(root, n)
    return root


def _check_recovery(corpus: Path, index_dir: Path, args: tuple[str, ...], expected: set[str]) -> dict:
    report = _run(*args)
    assert _paths(index_dir) == expected
    assert leftovers(index_dir) == [], leftovers(index_dir)
    return report


def test_kill_during_a_full_build(corpus: Path, tmp_path: Path) -> None:
    everything = {p.name for p in corpus.iterdir()}
    calibrate = tmp_path / "calibrate"
    duration = _timed(("--corpus", str(corpus), "--index", str(calibrate)))
    held = 0
    for trial in range(TRIALS):
        index_dir = tmp_path / f"ix{trial}"
        args = ("--corpus", str(corpus), "--index", str(index_dir))
        _kill_after(args, rng.uniform(0, duration))
        assert _paths(index_dir) in (None, set(), everything)  # nothing, or all of it
        report = _check_recovery(corpus, index_dir, args, everything)
        held += 1
        if report["added"]:  # it really was interrupted: the next run says it cleaned up
            assert report["recovered"] or not leftovers(index_dir)
    print(f"\nfull build: {held}/{TRIALS} kills left the before or the after state (run {duration:.1f} s)")


def test_kill_during_an_incremental_run_with_adds_and_deletes(corpus: Path, tmp_path: Path) -> None:
    index_dir = tmp_path / "ix"
    args = ("--corpus", str(corpus), "--index", str(index_dir))
    _run(*args)
    held = 0
    for trial in range(TRIALS):
        before = _paths(index_dir)
        names = sorted(before)
        for name in rng.sample(names, 30):
            (corpus / name).unlink()
        for n in range(FILES + trial * 40, FILES + trial * 40 + 40):
            _write_doc(corpus, n)
        after = {p.name for p in corpus.iterdir()}
        duration = 0.4 + 0.1 * trial
        _kill_after(args, rng.uniform(0, duration * 3))
        assert _paths(index_dir) in (before, after)
        _check_recovery(corpus, index_dir, args, after)
        held += 1
    print(f"\nincremental: {held}/{TRIALS} kills left the before or the after state")


def test_kill_during_a_rebuild(corpus: Path, tmp_path: Path) -> None:
    index_dir = tmp_path / "ix"
    args = ("--corpus", str(corpus), "--index", str(index_dir))
    _run(*args)
    duration = _timed((*args, "--rebuild"))
    held = 0
    for trial in range(TRIALS):
        before = _hashes(index_dir)
        for n in rng.sample(range(FILES), 20):  # new versions: the rebuild's result differs
            _write_doc(corpus, n, version=trial + 1)
        _kill_after((*args, "--rebuild"), rng.uniform(0, duration))
        now = _hashes(index_dir)  # readers see the old index or the new one, never a mix
        assert now == before or _run_would_leave_nothing_to_do(corpus, index_dir, args)
        report = _run(*args, "--rebuild")
        assert report["documents"] == FILES and leftovers(index_dir) == []
        held += 1
    print(f"\nrebuild: {held}/{TRIALS} kills left the before or the after state")


def _run_would_leave_nothing_to_do(corpus: Path, index_dir: Path, args: tuple[str, ...]) -> bool:
    """True when the index already is the rebuilt one: an incremental run finds nothing to change."""
    report = _run(*args)
    return report["added"] == report["updated"] == report["deleted"] == 0


def test_a_live_writer_refuses_a_second_and_a_dead_one_is_explained(corpus: Path, tmp_path: Path) -> None:
    index_dir = tmp_path / "ix"
    args = ("--corpus", str(corpus), "--index", str(index_dir))
    first = _qsearch(*args, "--jobs", "1", output=False)
    try:
        deadline = time.monotonic() + 30
        while not (index_dir / ".qsearch-writer.pid").exists():  # the first run holds the lock now
            assert time.monotonic() < deadline and first.poll() is None
            time.sleep(0.02)
        second = _qsearch(*args)
        _, err = second.communicate(timeout=60)
        assert second.returncode == 1
        assert f"正被另一个建索引任务（进程 {first.pid}）写入" in err and "Traceback" not in err
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=30)
    report = _run(*args)
    assert any(f"进程 {first.pid}）异常中断" in note for note in report["recovered"])
    assert report["documents"] == FILES and leftovers(index_dir) == []


def test_two_incremental_runs_at_once_never_duplicate_documents(corpus: Path, tmp_path: Path) -> None:
    index_dir = tmp_path / "ix"
    args = ("--corpus", str(corpus), "--index", str(index_dir))
    _run(*args)
    for n in range(FILES, FILES + 200):
        _write_doc(corpus, n)
    runs = [_qsearch(*args, "--json") for _ in range(2)]
    outcomes = [run.communicate(timeout=300) + (run.returncode,) for run in runs]
    # One commits the new files; the other waits its turn, is refused as busy, or finds nothing left.
    assert all(code in (0, 1) for _, _, code in outcomes), outcomes
    assert any(code == 0 for _, _, code in outcomes)
    _run(*args)
    with windex.open_dir(str(index_dir)).searcher() as searcher:
        paths = [stored[F.PATH] for stored in searcher.all_stored_fields()]
    assert len(paths) == len(set(paths)) == FILES + 200
