"""Index stage: build or update the Whoosh index from a corpus directory.

Incremental by default: each file's content hash (and the pipeline version that
indexed it) decides whether it is added, updated, deleted or unchanged. All changes
go into one commit; a rebuild is written beside the old index and swapped in, so a
reader never sees a half-built index. One broken file is reported and skipped.
"""
from __future__ import annotations

import re
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator

from whoosh import index as windex
from whoosh.index import LockError
from whoosh.writing import IndexWriter

from indexer import fields as F
from indexer.document import Document, build_document, content_hash, doc_id
from indexer.errors import CorpusNotFound, DocumentError, QsearchError
from indexer.parse import is_indexable, walk_corpus

# progress(done, total, path) is called before each file is looked at.
Progress = Callable[[int, int, str], None]


@dataclass
class BuildReport:
    """What a build did; `as_json` is the `qsearch index --json` contract."""

    added: int = 0
    updated: int = 0
    deleted: int = 0
    unchanged: int = 0
    skipped: list[str] = field(default_factory=list)
    failed: list[dict] = field(default_factory=list)
    documents: int = 0
    committed: bool = False

    def as_json(self) -> dict:
        """The JSON object printed by `qsearch index --json`."""
        return {
            "added": self.added,
            "updated": self.updated,
            "deleted": self.deleted,
            "unchanged": self.unchanged,
            "skipped": self.skipped,
            "failed": self.failed,
            "documents": self.documents,
        }


class IndexBusy(QsearchError):
    """Another process holds the index's write lock."""

    def __init__(self, path: Path) -> None:
        super().__init__(f"索引 {path} 正被另一个建索引任务写入：请等它结束后再运行。")


def index_exists(index_dir: Path) -> bool:
    """True when `index_dir` holds a Whoosh index."""
    return index_dir.is_dir() and windex.exists_in(str(index_dir))


def _compatible(ix: windex.Index) -> bool:
    return sorted(ix.schema.names()) == sorted(build_schema_names())


def build_schema_names() -> list[str]:
    """Field names of the current schema."""
    return F.build_schema().names()


def _indexed_state(ix: windex.Index) -> dict[str, tuple[str, str]]:
    """path -> (content hash, pipeline version) of every indexed document."""
    state = {}
    with ix.searcher() as searcher:
        for stored in searcher.all_stored_fields():
            state[stored[F.PATH]] = (stored.get(F.CONTENT_HASH, ""), stored.get(F.PIPELINE, ""))
    return state


def _read(root: Path, path: str) -> bytes:
    try:
        return (root / path).read_bytes()
    except OSError as exc:
        raise DocumentError(f"无法读取文件：{exc.strerror or exc}") from None


def _changed_documents(
    root: Path, paths: list[str], state: dict[str, tuple[str, str]], report: BuildReport, progress: Progress | None
) -> Iterator[tuple[Document, bool]]:
    """Documents to write, each with whether it replaces an indexed one; tallies the rest."""
    for done, path in enumerate(paths):
        if progress:
            progress(done, len(paths), path)
        try:
            data = _read(root, path)
            old = state.get(path)
            if old and old == (content_hash(data), F.PIPELINE_VERSION):
                report.unchanged += 1
                continue
            yield build_document(path, data), old is not None
        except DocumentError as exc:
            report.failed.append({"path": path, "error": str(exc)})
        except Exception as exc:  # noqa: BLE001 - one bad file must never stop the build
            report.failed.append({"path": path, "error": f"内部错误（{type(exc).__name__}）：{exc}"})


def _write(writer: IndexWriter, docs: Iterator[tuple[Document, bool]], report: BuildReport) -> None:
    for doc, replaces in docs:
        if replaces:
            writer.update_document(**doc.fields())
            report.updated += 1
        else:
            writer.add_document(**doc.fields())
            report.added += 1


