"""Word 97-2003 (.doc) and Kingsoft WPS (.wps) files: paragraphs and tables of the WordDocument stream.

Both are OLE compound files whose WordDocument stream starts with a FIB ([MS-DOC] 2.5); the text is
found through the piece table (the CLX in the 0Table/1Table stream), and table structure through the
paragraph properties (PAPX FKPs): which paragraph marks end cells and rows, and which cells continue
a vertical merge.
"""
from __future__ import annotations

import io
import re
import struct
from bisect import bisect_right
from dataclasses import dataclass, field

import olefile

from indexer.formats.model import AttachmentError, Extracted, Table

ENCRYPTED = "文档已加密（需要密码），无法读取"
INVALID = "不是有效的 Word/WPS 文档："
TITLE_MAX = 60

_WIDENT = 0xA5EC
_F_ENCRYPTED = 0x0100
_F_WHICH_TBL_STM = 0x0200
_F_OBFUSCATED = 0x8000
_NFIB_WORD97 = 0xC0  # Word 6/95 (nFib 0x65-0x68) have another FIB and no piece table to read here
_FIB_BASE_SIZE = 32
_IDX_PLCF_BTE_PAPX = 13  # pair indexes in FibRgFcLcb97
_IDX_CLX = 33
_FKP_SIZE = 512

_SPRM_P_F_IN_TABLE = 0x2416
_SPRM_P_F_TTP = 0x2417
_SPRM_P_ITAP = 0x6649
_SPRM_P_HUGE_PAPX = 0x6646
_SPRM_P_CHG_TABS = 0xC615
_SPRM_T_DEF_TABLE = 0xD608
_SPRM_T_VERT_MERGE = 0xD62B
_OPERAND_SIZES = {0: 1, 1: 1, 2: 2, 3: 4, 4: 2, 5: 2, 7: 3}  # by spra; 6 is variable
_TC80_SIZE = 20
_VERT_MERGE, _VERT_RESTART = 0x20, 0x40  # TC flags: in a vertical merge / first cell of one

_CELL_MARK = "\x07"
_PARA_MARK = "\r"
_FIELD_BEGIN, _FIELD_SEP, _FIELD_END = "\x13", "\x14", "\x15"

# cp1252 for the bytes of compressed pieces; 0x81 0x8D 0x8F 0x90 0x9D (undefined there) stay as-is.
_UNDEFINED_1252 = b"\x81\x8d\x8f\x90\x9d"
_COMPRESSED = str.maketrans(
    {chr(b): bytes([b]).decode("cp1252") for b in range(0x80, 0xA0) if b not in _UNDEFINED_1252}
)
# Inline characters: line and column breaks, non-breaking and optional hyphens, NBSP, tab.
_INLINE = str.maketrans({"\x0b": "\n", "\x0e": "\n", "\x1e": "-", "\x1f": None,
                         "\xa0": " ", "\t": " "})
_CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f\ufeff]")  # object anchors (\x01 \x08), footnote marks…
_SPACES = re.compile(r"[ \u3000]{2,}")
_CJK = re.compile(r"[\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef\u3000-\u303f]")


@dataclass
class _Piece:
    cp_start: int
    cp_end: int
    offset: int  # byte offset of the piece's first character in the WordDocument stream
    compressed: bool


@dataclass
class _Para:
    """Paragraph properties that matter for tables (nested tables' paragraphs are cell lines)."""

    in_table: bool = False
    ttp: bool = False  # the row mark of an outermost table row
    itap: int = 0  # table depth
    edges: list[int] = field(default_factory=list)  # rgdxaCenter: each cell's left edge, then the right
    vmerge: dict[int, int] = field(default_factory=dict)  # cell index → TC flags


def read_doc(data: bytes) -> Extracted:
    """A Word 97-2003 (.doc) or WPS (.wps) file's paragraphs and tables; AttachmentError when it cannot be read."""
    try:
        text, props = _read_text(data)
        blocks = _blocks(text, props)
    except AttachmentError:
        raise
    except Exception as exc:  # noqa: BLE001 (hostile bytes can break any step: say so in Chinese)
        raise AttachmentError(f"{INVALID}文件结构损坏（{type(exc).__name__}）", "failed") from exc
    first = next((b for b in blocks if isinstance(b, str)), None)
    title = first if first is not None and len(first) <= TITLE_MAX else None
    return Extracted(blocks=blocks, title=title, pages=0)


