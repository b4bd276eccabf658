"""indexer/formats/pdf.py on generated PDFs (tests/pdf_fixtures.py): ruled tables over page breaks,
merged and wrapped cells, paragraphs and title, scans, garbled text, encrypted and broken files."""
from __future__ import annotations

from pathlib import Path

import pdfplumber
import pytest

import pdf_fixtures as fx
from indexer.formats.model import AttachmentError, Extracted, Table
from indexer.formats.pdf import _join, read_pdf


@pytest.fixture(scope="module")
def pdf_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("pdf")


@pytest.fixture(scope="module")
def table80(pdf_dir: Path) -> tuple[Path, list[list[str]], Extracted]:
    path = pdf_dir / "table80.pdf"
    rows = fx.table_pdf(path)
    return path, rows, read_pdf(path.read_bytes())


@pytest.fixture(scope="module")
def table1000(pdf_dir: Path) -> tuple[Path, list[list[str]], Extracted]:
    path = pdf_dir / "table1000.pdf"
    rows = fx.table_pdf(path, rows=1000)
    return path, rows, read_pdf(path.read_bytes())


def _error(data: bytes) -> AttachmentError:
    with pytest.raises(AttachmentError) as caught:
        read_pdf(data)
    return caught.value


def _continuations(path: Path, pages: int = 0) -> list[list[str]]:
    """The continuation rows (empty 序号) at the top of pages after the first, read with pdfplumber
    (the repeated header, in fake bold, reads 序序号号 there); only the first `pages` when given."""
    found = []
    with pdfplumber.open(path) as pdf:
        for page in pdf.pages[1:pages or None]:
            tables = page.extract_tables()
            if tables:
                rows = [row for row in tables[0] if "序" not in (row[0] or "")]
                if rows and rows[0][0] == "" and any(rows[0][1:]):
                    found.append([cell or "" for cell in rows[0]])
    return found


def _assert_rows(got: list[list[str]], expected: list[list[str]]) -> None:
    assert len(got) == len(expected), f"{len(got)} rows read, {len(expected)} written"
    for number, (mine, theirs) in enumerate(zip(got, expected), 1):
        assert mine == theirs, f"row {number}: {mine} != {theirs}"


def test_table_rows_all_read(table80: tuple[Path, list[list[str]], Extracted]) -> None:
    _, expected, extracted = table80
    assert extracted.pages == 3
    tables = extracted.tables()
    assert len(tables) == 1, "a table over three pages is one Table"
    assert tables[0].header == fx.TABLE_HEADER
    _assert_rows(tables[0].rows, expected)


def test_repeated_headers_dropped(table80: tuple[Path, list[list[str]], Extracted]) -> None:
    _, _, extracted = table80
    rows = extracted.tables()[0].rows
    assert all(row[0] != "序号" for row in rows)
    assert [row[0] for row in rows] == [str(n) for n in range(1, 81)]


def test_row_split_by_page_break_joined(table80: tuple[Path, list[list[str]], Extracted]) -> None:
    path, expected, extracted = table80
    continuations = _continuations(path)
    assert continuations, "the fixture splits at least one row at a page break"
    rows = extracted.tables()[0].rows
    for part in continuations:
        # the continuation's text is the end of the 单位名称 of exactly one (whole) row
        whole = [row for row in expected if row[1].endswith(part[1]) and len(row[1]) > len(part[1])]
        assert whole, part
        assert any(row in rows for row in whole)
    assert not any(row[0] == "" for row in rows), "no row with an empty 序号 left over"


def test_wrapped_cells_joined(table80: tuple[Path, list[list[str]], Extracted]) -> None:
    _, expected, extracted = table80
    rows = extracted.tables()[0].rows
    wrapped = [(r, c) for r, row in enumerate(expected) for c, (text, width) in enumerate(zip(row, fx.TABLE_COLS))
               if len(fx.wrap(text, width - 2 * fx.CELL_PAD, fx.CELL_SIZE)) > 1]
    assert len(wrapped) >= 20
    for r, c in wrapped:
        assert rows[r][c] == expected[r][c]
        assert "\n" not in rows[r][c]
    # a Latin phrase wrapped between two words gets its space back, Chinese gets none
    latin = [rows[r][c] for r, c in wrapped if "Design of" in expected[r][c]]
    assert latin and all("的Design of Experiments应用" in text for text in latin)
    assert "华北甲乙精密机械有限公司质量管理部" in [row[1] for row in rows]


