"""The engine-neutral part of a build: the report, the corpus scan, the plan, the per-file loop.

Every backend's writer (indexer.backends.whoosh.writer, indexer.backends.typesense.writer)
scans the corpus, compares it with what is indexed (content hash and pipeline version of each
file), analyzes the files to (re)index into Documents, and tallies the outcome in one
BuildReport, whose `as_json` is the `qsearch index --json` contract. What differs between
backends is only where the analyzed documents are written.
"""
from __future__ import annotations

import ctypes
import ctypes.util
import multiprocessing
import os
import signal
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Iterator, TypeVar

from indexer import fields as F
from indexer.document import Document, build_document, content_hash
from indexer.duplicates import Entry
from indexer.duplicates import groups as near_duplicate_groups
from indexer.errors import CorpusNotFound, DocumentError, NotADocument
from indexer.extract import attachment_links
from indexer.filestate import FileStates
from indexer.formats import ATTACHMENT_SUFFIXES
from indexer.parse import decode, is_html, is_indexable, read_file, suffix_of, walk_corpus

# progress(phase, done, total): phase is 检查文件 (hashing files against the index) or 建立索引.
Progress = Callable[[str, int, int], None]
CHECKING = "检查文件"
BUILDING = "建立索引"

# Below this many files to (re)index, starting worker processes costs more than it saves.
PARALLEL_MIN = 300
PROGRESS_EVERY = 50
_PR_SET_PDEATHSIG = 1  # linux/prctl.h
# Fault injection for the crash tests: a writer reaching the step named in the first kills itself
# (-9); one reaching the step named in the second waits there to be killed (crash_point).
CRASH_AT_ENV = "QSEARCH_CRASH_AT"
PAUSE_AT_ENV = "QSEARCH_PAUSE_AT"
T = TypeVar("T")
R = TypeVar("R")


@dataclass
class BuildReport:
    """What a build did; `as_json` is the `qsearch index --json` contract."""

    added: int = 0
    updated: int = 0
    deleted: int = 0
    unchanged: int = 0
    skipped: list[str] = field(default_factory=list)
    failed: list[dict] = field(default_factory=list)
    # Read fine but not documents (navigation pages, HTTP error pages): not failures.
    excluded: list[dict] = field(default_factory=list)
    # What this run cleaned up after an interrupted earlier one (notes for the user).
    recovered: list[str] = field(default_factory=list)
    documents: int = 0
    committed: bool = False
    # path -> content hash of every file indexed after this run (for the record of filestate).
    hashes: dict[str, str] = field(default_factory=dict)

    def as_json(self) -> dict:
        """The JSON object printed by `qsearch index --json`."""
        return {
            "added": self.added,
            "updated": self.updated,
            "deleted": self.deleted,
            "unchanged": self.unchanged,
            "skipped": self.skipped,
            "failed": self.failed,
            "excluded": self.excluded,
            "documents": self.documents,
            "recovered": self.recovered,
        }

    def tally(self, written: Iterable[tuple[str, bool]]) -> None:
        """Count written files: (path, whether it replaced an indexed document) as updated or added."""
        for _path, replaces in written:
            if replaces:
                self.updated += 1
            else:
                self.added += 1

    @property
    def changed(self) -> int:
        """Documents added, updated or deleted by this run."""
        return self.added + self.updated + self.deleted


@dataclass
class Scan:
    """The files of a corpus: those to index, in order, and folders that could not be read."""

    paths: list[str]
    unreadable_dirs: list[str]

    def gone(self, indexed: Iterable[str]) -> list[str]:
        """Indexed paths no longer in the corpus; documents under an unreadable folder are kept."""
        present = set(self.paths)
        hidden = tuple("" if d == "." else d + "/" for d in self.unreadable_dirs)
        return [path for path in indexed if path not in present and not path.startswith(hidden)]


