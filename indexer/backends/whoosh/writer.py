"""The Whoosh writer: build or update the index in a folder from a corpus directory.

Incremental by default: each file's content hash (and the pipeline version that
indexed it) decides whether it is added, updated, deleted or unchanged. All changes
go into one commit; a rebuild is written beside the old index and swapped in, so a
reader never sees a half-built index. One broken file is reported and skipped.
"""
from __future__ import annotations

import gc
import multiprocessing
import os
import queue as queue_module
import shutil
import tempfile
import time
import traceback
from pathlib import Path

from whoosh import index as windex
from whoosh.index import LockError
from whoosh.writing import IndexWriter, SegmentWriter

from indexer import fields as F
from indexer.backends.whoosh import internals as W
from indexer.backends.whoosh.facets import save_facets, version_key
from indexer.backends.whoosh.lock import IndexBusy, WriteLock, clean_up, clean_up_now, leftovers, mark_holder, release_holder
from indexer.backends.whoosh.schema import build_schema, schema_names
from indexer.backends.whoosh.state import Collector, indexed_state
from indexer.backends.whoosh.state import save as save_state
from indexer.build import (
    BUILDING, PROGRESS_EVERY, BuildReport, Progress, build_one, crash_point, die_with_parent, jobs_for, scan_corpus,
    grouping_state, plan_attachments, regroup, regrouped, start_method, to_index,
)
from indexer.document import doc_id
from indexer.filestate import FileStates
from indexer.parse import real_path
from indexer.errors import QsearchError

WRITER_LIMITMB = 256
# Segments are written as separate files (compound=False): Whoosh reads a sub-file of a
# compound .seg by copying it into memory, so every searcher of the archive index held
# 145 MB of copies and took as long to open as a query takes to run.
WRITER_OPTIONS = {"limitmb": WRITER_LIMITMB, "compound": False}


def index_exists(index_dir: Path) -> bool:
    """True when `index_dir` holds a Whoosh index."""
    return index_dir.is_dir() and windex.exists_in(str(index_dir))


def _compatible(ix: windex.Index) -> bool:
    return sorted(ix.schema.names()) == sorted(schema_names())


# The stored fields the regrouping and the next run's plan read (build.grouping_state, state.Collector).
STATE_FIELDS = (F.ID_, F.PATH, F.DATE, F.SIGNATURE, F.NUMBERS, F.TITLE, F.PARENT, F.COPY_OF, F.DUPLICATES,
                F.CONTENT_HASH, F.PIPELINE, F.LINKS, F.PARENTS_TRIED)


def stored_part(schema, fields: dict) -> dict:
    """What the index stores of a document's STATE_FIELDS, by SegmentWriter.add_document's rule (a
    field's `_stored_` value, else its value; None is not stored): a full build's regrouping reads
    these rows, not every document's stored fields back (0.7 s of the archive's build)."""
    stored = {}
    for name in STATE_FIELDS:
        value = fields.get(name)
        if value is not None and schema[name].stored:
            value = fields.get(f"_stored_{name}", value)
            if value is not None:
                stored[name] = value
    return stored


def _write_serial(
    writer: IndexWriter, root: Path, todo: list[tuple[str, bool]], report: BuildReport, progress: Progress | None,
    parents: dict[str, list[str]],
) -> list[dict]:
    """Analyze and write the files in this process; returns the documents' stored_part, in order."""
    added = []
    rows = []
    for done, (path, replaces) in enumerate(todo):
        if progress and done % PROGRESS_EVERY == 0:
            progress(BUILDING, done, len(todo))
        doc = build_one(root, path, report.failed, report.excluded, parents.get(path))
        if doc is None:
            continue
        fields = doc.fields()
        if replaces:
            writer.update_document(**fields)
        else:
            writer.add_document(**fields)
        rows.append(stored_part(writer.schema, fields))
        added.append((path, replaces))
        report.hashes[path] = doc.content_hash
    report.tally(added)
    if progress:
        progress(BUILDING, len(todo), len(todo))
    return rows


