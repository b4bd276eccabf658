"""Attachment formats told by their bytes and read within bounds (indexer/formats): spreadsheets,
.docx and .ofd on files the tests generate (tests/attachment_fixtures.py), .doc/.xls made by LibreOffice."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import attachment_fixtures as af
from indexer.formats import AttachmentError, Table, read_attachment, sniff
from indexer.formats.tables import cell_text, make_table, table_lines

FIXTURES = Path(__file__).parent.parent / "fixtures" / "attachments"


def _read(path: Path):
    data = path.read_bytes()
    return read_attachment(data, sniff(data))


def _joined(rows: list[list[str]]) -> list[list[str]]:
    """Expected rows as a reader gives them: a cell's lines joined (none between Han characters)."""
    return [[cell_text(cell) for cell in row] for row in rows]


@pytest.mark.parametrize(("make", "name", "fmt"), [
    (lambda p: af.xlsx_list(p, af.list_rows(3)), "a.xlsx", "xlsx"),
    (af.docx_doc, "a.docx", "docx"),
    (af.ofd_doc, "a.ofd", "ofd"),
    (af.lying_docx_as_doc, "lying.doc", "docx"),
    (af.xlsx_as_xls, "lying.xls", "xlsx"),
    (af.html_error_as_pdf, "error.pdf", "html"),
    (af.encrypted_xlsx, "secret.xlsx", "encrypted"),
])
def test_the_format_is_told_by_the_bytes_not_the_name(tmp_path: Path, make, name: str, fmt: str) -> None:
    make(tmp_path / name)
    assert sniff((tmp_path / name).read_bytes()) == fmt


def test_committed_office_files_are_sniffed() -> None:
    assert sniff((FIXTURES / "list.doc").read_bytes()) == "doc"
    assert sniff((FIXTURES / "list.xls").read_bytes()) == "xls"


def test_xlsx_sheets_read_as_tables_with_merged_cells_filled(tmp_path: Path) -> None:
    rows = af.list_rows(40)
    expected = af.xlsx_list(tmp_path / "名单.xlsx", rows)
    got = _read(tmp_path / "名单.xlsx")
    tables = got.tables()
    assert len(tables) == len(expected)
    for table, sheet in zip(tables, expected.values()):
        assert table.header == sheet.header
        assert table.rows == _joined(sheet.rows)
    assert got.title == af.LIST_TITLE and af.LIST_TITLE in got.blocks


def test_xls_made_by_libreoffice_reads_like_the_xlsx() -> None:
    got = _read(FIXTURES / "list.xls")
    table = got.tables()[0]
    assert table.header[:2] == ["序号", "单位名称"] and len(table.rows) >= 4
    assert all(row[1] for row in table.rows)  # the merged 单位名称 filled on every row


def test_docx_paragraphs_tables_and_two_row_header(tmp_path: Path) -> None:
    expected = af.docx_doc(tmp_path / "通知.docx")
    got = _read(tmp_path / "通知.docx")
    assert got.title == expected.title
    texts = [b for b in got.blocks if isinstance(b, str)]
    assert all(p in texts for p in expected.paragraphs_before + expected.paragraphs_after)
    (table,) = got.tables()
    assert [h.replace("/", " ") for h in table.header] == expected.header
    assert table.rows == _joined(expected.rows)
    # Reading order: the table between the paragraphs before and after it.
    at = got.blocks.index(table)
    assert expected.paragraphs_before[-1] in got.blocks[:at] and expected.paragraphs_after[0] in got.blocks[at:]


def test_ofd_text_lines_in_reading_order(tmp_path: Path) -> None:
    expected = af.ofd_doc(tmp_path / "a.ofd")
    got = _read(tmp_path / "a.ofd")
    assert got.blocks == expected.lines and got.title == expected.title


def test_doc_made_by_libreoffice_is_read() -> None:
    got = _read(FIXTURES / "list.doc")
    assert got.tables() and got.title


@pytest.mark.parametrize(("make", "name", "words"), [
    (af.broken_zip, "broken.docx", "损坏"),
    (af.zip_bomb_docx, "bomb.docx", "压缩炸弹"),
    (af.encrypted_xlsx, "secret.xlsx", "加密"),
])
def test_bad_files_fail_with_the_reason(tmp_path: Path, make, name: str, words: str) -> None:
    make(tmp_path / name)
    with pytest.raises(AttachmentError, match=words) as caught:
        _read(tmp_path / name)
    assert caught.value.status == "failed"


def test_a_reader_past_its_time_is_stopped(tmp_path: Path) -> None:
    af.xlsx_list(tmp_path / "a.xlsx", af.list_rows(2000))
    data = (tmp_path / "a.xlsx").read_bytes()
    with pytest.raises(AttachmentError, match="超时"):
        read_attachment(data, "xlsx", time_limit=0.001)


def test_a_reader_past_its_memory_is_stopped(tmp_path: Path) -> None:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet()
    for row in af.list_rows(200) * 400:  # 80,000 rows
        sheet.append(row)
    book.save(tmp_path / "a.xlsx")
    # In a fresh process: one that has run many tests holds free heap a reader may use without
    # asking the system for more, which the address-space limit would not see.
    script = (
        "import sys; from pathlib import Path; from indexer.formats import AttachmentError, read_attachment\n"
        "try:\n    read_attachment(Path(sys.argv[1]).read_bytes(), 'xlsx', memory_limit=1)\n    print('read')\n"
        "except AttachmentError as exc:\n    print(exc.status, exc)\n"
    )
    out = subprocess.run([sys.executable, "-c", script, str(tmp_path / "a.xlsx")], capture_output=True, text=True,
                         timeout=120).stdout
    assert out.startswith("failed") and ("内存" in out or "异常退出" in out), out


def test_table_rows_read_with_their_header() -> None:
    table = make_table([["序号", "单位名称", "等级"], ["1", "甲乙精密机械有限公司", "一等奖"], ["", "", ""]])
    assert table == Table(["序号", "单位名称", "等级"], [["1", "甲乙精密机械有限公司", "一等奖"]])
    assert table_lines(table) == ["序号：1　单位名称：甲乙精密机械有限公司　等级：一等奖"]
    assert cell_text("甲乙精密\n机械有限公司") == "甲乙精密机械有限公司" and cell_text("Quality\nMonth") == "Quality Month"
