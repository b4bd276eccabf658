"""The Whoosh internals the writer relies on: the one module of the indexer that touches them.

Pinned to whoosh-reloaded 2.7.5 (setup.cfg), and held by tests/backends/whoosh/test_writer.py
(parallel builds equal to one-process builds, kills at each step, swaps under readers),
tests/backends/whoosh/test_internals.py (the files Whoosh's own writer writes) and
tests/backends/whoosh/test_legacy_index.py. What is used, and why:

- `SegmentWriter.add_document`'s body (`_check_state`, `_doc_boost`, `_field_boost`, `_check_fields`,
  `perdocwriter`, `docnum`), `PostingPool` (`runs`, `_new_run`, `_write_run`, `_add_run`, `items`, `limit`), the
  field writer's `_postfile`, `_tindex`, `_fieldid`, `_format` and `_postwriter` (for its `_blocklimit`,
  `_compression` and `_inlinelimit`), `W3TermInfo._struct` and the block layout W3PostingsWriter's
  `_write_block` writes: our text fields' postings are filed by term as documents come, and each term's
  blocks and term info are made at once (`_term_bytes`), not with a Python call per posting and
  Whoosh's writer and term-info objects per term (a third of the writes' time, then a sixth of the rest).
- `OrderedHashWriter.add`'s body (`dbfile`, `index`, `buckets`, `hashfn`, `lastkey`) and the record
  layout of `filetables._lengths`: the term table's rows are added with positions counted, not
  asked of the file twice per term (each `tell()` an lseek: 3 % of a one-process build).
- The compiled twin of the two hot paths above, `cpostings` (cpostings.c; setup.py builds it where
  there is a C compiler): a text's postings filed from its cut, and a field's blocks, term infos and
  term-table rows written, with the same bytes. The Python here is its fallback; test_internals.py
  holds both to Whoosh's own files, test_cpostings.py holds them to each other input by input.
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

import os
import re
import struct
import zlib
from array import array
from functools import lru_cache
from itertools import groupby
from operator import itemgetter
from pathlib import Path
from pickle import dumps
from typing import Callable

from whoosh import index as windex
from whoosh.codec.whoosh3 import (
    LENGTHS_COLUMN, WHOOSH3_HEADER_MAGIC, W3LeafMatcher, W3PostingsWriter, W3TermInfo, W3TermsReader, _lenfield,
)
from whoosh.analysis import IDTokenizer
from whoosh.fields import ID, TEXT, Schema
from whoosh.formats import Existence, Positions
from whoosh.system import pack_int, pack_long, pack_uint, pack_ushort
from whoosh.filedb.filestore import FileStorage
from whoosh.index import TOC, clean_files
from whoosh.util.numeric import byte_to_length, length_to_byte
from whoosh.writing import PostingPool, SegmentWriter

from indexer.normalize import fold
from indexer.segment import ChineseTokenizer, index_positions, subword_spans, tagged, wordlike

try:  # the compiled writer (setup.py builds it where there is a C compiler); else the Python below
    from indexer.backends.whoosh import cpostings
except ImportError:
    cpostings = None

INDEX_NAME = "MAIN"
WHOOSH_FILE = re.compile(r"^_?MAIN_")


class _Lengths:
    """Each document's field lengths, read once per field from the segment's length column.

    Whoosh's own reader answers `doc_field_length` by seeking into the column file for every
    posting it writes (1.8 s of a 1,000-page build, a fifth of its writes); the answers are the same."""

    def __init__(self, reader) -> None:
        self._reader = reader
        self._fields: dict[str, list | None] = {}

    def column(self, fieldname: str) -> list | None:
        """Every document's length of `fieldname` (None for 0), or None when the field has none."""
        if fieldname not in self._fields:
            column = self._reader._cached_reader(_lenfield(fieldname), LENGTHS_COLUMN)
            # byte 0 reads as None, as in W3PerDocReader.doc_field_length
            self._fields[fieldname] = None if column is None else [byte_to_length(b) if b else None for b in column]
        return self._fields[fieldname]


POSTING_SIZE = 150  # PostingPool.add's estimate of a posting's size in memory, less its field name, term and value


