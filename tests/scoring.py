"""Scoring the pipeline against gold labelled by reading (tests/gold/): themes, organizations, titles.

Shared by the gold tests of the seeds, the news archive and the web pages. Names and themes are
compared after folding script and dropping punctuation and spaces.
"""
from __future__ import annotations

import hashlib
import re

from indexer.document import Document
from indexer.normalize import fold
from indexer.organizations import only_places

_PUNCT = re.compile(r"[\s，,、。；;：:“”\"'‘’「」『』·•—\-－！!？?（）()《》【】\[\]…|｜]")


def key(text: str | None) -> str:
    """A string as compared: Simplified, without spaces and punctuation."""
    return _PUNCT.sub("", fold(text or ""))


def ratio(a: int, b: int) -> float:
    """a / b, or 1.0 when there is nothing to count."""
    return a / b if b else 1.0


def _same(mine: set[str], forms: set[str]) -> bool:
    """One organization: a form in common, or the same name with a place before it (美国|高盛集团)."""
    if mine & forms:
        return True
    return any(a != b and a.endswith(b) and only_places(a[: -len(b)]) for a in mine | forms for b in mine | forms
               if (a in mine) != (b in mine))


def score_themes(pages: list[tuple[str, Document, dict]]) -> dict:
    """Precision, recall, year right, 全国 right and campaign right of the stated themes."""
    predicted = wanted = tp = year_ok = nation_ok = campaign_ok = 0
    errors = []
    for name, doc, gold in pages:
        got = {key(t["theme_simplified"]): t for t in doc.themes}
        want = {key(t["theme"]): t for t in gold["themes"]}
        predicted += len(got)
        wanted += len(want)
        for k, theme in got.items():
            if k not in want:
                errors.append(f"not a theme: {name} {theme['theme']}")
                continue
            tp += 1
            gold_theme = want[k]
            year_ok += theme["year"] == gold_theme["year"]
            nation_ok += (theme["region"] == "全国") == (gold_theme["region"] == "全国")
            campaign_ok += theme["campaign"] == gold_theme["campaign"]
            if (theme["year"] != gold_theme["year"] or (theme["region"] == "全国") != (gold_theme["region"] == "全国")
                    or theme["campaign"] != gold_theme["campaign"]):
                errors.append(f"year/region/campaign: {name} {theme['theme']} {theme['year']} {theme['region']} "
                              f"{theme['campaign']} (gold {gold_theme['year']} {gold_theme['region']} {gold_theme['campaign']})")
        errors += [f"missed: {name} {t['theme']}" for k, t in want.items() if k not in got]
    return {
        "precision": ratio(tp, predicted), "recall": ratio(tp, wanted), "year": ratio(year_ok, tp),
        "nation": ratio(nation_ok, tp), "campaign": ratio(campaign_ok, tp), "tp": tp,
        "predicted": predicted, "wanted": wanted, "errors": errors,
    }


def score_organizations(pages: list[tuple[str, Document, dict]], kind: str | None = None) -> dict:
    """Precision, recall and kind accuracy of the organizations (of one kind when `kind` is given:
    precision over what the pipeline typed so, recall over what the gold types so)."""
    predicted = tp = kind_ok = wanted = matched_gold = 0
    errors = []
    for name, doc, gold in pages:
        everyone = gold["organizations"]
        golds = [o for o in everyone if kind is None or o["kind"] == kind]
        forms = [{key(o["name"])} | {key(s) for s in o.get("short_forms", [])} for o in everyone]
        orgs = [o for o in doc.organizations if kind is None or o["kind"] == kind]
        predicted += len(orgs)
        wanted += len(golds)
        hit: set[int] = set()
        for org in orgs:
            mine = {key(org["name"])} | {key(s) for s in org["short_forms"]}
            matches = [i for i, f in enumerate(forms) if _same(mine, f)]
            if not matches:
                errors.append(f"not an organization ({org['kind']}): {name} {org['name']}")
                continue
            if kind is not None and all(everyone[i]["kind"] != kind for i in matches):
                errors.append(f"typed {kind}, gold {everyone[matches[0]]['kind']}: {name} {org['name']}")
                continue
            tp += 1
            hit.update(matches)
            if org["kind"] == everyone[matches[0]]["kind"]:
                kind_ok += 1
            else:
                errors.append(f"kind {org['kind']} for {everyone[matches[0]]['kind']}: {name} {org['name']}")
        found = {i for i in hit if kind is None or everyone[i]["kind"] == kind}
        matched_gold += len(found)
        errors += [f"missed ({o['kind']}): {name} {o['name']}" for i, o in enumerate(everyone)
                   if (kind is None or o["kind"] == kind) and i not in hit]
    return {
        "precision": ratio(tp, predicted), "recall": ratio(matched_gold, wanted), "kind": ratio(kind_ok, tp),
        "tp": tp, "predicted": predicted, "wanted": wanted, "errors": errors,
    }


def title_acceptable(title: str, gold: dict) -> bool:
    """The title is one of the page's headlines, or (a page without one) its first real sentence or
    one of that sentence's clauses, whole or cut after at least eight characters."""
    mine = key(title)
    if not mine:
        return False
    if gold["titles"]:
        return mine in {key(t) for t in gold["titles"]}
    sentence = gold.get("first_sentence")
    if not sentence or len(mine) < 8:
        return False
    digest = hashlib.sha1(mine.encode()).hexdigest()[:10]
    return digest in set(sentence["prefix_sha1"]) or digest in set(sentence.get("clause_prefix_sha1", []))


def report(title: str, figures: dict, most: int = 40) -> None:
    """Print the figures and the first errors (pytest -s or -rA shows them)."""
    shown = {k: (round(v, 3) if isinstance(v, float) else v) for k, v in figures.items() if k != "errors"}
    print(f"\n{title}: {shown}")
    for line in figures.get("errors", [])[:most]:
        print("   ", line)
