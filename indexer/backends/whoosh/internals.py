"""The Whoosh internals the writer relies on: the one module of the indexer that touches them.

Pinned to whoosh-reloaded 2.7.5 (setup.cfg), and held by tests/backends/whoosh/test_writer.py
(parallel builds equal to one-process builds, kills at each step, swaps under readers) and
tests/backends/whoosh/test_legacy_index.py. What is used, and why:

- `SegmentWriter(ix, _lk=False)`, `_finalize_segment()`, `_added`, `pool.currentsize`,
  `_close_segment()`, `newsegment`: the sub-writer protocol of whoosh.multiproc, without its
  process pool. Each worker process writes segments of its own without the lock and hands them
  to the parent, which commits them all at once (`_merge_segments`, `_commit_toc`, `_finish`:
  SegmentWriter.commit with the workers' segments added). A worker starts a new segment when
  its in-memory postings near the writer's limit rather than letting Whoosh spill and merge.
- `TOC._latest_generation`, `TOC.read`, `TOC.write`, `TOC._pattern`, `TOC._segment_pattern`:
  a rebuild written in a staging folder is swapped in as the index's next generation in one
  atomic step, and the files no generation refers to (a killed writer's) are found and removed.
- The TOC file names `_MAIN_<generation>.toc`: a reader notices a new commit or a swapped-in
  rebuild by the newest one's name, inode and modification time, without opening the index.
"""
from __future__ import annotations

import copy
import os
import re
from pathlib import Path
from pickle import dumps

from whoosh import index as windex
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, _lenfield
from whoosh.fields import TEXT, Schema
from whoosh.formats import Positions
from whoosh.system import pack_uint
from whoosh.filedb.filestore import FileStorage
from whoosh.index import TOC, clean_files
from whoosh.util.numeric import byte_to_length
from whoosh.writing import SegmentWriter

from indexer.segment import ChineseTokenizer, analyze

INDEX_NAME = "MAIN"
WHOOSH_FILE = re.compile(r"^_?MAIN_")


class _Lengths:
    """Each document's field lengths, read once per field from the segment's length column.

    Whoosh's own reader answers `doc_field_length` by seeking into the column file for every
    posting it writes (1.8 s of a 1,000-page build, a fifth of its writes); the answers are the same."""

    def __init__(self, reader) -> None:
        self._reader = reader
        self._fields: dict[str, list | None] = {}

    def doc_field_length(self, docnum: int, fieldname: str, default: int = 0):
        if fieldname not in self._fields:
            column = self._reader._cached_reader(_lenfield(fieldname), LENGTHS_COLUMN)
            # byte 0 reads as None, as in W3PerDocReader.doc_field_length
            self._fields[fieldname] = None if column is None else [byte_to_length(b) if b else None for b in column]
        lengths = self._fields[fieldname]
        return default if lengths is None else lengths[docnum]


class _FastText(TEXT):
    """A TEXT field of our analyzer with positions, whose postings come straight from
    indexer.segment.analyze: the same (term bytes, frequency, weight, positions) as Positions.word_values
    over the analyzer's Token objects, without them (0.65 ms less per page on the news archive)."""

    def index(self, value, **kwargs):
        if not isinstance(value, str):
            return super().index(value, **kwargs)
        return _positions_postings(value, self.format.field_boost)


def _positions_postings(value: str, field_boost: float) -> list[tuple[bytes, int, float, bytes]]:
    poses: dict[str, list[int]] = {}
    for tok in analyze(value, index_mode=True):
        found = poses.get(tok.text)
        if found is None:
            poses[tok.text] = [tok.pos]
        else:
            found.append(tok.pos)
    out = []
    for word, positions in poses.items():
        deltas = [positions[0]] + [b - a for a, b in zip(positions, positions[1:])]
        # formats.Positions: weight the sum of token boosts (1.0 each), encoded as pack_uint(n) + pickle
        out.append((word.encode("utf-8"), len(positions), float(len(positions)) * field_boost,
                    pack_uint(len(deltas)) + dumps(deltas, 2)))
    return out


def _fast_schema(schema: Schema) -> Schema:
    """A copy of `schema` whose TEXT fields of our analyzer index through _FastText."""
    fast = copy.copy(schema)
    fast._fields = dict(schema._fields)
    for name, field in schema._fields.items():
        if type(field) is TEXT and type(field.format) is Positions and isinstance(field.analyzer, ChineseTokenizer):
            clone = copy.copy(field)
            clone.__class__ = _FastText
            fast._fields[name] = clone
    return fast


