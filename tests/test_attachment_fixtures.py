"""The attachment generators (tests/attachment_fixtures.py) write what they claim: checked with the libraries that
read each format (openpyxl, python-calamine, python-docx, pdfplumber, olefile, zipfile, ElementTree)."""
from __future__ import annotations

import base64
import hashlib
import hmac
import io
import posixpath
import struct
import time
import xml.etree.ElementTree as ET
import zipfile
import zlib
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

import pytest

import attachment_fixtures as af

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
OFD = "{" + af.OFD_NS + "}"


def test_list_rows_are_varied_and_repeat_organizations_on_consecutive_rows() -> None:
    rows = af.list_rows(20)
    assert len(rows) == 20 and all(len(r) == len(af.LIST_HEADER) for r in rows)
    assert [r[0] for r in rows] == [str(i) for i in range(1, 21)]
    orgs = [r[1] for r in rows]
    assert any(a == b for a, b in zip(orgs, orgs[1:]))
    for suffix in ("股份有限公司", "集团有限公司", "分公司", "店", "研究院", "医院", "学校"):
        assert any(o.endswith(suffix) for o in orgs), suffix
    assert {r[4] for r in rows} == {"一等奖", "二等奖", "三等奖"}
    assert all(r[2].endswith("小组") for r in rows)
    assert af.list_rows(20) == rows and [r[:4] for r in af.list_rows(5)] == [r[:4] for r in rows[:5]]


def _filled(ws) -> list[list[str]]:
    """A worksheet's values as text, each merged range's value copied into all its cells."""
    grid = [["" if c.value is None else str(c.value) for c in row] for row in ws.iter_rows()]
    for rng in ws.merged_cells.ranges:
        value = grid[rng.min_row - 1][rng.min_col - 1]
        for r in range(rng.min_row, rng.max_row + 1):
            for c in range(rng.min_col, rng.max_col + 1):
                grid[r - 1][c - 1] = value
    return grid


def test_xlsx_list_merges_title_and_organization_runs(tmp_path: Path) -> None:
    from openpyxl import load_workbook

    rows = af.list_rows(20)
    path = tmp_path / "名单.xlsx"
    expected = af.xlsx_list(path, rows)
    wb = load_workbook(path)
    assert wb.sheetnames == ["名单", "优秀推进单位"] == list(expected)
    ws = wb["名单"]
    merged = sorted(str(r) for r in ws.merged_cells.ranges)
    assert "A1:E1" in merged and sorted(expected["名单"].merged) == merged
    vertical = [r for r in ws.merged_cells.ranges if r.min_col == r.max_col == 2]
    assert len(vertical) >= 3 and any(r.max_row - r.min_row >= 2 for r in vertical)
    for rng in vertical:  # as Excel stores a merge: the value in the first cell only
        assert ws.cell(rng.min_row, 2).value
        assert all(ws.cell(r, 2).value is None for r in range(rng.min_row + 1, rng.max_row + 1))
    assert ws["A3"].value == 1  # 序号 stored as a number
    sheet = expected["名单"]
    assert sheet.title == af.LIST_TITLE and sheet.header == af.LIST_HEADER
    grid = _filled(ws)
    assert grid[0] == [af.LIST_TITLE] * 5 and grid[1] == af.LIST_HEADER
    assert grid[2:] == sheet.rows
    broken = [cell for row in sheet.rows for cell in row if "\n" in cell]
    assert len(broken) == 1
    assert [cell.replace("\n", "") for row in sheet.rows for cell in row] == [cell for row in rows for cell in row]
    other = expected["优秀推进单位"]
    assert other.title is None and other.header == ["序号", "企业名称", "奖项"]
    assert _filled(wb["优秀推进单位"]) == [other.header] + other.rows


def test_xlsx_list_reads_the_same_with_calamine(tmp_path: Path) -> None:
    from python_calamine import CalamineWorkbook

    path = tmp_path / "a.xlsx"
    expected = af.xlsx_list(path, af.list_rows(8))
    sheet = CalamineWorkbook.from_path(str(path)).get_sheet_by_name("名单").to_python()
    assert sheet[0][0] == af.LIST_TITLE and sheet[1] == af.LIST_HEADER
    assert [row[2:] for row in sheet[2:]] == [row[2:] for row in expected["名单"].rows]


