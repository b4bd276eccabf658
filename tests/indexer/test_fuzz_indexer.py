"""Generated input for the indexer's stages: decoding, cleaning, gloss stripping, the whole document.

No exception but DocumentError (a reason the build reports) escapes; gloss stripping only ever
removes characters; cleaned text holds no markup. Bounded: a fixed number of examples each.
"""
from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.configuration import set_hypothesis_home_dir

from indexer.clean import clean_html, clean_plain
from indexer.document import build_document
from indexer.errors import DocumentError
from indexer.normalize import fold, normalize_text, strip_pinyin
from indexer.parse import decode

set_hypothesis_home_dir(str(Path(tempfile.gettempdir()) / "qsearch-hypothesis"))
BOUNDED = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow], database=None)

TEXT_PIECES = [
    "質", "(zhì)", "量", "(liàng)", "质量月", "（一）", "(3C)", "(Quality Month)", "喇a(chǎn)", "2022年9月1日",
    "“", "”", "以“质量强国”为主题", "上海市质量协会", "、", "，", "。", "\n", " ", "\u3000", "\ufeff", "\x00", "\x1b",
    "<", ">", "&amp;", "<script>alert(1)</script>", "<p>", "</p>", "<div class=\"date\">2016-09-08</div>", "<!--", "-->",
    "<![CDATA[", "]]>", "<?xml version='1.0'?>", "<meta charset=gbk>", "\ud7ff", "\U0001F600",
]
texts = st.lists(st.sampled_from(TEXT_PIECES) | st.text(max_size=8), max_size=40).map("".join)
ENCODINGS = ["utf-8", "utf-8-sig", "gb18030", "big5", "utf-16", "utf-32", "latin-1"]


@BOUNDED
@given(st.binary(max_size=2000))
def test_decoding_random_bytes_gives_text_or_a_reason(data: bytes) -> None:
    for html in (False, True):
        try:
            decoded = decode(data, html=html)
        except DocumentError as exc:
            assert str(exc)
            continue
        assert isinstance(decoded.text, str) and decoded.encoding


@BOUNDED
@given(texts, st.sampled_from(ENCODINGS))
def test_text_in_any_archive_encoding_decodes_or_gives_a_reason(text: str, encoding: str) -> None:
    try:
        data = text.encode(encoding)
    except UnicodeEncodeError:
        return
    try:
        decode(data, html=False)
    except DocumentError:
        pass


@BOUNDED
@given(texts)
def test_gloss_stripping_only_removes_characters(text: str) -> None:
    stripped = strip_pinyin(text)
    it = iter(text)
    assert all(ch in it for ch in stripped)  # a subsequence of the input
    assert len(fold(stripped)) == len(stripped)  # folding keeps offsets valid
    normalize_text(text)


@BOUNDED
@given(texts)
def test_cleaning_hostile_markup_gives_plain_text(body: str) -> None:
    page = f"<html><head><title>质量月</title></head><body><div id='content'>{body}</div></body></html>"
    for clean in (clean_html, clean_plain):
        try:
            article = clean(page)
        except DocumentError:
            continue
        assert "<script" not in article.text.lower() or clean is clean_plain


@BOUNDED
@given(texts, st.sampled_from(["a.html", "a.txt"]))
def test_whole_documents_build_or_give_a_reason(text: str, name: str) -> None:
    try:
        doc = build_document(name, text.encode("utf-8", "surrogatepass"))
    except DocumentError:
        return
    for theme in doc.themes:
        assert theme["theme"] and len(theme["theme"]) <= 60
    for org in doc.organizations:
        assert org["name"] and org["kind"] in ("enterprise", "association", "government", "institution", "other")
