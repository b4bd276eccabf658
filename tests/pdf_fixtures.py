"""Generators of test PDFs for indexer/formats/pdf.py: ruled CJK tables across pages, plain text,
scans, garbled text, encrypted and truncated files. All names and text are invented.

Each generator writes to `path` and is deterministic: the same content for the same arguments,
byte for byte (reportlab's invariant mode) but for scan_pdf's timestamp (Pillow) and the encrypted
files' keys. CJK text uses reportlab's built-in CID font STSong-Light, not embedded: readers map it
to Unicode through the UniGB-UCS2-H CMap, and pdfium, finding no such font installed, has no glyph
boxes for it (it drops text drawn one character alone, or rotated, in that font)."""
from __future__ import annotations

import io
import os
import random
import re
from pathlib import Path

from PIL import Image, ImageDraw
from reportlab.lib.pagesizes import A4
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen.canvas import Canvas

FONT = "STSong-Light"
pdfmetrics.registerFont(UnicodeCIDFont(FONT))

PAGE_W, PAGE_H = A4
MARGIN_X = 50.0
MARGIN_TOP = 56.0
MARGIN_BOTTOM = 64.0
TEXT_W = PAGE_W - 2 * MARGIN_X
BODY_SIZE = 11.0
BODY_LEADING = 19.0

TABLE_TITLE = "2023年度优秀质量管理小组名单"
TABLE_INTRO = [
    "根据《质量管理小组活动管理办法》有关规定，经各推荐单位择优推荐、专家组评审和网上公示，"
    "现将2023年度优秀质量管理小组名单予以公布。希望获奖小组珍惜荣誉，持续开展QC小组活动，"
    "运用PDCA循环和统计技术解决现场质量问题。",
    "各有关单位要认真总结推广优秀小组的经验和做法，引导广大职工积极参与群众性质量改进活动。",
]
TABLE_NOTE = "注：以上名单按推荐单位排列，排名不分先后。"
TABLE_HEADER = ["序号", "单位名称", "小组名称", "课题名称", "等级"]
TABLE_COLS = [40.0, 135.0, 110.0, 150.0, 60.0]  # sums to TEXT_W (495)
CELL_SIZE = 9.0
CELL_LEADING = 11.0
CELL_PAD = 3.0

_REGIONS = ["华东", "华北", "西南", "东北", "华南", "西北", "华中", "江淮", "滨海", "川渝"]
_CORES = [
    "甲乙精密机械", "丙丁电子科技", "戊己化工材料", "庚辛汽车零部件", "壬癸纺织", "子丑食品",
    "寅卯建材", "辰巳仪器仪表", "午未医药", "申酉电力设备", "戌亥船舶", "天地光电", "山海重工",
    "星辰航空部件", "云帆新能源", "青禾农业装备", "金石矿业", "白鹭造纸", "长风电缆", "明湖水务",
]
_SUFFIXES = ["有限公司", "股份有限公司", "集团有限公司", "有限责任公司", "有限公司第二分公司"]
_TEAMS = ["攻坚", "精益", "创新", "匠心", "启航", "聚力", "追梦", "先锋", "蓝海", "磐石", "远航", "星火"]
_PRODUCTS = ["齿轮箱壳体", "控制电路板", "涂层钢板", "制动卡钳", "无纺布", "灌装线", "预制墙板",
             "压力变送器", "注射液", "开关柜", "分段焊缝", "光纤模块"]
_TOPICS = [
    "提高{p}一次装配合格率",
    "降低{p}生产过程不良率",
    "缩短{p}出厂检验周期",
    "提升Smart Meter型{p}在线校验效率",
    "优化{p}工艺参数的Design of Experiments应用",
    "提高{p}关键尺寸CPK值",
]
_GRADES = ["一等奖", "二等奖", "三等奖", "优秀奖"]

# A break opportunity is before a Han character, before a Latin word, or at a space (consumed).
_TOKEN = re.compile(r"[A-Za-z0-9.\-]+| |.")