def scan_corpus(corpus: Path, report: BuildReport) -> Scan:
    """Walk the corpus: indexable paths, other files listed as skipped, unreadable ones as failed."""
    if not corpus.is_dir():
        raise CorpusNotFound(str(corpus))
    paths: list[str] = []
    walk = walk_corpus(corpus)
    for path in walk:
        (paths if is_indexable(path) else report.skipped).append(path)
    report.failed.extend(walk.problems)
    return Scan(paths, list(walk.unreadable_dirs))


def to_index(
    root: Path, paths: list[str], state: dict[str, tuple[str, str]], report: BuildReport, progress: Progress | None,
    known: FileStates | None = None,
) -> list[tuple[str, bool]]:
    """Files to (re)index, each with whether it replaces an indexed document; tallies the rest.

    `state`: path -> (content hash, pipeline version) of every indexed document; `known`: what the
    last build saw (a file of the size and time it recorded is not read again: its recorded hash
    is compared, and a page it excluded is excluded again for the same reason)."""
    todo = []
    for done, path in enumerate(paths):
        if progress and done % PROGRESS_EVERY == 0:
            progress(CHECKING, done, len(paths))
        old = state.get(path)
        seen = known.unchanged(path) if known is not None else None
        if old is None:
            if seen is not None and seen.reason is not None and seen.hash is None:
                report.excluded.append({"path": path, "reason": seen.reason})
            else:
                todo.append((path, False))
            continue
        if seen is not None and seen.hash is not None:
            digest = seen.hash
        else:
            try:
                digest = content_hash(read_file(root, path))
            except DocumentError as exc:
                report.failed.append({"path": path, "error": str(exc)})
                continue
        if old == (digest, F.PIPELINE_VERSION):
            report.unchanged += 1
            report.hashes[path] = digest
        else:
            todo.append((path, True))
    if progress:
        progress(CHECKING, len(paths), len(paths))
    return todo


def is_attachment(path: str) -> bool:
    """True for the file names of attachments (.pdf, .doc, .xlsx …): the files pages link to."""
    return suffix_of(path) in ATTACHMENT_SUFFIXES


def page_links(root: Path, path: str) -> list[str]:
    """The attachment files a page links (corpus paths), [] when it cannot be read."""
    if not is_html(path):
        return []
    try:
        return attachment_links(decode(read_file(root, path), html=True).text, path, ATTACHMENT_SUFFIXES)
    except Exception:  # noqa: BLE001 - a page whose links cannot be read links nothing; it is reported when built
        return []


def plan_attachments(
    root: Path, paths: list[str], state: dict, relations: dict[str, tuple],
    todo: list[tuple[str, bool]], report: BuildReport,
) -> tuple[list[tuple[str, bool]], dict[str, list[str]]]:
    """The files to (re)index and each attachment's candidate parents: the pages that link it,
    those indexed already first, each in path order (the first that builds is its parent). An
    unchanged attachment is indexed again when its parent went, changed, or an indexed page that
    comes first now links it.

    `relations`: path -> (links, parent path, pages tried) of indexed documents, as stored."""
    _PARENTS.clear()  # pages may have changed since an earlier build in this process
    attachments = {path for path in paths if is_attachment(path)}
    if not attachments:
        return todo, {}
    todo_paths = {path for path, _ in todo}
    present = set(paths)
    links = {path: rel[0] for path, rel in relations.items() if rel[0] and path in present and path not in todo_paths}
    for path in todo_paths:
        if not is_attachment(path):
            links[path] = page_links(root, path)
    linking: dict[str, list[str]] = {}
    for page in sorted(links):
        for target in links[page]:
            if target in attachments and target != page:
                linking.setdefault(target, []).append(page)
    # Pages indexed already (and unchanged) first: a page that fails to build is tried every run,
    # and must not make its attachments be indexed again every run.
    parents = {path: sorted(pages, key=lambda page: (page not in state or page in todo_paths, page))
               for path, pages in linking.items()}
    failed = {f["path"] for f in report.failed}
    again = []
    for path in sorted(attachments - todo_paths):
        if path not in state or path in failed:
            continue  # not indexed (it failed before) or unreadable now: to_index decided
        relation = relations.get(path, ())
        stored = relation[1] if len(relation) > 1 else None
        tried = set(relation[2]) if len(relation) > 2 else set()
        candidates = parents.get(path, [])
        settled = next((page for page in candidates if page in state and page not in todo_paths), None)
        if stored is None:
            # Linked by no page when last indexed: again when a page it was not tried with links it
            # (never for a page that fails every run).
            changed = bool(set(candidates) - tried) or settled is not None
        else:
            changed = stored not in candidates or stored in todo_paths or (settled is not None and settled != stored)
        if changed:
            again.append((path, True))
            report.unchanged -= 1
    return todo + again, parents


