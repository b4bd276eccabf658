"""Parse stage: find archive files and decode their bytes into text.

Encodings seen in the archive: UTF-8 with or without BOM, UTF-16/32 with BOM,
GB2312/GBK/GB18030 (always decoded as gb18030, their superset), Big5. A charset
declared in the page is used when it decodes cleanly; otherwise charset-normalizer
guesses among the encodings Chinese archives use.
"""
from __future__ import annotations

import codecs
import os
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

from charset_normalizer import from_bytes

from indexer.errors import DocumentError
from indexer.formats import ATTACHMENT_SUFFIXES

HTML_SUFFIXES = frozenset({".html", ".htm", ".shtml", ".xhtml"})
TEXT_SUFFIXES = frozenset({".txt"})

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_DECLARED = re.compile(rb"""(?:charset|encoding)\s*=\s*["']?\s*([A-Za-z0-9_.:-]{2,30})""", re.I)
# Names pages declare, mapped to the codec that decodes them best.
_ALIASES = {
    "gb2312": "gb18030", "gbk": "gb18030", "x-gbk": "gb18030", "gb_2312-80": "gb18030",
    "gb18030": "gb18030", "cp936": "gb18030", "ms936": "gb18030", "euc-cn": "gb18030",
    "big5": "big5hkscs", "big-5": "big5hkscs", "cp950": "big5hkscs", "x-big5": "big5hkscs",
    "big5-hkscs": "big5hkscs", "utf8": "utf-8", "utf-8": "utf-8", "unicode": "utf-8",
}
# What charset-normalizer may choose from: the encodings Chinese archives are saved in.
_CANDIDATES = ["utf_8", "gb18030", "big5hkscs", "cp950", "big5", "utf_16"]
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")


@dataclass(frozen=True)
class Decoded:
    """A file's text and the encoding it was read with."""

    text: str
    encoding: str


def suffix_of(path: str | Path) -> str:
    """A path's suffix, lower-cased (Path.suffix without making a Path: a re-run asks for 27,000)."""
    return os.path.splitext(os.fspath(path))[1].lower()


def is_html(path: str | Path) -> bool:
    """True for the HTML suffixes the indexer reads."""
    return suffix_of(path) in HTML_SUFFIXES


def is_indexable(path: str | Path) -> bool:
    """True for files the indexer reads (HTML, plain text and attachments: PDF, Word, WPS, Excel, OFD)."""
    suffix = suffix_of(path)
    return suffix in HTML_SUFFIXES or suffix in TEXT_SUFFIXES or suffix in ATTACHMENT_SUFFIXES


# Bytes read from one file at most: a real page is well under 1 MB; a 150 MB file (or a link to
# /dev/zero) would otherwise take gigabytes of memory through decoding and analysis.
MAX_FILE_BYTES = 32 * 1024 * 1024


@dataclass
class Walk:
    """What a corpus walk found: file paths to consider, and what it could not take, with reasons."""

    paths: list[str] = field(default_factory=list)  # corpus-relative POSIX paths, sorted
    problems: list[dict] = field(default_factory=list)  # {"path", "error"}
    unreadable_dirs: list[str] = field(default_factory=list)  # their indexed documents are kept

    def __iter__(self) -> Iterator[str]:
        return iter(self.paths)