def _file_positions(terms: dict[bytes, list[tuple]], docnum: int, poses: dict[str, list[int]], field_boost: float,
                    boost: float) -> tuple[int, int, int]:
    """One document's words and their positions filed in `terms` as postings (Positions' encoding,
    weights times the boosts); returns the field's length, the bytes of the terms (twice) and values,
    and the number of postings (cpostings.add_positions is its compiled twin)."""
    length = size = count = 0
    for word, positions in poses.items():
        freq = len(positions)
        if freq == 1:
            encoded = one_position(positions[0])  # most terms of a page: one bytes object per position
        else:
            deltas = [positions[0]] + [b - a for a, b in zip(positions, positions[1:])]
            # formats.Positions: pack_uint(count) + the pickled position deltas
            encoded = pack_uint(freq) + dumps(deltas, 2)
        tbytes = word.encode("utf-8")
        length += freq
        count += 1
        posting = (docnum, float(freq) * field_boost * boost, encoded)
        postings = terms.get(tbytes)
        if postings is None:
            terms[tbytes] = [posting]
        else:
            postings.append(posting)
        size += 2 * len(tbytes) + len(encoded)
    return length, size, count


class _TermPool(PostingPool):
    """Whoosh's posting pool with each posting filed under its field and term as it comes, so that
    a segment sorts its terms, not every posting, and writes a term's postings at once
    (_write_postings). Postings come in document order (a writer numbers documents as they are
    added, a merged segment's after them), as Whoosh's sort would put them. Past the memory limit
    the postings go to a sorted run on disk, and are merged back, as in Whoosh's pool."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._fields: dict[str, dict[bytes, list[tuple]]] = {}

    def add(self, item: tuple) -> None:
        fieldname, tbytes, docnum, weight, vbytes = item
        terms = self._fields.get(fieldname)
        if terms is None:
            terms = self._fields[fieldname] = {}
        postings = terms.get(tbytes)
        if postings is None:
            terms[tbytes] = [(docnum, weight, vbytes)]
        else:
            postings.append((docnum, weight, vbytes))
        self.currentsize += POSTING_SIZE + len(fieldname) + 2 * len(tbytes) + (len(vbytes) if vbytes else 0)
        if self.currentsize > self.limit:
            self.save()

    def add_term(self, fieldname: str, tbytes: bytes, postings: list[tuple]) -> None:
        """File a term's postings, (docnum, weight, value bytes) each, after those filed before."""
        if not postings:
            return
        terms = self._fields.get(fieldname)
        if terms is None:
            terms = self._fields[fieldname] = {}
        found = terms.get(tbytes)
        if found is None:
            terms[tbytes] = postings
        else:
            found += postings
        self.currentsize += (len(postings) * (POSTING_SIZE + len(fieldname) + 2 * len(tbytes))
                             + sum(len(p[2]) for p in postings if p[2]))
        if self.currentsize > self.limit:
            self.save()

    def add_positions(self, fieldname: str, docnum: int, value: str, field_boost: float, boost: float) -> int:
        """File one document's postings of a text field with positions (what Positions.word_values
        gives over the analyzer's Token objects, made without them), weights times `boost`; returns
        the field's length (the sum of frequencies)."""
        terms = self._fields.get(fieldname)
        if terms is None:
            terms = self._fields[fieldname] = {}
        if cpostings is not None:
            # index_positions' cut, filed as it is read
            length, size, count = cpostings.add_tokens(terms, docnum, tagged(fold(value)), wordlike, subword_spans,
                                                       field_boost, boost)
        else:
            length, size, count = _file_positions(terms, docnum, index_positions(value), field_boost, boost)
        self.currentsize += size + count * (POSTING_SIZE + len(fieldname))
        if self.currentsize > self.limit:
            self.save()
        return length

    def _by_term_in_memory(self):
        for fieldname in sorted(self._fields):
            terms = self._fields[fieldname]
            for tbytes in sorted(terms):
                yield fieldname, tbytes, terms[tbytes]

    def _in_memory(self):
        for fieldname, tbytes, postings in self._by_term_in_memory():
            for docnum, weight, vbytes in postings:
                yield fieldname, tbytes, docnum, weight, vbytes

    def save(self) -> None:
        # SortingPool.save, streaming the postings already in order (no second copy of them all)
        if self._fields:
            path, run = self._new_run()
            self._write_run(run, self._in_memory())
            self._add_run(path)
        self._fields = {}
        self.currentsize = 0

    def iter_postings(self):
        if self.runs:
            self.save()
            return self.items()
        return self._in_memory()

    def by_term(self):
        """(field name, term bytes, [(docnum, weight, value bytes)]) in Whoosh's order."""
        if not self.runs:
            return self._by_term_in_memory()
        return ((fieldname, tbytes, [item[2:] for item in items])
                for (fieldname, tbytes), items in groupby(self.iter_postings(), key=itemgetter(0, 1)))


