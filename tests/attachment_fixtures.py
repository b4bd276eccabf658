"""Generators of test attachments (xlsx, docx, pdf, ofd, bad files) and of a small site mirror with attachments.

Every function writes deterministic bytes into the path it is given and returns what a correct reader must find.
All names and texts are invented (甲乙精密机械有限公司, 示例市质量协会 …); none are copied from real pages.
Conventions of the expectations: merged cells are filled (a vertically merged 单位名称 repeats on every row it spans),
numbers are given as the text a reader shows (序号 1, not 1.0), a line break typed inside a cell (Alt+Enter) and the
paragraphs of one table cell are kept as "\\n", and a header of two rows is joined per column with one space.
scripts/make_sample_attachments.py writes the bundled sample (corpus/attachments_demo/) with these same generators.
"""
from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import html
import io
import struct
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO
from urllib.parse import quote

# One fixed moment for every timestamp the libraries embed (zip entries, core properties), so bytes are reproducible.
FIXED_TIME = dt.datetime(2023, 9, 1, 9, 30, 0)
_ZIP_TIME = (2023, 9, 1, 9, 30, 0)

LIST_HEADER = ["序号", "单位名称", "小组名称", "课题名称", "等级"]
LIST_TITLE = "2023年度优秀质量管理小组名单"
NOTICE_TITLE = "关于公布2023年度优秀质量管理小组名单的通知"

_ORGANIZATIONS = [
    "甲乙精密机械有限公司",
    "丙丁电子科技股份有限公司",
    "戊己食品有限公司第一分公司",
    "庚辛建设集团有限公司",
    "示例市子丑汽车零部件有限公司",
    "壬癸化工股份有限公司",
    "寅卯医药集团有限公司第二分公司",
    "辰巳百货有限公司中山路店",
    "示例市午未机电研究院",
    "示例市申酉人民医院",
    "示例市戌亥职业技术学校",
    "乾坤物流集团有限公司",
    "艮巽纺织股份有限公司",
    "坎离供电有限公司城东分公司",
]
_GROUPS = [
    "精益求精QC小组", "攻坚QC小组", "创新先锋QC小组", "零缺陷QC小组", "蓝天QC小组", "匠心QC小组",
    "星火质量管理小组", "追梦QC小组", "求实QC小组", "启航QC小组", "同心QC小组",
]
_TOPICS = [
    "降低焊接不良率", "提高装配一次合格率", "缩短设备换型时间", "降低包装破损率", "提高门诊患者满意度",
    "减少原料损耗", "提高混凝土试块合格率", "缩短检验报告出具周期", "降低注塑件飞边缺陷率", "提高实训设备完好率",
    "降低冷链运输温度超标次数", "提高来料检验效率", "降低配电线路故障停电时长", "提高纱线条干均匀度",
    "缩短药品出库复核时间", "降低收银差错率", "提高钢筋保护层厚度合格率", "减少喷涂色差返工",
    "提高样品一次检测合格率", "降低空压机能耗",
]
_GRADES = ["一等奖", "二等奖", "三等奖"]
_RUNS = [2, 1, 1, 3, 1, 1, 2, 1, 1]  # how many consecutive rows each organization takes (repeats → merged cells)

_W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
OFD_NS = "http://www.ofdspec.org/2016"

Target = Path | str | BinaryIO  # where a zip-based generator writes: a path or an open binary file


@dataclass
class SheetExpected:
    """One sheet as a reader must return it: title row (None when none), header, rows with merged cells filled."""

    title: str | None
    header: list[str]
    rows: list[list[str]]
    merged: list[str] = field(default_factory=list)  # the merged ranges written, e.g. "A1:E1", "B3:B4"


@dataclass
class DocxExpected:
    """The notice .docx: Heading 1 title, paragraphs before and after the table, the table's header and rows."""

    title: str
    paragraphs_before: list[str]
    header_rows: list[list[str]]  # the two header rows, merged cells filled
    header: list[str]  # header_rows joined per column with one space (a repeated vertical merge counted once)
    rows: list[list[str]]
    paragraphs_after: list[str]

    @property
    def paragraphs(self) -> list[str]:
        """The body paragraphs (not the title), before then after the table."""
        return self.paragraphs_before + self.paragraphs_after


@dataclass
class ProgrammeExpected:
    """The programme .docx: its title, section headings, and every heading and paragraph in order."""

    title: str
    headings: list[str]
    blocks: list[str]


@dataclass
class PdfExpected:
    """A printed 名单 PDF: heading, ruled table's header and rows, page count."""

    title: str
    header: list[str]
    rows: list[list[str]]
    pages: int


@dataclass
class OfdExpected:
    """The OFD page: its text lines top to bottom (cells of a table line joined by one space), and the table."""

    title: str
    lines: list[str]
    table_header: list[str]
    table_rows: list[list[str]]


# ---------------------------------------------------------------------------------------------------------------
# Shared helpers


