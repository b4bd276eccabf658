"""The collection layout: what Typesense stores for an analyzed Document, as pure functions.

`typesense_document` turns the Document the indexer analyzed once (indexer.document and the one
analyzer of indexer.segment) into the two documents Typesense stores:

- the searched one: the analyzer's distinct tokens (sub-words included) in `terms` (the title's in
  `title_terms`, those of the title only in `title_only`), so that a word is matched by an exact
  filter: no typo tolerance, no prefix, no dropped word; the words that stand as a sub-word of a
  longer word (`title_subs` / `text_subs`): the only documents where a phrase can match that
  Typesense's phrase search over main words misses; per-field term frequencies and lengths
  (`tf_title_<b>`, `tf_text_<b>`, `len_title`, `len_text`; the frequencies split into TF_BUCKETS
  strings by word, so that a search reads only the buckets of its words), from which the search
  side computes Whoosh's BM25F exactly for the candidates it ranks; `ti0` … `ti15` and `tx0` …
  `tx15`: each distinct token in the tier of its BM25 weight in this document, among the title's
  words (ti) or the words only in the text (tx), so that Typesense, asked for one word over a
  group's fields weighted 0..15, returns the documents in about the order of that word's score;
  and integer codes of the facet values;
- the stored one, in a second collection beside it (`<name>_docs`): every stored field the
  Whoosh index keeps, under the same names (indexer.fields), and the main words in order
  (`title_tok` / `text_tok`) for phrases, so that what Typesense reads while it searches stays small.
"""
from __future__ import annotations

import hashlib
import zlib
from collections import Counter

from indexer import fields as F
from indexer.document import Document
from indexer.segment import analyze

TIERS = 16  # tiers per group; Typesense weighs query_by fields 0..15
# Tier field groups: words of the title (their order within a tier: shorter titles first) and
# words found only in the text (shorter texts first). A word is in one tier of one group.
TIER_GROUPS = {"title": "ti", "text": "tx"}
TF_BUCKETS = 8  # term-frequency strings per field: a search reads those of its words only
# What the collections hold and how; a collection of another layout is rebuilt by the next
# index run (the pipeline version covers the analysis, this covers the Typesense side).
LAYOUT = "5"  # 5: BM25 B 0.4 in the impact tiers; 3: the copy field (near-duplicates, issue 23); 4: industry codes
K1, B = F.BM25_K1, F.BM25_B


def _bm25_part(tf: float, length: int, avg: float) -> float:
    return (tf * (K1 + 1)) / (tf + K1 * ((1 - B) + B * length / avg))


def _field_tokens(text: str) -> tuple[Counter, int, list[str], set[str]]:
    """(term frequencies with sub-words, field length as Whoosh counts it, main words in order,
    the words that stand as a sub-word of a longer word)."""
    toks = analyze(text, index_mode=True)
    counts = Counter(t.text for t in toks)
    main: list[str] = []
    at: list[str] = []  # the tokens at the current position
    subs: set[str] = set()
    last = -1
    for tok in toks:  # sub-words come first at a position, the main word last
        if tok.pos != last:
            subs.update(at[:-1])
            main.append(tok.text)
            at = [tok.text]
            last = tok.pos
        else:
            main[-1] = tok.text
            at.append(tok.text)
    subs.update(at[:-1])
    return counts, len(toks), main, subs


def tf_bucket(word: str) -> int:
    """The term-frequency string a word's count is kept in (stable across processes)."""
    return zlib.crc32(word.encode("utf-8")) % TF_BUCKETS


def _tf_strings(prefix: str, counts: Counter) -> dict[str, str]:
    """Term frequencies as "\\nword\\tcount" lines, one string per bucket that has any."""
    lines: dict[int, list[str]] = {}
    for w, n in counts.items():
        lines.setdefault(tf_bucket(w), []).append(f"\n{w}\t{n}")
    return {f"{prefix}_{b}": "".join(parts) + "\n" for b, parts in sorted(lines.items())}


def _tier(impact: float, least: float, most: float) -> int:
    return max(0, min(TIERS - 1, int((impact - least) / (most - least) * TIERS)))


def tier_fields(group: str) -> list[str]:
    """The tier fields of a group ("title" or "text"), lowest tier first."""
    return [f"{TIER_GROUPS[group]}{k}" for k in range(TIERS)]


# Average field lengths for the tiers when no collection has any yet (the news archive's).
DEFAULT_AVERAGES = (12.7, 285.0)


def facet_code(value: str) -> int:
    """The int64 a facet value is counted under: Typesense 0.24 counts integer facets about three
    times faster than string ones (regions of 4,000 matches: 3 vs 8 ms); the stats document
    maps codes back to values."""
    return int.from_bytes(hashlib.blake2b(value.encode("utf-8"), digest_size=8).digest(), "big") >> 1


# Facet fields: the stored value list -> its code field.
FACET_CODES = {F.REGIONS: "region_codes", F.DOC_TYPE: "doc_type_codes", F.CAMPAIGNS: "campaign_codes"}
# Filter-only fields (not counted as facets): the stored value list -> its code field.
FILTER_CODES = {F.INDUSTRIES: "industry_codes"}


def date_rank(date: str | None) -> int:
    """A sortable integer for an ISO date (newer is larger), -1 without one."""
    digits = (date or "").replace("-", "")
    return int(digits) if digits.isdigit() and len(digits) == 8 else -1


