"""Word 97-2003 / WPS binary files: list.doc (made by LibreOffice) as paragraphs and tables."""
from __future__ import annotations

import random
import shutil
import struct
from pathlib import Path

import olefile
import pytest

from conftest import FIXTURES
from indexer.formats import ole
from indexer.formats.model import AttachmentError, Table
from indexer.formats.ole import read_doc

ATTACHMENTS = FIXTURES / "attachments"
LIST_DOC = ATTACHMENTS / "list.doc"
ENCRYPTED_DOC = ATTACHMENTS / "list_encrypted.doc"
TITLE = "关于公布2023年度质量信得过班组名单的通知"
HEADER = ["序号", "单位名称", "班组名称", "等级"]
ROWS = [
    ["1", "甲乙精密机械有限公司", "数控车削班", "一等"],
    ["2", "丙丁电子科技有限公司", "表面贴装二班", "一等"],  # 等级 merged with the row above
    ["3", "戊己化工股份有限公司", "理化检验班（第二车间）", "二等"],  # a cell of two paragraphs
    ["4", "庚辛食品有限公司", "包装班", "三等"],
]
PARAGRAPHS = [
    TITLE,
    "各有关单位：",
    "经单位申报、专家评审和公示，现将2023年度质量信得过班组名单予以公布。希望受表彰的班组珍惜荣誉，持续开展质量改进活动。",
    "评审办法详见协会网站评审办法，请各单位查阅。",
    "本页为第1页。",
    "甲市质量管理协会（虚构）2023年12月1日",
    "附件说明如下。",
    "附件：评审说明",
    "评审分为材料审查和现场验证两个阶段，得分在90分以上的班组评为一等。",
]


def _all_text(blocks: list[str | Table]) -> str:
    parts = []
    for block in blocks:
        if isinstance(block, Table):
            parts += [cell for row in [block.header, *block.rows] for cell in row]
        else:
            parts.append(block)
    return "\n".join(parts)


def _patched(tmp_path: Path, stream: str, patch: dict[int, bytes]) -> bytes:
    """list.doc with bytes of one stream overwritten (same size) through olefile's write mode."""
    path = tmp_path / "patched.doc"
    shutil.copyfile(LIST_DOC, path)
    with olefile.OleFileIO(str(path), write_mode=True) as doc:
        data = bytearray(doc.openstream(stream).read())
        for offset, value in patch.items():
            data[offset:offset + len(value)] = value
        doc.write_stream(stream, bytes(data))
    return path.read_bytes()


def _fib_pair(index: int) -> tuple[int, int, int]:
    """(offset in WordDocument, fc, lcb) of FibRgFcLcb97 pair `index` of list.doc."""
    with olefile.OleFileIO(str(LIST_DOC)) as doc:
        word = doc.openstream("WordDocument").read()
    csw = struct.unpack_from("<H", word, 32)[0]
    cslw = struct.unpack_from("<H", word, 34 + 2 * csw)[0]
    at = 34 + 2 * csw + 2 + 4 * cslw + 2 + 8 * index
    return at, *struct.unpack_from("<II", word, at)


def test_paragraphs_table_and_title_in_reading_order() -> None:
    extracted = read_doc(LIST_DOC.read_bytes())
    assert extracted.title == TITLE
    assert extracted.pages == 0
    assert [b for b in extracted.blocks if isinstance(b, str)] == PARAGRAPHS
    kinds = ["table" if isinstance(b, Table) else b for b in extracted.blocks]
    assert kinds == [*PARAGRAPHS[:3], "table", *PARAGRAPHS[3:]]
    (table,) = extracted.tables()
    assert table.header == HEADER
    assert table.rows == ROWS


def test_fields_keep_their_result_only_and_other_stories_stay_out() -> None:
    text = _all_text(read_doc(LIST_DOC.read_bytes()).blocks)
    assert "协会网站评审办法" in text  # the HYPERLINK field's result
    for instruction in ("HYPERLINK", "example.org", "PAGE"):
        assert instruction not in text
    assert "页脚专有文字" not in text  # the footer is a separate story after ccpText
    assert not any(ch in text for ch in "\x01\x07\x0b\x0c\x13\x14\x15\xa0")


def test_same_bytes_as_wps_read_the_same(tmp_path: Path) -> None:
    wps = tmp_path / "list.wps"
    shutil.copyfile(LIST_DOC, wps)
    assert read_doc(wps.read_bytes()) == read_doc(LIST_DOC.read_bytes())


def test_without_paragraph_properties_the_text_alone_gives_the_table(tmp_path: Path) -> None:
    # lcbPlcfBtePapx = 0: cells and rows from the \x07 marks only, the merge by the heuristic.
    at, _, _ = _fib_pair(13)
    data = _patched(tmp_path, "WordDocument", {at + 4: b"\0\0\0\0"})
    extracted = read_doc(data)
    (table,) = extracted.tables()
    assert table.header == HEADER
    assert table.rows == ROWS
    assert [b for b in extracted.blocks if isinstance(b, str)] == PARAGRAPHS