def _fail(reason: str) -> AttachmentError:
    return AttachmentError(INVALID + reason, "failed")


def _u16(buf: bytes, pos: int) -> int:
    return struct.unpack_from("<H", buf, pos)[0]


def _u32(buf: bytes, pos: int) -> int:
    return struct.unpack_from("<I", buf, pos)[0]


def _read_text(data: bytes) -> tuple[str, "_Props"]:
    """The main document's text (index = CP) and the paragraph property lookup."""
    if len(data) < 512 or data[:8] != olefile.MAGIC:
        raise _fail("不是 OLE 复合文档")
    try:
        ole = olefile.OleFileIO(io.BytesIO(data))
    except Exception as exc:  # noqa: BLE001 (olefile raises several types on a broken container)
        raise _fail("OLE 复合文档已损坏") from exc
    with ole:
        if not ole.exists("WordDocument"):
            # Microsoft Works also used .wps, for an OLE file with a CONTENTS stream instead.
            works = "（Microsoft Works 文档，不支持）" if ole.exists("CONTENTS") else ""
            raise _fail(f"缺少 WordDocument 流{works}")
        word = ole.openstream("WordDocument").read()
        if len(word) < _FIB_BASE_SIZE + 2:
            raise _fail("FIB 不完整")
        w_ident, n_fib = struct.unpack_from("<HH", word, 0)
        flags = _u16(word, 0x0A)
        if w_ident != _WIDENT:
            raise _fail("FIB 标识不符")
        if flags & (_F_ENCRYPTED | _F_OBFUSCATED):
            raise AttachmentError(ENCRYPTED, "failed")
        if n_fib < _NFIB_WORD97:
            raise _fail("Word 6.0/95 等旧版格式不受支持")
        # FibBase, then csw + fibRgW, cslw + fibRgLw, cbRgFcLcb + fibRgFcLcbBlob ([MS-DOC] 2.5.1).
        pos = _FIB_BASE_SIZE
        csw = _u16(word, pos)
        pos += 2 + 2 * csw
        cslw = _u16(word, pos)
        rg_lw = pos + 2
        pos = rg_lw + 4 * cslw
        cb_fc_lcb = _u16(word, pos)
        rg_fc_lcb = pos + 2
        if cslw < 4 or cb_fc_lcb <= _IDX_CLX or rg_fc_lcb + 8 * cb_fc_lcb > len(word):
            raise _fail("FIB 不完整")
        ccp_text = struct.unpack_from("<i", word, rg_lw + 12)[0]  # fibRgLw97.ccpText
        fc_clx, lcb_clx = struct.unpack_from("<II", word, rg_fc_lcb + 8 * _IDX_CLX)
        fc_bte, lcb_bte = struct.unpack_from("<II", word, rg_fc_lcb + 8 * _IDX_PLCF_BTE_PAPX)
        table_name = "1Table" if flags & _F_WHICH_TBL_STM else "0Table"
        if not ole.exists(table_name):
            raise _fail(f"缺少 {table_name} 流")
        table = ole.openstream(table_name).read()
        data_stream = ole.openstream("Data").read() if ole.exists("Data") else b""
    if ccp_text < 0:
        raise _fail("正文长度无效")
    if lcb_clx == 0 or fc_clx + lcb_clx > len(table):
        raise _fail("片段表（CLX）超出表格流范围")
    pieces = _pieces(table[fc_clx:fc_clx + lcb_clx], len(word))
    chunks = []
    for piece in pieces:
        end = min(piece.cp_end, ccp_text)
        if end <= piece.cp_start:
            break
        chunks.append(_decode_piece(word, piece, end - piece.cp_start))
    return "".join(chunks), _Props(word, table, data_stream, fc_bte, lcb_bte, pieces)


def _decode_piece(word: bytes, piece: _Piece, count: int) -> str:
    """The first count characters of a piece: cp1252 bytes when compressed, else UTF-16LE."""
    if piece.compressed:
        return word[piece.offset:piece.offset + count].decode("latin-1").translate(_COMPRESSED)
    return word[piece.offset:piece.offset + 2 * count].decode("utf-16-le", errors="replace")