def _worker(
    index_dir: str, root: str, shard: int, todo: list[tuple[str, bool]], results, parent: int = 0, lock_fd: int | None = None,
    parents: dict[str, list[str]] | None = None,
) -> None:
    """A worker process: analyze its share of files into segments of its own and report them.

    It writes with Whoosh's sub-writer protocol (the one whoosh.multiproc uses): no lock, each
    segment is finalized here and the parent adds them all to the index in its commit. When a
    writer's in-memory postings near WRITER_LIMITMB, its segment is finished and a new one
    begun: Whoosh would otherwise spill sorted runs to disk and merge them back, which on the
    archive cost more time than the analysis of a fifth of the files.
    """
    die_with_parent(parent, lock_fd)
    writer = None
    # The dictionaries and modules loaded so far live as long as the process: keep the cyclic
    # GC from re-scanning them while millions of short-lived posting tuples come and go.
    gc.freeze()
    try:
        ix = windex.open_dir(index_dir)
        rollover = WRITER_LIMITMB * 1024 * 1024 * 0.9
        corpus = Path(root)
        added: list[tuple[str, bool]] = []
        hashes: dict[str, str] = {}
        failed: list[dict] = []
        excluded: list[dict] = []
        segments = []
        rows: list[dict] = []
        since = 0
        for path, replaces in todo:
            if writer is None:
                writer = W.sub_writer(ix, **WRITER_OPTIONS)
            doc = build_one(corpus, path, failed, excluded, (parents or {}).get(path))
            if doc is not None:
                fields = doc.fields()
                writer.add_document(**fields)
                rows.append(stored_part(ix.schema, fields))
                added.append((path, replaces))
                hashes[path] = doc.content_hash
                if W.pending_bytes(writer) > rollover:
                    segments.append(W.finish_segment(writer))
                    writer = None
            since += 1
            if since == PROGRESS_EVERY:
                results.put(("progress", shard, since))
                since = 0
        if writer is not None:
            if W.has_documents(writer):
                segments.append(W.finish_segment(writer))
            else:
                W.discard(writer)
            writer = None
        results.put(("done", shard, since, segments, added, failed, excluded, hashes, rows))
    except BaseException:  # noqa: BLE001 - reported to the parent, which stops the build
        if writer is not None:
            try:
                W.discard(writer)
            except Exception:  # noqa: BLE001
                pass
        results.put(("error", shard, traceback.format_exc()))


class WorkerFailed(QsearchError):
    """A worker process died or raised; the index was left as it was."""

    def __init__(self, detail: str) -> None:
        super().__init__(f"建索引的工作进程出错，索引保持原样：{detail.strip().splitlines()[-1] if detail.strip() else detail}")
        self.detail = detail


def _write_parallel(
    writer: SegmentWriter,
    root: Path,
    todo: list[tuple[str, bool]],
    report: BuildReport,
    progress: Progress | None,
    jobs: int,
    lock=None,
    parents: dict[str, list[str]] | None = None,
) -> tuple[list, list[dict]]:
    """Analyze and write the files in `jobs` processes; returns their finished segments and the
    documents' stored_part, in order.

    Each worker gets a contiguous share of the (sorted) file list and the segments are
    returned in that order, so documents are numbered exactly as a one-process build would
    number them, and ties in ranking fall the same way.
    """
    ctx = multiprocessing.get_context(start_method())
    results = ctx.Queue()
    shards = balanced_shards(root, todo, jobs)
    index_dir = writer.storage.folder
    procs = [
        ctx.Process(target=_worker, daemon=True, args=(
            index_dir, str(root), n, shard, results, os.getpid(), getattr(lock, "fd", None),
            {path: parents[path] for path, _ in shard if path in parents} if parents else None))
        for n, shard in enumerate(shards)
    ]
    # Files present before the workers start: on failure everything newer is theirs to remove,
    # even segment files of a worker killed before it could say which they were.
    before = set(writer.storage.list())
    for proc in procs:
        proc.start()
    finished: dict[int, tuple] = {}
    done = 0
    try:
        while len(finished) < len(procs):
            try:
                message = results.get(timeout=0.5)
            except queue_module.Empty:
                dead = [n for n, proc in enumerate(procs) if n not in finished and proc.exitcode is not None]
                if dead:
                    raise WorkerFailed(f"进程 {dead[0]} 意外退出（退出码 {procs[dead[0]].exitcode}）")
                continue
            kind, shard = message[0], message[1]
            if kind == "progress":
                done += message[2]
            elif kind == "done":
                done += message[2]
                finished[shard] = message[3:]
            else:
                raise WorkerFailed(message[2])
            if progress:
                progress(BUILDING, done, len(todo))
        for proc in procs:
            proc.join()
    except BaseException:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            proc.join()
        for name in set(writer.storage.list()) - before:
            if W.WHOOSH_FILE.match(name) and not name.endswith(".toc"):
                writer.storage.delete_file(name)
        raise
    segments, rows = [], []
    for shard in range(len(procs)):
        shard_segments, added, failed, excluded, hashes, shard_rows = finished[shard]
        rows += shard_rows
        report.hashes.update(hashes)
        report.failed.extend(failed)
        report.excluded.extend(excluded)
        report.tally(added)
        for path, replaces in added:
            if replaces:
                writer.delete_by_term(F.ID_, doc_id(path))
        segments.extend(shard_segments)
    return segments, rows


