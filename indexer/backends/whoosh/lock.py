"""The index's write lock, who holds it, and what a dead build left behind.

Whoosh's lock is an flock on MAIN_WRITELOCK: the kernel frees it when the holding process
dies, so a lock is never stale by itself. Beside it we keep the holder's process id, so a
busy index can say who holds it, and a run that finds the id of a dead process knows the
last build was interrupted and cleans what it left: staging folders, temporary TOC files
and segment files no generation refers to.
"""
from __future__ import annotations

import os
import shutil
from pathlib import Path

from whoosh.filedb.filestore import FileStorage

from indexer.backends.whoosh.internals import INDEX_NAME, staging_toc_leftovers, unreferenced
from indexer.errors import QsearchError

LOCK_NAME = f"{INDEX_NAME}_WRITELOCK"
HOLDER_FILE = ".qsearch-writer.pid"  # a dot name: Whoosh's file cleaning leaves it alone


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def holder(index_dir: Path) -> int | None:
    """The process id recorded by the last writer, or None."""
    try:
        return int((index_dir / HOLDER_FILE).read_text("ascii").split()[0])
    except (OSError, ValueError, IndexError):
        return None


class IndexBusy(QsearchError):
    """Another process holds the index's write lock."""

    def __init__(self, path: Path) -> None:
        pid = holder(path)
        if pid is not None and pid != os.getpid() and not _alive(pid):
            detail = (f"写锁由已退出的建索引任务（进程 {pid}）留下的子进程持有：请结束残留的 qsearch 进程"
                      f"（ps -ef | grep qsearch）后再运行。")
        elif pid is not None:
            detail = f"正被另一个建索引任务（进程 {pid}）写入：请等它结束后再运行。"
        else:
            detail = "正被另一个建索引任务写入：请等它结束后再运行。"
        super().__init__(f"索引 {path} {detail}")


def mark_holder(index_dir: Path) -> str | None:
    """Record this process as the writer; a note when the previous writer died mid-build."""
    previous = holder(index_dir)
    (index_dir / HOLDER_FILE).write_text(f"{os.getpid()}\n", "ascii")
    if previous is not None and previous != os.getpid() and not _alive(previous):
        return f"上次建索引任务（进程 {previous}）异常中断：它没有提交的内容已丢弃，索引保持它开始前的版本。"
    return None


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

    def acquire(self) -> None:
        """Take the lock or raise IndexBusy."""
        if not self.lock.acquire(blocking=False):
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
    try:
        lock.acquire()
    except IndexBusy:
        return []  # a live writer: what looks left over may be its work
    try:
        note = mark_holder(index_dir)
        return ([note] if note else []) + clean_up(index_dir)
    finally:
        lock.release()