def test_special_characters_and_nested_fields() -> None:
    text = ("标题\x0c第二\x1e段\x1f落\xa0A\x0bB\r"
            "\x13 REF x \x13 PAGE \x142\x15 \x14结果\x01\x15尾\x08\r"
            "关于\x0b通知\r")
    no_props = ole._Props(b"", b"", b"", 0, 0, [])
    assert ole._blocks(text, no_props) == ["标题", "第二-段落 A B", "结果尾", "关于通知"]


def test_without_properties_an_empty_cell_is_told_from_the_row_mark_by_the_width() -> None:
    text = "序号\x07名称\x07等级\x07\x071\x07\x07甲\x07\x072\x07乙\x07\x07\x07后文\r"
    no_props = ole._Props(b"", b"", b"", 0, 0, [])
    blocks = ole._blocks(text, no_props)
    # Row 1's empty 名称 stays empty (the cell above is the header); row 2's 等级 is filled.
    assert blocks == [Table(["序号", "名称", "等级"], [["1", "", "甲"], ["2", "乙", "甲"]]), "后文"]


def test_compressed_pieces_are_cp1252() -> None:
    word = b"xx" + "Café “quoted” – 1€\r".encode("cp1252")
    piece = ole._Piece(cp_start=0, cp_end=19, offset=2, compressed=True)
    assert ole._decode_piece(word, piece, 19) == "Café “quoted” – 1€\r"


def test_encrypted_doc_fails_with_a_reason() -> None:
    if not ENCRYPTED_DOC.exists():
        pytest.skip("no encrypted fixture: LibreOffice could not write one")
    with pytest.raises(AttachmentError) as caught:
        read_doc(ENCRYPTED_DOC.read_bytes())
    assert caught.value.status == "failed"
    assert "加密" in str(caught.value)


@pytest.mark.parametrize("flags", [0x0100, 0x8100], ids=["rc4", "xor"])
def test_encryption_flags_in_the_fib_fail(tmp_path: Path, flags: int) -> None:
    with olefile.OleFileIO(str(LIST_DOC)) as doc:
        current = struct.unpack_from("<H", doc.openstream("WordDocument").read(), 0x0A)[0]
    data = _patched(tmp_path, "WordDocument", {0x0A: struct.pack("<H", current | flags)})
    with pytest.raises(AttachmentError, match="加密") as caught:
        read_doc(data)
    assert caught.value.status == "failed"


def test_piece_outside_the_stream_fails(tmp_path: Path) -> None:
    _, fc_clx, lcb_clx = _fib_pair(33)
    with olefile.OleFileIO(str(LIST_DOC)) as doc:
        table_stream = "1Table" if doc.exists("1Table") else "0Table"
        clx = doc.openstream(table_stream).read()[fc_clx:fc_clx + lcb_clx]
    assert clx[0] == 0x02  # LibreOffice writes no Prc: the Pcdt comes first
    count = (struct.unpack_from("<I", clx, 1)[0] - 4) // 12
    fc_at = fc_clx + 5 + 4 * (count + 1) + 2  # the first PCD's fc
    data = _patched(tmp_path, table_stream, {fc_at: struct.pack("<I", 0x3FFFFF00)})
    with pytest.raises(AttachmentError, match="超出") as caught:
        read_doc(data)
    assert caught.value.status == "failed"


def _broken_inputs() -> list[tuple[str, bytes]]:
    good = LIST_DOC.read_bytes()
    noise = random.Random(7).randbytes(8192)
    return [
        ("truncated", good[: len(good) // 2]),
        ("truncated-header", good[:600]),
        ("random", noise),
        ("random-with-ole-magic", olefile.MAGIC + noise),
        ("empty", b""),
        ("xls", (ATTACHMENTS / "list.xls").read_bytes()),
    ]


@pytest.mark.parametrize("name,data", _broken_inputs(), ids=[n for n, _ in _broken_inputs()])
def test_unreadable_bytes_fail_in_chinese(name: str, data: bytes) -> None:
    with pytest.raises(AttachmentError) as caught:
        read_doc(data)
    assert caught.value.status == "failed"
    assert str(caught.value).startswith("不是有效的 Word/WPS 文档：")


def test_damaged_streams_never_escape_as_other_exceptions(tmp_path: Path) -> None:
    with olefile.OleFileIO(str(LIST_DOC)) as doc:
        sizes = {name: doc.get_size(name) for name in ("WordDocument", "1Table")}
    rng = random.Random(11)
    outcomes = {"read": 0, "failed": 0}
    for _ in range(60):
        stream = rng.choice(sorted(sizes))
        patch = {rng.randrange(sizes[stream]): bytes([rng.randrange(256)])
                 for _ in range(rng.randrange(1, 40))}
        # The FIB and the CLX are where damage matters most: hit them often.
        patch.update({rng.randrange(0x200): bytes([rng.randrange(256)]) for _ in range(3)})
        data = _patched(tmp_path, stream, patch)
        try:
            read_doc(data)
            outcomes["read"] += 1
        except AttachmentError as exc:
            assert exc.status == "failed"
            assert any("\u4e00" <= ch <= "\u9fff" for ch in str(exc))
            outcomes["failed"] += 1
    assert outcomes["failed"] > 0
