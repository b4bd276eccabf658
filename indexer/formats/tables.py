"""Grids of cells to Tables: cell text joined, merged cells filled, header rows found."""
from __future__ import annotations

import re

from indexer.formats.model import Table

# A line break inside a cell: none between Han characters (a wrapped name), else one space.
_HAN_BREAK = re.compile(r"(?<=[\u3400-\u9fff\uff08\uff09（）])\s*\n\s*(?=[\u3400-\u9fff\uff08\uff09（）])")
_BREAK = re.compile(r"\s*\n\s*")
_SPACES = re.compile(r"[ \t\u00a0\u3000]+")
# A data row starts with its number (序号 1, 2, 一、…) or the first column holds a name.
_NUMBER = re.compile(r"^\s*(?:\d{1,5}|[一二三四五六七八九十]{1,3})\s*[.、．]?\s*$")


def cell_text(value: object) -> str:
    """A cell's value as one line of text: wrapped lines joined, integral floats without .0."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).replace("\r\n", "\n").replace("\r", "\n")
    text = _BREAK.sub(" ", _HAN_BREAK.sub("", text.strip()))
    return _SPACES.sub(" ", text).strip()


def fill_merged(grid: list[list[str]], merges: list[tuple[int, int, int, int]]) -> None:
    """Copy each merged range's value (its top-left cell) into every cell it covers, in place.

    `merges`: (first_row, first_col, last_row, last_col), inclusive, in grid coordinates."""
    for r0, c0, r1, c1 in merges:
        if not (0 <= r0 < len(grid)) or not (0 <= c0 < len(grid[r0])):
            continue
        value = grid[r0][c0]
        for r in range(r0, min(r1, len(grid) - 1) + 1):
            for c in range(c0, min(c1, len(grid[r]) - 1) + 1):
                grid[r][c] = value


def header_rows(grid: list[list[str]]) -> int:
    """How many leading rows name the columns: up to the first row that starts with a number
    (序号), at most two; one when no row is numbered."""
    for i, row in enumerate(grid[:3]):
        if row and _NUMBER.match(row[0] or ""):
            return min(i, 2)
    return 1 if len(grid) > 1 else 0


def make_table(grid: list[list[str]], headers: int | None = None) -> Table | None:
    """A Table of a grid of cell texts (empty rows and columns dropped), or None when nothing is left."""
    rows = [list(row) for row in grid if any(cell for cell in row)]
    if not rows:
        return None
    width = max(len(row) for row in rows)
    rows = [row + [""] * (width - len(row)) for row in rows]
    keep = [c for c in range(width) if any(row[c] for row in rows)]
    rows = [[row[c] for c in keep] for row in rows]
    count = header_rows(rows) if headers is None else headers
    header: list[str] = []
    if count:
        for column in zip(*rows[:count]):
            parts = list(dict.fromkeys(p for p in column if p))
            header.append("/".join(parts))
    return Table(header, rows[count:])


def table_lines(table: Table) -> list[str]:
    """A table as text: each row one line, each cell after its column's name (单位名称：… 等级：…),
    so that a row found by a search reads whole with its header (a snippet is one row: the cells
    are set apart by spaces, not by the ；。 that end a snippet's sentences)."""
    lines = []
    for row in table.rows:
        cells = []
        for i, value in enumerate(row):
            if not value:
                continue
            name = table.header[i] if i < len(table.header) else ""
            cells.append(f"{name}：{value}" if name and name != value else value)
        if cells:
            lines.append("　".join(cells))
    return lines
