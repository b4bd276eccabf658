"""Industries measured on real quality-campaign pages against gold labelled by reading.

tests/gold/industries_gold.json holds, for every page of ../shared/data/web_pages.tar.xz, the
industries a reader found the page to be about (tests/gold/industries_gold_notes.md gives the rule).
It was labelled after the cues of indexer/data/industries.tsv were frozen: at first sight precision
0.837, recall 0.742. Two of the wrong labels it showed were cues inside longer names (国家电网 holds
家电, 国家食品药品监督管理局 食品), now matched whole: 0.867 / 0.742, a figure no longer unseen; with
the sentence share and 中铁 as a railway cue 0.912 / 0.753.
Printed with pytest -s or -rA; skipped when the archive is absent.
"""
from __future__ import annotations

import json
import tarfile
from pathlib import PurePosixPath

import pytest

from conftest import ROOT, SHARED_ARCHIVE, WEB_PAGES
from indexer.document import build_document
from scoring import ratio, report

GOLD: dict[str, list[str]] = json.loads((ROOT / "tests" / "gold" / "industries_gold.json").read_text("utf-8"))["pages"]
MIN_PRECISION = 0.85  # first sight 0.837, now 0.912: a wrong label puts a page under a filter it does not belong to
MIN_RECALL = 0.65  # first sight 0.742: a page that names its industry rarely is left to the query's words


# tests/gold/industries_news.json: news pages labelled before the sentence share (CUE_SHARE) was
# written, then used to write it and the round-up rule (STORY_HITS): precision 0.277 -> 0.630 -> 0.810,
# recall 0.750 -> 0.708; after review 0.800 / 0.667 (an aircraft carrier is no industry: most pages
# that name one are war news). industries_news_heldout.json: news pages labelled meanwhile and opened
# once the sentence share was frozen: 0.200 / 0.739 before it, 0.607 / 0.739 at first sight, 0.640 /
# 0.696 with the round-up rule (the readers' own rule for digests). Gates: (precision, recall).
NEWS_SETS = {"industries_news.json": (0.7, 0.6), "industries_news_heldout.json": (0.55, 0.6)}


@pytest.fixture(scope="module")
def found() -> dict[str, set[str]]:
    """The industries the pipeline finds on each gold page, read straight from the tar.xz."""
    out: dict[str, set[str]] = {}
    with tarfile.open(WEB_PAGES, "r:xz") as tar:
        for member in tar:
            name = PurePosixPath(member.name).name
            if member.isfile() and name in GOLD:
                out[name] = set(build_document(name, tar.extractfile(member).read()).industries)
    assert set(out) == set(GOLD), sorted(set(GOLD) - set(out))
    return out


def _figures(gold: dict[str, list[str]], found: dict[str, set[str]]) -> dict:
    """Precision and recall of (page, industry) labels, with every wrong and missed label."""
    pairs = {(n, i) for n, labels in gold.items() for i in labels}
    got = {(n, i) for n, labels in found.items() for i in labels}
    right = pairs & got
    figures = {"precision": ratio(len(right), len(got)), "recall": ratio(len(right), len(pairs)),
               "labels": len(pairs), "found": len(got),
               "errors": [f"{n}: {i} (wrong)" for n, i in sorted(got - pairs)] +
                         [f"{n}: {i} (missed)" for n, i in sorted(pairs - got)]}
    return figures


@pytest.mark.web_pages
def test_industries_against_the_gold(found: dict[str, set[str]]) -> None:
    """The web pages' labels, every wrong and missed one printed."""
    figures = _figures(GOLD, found)
    report("industries", figures, most=80)
    assert figures["precision"] >= MIN_PRECISION and figures["recall"] >= MIN_RECALL, figures


@pytest.fixture(scope="module")
def news() -> dict[str, tuple[dict[str, list[str]], dict[str, set[str]]]]:
    """Each news set's gold and the industries the pipeline finds on its pages, read in one pass."""
    sets = {name: json.loads((ROOT / "tests" / "gold" / name).read_text("utf-8")) for name in NEWS_SETS}
    wanted = {source: (name, page) for name, gold in sets.items() for page, source in gold["sources"].items()}
    found: dict[str, dict[str, set[str]]] = {name: {} for name in sets}
    with tarfile.open(SHARED_ARCHIVE, "r:xz") as tar:
        for member in tar:
            source = PurePosixPath(member.name).name
            if member.isfile() and source in wanted:
                name, page = wanted[source]
                found[name][page] = set(build_document(source, tar.extractfile(member).read()).industries)
    return {name: (gold["pages"], found[name]) for name, gold in sets.items()}


@pytest.mark.archive
@pytest.mark.parametrize("name", sorted(NEWS_SETS))
def test_industries_on_news_pages(news, name: str) -> None:
    """News pages (tests/gold/*_notes.md): round-ups, tours and macro pages name many industries in passing."""
    gold, found = news[name]
    assert set(found) == set(gold), sorted(set(gold) - set(found))
    figures = _figures(gold, found)
    report(f"industries, {name}", figures, most=80)
    precision, recall = NEWS_SETS[name]
    assert figures["precision"] >= precision and figures["recall"] >= recall, figures
