"""The index's write lock, who holds it, and what a dead build left behind.

Whoosh's lock is an flock on MAIN_WRITELOCK: the kernel frees it when the holding process
dies, so a lock is never stale by itself. Beside it we keep a record of the writer (its process
id, the process's start time, so that a reused id is not taken for it, and the index generation
it started from), so a busy index can say who holds it, and a run that finds the record of a
dead process knows the last build was interrupted, says truthfully whether that build had
committed, and cleans what it left: the record itself, staging folders, temporary TOC files and
segment files no generation refers to. A writer removes its record before its commit or swap
makes its work live, so a kill after that leaves no record of a writer whose work is done.
"""
from __future__ import annotations

import os
import shutil
import time
from pathlib import Path
from typing import NamedTuple

from whoosh.filedb.filestore import FileStorage

from indexer.backends.whoosh.internals import INDEX_NAME, latest_generation, staging_toc_leftovers, unreferenced
from indexer.errors import QsearchError

LOCK_NAME = f"{INDEX_NAME}_WRITELOCK"
HOLDER_FILE = ".qsearch-writer.pid"  # a dot name: Whoosh's file cleaning leaves it alone
RECORD_WAIT = 0.5  # seconds a loser of the lock race waits for the winner to write its record


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _started(pid: int) -> str:
    """When a process started (clock ticks since boot, from /proc), "" where that cannot be read."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text("ascii", errors="replace")
        return stat.rsplit(")", 1)[1].split()[19]
    except (OSError, IndexError):
        return ""


class Record(NamedTuple):
    """What a writer recorded: its process id and start time, and the generation it started from
    (None in a record written before these were kept)."""

    pid: int
    started: str = ""
    generation: int | None = None

    def running(self) -> bool:
        """True while the recorded process is alive and is the one that wrote the record."""
        if not _alive(self.pid):
            return False
        return not self.started or _started(self.pid) in ("", self.started)


def read_record(index_dir: Path) -> Record | None:
    """The last writer's record, or None."""
    try:
        fields = (index_dir / HOLDER_FILE).read_text("ascii").split()
        return Record(int(fields[0]), fields[1] if len(fields) > 1 else "",
                      int(fields[2]) if len(fields) > 2 else None)
    except (OSError, ValueError, IndexError):
        return None


def holder(index_dir: Path) -> int | None:
    """The process id recorded by the last writer, or None."""
    record = read_record(index_dir)
    return None if record is None else record.pid


def _dead_record(index_dir: Path) -> Record | None:
    """The record of a writer that died without removing it, or None."""
    record = read_record(index_dir)
    if record is None or record.pid == os.getpid() or record.running():
        return None
    return record


class IndexBusy(QsearchError):
    """Another process holds the index's write lock."""

    def __init__(self, path: Path) -> None:
        # The winner of the lock writes its record just after taking the lock: a record of a
        # dead (or another) process may be the one it is about to replace.
        deadline = time.monotonic() + RECORD_WAIT
        record = read_record(path)
        while record is not None and not record.running() and time.monotonic() < deadline:
            time.sleep(0.02)
            record = read_record(path)
        if record is not None and record.running():
            detail = f"正被另一个建索引任务（进程 {record.pid}）写入：请等它结束后再运行。"
        elif record is not None:
            detail = (f"写锁由已退出的建索引任务（进程 {record.pid}）留下的子进程持有：请结束残留的 qsearch 进程"
                      f"（ps -ef | grep qsearch）后再运行。")
        else:
            detail = "正被另一个建索引任务写入：请等它结束后再运行。"
        super().__init__(f"索引 {path} {detail}")


def mark_holder(index_dir: Path) -> str | None:
    """Record this process as the writer; a note, saying what happened, when the previous writer died."""
    previous = _dead_record(index_dir)
    generation = latest_generation(index_dir)
    (index_dir / HOLDER_FILE).write_text(f"{os.getpid()} {_started(os.getpid())} {generation}\n", "ascii")
    if previous is None:
        return None
    if previous.generation is None:
        return f"已删除建索引任务（进程 {previous.pid}）留下的写入记录：它异常中断了，索引是最后一次完整提交的版本。"
    if generation > previous.generation:
        return (f"已删除建索引任务（进程 {previous.pid}）留下的写入记录：它在提交之后、退出之前被中断，"
                "索引就是它提交的版本，没有内容丢失。")
    return f"上次建索引任务（进程 {previous.pid}）异常中断：它没有提交的内容已丢弃，索引保持它开始前的版本。"


def release_holder(index_dir: Path) -> None:
    """Forget this process as the writer (before the lock goes; a later writer's record stays)."""
    if holder(index_dir) == os.getpid():
        try:
            (index_dir / HOLDER_FILE).unlink()
        except FileNotFoundError:
            pass


class WriteLock:
    """The index's write lock taken directly (for a rebuild, which writes elsewhere first)."""

    def __init__(self, index_dir: Path) -> None:
        self.index_dir = index_dir
        index_dir.mkdir(parents=True, exist_ok=True)
        self.lock = FileStorage(str(index_dir)).lock(LOCK_NAME)

    def try_acquire(self) -> bool:
        """Take the lock if it is free."""
        return bool(self.lock.acquire(blocking=False))

    def acquire(self) -> None:
        """Take the lock or raise IndexBusy."""
        if not self.try_acquire():
            raise IndexBusy(self.index_dir)

    @property
    def fd(self) -> int | None:
        """The lock's file descriptor (a forked worker closes its copy)."""
        return self.lock.fd

    def release(self) -> None:
        """Let the lock go."""
        release_holder(self.index_dir)
        self.lock.release()


def leftovers(index_dir: Path, files: bool = True) -> list[Path]:
    """What dead runs left: staging folders beside `index_dir`, temporary TOC files in it and,
    with `files`, segment files of no generation. Only meaningful with the write lock held
    (or as a hint that there is something to clean): a live writer's files look the same."""
    found = []
    if _dead_record(index_dir) is not None:
        found.append(index_dir / HOLDER_FILE)
    if index_dir.parent.is_dir():
        found += [p for p in index_dir.parent.glob(f".{index_dir.name}.new-*") if p.is_dir()]
        found += [p for p in index_dir.parent.glob(f".{index_dir.name}.old-*") if p.is_dir()]
    if index_dir.is_dir():
        found += staging_toc_leftovers(index_dir)
        if files:
            found += [index_dir / name for name in unreferenced(index_dir)]
    return found


def clean_up(index_dir: Path, files: bool = True) -> list[str]:
    """Remove what dead runs left (call with the write lock held, and with `files` only when no
    writer of this process is open on the index); what was removed, as notes."""
    notes = []
    segment_files = 0
    for path in leftovers(index_dir, files):
        if path.is_dir():
            shutil.rmtree(path, ignore_errors=True)
            notes.append(f"已清理中断的建索引任务留下的临时目录 {path.name}")
        else:
            path.unlink(missing_ok=True)
            segment_files += 1
    if segment_files:
        notes.append(f"已清理 {segment_files} 个不属于当前索引版本的残留文件")
    return notes


def clean_up_now(index_dir: Path) -> list[str]:
    """Take the write lock, clean what dead runs left, let the lock go; [] when the index is busy."""
    lock = WriteLock(index_dir)
    if not lock.try_acquire():
        return []  # a live writer: what looks left over may be its work
    try:
        note = mark_holder(index_dir)
        return ([note] if note else []) + clean_up(index_dir)
    finally:
        lock.release()