def display_name(name: str) -> str | None:
    """A file name as text: names from Windows zips are GBK bytes, not UTF-8. None when neither."""
    raw = os.fsencode(name)
    for encoding in ("utf-8", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return None


def real_path(root: Path, path: str) -> Path:
    """The file behind a corpus-relative path that may have been shown in GBK (see display_name)."""
    direct = root / path
    if os.path.lexists(direct):
        return direct
    try:
        return root / os.fsdecode(path.encode("gb18030"))
    except UnicodeEncodeError:
        return direct


def _inside(target: str, root: str) -> bool:
    return target == root or target.startswith(root.rstrip(os.sep) + os.sep)


def walk_corpus(root: Path) -> Walk:
    """All files under `root` (hidden ones left out), without following links out of it."""
    walk = Walk()
    real_root = os.path.realpath(root)

    def unreadable(exc: OSError) -> None:
        rel = Path(exc.filename).relative_to(root).as_posix() if exc.filename else "."
        walk.unreadable_dirs.append(rel)
        walk.problems.append({"path": rel, "error": f"无法读取目录（{exc.strerror or exc}）：其中已索引的文档保留不变"})

    for dirpath, dirnames, filenames in os.walk(root, onerror=unreadable):
        rel_dir = Path(dirpath).relative_to(root)
        kept = []
        for d in sorted(dirnames):
            if d.startswith("."):
                continue
            if os.path.islink(os.path.join(dirpath, d)):
                walk.problems.append({"path": _shown(rel_dir, d), "error": "目录的符号链接不跟随（避免循环和重复），未读取"})
                continue
            kept.append(d)
        dirnames[:] = kept
        dir_named = all(display_name(part) is not None for part in rel_dir.parts)
        for name in filenames:
            if name.startswith("."):
                continue
            full = os.path.join(dirpath, name)
            shown = _shown(rel_dir, name)
            if not dir_named or display_name(name) is None:
                walk.problems.append({"path": shown, "error": "文件名既不是 UTF-8 也不是 GBK 编码，无法处理：请改名"})
                continue
            if os.path.islink(full):
                target = os.path.realpath(full)
                if not _inside(target, real_root):
                    walk.problems.append({"path": shown, "error": "符号链接指向语料目录之外，未读取"})
                    continue
                if not os.path.exists(full):
                    walk.problems.append({"path": shown, "error": "符号链接断开或循环，未读取"})
                    continue
            walk.paths.append(shown)
    walk.paths.sort()
    return walk


def _shown(rel_dir: Path, name: str) -> str:
    """A corpus-relative path as text, GBK names decoded, undecodable bytes shown as escapes."""
    parts = [*rel_dir.parts, name]
    return "/".join(display_name(p) or os.fsencode(p).decode("utf-8", "backslashreplace") for p in parts)


def read_file(root: Path, path: str) -> bytes:
    """A corpus file's bytes; DocumentError (with what to do) for what is not a readable regular file."""
    target = real_path(root, path)
    try:
        info = os.stat(target)
        if not stat.S_ISREG(info.st_mode):
            raise DocumentError("不是普通文件（管道、设备或目录），未读取")
        if info.st_size > MAX_FILE_BYTES:
            raise DocumentError(f"文件过大（{info.st_size / 1048576:.0f} MB，上限 {MAX_FILE_BYTES // 1048576} MB），未读取")
        with open(target, "rb") as handle:
            data = handle.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise DocumentError(f"无法读取文件：{exc.strerror or exc}") from None
    if len(data) > MAX_FILE_BYTES:
        raise DocumentError(f"文件过大（超过 {MAX_FILE_BYTES // 1048576} MB），未读取")
    return data


def declared_charset(data: bytes) -> str | None:
    """The charset a page declares in its first bytes (meta tag or XML declaration)."""
    match = _DECLARED.search(data[:4096])
    if not match:
        return None
    name = match.group(1).decode("ascii").lower()
    return _ALIASES.get(name, name)


def _strict(data: bytes, encoding: str) -> str | None:
    try:
        return data.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        return None


_CONTROL_BYTES = bytes(b for b in range(32) if b < 9 or b > 13)


def _looks_binary(data: bytes) -> bool:
    sample = data[:8192]
    if b"\x00" in sample:
        return True
    controls = len(sample) - len(sample.translate(None, _CONTROL_BYTES))
    return controls > len(sample) * 0.05


def decode(data: bytes, html: bool = False) -> Decoded:
    """Decode a file's bytes; raise DocumentError with the reason when it cannot be read."""
    if not data.strip():
        raise DocumentError("文件为空")
    # 1. A byte-order mark is the strongest evidence there is.
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            text = _strict(data, encoding)
            if text is None:
                raise DocumentError(f"带 {encoding} BOM 但无法按 {encoding} 解码")
            return _checked(text, encoding)
    if _looks_binary(data):
        raise DocumentError("二进制文件，不是文本或网页")
    # 2. A declared charset, when it decodes cleanly (pages often declare gb2312 but use GBK).
    if html:
        declared = declared_charset(data)
        if declared:
            text = _strict(data, declared)
            if text is not None:
                return _checked(text, declared)
    # 3. Valid UTF-8 is almost never an accident.
    text = _strict(data, "utf-8")
    if text is not None:
        return _checked(text, "utf-8")
    # 4. Otherwise let charset-normalizer choose among the Chinese encodings.
    best = from_bytes(data, cp_isolation=_CANDIDATES).best()
    if best is None:
        raise DocumentError("无法识别文件编码（不是 UTF-8、GBK/GB18030、Big5 或 UTF-16）")
    encoding = _ALIASES.get(best.encoding.replace("_", "-"), best.encoding)
    text = _strict(data, encoding) or str(best)
    return _checked(text, encoding)


def _checked(text: str, encoding: str) -> Decoded:
    text = text.lstrip("\ufeff")
    if not text.strip():
        raise DocumentError("文件为空")
    bad = text.count("\ufffd") + len(_CONTROL.findall(text[:20000]))
    if bad > max(10, len(text) // 50):
        raise DocumentError(f"按 {encoding} 解码后含大量乱码，无法读取")
    return Decoded(text, encoding)
