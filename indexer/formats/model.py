"""What an attachment reader returns: blocks of text in reading order, tables kept as rows."""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Table:
    """A table as rows of cell texts: merged cells filled, wrapped cells and rows split at page breaks joined.

    `header` is the row (or rows, joined per column) naming the columns, empty when none was found."""

    header: list[str]
    rows: list[list[str]]


@dataclass
class Extracted:
    """An attachment's content: paragraphs (str) and tables in reading order, and page accounting."""

    blocks: list[str | Table] = field(default_factory=list)
    title: str | None = None  # the first heading, when the format marks one
    pages: int = 0  # 0 for formats without pages (sheets, docx)
    pages_without_text: int = 0  # pages with no text layer (scans, outlined text)
    garbled_pages: int = 0  # pages whose text is mojibake ((cid:N), private-use characters)

    def tables(self) -> list[Table]:
        """The tables, in order."""
        return [b for b in self.blocks if isinstance(b, Table)]


class AttachmentError(Exception):
    """An attachment that cannot be read; `status` is "failed" (broken, encrypted) or "excluded"
    (read, but with no usable text: a scan, garbled text); the message says why, in Chinese."""

    def __init__(self, message: str, status: str = "failed") -> None:
        super().__init__(message)
        self.status = status