_PARENTS: dict[str, Document | None] = {}  # parent pages built in this process during this build


def _parent_document(root: Path, path: str) -> Document | None:
    """The Document of a parent page (built once per build and process for its several attachments)."""
    if path not in _PARENTS:
        if len(_PARENTS) > 16:
            _PARENTS.clear()
        try:
            _PARENTS[path] = build_document(path, read_file(root, path))
        except Exception:  # noqa: BLE001 - a page that fails is reported on its own; no parent then
            _PARENTS[path] = None
    return _PARENTS[path]


def grouping_state(all_stored) -> tuple[list[Entry], dict[str, tuple[str | None, list[str]]], dict[str, tuple[str, str | None]]]:
    """From every document's stored fields: the grouping entries, the current grouping (id ->
    (copy_of, duplicates) of grouped documents) and id -> (path, parent path)."""
    entries, current, where = [], {}, {}
    for stored in all_stored:
        ident = stored[F.ID_]
        parent = (stored.get(F.PARENT) or {}).get("path")
        entries.append(Entry(ident, stored[F.PATH], stored.get(F.DATE), stored.get(F.SIGNATURE), stored.get(F.NUMBERS) or "",
                             stored.get(F.TITLE) or "", parent))
        where[ident] = (stored[F.PATH], parent)
        if stored.get(F.COPY_OF) or stored.get(F.DUPLICATES):
            current[ident] = (stored.get(F.COPY_OF), list(stored.get(F.DUPLICATES) or []))
    return entries, current, where


def regroup(entries: list[Entry], current: dict[str, tuple[str | None, list[str]]], text_of) -> dict[str, tuple[str | None, list[str]]]:
    """The documents whose near-duplicate grouping changed: id -> (copy_of, duplicates) as it should be.

    `current`: id -> (copy_of, duplicates) of the indexed documents that are grouped now."""
    wanted: dict[str, tuple[str | None, list[str]]] = {}
    for shown, copies in near_duplicate_groups(entries, text_of).items():
        wanted[shown] = (None, copies)
        for copy in copies:
            wanted[copy] = (shown, [])
    changes = {ident: wanted.get(ident, (None, [])) for ident in current if wanted.get(ident, (None, [])) != current[ident]}
    changes.update({ident: value for ident, value in wanted.items() if ident not in current})
    return changes


def regrouped(root: Path, changes: dict[str, tuple[str | None, list[str]]],
              where: dict[str, tuple[str, str | None]], failed: list[dict],
              stored_of: Callable[[str], dict | None] | None = None) -> Iterator[Document]:
    """The documents whose grouping changed (`regroup`), with it; those that no longer read are
    appended to `failed`. `where`: id -> (path, parent path), as grouping_state gives; `stored_of(id)`:
    the document as the index stores it, written again as it is (a file is read and analyzed again
    only without it, or when another pipeline version wrote it)."""
    for ident, (copy_of, duplicates) in changes.items():
        path, parent = where[ident]
        stored = stored_of(ident) if stored_of is not None else None
        if stored and stored.get(F.PIPELINE) == F.PIPELINE_VERSION:
            doc = Document.from_stored(stored)
        else:
            doc = build_one(root, path, failed, [], parent)
        if doc is not None:
            doc.copy_of, doc.duplicates = copy_of, duplicates
            yield doc


