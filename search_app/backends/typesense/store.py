"""The Typesense store: the same parsed query, filters, ranking and answer shape, on a Typesense cluster.

Matching is done by Typesense, exactly: each word of the query is a filter on the documents'
distinct tokens (`terms` / `title_terms`, written by indexer.backends.typesense.layout), so AND
stays AND, OR and NOT are filter operators, and there is no typo tolerance or prefix matching.
A phrase is found by Typesense's phrase search over the space-joined tokens, per field, and
becomes a set of ids in the filter.

Ranking is Whoosh's BM25F (B and K1 of indexer.fields, the title boost inside the term weight, lengths
quantized as Whoosh stores them), computed here from each candidate's term frequencies and
field lengths and from document frequencies Typesense counts. The candidates: for each query
word, Typesense's first CANDIDATES documents when it ranks the matches by that word's impact
tier (ti0..ti15 for documents with the word in the title, tx0..tx15 for the others, weighted
0..15) and then by length, the same among the documents of an industry the query names (they
score more), and the newest documents a field clause (industry, year, region) finds without any
of the words; the union is scored exactly and the page cut from it. Newest-first
pages are Typesense's own order (by date, then each date's documents by our score).
tests/backends/typesense/test_typesense_backend.py measures the overlap with Whoosh's own order.
"""
from __future__ import annotations

from dataclasses import replace

import math
import threading
import time
from collections import Counter
from typing import Callable, Mapping, TypeVar

from whoosh.util.numeric import byte_to_length, length_to_byte

from indexer import fields as F
from indexer.backends.typesense.client import (
    CollectionMissing, Http, NoCollection, OldLayout, TypesenseConfig, TypesenseError, docs_collection, export, read_stats,
    resolve_alias,
)
from indexer.backends.typesense.layout import B, FACET_CODES, FILTER_CODES, K1, LAYOUT, TIERS, facet_code, tf_bucket, tier_fields
from indexer.normalize import fold
from indexer.segment import sub_words
from search_app.query import FIELD_KINDS, Clause, Filters, ParsedQuery
from search_app.results import DOC_ID, SearchRequest, answer, document_item, read_request, soft_search

T = TypeVar("T")

CHECK_EVERY = 1.0  # seconds between looks at the alias and the stats document
CANDIDATES = 60  # per query word (half per tier group): the head of Typesense's impact order, scored exactly
RANK_MARGIN = 50  # relevance order: candidates past the page, for documents the tiers placed too low
# Relevance order: candidates per word reach this many times the page's end (+ RANK_MARGIN). A word's
# impact order is not the query's: on the archive's committed queries (every second of those
# without a phrase), the 5th page of 10 was Whoosh's own in 83 of 104 with the page's end once,
# in 100 twice and 103 three times (page 1: 97, 99, 101), at about the same cost.
DEPTH_FACTOR = 3
PHRASE_PAGE = 250  # Typesense's largest page
MAX_PHRASE_DOCS = 5_000  # documents a phrase may resolve to; past that the answer is partial
MAX_FILTER_OPS = 40  # `&&`, `||` and bracket pairs in one filter_by (0.24 takes 100 operands, operators and brackets)
MAX_PHRASE_CHECK = 1000  # documents per phrase and field checked for sub-words; past that the answer is partial
RANKED_DEPTH = 1_000  # relevance order: candidates per word at most (a deeper page is partial)
MULTI_SEARCH_MAX = 50  # Typesense's limit_multi_searches default: searches per request
MAX_FACET_VALUES = 1000
TIER_WEIGHTS = ",".join(str(k) for k in range(TIERS))
# Candidates of a word: half from the documents with it in the title, by tier, then shorter
# titles, then shorter texts first (BM25 gives shorter fields more); half from those with it in
# the text only, by tier and then shorter texts first; equal lengths, newer first, as Whoosh does.
CANDIDATE_SEARCHES = (
    (",".join(tier_fields("title")), "_text_match:desc,title_key:asc,date_rank:desc"),
    (",".join(tier_fields("text")), "_text_match:desc,len_text:asc,date_rank:desc"),
)
CANDIDATE_FIELDS = f"id,seq,date_rank,len_title,len_text,{F.YEAR},{FACET_CODES[F.REGIONS]},{FILTER_CODES[F.INDUSTRIES]}"  # and the frequency buckets of the query's words
FACET_FIELDS = ",".join([F.YEAR, *FACET_CODES.values()])
_NOTHING = "seq:<0"  # a filter no document passes
_EXACT = {"num_typos": 0, "prefix": False, "drop_tokens_threshold": 0, "typo_tokens_threshold": 0,
          "prioritize_exact_match": False, "exhaustive_search": False}