def _write_zip(path: Target, members: list[tuple[str, bytes]]) -> None:
    """Write a deflated zip whose entries all carry the fixed timestamp."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members:
            info = zipfile.ZipInfo(name, date_time=_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            zf.writestr(info, data)


def _rezip(data: bytes) -> list[tuple[str, bytes]]:
    """The members of an in-memory zip, in order."""
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return [(info.filename, zf.read(info)) for info in zf.infolist()]


def _split(text: str) -> str:
    """The text with a line break (Alt+Enter) in its middle."""
    half = len(text) // 2
    return text[:half] + "\n" + text[half:]


# ---------------------------------------------------------------------------------------------------------------
# Lists (xlsx, pdf)


def list_rows(n: int) -> list[list[str]]:
    """n invented rows of LIST_HEADER; some organizations take several consecutive rows (merged in the xlsx)."""
    rows: list[list[str]] = []
    run = org = 0
    left = _RUNS[0]
    for i in range(n):
        if left == 0:
            run += 1
            org += 1
            left = _RUNS[run % len(_RUNS)]
        left -= 1
        grade = _GRADES[min(2, i * 3 // max(n, 1))]
        rows.append([str(i + 1), _ORGANIZATIONS[org % len(_ORGANIZATIONS)], _GROUPS[(i * 4) % len(_GROUPS)],
                     _TOPICS[(i * 7) % len(_TOPICS)], grade])
    return rows


_OTHER_SHEET = "优秀推进单位"
_OTHER_HEADER = ["序号", "企业名称", "奖项"]
_OTHER_ROWS = [
    ["1", "甲乙精密机械有限公司", "质量管理小组活动优秀推进单位"],
    ["2", "示例市申酉人民医院", "质量管理小组活动优秀推进单位"],
    ["3", "坎离供电有限公司城东分公司", "质量管理小组活动卓越推进者"],
    ["4", "辰巳百货有限公司中山路店", "质量管理小组活动卓越推进者"],
]


def _line_break_row(rows: list[list[str]]) -> int:
    """Which data row gets a line break inside its 课题名称 cell."""
    return min(2, len(rows) - 1)


def xlsx_list(path: Target, rows: list[list[str]], title: str = LIST_TITLE) -> dict[str, SheetExpected]:
    """Write a 名单 .xlsx (merged title, 单位名称 runs merged, an Alt+Enter cell, a 2nd sheet); return sheet → expected."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, Side
    from openpyxl.writer.excel import ExcelWriter

    wb = Workbook()
    ws = wb.active
    ws.title = "名单"
    ncol = len(LIST_HEADER)
    last_col = chr(ord("A") + ncol - 1)
    thin = Side(style="thin")
    box = Border(left=thin, right=thin, top=thin, bottom=thin)
    ws["A1"] = title
    ws["A1"].font = Font(name="宋体", size=16, bold=True)
    ws["A1"].alignment = Alignment(horizontal="center", vertical="center")
    merged = [f"A1:{last_col}1"]
    ws.merge_cells(merged[0])
    for c, name in enumerate(LIST_HEADER, start=1):
        cell = ws.cell(row=2, column=c, value=name)
        cell.font = Font(name="宋体", bold=True)
        cell.border = box
        cell.alignment = Alignment(horizontal="center")
    expected = [list(r) for r in rows]
    if rows:
        k = _line_break_row(rows)
        expected[k][3] = _split(rows[k][3])
    for r, row in enumerate(expected, start=3):
        for c, value in enumerate(row, start=1):
            cell = ws.cell(row=r, column=c)
            cell.border = box
            if c == 2 and r > 3 and row[1] == expected[r - 4][1]:
                continue  # inside a vertical merge: Excel stores the value only in the first cell
            cell.value = int(value) if c == 1 else value
            if "\n" in value:
                cell.alignment = Alignment(wrap_text=True, vertical="center")
    start = 0
    for i in range(1, len(expected) + 1):
        if i == len(expected) or expected[i][1] != expected[start][1]:
            if i - start > 1:
                ref = f"B{start + 3}:B{i + 2}"
                ws.merge_cells(ref)
                ws[f"B{start + 3}"].alignment = Alignment(vertical="center")
                merged.append(ref)
            start = i
    for letter, width in zip("ABCDE", (6, 34, 20, 30, 8)):
        ws.column_dimensions[letter].width = width

    ws2 = wb.create_sheet(_OTHER_SHEET)
    ws2.append(_OTHER_HEADER)
    for row in _OTHER_ROWS:
        ws2.append([int(row[0]), row[1], row[2]])
    for letter, width in zip("ABC", (6, 34, 34)):
        ws2.column_dimensions[letter].width = width

    wb.properties.creator = "示例市质量协会"
    wb.properties.lastModifiedBy = "示例市质量协会"
    wb.properties.title = title
    wb.properties.created = FIXED_TIME
    wb.properties.modified = FIXED_TIME
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as archive:
        ExcelWriter(wb, archive).save()  # openpyxl's save_workbook would stamp "modified" with the clock
    _write_zip(path, _rezip(buf.getvalue()))
    return {
        "名单": SheetExpected(title, list(LIST_HEADER), expected, merged),
        _OTHER_SHEET: SheetExpected(None, list(_OTHER_HEADER), [list(r) for r in _OTHER_ROWS], []),
    }


_PDF_COLUMNS = (34.0, 150.0, 108.0, 150.0, 46.0)  # points; 488 of A4's 595