def _pieces(clx: bytes, word_size: int) -> list[_Piece]:
    """The piece table of a CLX: Prc entries (skipped), then the Pcdt."""
    pos = 0
    while pos < len(clx):
        if clx[pos] == 0x01:  # Prc: property modifiers for pieces, not needed for the text
            size = struct.unpack_from("<h", clx, pos + 1)[0]
            if size < 0:
                raise _fail("片段表（CLX）格式错误")
            pos += 3 + size
        elif clx[pos] == 0x02:
            lcb = _u32(clx, pos + 1)
            plc = clx[pos + 5:pos + 5 + lcb]
            break
        else:
            raise _fail("片段表（CLX）格式错误")
    else:
        raise _fail("片段表（CLX）中没有 Pcdt")
    if len(plc) != lcb or lcb < 4 or (lcb - 4) % 12:
        raise _fail("片段表（PlcPcd）长度错误")
    count = (lcb - 4) // 12
    cps = struct.unpack_from(f"<{count + 1}I", plc, 0)
    pieces = []
    for i in range(count):
        fc = _u32(plc, 4 * (count + 1) + 8 * i + 2)
        compressed = bool(fc & 0x40000000)
        fc &= 0x3FFFFFFF
        offset = fc // 2 if compressed else fc
        length = (cps[i + 1] - cps[i]) * (1 if compressed else 2)
        if cps[i + 1] < cps[i] or cps[0] != 0 or offset + length > word_size:
            raise _fail("文本片段超出 WordDocument 流范围")
        pieces.append(_Piece(cps[i], cps[i + 1], offset, compressed))
    return pieces


class _Props:
    """Paragraph properties by the stream offset of a paragraph mark, from the PAPX FKPs."""

    def __init__(self, word: bytes, table: bytes, data: bytes, fc: int, lcb: int,
                 pieces: list[_Piece]) -> None:
        self._word, self._data, self._pieces = word, data, pieces
        self._piece_starts = [p.cp_start for p in pieces]
        self._run_starts: list[int] = []
        self._runs: list[tuple[int, bytes]] = []  # (end offset, grpprl)
        self._cache: dict[int, _Para] = {}
        self.available = False
        if lcb < 12 or fc + lcb > len(table) or (lcb - 4) % 8:
            return
        count = (lcb - 4) // 8
        runs = []
        for i in range(count):
            pn = _u32(table, fc + 4 * (count + 1) + 4 * i) & 0x3FFFFF
            page = word[pn * _FKP_SIZE:(pn + 1) * _FKP_SIZE]
            if len(page) < _FKP_SIZE:
                return
            crun = page[-1]
            if 4 * (crun + 1) + 13 * crun > _FKP_SIZE - 1:
                return
            for j in range(crun):
                start, end = struct.unpack_from("<II", page, 4 * j)
                runs.append((start, end, _papx_grpprl(page, 4 * (crun + 1) + 13 * j)))
        runs.sort(key=lambda r: r[0])
        self._run_starts = [r[0] for r in runs]
        self._runs = [(r[1], r[2]) for r in runs]
        self.available = bool(runs)

    def at(self, cp: int) -> _Para:
        """The properties of the paragraph whose mark is at cp (defaults when unknown)."""
        i = bisect_right(self._piece_starts, cp) - 1
        if not self.available or i < 0:
            return _Para()
        piece = self._pieces[i]
        offset = piece.offset + (cp - piece.cp_start) * (1 if piece.compressed else 2)
        k = bisect_right(self._run_starts, offset) - 1
        if k < 0 or offset >= self._runs[k][0]:
            return _Para()
        if k not in self._cache:
            self._cache[k] = self._parse(self._runs[k][1], huge_allowed=True)
        return self._cache[k]

    def _parse(self, grpprl: bytes, huge_allowed: bool) -> _Para:
        para = _Para()
        for sprm, operand in _sprms(grpprl):
            if sprm == _SPRM_P_F_IN_TABLE:
                para.in_table = operand[0] != 0
            elif sprm == _SPRM_P_F_TTP:
                para.ttp = operand[0] != 0
            elif sprm == _SPRM_P_ITAP:
                para.itap = _u32(operand, 0)
            elif sprm == _SPRM_T_DEF_TABLE:
                _def_table(operand, para)
            elif sprm == _SPRM_T_VERT_MERGE and len(operand) >= 2:
                # VerticalMergeFlag: 1 continues the merge above, 3 starts one (as TC bits 5-6).
                flag = {1: _VERT_MERGE, 3: _VERT_MERGE | _VERT_RESTART}.get(operand[1], 0)
                para.vmerge[operand[0]] = flag
            elif sprm == _SPRM_P_HUGE_PAPX and huge_allowed:
                # Properties too large for the FKP live in the Data stream: a u16 size, then sprms.
                at = _u32(operand, 0)
                if at + 2 <= len(self._data):
                    size = _u16(self._data, at)
                    huge = self._parse(self._data[at + 2:at + 2 + size], huge_allowed=False)
                    para.in_table |= huge.in_table
                    para.ttp |= huge.ttp
                    para.itap = para.itap or huge.itap
                    para.edges = para.edges or huge.edges
                    para.vmerge.update(huge.vmerge)
        if para.itap and not para.in_table:
            para.in_table = True
        return para