def balanced_shards(root: Path, todo: list[tuple[str, bool]], jobs: int) -> list[list[tuple[str, bool]]]:
    """`todo` cut into at most `jobs` contiguous shards of about the same bytes to read: a worker's
    work grows with its pages' size, and shards of equal counts left one worker idle for 12 s of
    the news archive's 85 s (its second half holds 8 % more bytes)."""
    sizes = []
    for path, _ in todo:
        try:
            sizes.append(os.stat(real_path(root, path)).st_size + 1)
        except OSError:
            sizes.append(1)  # it fails when read, quickly
    total, shards, start, acc = sum(sizes), [], 0, 0
    for i, size in enumerate(sizes):
        acc += size
        if acc * jobs >= total * (len(shards) + 1) and len(shards) < jobs - 1:
            shards.append(todo[start : i + 1])
            start = i + 1
    shards.append(todo[start:])
    return [shard for shard in shards if shard]


def _write(
    writer: SegmentWriter,
    root: Path,
    todo: list[tuple[str, bool]],
    report: BuildReport,
    progress: Progress | None,
    jobs: int | None,
    lock=None,
    parents: dict[str, list[str]] | None = None,
) -> tuple[list, list[dict]]:
    """Write the files in `todo`: in worker processes when that pays; returns their segments and
    the documents' stored_part, in the order they are numbered.

    `lock`: the index's write lock (its descriptor is closed in forked workers); `parents`: each
    linked attachment's parent page."""
    jobs = jobs_for(len(todo), jobs)
    if jobs <= 1:
        return [], _write_serial(writer, root, todo, report, progress, parents or {})
    return _write_parallel(writer, root, todo, report, progress, jobs, lock, parents)


