"""Domain exceptions: each message says what happened and what to do."""
from __future__ import annotations


class QsearchError(Exception):
    """Base class for errors the command line turns into a hint."""


class DocumentError(QsearchError):
    """One file could not be read or parsed; the build reports it and goes on."""


class NotADocument(DocumentError):
    """A file that was read but is not a document (a navigation page, an HTTP error page): excluded, not failed."""


class IndexNotFound(QsearchError):
    """There is no index at the given place."""

    def __init__(self, path: str) -> None:
        super().__init__(f"在 {path} 没有找到索引：请先运行 `qsearch index --index {path}` 建立索引。")


class CorpusNotFound(QsearchError):
    """The corpus directory does not exist."""

    def __init__(self, path: str) -> None:
        super().__init__(f"语料目录 {path} 不存在：请用 --corpus 或 QSEARCH_CORPUS 指定存放文档的目录。")


class BackendUnavailable(QsearchError):
    """The engine that holds the index cannot be reached or refused a request (HTTP 503, try again)."""
