"""Attachments: PDF, Word, WPS, spreadsheets and OFD, told apart by their first bytes and read in a
child process bounded in time and memory, so one hostile file can neither hang nor sink a build.

A reader's library is imported once in the process that forks the children; it is only ever
called in a child.
"""
from __future__ import annotations

import ctypes
import ctypes.util
import faulthandler
import importlib
import io
import os
import pickle
import resource
import select
import signal
import time
import zipfile

from indexer.formats.model import AttachmentError, Extracted, Table

__all__ = ["AttachmentError", "Extracted", "Table", "ATTACHMENT_SUFFIXES", "sniff", "read_attachment"]

ATTACHMENT_SUFFIXES = frozenset({".pdf", ".doc", ".docx", ".xls", ".xlsx", ".et", ".wps", ".ofd"})
FORMAT_NAMES = {"pdf": "PDF", "docx": "Word", "doc": "Word/WPS", "xlsx": "Excel", "xls": "Excel/WPS 表格",
                "ofd": "OFD"}
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# Each attachment is read within this time and this much memory beyond what the process holds.
TIME_LIMIT = 120.0
MEMORY_LIMIT = 2 * 1024 * 1024 * 1024


def sniff(data: bytes) -> str | None:
    """The format of a file's bytes: pdf, docx, xlsx, ofd, doc (Word/WPS), xls (Excel/ET),
    encrypted (an encrypted Office package), html, or None for anything else (text included)."""
    head = data[:1024]
    if b"%PDF-" in head:
        return "pdf"
    if data.startswith(b"PK\x03\x04"):
        try:
            names = set(zipfile.ZipFile(io.BytesIO(data)).namelist())
        except (zipfile.BadZipFile, OSError, ValueError):
            return "zip"
        if "word/document.xml" in names:
            return "docx"
        if "xl/workbook.xml" in names or "xl/workbook.bin" in names:
            return "xlsx"
        if "OFD.xml" in names:
            return "ofd"
        return "zip"
    if data.startswith(OLE_MAGIC):
        return _ole_kind(data)
    lowered = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if lowered.startswith((b"<!doctype html", b"<html", b"<head", b"<meta", b"<!--")) or b"<html" in lowered[:512]:
        return "html"
    return None


def _ole_kind(data: bytes) -> str:
    import olefile

    try:
        with olefile.OleFileIO(data) as ole:
            streams = {"/".join(entry) for entry in ole.listdir()}
    except Exception:  # noqa: BLE001 - any damage: the reader says what
        return "ole"
    if "EncryptedPackage" in streams:
        return "encrypted"
    if "WordDocument" in streams:
        return "doc"
    if "Workbook" in streams or "Book" in streams:
        return "xls"
    return "ole"


# format -> (module, function) of its reader; imported on first use in the process that forks
# the readers, so each child starts with the library loaded (pdfplumber alone takes ~0.3 s to import).
READERS = {
    "pdf": ("indexer.formats.pdf", "read_pdf"),
    "docx": ("indexer.formats.docx", "read_docx"),
    "ofd": ("indexer.formats.docx", "read_ofd"),
    "xlsx": ("indexer.formats.sheets", "read_sheets"),
    "xls": ("indexer.formats.sheets", "read_sheets"),
    "doc": ("indexer.formats.ole", "read_doc"),
}


def _reader(fmt: str):
    module, name = READERS[fmt]
    return getattr(importlib.import_module(module), name)


def _read(data: bytes, fmt: str) -> Extracted:
    """Read in this process (the child): the reader for the format."""
    if fmt in READERS:
        return _reader(fmt)(data)
    if fmt == "encrypted":
        raise AttachmentError("Office 文件已加密（需要密码），无法读取")
    if fmt == "zip":
        raise AttachmentError("压缩包不是 Word/Excel/OFD 文件（或已损坏），未读取")
    if fmt == "ole":
        raise AttachmentError("OLE 文件不是 Word/WPS/Excel 文档（或已损坏），未读取")
    raise AttachmentError(f"不支持的格式：{fmt}")


