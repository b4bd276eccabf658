"""Word .docx (and .ofd, both zips of XML) with zipfile + lxml: paragraphs and tables in reading order."""
from __future__ import annotations

import io
import re
import zipfile

from lxml import etree

from indexer.formats.model import AttachmentError, Extracted
from indexer.formats.tables import cell_text, make_table

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
OFD = "{http://www.ofdspec.org/2016}"
# Uncompressed bytes a zip may inflate to, and how much larger than the file: past either it is
# a zip bomb, not a document.
MAX_UNZIPPED = 200 * 1024 * 1024
MAX_RATIO = 200
_HEADING = re.compile(r"^(?:heading|title|标题|\d)\s*\d*$", re.I)
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, recover=True)


def open_zip(data: bytes) -> zipfile.ZipFile:
    """The zip inside an Office or OFD file, refused when broken or when it would inflate too far."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError) as exc:
        raise AttachmentError(f"文件损坏或不完整（zip 无法打开：{exc}）") from None
    total = sum(info.file_size for info in infos)
    if total > MAX_UNZIPPED or total > MAX_RATIO * max(len(data), 1024 * 1024):
        raise AttachmentError(f"解压后过大（{total / 1048576:.0f} MB，疑似压缩炸弹），未读取")
    return archive


def _member(archive: zipfile.ZipFile, name: str) -> etree._Element:
    try:
        raw = archive.read(name)
    except KeyError:
        raise AttachmentError(f"文件不完整：缺少 {name}") from None
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise AttachmentError(f"文件损坏或不完整（{name}：{exc}）") from None
    root = etree.fromstring(raw, _PARSER) if raw.strip() else None
    if root is None:
        raise AttachmentError(f"文件损坏：{name} 不是有效的 XML")
    return root


def read_docx(data: bytes) -> Extracted:
    """A .docx's paragraphs and tables in reading order; the first heading is its title."""
    archive = open_zip(data)
    body = _member(archive, "word/document.xml").find(f"{W}body")
    out = Extracted()
    if body is None:
        return out
    for child in body:
        if child.tag == f"{W}p":
            text = _paragraph(child)
            if text:
                out.blocks.append(text)
                if out.title is None and _is_heading(child):
                    out.title = text
        elif child.tag == f"{W}tbl":
            table = make_table(_grid(child))
            if table is not None:
                out.blocks.append(table)
        elif child.tag == f"{W}sdt":  # a content control: its paragraphs are text too
            for p in child.iter(f"{W}p"):
                text = _paragraph(p)
                if text:
                    out.blocks.append(text)
    return out


def _paragraph(p: etree._Element) -> str:
    parts = []
    for node in p.iter(f"{W}t", f"{W}tab", f"{W}br", f"{W}instrText", f"{W}delText"):
        if node.tag == f"{W}t":
            parts.append(node.text or "")
        elif node.tag in (f"{W}tab", f"{W}br"):
            parts.append(" ")
    return "".join(parts).strip()


def _is_heading(p: etree._Element) -> bool:
    style = p.find(f"{W}pPr/{W}pStyle")
    outline = p.find(f"{W}pPr/{W}outlineLvl")
    name = style.get(f"{W}val", "") if style is not None else ""
    return outline is not None or bool(_HEADING.match(name))


def _grid(tbl: etree._Element) -> list[list[str]]:
    """A table's cells by grid column: a cell spanning columns (gridSpan) fills each, a vertically
    merged cell (vMerge continue) takes the text of the cell above it."""
    grid: list[list[str]] = []
    for tr in tbl.iterfind(f"{W}tr"):
        row: list[str] = []
        for tc in tr.iterfind(f"{W}tc"):
            props = tc.find(f"{W}tcPr")
            span, merge = 1, None
            if props is not None:
                span_node = props.find(f"{W}gridSpan")
                if span_node is not None and (span_node.get(f"{W}val") or "").isdigit():
                    span = max(1, min(int(span_node.get(f"{W}val")), 64))
                merge_node = props.find(f"{W}vMerge")
                if merge_node is not None:
                    merge = merge_node.get(f"{W}val") or "continue"
            text = cell_text("\n".join(t for t in (_paragraph(p) for p in tc.iterfind(f"{W}p")) if t))
            column = len(row)
            if merge == "continue" and grid and column < len(grid[-1]):
                text = grid[-1][column]
            row.extend([text] * span)
        grid.append(row)
    return grid


def read_ofd(data: bytes) -> Extracted:
    """An .ofd's text objects page by page, grouped into lines by their vertical position."""
    archive = open_zip(data)
    names = sorted(
        (n for n in archive.namelist() if re.search(r"Pages/Page_?\d+/Content\.xml$", n)),
        key=lambda n: [int(d) for d in re.findall(r"\d+", n)],
    )
    if "OFD.xml" not in archive.namelist() and not names:
        raise AttachmentError("不是有效的 OFD 文件（缺少 OFD.xml）")
    out = Extracted(pages=len(names))
    for name in names:
        lines: dict[float, list[tuple[float, str]]] = {}
        for obj in _member(archive, name).iter(f"{OFD}TextObject"):
            box = [float(v) for v in (obj.get("Boundary") or "0 0 0 0").split()[:4]] or [0, 0, 0, 0]
            for code in obj.iterfind(f"{OFD}TextCode"):
                x = box[0] + float(code.get("X") or 0)
                y = round(box[1] + float(code.get("Y") or 0), 0)
                lines.setdefault(y, []).append((x, code.text or ""))
        texts = [" ".join(t for _x, t in sorted(parts)).strip() for _y, parts in sorted(lines.items())]
        texts = [t for t in texts if t]
        if not texts:
            out.pages_without_text += 1
        out.blocks.extend(texts)
    if out.blocks and len(out.blocks[0]) <= 60:
        out.title = out.blocks[0]
    return out