def _width(text: str, size: float) -> float:
    return pdfmetrics.stringWidth(text, FONT, size)


def wrap(text: str, width: float, size: float, indent: float = 0.0) -> list[str]:
    """Break text into lines no wider than `width`; Latin words are never split, a space at a
    break is dropped (so the reader must put it back between Latin words)."""
    lines: list[str] = []
    line = ""
    avail = width - indent
    for tok in _TOKEN.findall(text):
        if tok == " " and not line:
            continue
        if _width((line + tok).rstrip(), size) <= avail:
            line += tok
            continue
        lines.append(line.rstrip())
        line = "" if tok == " " else tok
        avail = width
    if line.strip():
        lines.append(line.rstrip())
    return lines


def _draw_paragraph(c: Canvas, text: str, y: float, size: float = BODY_SIZE,
                    leading: float = BODY_LEADING, indent_chars: int = 2) -> float:
    """Draw a justified paragraph (first line indented) from baseline y; the next baseline."""
    c.setFont(FONT, size)
    indent = indent_chars * size
    lines = wrap(text, TEXT_W, size, indent)
    for i, line in enumerate(lines):
        x = MARGIN_X + (indent if i == 0 else 0.0)
        avail = TEXT_W - (indent if i == 0 else 0.0)
        spacing = 0.0
        if i < len(lines) - 1 and len(line) > 1:
            spacing = (avail - _width(line, size)) / (len(line) - 1)
        c.drawString(x, y, line, charSpace=spacing)
        y -= leading
    return y


def _draw_centered(c: Canvas, text: str, y: float, size: float, bold: bool = False) -> None:
    c.setFont(FONT, size)
    x = (PAGE_W - _width(text, size)) / 2
    c.drawString(x, y, text)
    if bold:  # fake bold, as word processors do for CJK fonts without a bold face: drawn twice
        c.drawString(x + 0.4, y, text)


def _page_number(c: Canvas, n: int) -> None:
    _draw_centered(c, f"— {n} —", MARGIN_BOTTOM / 2, 9)


