"""The compiled posting writer (cpostings.c) against the Python it replaces, input by input: a
term's blocks and term info (internals._term_bytes), the term table's rows and hashes (Whoosh's OrderedHashWriter), the
positions' encoding (pickle), and a text's postings (segment.index_positions). test_internals.py
holds whole segments of both writers to Whoosh's own files."""
from __future__ import annotations

import os
import random
import shutil
import subprocess
import sysconfig
from io import BytesIO
from pathlib import Path
from pickle import dumps

import pytest
from whoosh.filedb.filetables import OrderedHashWriter, _hash_functions
from whoosh.filedb.structfile import StructFile
from whoosh.system import pack_int, pack_long, pack_uint

from indexer.backends.whoosh import internals as W
from indexer.normalize import fold
from indexer.segment import index_positions, subword_spans, tagged, wordlike

cpostings = W.cpostings
compiled = pytest.mark.skipif(cpostings is None, reason="cpostings is not built here (no C compiler at install)")


def test_the_writer_is_compiled_where_it_can_be(tmp_path: Path) -> None:
    # What setup.py's extension needs: a C compiler, Python's headers and zlib's.
    compiler = (os.environ.get("CC") or sysconfig.get_config_var("CC") or "cc").split()[0]  # as setuptools picks it
    if shutil.which(compiler) is None:
        pytest.skip(f"no C compiler ({compiler}): the index is written by the Python writer")
    probe = tmp_path / "probe.c"
    probe.write_text("#include <Python.h>\n#include <zlib.h>\nint main(void) { return 0; }\n")
    found = subprocess.run([compiler, "-fsyntax-only", f"-I{sysconfig.get_paths()['include']}", str(probe)],
                           capture_output=True, text=True)
    if found.returncode:
        pytest.skip(f"{compiler} cannot compile against Python's and zlib's headers (python3-dev, zlib1g-dev?): "
                    f"{found.stderr.strip()[:200]}")
    assert cpostings is not None, "setup.py's extension was not built: run `pip install -e .` again and read its output"


def _postings(rng: random.Random, count: int, weights: str, values: str) -> list[tuple]:
    docnum, found = rng.randrange(0, 3), []
    for _ in range(count):
        if weights == "ones":
            weight = 1.0
        elif weights == "same":
            weight = 2.5
        else:
            weight = rng.choice([1.0, 2.0, 0.1, 3.3, 1e-3, 123456.789])
        if values == "none":
            value = b""
        else:
            size = rng.choice([5, 9, 14, 40, 300])  # past 255 bytes a Latin-1 text's length takes 4 bytes
            value = bytes(rng.randrange(256) for _ in range(size))
        found.append((docnum, weight, value))
        docnum += rng.choice([1, 1, 2, 300, 70_000])  # gaps of one byte, two and four
    return found


def _table() -> tuple[OrderedHashWriter, BytesIO]:
    raw = BytesIO()
    return OrderedHashWriter(StructFile(raw)), raw


def _write_field(items: list[tuple], table: OrderedHashWriter, written: list[bytes] | None = None,
                 field_key: bytes = b"\x00\x01", column: list | None = None, level: int = 3, values: bool = True,
                 offset: int = 0) -> tuple:
    """cpostings.write_field of `items` into `table`, blocks of 128, the postings file's bytes into `written`."""
    return cpostings.write_field(items, field_key, column, 128, level, values, offset,
                                 (written if written is not None else []).append, table.dbfile.write,
                                 table.dbfile.tell(), table.lastkey, table.buckets, table.hashtype)


def _one_term(postings: list[tuple], column: list | None, values: bool, offset: int = 17) -> tuple[bytes, bytes]:
    """cpostings.write_field's postings bytes and term-table row for one term."""
    written: list[bytes] = []
    table, raw = _table()
    start = raw.tell()
    _write_field([(b"term", postings)], table, written, b"\x00\x03", column, values=values, offset=offset)
    return b"".join(written), raw.getvalue()[start:]


@compiled
@pytest.mark.parametrize("count", [1, 2, 3, 4, 127, 128, 129, 300])
@pytest.mark.parametrize("weights", ["ones", "same", "mixed"])
@pytest.mark.parametrize("values", ["bytes", "none"])
@pytest.mark.parametrize("lengths", [True, False])
def test_a_terms_bytes_are_the_python_writers(count: int, weights: str, values: str, lengths: bool) -> None:
    rng = random.Random(f"{count}{weights}{values}{lengths}")
    postings = _postings(rng, count, weights, values)
    column = None
    if lengths:
        # a document with a posting has a length; the others' None or 0 are never read
        column = [rng.choice([None, 0]) for _ in range(postings[-1][0] + 1)]
        for docnum, _, _ in postings:
            column[docnum] = rng.choice([1, 5, 80, 4000, 200_000])
    data, row = _one_term(postings, column, values == "bytes")
    expected, info = W._term_bytes(postings, column, 128, 3, None if values == "bytes" else 0)
    assert data == expected
    key = b"\x00\x03term"
    assert row == W._KEY_VALUE_LENGTHS.pack(len(key), 35) + key + info + pack_long(17) + pack_int(len(expected))