def _papx_grpprl(page: bytes, bx: int) -> bytes:
    """The sprms of a PapxInFkp (its istd dropped); empty when the BxPap points nowhere."""
    offset = page[bx] * 2
    if offset == 0:
        return b""
    cb = page[offset]
    if cb == 0:
        body = page[offset + 2:offset + 2 + 2 * page[offset + 1]]
    else:
        body = page[offset + 1:offset + 2 * cb]
    return body[2:]


def _sprms(grpprl: bytes) -> list[tuple[int, bytes]]:
    """(sprm, operand) pairs of a grpprl; stops at the first one that runs past the end."""
    out = []
    pos = 0
    while pos + 2 <= len(grpprl):
        sprm = _u16(grpprl, pos)
        pos += 2
        spra = sprm >> 13
        if sprm == _SPRM_T_DEF_TABLE:
            if pos + 2 > len(grpprl):
                break
            size = _u16(grpprl, pos) + 1  # cb counts the rest, plus one; the cb itself is 2 bytes
        elif spra == 6:  # a size byte, then the operand (sprmPChgTabs' 255 means a longer form)
            if pos >= len(grpprl) or (sprm == _SPRM_P_CHG_TABS and grpprl[pos] == 255):
                break
            size = grpprl[pos]
            pos += 1
        else:
            size = _OPERAND_SIZES[spra]
        if pos + size > len(grpprl):
            break
        out.append((sprm, grpprl[pos:pos + size]))
        pos += size
    return out


def _def_table(operand: bytes, para: _Para) -> None:
    """Cell edges and TC merge flags from a TDefTableOperand (cb, itcMac, rgdxaCenter, rgTc80)."""
    if len(operand) < 3:
        return
    cells = operand[2]
    edges_end = 3 + 2 * (cells + 1)
    if edges_end > len(operand):
        return
    para.edges = list(struct.unpack_from(f"<{cells + 1}h", operand, 3))
    for i in range(cells):
        at = edges_end + _TC80_SIZE * i
        if at + 2 > len(operand):
            break
        para.vmerge[i] = _u16(operand, at) & (_VERT_MERGE | _VERT_RESTART)


@dataclass
class _Row:
    cells: list[str]
    para: _Para | None  # the row mark's properties; None when the PAPX could not be read


class _Builder:
    """Blocks in reading order: paragraphs pass through, cells gather into rows and tables."""

    def __init__(self) -> None:
        self.blocks: list[str | Table] = []
        self.rows: list[_Row] = []
        self.cells: list[str] = []
        self.lines: list[str] = []  # earlier paragraphs of the cell being read
        self.last_was_cell = False

    def is_row_mark(self, line: str) -> bool:
        """Without paragraph properties: whether an empty \x07 is a row mark, not an empty cell."""
        # It is when it follows a cell's \x07 directly and the row has as many cells as the
        # table's first row (so an empty cell in the first row itself is taken as its end).
        width = len(self.rows[0].cells) if self.rows else 0
        return self.last_was_cell and not line and len(self.cells) >= width

    def paragraph(self, line: str) -> None:
        self._close_table()
        if line:
            self.blocks.append(line)

    def cell_line(self, line: str) -> None:
        self.lines.append(line)
        self.last_was_cell = False

    def end_cell(self, line: str) -> None:
        self.cells.append(_join([*self.lines, line]))
        self.lines = []
        self.last_was_cell = True

    def end_row(self, para: _Para | None) -> None:
        if self.lines:
            self.end_cell("")
        self.rows.append(_Row(self.cells, para))
        self.cells = []
        self.last_was_cell = False

    def finish(self) -> list[str | Table]:
        self._close_table()
        return self.blocks

    def _close_table(self) -> None:
        if self.lines or self.cells:
            self.end_row(None)
        if self.rows:
            table = _table(self.rows)
            if table is not None:
                self.blocks.append(table)
            self.rows = []
        self.last_was_cell = False


