"""The fast writer (internals.FastSegmentWriter) writes the very files Whoosh's own SegmentWriter
writes for the same documents (in memory, spilled to disk past its memory limit, and merging
segments) but for two things that read back the same: short posting blocks are left uncompressed,
and a position written once is one bytes object that pickle may write once per block. Both writers
are held to it, the compiled one (cpostings) and the Python one it falls back to, and to each other.
Generated pages make the common words' postings run over several blocks."""
from __future__ import annotations

import re
import zlib
from collections.abc import Iterator
from pathlib import Path
from pickle import dumps

import pytest
from whoosh import index as windex
from whoosh.codec.whoosh3 import WHOOSH3_HEADER_MAGIC, W3PostingsWriter
from whoosh.util.numeric import length_to_byte
from whoosh.writing import SegmentWriter

from conftest import copy_sample_corpus
from indexer import fields as F
from indexer.backends.whoosh import internals as W
from indexer.backends.whoosh.schema import build_schema
from indexer.build import build_one
from indexer.parse import walk_corpus

SEGMENT_FILE = re.compile(r"^MAIN_[a-z0-9]+(\..+)$")
GENERATED = 300  # pages: 质量, 活动… in every one of them run over three blocks of 128 postings, 燎原 over two full ones


def _short_blocks_write_block(self, last: bool = False) -> None:
    """W3PostingsWriter._write_block writing blocks under internals.COMPRESS_FROM bytes uncompressed,
    as its own comment intends ("If the pickle is less than 20 bytes, don't bother compressing")."""
    if not self._blockcount:
        self._postfile.write(WHOOSH3_HEADER_MAGIC)
    self._terminfo.add_block(self)
    databytes = dumps((self._mini_ids(), self._mini_weights(), self._mini_values()), 2)
    comp = self._compression if len(databytes) >= W.COMPRESS_FROM else 0
    if comp:
        databytes = zlib.compress(databytes, comp)
    ids = self._ids
    infobytes = dumps((len(ids), ids[-1], self._maxweight, comp, length_to_byte(self._minlength),
                       length_to_byte(self._maxlength)), 2)
    blocklength = len(infobytes) + len(databytes)
    self._postfile.write_int(-blocklength if last else blocklength)
    self._postfile.write(infobytes)
    self._postfile.write(databytes)
    self._blockcount += 1
    self._new_block()


@pytest.fixture(scope="module")
def documents(tmp_path_factory: pytest.TempPathFactory) -> list[dict]:
    root = copy_sample_corpus(tmp_path_factory.mktemp("fast") / "corpus")
    units = ["市场监管局", "质量协会", "标准化研究院", "计量测试所", "检验检测中心"]
    for n in range(GENERATED):
        unit = units[n % len(units)]
        words = "、".join(f"第{k}项" for k in range(n % 7 + 1))  # field lengths of every size
        (root / f"generated_{n:03d}.txt").write_text(
            f"{unit}开展第{n}次质量月活动\n\n{2000 + n % 25}年9月，{unit}开展质量月活动，完成{words}质量提升任务。"
            + "质量是企业的生命。" * (n % 4) + ("星火燎原。" if n < 2 * 128 else ""), encoding="utf-8")
    docs = [build_one(root, path, [], [], None) for path in walk_corpus(root)]
    return [doc.fields() for doc in docs if doc is not None]


def _segment_files(index_dir: Path) -> list[dict[str, bytes]]:
    """Each segment's files by their suffix (the names carry random segment ids), in segment order."""
    ix = windex.open_dir(str(index_dir))
    segments = []
    for segment in ix._segments():
        segid = segment.segment_id()
        files = {}
        for path in index_dir.iterdir():
            match = SEGMENT_FILE.match(path.name)
            if match and segid in path.name:
                files[match.group(1)] = path.read_bytes()
        segments.append(files)
    return segments