def typesense_document(doc: Document, seq: int, avg_title: float = DEFAULT_AVERAGES[0],
                       avg_text: float = DEFAULT_AVERAGES[1]) -> tuple[dict, dict]:
    """The two Typesense documents of an analyzed Document (`seq`: its order, for ties): the one
    searched (tokens, tiers, frequencies, facet codes) and the one of stored fields and phrases."""
    stored = doc.fields()
    title_tf, title_len, title_main, title_subs = _field_tokens(doc.title)
    text_tf, text_len, text_main, text_subs = _field_tokens(doc.text)
    tiers: dict[str, list[list[str]]] = {group: [[] for _ in range(TIERS)] for group in TIER_GROUPS}
    for word in title_tf.keys() | text_tf.keys():
        impact = _bm25_part(text_tf[word], text_len, avg_text) if word in text_tf else 0.0
        if word in title_tf:
            impact += _bm25_part(title_tf[word] * F.TITLE_BOOST, title_len, avg_title)
            # A title word weighs at least about 0.8 (the boost saturates it even in a
            # 50-word title) and at most both fields saturated (K1 + 1 each).
            tiers["title"][_tier(impact, 0.8, 2 * (K1 + 1))].append(word)
        else:
            tiers["text"][_tier(impact, 0.0, K1 + 1)].append(word)
    kept = {
        **stored,
        "seq": seq,
        F.REGIONS: list(doc.regions),
        F.CAMPAIGNS: list(doc.campaigns),
        F.INDUSTRIES: list(doc.industries),
        "title_tok": " ".join(title_main),
        "text_tok": " ".join(text_main),
    }
    kept.pop(F.ORG_NAMES, None)
    out = {
        "id": doc.id,
        "seq": seq,
        F.YEAR: doc.year or 0,
        F.ORG_NAMES: [n for n in (stored.get(F.ORG_NAMES) or "").split(",") if n],
        "date_rank": date_rank(doc.date),
        # A near-duplicate shown under another document is left out of searches (copy:<1).
        "copy": 1 if doc.copy_of else 0,
        # Every distinct token of title and text: a query word is the filter `terms:=[word]`,
        # which needs no brackets (Typesense 0.24 refuses a filter of more than about 25 pairs).
        "terms": sorted(title_tf.keys() | text_tf.keys()),
        # The text's own terms are not kept: a text frequency is `terms` less `title_only`,
        # and the smaller document is cheaper for Typesense to read (it reads one per hit and
        # per facet value it returns).
        "title_terms": sorted(title_tf),
        "title_only": sorted(title_tf.keys() - text_tf.keys()),
        "title_subs": sorted(title_subs),
        "text_subs": sorted(text_subs),
        **_tf_strings("tf_title", title_tf),
        **_tf_strings("tf_text", text_tf),
        "len_title": title_len,
        "len_text": text_len,
        # The order inside a title tier: shorter titles first, then shorter texts.
        "title_key": title_len * 1_000_000 + min(text_len, 999_999),
    }
    for field, codes in {**FACET_CODES, **FILTER_CODES}.items():
        values = kept.get(field) or []
        out[codes] = [facet_code(v) for v in ([values] if isinstance(values, str) else values)]
    for group, levels in tiers.items():
        for name, words in zip(tier_fields(group), levels):
            if words:
                # A leading filler word: no tier field ever equals a query word on its own, which
                # Typesense would rank above the tier order (its exact-match bonus).
                out[name] = "qsearchtier " + " ".join(words)
    if not doc.year:
        del out[F.YEAR]
    return out, kept


def collection_schema(name: str) -> dict:
    """The schema of a collection: only what is searched, filtered, faceted or sorted on
    (Typesense keeps every other field of a document as given)."""
    def field(fname: str, ftype: str, **extra) -> dict:
        return {"name": fname, "type": ftype, "optional": True, **extra}

    return {
        "name": name,
        "fields": [
            {"name": "seq", "type": "int32"},
            {"name": "date_rank", "type": "int64"},
            {"name": "title_key", "type": "int64"},
            {"name": "len_text", "type": "int32"},
            {"name": "copy", "type": "int32"},
            field(F.YEAR, "int32", facet=True),
            *(field(codes, "int64[]", facet=True) for codes in FACET_CODES.values()),
            *(field(codes, "int64[]") for codes in FILTER_CODES.values()),
            field(F.ORG_NAMES, "string[]"),
            field("terms", "string[]"),
            field("title_terms", "string[]"),
            field("title_only", "string[]"),
            field("title_subs", "string[]"),
            field("text_subs", "string[]"),
            *(field(name, "string") for group in TIER_GROUPS for name in tier_fields(group)),
        ],
        "default_sorting_field": "seq",
        # Our tokens are already cut: split on spaces only, keep every symbol inside a token.
        "token_separators": [],
    }


def docs_schema(name: str) -> dict:
    """The schema of the stored-fields collection: phrases are searched there (main words in order).

    Kept apart from the searched collection so that the documents Typesense reads while it
    searches stay small: 0.24 reads a whole document for every hit and for every facet value
    it returns, and with the text beside the tokens the region facet alone cost 17 ms of CPU."""
    return {
        "name": name,
        "fields": [
            {"name": "seq", "type": "int32"},
            {"name": F.PATH, "type": "string", "optional": True},
            {"name": "title_tok", "type": "string", "optional": True},
            {"name": "text_tok", "type": "string", "optional": True},
        ],
        "default_sorting_field": "seq",
        "token_separators": [],
    }


def is_current(stats: dict | None) -> bool:
    """True when a collection was written by this pipeline version in this layout."""
    return bool(stats) and stats.get("pipeline") == F.PIPELINE_VERSION and stats.get("layout") == LAYOUT


def averages(stats: dict | None) -> tuple[float, float]:
    if not stats or not stats.get("documents"):
        return DEFAULT_AVERAGES
    n = stats["documents"]
    return max(1.0, stats["len_title"] / n), max(1.0, stats["len_text"] / n)