def test_paragraphs_in_reading_order(table80: tuple[Path, list[list[str]], Extracted]) -> None:
    _, expected, extracted = table80
    blocks = extracted.blocks
    assert blocks[0] == fx.TABLE_TITLE
    assert blocks[1:3] == fx.TABLE_INTRO, "each paragraph's wrapped lines joined, no space between Han"
    assert isinstance(blocks[3], Table)
    assert blocks[4:] == [fx.TABLE_NOTE]
    assert extracted.title == fx.TABLE_TITLE


def test_table_text_not_duplicated(table80: tuple[Path, list[list[str]], Extracted]) -> None:
    _, expected, extracted = table80
    text = "\n".join(b for b in extracted.blocks if isinstance(b, str))
    for row in expected:
        assert row[1] not in text and row[2] not in text
    assert "序号" not in text
    assert "—" not in text, "page numbers are dropped"


def test_table_without_repeated_header(pdf_dir: Path) -> None:
    path = pdf_dir / "noheader.pdf"
    expected = fx.table_pdf(path, repeat_header=False)
    assert _continuations(path)
    tables = read_pdf(path.read_bytes()).tables()
    assert len(tables) == 1
    assert tables[0].header == fx.TABLE_HEADER
    _assert_rows(tables[0].rows, expected)


def test_thousand_rows(table1000: tuple[Path, list[list[str]], Extracted]) -> None:
    path, expected, extracted = table1000
    assert extracted.pages > 30
    tables = extracted.tables()
    assert len(tables) == 1
    assert tables[0].header == fx.TABLE_HEADER
    _assert_rows(tables[0].rows, expected)
    assert len(_continuations(path, pages=12)) >= 5, "many rows split at page breaks, all joined"


def test_merged_cells_filled(pdf_dir: Path) -> None:
    path = pdf_dir / "merged.pdf"
    expected = fx.merged_table_pdf(path)
    extracted = read_pdf(path.read_bytes())
    tables = extracted.tables()
    assert len(tables) == 1
    assert tables[0].header == fx.MERGED_HEADER, "a two-row header joined per column"
    _assert_rows(tables[0].rows, expected)
    assert extracted.title == "第三届区域质量奖获奖企业名单"


def test_tables_kept_apart(pdf_dir: Path) -> None:
    path = pdf_dir / "two.pdf"
    expected = fx.two_tables_pdf(path)
    extracted = read_pdf(path.read_bytes())
    kinds = [b if isinstance(b, str) else "TABLE" for b in extracted.blocks]
    assert kinds == ["附件2", fx.TWO_TABLES_TITLE, "TABLE", fx.TWO_TABLES_CAPTION, "TABLE", "TABLE"]
    for table, (header, rows) in zip(extracted.tables(), expected):
        assert table.header == header
        _assert_rows(table.rows, rows)
    assert extracted.title == fx.TWO_TABLES_TITLE, "an 附件 label is no title"


@pytest.mark.parametrize("rotation", [0, 90, 180, 270])
def test_rotated_page(pdf_dir: Path, rotation: int) -> None:
    path = pdf_dir / f"rotated-{rotation}.pdf"
    header, rows = fx.rotated_table_pdf(path, rotation)
    extracted = read_pdf(path.read_bytes())
    kinds = [b if isinstance(b, str) else "TABLE" for b in extracted.blocks]
    assert kinds == [fx.ROTATED_TITLE, fx.ROTATED_INTRO, "TABLE", fx.ROTATED_NOTE]
    assert extracted.title == fx.ROTATED_TITLE
    assert extracted.tables()[0].header == header
    _assert_rows(extracted.tables()[0].rows, rows)


def test_owner_password_only(pdf_dir: Path) -> None:
    path = pdf_dir / "restricted.pdf"
    rows = fx.restricted_pdf(path)
    extracted = read_pdf(path.read_bytes())
    assert extracted.title == "获奖企业名单（公示稿）"
    tables = extracted.tables()
    assert len(tables) == 1 and tables[0].header == ["序号", "企业名称", "等级"]
    _assert_rows(tables[0].rows, rows)


def test_text_paragraphs(pdf_dir: Path) -> None:
    path = pdf_dir / "text.pdf"
    expected = fx.text_pdf(path)
    extracted = read_pdf(path.read_bytes())
    assert extracted.pages == 2
    assert extracted.title == fx.TEXT_TITLE
    assert extracted.tables() == []
    assert extracted.blocks == [fx.TEXT_TITLE, *expected]
    assert extracted.pages_without_text == extracted.garbled_pages == 0