def _blocks(text: str, props: _Props) -> list[str | Table]:
    """Paragraphs and tables, in reading order, from the main text and its paragraph properties."""
    use_props = props.available and _props_see_tables(text, props)
    out = _Builder()
    for para_text, mark, cp in _paragraphs(text):
        line = _clean(para_text)
        if use_props:
            para = props.at(cp)
            if not para.in_table:
                out.paragraph(line)
            elif mark == _CELL_MARK and para.ttp:
                out.end_row(para)
            elif mark == _CELL_MARK:
                out.end_cell(line)
            else:
                out.cell_line(line)
        elif mark == _CELL_MARK:
            if out.is_row_mark(line):
                out.end_row(None)
            else:
                out.end_cell(line)
        elif out.cells:
            out.cell_line(line)
        else:
            out.paragraph(line)
    return out.finish()


def _props_see_tables(text: str, props: _Props) -> bool:
    """Whether the PAPX marks the first cell mark as in a table (a writer that skipped them does not)."""
    first = text.find(_CELL_MARK)
    return first < 0 or props.at(first).in_table


def _paragraphs(text: str) -> list[tuple[str, str, int]]:
    """(text, mark, mark CP) per paragraph; field instructions dropped, field results kept."""
    out = []
    kept: list[str] = []
    fields: list[bool] = []  # per open field: True while in its instruction
    hidden = 0  # open fields in their instruction
    for cp, ch in enumerate(text):
        if ch in "\r\x07\x0c":
            # Paragraph marks stay structural even inside a field (a TOC result spans paragraphs).
            out.append(("".join(kept), _CELL_MARK if ch == _CELL_MARK else _PARA_MARK, cp))
            kept = []
        elif ch == _FIELD_BEGIN:
            fields.append(True)
            hidden += 1
        elif ch == _FIELD_SEP:
            if fields and fields[-1]:
                fields[-1] = False
                hidden -= 1
        elif ch == _FIELD_END:
            if fields and fields.pop():
                hidden -= 1
        elif not hidden:
            kept.append(ch)
    if kept:
        out.append(("".join(kept), _PARA_MARK, len(text)))
    return out


def _clean(text: str) -> str:
    """Special characters mapped or dropped, spaces collapsed, soft line breaks joined."""
    return _join(_CONTROL.sub("", text.translate(_INLINE)).split("\n"))


def _join(lines: list[str]) -> str:
    """Lines of one cell or paragraph as one string: no space next to Chinese, else one space."""
    out = ""
    for line in lines:
        line = _SPACES.sub(" ", line).strip()
        if not line:
            continue
        if out and not (_CJK.match(out[-1]) or _CJK.match(line[0])):
            out += " "
        out += line
    return out


def _table(rows: list[_Row]) -> Table | None:
    """A Table with header = the first row, vertically merged cells filled from above."""
    grid: list[list[str]] = []
    for r, row in enumerate(rows):
        cells = list(row.cells)
        if r:
            above, above_row = grid[-1], rows[r - 1]
            for i, cell in enumerate(cells):
                if cell:
                    continue
                j = _cell_above(row, above_row, i)
                if j is None or j >= len(above) or not above[j]:
                    continue
                if row.para is not None and row.para.vmerge:
                    if row.para.vmerge.get(i, 0) & (_VERT_MERGE | _VERT_RESTART) == _VERT_MERGE:
                        cells[i] = above[j]
                elif r > 1 and all(c for k, c in enumerate(cells) if k != i):
                    # No merge flags: an empty cell in an otherwise full row continues the one
                    # above, unless that one is the header.
                    cells[i] = above[j]
        grid.append(cells)
    if not any(any(row) for row in grid):
        return None
    width = max(len(row) for row in grid)  # rows short of cells (horizontal merges) padded
    grid = [row + [""] * (width - len(row)) for row in grid]
    return Table(header=grid[0], rows=grid[1:])


def _cell_above(row: _Row, above: _Row, i: int) -> int | None:
    """The index of the cell above cell i: the same left edge when both rows have edges, else i."""
    if row.para and above.para and row.para.edges and above.para.edges and i < len(row.para.edges):
        left = row.para.edges[i]
        return above.para.edges.index(left) if left in above.para.edges[:-1] else None
    return i