def _value(text: str) -> str | None:
    """A filter value, backtick-quoted; None when it cannot be written (it holds a backtick)."""
    return None if "`" in text else f"`{text}`"


def _has_word(word: str) -> str:
    v = _value(word)
    return f"terms:=[{v}]" if v else _NOTHING


def _lacks_word(word: str) -> str:
    v = _value(word)
    return f"terms:!=[{v}]" if v else "seq:>=0"


def _ids(ids) -> str:
    return f"id:[{','.join(sorted(ids))}]" if ids else _NOTHING


_Gone = CollectionMissing  # the collection a search named was dropped (a rebuild swapped in another)


class _Phrases:
    """Documents with each phrase, per field, exactly as Whoosh matches phrases.

    Typesense's phrase search over the main words finds most of them. Whoosh also matches a
    phrase word against a sub-word of a long word at the same position (专家 in 医学专家), so the
    documents that have every word of the phrase, one of them as a sub-word (`<field>_subs`),
    and were not found are checked here, on their main words and the analyzer's sub-words."""

    def __init__(self, store: "TypesenseStore", collection: str) -> None:
        self.store, self.collection = store, collection
        self.found: dict[tuple[str, ...], tuple[set[str], set[str]]] = {}
        self.cut = False  # a phrase had more than MAX_PHRASE_DOCS documents to look at
        self.seq: dict[str, int] = {}  # id -> seq of every document seen (a negated phrase filters on seq)

    def resolve(self, clauses: list[Clause]) -> None:
        """Find the documents of every phrase of the clauses."""
        todo: list[tuple[str, ...]] = []
        stack = list(clauses)
        while stack:
            clause = stack.pop()
            stack += clause.options
            if clause.kind == "phrase" and len(clause.words) > 1 and tuple(clause.words) not in self.found:
                todo.append(tuple(clause.words))
        todo = list(dict.fromkeys(todo))
        if not todo:
            return
        docs = docs_collection(self.collection)
        jobs = []
        for words in todo:
            for field in ("title", "text"):
                quoted = " ".join(w.replace('"', "") for w in words)
                jobs.append((docs, {"q": f'"{quoted}"', "query_by": f"{field}_tok", **_EXACT}))
                jobs.append((self.collection, {"q": "*", "filter_by": _maybe_phrase(words, field)}))
        sets = self._ids(jobs)
        unsure: dict[tuple[tuple[str, ...], str], set[str]] = {}
        for n, words in enumerate(todo):
            for m, field in enumerate(("title", "text")):
                found, every = sets[4 * n + 2 * m], sets[4 * n + 2 * m + 1]
                unsure[(words, field)] = every - found
        checked = self._check(unsure)
        for n, words in enumerate(todo):
            self.found[words] = tuple(sets[4 * n + 2 * m] | checked[(words, field)] for m, field in enumerate(("title", "text")))

    def _ids(self, jobs: list[tuple[str, dict]]) -> list[set[str]]:
        """The ids of every hit of each (collection, search), page by page (MAX_PHRASE_DOCS at most)."""
        def page(search: dict, n: int) -> dict:
            return {**search, "include_fields": "id,seq", "per_page": PHRASE_PAGE, "page": n, "sort_by": "seq:asc"}

        first = self.store.multi_each([(c, page(s, 1)) for c, s in jobs])
        more, where = [], []
        for n, result in enumerate(first):
            if result["found"] > MAX_PHRASE_DOCS:
                self.cut = True
            for p in range(2, min(-(-result["found"] // PHRASE_PAGE), MAX_PHRASE_DOCS // PHRASE_PAGE) + 1):
                more.append((jobs[n][0], page(jobs[n][1], p)))
                where.append(n)
        sets = [self._seen(r) for r in first]
        for n, result in zip(where, self.store.multi_each(more)):
            sets[n] |= self._seen(result)
        return sets

    def _seen(self, result: dict) -> set[str]:
        """The ids of a result's hits (their seq numbers kept)."""
        for hit in result["hits"]:
            self.seq[hit["document"]["id"]] = hit["document"]["seq"]
        return {h["document"]["id"] for h in result["hits"]}

    def _check(self, unsure: dict[tuple[tuple[str, ...], str], set[str]]) -> dict[tuple[tuple[str, ...], str], set[str]]:
        """Of the documents having every word, those whose main words and sub-words hold the phrase."""
        jobs, keys = [], []
        for key, ids in unsure.items():
            if len(ids) > MAX_PHRASE_CHECK:
                # Too many to read for a search: those found by Typesense stand, the total may be short.
                self.cut = True
                ids = set()
            ordered = sorted(ids)
            for i in range(0, len(ordered), PHRASE_PAGE):
                chunk = ordered[i : i + PHRASE_PAGE]
                jobs.append((docs_collection(self.collection), {
                    "q": "*", "filter_by": _ids(chunk), "include_fields": f"id,seq,{key[1]}_tok", "per_page": len(chunk)}))
                keys.append(key)
        out: dict = {key: set() for key in unsure}
        for key, result in zip(keys, self.store.multi_each(jobs)):
            words, field = key
            for hit in result["hits"]:
                if has_phrase(hit["document"].get(f"{field}_tok", "").split(" "), words):
                    out[key].add(hit["document"]["id"])
        return out

    def docs(self, words: list[str]) -> set[str]:
        title, text = self.found[tuple(words)]
        return title | text


def _candidate_pages(per_word: int, size: int | None = None) -> tuple[int, int]:
    """(page size, pages) of each candidate search for `per_word` candidates a word (`size`: a page
    size already in use, so that a deeper round asks only for the pages after those read)."""
    per_search = -(-per_word // len(CANDIDATE_SEARCHES))
    size = size or min(per_search, PHRASE_PAGE)
    return size, -(-per_search // size)


def _candidate_searches(words: list[str], base: dict, per_word: int, size: int | None = None,
                        after: int = 0) -> list[dict]:
    """The searches of each word's `per_word` best documents by Typesense's impact order
    (CANDIDATE_SEARCHES), in pages of `size`, past the first `after` of them."""
    size, pages = _candidate_pages(per_word, size)
    return [
        {"q": word, "query_by": fields, "query_by_weights": TIER_WEIGHTS, **base, "sort_by": sort_by,
         "include_fields": tf_fields(words), "per_page": size, "page": page, **_EXACT}
        for word in words for fields, sort_by in CANDIDATE_SEARCHES
        for page in range(after + 1, pages + 1)
    ]


def _field_clauses(clauses: list[Clause]) -> list[Clause]:
    """The positive clauses matched by a field (an industry, a year, a region), inside ORs and ANDs too."""
    found = []
    for clause in clauses:
        if clause.negated:
            continue
        if clause.kind in FIELD_KINDS:
            found.append(clause)
        elif clause.kind in ("or", "and"):
            found += _field_clauses(clause.options)
    return found


def _field_searches(clauses: list[Clause], filter_by: str, phrases: "_Phrases", words: list[str],
                   per_word: int) -> tuple[list[dict], list[dict]]:
    """The searches of the documents a field clause finds, which no word's search reaches: (the
    candidate searches of each word among an industry's documents, which outscore the others by
    INDUSTRY_MATCH_SCORE; the searches of a field's documents with none of the words, which all
    score the field's alone (马钢's page for 钢铁 安全), newest first as such ties are ranked: the
    per_word newest of them hold every one that can reach the page, per_word being at least its end)."""
    size = min(per_word, PHRASE_PAGE)
    within_words: list[dict] = []
    ties: list[dict] = []
    seen: set[str] = set()
    for clause in _field_clauses(clauses):
        condition = _condition(clause, phrases)
        if condition in seen:
            continue  # the same year or industry in each of soft AND's alternatives
        seen.add(condition)
        within = f"{filter_by} && {condition}" if filter_by else condition
        if clause.kind == "industry":
            within_words += _candidate_searches(words, {"filter_by": within}, per_word)
        lacking = " && ".join([within, *(_lacks_word(w) for w in words)])
        ties += [{"q": "*", "filter_by": lacking, "sort_by": "date_rank:desc,seq:asc", "include_fields": tf_fields(words),
                  "per_page": size, "page": page} for page in range(1, -(-per_word // size) + 1)]
    return within_words, ties


def _maybe_phrase(words: tuple[str, ...], field: str) -> str:
    """The filter of the documents where a phrase can match through a sub-word: every word in
    the field (the text's: in `terms`, a superset the check narrows) and one as a sub-word."""
    values = [_value(w) for w in dict.fromkeys(words)]
    if None in values:
        return _NOTHING
    has = "title_terms" if field == "title" else "terms"
    return " && ".join([f"{field}_subs:=[{','.join(values)}]", *(f"{has}:=[{v}]" for v in values)])


def has_phrase(tokens: list[str], words: tuple[str, ...]) -> bool:
    """True when the words stand at consecutive positions of the main words, each the word there
    or one of its sub-words (as Whoosh's phrase matcher sees the index-mode tokens)."""
    n = len(words)
    if n == 0:
        return True
    distinct = set(tokens)
    # The tokens each word matches, looked up once per distinct token rather than per position.
    fits = [{t for t in distinct if t == w or w in sub_words(t)} for w in words]
    if not all(fits):
        return False
    first, rest = fits[0], list(enumerate(fits[1:], 1))
    last = len(tokens) - n
    return any(p <= last and all(tokens[p + k] in fit for k, fit in rest)
               for p, t in enumerate(tokens) if t in first)


def _condition(clause: Clause, phrases: _Phrases) -> str:
    """The filter for one clause (negation included)."""
    if clause.region:
        return f"({_condition(replace(clause, region=None), phrases)} && {_facet_is(F.REGIONS, fold(clause.region))})"
    if clause.kind == "or" and clause.negated:
        # NOT (a OR b): lacking each (a chunk's spellings and other names are all left out).
        return "(" + " && ".join(_condition(replace(o, negated=True), phrases) for o in clause.options) + ")"
    if clause.kind == "industry":
        return _facet_is(F.INDUSTRIES, clause.words[0])
    if clause.kind == "year":
        return f"{F.YEAR}:={int(clause.words[0])}"
    if clause.kind == "place":
        return _facet_is(F.REGIONS, fold(clause.words[0]))
    if clause.kind == "and":
        return " && ".join(_condition(o, phrases) for o in clause.options)  # an OR brackets it
    if clause.kind == "or":
        # An alternative of several words in brackets: 0.24 reads `a || b && c` as `(a || b) && c`.
        parts = [_condition(o, phrases) for o in clause.options]
        return "(" + " || ".join(f"({p})" if " && " in p else p for p in parts) + ")"
    if clause.kind == "phrase" and len(clause.words) > 1:
        docs = phrases.docs(clause.words)
        if clause.negated:
            return _not_seqs([phrases.seq[d] for d in docs])
        return _ids(docs)
    if clause.negated:
        # NOT (a AND b): a document lacking any one of the words.
        lacks = [_lacks_word(w) for w in clause.words]
        return lacks[0] if len(lacks) == 1 else "(" + " || ".join(lacks) + ")"
    return " && ".join(_has_word(w) for w in clause.words)


def _facet_is(field: str, value: str) -> str:
    """The filter of the documents with this (folded) value in a facet field (region, type, campaign)
    or a filter-only one (industry)."""
    return f"{(FACET_CODES | FILTER_CODES)[field]}:=[{facet_code(value)}]"


def tf_fields(words: list[str]) -> str:
    """The candidate fields to ask for: lengths, order keys and the frequency buckets of the words."""
    buckets = sorted({tf_bucket(w) for w in words})
    return ",".join([CANDIDATE_FIELDS, *(f"tf_{f}_{b}" for b in buckets for f in ("title", "text"))])


def _ops(condition: str) -> int:
    """The `&&`, `||` and bracket pairs of a filter: each counts about two of the 100 operands,
    operators and brackets Typesense 0.24 takes (an operator and its operand, or `(` and `)`)."""
    return condition.count(" && ") + condition.count(" || ") + condition.count("(")


def _not_seqs(seqs: list[int]) -> str:
    """The filter of every document whose seq is not one of `seqs`: Typesense 0.24 has no not-equals
    on `id` or on numbers, so the gaps between them, as ranges in one bracket pair."""
    ranges, last = [], -1
    for seq in sorted(set(seqs)):
        if seq > last + 1:
            ranges.append(f"{last + 1}..{seq - 1}")
        last = seq
    ranges.append(f"{last + 1}..{2**31 - 1}")
    return f"seq:[{','.join(ranges)}]"


def _tf(tf_field: str, word: str) -> int:
    """A word's frequency in a "\\nword\\tcount\\n" string."""
    key = f"\n{word}\t"
    i = tf_field.find(key)
    if i < 0:
        return 0
    j = i + len(key)
    return int(tf_field[j : tf_field.index("\n", j)])


class _Scorer:
    """Whoosh's BM25F for one query over candidates Typesense returned."""

    def __init__(self, parsed: ParsedQuery, stats: dict, df: dict[tuple[str, str], int], phrases: _Phrases) -> None:
        self.parsed, self.phrases = parsed, phrases
        n = stats["documents"] or 1
        self.avg = {"title": (stats["len_title"] / n) or 1, "text": (stats["len_text"] / n) or 1}
        self.idf = {key: math.log(n / (count + 1)) + 1 for key, count in df.items()}

    def _term(self, field: str, word: str, tf: int, length: int) -> float:
        weight = tf * (F.TITLE_BOOST if field == "title" else 1.0)
        fl = byte_to_length(length_to_byte(length))
        return self.idf[(field, word)] * ((weight * (K1 + 1)) / (weight + K1 * ((1 - B) + B * fl / self.avg[field])))

    def score(self, doc: dict) -> float:
        """The document's score: the sum over the positive clauses it matches, as Whoosh sums them."""
        memo: dict = {}
        total = 0.0
        for clause in self.parsed.clauses:
            if not clause.negated:
                total += self._clause(clause, doc, memo) or 0.0
        return total

    def _word(self, word: str, doc: dict, memo: dict) -> tuple[float, float, bool]:
        """(title score, text score, whether the document has the word) of a word in a candidate."""
        if word not in memo:
            b = tf_bucket(word)
            t = _tf(doc.get(f"tf_title_{b}", ""), word)
            x = _tf(doc.get(f"tf_text_{b}", ""), word)
            memo[word] = (self._term("title", word, t, doc.get("len_title", 0)) if t else 0.0,
                          self._term("text", word, x, doc.get("len_text", 0)) if x else 0.0, bool(t or x))
        return memo[word]

    def _clause(self, clause: Clause, doc: dict, memo: dict) -> float | None:
        """The clause's score in the document, None when it does not match there."""
        if clause.region and not _in_region(doc, clause.region):
            return None
        # A keyword's weight 1 times the boost, as on Whoosh: an industry's as much as a word, a year's
        # or a region's hardly anything.
        if clause.kind == "industry":
            return F.INDUSTRY_MATCH_SCORE if facet_code(clause.words[0]) in (doc.get(FILTER_CODES[F.INDUSTRIES]) or []) else None
        if clause.kind == "year":
            return F.FIELD_MATCH_SCORE if doc.get(F.YEAR) == int(clause.words[0]) else None
        if clause.kind == "place":
            return F.FIELD_MATCH_SCORE if _in_region(doc, clause.words[0]) else None
        if clause.kind == "and":
            parts = [self._clause(o, doc, memo) for o in clause.options]
            return None if any(p is None for p in parts) else sum(parts)
        if clause.kind == "or":
            parts = [self._clause(o, doc, memo) for o in clause.options]
            found = [p for p in parts if p is not None]
            return sum(found) if found else None
        if clause.kind == "phrase" and len(clause.words) > 1:
            in_title, in_text = self.phrases.found[tuple(clause.words)]
            score, hit = 0.0, False
            if doc["id"] in in_title:
                score += sum(self._word(w, doc, memo)[0] for w in clause.words)
                hit = True
            if doc["id"] in in_text:
                score += sum(self._word(w, doc, memo)[1] for w in clause.words)
                hit = True
            return score if hit else None
        score = 0.0
        for word in clause.words:
            title, text, present = self._word(word, doc, memo)
            if not present:
                return None
            score += title + text
        return score


def _in_region(doc: dict, region: str) -> bool:
    """True when a candidate (its facet codes, CANDIDATE_FIELDS) is about the region."""
    return facet_code(fold(region)) in (doc.get(FACET_CODES[F.REGIONS]) or [])


def _positive_words(clauses: list[Clause]) -> list[str]:
    words: list[str] = []
    stack = [c for c in clauses if not c.negated]
    while stack:
        clause = stack.pop(0)
        stack += clause.options
        if clause.kind not in FIELD_KINDS:
            words += clause.words
    return list(dict.fromkeys(words))


def _whoosh_shape(doc: dict) -> dict:
    """A Typesense document as the Whoosh index's stored fields (lists as comma strings)."""
    out = dict(doc)
    out[F.REGIONS] = ",".join(doc.get(F.REGIONS) or [])
    out[F.CAMPAIGNS] = ",".join(doc.get(F.CAMPAIGNS) or [])
    out[F.INDUSTRIES] = ",".join(doc.get(F.INDUSTRIES) or [])
    return out


class TypesenseStore:
    """What the app asks of its index, answered by a Typesense cluster (the alias COLLECTION)."""

    backend = "typesense"
    # A partial answer here comes from fixed caps (phrase documents checked, ranking depth), not
    # from a clock: the same request gives the same answer until the collection changes.
    partial_is_final = True

    def __init__(self, config: TypesenseConfig) -> None:
        self.config = config
        self.http = Http(config, timeout=5.0)
        self._lock = threading.Lock()
        self._state: tuple[str, dict] | None = None
        self._checked = 0.0
        self._cache: dict[str, object] = {}
        self._df: dict[tuple[str, str], int] = {}

    # ------------------------------------------------------------------ versions

    def state(self) -> tuple[str, dict]:
        """(collection, stats) of the alias now, looked at most every CHECK_EVERY seconds."""
        now = time.monotonic()
        if self._state is not None and now - self._checked < CHECK_EVERY:
            return self._state
        with self._lock:
            if self._state is not None and now - self._checked < CHECK_EVERY:
                return self._state
            try:
                collection = resolve_alias(self.http, self.config.collection)
                stats = read_stats(self.http, collection) if collection else None
            except TypesenseError:
                if self._state is None:
                    raise
                return self._state  # the cluster is briefly unreachable: keep what we know
            if not collection or not stats:
                raise NoCollection(self.config)
            if stats.get("layout") != LAYOUT:
                raise OldLayout(self.config)
            key = (collection, stats.get("generation"))
            if self._state is None or (self._state[0], self._state[1].get("generation")) != key:
                self._cache = {}
                self._df = {}
            self._state = (collection, stats)
            self._checked = now
            return self._state

    def cached(self, key: str, build: Callable[[], T]) -> T:
        """`build()` computed once per collection generation (again on the new collection if a
        rebuild dropped the one it read)."""
        def work() -> T:
            self.state()
            cache = self._cache
            if key not in cache:
                cache[key] = build()
            return cache[key]

        return self._retrying(work)

    def version(self) -> tuple:
        """What changes with every indexer run that wrote (the collection and its generation)."""
        collection, stats = self.state()
        return ("typesense", self.config.collection, collection, stats.get("generation"))

    def doc_count(self) -> int:
        """Documents in the collection."""
        return int(self.state()[1]["documents"])

    def close(self) -> None:
        """Close the connections."""
        self.http.close()

    def multi(self, collection: str, searches: list[dict]) -> list[dict]:
        """Run searches on one collection in one request; each result, or TypesenseError for one that failed."""
        return self.multi_each([(collection, s) for s in searches])

    def multi_each(self, jobs: list[tuple[str, dict]]) -> list[dict]:
        """Run (collection, search) pairs, MULTI_SEARCH_MAX to a request; each result, or TypesenseError."""
        results: list[dict] = []
        for i in range(0, len(jobs), MULTI_SEARCH_MAX):
            body = {"searches": [{"collection": c, **s} for c, s in jobs[i : i + MULTI_SEARCH_MAX]]}
            results += self.http.json("POST", "/multi_search", body=body)["results"]
        for (collection, _), result in zip(jobs, results):
            if "error" in result:
                if result.get("code") == 404:
                    raise _Gone(collection)
                raise TypesenseError(f"Typesense 检索出错：{result['error'][:300]}")
        return results

    def _retrying(self, work):
        """`work()`, once more on the new collection if a rebuild dropped the one it used."""
        try:
            return work()
        except _Gone:
            self._checked = 0.0  # look at the alias now, not in up to CHECK_EVERY seconds
            return work()

    # ------------------------------------------------------------------ search

    def search(self, args: Mapping[str, str], budget: float | None | str = "default") -> dict:
        """The /api/search answer for request-style parameters (BadParameter on bad input); the
        search is bounded by fixed caps, not by a clock (`budget` is not used here)."""
        request = read_request(args)
        return self._retrying(lambda: soft_search(request, self.run, self.cached))

    def _filter_by(self, parsed: ParsedQuery, filters: Filters, phrases: _Phrases) -> str:
        parts = [_condition(c, phrases) for c in parsed.clauses]
        # Typesense 0.24 rejects a filter of about 100 operands and operators: the largest clauses
        # (a chunk's other names, soft AND's alternatives) are then looked up first, as id lists.
        while sum(map(_ops, parts)) + len(parts) > MAX_FILTER_OPS:
            n = max(range(len(parts)), key=lambda i: _ops(parts[i]))
            if _ops(parts[n]) == 0:
                break
            parts[n] = self._as_ids(parsed.clauses[n], phrases)
        if filters.year:
            parts.append(f"{F.YEAR}:[{filters.year[0]}..{filters.year[1]}]")
        for field, value in (
            (F.REGIONS, filters.region and fold(filters.region)),
            (F.DOC_TYPE, filters.doc_type and fold(filters.doc_type)),
            (F.CAMPAIGNS, filters.campaign),
            (F.INDUSTRIES, filters.industry),
        ):
            if value:
                parts.append(_facet_is(field, value))
        if filters.org:
            quoted = _value(fold(filters.org))
            parts.append(f"{F.ORG_NAMES}:=[{quoted}]" if quoted else _NOTHING)
        return " && ".join(parts)  # each part is one term, or in brackets

    def _as_ids(self, clause: Clause, phrases: _Phrases) -> str:
        """The filter of one clause as the documents it matches (`id:[…]`, or their complement for a
        negated clause), found by its own searches (at most MAX_PHRASE_DOCS each, else partial)."""
        ids = self._matching(replace(clause, negated=False), phrases)
        return _not_seqs([phrases.seq[d] for d in ids]) if clause.negated else _ids(ids)

    def _matching(self, clause: Clause, phrases: _Phrases) -> set[str]:
        condition = _condition(clause, phrases)
        if _ops(condition) > MAX_FILTER_OPS and clause.kind == "or":
            return set().union(*(self._matching(o, phrases) for o in clause.options))
        if _ops(condition) > MAX_FILTER_OPS and clause.kind == "and":
            return set.intersection(*(self._matching(o, phrases) for o in clause.options))
        return phrases._ids([(phrases.collection, {"q": "*", "filter_by": condition})])[0]

    def _document_frequencies(self, collection: str, words: list[str]) -> dict[tuple[str, str], int]:
        """Documents with each word in the title and in the text, counted once per generation."""
        missing = [w for w in words if ("text", w) not in self._df]
        if missing:
            # In the text: every document with the word, less those with it in the title only.
            searches = [{"q": "*", "filter_by": f"{field}:=[{_value(w)}]" if _value(w) else _NOTHING, "per_page": 0}
                        for w in missing for field in ("title_terms", "terms", "title_only")]
            results = self.multi(collection, searches)
            for n, w in enumerate(missing):
                title, anywhere, title_only = (r["found"] for r in results[3 * n : 3 * n + 3])
                self._df[("title", w)], self._df[("text", w)] = title, anywhere - title_only
        return {(f, w): self._df[(f, w)] for w in words for f in ("title", "text")}

    def run(self, request: SearchRequest) -> dict:
        """Search with a parsed request: the answer in /api/search's shape."""
        parsed, filters, paging = request.query, request.filters, request.paging
        collection, stats = self.state()
        phrases = _Phrases(self, collection)
        phrases.resolve(parsed.clauses)
        filter_by = self._filter_by(parsed, filters, phrases)
        if stats.get("copies"):  # near-duplicates are found as the document shown in their place
            filter_by = f"{filter_by} && copy:<1" if filter_by else "copy:<1"
        limit = paging.limit
        base = {"filter_by": filter_by} if filter_by else {}
        facet = {"facet_by": FACET_FIELDS, "max_facet_values": MAX_FACET_VALUES}
        words = _positive_words(parsed.clauses)
        by_date = request.by_date
        df = self._document_frequencies(collection, words) if words else {}
        scorer = _Scorer(parsed, stats, df, phrases)
        shallow = True  # every document that can reach the page was a candidate
        if by_date:
            # Newest first is Typesense's own order: the page itself (its page size is ours), each
            # date's documents then ordered by score as Whoosh orders them.
            searches = [{"q": "*", **base, "sort_by": "date_rank:desc,seq:asc", "include_fields": tf_fields(words),
                         "per_page": paging.per_page, "page": paging.page, **facet}]
        else:
            per_word = max(CANDIDATES, limit + RANK_MARGIN)
            if per_word > RANKED_DEPTH:
                per_word, shallow = RANKED_DEPTH, False
            else:
                per_word = min(RANKED_DEPTH, max(per_word, DEPTH_FACTOR * limit + RANK_MARGIN))
            # The total and the facets: every document the filter lets through.
            within_words, ties = _field_searches(parsed.clauses, filter_by, phrases, words, per_word)
            searches = [{"q": "*", **base, "per_page": 0, **facet}, *_candidate_searches(words, base, per_word),
                        *within_words, *ties]
        results = self.multi(collection, searches)
        head = results[0]
        candidates: dict[str, dict] = {}

        def collect(found: list[dict]) -> None:
            for result in found:
                for hit in result["hits"]:
                    candidates.setdefault(hit["document"]["id"], hit["document"])

        collect(results)
        # Each word's candidates are half title, half text: when the query's words stand in the
        # same documents, and mostly in their texts, the halves fall short of the page (a phrase's
        # fourth page came back empty). Deeper then, up to RANKED_DEPTH.
        size = read = 0  # the first round's page size, and the pages of it read so far
        while not by_date and words and shallow and len(candidates) < min(head["found"], limit):
            if not size:
                size, read = _candidate_pages(per_word)
            per_word *= 2
            if per_word > RANKED_DEPTH:
                per_word, shallow = RANKED_DEPTH, False
            collect(self.multi(collection, _candidate_searches(words, base, per_word, size, read)))
            read = _candidate_pages(per_word, size)[1]
        if by_date:
            scores = {} if parsed.is_empty else {d: scorer.score(doc) for d, doc in candidates.items()}
            ranked = sorted(candidates.values(), key=lambda d: (-d["date_rank"], -scores.get(d["id"], 0.0), d["seq"]))
            page_hits = [(scores.get(d["id"]), d) for d in ranked]
        else:
            scored = [(scorer.score(doc), doc) for doc in candidates.values()]
            scored.sort(key=lambda h: (-h[0], -h[1]["date_rank"], h[1]["seq"]))
            page_hits = scored[paging.start : limit]
        stored = self._stored([doc["id"] for _, doc in page_hits])
        page = [(stored[doc["id"]], score) for score, doc in page_hits if doc["id"] in stored]
        return answer(request, page, head["found"], _facet_counters(head, stats.get("facet_values", {})),
                      partial=phrases.cut or not shallow, total_exact=not phrases.cut)

    def _stored(self, ids: list[str]) -> dict[str, dict]:
        """Stored fields of some documents, in the Whoosh index's shape, by id."""
        if not ids:
            return {}
        collection, _ = self.state()
        result = self.multi(docs_collection(collection), [{
            "q": "*", "filter_by": _ids(ids), "per_page": len(ids), "exclude_fields": "title_tok,text_tok",
        }])[0]
        return {h["document"]["id"]: _whoosh_shape(h["document"]) for h in result["hits"]}

    def document(self, doc_id: str) -> dict | None:
        """A document's stored fields by id (the /api/documents shape), or None."""
        if not DOC_ID.match(doc_id or ""):
            return None
        stored = self._retrying(lambda: self._stored([doc_id])).get(doc_id)
        return None if stored is None else document_item(stored)

    def stored_documents(self):
        """Every document's stored fields that the browse views read, in the Whoosh index's shape."""
        collection, _ = self.state()
        fields = [F.ID_, F.PATH, F.TITLE, F.YEAR, F.REGIONS, F.CAMPAIGNS, F.ORGANIZATIONS, F.THEMES]
        return (_whoosh_shape(d) for d in export(self.http, docs_collection(collection), fields))


def _facet_counters(result: dict, values: dict[str, str]) -> dict[str, Counter]:
    """Typesense's facet counts by value (codes mapped back through the stats document)."""
    names = {F.YEAR: "year", FACET_CODES[F.REGIONS]: "region", FACET_CODES[F.DOC_TYPE]: "doc_type",
             FACET_CODES[F.CAMPAIGNS]: "campaign"}
    out = {name: Counter() for name in names.values()}
    for facet in result.get("facet_counts", []):
        name = names.get(facet["field_name"])
        if name is None:
            continue
        for row in facet["counts"]:
            value = int(row["value"]) if name == "year" else values.get(row["value"], row["value"])
            out[name][value] = row["count"]
    return out