def table_row(i: int) -> list[str]:
    """The i-th (0-based) invented row of table_pdf: 序号, 单位名称, 小组名称, 课题名称, 等级."""
    unit = _REGIONS[i % 10] + _CORES[(i // 10) % 20] + _SUFFIXES[(i // 200) % 5]
    if i % 3 == 1:
        unit += "质量管理部"
    team = _TEAMS[i % 12] + ("" if i % 5 else "第二") + "QC小组"
    topic = _TOPICS[i % 6].format(p=_PRODUCTS[(i * 7) % 12])
    return [str(i + 1), unit, team, topic, _GRADES[(i * 3 + i // 7) % 4]]


def _cell_lines(row: list[str]) -> list[list[str]]:
    return [wrap(text, w - 2 * CELL_PAD, CELL_SIZE) or [""] for text, w in zip(row, TABLE_COLS)]


def _row_height(lines: list[list[str]]) -> float:
    return 2 * CELL_PAD + CELL_LEADING * max(len(cell) for cell in lines)


def _draw_row(c: Canvas, lines: list[list[str]], top: float, widths: list[float] = TABLE_COLS,
              bold: bool = False) -> float:
    """Draw one ruled row of cells (text centred vertically) with its top at `top`; its bottom.
    Bold text is drawn twice, 0.4 pt apart (fake bold)."""
    height = _row_height(lines)
    bottom = top - height
    x = MARGIN_X
    c.setFont(FONT, CELL_SIZE)
    for cell, w in zip(lines, widths):
        c.rect(x, bottom, w, height, stroke=1, fill=0)
        block = CELL_LEADING * len(cell)
        y = top - (height - block) / 2 - CELL_LEADING + 3.0
        for line in cell:
            c.drawString(x + CELL_PAD, y, line)
            if bold:
                c.drawString(x + CELL_PAD + 0.4, y, line)
            y -= CELL_LEADING
        x += w
    return bottom


def table_pdf(path: str | os.PathLike[str], rows: int = 80, rows_per_page: int = 30,
              repeat_header: bool = True) -> list[list[str]]:
    """A 名单 PDF: heading, two paragraphs, a ruled 5-column table of `rows` rows over several pages
    (header repeated on each page unless repeat_header=False) and a note after it; the expected rows.

    The heading and the table header are in fake bold (each drawn twice, slightly offset).
    Long 单位名称/课题名称 cells wrap over two lines. At every other page break the next row that
    has a wrapped cell is split: its first lines close the page, the rest opens the next page in
    a row whose 序号 and single-line cells are empty."""
    data = [table_row(i) for i in range(rows)]
    c = Canvas(str(path), pagesize=A4, invariant=1)
    c.setTitle(TABLE_TITLE)
    page = 1
    _draw_centered(c, TABLE_TITLE, PAGE_H - MARGIN_TOP - 18, 18, bold=True)
    y = PAGE_H - MARGIN_TOP - 18 - 40
    for para in TABLE_INTRO:
        y = _draw_paragraph(c, para, y)
    top = y + BODY_LEADING - 12
    top = _draw_row(c, [[h] for h in TABLE_HEADER], top, bold=True)
    on_page = 0
    breaks = splits = 0
    pending: list[list[str]] | None = None  # the rest of a split row, drawn at the next page's top
    i = 0
    while i < rows:
        lines = _cell_lines(data[i])
        height = _row_height(lines)
        fits_height = top - height >= MARGIN_BOTTOM
        fits = fits_height and on_page < rows_per_page
        # Split a row at every other page break: the last row that goes on the page, when it has a
        # wrapped cell; else the break after. At a break by row count a few more rows may go on
        # the page until one can be split.
        want_split = splits * 2 <= breaks
        first = [cell[:1] for cell in lines]
        last = not fits or top - height - _row_height([[""]]) < MARGIN_BOTTOM or on_page + 1 >= rows_per_page
        if want_split and last and max(map(len, lines)) > 1 and top - _row_height(first) >= MARGIN_BOTTOM:
            _draw_row(c, first, top)
            pending = [cell[1:] or [""] for cell in lines]
            splits += 1
            i += 1
        elif fits or (want_split and fits_height and on_page < rows_per_page + 4):
            top = _draw_row(c, lines, top)
            on_page += 1
            i += 1
            continue
        _page_number(c, page)
        c.showPage()
        page += 1
        breaks += 1
        on_page = 0
        top = PAGE_H - MARGIN_TOP
        if repeat_header:
            top = _draw_row(c, [[h] for h in TABLE_HEADER], top, bold=True)
        if pending is not None:
            top = _draw_row(c, pending, top)
            pending = None
    if top - 3 * BODY_LEADING < MARGIN_BOTTOM:
        _page_number(c, page)
        c.showPage()
        page += 1
        top = PAGE_H - MARGIN_TOP
    _draw_paragraph(c, TABLE_NOTE, top - BODY_LEADING - 6)
    _page_number(c, page)
    c.showPage()
    c.save()
    return data


MERGED_HEADER = ["序号", "企业名称", "产品名称", "获奖情况奖项", "获奖情况等级"]
MERGED_COLS = [36.0, 170.0, 150.0, 70.0, 69.0]


def merged_table_pdf(path: str | os.PathLike[str]) -> list[list[str]]:
    """One page with a table whose header spans two rows (序号/企业名称/产品名称 span both rows,
    获奖情况 spans the columns 奖项 and 等级 of the second row), whose 奖项 and 等级 cells span
    several rows, and whose last row has a 产品名称 cell spanning 产品名称 and 奖项; the expected
    rows with merged cells filled (left for horizontal spans, above for vertical ones)."""
    rows_text = [
        ["1", "甲乙精密机械有限公司", "数控齿轮磨床"],
        ["2", "丙丁电子科技股份有限公司", "工业控制主板"],
        ["3", "戊己化工材料有限公司", "水性防腐涂料"],
        ["4", "天地光电集团有限公司", "高速光纤模块"],
        ["5", "山海重工有限责任公司", "大型盾构刀盘"],
        ["6", "云帆新能源有限公司", "储能变流器"],
    ]
    # (first row, last row, text) of the vertical spans in the 奖项 and 等级 columns
    award_spans = [(0, 3, "质量金奖"), (4, 4, "提名奖")]
    grade_spans = [(0, 1, "一等"), (2, 4, "二等"), (5, 5, "三等")]
    last_product = "全系列产品（含出口型号）"
    c = Canvas(str(path), pagesize=A4, invariant=1)
    _draw_centered(c, "第三届区域质量奖获奖企业名单", PAGE_H - MARGIN_TOP - 16, 16)
    xs = [MARGIN_X]
    for w in MERGED_COLS:
        xs.append(xs[-1] + w)
    row_h = 2 * CELL_PAD + CELL_LEADING
    top0 = PAGE_H - MARGIN_TOP - 60
    c.setFont(FONT, CELL_SIZE)

    def cell(r0: int, c0: int, r1: int, c1: int, text: str, top: float) -> None:
        y_top = top - r0 * row_h
        y_bottom = top - (r1 + 1) * row_h
        c.rect(xs[c0], y_bottom, xs[c1 + 1] - xs[c0], y_top - y_bottom, stroke=1, fill=0)
        c.drawString(xs[c0] + CELL_PAD, (y_top + y_bottom) / 2 - 3.0, text)

    for col, name in enumerate(["序号", "企业名称", "产品名称"]):
        cell(0, col, 1, col, name, top0)
    cell(0, 3, 0, 4, "获奖情况", top0)
    cell(1, 3, 1, 3, "奖项", top0)
    cell(1, 4, 1, 4, "等级", top0)
    top = top0 - 2 * row_h
    expected: list[list[str]] = []
    for r, (num, firm, product) in enumerate(rows_text):
        award = next((t for a, b, t in award_spans if a <= r <= b), "")
        grade = next(t for a, b, t in grade_spans if a <= r <= b)
        cell(r, 0, r, 0, num, top)
        cell(r, 1, r, 1, firm, top)
        if r == len(rows_text) - 1:
            cell(r, 2, r, 3, last_product, top)
            expected.append([num, firm, last_product, last_product, grade])
        else:
            cell(r, 2, r, 2, product, top)
            expected.append([num, firm, product, award, grade])
    for a, b, text in award_spans:
        cell(a, 3, b, 3, text, top)
    for a, b, text in grade_spans:
        cell(a, 4, b, 4, text, top)
    c.showPage()
    c.save()
    return expected


TEXT_TITLE = "关于开展2024年质量月活动的通知"
TEXT_PARAGRAPHS = [
    "各有关单位：",
    "为深入贯彻质量强国建设纲要，进一步提升全员质量意识，营造人人重视质量、人人创造质量的良好氛围，"
    "经研究，决定于2024年9月在全系统组织开展以“质量引领发展，创新驱动未来”为主题的质量月活动。"
    "现将有关事项通知如下。",
    "一、活动主题",
    "质量引领发展，创新驱动未来。各单位要结合实际，围绕主题策划开展形式多样的群众性质量活动，"
    "突出问题导向和结果导向，确保活动取得实效。",
    "二、活动内容",
    "（一）开展质量知识竞赛。以班组为单位组织质量知识竞赛，内容涵盖质量管理体系、Failure Mode and "
    "Effects Analysis方法、统计过程控制以及卓越绩效评价准则等，竞赛成绩纳入年度质量考核。",
    "（二）组织质量问题攻关。针对近三年顾客投诉集中的产品和过程，成立跨部门攻关小组，运用六西格玛和"
    "QC小组活动方法分析根本原因，制定纠正预防措施，并在活动期间完成效果验证。各单位应于活动结束后"
    "十个工作日内提交攻关总结报告，报告应包括问题描述、原因分析、对策实施、效果确认和标准化五个部分，"
    "并附必要的数据和图表。对于涉及供应商的质量问题，应同步组织供应商开展联合改进，"
    "将改进要求纳入采购合同和供应商考核体系，形成长效机制。",
    "（三）举办质量开放日。邀请顾客代表、社区居民和媒体记者走进生产现场，了解产品实现过程和质量控制措施，"
    "听取意见建议，增进社会各界对质量工作的理解和支持。",
    "三、工作要求",
    "各单位要高度重视，明确责任部门和联系人，于8月31日前将活动方案报送质量管理部。"
    "活动期间要加强宣传报道，及时总结推广好经验好做法。",
    "某某市质量发展促进会",
    "2024年8月20日",
]


def text_pdf(path: str | os.PathLike[str]) -> list[str]:
    """A two-page notice: a larger centred title, a salutation, indented justified paragraphs
    (one running over a page break), short section headings, a right-aligned signature and date,
    and page numbers; the expected blocks after the title, in order."""
    c = Canvas(str(path), pagesize=A4, invariant=1)
    page = 1
    _draw_centered(c, TEXT_TITLE, PAGE_H - MARGIN_TOP - 16, 16, bold=True)
    y = PAGE_H - MARGIN_TOP - 16 - 44
    c.setFont(FONT, BODY_SIZE)
    for n, para in enumerate(TEXT_PARAGRAPHS):
        if n == 0:
            c.drawString(MARGIN_X, y, para)
            y -= BODY_LEADING
            continue
        if n >= len(TEXT_PARAGRAPHS) - 2:  # signature and date, right-aligned
            c.setFont(FONT, BODY_SIZE)
            c.drawString(PAGE_W - MARGIN_X - _width(para, BODY_SIZE) - 2 * BODY_SIZE, y, para)
            y -= BODY_LEADING
            continue
        indent = 2 if not re.match(r"[一二三四五]、", para) else 0
        lines = wrap(para, TEXT_W, BODY_SIZE, indent * BODY_SIZE)
        for k, line in enumerate(lines):
            # Page 1's body stops at 45% of the page height, inside a paragraph.
            bottom = PAGE_H * 0.45 if page == 1 else MARGIN_BOTTOM
            if y < bottom:
                _page_number(c, page)
                c.showPage()
                page += 1
                y = PAGE_H - MARGIN_TOP - BODY_SIZE
            x = MARGIN_X + (indent * BODY_SIZE if k == 0 else 0.0)
            avail = TEXT_W - (indent * BODY_SIZE if k == 0 else 0.0)
            spacing = (avail - _width(line, BODY_SIZE)) / (len(line) - 1) if k < len(lines) - 1 else 0.0
            c.setFont(FONT, BODY_SIZE)
            c.drawString(x, y, line, charSpace=spacing)
            y -= BODY_LEADING
    _page_number(c, page)
    c.showPage()
    c.save()
    return TEXT_PARAGRAPHS


def _scan_image(seed: int) -> Image.Image:
    """A grey 'scanned page': strokes that look like lines of text, but only pixels."""
    rng = random.Random(seed)
    img = Image.new("L", (595, 842), 250)
    draw = ImageDraw.Draw(img)
    y = 80
    while y < 760:
        x = 60 + (24 if rng.random() < 0.2 else 0)
        end = 535 if rng.random() < 0.8 else rng.randrange(200, 500)
        while x < end:
            w = rng.randrange(8, 12)
            draw.rectangle([x, y, x + w, y + 11], fill=rng.randrange(20, 90))
            x += w + 3
        y += 22
    return img


def scan_pdf(path: str | os.PathLike[str], pages: int = 2, watermark: str = "") -> None:
    """An image-only PDF (what a scanner makes): each page is one picture, no text layer; with a
    `watermark`, each page also carries that short line as text (as scanning apps stamp)."""
    if not watermark:
        images = [_scan_image(k).convert("RGB") for k in range(pages)]
        images[0].save(str(path), "PDF", resolution=72.0, save_all=True, append_images=images[1:])
        return
    c = Canvas(str(path), pagesize=A4, invariant=1)
    for k in range(pages):
        buf = io.BytesIO()
        _scan_image(k).save(buf, "PNG")
        buf.seek(0)
        c.drawImage(ImageReader(buf), 0, 0, PAGE_W, PAGE_H)
        c.setFont(FONT, 8)
        c.drawString(PAGE_W - 120, 20, watermark)
        c.showPage()
    c.save()


PARTLY_SCANNED_TEXT = [
    "本页为文字版第一页：质量提升行动方案正文。",
    "本页为文字版第二页：各部门职责分工表说明。",
]


def partly_scanned_pdf(path: str | os.PathLike[str]) -> list[str]:
    """Two text pages followed by one image-only page; the text of the two text pages."""
    c = Canvas(str(path), pagesize=A4, invariant=1)
    for text in PARTLY_SCANNED_TEXT:
        _draw_paragraph(c, text, PAGE_H - MARGIN_TOP - 20)
        c.showPage()
    buf = io.BytesIO()
    _scan_image(7).save(buf, "PNG")
    buf.seek(0)
    c.drawImage(ImageReader(buf), 0, 0, PAGE_W, PAGE_H)
    c.showPage()
    c.save()
    return PARTLY_SCANNED_TEXT


def build_pdf(objects: list[bytes]) -> bytes:
    """A PDF file from its numbered objects (1 = catalog), with a correct xref table."""
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for n, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % n + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for off in offsets:
        out += b"%010d 00000 n \n" % off
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def pdf_stream(content: bytes) -> bytes:
    return b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream"


def garbled_pdf(path: str | os.PathLike[str], kind: str = "cid", pages: int = 2) -> None:
    """A hand-written PDF whose text extracts as junk, as real PDFs without a usable ToUnicode do.

    kind="cid": a Type0 font with /Encoding /Identity-H and a CIDFontType2 descendant (glyph ids
    as codes, subset-style name /ABCDEF+SimSun, not embedded) and no /ToUnicode: pdfium reports
    the glyph ids as code points (scattered CJK, Cyrillic, Ethiopic … letters) and flags them as
    unmapped; pdfminer gives "(cid:N)".
    kind="pua": a simple TrueType font whose /ToUnicode maps every code to the private-use area
    U+E000–U+E0FF (what some CJK font vendors' fonts produce).
    Each page also carries a page number in Helvetica, which extracts correctly."""
    rng = random.Random(1234)
    page_ids = [3 + 2 * k for k in range(pages)]
    font_id = 3 + 2 * pages
    objects: list[bytes] = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [" + b" ".join(b"%d 0 R" % p for p in page_ids) + b"] /Count %d >>" % pages,
    ]
    for k, page_id in enumerate(page_ids):
        content = bytearray()
        for line in range(24):
            if kind == "cid":
                codes = b"".join(b"%04X" % rng.randrange(0x0100, 0x6000) for _ in range(32))
            else:
                codes = b"".join(b"%02X" % rng.randrange(0x21, 0x7F) for _ in range(40))
            content += b"BT /F1 12 Tf 60 %d Td <%s> Tj ET\n" % (770 - 26 * line, codes)
        content += b"BT /F2 9 Tf 290 30 Td (%d) Tj ET\n" % (k + 1)
        objects.append(
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 %d 0 R"
            b" /F2 %d 0 R >> >> /Contents %d 0 R >>" % (font_id, font_id + 1, page_id + 1))
        objects.append(pdf_stream(bytes(content)))
    descriptor = (b"<< /Type /FontDescriptor /FontName /ABCDEF+SimSun /Flags 4 /FontBBox [0 -140 1000 860]"
                  b" /ItalicAngle 0 /Ascent 860 /Descent -140 /CapHeight 700 /StemV 80 >>")
    if kind == "cid":
        objects += [
            b"<< /Type /Font /Subtype /Type0 /BaseFont /ABCDEF+SimSun /Encoding /Identity-H"
            b" /DescendantFonts [%d 0 R] >>" % (font_id + 2),
            b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
            b"<< /Type /Font /Subtype /CIDFontType2 /BaseFont /ABCDEF+SimSun /CIDSystemInfo << /Registry"
            b" (Adobe) /Ordering (Identity) /Supplement 0 >> /FontDescriptor %d 0 R /DW 1000"
            b" /CIDToGIDMap /Identity >>" % (font_id + 3),
            descriptor,
        ]
    elif kind == "pua":
        cmap = (b"/CIDInit /ProcSet findresource begin 12 dict begin begincmap /CMapName /Custom def"
                b" /CMapType 2 def 1 begincodespacerange <00> <FF> endcodespacerange"
                b" 1 beginbfrange <21> <7E> <E021> endbfrange endcmap CMapName currentdict /CMap"
                b" defineresource pop end end")
        objects += [
            b"<< /Type /Font /Subtype /TrueType /BaseFont /ABCDEF+SimSun /FirstChar 33 /LastChar 126"
            b" /Widths [" + b" 600" * 94 + b"] /FontDescriptor %d 0 R /ToUnicode %d 0 R >>"
            % (font_id + 2, font_id + 3),
            b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
            descriptor,
            pdf_stream(cmap),
        ]
    else:
        raise ValueError(f"unknown kind {kind!r}")
    Path(path).write_bytes(build_pdf(objects))


def encrypted_pdf(path: str | os.PathLike[str], password: str = "secret") -> None:
    """A PDF that needs a user password to open."""
    c = Canvas(str(path), pagesize=A4, encrypt=password)
    _draw_paragraph(c, "内部资料：2024年度质量考核细则（征求意见稿）。", PAGE_H - 100)
    c.showPage()
    c.save()


def truncated_pdf(path: str | os.PathLike[str]) -> None:
    """A valid text PDF cut in half (an interrupted download)."""
    tmp = Path(path).with_suffix(".full.pdf")
    text_pdf(tmp)
    data = tmp.read_bytes()
    tmp.unlink()
    Path(path).write_bytes(data[: len(data) // 2])


TWO_TABLES_TITLE = "2024年度质量标杆企业名单"
TWO_TABLES_CAPTION = "表2 质量标杆项目名单"


def two_tables_pdf(path: str | os.PathLike[str]) -> list[tuple[list[str], list[list[str]]]]:
    """Three tables that must stay apart: page 1 has an 附件2 label, the title and a 3-column table;
    page 2 a caption line, then another 3-column table that fills the page; page 3 opens with a
    4-column table. The expected (header, rows) of each table."""
    a_header, a_cols = ["序号", "企业名称", "所在地区"], [40.0, 300.0, 155.0]
    b_header, b_cols = ["序号", "项目名称", "牵头单位"], [40.0, 260.0, 195.0]
    c_header, c_cols = ["序号", "企业名称", "产品名称", "等级"], [40.0, 200.0, 180.0, 75.0]
    a_rows = [[str(i + 1), _REGIONS[i] + _CORES[i] + "有限公司", _REGIONS[(i + 3) % 10] + "片区"] for i in range(5)]
    b_rows = [[str(i + 1), f"{_PRODUCTS[i % 12]}质量提升示范项目{i + 1}", _CORES[(i + 5) % 20] + "有限公司"]
              for i in range(36)]
    c_rows = [[str(i + 1), _CORES[i + 10] + "股份有限公司", _PRODUCTS[i], _GRADES[i % 4]] for i in range(4)]
    c = Canvas(str(path), pagesize=A4, invariant=1)
    c.setFont(FONT, BODY_SIZE)
    c.drawString(MARGIN_X, PAGE_H - MARGIN_TOP, "附件2")
    _draw_centered(c, TWO_TABLES_TITLE, PAGE_H - MARGIN_TOP - 40, 16, bold=True)
    top = PAGE_H - MARGIN_TOP - 70
    for row in [a_header, *a_rows]:
        top = _draw_row(c, [[cell] for cell in row], top, a_cols)
    c.showPage()
    c.setFont(FONT, BODY_SIZE)
    c.drawString(MARGIN_X, PAGE_H - MARGIN_TOP - BODY_SIZE, TWO_TABLES_CAPTION)
    top = PAGE_H - MARGIN_TOP - 24
    for row in [b_header, *b_rows]:
        top = _draw_row(c, [[cell] for cell in row], top, b_cols)
    c.showPage()
    top = PAGE_H - MARGIN_TOP
    for row in [c_header, *c_rows]:
        top = _draw_row(c, [[cell] for cell in row], top, c_cols)
    c.showPage()
    c.save()
    return [(a_header, a_rows), (b_header, b_rows), (c_header, c_rows)]


def merge_pdfs(path: str | os.PathLike[str], parts: list[str | os.PathLike[str]]) -> None:
    """One PDF made of the pages of `parts`, in order."""
    import pypdfium2 as pdfium

    out = pdfium.PdfDocument.new()
    try:
        for part in parts:
            src = pdfium.PdfDocument(str(part))
            try:
                out.import_pages(src)
            finally:
                src.close()
        out.save(str(path))
    finally:
        out.close()


ROTATED_TITLE = "Landscape List Title"
ROTATED_INTRO = "Intro line above the table, long enough to look like a paragraph of body text here."
ROTATED_NOTE = "Note below the table."


def rotated_table_pdf(path: str | os.PathLike[str], rotation: int) -> tuple[list[str], list[list[str]]]:
    """One page with /Rotate `rotation` whose content is drawn turned the other way, so that it
    reads upright as shown: a bold title, a line, a ruled table, a note; the table's header and rows.

    The text is Latin in Helvetica: pdfium drops rotated text in a CJK font that is neither
    embedded nor installed (STSong-Light on a machine without CJK fonts)."""
    header = ["No", "Company", "Grade"]
    rows = [[str(i + 1), f"Alpha Beta Works {i + 1}", "A" * (i % 3 + 1)] for i in range(6)]
    c = Canvas(str(path), pagesize=A4, invariant=1)
    c.setPageRotation(rotation)
    shown_h = PAGE_W if rotation in (90, 270) else PAGE_H
    if rotation == 90:
        c.translate(PAGE_W, 0)
        c.rotate(90)
    elif rotation == 180:
        c.translate(PAGE_W, PAGE_H)
        c.rotate(180)
    elif rotation == 270:
        c.translate(0, PAGE_H)
        c.rotate(-90)
    c.setFont("Helvetica-Bold", 16)
    c.drawString(150, shown_h - 60, ROTATED_TITLE)
    top = shown_h - 100
    c.setFont("Helvetica", 10)
    c.drawString(60, top + 10, ROTATED_INTRO)
    xs = [50.0, 90.0, 300.0, 450.0]
    ys = [top - 20 * i for i in range(len(rows) + 2)]
    c.grid(xs, ys)
    for r, row in enumerate([header, *rows]):
        for k, cell in enumerate(row):
            c.drawString(xs[k] + 3, ys[r] - 14, cell)
    c.drawString(60, ys[-1] - 30, ROTATED_NOTE)
    c.showPage()
    c.save()
    return header, rows


def restricted_pdf(path: str | os.PathLike[str]) -> list[list[str]]:
    """A table PDF with only an owner password (copying and editing restricted), which opens
    without one; the table's rows. pdfminer decrypts the font's CIDSystemInfo strings wrongly here
    and reads the cells as (cid:N), pdfium reads them right."""
    from reportlab.lib.pdfencrypt import StandardEncryption

    rows = [[str(i + 1), _REGIONS[i] + _CORES[i] + "有限公司", _GRADES[i % 4]] for i in range(6)]
    c = Canvas(str(path), pagesize=A4, encrypt=StandardEncryption("", "owner-secret", canCopy=0, canModify=0))
    _draw_centered(c, "获奖企业名单（公示稿）", PAGE_H - MARGIN_TOP - 16, 16)
    top = PAGE_H - MARGIN_TOP - 50
    for row in [["序号", "企业名称", "等级"], *rows]:
        top = _draw_row(c, [[cell] for cell in row], top, [40.0, 300.0, 155.0])
    c.showPage()
    c.save()
    return rows