def pdf_list(path: Path | str, rows: list[list[str]], title: str = LIST_TITLE) -> PdfExpected:
    """Write a printed 名单 PDF (STSong-Light, heading, table ruled with grid lines, header repeated per page)."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    font = "STSong-Light"
    if font not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(font))
    width, height = A4
    x0 = (width - sum(_PDF_COLUMNS)) / 2
    edges = [x0]
    for w in _PDF_COLUMNS:
        edges.append(edges[-1] + w)
    row_h, top, bottom = 22.0, height - 110, 60.0
    per_page = int((top - bottom) // row_h) - 1
    c = canvas.Canvas(str(path), pagesize=A4, invariant=1, pageCompression=1)
    c.setTitle(title)
    c.setAuthor("示例市质量协会")
    c.setCreator("attachment_fixtures")
    chunks = [rows[i:i + per_page] for i in range(0, len(rows), per_page)] or [[]]
    for page, chunk in enumerate(chunks):
        if page == 0:
            c.setFont(font, 16)
            c.drawCentredString(width / 2, height - 80, title)
        lines = [list(LIST_HEADER)] + chunk
        y = top
        for row in lines:
            for col, text in enumerate(row):
                size = 10.0
                room = _PDF_COLUMNS[col] - 6
                while size > 6 and pdfmetrics.stringWidth(text, font, size) > room:
                    size -= 0.5
                c.setFont(font, size)
                centre = (edges[col] + edges[col + 1]) / 2
                c.drawCentredString(centre, y - row_h + 7, text)
            y -= row_h
        c.setLineWidth(0.6)
        for i in range(len(lines) + 1):
            c.line(edges[0], top - i * row_h, edges[-1], top - i * row_h)
        for x in edges:
            c.line(x, top, x, top - len(lines) * row_h)
        c.setFont(font, 9)
        c.drawCentredString(width / 2, 36, f"第{page + 1}页 共{len(chunks)}页")
        c.showPage()
    c.save()
    return PdfExpected(title, list(LIST_HEADER), [list(r) for r in rows], len(chunks))


# ---------------------------------------------------------------------------------------------------------------
# Word documents


def _fix_core_properties(document, title: str) -> None:
    """Fixed author, title and dates in a python-docx document's core properties."""
    cp = document.core_properties
    cp.author = "示例市质量协会"
    cp.last_modified_by = "示例市质量协会"
    cp.title = title
    cp.comments = ""
    cp.revision = 1
    cp.created = FIXED_TIME
    cp.modified = FIXED_TIME
    cp.last_printed = FIXED_TIME


def _save_docx(document, path: Target) -> None:
    """Save a python-docx document with fixed zip timestamps."""
    buf = io.BytesIO()
    document.save(buf)
    _write_zip(path, _rezip(buf.getvalue()))


_DOCX_BEFORE = [
    "各区质量协会，各有关单位：",
    "为深入开展群众性质量管理活动，结合2023年全国“质量月”活动安排，示例市质量协会组织开展了年度优秀质量管理小组评选。"
    "经单位推荐、专家评审和公示，确定以下小组为2023年度优秀质量管理小组，现予公布。",
    "希望获奖小组珍惜荣誉，持续改进，在推动质量提升中发挥示范作用。",
]
_DOCX_AFTER = [
    "以上名单如有异议，请于2023年9月15日前向示例市质量协会秘书处反映。",
    "示例市质量协会",
    "2023年9月1日",
]
_DOCX_HEADER_ROWS = [
    ["序号", "单位名称", "获奖成果", "获奖成果", "等级"],
    ["序号", "单位名称", "小组名称", "课题名称", "等级"],
]
_DOCX_ROWS = [
    ["1", "甲乙精密机械有限公司", "精益求精QC小组", "降低焊接不良率", "一等奖"],
    ["2", "甲乙精密机械有限公司", "攻坚QC小组", "提高装配一次合格率\n（现场改进型）", "二等奖"],
    ["3", "丙丁电子科技股份有限公司", "创新先锋QC小组", "降低注塑件飞边缺陷率", "二等奖"],
    ["4", "戊己食品有限公司第一分公司", "零缺陷QC小组", "降低包装破损率", "三等奖"],
]


def _join_header(rows: list[list[str]]) -> list[str]:
    """Header rows joined per column with one space, a text repeated down a column (vertical merge) counted once."""
    out = []
    for col in zip(*rows):
        parts: list[str] = []
        for text in col:
            if text and (not parts or parts[-1] != text):
                parts.append(text)
        out.append(" ".join(parts))
    return out


def docx_doc(path: Target) -> DocxExpected:
    """Write the notice .docx (title, paragraphs, gridSpan/vMerge two-row-header table, text after); return it."""
    # The table: 获奖成果 spans 小组名称 | 课题名称 (gridSpan); 序号, 单位名称, 等级 run down both header rows (vMerge);
    # one 单位名称 covers two data rows (vMerge); one 课题名称 cell holds two paragraphs.
    from docx import Document

    title = NOTICE_TITLE
    doc = Document()
    _fix_core_properties(doc, title)
    doc.add_heading(title, level=1)
    for text in _DOCX_BEFORE:
        doc.add_paragraph(text)
    table = doc.add_table(rows=2 + len(_DOCX_ROWS), cols=5)
    table.style = "Table Grid"
    table.cell(0, 2).merge(table.cell(0, 3))  # gridSpan=2: 获奖成果 over 小组名称 | 课题名称
    for col in (0, 1, 4):
        table.cell(0, col).merge(table.cell(1, col))  # vMerge down the two header rows
    for col, text in enumerate(_DOCX_HEADER_ROWS[0]):
        if col != 3:
            table.cell(0, col).text = text
    table.cell(1, 2).text = _DOCX_HEADER_ROWS[1][2]
    table.cell(1, 3).text = _DOCX_HEADER_ROWS[1][3]
    table.cell(2, 1).merge(table.cell(3, 1))  # vMerge: one organization over two rows
    for r, row in enumerate(_DOCX_ROWS, start=2):
        for col, text in enumerate(row):
            if col == 1 and r == 3:
                continue
            first, *more = text.split("\n")
            cell = table.cell(r, col)
            cell.text = first
            for extra in more:
                cell.add_paragraph(extra)
    for text in _DOCX_AFTER:
        doc.add_paragraph(text)
    _save_docx(doc, path)
    return DocxExpected(title, list(_DOCX_BEFORE), [list(r) for r in _DOCX_HEADER_ROWS],
                        _join_header(_DOCX_HEADER_ROWS), [list(r) for r in _DOCX_ROWS], list(_DOCX_AFTER))


