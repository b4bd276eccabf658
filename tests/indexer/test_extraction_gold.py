"""Organizations and themes measured against hand-written gold for the five seeds.

The gold (tests/gold/seeds_gold.json) lists every organization with its kind and every stated
theme with its year and region. The figures are printed by the test run (pytest -s or -rA).
"""
from __future__ import annotations

import json
import re

import pytest

from conftest import ROOT, SEEDS
from indexer.document import build_document
from indexer.normalize import fold
from indexer.organizations import find_organizations

GOLD = json.loads((ROOT / "tests" / "gold" / "seeds_gold.json").read_text("utf-8"))
_PUNCT = re.compile(r"[\s，,、。；;：:“”\"]")


def _forms(org: dict) -> set[str]:
    return {fold(org["name"])} | {fold(s) for s in org.get("short_forms", [])} | {fold(s) for s in org.get("as_written", [])}


@pytest.fixture(scope="module")
def documents():
    return {name: build_document(name, (SEEDS / name).read_bytes()) for name in GOLD}


def _score(documents, kind: str) -> tuple[int, int, int]:
    tp = fp = fn = 0
    for name, gold in GOLD.items():
        doc = documents[name]
        predicted = [o for o in find_organizations(doc.text, doc.title, digest=bool(doc.campaigns)) if o.kind == kind]
        wanted = [_forms(o) for o in gold["organizations"] if o["kind"] == kind]
        matched: set[int] = set()
        for org in predicted:
            hits = [i for i, forms in enumerate(wanted) if ({org.name} | set(org.short_forms)) & forms]
            if hits:
                tp += 1
                matched.update(hits)
            else:
                fp += 1
        fn += len(wanted) - len(matched)
    return tp, fp, fn


def test_enterprise_precision_and_recall(documents) -> None:
    tp, fp, fn = _score(documents, "enterprise")
    precision, recall = tp / (tp + fp), tp / (tp + fn)
    print(f"\nenterprises on the seeds: precision {precision:.3f}, recall {recall:.3f} (tp {tp}, fp {fp}, fn {fn})")
    for kind in ("association", "government", "institution"):
        k_tp, k_fp, k_fn = _score(documents, kind)
        print(f"  {kind}: precision {k_tp / max(1, k_tp + k_fp):.3f}, recall {k_tp / max(1, k_tp + k_fn):.3f}")
    assert precision >= 0.9
    assert recall >= 0.9


def test_every_gold_theme_is_found_with_its_year(documents) -> None:
    found = total = 0
    missing = []
    for name, gold in GOLD.items():
        doc = documents[name]
        for want in gold["themes"]:
            total += 1
            key = _PUNCT.sub("", fold(want["theme"]))
            if any(_PUNCT.sub("", t["theme_simplified"]) == key and t["year"] == want["year"] for t in doc.themes):
                found += 1
            else:
                missing.append((name[:3], want["theme"], want["year"]))
    print(f"\nthemes on the seeds: {found}/{total} found with the right year")
    assert missing == []


def test_theme_regions_follow_digest_sections(documents) -> None:
    doc = documents["000_0bce4af3382c1576.txt"]
    regions = {_PUNCT.sub("", t["theme_simplified"]): t["region"] for t in doc.themes}
    assert regions["奋进滨江北转型构筑质量新高地"] == "宝山区"
    assert regions["数字赋能质量创新"] == "青浦区"
    assert regions["推动质量变革创新打造国际质量高地"] == "上海"
    assert regions["奋进高质量迈向新征程"] == "申通地铁"