def test_docx_doc_has_heading_two_row_header_merges_and_a_two_paragraph_cell(tmp_path: Path) -> None:
    from docx import Document

    path = tmp_path / "通知.docx"
    expected = af.docx_doc(path)
    doc = Document(str(path))
    texts = [(p.style.name, p.text) for p in doc.paragraphs]
    assert texts[0] == ("Heading 1", expected.title) and expected.title.startswith("关于公布")
    assert [t for _, t in texts[1:]] == expected.paragraphs
    body = [child.tag for child in doc.element.body]
    table_at = body.index(W + "tbl")
    assert body[:table_at].count(W + "p") == 1 + len(expected.paragraphs_before)
    assert body[table_at + 1:].count(W + "p") >= len(expected.paragraphs_after)
    (table,) = doc.tables
    tbl = table._tbl
    spans = [tc for tc in tbl.iter(W + "tc") if tc.find(f"{W}tcPr/{W}gridSpan") is not None]
    assert len(spans) == 1 and spans[0].find(f"{W}tcPr/{W}gridSpan").get(W + "val") == "2"
    assert len(tbl.findall(f".//{W}vMerge")) >= 8  # three header columns × 2 rows, and 单位名称 over two rows
    cells = [[c.text for c in row.cells] for row in table.rows]
    assert cells[:2] == expected.header_rows
    assert cells[2:] == expected.rows
    assert expected.header == ["序号", "单位名称", "获奖成果 小组名称", "获奖成果 课题名称", "等级"]
    two = [tc for tc in tbl.iter(W + "tc") if len(tc.findall(W + "p")) == 2]
    assert len(two) == 1 and expected.rows[1][3] == "\n".join("".join(t.text for t in p.iter(W + "t"))
                                                             for p in two[0].findall(W + "p"))
    assert expected.rows[0][1] == expected.rows[1][1]


def test_programme_docx_has_headings_and_paragraphs(tmp_path: Path) -> None:
    from docx import Document

    expected = af.programme_docx(tmp_path / "方案.docx")
    doc = Document(str(tmp_path / "方案.docx"))
    paragraphs = [(p.style.name, p.text) for p in doc.paragraphs]
    assert paragraphs[0] == ("Heading 1", expected.title)
    assert [t for _, t in paragraphs[1:]] == expected.blocks
    assert [t for s, t in paragraphs if s == "Heading 2"] == expected.headings


def _ofd_lines(path: Path) -> tuple[list[str], set[str]]:
    """The text lines of an OFD's first page (TextCodes grouped by baseline, ordered by x) and its fonts' IDs."""
    with zipfile.ZipFile(path) as zf:
        root = ET.fromstring(zf.read("OFD.xml"))
        doc_root = root.find(f"{OFD}DocBody/{OFD}DocRoot").text
        document = ET.fromstring(zf.read(doc_root))
        base = posixpath.dirname(doc_root)
        res = ET.fromstring(zf.read(posixpath.join(base, document.find(f"{OFD}CommonData/{OFD}PublicRes").text)))
        fonts = {f.get("ID") for f in res.iter(OFD + "Font")}
        page = document.find(f"{OFD}Pages/{OFD}Page")
        content = ET.fromstring(zf.read(posixpath.join(base, page.get("BaseLoc"))))
    found: dict[float, list[tuple[float, str]]] = {}
    used = set()
    for obj in content.iter(OFD + "TextObject"):
        x, y, _w, _h = map(float, obj.get("Boundary").split())
        used.add(obj.get("Font"))
        for code in obj.iter(OFD + "TextCode"):
            baseline = round(y + float(code.get("Y")), 1)
            found.setdefault(baseline, []).append((x + float(code.get("X")), code.text))
    assert used <= fonts
    return [" ".join(t for _, t in sorted(found[b])) for b in sorted(found)], fonts


