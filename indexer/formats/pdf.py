"""PDF attachments: text in reading order with pypdfium2, ruled tables as rows with pdfplumber.

pdfium reads every page's text (about 2 ms a page). pdfplumber, some 40 times slower, parses only
the pages whose drawing has ruling lines, for the tables' cell grids and the cells' characters."""
from __future__ import annotations

import bisect
import ctypes
import io
import itertools
import re
import statistics
import unicodedata
from dataclasses import dataclass, field
from typing import Any, Iterable, Sequence

import pdfplumber
import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from indexer.formats.model import AttachmentError, Extracted, Table

# A page is garbled when more than this share of its visible characters is unmappable junk.
GARBLED_SHARE = 0.5
# pdfium's per-character "no Unicode mapping" flag is sampled at this many characters first.
MAP_ERROR_SAMPLES = 64
# A page with fewer visible characters than this over a page-sized image is a scan.
SCAN_TEXT_MAX = 40
HEADING_SIZE_RATIO = 1.15
HEADER_ROWS_MAX = 3
HEADER_CELL_MAX = 12

# Private use (BMP and planes 15-16), U+FFFD, C0/C1 controls but tab and line breaks, noncharacters.
_JUNK = re.compile(r"[\ue000-\uf8ff\ufffd\ufffe\uffff\U000f0000-\U0010ffff\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_CID = re.compile(r"\(cid:\d+\)")
_ASTRAL = re.compile("[\U00010000-\U0010ffff]")
_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_SPACES = re.compile(r"[ \t\u00a0\u2002\u2003\u2009\u3000]+")
_CJK = "\u3001-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff01-\uff60\u2018-\u201d\u2026\u00b7"
# Spaces between two Chinese characters are layout (distributed alignment, letter-spaced titles).
_CJK_GAP = re.compile(rf"(?<=[{_CJK}])[ \t\u00a0\u3000]+(?=[{_CJK}])")
_WORD_END = re.compile(r"[A-Za-z0-9]*[A-Za-z][A-Za-z0-9]*$")
_WORD_START = re.compile(r"^[A-Za-z][A-Za-z0-9]*")
_PUNCT_END = re.compile(r"[.,;:!?]$")
_PAGE_NUMBER = re.compile(
    r"^[-—–－\s]*(?:第\s*)?\d{1,3}(?:\s*页)?(?:\s*[/／]\s*(?:共\s*)?\d{1,3}\s*页?|\s*[,，]?\s*共\s*\d{1,3}\s*页)?[-—–－\s]*$"
)
_CONTINUED = re.compile(r"^[(（]?续表?\s*\d*[)）]?$|^续表")
_ATTACHMENT_LABEL = re.compile(r"^附\s*件\s*[0-9一二三四五六七八九十]*\s*[:：]?$")
_HEADING_START = re.compile(r"^(?:[一二三四五六七八九十]+、|[(（][一二三四五六七八九十]+[)）]|第[一二三四五六七八九十百\d]+[章节条部分])")
_SENTENCE_END = re.compile(r"[。！？；：，、;,]$")
_NUMBER = re.compile(r"^\d{1,5}$")
_HEADER_WORD = re.compile(
    r"(?:序号|编号|名称|单位|企业|姓名|等级|奖项|类别|类型|地区|省份|地市|市州|区县|备注|课题|小组|项目|成果|得分|"
    r"分数|排名|名次|行业|产品|职务|职称|联系人|电话|时间|日期|级别|批次|证书号|证书编号|所属|区域|数量|金额|说明|"
    r"内容|荣誉|称号|负责人|成员|组长|组别|专业|领域|年度|评价|结果|情况|主题|标题|代码|地址|性别|部门|岗位|名单)$"
)
# Kangxi radicals and CJK compatibility ideographs that some fonts map glyphs to: their NFKC twin.
_RADICALS = {
    cp: unicodedata.normalize("NFKC", chr(cp))
    for cp in [*range(0x2E80, 0x2FE0), *range(0xF900, 0xFB00)]
    if len(unicodedata.normalize("NFKC", chr(cp))) == 1 and unicodedata.normalize("NFKC", chr(cp)) != chr(cp)
}

_TABLE_SETTINGS = {"vertical_strategy": "lines", "horizontal_strategy": "lines", "snap_tolerance": 3,
                   "join_tolerance": 3, "intersection_tolerance": 3}


@dataclass
class _Line:
    """A line of text on a page, in display coordinates (from the top left of the page as shown)."""

    text: str
    x0: float
    x1: float
    top: float
    bottom: float
    size: float
    page: int = 0
    full: bool = False  # reaches the page's right text edge
    indented: bool = False  # starts right of the page's left text edge
    centered: bool = False  # a short line in the middle of the page


@dataclass
class _PageTable:
    """A table found on a page: its top, the raw cells (None where merged away) and filled cells."""

    page: int
    top: float
    raw: list[list[str | None]]
    rows: list[list[str]]


@dataclass
class _Page:
    number: int
    width: float
    items: list[_Line | _PageTable] = field(default_factory=list)


_Box = tuple[float, float, float, float]  # x0, top, x1, bottom in display coordinates
_Char = tuple[str, float, float, float, float]  # text, x0, top, x1, bottom


class _Display:
    """Maps PDF user space to display coordinates: x from the left, y down from the top of the
    MediaBox as the page is shown (its /Rotate applied), the space pdfplumber measures in."""

    def __init__(self, page: pdfium.PdfPage) -> None:
        self.x0, self.y0, self.x1, self.y1 = page.get_mediabox()
        self.rotation = page.get_rotation() % 360
        turned = self.rotation in (90, 270)
        self.width = (self.y1 - self.y0) if turned else (self.x1 - self.x0)

    def box(self, left: float, bottom: float, right: float, top: float) -> _Box:
        """A user-space rectangle in display coordinates."""
        if self.rotation == 90:
            return bottom - self.y0, left - self.x0, top - self.y0, right - self.x0
        if self.rotation == 180:
            return self.x1 - right, bottom - self.y0, self.x1 - left, top - self.y0
        if self.rotation == 270:
            return self.y1 - top, self.x1 - right, self.y1 - bottom, self.x1 - left
        return left - self.x0, self.y1 - top, right - self.x0, self.y1 - bottom


_GARBLED = _Page(-1, 0.0)  # what _read_page returns for a garbled page


def read_pdf(data: bytes) -> Extracted:
    """A PDF's text in reading order with its ruled tables as rows; AttachmentError when it cannot be read."""
    pdf = _open(data)
    out = Extracted(pages=len(pdf))
    pages: list[_Page] = []
    broken = 0
    finder = _GridFinder(data)
    try:
        for number in range(len(pdf)):
            try:
                page = pdf[number]
            except pdfium.PdfiumError:
                broken += 1
                continue
            try:
                read = _read_page(page, number, finder)
            finally:
                page.close()
            if read is None:
                out.pages_without_text += 1
            elif read is _GARBLED:
                out.garbled_pages += 1
            else:
                pages.append(read)
    finally:
        pdf.close()
        finder.close()
    if not pages:
        if broken and broken >= out.pages / 2:
            raise AttachmentError(f"PDF 文件损坏或不完整：{broken} 页无法打开", "failed")
        if out.garbled_pages and out.garbled_pages >= out.pages_without_text:
            raise AttachmentError("文字乱码（PDF 缺少 ToUnicode 映射等），无法索引", "excluded")
        raise AttachmentError(f"扫描件/无文字层（需要 OCR）：{out.pages_without_text} 页均无文字", "excluded")
    out.blocks, out.title = _Assembler(pages).run()
    return out


def _open(data: bytes) -> pdfium.PdfDocument:
    try:
        return pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        if exc.err_code == pdfium_c.FPDF_ERR_PASSWORD:
            raise AttachmentError("PDF 已加密（需要密码），无法读取", "failed") from None
        if exc.err_code == pdfium_c.FPDF_ERR_SECURITY:
            raise AttachmentError("PDF 已加密（不支持的加密方式），无法读取", "failed") from None
        reason = "无法读取" if exc.err_code == pdfium_c.FPDF_ERR_FILE else "文件结构无法解析"
        raise AttachmentError(f"PDF 文件损坏或不完整：{reason}", "failed") from None


# --- pdfium: text per page -------------------------------------------------------------------


def _read_page(page: pdfium.PdfPage, number: int, finder: _GridFinder) -> _Page | None:
    """The page's lines and tables; None without text, _GARBLED when its text is junk."""
    textpage = page.get_textpage()
    try:
        count = textpage.count_chars()
        text = textpage.get_text_range() if count > 0 else ""
        visible = len("".join(text.split()))
        if visible == 0:
            return None
        index: Sequence[int] = range(len(text))
        if _ASTRAL.search(text):  # pdfium counts a character outside the BMP as two (UTF-16 surrogates)
            index = list(itertools.accumulate((2 if ord(ch) > 0xFFFF else 1 for ch in text[:-1]), initial=0))
        bad = _bad_chars(textpage, text, index, count)
        if len(bad) > GARBLED_SHARE * visible:
            return _GARBLED
        display = _Display(page)
        lines = _lines(textpage, text, index, bad, display, number)
        if not lines or (visible < SCAN_TEXT_MAX and _mostly_image(page)):
            return None  # nothing but page numbers, or a scan with a line of watermark or stamp text
        tabled = _table_page(textpage, text, index, bad, display, number, finder) if _has_rules(page.raw) else None
        return tabled or _Page(number, display.width, list(lines))
    finally:
        textpage.close()


def _bad_chars(textpage: pdfium.PdfTextPage, text: str, index: Sequence[int], count: int) -> set[int]:
    """Indices in `text` of unmappable characters: junk code points and those pdfium has no Unicode
    for (`index` maps a text index to pdfium's character index)."""
    bad = {m.start() for m in _JUNK.finditer(text)}
    bad.update(m.start() + k for m in _CID.finditer(text) for k in range(len(m.group())))
    handle = textpage.raw
    step = max(1, count // MAP_ERROR_SAMPLES)
    if any(pdfium_c.FPDFText_HasUnicodeMapError(handle, i) == 1 for i in range(0, count, step)):
        bad.update(i for i, k in enumerate(index) if not text[i].isspace()
                   and pdfium_c.FPDFText_HasUnicodeMapError(handle, k) == 1)
    return bad


def _lines(textpage: pdfium.PdfTextPage, text: str, index: Sequence[int], drop: set[int], display: _Display,
           number: int) -> list[_Line]:
    """The page's text lines (pdfium's line breaks) without the characters in `drop`, with their
    geometry, in pdfium's (content) order."""
    handle = textpage.raw
    box = pdfium_c.FS_RECTF()
    lines = []
    start = 0
    for m in [*_LINE_BREAK.finditer(text), None]:
        end = m.start() if m else len(text)
        if drop:
            kept: Sequence[int] = [k for k in range(start, end) if k not in drop]
            raw = "".join(text[k] for k in kept)
        else:
            kept, raw = range(start, end), text[start:end]
        start = m.end() if m else len(text)
        clean = _clean(raw)
        if not clean or _PAGE_NUMBER.match(clean):
            continue
        head = next(k for k in kept if not text[k].isspace())
        tail = next(k for k in reversed(kept) if not text[k].isspace())
        pdfium_c.FPDFText_GetLooseCharBox(handle, index[head], box)
        first = display.box(box.left, box.bottom, box.right, box.top)
        pdfium_c.FPDFText_GetLooseCharBox(handle, index[tail], box)
        last = display.box(box.left, box.bottom, box.right, box.top)
        size = pdfium_c.FPDFText_GetFontSize(handle, index[head]) or (first[3] - first[1])
        lines.append(_Line(clean, first[0], max(last[2], first[0]), min(first[1], last[1]), max(first[3], last[3]),
                           size, number))
    return lines


def _mostly_image(page: pdfium.PdfPage) -> bool:
    """Whether an image covers most of the page."""
    width, height = page.get_width(), page.get_height()
    handle = page.raw
    for i in range(pdfium_c.FPDFPage_CountObjects(handle)):
        obj = pdfium_c.FPDFPage_GetObject(handle, i)
        if pdfium_c.FPDFPageObj_GetType(obj) != pdfium_c.FPDF_PAGEOBJ_IMAGE:
            continue
        left, bottom, right, top = (ctypes.c_float() for _ in range(4))
        if pdfium_c.FPDFPageObj_GetBounds(obj, left, bottom, right, top):
            if (right.value - left.value) * (top.value - bottom.value) > 0.5 * width * height:
                return True
    return False


def _has_rules(page: Any) -> bool:
    """Whether the page draws what could be a ruled table (cheap: path objects' bounds only)."""
    horizontal = vertical = boxes = 0
    for obj in _path_objects(page, pdfium_c.FPDFPage_CountObjects, pdfium_c.FPDFPage_GetObject, 0):
        left, bottom, right, top = (ctypes.c_float() for _ in range(4))
        if not pdfium_c.FPDFPageObj_GetBounds(obj, left, bottom, right, top):
            continue
        width, height = right.value - left.value, top.value - bottom.value
        if width > 10 and height < 3:
            horizontal += 1
        elif height > 10 and width < 3:
            vertical += 1
        elif width > 10 and height > 10:
            boxes += 1
            # One path drawing a whole grid: more segments than a frame's five.
            if pdfium_c.FPDFPath_CountSegments(obj) > 6:
                return True
        if (horizontal >= 2 and vertical >= 2) or boxes >= 2 or (boxes and horizontal + vertical >= 2):
            return True
    return False


def _path_objects(parent: Any, count: Any, get: Any, depth: int) -> Iterable[Any]:
    for i in range(count(parent)):
        obj = get(parent, i)
        kind = pdfium_c.FPDFPageObj_GetType(obj)
        if kind == pdfium_c.FPDF_PAGEOBJ_PATH:
            yield obj
        elif kind == pdfium_c.FPDF_PAGEOBJ_FORM and depth < 4:
            yield from _path_objects(obj, pdfium_c.FPDFFormObj_CountObjects, pdfium_c.FPDFFormObj_GetObject, depth + 1)


# --- tables: pdfplumber finds the grid, its characters (or pdfium's) fill the cells --------------


_Grid = tuple[_Box, list[list[_Box | None]]]  # a table's bbox and its rows of cells (None: merged away)


class _GridFinder:
    """pdfplumber, opened at the first page with ruling lines: the ruled tables' cell grids, and
    pdfminer's characters (which, unlike pdfium's, do not depend on the font's glyphs: pdfium drops
    single-character text in a CJK font that is neither embedded nor installed)."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.pdf: Any = None
        self.failed = False

    def grids(self, number: int) -> tuple[list[_Grid], list[_Char], int]:
        """The tables of page `number` (0-based) and its characters, in display coordinates, and
        how many characters pdfminer could not map to Unicode."""
        if self.failed:
            return [], [], 0
        # pdfminer raises all kinds of errors on files pdfium reads: those pages keep pdfium's text.
        try:
            if self.pdf is None:
                self.pdf = pdfplumber.open(io.BytesIO(self.data))
            page = self.pdf.pages[number]
        except Exception:
            self.failed = self.pdf is None
            return [], [], 0
        try:
            dx, dy = page.bbox[0], page.bbox[1]  # pdfplumber keeps the MediaBox offset

            def shift(box: _Box) -> _Box:
                return box[0] - dx, box[1] - dy, box[2] - dx, box[3] - dy

            grids = [(shift(table.bbox), [[None if cell is None else shift(cell) for cell in row.cells]
                                          for row in table.rows])
                     for table in page.find_tables(_TABLE_SETTINGS)]
            chars = [(ch["text"], *shift((ch["x0"], ch["top"], ch["x1"], ch["bottom"]))) for ch in page.chars]
        except Exception:
            return [], [], 0
        finally:
            page.close()
        unmapped = sum(1 for ch in chars if _CID.fullmatch(ch[0]) or _JUNK.search(ch[0]))
        return grids, _dedupe([ch for ch in chars if not (_CID.fullmatch(ch[0]) or _JUNK.search(ch[0]))]), unmapped

    def close(self) -> None:
        """Close pdfplumber's document, if it was opened."""
        if self.pdf is not None:
            self.pdf.close()


def _dedupe(chars: list[_Char]) -> list[_Char]:
    """The characters without the copies that fake bold draws a fraction of a point off the first
    (pdfplumber's dedupe_chars costs as much as parsing the page)."""
    seen: set[tuple[str, int, int]] = set()
    kept = []
    for char in chars:
        x, y = round(char[1]), round(char[2])
        if char[0].isspace() or not any((char[0], x + dx, y + dy) in seen for dx in (-1, 0, 1) for dy in (-1, 0, 1)):
            seen.add((char[0], x, y))
            kept.append(char)
    return kept


def _table_page(textpage: pdfium.PdfTextPage, text: str, index: Sequence[int], bad: set[int],
                display: _Display, number: int, finder: _GridFinder) -> _Page | None:
    """The page's tables and its lines outside them, in top-down order; None when pdfplumber finds
    no real table. Cells take pdfminer's characters, or pdfium's where pdfminer's are unmapped."""
    grids, plumber_chars, unmapped = finder.grids(number)
    if not grids:
        return None
    handle = textpage.raw
    box = pdfium_c.FS_RECTF()
    chars: list[tuple[int, _Char]] = []
    for i, ch in enumerate(text):
        if i not in bad and ch not in "\r\n":
            pdfium_c.FPDFText_GetLooseCharBox(handle, index[i], box)
            chars.append((i, (ch, *display.box(box.left, box.bottom, box.right, box.top))))
    use_pdfium = unmapped > 0.1 * (len(plumber_chars) + unmapped)
    items: list[_Line | _PageTable] = []
    inside: set[int] = set()
    for bbox, rows in grids:
        mine = [(i, char) for i, char in chars if _holds(bbox, char)]
        cell_chars = [char for _, char in mine] if use_pdfium else [ch for ch in plumber_chars if _holds(bbox, ch)]
        table = _page_table(number, bbox, rows, cell_chars)
        if table is not None:
            items.append(table)
            inside.update(i for i, _ in mine)
    if not items:
        return None
    items.extend(_lines(textpage, text, index, bad | inside, display, number))
    items.sort(key=lambda item: item.top)
    return _Page(number, display.width, items)


def _holds(box: _Box, char: _Char) -> bool:
    x, y = (char[1] + char[3]) / 2, (char[2] + char[4]) / 2
    return box[0] <= x <= box[2] and box[1] <= y <= box[3]


def _page_table(number: int, bbox: _Box, rows: list[list[_Box | None]], chars: list[_Char]) -> _PageTable | None:
    """A grid's rows as raw and filled cells; None for a frame (one column or no text)."""
    if not rows or len(rows[0]) < 2:
        return None
    texts = _cell_texts(rows, chars)
    raw = [[None if cell is None else _clean_cell(lines) for cell, lines in zip(row, row_texts)]
           for row, row_texts in zip(rows, texts)]
    if not any(cell for row in raw for cell in row):
        return None
    columns = sorted({cell[0] for row in rows for cell in row if cell is not None})
    filled: list[list[str]] = []
    for r, row in enumerate(raw):
        out: list[str] = []
        for c, cell in enumerate(row):
            if cell is not None:
                out.append(cell)
                continue
            # Merged away: under a cell of this row that spans to the right, or one from above.
            left = next((k for k in range(c - 1, -1, -1) if rows[r][k] is not None), None)
            spans = left is not None and c < len(columns) and rows[r][left][2] > columns[c] + 1  # type: ignore[index]
            out.append(out[left] if spans and left is not None else (filled[r - 1][c] if r else ""))
        filled.append(out)
    return _PageTable(number, bbox[1], raw, filled)


def _cell_texts(rows: list[list[_Box | None]], chars: list[_Char]) -> list[list[list[str]]]:
    """Each cell's lines of text: a character belongs to the cell holding its centre (one pass
    over the characters with a lookup grid, not one per cell)."""
    xs = sorted({x for row in rows for cell in row if cell for x in (cell[0], cell[2])})
    ys = sorted({y for row in rows for cell in row if cell for y in (cell[1], cell[3])})
    slots: dict[tuple[int, int], tuple[int, int]] = {}
    for r, row in enumerate(rows):
        for c, cell in enumerate(row):
            if cell is None:
                continue
            for gy in range(bisect.bisect_left(ys, cell[1]), bisect.bisect_left(ys, cell[3])):
                for gx in range(bisect.bisect_left(xs, cell[0]), bisect.bisect_left(xs, cell[2])):
                    slots[gy, gx] = (r, c)
    found: dict[tuple[int, int], list[_Char]] = {}
    for char in chars:
        gx = bisect.bisect_right(xs, (char[1] + char[3]) / 2) - 1
        gy = bisect.bisect_right(ys, (char[2] + char[4]) / 2) - 1
        slot = slots.get((gy, gx))
        if slot is not None:
            found.setdefault(slot, []).append(char)
    return [[_text_lines(found.get((r, c), [])) for c in range(len(row))] for r, row in enumerate(rows)]


def _text_lines(chars: list[_Char]) -> list[str]:
    """Characters as lines, top to bottom and left to right; a space where a gap between two
    characters is wider than 0.3 of their height (spaces the PDF draws are characters too)."""
    lines: list[list[_Char]] = []
    for char in sorted(chars, key=lambda ch: (ch[2] + ch[4]) / 2):
        middle, height = (char[2] + char[4]) / 2, char[4] - char[2]
        if lines and middle - (lines[-1][0][2] + lines[-1][0][4]) / 2 < 0.5 * height:
            lines[-1].append(char)
        else:
            lines.append([char])
    out = []
    for line in lines:
        line.sort(key=lambda ch: ch[1])
        text = line[0][0]
        for prev, char in zip(line, line[1:]):
            text += (" " if char[1] - prev[3] > 0.3 * (char[4] - char[2]) else "") + char[0]
        out.append(text)
    return out


# --- text clean-up ---------------------------------------------------------------------------


def _clean(text: str) -> str:
    """One line's text: junk out, radicals folded, spaces collapsed, none between Chinese characters."""
    text = _JUNK.sub("", text).translate(_RADICALS)
    return _CJK_GAP.sub("", _SPACES.sub(" ", text)).strip()


def _clean_cell(lines: list[str]) -> str:
    """A cell's lines joined into one text."""
    return _join(_clean(line) for line in lines)


def _join(parts: Iterable[str]) -> str:
    """Lines of one paragraph or cell joined: a space only where a Latin word wrapped to the next line."""
    out = ""
    for part in parts:
        if not part:
            continue
        if out and _needs_space(out, part):
            out += " "
        out += part
    return out


def _needs_space(before: str, after: str) -> bool:
    end, start = _WORD_END.search(before), _WORD_START.match(after)
    if end and start:
        # Codes and numbers wrapped mid-way (credit codes, 91330100MA2H…) have digits: no space.
        return not any(ch.isdigit() for ch in end.group() + start.group())
    return bool(start) and bool(_PUNCT_END.search(before))


def _key(cells: Iterable[str]) -> str:
    return "|".join(re.sub(r"\s+", "", cell) for cell in cells)


# --- tables: header, page continuation -----------------------------------------------------------


def _header_cell(cell: str | None) -> bool:
    return bool(cell) and len(cell) <= HEADER_CELL_MAX and bool(_HEADER_WORD.search(cell.replace(" ", "")))


def _header_like(raw: list[str | None]) -> bool:
    cells = [cell for cell in raw if cell]
    if not cells or any(_NUMBER.match(cell) for cell in cells):
        return False
    return sum(map(_header_cell, cells)) * 2 >= len(cells)


def _header_rows(table: _PageTable) -> int:
    """How many leading rows name the columns."""
    raw = table.raw
    if _header_like(raw[0]):
        n = 1
    elif (all(cell and not _NUMBER.match(cell) and len(cell) <= HEADER_CELL_MAX for cell in raw[0] if cell is not None)
          and sum(1 for row in raw[1:4] if row[0] and _NUMBER.match(row[0])) >= 2):
        n = 1  # no column word, but the rows below are numbered and this one is not
    else:
        return 0
    while n < min(HEADER_ROWS_MAX, len(raw) - 1):
        row = raw[n]
        spanned = any(cell is None for cell in row)  # cells of the row above reach down into it
        short = all(cell is None or (len(cell) <= HEADER_CELL_MAX and not _NUMBER.match(cell)) for cell in row)
        if not (_header_like(row) or (spanned and short and any(row))):
            break
        n += 1
    return n


def _joined_header(rows: list[list[str]]) -> list[str]:
    """Header rows joined per column, a part repeated by a vertical span taken once."""
    header = []
    for column in zip(*rows):
        parts: list[str] = []
        for part in column:
            if part and (not parts or parts[-1] != part):
                parts.append(part)
        header.append(_join(parts))
    return header


# --- assembly: paragraphs and tables in reading order --------------------------------------------


class _Assembler:
    """Turns the pages' lines and tables into blocks: lines joined into paragraphs, tables continued
    across page breaks joined into one."""

    def __init__(self, pages: list[_Page]) -> None:
        self.pages = pages
        lines = [item for page in pages for item in page.items if isinstance(item, _Line)]
        weights: dict[float, int] = {}
        for line in lines:
            weights[round(line.size, 1)] = weights.get(round(line.size, 1), 0) + len(line.text)
        self.body = max(weights, key=lambda s: weights[s]) if weights else 0.0
        self.gaps: dict[int, float] = {}  # the usual gap between two lines of a page's body text
        for page in pages:
            self._mark(page)
        self.blocks: list[str | Table] = []
        self.headings: list[tuple[int, int]] = []  # (page, block index) of heading paragraphs
        self.para: list[_Line] = []
        self.table: Table | None = None  # the last block, while nothing has come after it
        self.table_page = -1
        self.table_columns = 0
        self.table_numbered = False

    def _mark(self, page: _Page) -> None:
        """Flag each line full (reaches the right edge), indented or centred, against the body lines
        of the page (of the document, when the page has too few)."""
        lines = [item for item in page.items if isinstance(item, _Line)]
        body = [line for line in lines if self._is_body(line)]
        if len(body) < 3:
            body = [line for p in self.pages for line in p.items if isinstance(line, _Line) and self._is_body(line)
                    and abs(p.width - page.width) < 1] or lines
        if not body:
            return
        left = min(line.x0 for line in body)
        right = max(line.x1 for line in body)
        gaps = [b.top - a.bottom for a, b in zip(body, body[1:]) if 0 <= b.top - a.bottom < 3 * b.size]
        self.gaps[page.number] = statistics.median(gaps) if gaps else 0.0
        for line in lines:
            unit = line.size or self.body or 10.0
            line.full = line.x1 >= right - 1.5 * unit
            line.indented = line.x0 > left + 1.2 * unit
            line.centered = (abs((line.x0 + line.x1) / 2 - page.width / 2) < 1.5 * unit
                             and line.x1 - line.x0 < 0.7 * page.width and len(line.text) <= 40)

    def _is_body(self, line: _Line) -> bool:
        return abs(line.size - self.body) <= 0.1 * self.body

    def run(self) -> tuple[list[str | Table], str | None]:
        """The blocks and the title."""
        first_page = self.pages[0].number if self.pages else 0
        for page in self.pages:
            at_top = True
            for item in page.items:
                if isinstance(item, _PageTable):
                    self._add_table(item, at_top)
                    at_top = False
                    continue
                if at_top and self.table is not None and _CONTINUED.match(item.text):
                    continue
                at_top = False
                self._add_line(item)
        self._flush()
        title = None
        for page, index in self.headings:
            block = self.blocks[index]
            if page == first_page and isinstance(block, str) and not _ATTACHMENT_LABEL.match(block):
                title = block
                break
        if title is None:
            title = self._short_first_line()
        return self.blocks, title

    def _short_first_line(self) -> str | None:
        """The first page's first line when it is short and ends no sentence (an 附件 label skipped)."""
        items = self.pages[0].items if self.pages else []
        for item in items:
            if not isinstance(item, _Line):
                return None
            if _ATTACHMENT_LABEL.match(item.text):
                continue
            if len(item.text) <= 40 and (item.centered or not item.full) and not _SENTENCE_END.search(item.text):
                return item.text
            return None
        return None

    def _add_line(self, line: _Line) -> None:
        prev = self.para[-1] if self.para else None
        if prev is not None and self._breaks(prev, line):
            self._flush()
        self.para.append(line)
        self.table = None

    def _breaks(self, prev: _Line, line: _Line) -> bool:
        """Whether `line` starts a new paragraph after `prev`."""
        unit = max(prev.size, line.size, 1.0)
        if abs(prev.size - line.size) > 0.15 * unit:
            return True
        if not prev.full or line.indented or _HEADING_START.match(line.text):
            return True
        if prev.page != line.page:
            return prev.text[-1] in "。！？"
        gap = line.top - prev.bottom
        return gap < -0.5 * unit or gap > self.gaps.get(line.page, 0.0) + 0.8 * unit

    def _flush(self) -> None:
        if not self.para:
            return
        text = _join(line.text for line in self.para)
        heading = all(line.size >= HEADING_SIZE_RATIO * self.body for line in self.para) or (
            len(self.para) == 1 and self.para[0].centered and not _SENTENCE_END.search(text)
            and self.para[0].size >= self.body
        )
        if heading and len(text) <= 80:
            self.headings.append((self.para[0].page, len(self.blocks)))
        self.blocks.append(text)
        self.para = []

    def _add_table(self, found: _PageTable, at_top: bool) -> None:
        self._flush()
        columns = len(found.rows[0])
        n_header = _header_rows(found)
        header = _joined_header(found.rows[:n_header]) if n_header else []
        rows = found.rows[n_header:]
        table = self.table
        continued = (table is not None and at_top and found.page == self.table_page + 1
                     and columns == self.table_columns and (not header or _key(header) == _key(table.header)))
        self.table_page = found.page
        if table is not None and continued:
            if rows and table.rows and not rows[0][0] and self._split_row(rows[0]):
                last = table.rows[-1]
                for c, cell in enumerate(rows[0]):
                    if cell:
                        last[c] = _join([last[c], cell])
                rows = rows[1:]
            table.rows.extend(rows)
            return
        self.table = Table(header, [list(row) for row in rows])
        self.table_page = found.page
        self.table_columns = columns
        self.table_numbered = sum(1 for row in rows if row[0] and _NUMBER.match(row[0])) * 2 > len(rows)
        self.blocks.append(self.table)

    def _split_row(self, row: list[str]) -> bool:
        """Whether a first row with an empty first cell continues the previous page's last row
        (rather than being a new row under a first-column cell spanning the page break)."""
        return self.table_numbered or any(not cell for cell in row[1:])