def test_scan_is_excluded(pdf_dir: Path) -> None:
    path = pdf_dir / "scan.pdf"
    fx.scan_pdf(path, pages=3)
    error = _error(path.read_bytes())
    assert error.status == "excluded"
    assert "扫描件" in str(error) and "3 页" in str(error)


def test_scan_with_watermark_is_excluded(pdf_dir: Path) -> None:
    path = pdf_dir / "scan-watermark.pdf"
    fx.scan_pdf(path, pages=2, watermark="由某某扫描王创建")
    error = _error(path.read_bytes())
    assert error.status == "excluded"
    assert "扫描件" in str(error)


def test_partly_scanned(pdf_dir: Path) -> None:
    path = pdf_dir / "partly.pdf"
    texts = fx.partly_scanned_pdf(path)
    extracted = read_pdf(path.read_bytes())
    assert extracted.pages == 3
    assert extracted.pages_without_text == 1
    assert extracted.garbled_pages == 0
    assert extracted.blocks == texts


@pytest.mark.parametrize("kind", ["cid", "pua"])
def test_garbled_is_excluded(pdf_dir: Path, kind: str) -> None:
    path = pdf_dir / f"garbled-{kind}.pdf"
    fx.garbled_pdf(path, kind=kind)
    error = _error(path.read_bytes())
    assert error.status == "excluded"
    assert "乱码" in str(error)


def test_garbled_pages_dropped(pdf_dir: Path) -> None:
    text, garbled, mixed = pdf_dir / "m-text.pdf", pdf_dir / "m-garbled.pdf", pdf_dir / "mixed.pdf"
    expected = fx.text_pdf(text)
    fx.garbled_pdf(garbled, kind="cid")
    fx.merge_pdfs(mixed, [text, garbled])
    extracted = read_pdf(mixed.read_bytes())
    assert extracted.pages == 4
    assert extracted.garbled_pages == 2
    assert extracted.blocks == [fx.TEXT_TITLE, *expected], "nothing of the garbled pages kept"


def test_character_outside_bmp(pdf_dir: Path) -> None:
    # A simple font whose ToUnicode maps A to U+20000 (two UTF-16 units, two pdfium characters).
    cmap = (b"/CIDInit /ProcSet findresource begin 12 dict begin begincmap /CMapName /Custom def /CMapType 2 def"
            b" 1 begincodespacerange <00> <FF> endcodespacerange 3 beginbfchar <41> <D840DC00> <42> <0051>"
            b" <43> <4E2D> endbfchar endcmap CMapName currentdict /CMap defineresource pop end end")
    content = b"BT /F1 12 Tf 60 700 Td (CACBCA) Tj ET BT /F1 12 Tf 60 680 Td (CCBA) Tj ET"
    data = fx.build_pdf([
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 5 0 R >> >>"
        b" /Contents 4 0 R >>",
        fx.pdf_stream(content),
        b"<< /Type /Font /Subtype /TrueType /BaseFont /Arial /FirstChar 65 /LastChar 67 /Widths [600 600 600]"
        b" /ToUnicode 6 0 R >>",
        fx.pdf_stream(cmap),
    ])
    text = "".join(b for b in read_pdf(data).blocks if isinstance(b, str))
    assert text == "中\U00020000中Q中\U00020000中中Q\U00020000"


def test_encrypted_fails(pdf_dir: Path) -> None:
    path = pdf_dir / "encrypted.pdf"
    fx.encrypted_pdf(path)
    error = _error(path.read_bytes())
    assert error.status == "failed"
    assert "加密" in str(error)


def test_truncated_fails(pdf_dir: Path) -> None:
    path = pdf_dir / "truncated.pdf"
    fx.truncated_pdf(path)
    error = _error(path.read_bytes())
    assert error.status == "failed"
    assert "损坏" in str(error)


@pytest.mark.parametrize("data", [b"", b"<html>not a pdf</html>", b"%PDF-1.7\n"])
def test_not_a_pdf_fails(data: bytes) -> None:
    error = _error(data)
    assert error.status == "failed"
    assert "损坏" in str(error)


@pytest.mark.parametrize(("parts", "joined"), [
    (["质量管理", "小组"], "质量管理小组"),
    (["Design of", "Experiments应用"], "Design of Experiments应用"),
    (["统一社会信用代码91330100MA2H3K", "L5X"], "统一社会信用代码91330100MA2H3KL5X"),
    (["ISO 9001", "认证"], "ISO 9001认证"),
    (["measured.", "Then"], "measured. Then"),
])
def test_join(parts: list[str], joined: str) -> None:
    assert _join(parts) == joined