_PROGRAMME = [
    ("一、活动主题", ["聚焦质量提升，建设质量强市。"]),
    ("二、活动时间", ["2023年9月1日至9月30日。"]),
    ("三、主要活动", [
        "（一）举办“质量月”启动仪式，发布年度质量提升典型案例。",
        "（二）组织质量管理小组成果发表交流会，推广降低焊接不良率、缩短设备换型时间等改进经验。",
        "（三）开展“质量开放日”活动，邀请市民走进甲乙精密机械有限公司等企业参观生产现场。",
    ]),
    ("四、工作要求", [
        "各单位要结合实际制定具体方案，于2023年10月10日前将活动总结报送示例市质量协会。",
    ]),
]


def programme_docx(path: Target, title: str = "2023年示例市“质量月”活动方案") -> ProgrammeExpected:
    """Write a programme .docx (Heading 1 title, Heading 2 sections, paragraphs); return its title, headings, blocks."""
    from docx import Document

    doc = Document()
    _fix_core_properties(doc, title)
    doc.add_heading(title, level=1)
    blocks: list[str] = []
    for heading, paragraphs in _PROGRAMME:
        doc.add_heading(heading, level=2)
        blocks.append(heading)
        for text in paragraphs:
            doc.add_paragraph(text)
            blocks.append(text)
    _save_docx(doc, path)
    return ProgrammeExpected(title, [h for h, _ in _PROGRAMME], blocks)


# ---------------------------------------------------------------------------------------------------------------
# OFD (GB/T 33190)

_OFD_BODY = [
    "各有关单位：",
    "根据2023年全国“质量月”活动安排，经评审，现将结果公布如下。",
]
_OFD_TABLE = [
    ["序号", "单位名称", "等级"],
    ["1", "甲乙精密机械有限公司", "一等奖"],
    ["2", "丙丁电子科技股份有限公司", "二等奖"],
    ["3", "戊己食品有限公司第一分公司", "三等奖"],
]
_OFD_AFTER = ["示例市质量协会", "2023年9月1日"]
_OFD_COLUMNS = (25.0, 45.0, 150.0)  # mm, left edges of the table's columns


def _xml(body: str) -> bytes:
    """An XML document's bytes with the UTF-8 declaration."""
    return ('<?xml version="1.0" encoding="UTF-8"?>\n' + body).encode("utf-8")


def ofd_doc(path: Target) -> OfdExpected:
    """Write a minimal valid OFD (one page of TextObjects with a small table); return its text lines."""
    # The table's cells are drawn column by column, as some writers do: a reader must order text by position.
    title = NOTICE_TITLE
    ids = iter(range(10, 1000))
    objects: list[str] = []

    def text_object(x: float, y: float, text: str, size: float, delta: str | None = None) -> None:
        """One TextObject whose baseline is at page y (mm)."""
        w = round(size * len(text) + 2, 2)
        dx = f' DeltaX="{delta}"' if delta else ""
        objects.append(
            f'<ofd:TextObject ID="{next(ids)}" Boundary="{x} {round(y - size, 2)} {w} {round(size * 1.4, 2)}" '
            f'Font="3" Size="{size}"><ofd:FillColor Value="0 0 0"/>'
            f'<ofd:TextCode X="0" Y="{size}"{dx}>{html.escape(text, quote=False)}</ofd:TextCode></ofd:TextObject>')

    size = 5.6
    title_x = round((210 - size * len(title)) / 2, 2)
    text_object(title_x, 40, title, size, delta=f"g {len(title) - 1} {size}")  # GB/T 33190's compressed DeltaX
    y = 56.0
    body = 4.2
    for text in _OFD_BODY:
        text_object(25, y, text, body, delta=" ".join([str(body)] * (len(text) - 1)))
        y += 8
    table_top = y + 2
    for col, x in enumerate(_OFD_COLUMNS):  # column by column, as some writers draw tables
        for r, row in enumerate(_OFD_TABLE):
            text_object(x, table_top + r * 8, row[col], body)
    y = table_top + len(_OFD_TABLE) * 8 + 8
    for text in _OFD_AFTER:
        text_object(140, y, text, body)
        y += 8
    rules = []
    for r in range(len(_OFD_TABLE) + 1):
        ry = table_top - body - 2 + r * 8
        rules.append(f'<ofd:PathObject ID="{next(ids)}" Boundary="0 0 210 297" LineWidth="0.25">'
                     f'<ofd:AbbreviatedData>M 23 {ry} L 185 {ry}</ofd:AbbreviatedData></ofd:PathObject>')
    max_id = next(ids)
    layer = "".join(objects + rules)
    content = _xml(f'<ofd:Page xmlns:ofd="{OFD_NS}"><ofd:Content><ofd:Layer ID="2" Type="Body">{layer}'
                   f'</ofd:Layer></ofd:Content></ofd:Page>')
    document = _xml(
        f'<ofd:Document xmlns:ofd="{OFD_NS}"><ofd:CommonData><ofd:MaxUnitID>{max_id}</ofd:MaxUnitID>'
        '<ofd:PageArea><ofd:PhysicalBox>0 0 210 297</ofd:PhysicalBox></ofd:PageArea>'
        '<ofd:PublicRes>PublicRes.xml</ofd:PublicRes></ofd:CommonData>'
        '<ofd:Pages><ofd:Page ID="1" BaseLoc="Pages/Page_0/Content.xml"/></ofd:Pages></ofd:Document>')
    public_res = _xml(
        f'<ofd:Res xmlns:ofd="{OFD_NS}" BaseLoc="Res"><ofd:Fonts>'
        '<ofd:Font ID="3" FontName="宋体" FamilyName="宋体" Charset="unicode"/></ofd:Fonts></ofd:Res>')
    ofd = _xml(
        f'<ofd:OFD xmlns:ofd="{OFD_NS}" Version="1.0" DocType="OFD"><ofd:DocBody><ofd:DocInfo>'
        '<ofd:DocID>5d1c7a0e3b8f4e2a9c6d0b1f2e3a4c5d</ofd:DocID>'
        f'<ofd:Title>{title}</ofd:Title><ofd:Author>示例市质量协会</ofd:Author>'
        '<ofd:CreationDate>2023-09-01</ofd:CreationDate></ofd:DocInfo>'
        '<ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot></ofd:DocBody></ofd:OFD>')
    _write_zip(path, [
        ("OFD.xml", ofd),
        ("Doc_0/Document.xml", document),
        ("Doc_0/PublicRes.xml", public_res),
        ("Doc_0/Pages/Page_0/Content.xml", content),
    ])
    lines = [title] + list(_OFD_BODY) + [" ".join(row) for row in _OFD_TABLE] + list(_OFD_AFTER)
    return OfdExpected(title, lines, list(_OFD_TABLE[0]), [list(r) for r in _OFD_TABLE[1:]])