# Blocks whose pickle is shorter are written uncompressed: zlib saves nothing on them (1.99 MB of
# 28,655 such blocks in a 1,406-page segment came out at 1.96 MB) and cost 2/3 of its calls.
COMPRESS_FROM = 128
_TERM_INFO = W3TermInfo._struct


def _write_postings(fieldwriter, schema: Schema, lengths: _Lengths | None, pool: _TermPool) -> None:
    """FieldWriter.add_postings with each term's blocks, block infos and term info made at once
    (the compiled `cpostings.write_field`, else _term_bytes): the same files, without a Python call
    per posting or Whoosh's objects per term."""
    postfile, tindex = fieldwriter._postfile, fieldwriter._tindex
    offset = postfile.tell()
    for fieldname, group in groupby(pool.by_term(), key=itemgetter(0)):
        fieldwriter.start_field(fieldname, schema[fieldname])
        postwriter = fieldwriter._postwriter
        if type(postwriter) is not W3PostingsWriter or postwriter._inlinelimit > 1:
            raise TypeError(f"unexpected postings writer for {fieldname}: {postwriter!r}")
        limit, compression = postwriter._blocklimit, postwriter._compression
        values_size = fieldwriter._format.fixed_value_size()
        column = lengths.column(fieldname) if lengths is not None else None
        field_key = pack_ushort(fieldwriter._fieldid)
        terms = ((tbytes, postings) for _, tbytes, postings in group)
        if cpostings is not None and values_size in (None, 0) and tindex.hashtype in (0, 1):
            offset, _, tindex.lastkey, rows = cpostings.write_field(
                terms, field_key, column, limit, compression, values_size is None, offset, postfile.write,
                tindex.dbfile.write, tindex.dbfile.tell(), tindex.lastkey, tindex.buckets, tindex.hashtype)
            tindex.index.extend(rows)
        else:
            add_term = _term_adder(tindex)
            for tbytes, postings in terms:
                if postings[0][0] == -1:  # FieldWriter.add_postings: spelling words, not postings
                    postings = [p for p in postings if p[0] != -1]
                    if not postings:
                        continue
                data, info = _term_bytes(postings, column, limit, compression, values_size)
                postfile.write(data)
                add_term(field_key + tbytes, info + pack_long(offset) + pack_int(len(data)))
                offset += len(data)
        fieldwriter.finish_field()


_KEY_VALUE_LENGTHS = struct.Struct("!ii")  # whoosh.filedb.filetables._lengths


def _term_adder(tindex) -> Callable[[bytes, bytes], None]:
    """OrderedHashWriter.add for a term table nothing else writes to meanwhile: the same rows,
    index and buckets, with the file position counted instead of asked for."""
    index, buckets, hashfn, write = tindex.index, tindex.buckets, tindex.hashfn, tindex.dbfile.write
    pos = tindex.dbfile.tell()

    def add(key: bytes, value: bytes) -> None:
        nonlocal pos
        if key <= tindex.lastkey:
            raise ValueError(f"Keys must increase: {tindex.lastkey!r}..{key!r}")
        index.append(pos)
        write(_KEY_VALUE_LENGTHS.pack(len(key), len(value)) + key + value)
        h = hashfn(key)
        buckets[h & 255].append((h, pos))
        pos += _KEY_VALUE_LENGTHS.size + len(key) + len(value)
        tindex.lastkey = key

    return add