def read_attachment(data: bytes, fmt: str, time_limit: float = TIME_LIMIT, memory_limit: int = MEMORY_LIMIT) -> Extracted:
    """Read an attachment of a sniffed format in a forked child bounded in time and memory;
    AttachmentError (failed or excluded, with the reason) when it cannot be read."""
    if fmt in READERS:
        _reader(fmt)  # loaded once here, inherited by every child
    read_fd, write_fd = os.pipe()
    parent = os.getpid()
    try:
        pid = os.fork()
    except OSError as exc:
        os.close(read_fd)
        os.close(write_fd)
        raise AttachmentError(f"无法启动读取进程（{exc.strerror or exc}），未读取") from None
    if pid == 0:  # the child: read, send the result, leave without running the parent's handlers
        status = 0
        try:
            # Nothing of the parent's but the pipe (not the index's write lock), dead with it, and
            # a CPU limit of its own should the parent die before it can stop a looping reader.
            os.closerange(3, write_fd)
            os.closerange(write_fd + 1, _max_fd())
            _die_with(parent)
            resource.setrlimit(resource.RLIMIT_CPU, (int(time_limit) + 5, int(time_limit) + 10))
            signal.signal(signal.SIGINT, signal.SIG_DFL)
            # Native readers print their own aborts (Rust's "memory allocation failed"): the parent reports.
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, 2)
            faulthandler.disable()  # a reader aborting is this file's failure, not a crash to trace
            _limit_memory(memory_limit)
            try:
                result: tuple = ("ok", _read(data, fmt))
            except AttachmentError as exc:
                result = ("error", str(exc), exc.status)
            except MemoryError:
                result = ("error", f"读取时内存超过上限（{memory_limit // 1048576} MB），未读取", "failed")
            except RecursionError:
                result = ("error", "文件结构嵌套过深，无法读取", "failed")
            except Exception as exc:  # noqa: BLE001 - any reader failure is this file's, reported
                result = ("error", f"文件损坏或无法解析（{type(exc).__name__}：{exc}）", "failed")
            payload = pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL)
            with os.fdopen(write_fd, "wb") as out:
                out.write(payload)
        except BaseException:  # noqa: BLE001
            status = 1
        finally:
            os._exit(status)
    os.close(write_fd)
    try:
        payload = _collect(read_fd, pid, time_limit)
    finally:
        os.close(read_fd)
    if payload is None:
        raise AttachmentError(f"读取超时（超过 {time_limit:.0f} 秒），未读取")
    if not payload:
        raise AttachmentError("读取时进程异常退出（内存超限或文件损坏），未读取")
    result = pickle.loads(payload)
    if result[0] == "ok":
        return result[1]
    raise AttachmentError(result[1], result[2])


def _max_fd() -> int:
    try:
        return os.sysconf("SC_OPEN_MAX")
    except (ValueError, OSError):
        return 1024


def _die_with(parent: int) -> None:
    """End this child when the process that forked it ends (Linux), at once if it already has."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass
    if os.getppid() != parent:
        os._exit(1)


def _limit_memory(extra: int) -> None:
    """Cap the child's address space at what it holds now plus `extra` bytes."""
    try:
        with open("/proc/self/statm") as statm:
            size = int(statm.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError):
        return
    try:
        resource.setrlimit(resource.RLIMIT_AS, (size + extra, size + extra))
    except (ValueError, OSError):
        pass


def _collect(fd: int, pid: int, time_limit: float) -> bytes | None:
    """The child's whole output, or None when it ran past the time limit (it is killed); reaps it."""
    chunks = []
    deadline = time.monotonic() + time_limit
    try:
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                os.kill(pid, signal.SIGKILL)
                return None
            ready, _, _ = select.select([fd], [], [], min(left, 1.0))
            if not ready:
                continue
            chunk = os.read(fd, 1 << 20)
            if not chunk:
                return b"".join(chunks)
            chunks.append(chunk)
    finally:
        try:
            os.waitpid(pid, 0)
        except ChildProcessError:
            pass