# ---------------------------------------------------------------------------------------------------------------
# Bad files


def lying_docx_as_doc(path: Path | str) -> DocxExpected:
    """Write the notice .docx's bytes under a .doc name; a correct reader sniffs the zip and reads it as docx."""
    return docx_doc(path)


def html_error_as_pdf(path: Path | str) -> None:
    """Write a web server's HTML 404 page under a .pdf name; a correct reader fails it (not a PDF)."""
    page = ('<!DOCTYPE html>\n<html lang="zh-CN">\n<head>\n<meta charset="utf-8">\n<title>404 Not Found</title>\n'
            '</head>\n<body>\n<h1>404 Not Found</h1>\n<p>抱歉，您访问的页面不存在或已被删除。</p>\n'
            '<p><a href="/">返回首页</a></p>\n</body>\n</html>\n')
    Path(path).write_bytes(page.encode("utf-8"))


def xlsx_as_xls(path: Path | str) -> dict[str, SheetExpected]:
    """Write a 名单 .xlsx's bytes under a .xls name; a correct reader sniffs the zip and reads it as xlsx."""
    return xlsx_list(path, list_rows(6))


def broken_zip(path: Path | str) -> None:
    """Write a .docx cut off at 60 % (no central directory); a correct reader fails it."""
    buf = io.BytesIO()
    docx_doc(buf)
    data = buf.getvalue()
    Path(path).write_bytes(data[: len(data) * 6 // 10])


def empty_file(path: Path | str) -> None:
    """Write an empty file; a correct reader skips or fails it."""
    Path(path).write_bytes(b"")


_BOMB_CONTENT_TYPES = _xml(
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/word/document.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>')
_BOMB_RELS = _xml(
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
    'Target="word/document.xml"/></Relationships>')


def _dos_time() -> tuple[int, int]:
    """The fixed timestamp as zip's DOS (time, date)."""
    y, mo, d, h, mi, s = _ZIP_TIME
    return (h << 11) | (mi << 5) | (s // 2), ((y - 1980) << 9) | (mo << 5) | d


def zip_bomb_docx(path: Path | str, chunks: int = 128) -> int:
    """Write a well-formed .docx whose document.xml inflates to over 500 MB from ~0.5 MB; return its true size."""
    # 128 × 4 MiB of spaces between elements. The deflate stream is one compressed 4 MiB piece repeated (each ends in
    # a full flush, so the pieces are identical and independent), written by hand into the zip: well under a second
    # and a few MB of memory, where zipfile's own streaming writer takes ~10 s to compress 512 MiB.
    head = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<w:document xmlns:w="{_W_NS}"><w:body>'
            '<w:p><w:r><w:t>关于开展2023年“质量月”活动的通知</w:t></w:r></w:p>').encode("utf-8")
    tail = b"</w:body></w:document>"
    chunk = b" " * (4 << 20)
    comp = zlib.compressobj(9, zlib.DEFLATED, -15, 9)
    c_head = comp.compress(head) + comp.flush(zlib.Z_FULL_FLUSH)
    c_chunk = comp.compress(chunk) + comp.flush(zlib.Z_FULL_FLUSH)
    c_tail = comp.compress(tail) + comp.flush(zlib.Z_FINISH)
    crc = zlib.crc32(head)
    for _ in range(chunks):
        crc = zlib.crc32(chunk, crc)
    crc = zlib.crc32(tail, crc)
    size = len(head) + chunks * len(chunk) + len(tail)
    csize = len(c_head) + chunks * len(c_chunk) + len(c_tail)

    def deflated(data: bytes) -> bytes:
        """Raw deflate of a small member."""
        c = zlib.compressobj(9, zlib.DEFLATED, -15)
        return c.compress(data) + c.flush()

    members: list[tuple[str, int, int, list[bytes] | None]] = [
        (name, zlib.crc32(data), len(data), [deflated(data)])
        for name, data in (("[Content_Types].xml", _BOMB_CONTENT_TYPES), ("_rels/.rels", _BOMB_RELS))
    ]
    members.append(("word/document.xml", crc, size, None))
    tm, dd = _dos_time()
    central = b""
    with open(path, "wb") as out:
        for name, m_crc, m_size, pieces in members:
            offset = out.tell()
            m_csize = sum(map(len, pieces)) if pieces is not None else csize
            raw = name.encode("ascii")
            fields = (20, 0, 8, tm, dd, m_crc, m_csize, m_size, len(raw))
            out.write(struct.pack("<IHHHHHIIIHH", 0x04034B50, *fields, 0) + raw)
            if pieces is not None:
                for piece in pieces:
                    out.write(piece)
            else:
                out.write(c_head)
                for _ in range(chunks):
                    out.write(c_chunk)
                out.write(c_tail)
            central += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, *fields, 0, 0, 0, 0, 0o644 << 16, offset) + raw
        start = out.tell()
        out.write(central)
        out.write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(members), len(members), len(central), start, 0))
    return size