def _term_bytes(postings: list[tuple], column: list | None, limit: int, compression: int,
                values_size: int | None) -> tuple[bytes, bytes]:
    """One term's bytes in the postings file and its term info (W3TermInfo.to_bytes without the
    extent): what W3PostingsWriter.add_posting, _write_block and finish_postings write for
    `postings`, (docnum, weight, value bytes) each, with W3TermInfo's statistics."""
    chunks = [WHOOSH3_HEADER_MAGIC]
    total_weight = 0
    minlength = None
    maxlength = maxweight = 0
    count = len(postings)
    for start in range(0, count, limit):
        block = postings[start:start + limit]
        last = start + limit >= count
        ids = [p[0] for p in block]
        weights = array("f", [p[1] for p in block])
        n = len(ids)
        block_maxweight = max(0, max(p[1] for p in block))
        if column is not None:
            found = [length for length in (column[i] for i in ids) if length]
            block_min = min(found) if found else None
            block_max = max(found) if found else 0
        else:
            block_min, block_max = None, 0
        # W3TermInfo.add_block
        total_weight += sum(weights)
        if minlength is None:
            minlength = block_min
        else:
            minlength = min(minlength, block_min)
        maxlength = max(maxlength, block_max)
        maxweight = max(maxweight, block_maxweight)
        # W3PostingsWriter._mini_ids, _mini_weights, _mini_values
        deltas = tuple(b - a for a, b in zip([0] + ids, ids))
        if weights.count(1.0) == n:
            mini_weights = None
        elif weights.count(weights[0]) == n:
            mini_weights = weights[0]
        else:
            mini_weights = tuple(weights)
        if values_size is None:
            mini_values = tuple(p[2] for p in block if p[2])
        elif values_size == 0:
            mini_values = None
        else:
            mini_values = b"".join(p[2] for p in block if p[2])
        databytes = dumps((deltas, mini_weights, mini_values), 2)
        comp = compression if len(databytes) >= COMPRESS_FROM else 0
        if comp:
            databytes = zlib.compress(databytes, comp)
        infobytes = dumps((n, ids[-1], block_maxweight, comp, length_to_byte(block_min), length_to_byte(block_max)), 2)
        blocklength = len(infobytes) + len(databytes)
        chunks += (pack_int(-blocklength if last else blocklength), infobytes, databytes)
    info = _TERM_INFO.pack(False, total_weight, count, 0 if minlength is None else length_to_byte(minlength),
                           length_to_byte(maxlength), maxweight, postings[0][0], postings[-1][0])
    return b"".join(chunks), info


@lru_cache(maxsize=100_000)
def one_position(pos: int) -> bytes:
    """Positions' encoding of a term written once, at `pos`."""
    return pack_uint(1) + dumps([pos], 2)


def _fast_fields(schema: Schema) -> frozenset[str]:
    """The TEXT fields of our analyzer with positions: their postings come from _TermPool.add_positions."""
    return frozenset(name for name, field in schema.items()
                     if type(field) is TEXT and type(field.format) is Positions and isinstance(field.analyzer, ChineseTokenizer))


def _whole_value_fields(schema: Schema) -> frozenset[str]:
    """The ID fields indexing a value as it is (IDTokenizer, no filter): one term, the value, without frequency."""
    return frozenset(name for name, field in schema.items()
                     if type(field) is ID and type(field.analyzer) is IDTokenizer and type(field.format) is Existence)