def build_one(root: Path, path: str, failed: list[dict], excluded: list[dict],
              parents: list[str] | str | None = None) -> Document | None:
    """One file's Document, or None with the reason appended to `failed` or `excluded`.

    `parents`: the pages that link this attachment, in the order to try them (the first that
    builds is its parent)."""
    try:
        candidates = [parents] if isinstance(parents, str) else parents or []
        page = next((doc for doc in map(lambda p: _parent_document(root, p), candidates) if doc is not None), None)
        doc = build_document(path, read_file(root, path), page)
        if page is None:
            doc.parents_tried = list(candidates)
        return doc
    except NotADocument as exc:
        excluded.append({"path": path, "reason": str(exc)})
    except DocumentError as exc:
        failed.append({"path": path, "error": str(exc)})
    except Exception as exc:  # noqa: BLE001 - one bad file must never stop the build
        failed.append({"path": path, "error": f"内部错误（{type(exc).__name__}）：{exc}"})
    return None


def crash_point(step: str) -> None:
    """Die here, as a kill -9 would, when QSEARCH_CRASH_AT names this step; wait here five minutes when
    QSEARCH_PAUSE_AT does (a writer caught holding the lock whatever the machine's speed, and not left
    waiting for ever when its test is killed first; tests/system/test_crash.py)."""
    if os.environ.get(CRASH_AT_ENV) == step:
        os.kill(os.getpid(), signal.SIGKILL)
    if os.environ.get(PAUSE_AT_ENV) == step:
        time.sleep(300)


def die_with_parent(parent: int, lock_fd: int | None = None) -> None:
    """Make a worker end when the build that started it ends, and not hold the index's lock.

    A worker killed parent must not live on: blocked on a full result pipe it would hang for
    ever and, holding a copy of the lock's descriptor, keep the index locked for every later run.
    """
    if lock_fd is not None:
        try:
            os.close(lock_fd)  # the copy inherited by fork; the parent's stays locked
        except OSError:
            pass
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):
        pass  # not Linux: the parent's own clean-up still terminates workers it can reach
    if os.getppid() != parent:
        os._exit(1)  # the parent died before the signal was armed


def start_method() -> str:
    """fork where safe: it starts at once with the dictionaries loaded and needs no main-module
    guard in the caller's script; spawn when the parent has threads (forking those can deadlock)."""
    if "fork" in multiprocessing.get_all_start_methods() and threading.active_count() == 1:
        return "fork"
    return "spawn"


def default_jobs() -> int:
    """Worker processes for a large build: one per core."""
    return max(1, os.cpu_count() or 1)


def jobs_for(count: int, jobs: int | None) -> int:
    """Worker processes for `count` files: `jobs`, or one per core when there are enough files."""
    if jobs is None:
        jobs = default_jobs() if count >= PARALLEL_MIN else 1
    return max(1, min(jobs, count))


def _init_pool_worker(parent: int) -> None:
    die_with_parent(parent)


def in_order(work: Callable[[T], R], items: list[T], jobs: int | None, progress: Progress | None,
             phase: str = BUILDING) -> Iterator[R]:
    """`work(item)` of each item, in order: in a pool of worker processes when that pays."""
    jobs = jobs_for(len(items), jobs)
    pool = None
    if jobs <= 1 or len(items) < 2:
        results: Iterable[R] = map(work, items)
    else:
        pool = multiprocessing.get_context(start_method()).Pool(jobs, initializer=_init_pool_worker,
                                                                initargs=(os.getpid(),))
        results = pool.imap(work, items, chunksize=32)
    try:
        for done, result in enumerate(results, 1):
            if progress and done % PROGRESS_EVERY == 0:
                progress(phase, done, len(items))
            yield result
        if progress:
            progress(phase, len(items), len(items))
    finally:
        if pool is not None:
            pool.terminate()
            pool.join()
