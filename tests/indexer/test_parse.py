"""Reading files: every encoding of the archive decodes exactly; bad files fail with a reason."""
from __future__ import annotations

import codecs

import pytest

from conftest import FIXTURE_CORPUS
from indexer.errors import DocumentError
from indexer.parse import declared_charset, decode, is_html, walk_corpus

ENCODED = [
    ("gbk_notice.html", "gbk"),
    ("big5_news.html", "big5"),
    ("utf16_report.txt", "utf-16"),
    ("utf8bom_notice.txt", "utf-8-sig"),
    ("sub/dir/gb18030_notice.txt", "gb18030"),
    ("pinyin_glossed.txt", "utf-8"),
    ("table_layout.htm", "utf-8"),
]


@pytest.mark.parametrize("name,codec", ENCODED)
def test_fixture_files_decode_exactly(name: str, codec: str) -> None:
    data = (FIXTURE_CORPUS / name).read_bytes()
    decoded = decode(data, html=is_html(name))
    assert decoded.text == data.decode(codec).lstrip("\ufeff")
    assert "\ufffd" not in decoded.text


def test_big5_page_has_no_declaration_and_is_detected() -> None:
    data = (FIXTURE_CORPUS / "big5_news.html").read_bytes()
    assert declared_charset(data) is None
    assert decode(data, html=True).encoding in ("big5hkscs", "cp950", "big5")


def test_gb18030_character_outside_gbk_survives() -> None:
    data = (FIXTURE_CORPUS / "sub/dir/gb18030_notice.txt").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        data.decode("gbk")
    assert decode(data).encoding == "gb18030"
    assert "𠮷" in decode(data).text


def test_declared_gb2312_is_read_as_gb18030() -> None:
    text = "<meta charset=gb2312><p>镕基与喆的质量月</p>"  # 镕 and 喆 are GBK, not GB2312
    decoded = decode(text.encode("gb18030"), html=True)
    assert decoded.encoding == "gb18030"
    assert "镕基与喆" in decoded.text


def test_wrong_declaration_falls_back_to_detection() -> None:
    text = "<meta charset=big5><p>质量月活动在全市范围内广泛开展，企业积极参与质量提升行动。</p>"
    assert decode(text.encode("utf-8"), html=True).text == text


@pytest.mark.parametrize("bom,codec", [(codecs.BOM_UTF16_BE, "utf-16-be"), (codecs.BOM_UTF32_LE, "utf-32-le")])
def test_other_boms(bom: bytes, codec: str) -> None:
    text = "質量月活動總結"
    assert decode(bom + text.encode(codec)).text == text


@pytest.mark.parametrize(
    "data,reason",
    [
        (b"", "文件为空"),
        (b" \n\t\r\n", "文件为空"),
        ("\u3000\n".encode("utf-8"), "文件为空"),
        (bytes(range(256)) * 8, "二进制"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 64, "二进制"),
    ],
)
def test_bad_files_fail_with_reason(data: bytes, reason: str) -> None:
    with pytest.raises(DocumentError, match=reason):
        decode(data)


def test_walk_corpus_is_recursive_sorted_and_relative() -> None:
    paths = list(walk_corpus(FIXTURE_CORPUS))
    assert "sub/dir/gb18030_notice.txt" in paths
    assert paths == sorted(paths)
    assert all(not p.startswith("/") for p in paths)
