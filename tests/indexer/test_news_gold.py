"""Themes, campaigns and organizations measured on real news pages against gold labelled by reading.

tests/gold/news_gold.json holds, for pages of the shared news archive (../shared/data), only file
names and what a reader found on them: themes with year, region and campaign; organizations with
kind. tests/gold/README.md gives the rules. Skipped when the archive is absent. The figures are
printed (pytest -s or -rA); the gates are those of the precision issue.
"""
from __future__ import annotations

import json
import re
import tarfile
from pathlib import PurePosixPath

import pytest

from conftest import ROOT, SHARED_ARCHIVE
from indexer.document import Document, build_document
from indexer.normalize import fold
from indexer.organizations import only_places

pytestmark = pytest.mark.archive
GOLD = json.loads((ROOT / "tests" / "gold" / "news_gold.json").read_text("utf-8"))
_PUNCT = re.compile(r"[\s，,、。；;：:“”\"'‘’「」『』·•—\-－！!？?（）()《》]")


def _key(text: str) -> str:
    return _PUNCT.sub("", fold(text))


@pytest.fixture(scope="module")
def documents() -> dict[str, Document]:
    """The gold pages, read straight from the tar.xz and run through the whole pipeline."""
    wanted = set(GOLD["themes"]) | set(GOLD["organizations"])
    found: dict[str, Document] = {}
    with tarfile.open(SHARED_ARCHIVE, "r:xz") as tar:
        for member in tar:
            name = PurePosixPath(member.name).name
            if member.isfile() and name in wanted:
                found[name] = build_document(name, tar.extractfile(member).read())
    assert set(found) == wanted, sorted(wanted - set(found))
    return found


def _same(mine: set[str], forms: set[str]) -> bool:
    """One organization: a form in common, or the same name with a place before it (美国|高盛集团)."""
    if mine & forms:
        return True
    return any(a != b and a.endswith(b) and only_places(a[: -len(b)]) for a in mine | forms for b in mine | forms
               if (a in mine) != (b in mine))


def _ratio(a: int, b: int) -> float:
    return a / b if b else 1.0


def score_themes(documents: dict[str, Document]) -> dict[str, float]:
    """Precision, recall, year right, 全国 right and campaign right of the stated themes."""
    predicted = wanted = tp = year_ok = nation_ok = campaign_ok = 0
    errors = []
    for name, gold in GOLD["themes"].items():
        doc = documents[name]
        got = {_key(t["theme_simplified"]): t for t in doc.themes}
        want = {_key(t["theme"]): t for t in gold["themes"]}
        predicted += len(got)
        wanted += len(want)
        for key, theme in got.items():
            if key not in want:
                errors.append(f"not a theme: {name} {theme['theme']}")
                continue
            tp += 1
            gold_theme = want[key]
            year_ok += theme["year"] == gold_theme["year"]
            nation_ok += (theme["region"] == "全国") == (gold_theme["region"] == "全国")
            campaign_ok += theme["campaign"] == gold_theme["campaign"]
            if theme["year"] != gold_theme["year"] or (theme["region"] == "全国") != (gold_theme["region"] == "全国"):
                errors.append(f"year/region: {name} {theme['theme']} {theme['year']} {theme['region']} (gold {gold_theme['year']} {gold_theme['region']})")
        errors += [f"missed: {name} {t['theme']}" for key, t in want.items() if key not in got]
    return {
        "precision": _ratio(tp, predicted), "recall": _ratio(tp, wanted), "year": _ratio(year_ok, tp),
        "nation": _ratio(nation_ok, tp), "campaign": _ratio(campaign_ok, tp), "tp": tp,
        "predicted": predicted, "wanted": wanted, "errors": errors,
    }


def score_organizations(documents: dict[str, Document], kind: str | None = None) -> dict[str, float]:
    """Precision, recall and kind accuracy of the organizations (of one kind when `kind` is given)."""
    predicted = tp = kind_ok = wanted = matched_gold = 0
    errors = []
    for name, gold in GOLD["organizations"].items():
        golds = [o for o in gold["organizations"] if kind is None or o["kind"] == kind]
        forms = [{_key(o["name"])} | {_key(s) for s in o.get("short_forms", [])} for o in golds]
        orgs = [o for o in documents[name].organizations if kind is None or o["kind"] == kind]
        predicted += len(orgs)
        wanted += len(golds)
        hit: set[int] = set()
        for org in orgs:
            mine = {_key(org["name"])} | {_key(s) for s in org["short_forms"]}
            matches = [i for i, f in enumerate(forms) if _same(mine, f)]
            if not matches:
                errors.append(f"not an organization ({org['kind']}): {name} {org['name']}")
                continue
            tp += 1
            hit.update(matches)
            if org["kind"] == golds[matches[0]]["kind"]:
                kind_ok += 1
            else:
                errors.append(f"kind {org['kind']} for {golds[matches[0]]['kind']}: {name} {org['name']}")
        matched_gold += len(hit)
        errors += [f"missed ({o['kind']}): {name} {o['name']}" for i, o in enumerate(golds) if i not in hit]
    return {
        "precision": _ratio(tp, predicted), "recall": _ratio(matched_gold, wanted), "kind": _ratio(kind_ok, tp),
        "tp": tp, "predicted": predicted, "wanted": wanted, "errors": errors,
    }


def _report(title: str, figures: dict) -> None:
    shown = {k: (round(v, 3) if isinstance(v, float) else v) for k, v in figures.items() if k != "errors"}
    print(f"\n{title}: {shown}")
    for line in figures["errors"][:40]:
        print("   ", line)


def test_themes_on_news_pages(documents) -> None:
    figures = score_themes(documents)
    _report("themes on the news gold", figures)
    assert figures["precision"] >= 0.9
    assert figures["recall"] >= 0.85


def test_campaign_documents_on_news_pages(documents) -> None:
    right = sum(set(documents[n].campaigns) == set(g["campaigns"]) for n, g in GOLD["themes"].items())
    print(f"\ncampaigns per page right on {right}/{len(GOLD['themes'])} theme pages")
    assert right / len(GOLD["themes"]) >= 0.85


def test_organizations_on_news_pages(documents) -> None:
    figures = score_organizations(documents)
    _report("organizations on the news gold", figures)
    enterprises = score_organizations(documents, "enterprise")
    _report("enterprises on the news gold", enterprises)
    assert figures["precision"] >= 0.85
    assert figures["kind"] >= 0.9
    assert enterprises["precision"] >= 0.9
    assert enterprises["recall"] >= 0.8


def test_year_agrees_with_the_publication_date_on_non_campaign_pages(documents) -> None:
    pages = [d for d in documents.values() if not d.campaigns and d.date]
    disagree = [(d.path, d.date, d.year) for d in pages if d.year != int(d.date[:4])]
    assert disagree == []