# ---------------------------------------------------------------------------------------------------------------
# Encrypted OOXML: an OLE compound file holding EncryptionInfo (agile, AES-256 / SHA-512) and EncryptedPackage

_ENDOFCHAIN, _FREESECT, _FATSECT, _NOSTREAM = 0xFFFFFFFE, 0xFFFFFFFF, 0xFFFFFFFD, 0xFFFFFFFF


def _cfb(tree: dict) -> bytes:
    """A version 3 compound file (512-byte sectors, mini stream below 4096 bytes) of nested {name: bytes | dict}."""
    entries: list[dict] = []

    def add(name: str, node: bytes | dict, kind: int) -> int:
        """Append a directory entry (and its children); return its index."""
        idx = len(entries)
        entries.append({"name": name, "kind": kind, "data": node if isinstance(node, bytes) else b"", "children": []})
        if isinstance(node, dict):
            for child_name, child in node.items():
                entries[idx]["children"].append(add(child_name, child, 1 if isinstance(child, dict) else 2))
        return idx

    add("Root Entry", tree, 5)
    mini = bytearray()
    minifat: list[int] = []
    big: list[tuple[int, bytes]] = []
    for i, e in enumerate(entries):
        data = e["data"]
        e["start"], e["size"] = (0, 0) if e["kind"] != 2 else (_ENDOFCHAIN, 0) if not data else (0, len(data))
        if e["kind"] == 2 and 0 < len(data) < 4096:
            first = len(mini) // 64
            count = -(-len(data) // 64)
            mini += data + b"\0" * (count * 64 - len(data))
            minifat += [first + k + 1 for k in range(count - 1)] + [_ENDOFCHAIN]
            e["start"] = first
        elif e["kind"] == 2 and data:
            big.append((i, data))
    sectors = lambda n: -(-n // 512)  # noqa: E731
    n_dir = sectors(len(entries) * 128)
    n_minifat = sectors(len(minifat) * 4)
    n_mini = sectors(len(mini))
    n_other = n_dir + n_minifat + n_mini + sum(sectors(len(d)) for _, d in big)
    n_fat = 1
    while n_fat * 128 < n_other + n_fat:
        n_fat += 1
    assert n_fat <= 109, "too large for a header-only DIFAT"
    fat = [_FREESECT] * (n_fat * 128)
    for k in range(n_fat):
        fat[k] = _FATSECT
    cursor = n_fat

    def chain(count: int) -> int:
        """Allocate count consecutive sectors as one chain; return the first (ENDOFCHAIN when none)."""
        nonlocal cursor
        if count == 0:
            return _ENDOFCHAIN
        first = cursor
        for k in range(count):
            fat[first + k] = first + k + 1 if k < count - 1 else _ENDOFCHAIN
        cursor += count
        return first

    dir_start = chain(n_dir)
    minifat_start = chain(n_minifat)
    mini_start = chain(n_mini)
    for i, data in big:
        entries[i]["start"] = chain(sectors(len(data)))
    entries[0]["start"], entries[0]["size"] = (mini_start, len(mini)) if mini else (_ENDOFCHAIN, 0)

    for e in entries:
        e["left"] = e["right"] = e["child"] = _NOSTREAM
        e["color"] = 1
    for e in entries:  # children as a balanced binary tree, ordered by name length then upper-cased name
        kids = sorted(e["children"], key=lambda k: (len(entries[k]["name"]), entries[k]["name"].upper()))
        depth_of: dict[int, int] = {}

        def build(lo: int, hi: int, depth: int) -> int:
            """Root index of the subtree of kids[lo:hi]."""
            if lo >= hi:
                return _NOSTREAM
            mid = (lo + hi) // 2
            node = kids[mid]
            depth_of[node] = depth
            entries[node]["left"] = build(lo, mid, depth + 1)
            entries[node]["right"] = build(mid + 1, hi, depth + 1)
            return node

        e["child"] = build(0, len(kids), 0)
        deepest = max(depth_of.values(), default=0)
        for node, depth in depth_of.items():  # red on the deepest level keeps the red-black rules
            entries[node]["color"] = 0 if depth == deepest and depth > 0 else 1

    directory = bytearray()
    for e in entries:
        name = e["name"].encode("utf-16-le")
        directory += struct.pack("<64sHBBIII16sIQQIQ", name, len(name) + 2, e["kind"], e["color"], e["left"],
                                 e["right"], e["child"], b"\0" * 16, 0, 0, 0, e["start"], e["size"])
    free = struct.pack("<64sHBBIII16sIQQIQ", b"", 0, 0, 0, _NOSTREAM, _NOSTREAM, _NOSTREAM, b"\0" * 16, 0, 0, 0, 0, 0)
    while len(directory) % 512:
        directory += free

    def padded(data: bytes) -> bytes:
        """Data padded to whole sectors."""
        return data + b"\0" * (-len(data) % 512)

    difat = list(range(n_fat)) + [_FREESECT] * (109 - n_fat)
    header = struct.pack("<8s16sHHHHH6sIIIIIIIII", bytes.fromhex("D0CF11E0A1B11AE1"), b"\0" * 16, 0x3E, 3, 0xFFFE,
                         9, 6, b"\0" * 6, 0, n_fat, dir_start, 0, 4096,
                         minifat_start, n_minifat, _ENDOFCHAIN, 0) + struct.pack("<109I", *difat)
    body = struct.pack(f"<{len(fat)}I", *fat) + bytes(directory)
    body += padded(struct.pack(f"<{len(minifat)}I", *minifat)) if minifat else b""
    body += padded(bytes(mini))
    for _, data in big:
        body += padded(data)
    return header + body


def _lp4(text: str) -> bytes:
    """MS-OFFCRYPTO's UNICODE-LP-P4: byte length, UTF-16LE, padded to 4 bytes."""
    raw = text.encode("utf-16-le")
    return struct.pack("<I", len(raw)) + raw + b"\0" * (-len(raw) % 4)


def _data_spaces() -> dict:
    """The \\x06DataSpaces storage Office writes beside an encrypted package."""
    versions = struct.pack("<6H", 1, 0, 1, 0, 1, 0)
    entry = struct.pack("<II", 1, 0) + _lp4("EncryptedPackage") + _lp4("StrongEncryptionDataSpace")
    transform_id = _lp4("{FF9A3F03-56EF-4613-BDD5-5A41C1D07246}")
    primary = (struct.pack("<II", 8 + len(transform_id), 1) + transform_id
               + _lp4("Microsoft.Container.EncryptionTransform") + versions + struct.pack("<IIII", 0, 0, 0, 4))
    return {
        "Version": _lp4("Microsoft.Container.DataSpaces") + versions,
        "DataSpaceMap": struct.pack("<III", 8, 1, len(entry) + 4) + entry,
        "DataSpaceInfo": {"StrongEncryptionDataSpace": struct.pack("<II", 8, 1) + _lp4("StrongEncryptionTransform")},
        "TransformInfo": {"StrongEncryptionTransform": {"\x06Primary": primary}},
    }


def _aes_cbc(key: bytes, iv: bytes, data: bytes) -> bytes:
    """AES-CBC of data (zero-padded to 16 bytes)."""
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

    data += b"\0" * (-len(data) % 16)
    enc = Cipher(algorithms.AES(key), modes.CBC(iv)).encryptor()
    return enc.update(data) + enc.finalize()


def _fixed_bytes(label: str, n: int) -> bytes:
    """n deterministic 'random' bytes (salts and keys of the fixture must not change between runs)."""
    return hashlib.sha512(f"attachment_fixtures:{label}".encode()).digest()[:n]


_BLOCK_VERIFIER_INPUT = bytes.fromhex("fea7d2763b4b9e79")
_BLOCK_VERIFIER_VALUE = bytes.fromhex("d7aa0f6d3061344e")
_BLOCK_KEY_VALUE = bytes.fromhex("146e0be7abacd0d6")
_BLOCK_HMAC_KEY = bytes.fromhex("5fb2ad010cb9e1f6")
_BLOCK_HMAC_VALUE = bytes.fromhex("a0677f02b22c8433")


def _agile_encrypt(package: bytes, password: str, spin: int = 100000) -> tuple[bytes, bytes]:
    """ECMA-376 agile encryption (MS-OFFCRYPTO 2.3.4.10–15) of a package: (EncryptionInfo, EncryptedPackage)."""
    sha = hashlib.sha512
    key_salt, pw_salt = _fixed_bytes("keyData", 16), _fixed_bytes("password", 16)
    secret, verifier = _fixed_bytes("secret", 32), _fixed_bytes("verifier", 16)
    hmac_key = _fixed_bytes("hmac", 64)
    h = sha(pw_salt + password.encode("utf-16-le")).digest()
    for i in range(spin):
        h = sha(struct.pack("<I", i) + h).digest()
    derive = lambda block: sha(h + block).digest()[:32]  # noqa: E731
    enc_input = _aes_cbc(derive(_BLOCK_VERIFIER_INPUT), pw_salt, verifier)
    enc_value = _aes_cbc(derive(_BLOCK_VERIFIER_VALUE), pw_salt, sha(verifier).digest())
    enc_key = _aes_cbc(derive(_BLOCK_KEY_VALUE), pw_salt, secret)
    stream = bytearray(struct.pack("<Q", len(package)))
    for i in range(0, len(package), 4096):
        iv = sha(key_salt + struct.pack("<I", i // 4096)).digest()[:16]
        stream += _aes_cbc(secret, iv, package[i:i + 4096])
    mac = hmac.new(hmac_key, bytes(stream), sha).digest()
    enc_hmac_key = _aes_cbc(secret, sha(key_salt + _BLOCK_HMAC_KEY).digest()[:16], hmac_key)
    enc_hmac_value = _aes_cbc(secret, sha(key_salt + _BLOCK_HMAC_VALUE).digest()[:16], mac)
    b64 = lambda raw: base64.b64encode(raw).decode("ascii")  # noqa: E731
    params = ('saltSize="16" blockSize="16" keyBits="256" hashSize="64" cipherAlgorithm="AES" '
              'cipherChaining="ChainingModeCBC" hashAlgorithm="SHA512"')
    xml = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n'
           '<encryption xmlns="http://schemas.microsoft.com/office/2006/encryption" '
           'xmlns:p="http://schemas.microsoft.com/office/2006/keyEncryptor/password" '
           'xmlns:c="http://schemas.microsoft.com/office/2006/keyEncryptor/certificate">'
           f'<keyData {params} saltValue="{b64(key_salt)}"/>'
           f'<dataIntegrity encryptedHmacKey="{b64(enc_hmac_key)}" encryptedHmacValue="{b64(enc_hmac_value)}"/>'
           '<keyEncryptors><keyEncryptor uri="http://schemas.microsoft.com/office/2006/keyEncryptor/password">'
           f'<p:encryptedKey spinCount="{spin}" {params} saltValue="{b64(pw_salt)}" '
           f'encryptedVerifierHashInput="{b64(enc_input)}" encryptedVerifierHashValue="{b64(enc_value)}" '
           f'encryptedKeyValue="{b64(enc_key)}"/></keyEncryptor></keyEncryptors></encryption>')
    info = struct.pack("<HHI", 4, 4, 0x40) + xml.encode("utf-8")
    return info, bytes(stream)


def encrypted_xlsx(path: Path | str, password: str = "zlyx2023") -> str:
    """Write a password-protected .xlsx as Office stores one (OLE, agile AES-256); return the password."""
    # An OLE compound file holding EncryptionInfo (agile, AES-256 / SHA-512), EncryptedPackage and \x06DataSpaces;
    # really encrypted, so a tool with the password opens it. A correct reader fails it as encrypted.
    buf = io.BytesIO()
    xlsx_list(buf, list_rows(6))
    info, package = _agile_encrypt(buf.getvalue(), password)
    Path(path).write_bytes(_cfb({"\x06DataSpaces": _data_spaces(), "EncryptionInfo": info,
                                 "EncryptedPackage": package}))
    return password


# ---------------------------------------------------------------------------------------------------------------
# Notice pages and a site mirror


def notice_page(title: str, date: str, publisher: str, paragraphs: list[str],
                attachments: list[tuple[str, str]], region: str = "") -> str:
    """An HTML notice page as a government or association site publishes it; attachments are (href, link text)."""
    esc = html.escape
    body = "\n".join(f"<p>{esc(p)}</p>" for p in paragraphs)
    links = "\n".join(f'<li><a href="{esc(href)}" target="_blank">{esc(text)}</a></li>' for href, text in attachments)
    site = esc(f"{region}{publisher}" if region and not publisher.startswith(region) else publisher)
    return f"""<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<title>{esc(title)}_{site}</title>
<meta name="ArticleTitle" content="{esc(title)}">
<meta name="PubDate" content="{esc(date)} 10:00">
<meta name="ContentSource" content="{esc(publisher)}">
</head>
<body>
<div class="header"><a href="/">{site}</a> &gt; <a href="/col/col_1/">通知公告</a></div>
<div class="article">
<h1>{esc(title)}</h1>
<div class="info">发布日期：{esc(date)}　信息来源：{esc(publisher)}</div>
<div class="content">
{body}
<p>附件：</p>
<ul class="attachments">
{links}
</ul>
<p style="text-align:right">{esc(publisher)}</p>
<p style="text-align:right">{esc(date)}</p>
</div>
</div>
<div class="footer">版权所有：{site}　地址：示例路1号　（本页内容为测试虚构）</div>
</body>
</html>
"""


MIRROR_HOST = "www.example-zj.gov.cn"


def mirror(root: Path | str) -> dict[str, str | None]:
    """Write a small site mirror (a notice linking 3 attachments 3 ways, 1 orphan); return attachment → page/None."""
    # Paths are relative to root, "/"-separated.
    root = Path(root)
    site = root / MIRROR_HOST
    page_dir = site / "art" / "2023" / "9" / "1"
    download = site / "module" / "download"
    page_dir.mkdir(parents=True, exist_ok=True)
    download.mkdir(parents=True, exist_ok=True)
    xlsx_name, pdf_name = "P020230901_名单.xlsx", "附件2：名单.pdf"
    rows = list_rows(8)
    xlsx_list(page_dir / xlsx_name, rows)
    pdf_list(page_dir / pdf_name, rows)
    programme_docx(download / "programme.docx")
    xlsx_list(site / "orphan.xlsx", list_rows(4), title="2023年度质量管理小组活动优秀企业名单")
    page = notice_page(
        NOTICE_TITLE, "2023-09-01", "浙江省示例质量协会",
        ["各市质量协会，各有关单位：",
         "为深入开展2023年全国“质量月”活动，推动浙江省群众性质量管理活动持续开展，经推荐和评审，"
         "现将2023年度优秀质量管理小组名单予以公布（见附件1、附件2），活动方案见附件3。"],
        [(f"./{xlsx_name}", "附件1：2023年度优秀质量管理小组名单.xlsx"),
         ("./" + quote(pdf_name), "附件2：名单.pdf"),
         (f"http://{MIRROR_HOST}/module/download/programme.docx", "附件3：活动方案.docx")],
        region="浙江省")
    page_path = page_dir / "art_1_1.html"
    page_path.write_text(page, encoding="utf-8")
    parent = page_path.relative_to(root).as_posix()
    return {
        (page_dir / xlsx_name).relative_to(root).as_posix(): parent,
        (page_dir / pdf_name).relative_to(root).as_posix(): parent,
        (download / "programme.docx").relative_to(root).as_posix(): parent,
        (site / "orphan.xlsx").relative_to(root).as_posix(): None,
    }
