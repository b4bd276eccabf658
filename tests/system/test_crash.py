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


def _qsearch(*args: str, output: bool = True, env: dict[str, str] | None = None) -> subprocess.Popen:
    pipe = subprocess.PIPE if output else subprocess.DEVNULL
    return subprocess.Popen(
        [sys.executable, "-c", "from search_app.cli import main; main()", "index", *args],
        stdout=pipe, stderr=pipe, start_new_session=True, text=True, env={**os.environ, **(env or {})},
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
    # The first writer stops once it holds the lock and has recorded itself: left to run, it could
    # finish before the second has started (it did once in CI), and there would be no dead writer.
    first = _qsearch(*args, "--jobs", "1", output=False, env={"QSEARCH_PAUSE_AT": "full:marked"})
    try:
        deadline = time.monotonic() + 30
        while not (index_dir / ".qsearch-writer.pid").exists():  # the first run holds the lock now
            assert time.monotonic() < deadline and first.poll() is None
            time.sleep(0.02)
        second = _qsearch(*args)
        _, err = second.communicate(timeout=60)
        assert second.returncode == 1
        assert f"正被另一个建索引任务（进程 {first.pid}）写入" in err and "Traceback" not in err
        assert first.poll() is None  # still holding the lock when killed below
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


# ---------------------------------------------------------------------------- kills at chosen steps

# Each step of a writer, in order (indexer.build.crash_point), and whether the run's work is live
# (committed, or swapped in) when a kill there strikes.
FULL_STEPS = {"full:marked": False, "full:staged": False, "full:unmarked": False, "full:swapped": True, "full:cleaned": True}
INCREMENTAL_STEPS = {"incremental:marked": False, "incremental:written": False, "incremental:unmarked": False,
                     "incremental:committed": True}
DISCARDED = "没有提交的内容已丢弃"  # the note of a writer that died before its work was live


def _killed_at(step: str, *args: str) -> None:
    proc = subprocess.run(
        [sys.executable, "-c", "from search_app.cli import main; main()", "index", *args, "--jobs", "1"],
        capture_output=True, text=True, timeout=300, env={**os.environ, "QSEARCH_CRASH_AT": step},
    )
    assert proc.returncode == -signal.SIGKILL, (step, proc.returncode, proc.stderr[-500:])


def _small_corpus(root: Path, count: int = 40) -> Path:
    root.mkdir()
    for n in range(count):
        _write_doc(root, n)
    return root


def _after_kill(corpus: Path, index_dir: Path, expected: dict[str, str] | None, live: bool) -> list[str]:
    """The next plain run: nothing left on record or on disk, the corpus indexed, notes that say only what happened."""
    report = _run("--corpus", str(corpus), "--index", str(index_dir))
    assert not (index_dir / ".qsearch-writer.pid").exists()
    assert leftovers(index_dir) == [], leftovers(index_dir)
    assert _paths(index_dir) == {p.name for p in corpus.iterdir()}
    if expected is not None:
        assert _hashes(index_dir) == expected
    notes = report["recovered"]
    if live:
        assert not any(DISCARDED in note for note in notes), notes
    return notes


@pytest.mark.parametrize("step", FULL_STEPS)
def test_a_kill_at_each_step_of_a_rebuild_leaves_nothing_on_record(tmp_path: Path, step: str) -> None:
    corpus = _small_corpus(tmp_path / "corpus")
    index_dir = tmp_path / "ix"
    args = ("--corpus", str(corpus), "--index", str(index_dir))
    _run(*args)
    for n in range(5):
        _write_doc(corpus, n, version=1)
    _killed_at(step, *args, "--rebuild")
    live = FULL_STEPS[step]
    notes = _after_kill(corpus, index_dir, None, live)
    if step in ("full:marked", "full:staged"):
        assert any(DISCARDED in note for note in notes), notes  # the record of a writer that died mid-build
    if step == "full:cleaned":
        assert notes == []  # the rebuild was done and nothing was left: there is nothing to report
    report = _run(*args)
    assert report["recovered"] == [] and report["unchanged"] == 40


@pytest.mark.parametrize("step", ["full:marked", "full:staged", "full:unmarked", "full:swapped", "full:cleaned"])
def test_a_kill_at_each_step_of_a_first_build(tmp_path: Path, step: str) -> None:
    corpus = _small_corpus(tmp_path / "corpus")
    index_dir = tmp_path / "ix"
    _killed_at(step, "--corpus", str(corpus), "--index", str(index_dir))
    _after_kill(corpus, index_dir, None, FULL_STEPS[step])


@pytest.mark.parametrize("step", INCREMENTAL_STEPS)
def test_a_kill_at_each_step_of_an_incremental_run(tmp_path: Path, step: str) -> None:
    corpus = _small_corpus(tmp_path / "corpus")
    index_dir = tmp_path / "ix"
    args = ("--corpus", str(corpus), "--index", str(index_dir))
    _run(*args)
    (corpus / "d0001.txt").unlink()
    for n in range(40, 50):
        _write_doc(corpus, n)
    _killed_at(step, *args)
    notes = _after_kill(corpus, index_dir, None, INCREMENTAL_STEPS[step])
    if step in ("incremental:marked", "incremental:written"):
        assert any(DISCARDED in note for note in notes), notes
    if step == "incremental:committed":
        assert notes == []


def test_a_dead_writers_record_is_cleaned_by_a_run_with_nothing_to_do(tmp_path: Path) -> None:
    """A record left by an older release (no start time, no generation) names a dead process: a run
    with nothing to write removes it, saying so without claiming work was lost."""
    corpus = _small_corpus(tmp_path / "corpus", 5)
    index_dir = tmp_path / "ix"
    args = ("--corpus", str(corpus), "--index", str(index_dir))
    _run(*args)
    gone = subprocess.run([sys.executable, "-c", "pass"], check=True)  # a process that has exited
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    (index_dir / ".qsearch-writer.pid").write_text(f"{dead.pid}\n", "ascii")
    assert leftovers(index_dir) == [index_dir / ".qsearch-writer.pid"]
    report = _run(*args)
    assert report["unchanged"] == 5 and not (index_dir / ".qsearch-writer.pid").exists()
    assert report["recovered"] and all(DISCARDED not in note for note in report["recovered"]), report
    assert gone.returncode == 0
    assert _run(*args)["recovered"] == []


def test_a_loser_of_the_lock_race_names_the_winner_not_the_dead_record(tmp_path: Path) -> None:
    """Between taking the lock and writing its record the winner leaves the last (dead) writer's record
    in place: the loser waits for the winner's record instead of naming the dead process."""
    import threading

    from indexer.backends.whoosh.lock import IndexBusy, WriteLock, mark_holder

    index_dir = tmp_path / "ix"
    _run("--corpus", str(_small_corpus(tmp_path / "corpus", 3)), "--index", str(index_dir))
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    (index_dir / ".qsearch-writer.pid").write_text(f"{dead.pid} 1 0\n", "ascii")
    lock = WriteLock(index_dir)
    lock.acquire()  # this process wins; its record comes a moment later
    try:
        threading.Timer(0.15, mark_holder, (index_dir,)).start()
        with pytest.raises(IndexBusy) as busy:
            WriteLock(index_dir).acquire()
    finally:
        lock.release()
    assert f"进程 {os.getpid()}）写入" in str(busy.value) and str(dead.pid) not in str(busy.value)
