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
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from charset_normalizer import from_bytes

from indexer.errors import DocumentError

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


def is_html(path: str | Path) -> bool:
    """True for the HTML suffixes the indexer reads."""
    return Path(path).suffix.lower() in HTML_SUFFIXES


def is_indexable(path: str | Path) -> bool:
    """True for files the indexer reads (HTML and plain text)."""
    suffix = Path(path).suffix.lower()
    return suffix in HTML_SUFFIXES or suffix in TEXT_SUFFIXES


def walk_corpus(root: Path) -> Iterator[str]:
    """Corpus-relative POSIX paths of all files under `root`, sorted, hidden ones left out."""
    found = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in filenames:
            if name.startswith("."):
                continue
            found.append(Path(dirpath, name).relative_to(root).as_posix())
    return iter(sorted(found))


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