class FastSegmentWriter(SegmentWriter):
    """Whoosh's SegmentWriter writing the same files, with the postings of text fields made without
    Token objects and field lengths kept in memory while the postings are written."""

    def add_document(self, **fields) -> None:
        # The fast fields only while a document is added: the schema the commit pickles is the real one.
        schema = self.schema
        fast = getattr(self, "_fast", None)
        if fast is None or fast[0] is not schema:
            fast = self._fast = (schema, _fast_schema(schema))
        self.schema = fast[1]
        try:
            super().add_document(**fields)
        finally:
            self.schema = schema

    def _flush_segment(self) -> None:
        self.perdocwriter.close()
        reader = self.per_document_reader() if self.codec.length_stats else None
        self.fieldwriter.add_postings(self.schema, _Lengths(reader) if reader else None, self.pool.iter_postings())
        self.fieldwriter.close()
        if reader:
            reader.close()


def writer(ix: windex.Index, **options) -> SegmentWriter:
    """The index's writer (it takes the write lock), as `ix.writer(**options)` gives."""
    return FastSegmentWriter(ix, **options)


def sub_writer(ix: windex.Index, **options) -> SegmentWriter:
    """A writer of segments for the parent to commit: no lock, no TOC of its own."""
    return FastSegmentWriter(ix, _lk=False, **options)


def pending_bytes(writer: SegmentWriter) -> int:
    """Bytes of postings the writer holds in memory."""
    return writer.pool.currentsize


def has_documents(writer: SegmentWriter) -> bool:
    """True when the writer's current segment has documents."""
    return bool(writer._added)


def finish_segment(writer: SegmentWriter):
    """Write the current segment's files and return the segment (the writer is then done)."""
    return writer._finalize_segment()


def segment_id(writer: SegmentWriter) -> str:
    """The id of the segment a writer is writing (its files' names hold it)."""
    return writer.newsegment.segment_id()


def remove_segment_files(storage, segid: str) -> None:
    """Remove every file of one segment."""
    for name in list(storage.list()):
        if segid in name:
            storage.delete_file(name)


def discard(writer: SegmentWriter) -> None:
    """Close a sub-writer and remove its segment files; the shared temp storage stays."""
    writer._close_segment()
    remove_segment_files(writer.storage, segment_id(writer))


def commit_with(writer: SegmentWriter, segments: list) -> None:
    """Commit the writer together with finished segments (SegmentWriter.commit plus them)."""
    if not segments:
        writer.commit()
        return
    final = writer._merge_segments(None, None, None)
    final.extend(segments)
    if writer._added:
        final.append(writer._finalize_segment())
    else:
        writer._close_segment()
    writer._commit_toc(final)
    writer._finish()


def latest_generation(index_dir: Path) -> int:
    """The newest generation of the index in `index_dir` (-1 when there is none)."""
    return TOC._latest_generation(FileStorage(str(index_dir)), INDEX_NAME)


def unreferenced(index_dir: Path) -> list[str]:
    """Segment files no generation refers to (a killed writer's), and TOCs of older generations."""
    storage = FileStorage(str(index_dir))
    generation = TOC._latest_generation(storage, INDEX_NAME)
    if generation < 0:
        return []
    keep = {segment.segment_id() for segment in TOC.read(storage, INDEX_NAME, generation).segments}
    toc, seg = TOC._pattern(INDEX_NAME), TOC._segment_pattern(INDEX_NAME)
    found = []
    for name in storage.list():
        toc_match, seg_match = toc.match(name), seg.match(name)
        if (toc_match and int(toc_match.group(1)) != generation) or (seg_match and seg_match.group(1) not in keep):
            found.append(name)
    return found


def swap_in(staging: Path, index_dir: Path) -> None:
    """Make the index in `staging` the next generation of `index_dir`, in one atomic step.

    Segment files have unique names, so the new ones are moved in beside the old ones; then
    the new TOC is written under the next generation number (Whoosh writes a TOC to a temporary
    file and renames it): a reader, whatever moment it opens, finds the old generation with all
    its files or the new one with all its files. Old files go only after that.
    """
    old = FileStorage(str(index_dir))
    new = FileStorage(str(staging))
    generation = TOC._latest_generation(old, INDEX_NAME)
    toc = TOC.read(new, INDEX_NAME)
    for name in new.list():
        if not name.startswith(f"_{INDEX_NAME}_"):  # segment files; the staging TOC stays behind
            os.replace(staging / name, index_dir / name)
    toc.generation = generation + 1
    toc.write(old, INDEX_NAME)
    clean_files(old, INDEX_NAME, toc.generation, toc.segments)


def newest_toc(index_dir: Path) -> Path | None:
    """The TOC file of the newest generation, or None (no index, or mid-swap)."""
    tocs = sorted(index_dir.glob(f"_{INDEX_NAME}_*.toc"), key=lambda p: int(p.stem.rsplit("_", 1)[-1]))
    return tocs[-1] if tocs else None


def staging_toc_leftovers(index_dir: Path) -> list[Path]:
    """Temporary TOC files a writer killed while writing its TOC left in `index_dir`."""
    return list(index_dir.glob(f"_{INDEX_NAME}_*.toc.*"))
