"""Relevance on the judged query sets (tests/gold/relevance*.json) beside a plain BM25 baseline
(tantivy over the same jieba tokens), printed per query kind; skipped without ../shared/data.

The floors are regression guards: the figures when the ranking was frozen (issue 21) less 0.03.
The issue's own aim (nDCG@10 ≥ 0.85 and ≥ baseline + 0.15 on every kind) is not met on the judged
set, mostly on two-concept queries whose pages name the concept differently (马钢 for steel, an
English page): `make bench` prints where each kind stands (docs/relevance.md)."""
from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from bench import relevance
from indexer.backends.typesense.client import TypesenseConfig

FLOORS = {  # judged set, nDCG@10 per kind with at least four queries
    "all": 0.85, "campaign": 0.92, "false_friend": 0.68,  # 0.589 with B 0.75, 0.714 with B 0.4 (fields.BM25_B)
    "organization": 0.88, "phrase": 0.88,
    "theme_year": 0.83, "two_concept": 0.84,  # 0.714 with the last resort below 5 (issue 21, third stop), 0.738 below 10,
    # 0.807 with a page of the industry a query names scored as having the word (fields.INDUSTRY_MATCH_SCORE),
    # 0.878 with industries by the share of sentences that name them (indexer/industries.py; all 0.886)
}
# Our search on the Typesense backend, on the same pages and query sets: nDCG@10 per kind as on Whoosh
# (the two rank by the same BM25F; 134 of 138 top-10 lists identical when this was written).
BACKEND_TOLERANCE = 0.01
# The held-out set (relevance_heldout.json) was judged by a reader who never saw the engine and scored
# once after the ranking was frozen (0.720 against the baseline's 0.735); the last resort for two
# chunks typed apart came after, 0.757, and the soft-AND ladder (its last resort after ⌈¾⌉ while
# fewer than 3 are found) 0.769, query-time synonyms (indexer/data/synonyms.txt) 0.783; 0.845 with the industry's
# pages scored as having its word (that score chosen on the judged set, where 0.843 before). Its floor:
# no worse than that, less 0.03, and not under plain BM25.
HELD_OUT_FLOOR = 0.75
# A third set (relevance_heldout2.json), queries written and pages judged by another reader, scored once
# with the industries frozen: 0.835 against the baseline's 0.819 (the code before the industries gave
# the same); with this stop's analyzer, soft AND and last resort below 5 (issue 21, third stop), 0.860.
# Its floor: that less 0.03, and not under plain BM25.
HELD_OUT_2_FLOOR = 0.82
# A fourth (relevance_heldout3.json), by a third reader, scored once after sub-words across a word's parts
# were dropped and the last resort raised to 10: 0.769 against the baseline's 0.655 (the code before, 0.767;
# with the last resort below 5 as committed, 0.767); 0.795 with the industry's pages scored as having its word
# (m16 钢铁 质量攻关 0.00 -> 0.39, m15 0.62 -> 0.61): scored again after that change, and the floor raised
# from 0.74 to it less 0.03 after seeing it, so this set is no longer one scored once.
# Half its queries were chosen after reading and most have one relevant page: spot checks. Its floor:
# that less 0.03, and not under plain BM25.
HELD_OUT_3_FLOOR = 0.76

pytestmark = [
    pytest.mark.skipif(not relevance.WEB_PAGES.exists(), reason=f"{relevance.WEB_PAGES} not present"),
    pytest.mark.skipif(importlib.util.find_spec("tantivy") is None, reason="tantivy is not installed (pip install -e '.[test]')"),
]


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> dict:
    out = relevance.run_sets(tmp_path_factory.mktemp("relevance"), relevance.gold_sets())
    for name, result in out.items():
        print(f"\n{name}\n{relevance.report(result)}\n" + "\n".join(relevance.worst(result)))
    return out


def test_judged_set_per_kind(results: dict) -> None:
    kinds = results["judged"]["ours"]["kinds"]
    below = {k: round(kinds[k]["ndcg"], 3) for k, floor in FLOORS.items() if kinds[k]["ndcg"] < floor}
    assert not below, f"nDCG@10 under the frozen floors {FLOORS}: {below}"


def test_better_than_plain_bm25(results: dict) -> None:
    ours, base = results["judged"]["ours"]["kinds"], results["judged"]["baseline"]["kinds"]
    assert ours["all"]["ndcg"] >= base["all"]["ndcg"] + 0.05
    for kind in ("organization", "phrase", "false_friend"):
        assert ours[kind]["ndcg"] >= base[kind]["ndcg"] + 0.15, kind


def test_every_judged_query_is_answered(results: dict) -> None:
    for name, result in results.items():
        empty = [row["q"] for row in result["ours"]["per_query"].values() if not row["top"] and row["kind"] != "two_concept"]
        assert not empty, (name, empty)


def test_held_out_set(results: dict) -> None:
    held = results.get("held-out")
    assert held is not None, "tests/gold/relevance_heldout.json is missing"
    ours, base = held["ours"]["kinds"]["all"]["ndcg"], held["baseline"]["kinds"]["all"]["ndcg"]
    assert ours >= HELD_OUT_FLOOR and ours >= base, (ours, base)


def test_second_held_out_set(results: dict) -> None:
    held = results.get("held-out 2")
    assert held is not None, "tests/gold/relevance_heldout2.json is missing"
    ours, base = held["ours"]["kinds"]["all"]["ndcg"], held["baseline"]["kinds"]["all"]["ndcg"]
    assert ours >= HELD_OUT_2_FLOOR and ours >= base, (ours, base)


def test_third_held_out_set(results: dict) -> None:
    held = results.get("held-out 3")
    assert held is not None, "tests/gold/relevance_heldout3.json is missing"
    ours, base = held["ours"]["kinds"]["all"]["ndcg"], held["baseline"]["kinds"]["all"]["ndcg"]
    assert ours >= HELD_OUT_3_FLOOR and ours >= base, (ours, base)


@pytest.mark.typesense
def test_typesense_ranks_like_whoosh(results: dict, typesense_node, tmp_path_factory: pytest.TempPathFactory) -> None:
    """Issue 21's "the same on both backends", on the judged pages: each set's nDCG@10 per kind."""
    corpus = relevance.prepare_corpus(tmp_path_factory.mktemp("relevance-typesense") / "corpus")
    config = TypesenseConfig(tuple(typesense_node.nodes), typesense_node.api_key, "relevance")
    search, store = relevance.typesense_search(corpus, config)
    sets = relevance.gold_sets()
    try:
        for name, result in results.items():
            theirs = relevance.evaluate(relevance.load_gold(sets[name]), search)["kinds"]
            apart = {kind: (round(row["ndcg"], 3), round(theirs[kind]["ndcg"], 3))
                     for kind, row in result["ours"]["kinds"].items()
                     if abs(row["ndcg"] - theirs[kind]["ndcg"]) > BACKEND_TOLERANCE}
            assert not apart, f"{name}: nDCG@10 on Whoosh and on Typesense: {apart}"
    finally:
        store.close()