class FastSegmentWriter(SegmentWriter):
    """Whoosh's SegmentWriter writing the same files, with the postings of our text fields made without
    Token objects and filed as they are encoded (_TermPool.add_positions), an ID field's one term
    filed without Whoosh's analyzer, and written a term at a time with the field lengths in memory
    (_write_postings)."""

    def __init__(self, ix, **options) -> None:
        super().__init__(ix, **options)
        self.pool = _TermPool(self._tempstorage, self.newsegment, limitmb=options.get("limitmb", 128))
        self._fast = _fast_fields(self.schema)
        self._whole = _whole_value_fields(self.schema)

    def add_document(self, **fields) -> None:
        """SegmentWriter.add_document of whoosh-reloaded 2.7.5, but for the branch of the fast fields."""
        self._check_state()
        perdocwriter = self.perdocwriter
        schema = self.schema
        docnum = self.docnum
        pool = self.pool
        docboost = self._doc_boost(fields)
        fieldnames = sorted(name for name in fields if not name.startswith("_"))
        self._check_fields(schema, fieldnames)
        perdocwriter.start_doc(docnum)
        try:
            for fieldname in fieldnames:
                value = fields.get(fieldname)
                if value is None:
                    continue
                field = schema[fieldname]
                length = 0
                if field.indexed:
                    fieldboost = self._field_boost(fields, fieldname, docboost)
                    if fieldname in self._fast and isinstance(value, str):
                        length = pool.add_positions(fieldname, docnum, value, field.format.field_boost, fieldboost)
                        if not field.scorable:
                            length = 0
                    elif fieldname in self._whole and isinstance(value, str):
                        # ID.index: Existence's word_values over IDTokenizer's one token
                        pool.add((fieldname, value.encode("utf-8"), docnum, field.format.field_boost * fieldboost, b""))
                    else:
                        scorable = field.scorable
                        for tbytes, freq, weight, vbytes in field.index(value):
                            if scorable:
                                length += freq
                            pool.add((fieldname, tbytes, docnum, weight * fieldboost, vbytes))
                if field.separate_spelling():
                    spellfield = field.spelling_fieldname(fieldname)
                    for word in field.spellable_words(value):
                        pool.add((spellfield, word.encode("utf-8"), 0, 1, None))
                if field.vector:
                    vitems = field.vector.word_values(value, field.analyzer, mode="index")
                    perdocwriter.add_vector_items(fieldname, field, sorted((t, w, v) for t, _, w, v in vitems))
                customval = fields.get(f"_stored_{fieldname}", value)
                perdocwriter.add_field(fieldname, field, customval if field.stored else None, length)
                column = field.column_type
                if column and customval is not None:
                    perdocwriter.add_column_value(fieldname, column, field.to_column_value(customval))
        except Exception:
            perdocwriter.cancel_doc()
            raise
        perdocwriter.finish_doc()
        self._added = True
        self.docnum += 1

    def add_postings_to_pool(self, reader, startdoc: int, docmap: dict | None) -> None:
        """SegmentWriter.add_postings_to_pool (a merged segment's postings) with the term table read
        in order and each term's postings read a block at a time and filed at once: the same
        postings, without a hash lookup and a matcher per term and four calls per posting (the
        regrouping commit's merge of a 743-document segment, 1.2 s of a build of the archive)."""
        terms_reader = getattr(reader, "_terms", None)
        if type(terms_reader) is not W3TermsReader:
            super().add_postings_to_pool(reader, startdoc, docmap)
            return
        schema, pool, codec = self.schema, self.pool, reader.codec()
        deleted = reader.deleted_docs_set
        for (fieldname, tbytes), terminfo in terms_reader.items():
            if fieldname not in schema:
                continue
            m = codec.postings_reader(terms_reader._postfile, terminfo, schema[fieldname].format, term=(fieldname, tbytes))
            found: list[tuple] = []
            if type(m) is W3LeafMatcher:
                while m.is_active():
                    m._read_ids()
                    m._read_weights()
                    m._read_values()
                    found += zip(m._ids, m._weights, m._values)
                    m._next_block()
            else:
                while m.is_active():
                    found.append((m.id(), m.weight(), m.value()))
                    m.next()
            if docmap is not None:
                found = [(docmap[d], w, v) for d, w, v in found if d not in deleted]
            else:
                found = [(startdoc + d, w, v) for d, w, v in found if d not in deleted]
            pool.add_term(fieldname, tbytes, found)

    def _flush_segment(self) -> None:
        self.perdocwriter.close()
        reader = self.per_document_reader() if self.codec.length_stats else None
        _write_postings(self.fieldwriter, self.schema, _Lengths(reader) if reader else None, self.pool)
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