def build_index(
    corpus: Path, index_dir: Path, rebuild: bool = False, progress: Progress | None = None
) -> BuildReport:
    """Bring the index at `index_dir` up to date with the files under `corpus`."""
    corpus, index_dir = Path(corpus), Path(index_dir)
    if not corpus.is_dir():
        raise CorpusNotFound(str(corpus))
    report = BuildReport()
    paths = []
    for path in walk_corpus(corpus):
        (paths if is_indexable(path) else report.skipped).append(path)

    existing = windex.open_dir(str(index_dir)) if index_exists(index_dir) else None
    if existing is not None and not _compatible(existing):
        rebuild = True  # the schema changed with the software: start afresh
    if rebuild or existing is None:
        return _full_build(corpus, index_dir, paths, report, progress)

    state = _indexed_state(existing)
    present = set(paths)
    gone = [path for path in state if path not in present]
    docs = _changed_documents(corpus, paths, state, report, progress)
    first = next(docs, None)
    if first is None and not gone:
        report.documents = existing.doc_count()
        return report  # nothing to write: the index stays exactly as it was
    try:
        writer = existing.writer(limitmb=256)
    except LockError:
        raise IndexBusy(index_dir) from None
    try:
        if first is not None:
            _write(writer, _chain(first, docs), report)
        for path in gone:
            writer.delete_by_term(F.ID_, doc_id(path))
            report.deleted += 1
        if len(state) - report.deleted + report.added == 0:
            _cancel(writer)  # the corpus lost every document: keep the old index rather than empty it
        else:
            writer.commit()
            report.committed = True
    except BaseException:
        _cancel(writer)
        raise
    report.documents = windex.open_dir(str(index_dir)).doc_count()
    return report


def _chain(first: tuple[Document, bool], rest: Iterator[tuple[Document, bool]]) -> Iterator[tuple[Document, bool]]:
    yield first
    yield from rest


def _cancel(writer: IndexWriter) -> None:
    """Cancel a writer and remove the segment files it had already created."""
    segid = writer.newsegment.segment_id()
    storage = writer.storage
    writer.cancel()
    for name in list(storage.list()):
        if segid in name:
            storage.delete_file(name)


def _full_build(
    corpus: Path, index_dir: Path, paths: list[str], report: BuildReport, progress: Progress | None
) -> BuildReport:
    """Write a fresh index beside `index_dir` and swap it in when complete."""
    index_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{index_dir.name}.new-", dir=index_dir.parent))
    try:
        ix = windex.create_in(str(staging), F.build_schema())
        writer = ix.writer(limitmb=256)
        try:
            _write(writer, _changed_documents(corpus, paths, {}, report, progress), report)
        except BaseException:
            _cancel(writer)
            raise
        if report.added == 0:
            _cancel(writer)
            report.documents = windex.open_dir(str(index_dir)).doc_count() if index_exists(index_dir) else 0
            return report
        writer.commit()
        report.committed = True
        report.documents = ix.doc_count()
        ix.close()
        _swap_in(staging, index_dir)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return report


_WHOOSH_FILE = re.compile(r"^_?MAIN_")


def _swap_in(staging: Path, index_dir: Path) -> None:
    """Replace the Whoosh files in `index_dir` with those in `staging`; other files stay."""
    index_dir.mkdir(parents=True, exist_ok=True)
    old = Path(tempfile.mkdtemp(prefix=f".{index_dir.name}.old-", dir=index_dir.parent))
    try:
        # Old files aside first, then the new ones in with the TOC last: a reader opening the
        # directory in between finds no index (and retries), never a mix of two indexes.
        for item in index_dir.iterdir():
            if _WHOOSH_FILE.match(item.name):
                item.rename(old / item.name)
        tocs = sorted(staging.glob("*.toc"))
        for item in staging.iterdir():
            if item not in tocs:
                item.rename(index_dir / item.name)
        for item in tocs:
            item.rename(index_dir / item.name)
    finally:
        shutil.rmtree(old, ignore_errors=True)