def test_ofd_doc_is_a_gbt33190_package_whose_text_reads_in_lines(tmp_path: Path) -> None:
    path = tmp_path / "通知.ofd"
    expected = af.ofd_doc(path)
    with zipfile.ZipFile(path) as zf:
        assert zf.testzip() is None
        assert set(zf.namelist()) == {"OFD.xml", "Doc_0/Document.xml", "Doc_0/PublicRes.xml",
                                      "Doc_0/Pages/Page_0/Content.xml"}
        root = ET.fromstring(zf.read("OFD.xml"))
        document = ET.fromstring(zf.read("Doc_0/Document.xml"))
        content = ET.fromstring(zf.read("Doc_0/Pages/Page_0/Content.xml"))
    assert root.tag == OFD + "OFD" and root.find(f"{OFD}DocBody/{OFD}DocRoot").text == "Doc_0/Document.xml"
    assert document.find(f"{OFD}CommonData/{OFD}PageArea/{OFD}PhysicalBox").text == "0 0 210 297"
    assert content.find(f"{OFD}Content/{OFD}Layer") is not None
    ids = [int(e.get("ID")) for e in content.iter() if e.get("ID")]
    assert len(ids) == len(set(ids)) and max(ids) < int(document.find(f"{OFD}CommonData/{OFD}MaxUnitID").text)
    lines, fonts = _ofd_lines(path)
    assert fonts == {"3"}
    assert lines == expected.lines
    assert expected.lines[0] == expected.title and " ".join(expected.table_header) in expected.lines
    assert all(" ".join(row) in expected.lines for row in expected.table_rows)
    drawn = [code.text for code in content.iter(OFD + "TextCode")]
    assert drawn.index("序号") < drawn.index("1") < drawn.index("单位名称")  # the table is drawn column by column


def test_pdf_list_prints_a_ruled_table_with_extractable_text(tmp_path: Path) -> None:
    import pdfplumber

    rows = af.list_rows(20)
    path = tmp_path / "名单.pdf"
    expected = af.pdf_list(path, rows)
    assert path.read_bytes().startswith(b"%PDF-") and expected.pages == 1
    with pdfplumber.open(path) as pdf:
        (page,) = pdf.pages
        text = page.extract_text()
        assert text.splitlines()[0] == expected.title
        assert len(page.lines) == (len(rows) + 2) + (len(af.LIST_HEADER) + 1)
        (table,) = page.extract_tables()
    assert table == [expected.header] + expected.rows


def test_pdf_list_repeats_the_header_on_each_page(tmp_path: Path) -> None:
    import pdfplumber

    expected = af.pdf_list(tmp_path / "long.pdf", af.list_rows(70))
    with pdfplumber.open(tmp_path / "long.pdf") as pdf:
        assert len(pdf.pages) == expected.pages == 3
        tables = [t for p in pdf.pages for t in p.extract_tables()]
    assert all(t[0] == af.LIST_HEADER for t in tables)
    assert [row for t in tables for row in t[1:]] == expected.rows


def test_zip_bomb_declares_over_500_mb_in_a_small_valid_zip(tmp_path: Path) -> None:
    path = tmp_path / "bomb.docx"
    started = time.perf_counter()
    size = af.zip_bomb_docx(path)
    assert time.perf_counter() - started < 6
    assert path.stat().st_size < 1_000_000
    with zipfile.ZipFile(path) as zf:
        info = zf.getinfo("word/document.xml")
        assert info.file_size == size > 500 * 1024 * 1024 and info.compress_type == zipfile.ZIP_DEFLATED
        assert {"[Content_Types].xml", "_rels/.rels"} <= set(zf.namelist())
        ET.fromstring(zf.read("[Content_Types].xml"))
        with zf.open(info) as stream:
            start = stream.read(4096)
    assert start.startswith(b"<?xml") and "质量月".encode() in start


def test_zip_bomb_inflates_to_the_size_and_crc_it_declares(tmp_path: Path) -> None:
    path = tmp_path / "bomb.docx"
    size = af.zip_bomb_docx(path, chunks=8)
    with zipfile.ZipFile(path) as zf:
        info = zf.getinfo("word/document.xml")
        total, crc = 0, 0
        with zf.open(info) as stream:  # zipfile checks the CRC at the end
            while block := stream.read(1 << 22):
                total += len(block)
                crc = zlib.crc32(block, crc)
                last = block
    assert total == info.file_size == size > 8 * (4 << 20)
    assert last.endswith(b"</w:body></w:document>") and crc == info.CRC