def build_index(
    corpus: Path,
    index_dir: Path,
    rebuild: bool = False,
    progress: Progress | None = None,
    jobs: int | None = None,
) -> BuildReport:
    """Bring the index at `index_dir` up to date with the files under `corpus`.

    `jobs` worker processes analyze the files (default: one per core when there are
    enough files to make it pay, else this process alone).
    """
    corpus, index_dir = Path(corpus), Path(index_dir)
    started = time.time_ns()  # before any file is read: files changed from now on are racy
    report = BuildReport()
    scan = scan_corpus(corpus, report)
    paths = scan.paths

    existing = windex.open_dir(str(index_dir)) if index_exists(index_dir) else None
    if existing is not None and not _compatible(existing):
        rebuild = True  # the schema changed with the software: start afresh
    if rebuild or existing is None:
        _full_build(corpus, index_dir, paths, report, progress, jobs)
        if report.committed:
            _keep_facets(index_dir)
            FileStates(corpus).save(index_dir, paths, report.hashes, report.excluded, started)
        return report

    base = report.failed[:]
    known = FileStates.load(index_dir, corpus)

    def plan(state: dict[str, tuple[str, str]], relations: dict) -> tuple[list[tuple[str, bool]], list[str], dict[str, list[str]]]:
        report.failed[:], report.excluded[:], report.unchanged = base[:], [], 0
        report.hashes.clear()
        todo = to_index(corpus, paths, state, report, progress, known)
        todo, parents = plan_attachments(corpus, paths, state, relations, todo, report)
        return todo, scan.gone(state), parents

    generation = existing.latest_generation()
    state, relations = indexed_state(index_dir, existing.reader())
    todo, gone, parents = plan(state, relations)
    if not todo and not gone:
        if leftovers(index_dir):
            report.recovered += clean_up_now(index_dir)
        report.documents = existing.doc_count()
        _keep_facets(index_dir)  # an index written before there were facet files gets one
        if known.stale(report.hashes, report.excluded):
            known.save(index_dir, paths, report.hashes, report.excluded, started)
        return report  # nothing to write: the index stays exactly as it was
    try:
        writer = W.writer(existing, **WRITER_OPTIONS)
    except LockError:
        raise IndexBusy(index_dir) from None
    segments: list = []
    try:
        note = mark_holder(index_dir)
        # Not the segment files yet: this writer's own are among them; the commit cleans those.
        report.recovered += ([note] if note else []) + clean_up(index_dir, files=False)
        if writer.generation != generation + 1:
            # Another run committed between our first look and the lock: plan again from
            # what is indexed now, or both runs would add the same files.
            state, relations = indexed_state(index_dir, writer.reader())
            todo, gone, parents = plan(state, relations)
        crash_point("incremental:marked")
        segments, _ = _write(writer, corpus, todo, report, progress, jobs, writer.writelock, parents)
        crash_point("incremental:written")
        for path in gone:
            writer.delete_by_term(F.ID_, doc_id(path))
            report.deleted += 1
        if report.changed == 0:
            _cancel(writer, segments)  # only files that failed again: nothing to commit
        elif len(state) - report.deleted + report.added == 0:
            _cancel(writer, segments)  # the corpus lost every document: keep the old index rather than empty it
        else:
            release_holder(index_dir)  # before the commit lets the lock go
            crash_point("incremental:unmarked")
            W.commit_with(writer, segments)
            crash_point("incremental:committed")
            report.committed = True
    except BaseException:
        if not writer.is_closed:
            _cancel(writer, segments)
        raise
    finally:
        release_holder(index_dir)
    if not report.committed and leftovers(index_dir):
        report.recovered += clean_up_now(index_dir)
    if report.committed:
        _regroup(index_dir, corpus, report)
    _keep_facets(index_dir)
    if report.committed or known.stale(report.hashes, report.excluded):
        known.save(index_dir, paths, report.hashes, report.excluded, started)
    report.documents = windex.open_dir(str(index_dir)).doc_count()
    return report


def _keep_facets(index_dir: Path) -> None:
    """Save the facet table of the index's new version for the server (facets.py); a failure only
    means that servers read it from the index themselves."""
    try:
        save_facets(index_dir)
    except (OSError, LockError):
        pass


def _regroup(index_dir: Path, corpus: Path, report: BuildReport, written: tuple[list[dict], int] | None = None) -> None:
    """Record near-duplicate groups after a commit: the documents whose grouping changed are written
    again with it (as stored: no file is read again) in a second, small commit (none when nothing changed).
    The same pass over the stored fields saves the index's state for the next run (state.py).
    `written`: every document's stored_part in order and the index generation they describe, when the
    caller wrote them all (a full build); read only if that generation is still the newest (another run
    may have committed since the lock was released)."""
    ix = windex.open_dir(str(index_dir))
    collect = Collector()
    with ix.searcher() as searcher:
        key, generation = version_key(searcher), searcher.reader().generation()
        stored_of = lambda ident: searcher.document(**{F.ID_: ident})  # noqa: E731
        rows = written[0] if written is not None and written[1] == generation else None
        if rows is None or len(rows) != searcher.doc_count_all():
            rows = searcher.all_stored_fields()
        entries, current, where = grouping_state(collect.feed(rows))
        changes = regroup(entries, current, lambda ident: (stored_of(ident) or {}).get(F.TEXT_, ""))
        if not changes:
            if W.latest_generation(index_dir) == generation:  # else another run's version is the latest
                save_state(index_dir, key, collect.state, collect.relations)
            return
        try:
            writer = W.writer(ix, **WRITER_OPTIONS)
        except LockError:
            return  # another run holds the index: it regroups after its own commit
        try:
            for doc in regrouped(corpus, changes, where, report.failed, stored_of):
                fields = doc.fields()
                writer.update_document(**fields)
                collect.add(fields)
            ours = writer.generation == generation + 1  # no other run committed in between
            writer.commit(mergetype=_merge_smallest)
        except BaseException:
            if not writer.is_closed:
                writer.cancel()
            raise
    if ours:
        with windex.open_dir(str(index_dir)).searcher() as searcher:
            if searcher.reader().generation() == generation + 1:
                save_state(index_dir, version_key(searcher), collect.state, collect.relations)


