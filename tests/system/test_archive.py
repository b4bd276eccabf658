"""The real news archive in ../shared/data: cleaning holds up on real pages (skipped when absent)."""
from __future__ import annotations

import re
import tarfile
from collections import Counter
from pathlib import PurePosixPath

import pytest
from lxml import html as lhtml

from conftest import SHARED_ARCHIVE
from indexer.document import build_document
from indexer.errors import DocumentError

pytestmark = pytest.mark.archive
SAMPLE = 400
CHROME = ("版权所有", "ICP", "责任编辑", "分享到", "热播榜", "相关推荐", "全部评论", "收视TOP")


@pytest.fixture(scope="module")
def pages() -> list[tuple[str, bytes]]:
    """The first pages of the archive, read straight from the tar.xz."""
    found = []
    with tarfile.open(SHARED_ARCHIVE, "r:xz") as tar:
        for member in tar:
            if member.isfile() and member.name.endswith(".shtml"):
                found.append((PurePosixPath(member.name).name, tar.extractfile(member).read()))
                if len(found) == SAMPLE:
                    break
    return found


def _reference(data: bytes) -> str:
    """The site's own body container: used only to score our generic cleaner."""
    root = lhtml.fromstring(data)
    nodes = root.xpath('//div[@id="content_area"]') or root.xpath('//div[contains(@class,"cnt_bd")]')
    return re.sub(r"\s+", "", nodes[0].text_content()) if nodes else ""


def test_real_pages_clean_without_crash_and_without_chrome(pages) -> None:
    covered = scored = 0
    failures: Counter[str] = Counter()
    for name, data in pages:
        try:
            doc = build_document(name, data)
        except DocumentError as exc:
            failures[str(exc)] += 1
            continue
        for cue in CHROME:
            assert cue not in doc.text, (name, cue)
        assert doc.title and doc.date, name
        reference = _reference(data)
        if reference:
            scored += 1
            got = Counter(re.sub(r"\s+", "", doc.text))
            want = Counter(reference)
            covered += sum(min(n, got[c]) for c, n in want.items()) / len(reference) >= 0.9
    print(f"\narchive sample: {len(pages)} pages, body recall>=0.9 on {covered}/{scored}, failures {dict(failures)}")
    assert scored > SAMPLE * 0.8
    assert covered / scored >= 0.97
    assert set(failures) <= {"目录页：页面主要是链接列表，没有正文"} or sum(failures.values()) <= SAMPLE * 0.02