def test_bad_files_are_what_they_pretend_not_to_be(tmp_path: Path) -> None:
    from openpyxl import load_workbook

    lying = af.lying_docx_as_doc(tmp_path / "通知.doc")
    assert zipfile.is_zipfile(tmp_path / "通知.doc") and lying.title == af.NOTICE_TITLE
    af.html_error_as_pdf(tmp_path / "附件.pdf")
    page = (tmp_path / "附件.pdf").read_text("utf-8")
    assert not page.startswith("%PDF") and "404 Not Found" in page and "您访问的页面不存在" in page
    sheets = af.xlsx_as_xls(tmp_path / "名单.xls")
    assert (tmp_path / "名单.xls").read_bytes()[:4] == b"PK\x03\x04"
    assert _filled(load_workbook(io.BytesIO((tmp_path / "名单.xls").read_bytes()))["名单"])[2:] == sheets["名单"].rows
    af.broken_zip(tmp_path / "broken.docx")
    assert (tmp_path / "broken.docx").read_bytes()[:4] == b"PK\x03\x04"
    with pytest.raises(zipfile.BadZipFile):
        zipfile.ZipFile(tmp_path / "broken.docx")
    af.empty_file(tmp_path / "empty.docx")
    assert (tmp_path / "empty.docx").stat().st_size == 0