GROUP_MERGE_MAX = 20_000  # documents of a segment the regrouping commit folds into its own


def _merge_smallest(writer, segments: list) -> list:
    """The regrouping commit's merge policy: its handful of documents join the smallest segment
    (rewritten with them) instead of standing alone: each segment more costs every query a
    lookup per word (+20 % warm p95 on the news archive for one segment of 24 documents)."""
    from whoosh.reading import SegmentReader

    live = [segment for segment in segments if segment.doc_count() > 0]  # wholly deleted ones go
    if not live:
        return live
    smallest = min(live, key=lambda segment: segment.doc_count_all())
    if smallest.doc_count_all() > GROUP_MERGE_MAX:
        return live
    reader = SegmentReader(writer.storage, writer.schema, smallest)
    try:
        writer.add_reader(reader)
    finally:
        reader.close()
    return [segment for segment in live if segment is not smallest]


def _cancel(writer: SegmentWriter, segments: list = ()) -> None:
    """Cancel a writer and remove the segment files it (and its workers) had created."""
    storage = writer.storage
    segids = [W.segment_id(writer), *(segment.segment_id() for segment in segments)]
    writer.cancel()
    for segid in segids:
        W.remove_segment_files(storage, segid)


def _full_build(
    corpus: Path, index_dir: Path, paths: list[str], report: BuildReport, progress: Progress | None, jobs: int | None
) -> BuildReport:
    """Write a fresh index beside `index_dir` and swap it in when complete, holding its write lock."""
    lock = WriteLock(index_dir)
    lock.acquire()
    try:
        note = mark_holder(index_dir)
        report.recovered += ([note] if note else []) + clean_up(index_dir)
        staging = Path(tempfile.mkdtemp(prefix=f".{index_dir.name}.new-", dir=index_dir.parent))
        crash_point("full:marked")
        try:
            ix = windex.create_in(str(staging), build_schema())
            writer = W.writer(ix, **WRITER_OPTIONS)
            try:
                todo, parents = plan_attachments(corpus, paths, {}, {}, [(path, False) for path in paths], report)
                segments, rows = _write(writer, corpus, todo, report, progress, jobs, lock, parents)
            except BaseException:
                _cancel(writer)
                raise
            if report.added == 0:
                _cancel(writer, segments)
                report.documents = windex.open_dir(str(index_dir)).doc_count() if index_exists(index_dir) else 0
                return report
            W.commit_with(writer, segments)
            crash_point("full:staged")
            report.committed = True
            report.documents = ix.doc_count()
            ix.close()
            # The record goes before the swap makes the new index live: a kill from here on leaves
            # a complete index (old or new) and at most a staging folder, never a dead writer's record.
            release_holder(index_dir)
            crash_point("full:unmarked")
            W.swap_in(staging, index_dir)
            swapped = W.latest_generation(index_dir)  # the version `rows` describe (the lock is still held)
            crash_point("full:swapped")
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        crash_point("full:cleaned")
    finally:
        lock.release()
    if report.committed:
        _regroup(index_dir, corpus, report, (rows, swapped))
    return report