def _build(index_dir: Path, make_writer, documents: list[dict], spill: bool = False, merge: bool = False) -> None:
    index_dir.mkdir()
    ix = windex.create_in(str(index_dir), build_schema())
    batches = [documents[: len(documents) // 2], documents[len(documents) // 2 :]] if merge else [documents]
    for batch in batches:
        writer = make_writer(ix)
        if spill:
            writer.pool.limit = 4096  # a run on disk every few dozen postings
        for fields in batch:
            writer.add_document(**fields)
        if batch is not batches[0]:  # the merged segment has deletions: its documents are renumbered
            for fields in batches[0][::7]:
                writer.delete_by_term(F.ID_, fields[F.ID_])
        assert bool(writer.pool.runs) == spill  # sorted runs on disk only when the limit was passed
        writer.commit(optimize=merge and batch is batches[-1])


@pytest.fixture(params=["compiled", "python"])
def implementation(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """The compiled posting writer, or the Python writer it falls back to without a C compiler."""
    if request.param == "compiled" and W.cpostings is None:
        pytest.skip("cpostings is not built here (no C compiler at install): test_cpostings.py says whether it should be")
    if request.param == "python":
        monkeypatch.setattr(W, "cpostings", None)
    return request.param


@pytest.fixture
def fresh_positions() -> Iterator[None]:
    """Every position written once a bytes object of its own, as Whoosh's own writer makes them."""
    shared = W.cpostings.share_positions(False) if W.cpostings is not None else None
    yield
    if W.cpostings is not None:
        W.cpostings.share_positions(shared)


@pytest.mark.parametrize("spill, merge", [(False, False), (True, False), (False, True)], ids=["memory", "spilled", "merged"])
def test_the_fast_writer_writes_whooshs_files(documents: list[dict], tmp_path: Path, spill: bool, merge: bool,
                                              implementation: str, fresh_positions: None,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    # Whoosh's own writer with short blocks left uncompressed, and ours without the shared objects.
    monkeypatch.setattr(W3PostingsWriter, "_write_block", _short_blocks_write_block)
    monkeypatch.setattr(W, "one_position", W.one_position.__wrapped__)
    _build(tmp_path / "whoosh", lambda ix: SegmentWriter(ix, compound=False), documents, spill, merge)
    _build(tmp_path / "fast", lambda ix: W.writer(ix, compound=False), documents, spill, merge)
    whoosh, fast = _segment_files(tmp_path / "whoosh"), _segment_files(tmp_path / "fast")
    assert len(whoosh) == len(fast) == 1
    assert set(whoosh[0]) == set(fast[0]) and {".pst", ".trm"} <= set(fast[0])
    for suffix in sorted(whoosh[0]):
        assert fast[0][suffix] == whoosh[0][suffix], suffix


@pytest.mark.skipif(W.cpostings is None, reason="cpostings is not built here (no C compiler at install)")
@pytest.mark.parametrize("spill, merge", [(False, False), (True, False), (False, True)], ids=["memory", "spilled", "merged"])
def test_the_compiled_writer_writes_the_python_writers_files(documents: list[dict], tmp_path: Path, spill: bool,
                                                             merge: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    # With the shared one-position objects of both: a value met before in a block is a reference.
    _build(tmp_path / "compiled", lambda ix: W.writer(ix, compound=False), documents, spill, merge)
    monkeypatch.setattr(W, "cpostings", None)
    _build(tmp_path / "python", lambda ix: W.writer(ix, compound=False), documents, spill, merge)
    compiled, python = _segment_files(tmp_path / "compiled"), _segment_files(tmp_path / "python")
    assert len(compiled) == len(python) == 1 and set(compiled[0]) == set(python[0])
    for suffix in sorted(compiled[0]):
        assert compiled[0][suffix] == python[0][suffix], suffix


def _postings(index_dir: Path) -> dict[tuple[str, bytes], tuple]:
    """Every term's document numbers, weights, values and statistics, as Whoosh reads them."""
    found = {}
    with windex.open_dir(str(index_dir)).reader() as reader:
        for fieldname, tbytes in reader.all_terms():
            info = reader.term_info(fieldname, tbytes)
            matcher = reader.postings(fieldname, tbytes)
            rows = []
            while matcher.is_active():
                rows.append((matcher.id(), matcher.weight(), matcher.value()))
                matcher.next()
            found[fieldname, tbytes] = (rows, info.weight(), info.doc_frequency(), info.min_length(),
                                        info.max_length(), info.max_weight(), info.min_id(), info.max_id())
    return found


@pytest.mark.parametrize("spill, merge", [(False, False), (True, False), (False, True)], ids=["memory", "spilled", "merged"])
def test_what_the_fast_writer_writes_reads_as_whooshs(documents: list[dict], tmp_path: Path, spill: bool, merge: bool,
                                                      implementation: str) -> None:
    _build(tmp_path / "whoosh", lambda ix: SegmentWriter(ix, compound=False), documents, spill, merge)
    _build(tmp_path / "fast", lambda ix: W.writer(ix, compound=False), documents, spill, merge)
    whoosh, fast = _postings(tmp_path / "whoosh"), _postings(tmp_path / "fast")
    assert len(fast) > 1000 and fast == whoosh
    assert max(len(rows) for rows, *_ in fast.values()) > 2 * 128  # terms of three blocks
    if not merge:  # (a merge drops the deleted documents)
        assert len(fast["text", "燎原".encode()][0]) == 2 * 128  # and of two full ones
    (whoosh_pst,), (fast_pst,) = [list((tmp_path / name).glob("*.pst")) for name in ("whoosh", "fast")]
    assert fast_pst.read_bytes() != whoosh_pst.read_bytes()  # the files differ; what they say does not
