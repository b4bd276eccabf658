"""Spreadsheets (.xlsx, .xls, .et) with python-calamine: each sheet's tables as rows."""
from __future__ import annotations

import datetime as dt
import io

from python_calamine import CalamineError, CalamineWorkbook, PasswordError

from indexer.formats.model import AttachmentError, Extracted
from indexer.formats.tables import cell_text, fill_merged, make_table

MAX_CELLS = 2_000_000  # beyond this a sheet is not a list people read


def _value(value: object) -> str:
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat()[:10] if not isinstance(value, dt.datetime) or not value.time() else value.isoformat(" ")
    return cell_text(value)


def read_sheets(data: bytes) -> Extracted:
    """Every sheet of a workbook: lines above its table (a merged title) as paragraphs, then the table."""
    try:
        book = CalamineWorkbook.from_filelike(io.BytesIO(data))
    except PasswordError:
        raise AttachmentError("表格文件已加密（需要密码），无法读取") from None
    except (CalamineError, ValueError, OSError) as exc:
        raise AttachmentError(f"表格文件损坏或格式不支持：{exc}") from None
    out = Extracted()
    try:
        for index in range(len(book.sheet_names)):
            sheet = book.get_sheet_by_index(index)
            if (sheet.total_height or 0) * (sheet.total_width or 0) > MAX_CELLS:
                raise AttachmentError(f"表格过大（{sheet.name}：{sheet.total_height} 行 × {sheet.total_width} 列），未读取")
            _sheet(sheet, out)
    except (CalamineError, ValueError) as exc:
        raise AttachmentError(f"表格文件损坏：{exc}") from None
    finally:
        book.close()
    return out


def _sheet(sheet, out: Extracted) -> None:
    grid = [[_value(v) for v in row] for row in sheet.to_python(skip_empty_area=False)]
    try:
        merges = sheet.merged_cell_ranges or []
    except Exception:  # noqa: BLE001 - some formats (xls from old writers) have no merge records
        merges = []
    fill_merged(grid, [(r0, c0, r1, c1) for (r0, c0), (r1, c1) in merges])
    # Rows above the table whose cells all say one thing (a title merged across the columns).
    start = 0
    while start < len(grid):
        values = list(dict.fromkeys(v for v in grid[start] if v))
        if len(values) > 1:
            break
        if values:
            out.blocks.append(values[0])
            out.title = out.title or values[0]
        start += 1
    table = make_table(grid[start:])
    if table is not None:
        out.blocks.append(table)