@compiled
def test_a_value_met_before_in_a_block_is_referred_back_to() -> None:
    # as pickle's memo does: the shared one-position objects of a title's first words
    shared = [b"\x00\x00\x00\x01\x80\x02]q\x00K\x00a.", b"\x00\x00\x00\x01\x80\x02]q\x00K\x01a."]
    postings = [(n, 1.0, shared[n % 2] if n % 3 else bytes(bytearray(shared[0]))) for n in range(300)]
    data, _ = _one_term(postings, None, True)
    assert data == W._term_bytes(postings, None, 128, 3, None)[0]
    assert len(data) < len(W._term_bytes([(d, w, bytes(bytearray(v))) for d, w, v in postings], None, 128, 3, None)[0])


@compiled
def test_spelling_only_postings_are_left_out() -> None:
    # FieldWriter.add_postings: docnum -1 marks a spelling word, not a posting
    postings = [(-1, 1.0, b""), (4, 1.0, b"x" * 9), (-1, 1.0, b""), (7, 2.0, b"y" * 9)]
    data, _ = _one_term(postings, None, True)
    assert data == W._term_bytes([postings[1], postings[3]], None, 128, 3, None)[0]
    assert _one_term([(-1, 1.0, b"")], None, True) == (b"", b"")


@compiled
@pytest.mark.parametrize("hashtype", [0, 1])
def test_the_term_table_is_whooshs(hashtype: int) -> None:
    rng = random.Random(hashtype)
    words = sorted({"".join(rng.choice("质量月活动abc1") for _ in range(rng.randrange(1, 40))).encode() for _ in range(500)})
    items = [(word, [(n, 1.0, b"\x00\x00\x00\x01\x80\x02]q\x00K\x05a.")]) for n, word in enumerate(words)]
    ours, raw = _table()
    theirs, their_raw = _table()
    ours.hashtype = theirs.hashtype = hashtype  # 0: MD5, Whoosh's default; 1: CRC-32
    theirs.hashfn = _hash_functions[hashtype]
    postfile: list[bytes] = []
    offset, position, lastkey, rows = _write_field(items, ours, postfile)
    ours.lastkey = lastkey
    ours.index.extend(rows)
    add = W._term_adder(theirs)
    where = 0
    for word, postings in items:
        data, info = W._term_bytes(postings, None, 128, 3, None)
        add(b"\x00\x01" + word, info + pack_long(where) + pack_int(len(data)))
        where += len(data)
    assert (offset, position) == (where, their_raw.tell()) and offset == len(b"".join(postfile))
    assert raw.getvalue() == their_raw.getvalue()
    assert ours.buckets == theirs.buckets and list(ours.index) == list(theirs.index) and ours.lastkey == theirs.lastkey


@compiled
def test_keys_must_increase() -> None:
    table, _ = _table()
    items = [(b"b", [(0, 1.0, b"v" * 9)]), (b"a", [(1, 1.0, b"v" * 9)])]
    with pytest.raises(ValueError, match="Keys must increase"):
        _write_field(items, table)


@compiled
@pytest.mark.parametrize("level", [-1, 0, 1, 9])
def test_any_zlib_level_compresses_as_zlib_does(level: int) -> None:
    postings = _postings(random.Random(level), 128, "mixed", "bytes")
    written: list[bytes] = []
    table, _ = _table()
    _write_field([(b"t", postings)], table, written, level=level)
    assert b"".join(written) == W._term_bytes(postings, None, 128, level, None)[0]


@compiled
@pytest.mark.parametrize("posting", [(1, 1.0, "text"), (1.0, 1.0, b"x" * 9), (1, "1", b"x" * 9), (True, 1.0, b"x" * 9)],
                         ids=["str value", "float docnum", "str weight", "bool docnum"])
def test_a_posting_of_other_types_is_refused(posting: tuple) -> None:
    table, _ = _table()
    with pytest.raises(TypeError, match="a posting is"):
        _write_field([(b"t", [posting])], table)
    assert table.buckets == [[] for _ in range(256)]


@compiled
@pytest.mark.parametrize("positions", [[0], [5], [70_000], [0, 1], [3, 300, 70_000, 2**31 - 1], list(range(0, 5003, 5))],
                         ids=["zero", "one", "far", "two", "wide", "batches"])
def test_positions_are_encoded_as_pickle_encodes_them(positions: list[int]) -> None:
    terms: dict = {}
    length, size, count = cpostings.add_positions(terms, 9, {"词": positions}, 1.0, 2.0)
    deltas = [positions[0]] + [b - a for a, b in zip(positions, positions[1:])]
    encoded = pack_uint(len(positions)) + dumps(deltas, 2)
    assert terms == {"词".encode(): [(9, float(len(positions)) * 2.0, encoded)]}
    assert (length, size, count) == (len(positions), 2 * 3 + len(encoded), 1)


TEXT = ("上海市质量协会开展2023年“质量月”活动，中国质量协会和国家市场监督管理总局发布QC小组成果。"
        "質量月期间，全国质量月活动在北京、上海举行，ISO9001 质量管理体系认证企业参加。") * 3


@compiled
def test_a_texts_postings_are_index_positions_filed() -> None:
    ours: dict = {}
    theirs: dict = {}
    got = cpostings.add_tokens(ours, 4, tagged(fold(TEXT)), wordlike, subword_spans, 1.0, 1.0)
    expected = cpostings.add_positions(theirs, 4, index_positions(TEXT), 1.0, 1.0)
    assert got == expected and ours == theirs
    python: dict = {}
    assert W._file_positions(python, 4, index_positions(TEXT), 1.0, 1.0) == expected and python == theirs
    assert b"\xe8\xb4\xa8\xe9\x87\x8f" in ours  # 质量, a sub-word of 质量协会 and of 质量月