def _decrypt_agile(info: bytes, package: bytes, password: str) -> bytes:
    """Decrypt an agile-encrypted package (MS-OFFCRYPTO), checking the password verifier and the HMAC."""
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

    def aes(key: bytes, iv: bytes, data: bytes) -> bytes:
        dec = Cipher(algorithms.AES(key), modes.CBC(iv)).decryptor()
        return dec.update(data) + dec.finalize()

    assert struct.unpack("<HHI", info[:8]) == (4, 4, 0x40)
    xml = ET.fromstring(info[8:])
    ns = {"e": "http://schemas.microsoft.com/office/2006/encryption",
          "p": "http://schemas.microsoft.com/office/2006/keyEncryptor/password"}
    key_data = xml.find("e:keyData", ns)
    integrity = xml.find("e:dataIntegrity", ns)
    enc = xml.find("e:keyEncryptors/e:keyEncryptor/p:encryptedKey", ns)
    b = lambda node, name: base64.b64decode(node.get(name))  # noqa: E731
    sha = hashlib.sha512
    salt = b(enc, "saltValue")
    h = sha(salt + password.encode("utf-16-le")).digest()
    for i in range(int(enc.get("spinCount"))):
        h = sha(struct.pack("<I", i) + h).digest()
    key = lambda block: sha(h + bytes.fromhex(block)).digest()[:32]  # noqa: E731
    verifier = aes(key("fea7d2763b4b9e79"), salt, b(enc, "encryptedVerifierHashInput"))
    assert aes(key("d7aa0f6d3061344e"), salt, b(enc, "encryptedVerifierHashValue")) == sha(verifier).digest()
    secret = aes(key("146e0be7abacd0d6"), salt, b(enc, "encryptedKeyValue"))
    key_salt = b(key_data, "saltValue")
    iv = lambda block: sha(key_salt + bytes.fromhex(block)).digest()[:16]  # noqa: E731
    hmac_key = aes(secret, iv("5fb2ad010cb9e1f6"), b(integrity, "encryptedHmacKey"))
    hmac_value = aes(secret, iv("a0677f02b22c8433"), b(integrity, "encryptedHmacValue"))
    assert hmac.new(hmac_key, package, sha).digest() == hmac_value
    size = struct.unpack("<Q", package[:8])[0]
    out = b"".join(aes(secret, sha(key_salt + struct.pack("<I", i // 4096)).digest()[:16], package[8 + i:8 + i + 4096])
                   for i in range(0, len(package) - 8, 4096))
    return out[:size]


def test_encrypted_xlsx_is_an_ole_container_that_decrypts_with_its_password(tmp_path: Path) -> None:
    import olefile
    from openpyxl import load_workbook

    path = tmp_path / "加密名单.xlsx"
    password = af.encrypted_xlsx(path)
    assert olefile.isOleFile(str(path)) and not zipfile.is_zipfile(path)
    with olefile.OleFileIO(str(path)) as ole:
        streams = {"/".join(s) for s in ole.listdir()}
        assert {"EncryptionInfo", "EncryptedPackage", "\x06DataSpaces/DataSpaceMap", "\x06DataSpaces/Version",
                "\x06DataSpaces/DataSpaceInfo/StrongEncryptionDataSpace",
                "\x06DataSpaces/TransformInfo/StrongEncryptionTransform/\x06Primary"} <= streams
        info = ole.openstream("EncryptionInfo").read()
        package = ole.openstream("EncryptedPackage").read()
        assert ole.get_size("EncryptionInfo") < 4096 <= ole.get_size("EncryptedPackage")  # mini stream and FAT
        assert "EncryptedPackage".encode("utf-16-le") in ole.openstream("\x06DataSpaces/DataSpaceMap").read()
    with pytest.raises(AssertionError):
        _decrypt_agile(info, package, "wrong")
    plain = _decrypt_agile(info, package, password)
    assert zipfile.is_zipfile(io.BytesIO(plain))
    assert load_workbook(io.BytesIO(plain))["名单"]["A1"].value == af.LIST_TITLE


class _Links(HTMLParser):
    """The hrefs of a page's links."""

    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a" and dict(attrs).get("href"):
            self.hrefs.append(dict(attrs)["href"])


def test_mirror_pages_link_their_attachments_three_ways(tmp_path: Path) -> None:
    parents = af.mirror(tmp_path)
    assert all((tmp_path / p).is_file() and (tmp_path / p).stat().st_size > 0 for p in parents)
    page_rel = "www.example-zj.gov.cn/art/2023/9/1/art_1_1.html"
    assert set(parents.values()) == {page_rel, None}
    assert parents["www.example-zj.gov.cn/orphan.xlsx"] is None
    page = (tmp_path / page_rel).read_text("utf-8")
    assert af.NOTICE_TITLE in page and "2023-09-01" in page and "浙江省" in page and "全国“质量月”" in page
    parser = _Links()
    parser.feed(page)
    assert "./P020230901_名单.xlsx" in parser.hrefs
    assert "./%E9%99%84%E4%BB%B62%EF%BC%9A%E5%90%8D%E5%8D%95.pdf" in parser.hrefs
    assert "http://www.example-zj.gov.cn/module/download/programme.docx" in parser.hrefs
    resolved = set()
    for href in parser.hrefs:
        url = urlsplit(urljoin("http://" + page_rel, href))
        target = url.netloc + unquote(url.path)
        if (tmp_path / target).is_file() and target != page_rel:
            resolved.add(target)
    assert resolved == {p for p, parent in parents.items() if parent == page_rel}
    assert all(p.endswith((".xlsx", ".pdf", ".docx")) for p in parents)


def _hashes(root: Path) -> dict[str, str]:
    """sha256 of every file under root."""
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


def _generate_all(root: Path) -> None:
    """Every generator once, into root."""
    root.mkdir()
    af.xlsx_list(root / "a.xlsx", af.list_rows(20))
    af.docx_doc(root / "a.docx")
    af.programme_docx(root / "p.docx")
    af.ofd_doc(root / "a.ofd")
    af.pdf_list(root / "a.pdf", af.list_rows(20))
    af.zip_bomb_docx(root / "bomb.docx", chunks=2)
    af.encrypted_xlsx(root / "enc.xlsx")
    af.mirror(root / "mirror")


def test_generators_are_deterministic(tmp_path: Path) -> None:
    _generate_all(tmp_path / "one")
    _generate_all(tmp_path / "two")
    assert _hashes(tmp_path / "one") == _hashes(tmp_path / "two")


@pytest.mark.parametrize("name, make", [
    ("a.xlsx", lambda p: af.xlsx_list(p, af.list_rows(20))), ("a.docx", af.docx_doc), ("p.docx", af.programme_docx),
    ("a.ofd", af.ofd_doc), ("a.pdf", lambda p: af.pdf_list(p, af.list_rows(20))), ("enc.xlsx", af.encrypted_xlsx),
    ("broken.docx", af.broken_zip), ("mirror", af.mirror),
])
def test_generators_are_fast(tmp_path: Path, name: str, make) -> None:
    started = time.perf_counter()
    make(tmp_path / name)
    assert time.perf_counter() - started < 2  # under 1 s on an idle machine; doubled against a busy one
