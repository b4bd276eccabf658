"""Queries: user text to the clauses a search understands, escaped by default, with the indexer's analyzer.

Syntax: words are ANDed; "…" or “…” is an exact phrase; `A OR B`; `NOT word` or `-word`
(and `NOT "…"` or `-"…"` for a phrase).
Everything else (brackets, `*`, `field:`, stray quotes, dangling operators) is plain text,
so no input can make parsing fail.

Bounded work: repeated words and repeated clauses collapse (`的 的 的` is `的`), and a query
keeps at most MAX_WORDS distinct words, MAX_CLAUSES clauses (each OR alternative counts as
one) and MAX_PHRASE_WORDS words per phrase. What lies beyond a cap is dropped and the query
is marked `truncated`: a long query is the AND of its first words, never "everything".
A query of negations only (`NOT 质量`) has nothing to rank: it lists the documents without
those words, newest first, like an empty query with filters.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field, replace
from functools import lru_cache
from itertools import combinations
from typing import Iterable

from indexer.campaigns import campaign_named, campaign_names
from indexer.errors import QsearchError
from indexer.extract import gazetteer
from indexer.industries import industry_named
from indexer.normalize import fold
from indexer.datafiles import data_lines
from indexer.segment import domain_words, query_words, search_words, sub_words, word_parts

MAX_WORDS = 16  # distinct words in a whole query
MAX_CLAUSES = 16  # clauses, each alternative of an OR counting as one
MAX_PHRASE_WORDS = 16  # words of one quoted phrase
MAX_QUERY_CHARS = 2000
MAX_VARIANTS = 8  # spellings and other names searched for one chunk
MAX_RELAXED_WORDS = 8  # soft AND relaxes queries of up to this many words
_TOKEN = re.compile(r'(-?)"([^"]*)"|(-?)“([^”]*)”|(\S+)')
# A year filter: empty (no filter), a year or a range, spaces around (ASCII, tab, ideographic).
# The OpenAPI description gives this very pattern (YEAR_PATTERN), so the two cannot disagree.
YEAR_PATTERN = (
    "^[ \t\u3000]*(((19|20)[0-9]{2})[ \t\u3000]*((-|–|—|~|～|\\.\\.|至|到)[ \t\u3000]*((19|20)[0-9]{2}))?)?[ \t\u3000]*$"
)
_YEAR = re.compile(YEAR_PATTERN)
_YEAR_WORD = re.compile(r"(?:19|20)\d{2}")
_YEAR_UNITS = frozenset({"年", "年度"})  # what makes a number typed before it a year (2019年, 2019年度)


class BadParameter(QsearchError):
    """A request parameter has a value the search cannot use (HTTP 400)."""


FIELD_KINDS = frozenset({"industry", "year", "place"})  # clauses matched by a field, with no words to mark


@dataclass
class Clause:
    """One part of a query as understood: words, a phrase, or an OR of those; maybe negated."""

    # "words", "phrase", "or", "and" (every option), or an OR's option found by a field, not by words:
    # "industry" (the documents of the industry words[0]), "year" (those of the year words[0]) or
    # "place" (those about the region words[0], as the indexer names it).
    kind: str
    words: list[str]
    negated: bool = False
    options: list["Clause"] = field(default_factory=list)
    # Typed without quotes: the words as typed (options[0]); the other options are the same
    # words written apart (全国“质量月”), other names of the organization named, or synonyms.
    unquoted: list[str] = field(default_factory=list)
    expanded: list[str] = field(default_factory=list)  # the other names searched too
    region: str | None = None  # an option found only in documents of this region (a short form learned there)

    def describe(self) -> str:
        """How the clause reads back to the user."""
        if self.unquoted and self.kind == "or":
            text = self.options[0].describe()
        elif self.kind == "or":
            text = " 或 ".join(o.describe() for o in self.options)
        elif self.kind == "phrase":
            text = "“" + "".join(self.words) + "”"
        elif self.kind == "industry":
            text = f"{self.words[0]}行业"
        elif self.kind == "year":
            text = f"{self.words[0]}年的文档"
        elif self.kind == "place":
            text = f"{self.words[0]}的文档"
        elif self.kind == "and":
            text = " + ".join(o.describe() for o in self.options)
        else:
            text = " + ".join(self.words)
        return ("不含 " if self.negated else "") + text


@dataclass
class Filters:
    """Filters on metadata fields."""

    year: tuple[int, int] | None = None
    region: str | None = None
    doc_type: str | None = None
    org: str | None = None
    campaign: str | None = None
    industry: str | None = None  # indexer/data/industries.tsv's name, folded

    def active(self) -> dict[str, str]:
        """The filters that are set, as the user would write them."""
        out = {}
        if self.year:
            out["year"] = str(self.year[0]) if self.year[0] == self.year[1] else f"{self.year[0]}-{self.year[1]}"
        for name in ("region", "doc_type", "org", "campaign", "industry"):
            if getattr(self, name):
                out[name] = getattr(self, name)
        return out


@dataclass
class ParsedQuery:
    """A user query as understood: its clauses (each backend compiles them for its engine)."""

    text: str
    clauses: list[Clause]
    truncated: bool = False

    @property
    def highlight_words(self) -> list[str]:
        """Folded words to mark in snippets: every word of every non-negated clause."""
        words = {w for term in self.highlight_terms for w in ((term,) if isinstance(term, str) else term)}
        return sorted(words, key=len, reverse=True)

    @property
    def highlight_terms(self) -> list[str | tuple[str, ...]]:
        """What to mark in snippets: words, and phrases (tuples of words) marked only where they
        occur as phrases; longest first."""
        terms: list[str | tuple[str, ...]] = []
        stack = [c for c in self.clauses if not c.negated]
        while stack:
            clause = stack.pop()
            stack += clause.options
            if clause.kind == "phrase" and len(clause.words) > 1:
                terms.append(tuple(clause.words))
            elif clause.kind not in FIELD_KINDS:
                terms += clause.words
        return sorted(set(terms), key=lambda t: len("".join(t)), reverse=True)

    @property
    def expanded(self) -> list[str]:
        """What the query searches besides the words typed: other names, synonyms, an industry's, year's
        or region's documents (each clause's `expanded`)."""
        return [name for c in self.clauses if not c.negated for name in c.expanded]

    @property
    def campaigns(self) -> list[str]:
        """The campaigns the query names in words typed without quotes (质量月, 世界計量日, qc小组),
        as the index names them: documents about them rank above those that mention them."""
        named: list[str] = []
        stack = [c for c in self.clauses if not c.negated]
        while stack:
            clause = stack.pop(0)
            stack += [o for o in clause.options if not clause.unquoted]  # soft AND's alternatives
            if not clause.unquoted:
                continue
            for text in ["".join(clause.unquoted), *clause.unquoted]:
                try:
                    named.append(campaign_named(text).name)
                except KeyError:
                    continue
        return list(dict.fromkeys(named))

    @property
    def industries(self) -> list[tuple[int, str]]:
        """(clause number, industry) of each chunk typed without quotes that names an industry
        (钢铁, 家用电器, 食品企业: indexer/data/industries.tsv), when the query has other words too."""
        positive = [c for c in self.clauses if not c.negated]
        if len(positive) < 2:
            return []
        named = []
        for n, clause in enumerate(self.clauses):
            if clause.unquoted and not clause.negated:
                industry = industry_named("".join(clause.unquoted))
                if industry:
                    named.append((n, industry))
        return named

    @property
    def years(self) -> list[tuple[int, str, list[str]]]:
        """(clause number, year, the chunk's other words) of each chunk typed without quotes that
        starts with a year (2023, 2019年质量月: 质量月 after 年), when it has other words or the query
        has: pages of that year often never write it (今年, a date line the cleaner drops)."""
        positive = [c for c in self.clauses if not c.negated]
        named = []
        for n, clause in enumerate(self.clauses):
            if not clause.unquoted or clause.negated or not year_word(clause.unquoted[0]):
                continue
            rest = clause.unquoted[1:]
            if rest and rest[0] not in _YEAR_UNITS:
                continue  # a number: 2000家
            rest = rest[1:]
            if rest or len(positive) > 1:
                named.append((n, clause.unquoted[0], rest))
        return named

    @property
    def places(self) -> list[tuple[int, str]]:
        """(clause number, region) of each chunk typed without quotes that names a region of
        indexer/data/regions.tsv (新疆, 乌鲁木齐市), when the query has other words: pages about a place
        often name only its cities (阿勒泰, 乌鲁木齐 for 新疆)."""
        positive = [c for c in self.clauses if not c.negated]
        if len(positive) < 2:
            return []
        return [(n, place) for n, clause in enumerate(self.clauses) if clause.unquoted and not clause.negated
                for place in [place_named("".join(clause.unquoted))] if place]

    def relaxed(self, all_but_one: bool = False, filters: Filters | None = None) -> tuple["ParsedQuery", list[str]] | None:
        """Soft AND's second query and the words it may leave out: every word typed without quotes
        becomes optional, at least ⌈¾⌉ of them required (Elasticsearch's minimum_should_match, which
        counts the analyzed words: a long word that is neither a name nor in the domain dictionary
        counts as its parts, 石油化工 as 石油 + 化工, found anywhere, so a query of that one word is
        relaxed too); quoted phrases, ORs and negations stay as they are. A query of one chunk of three
        words or more may also match either of its phrases one word shorter (数据质量管理: “数据质量”
        or “质量管理”), as BM25's OR ranks the pages on 数据质量 that never write 管理. None when that would
        change nothing.

        `all_but_one`: the last resort when hardly anything has ⌈¾⌉ of the words, where ⌈¾⌉ of two
        or three words is all of them (Meilisearch's `last` matching strategy): of two chunks typed
        apart (空气质量 月报), either one as typed; else two of three words as typed (历年质量月主题 finds
        the pages on 质量月主题). The words of one chunk of two (蓝鲸计划, 质量管理体系) are never split that way.

        A word is also found by its other names and synonyms; a year and a region the field step names
        (`years`, `places`) by the documents of that year or about it, and a word that names an industry
        (`industries`) by the industry's documents, unless `filters` already ask for one. 年 or 年度
        after a year is part of the year (2019年质量月: 2019 + 质量月)."""
        typed = list(dict.fromkeys(w for c in self.clauses if c.unquoted and not c.negated
                                   for n, w in enumerate(c.unquoted) if not (n and w in _YEAR_UNITS and year_word(c.unquoted[n - 1]))))
        # A year (not a number: 2000家) and a region the field step would search by, also found that way.
        fields: dict[str, Clause] = {}
        if not (filters and filters.year):
            fields.update((year, Clause("year", [year])) for _, year, _ in self.years)
        if not (filters and filters.region):
            fields.update(("".join(self.clauses[n].unquoted), Clause("place", [place])) for n, place in self.places)
        if not (filters and filters.industry):  # a chunk of one word that names an industry (with_industries)
            fields.update((self.clauses[n].unquoted[0], Clause("industry", [industry]))
                          for n, industry in self.industries if len(self.clauses[n].unquoted) == 1)
        loose = {w for w in typed if _loose(w)}

        def spelled(words: Iterable[str]) -> list[str]:
            return list(dict.fromkeys(p for w in words for p in (word_parts(w) if w in loose else (w,))))

        fixed = [c for c in self.clauses if c.negated or not c.unquoted]
        positive = [c for c in fixed if not c.negated]
        if all_but_one:
            chunks = [c for c in self.clauses if c.unquoted and not c.negated]
            if len(chunks) == 2:
                either = Clause("or", [], options=chunks)
                return (ParsedQuery(self.text, positive + [either] + [c for c in fixed if c.negated], self.truncated),
                        ["".join(c.unquoted) for c in chunks])
            if len(typed) != 3:
                return None
            combos = [(spelled(combo), list(combo)) for combo in combinations(typed, 2)]
        else:
            units = spelled(typed)
            if len(units) > MAX_RELAXED_WORDS:  # the parts are too many: the typed words, whole
                units, loose = typed, set()
            need = math.ceil(len(units) * 3 / 4)
            split = bool(loose) or any(len(c.unquoted) > 1 for c in self.clauses if not c.negated)
            if len(units) < 2 or len(units) > MAX_RELAXED_WORDS or (need == len(units) and not split):
                return None
            # What the option names as typed (for the campaigns it names): its whole typed words, never
            # parts joined into something not typed (产品质量 月 活动 has no 质量 + 月 + 活动 = 质量月活动).
            combos = [(list(combo), [w for w in combo if w in typed]) for combo in combinations(units, need)]
        options = [all_of(words, named, fields) for words, named in combos]
        chunks = [c for c in self.clauses if c.unquoted and not c.negated]
        whole = chunks[0].unquoted if len(chunks) == 1 else []
        # Not for a chunk the caps cut (their phrase would be longer than the strict query's), nor
        # one that repeats a word (质量质量管理 has no phrase “质量质量” to look for).
        if not all_but_one and 3 <= len(whole) <= MAX_PHRASE_WORDS and len(set(whole)) == len(whole) and not self.truncated:
            options += [Clause("phrase", part) for part in (whole[:-1], whole[1:])]  # unquoted=[]: they name nothing typed
        some = options[0] if len(options) == 1 else Clause("or", [], options=options)
        return ParsedQuery(self.text, positive + [some] + [c for c in fixed if c.negated], self.truncated), spelled(typed)

    @property
    def is_empty(self) -> bool:
        """True when the query has no positive clause: nothing to rank, so the documents
        (all of them, or those without the negated words) are listed newest first."""
        return not any(not c.negated for c in self.clauses)

    @property
    def negation_only(self) -> bool:
        """True for a query of negations only (`NOT 质量`, `-空气`)."""
        return bool(self.clauses) and self.is_empty


def _tokens(text: str) -> list[tuple[str, str]]:
    """(kind, value) pairs: kind is "phrase", "text" or an operator (OR, AND, NOT)."""
    tokens: list[tuple[str, str]] = []
    for m in _TOKEN.finditer(text):
        minus, phrase = (m.group(1), m.group(2)) if m.group(2) is not None else (m.group(3), m.group(4))
        if phrase is not None:
            if minus:
                tokens.append(("NOT", "NOT"))  # -"…": the phrase negated, as on web search engines
            tokens.append(("phrase", phrase))
        elif m.group(5) in ("OR", "AND", "NOT"):
            tokens.append((m.group(5), m.group(5)))
        else:
            tokens.append(("text", m.group(5).replace('"', " ").replace("“", " ").replace("”", " ")))
    return tokens


def _raw_clauses(tokens: list[tuple[str, str]]) -> list[Clause]:
    """The clauses as written: words, phrases, ORs of those, maybe negated (no caps yet)."""
    clauses: list[Clause] = []
    negate_next = False
    join_next = False
    for i, (kind, value) in enumerate(tokens):
        has_next = i + 1 < len(tokens) and tokens[i + 1][0] in ("phrase", "text", "NOT")
        if kind == "AND":
            continue
        if kind == "NOT":
            if has_next:
                negate_next = True
                continue
            kind = "text"  # a dangling NOT is just a word
        if kind == "OR":
            if clauses and has_next and not clauses[-1].negated:
                join_next = True
                continue
            kind = "text"  # a dangling OR is just a word
        negated = negate_next
        if kind == "text" and value.startswith("-") and len(value) > 1:
            negated, value = True, value[1:]
        words = query_words(value)
        if not words:
            negate_next = join_next = False
            continue
        clause = Clause("phrase", words, negated) if kind == "phrase" else _chunk(value, words, negated)
        if join_next and not negated:
            last = clauses[-1]
            if last.kind != "or" or last.unquoted:  # a chunk's own spellings stay its own
                last = Clause("or", [], options=[last])
                clauses[-1] = last
            last.options.append(clause)
        else:
            clauses.append(clause)
        negate_next = join_next = False
    return clauses


def _chunk(text: str, words: list[str], negated: bool) -> Clause:
    """A chunk typed without quotes and without spaces: its words as a phrase (what Lucene's
    autoGeneratePhraseQueries does for CJK), or the same words written apart (a long word's parts:
    全国质量月 as 全国“质量月”), or another name of the organization it names (市场监管总局)."""
    if len(set(words)) == 1:
        words = words[:1]  # 的的的…: one word typed again and again
    expanded = alternative_names(text)
    variants = []
    for spelled in [words, *map(query_words, expanded)]:
        variants += [spelled, [p for w in spelled for p in (word_parts(w) or [w])]]
    options = [Clause("phrase" if len(v) > 1 else "words", v) for v in dict.fromkeys(map(tuple, variants)) for v in [list(v)]]
    if len(options) == 1:
        return Clause(options[0].kind, words, negated, unquoted=list(words))
    return Clause("or", [], negated, options, unquoted=list(words), expanded=expanded)


@lru_cache(maxsize=10_000)
def _loose(word: str) -> bool:
    """True for a long word soft AND may require as its parts: no name, no domain word, and parts the
    index holds inside it (word_parts cuts from the left; the sub-words follow jieba's cut)."""
    parts = word_parts(word)
    return len(parts) > 1 and word not in _names() and set(parts) <= sub_words(word)


@lru_cache(maxsize=1)
def _names() -> frozenset[str]:
    """The domain dictionary's words and the names (campaigns, awards, organizations): soft AND never cuts them apart."""
    return frozenset(fold(w).strip() for w, _ in domain_words()) | frozenset(search_words())


@lru_cache(maxsize=1)
def _equivalents() -> dict[str, list[str]]:
    """Folded name -> every name of its organization (indexer/data/org_equivalents.tsv)."""
    out: dict[str, list[str]] = {}
    for line in data_lines("org_equivalents.tsv"):
        names = [fold(n).strip() for n in line.split("\t") if n.strip()]
        for name in names:
            out.setdefault(name, names)
    return out


def equivalent_names(text: str) -> list[str]:
    """Every name of the organization `text` names (itself included), or [] when it names none we know."""
    return _equivalents().get(fold(text).strip(), [])


@lru_cache(maxsize=1)
def _synonyms() -> dict[str, list[str]]:
    """Folded term -> the other terms a query for it also finds (indexer/data/synonyms.txt, Solr's format)."""
    out: dict[str, list[str]] = {}
    for line in data_lines("synonyms.txt"):
        heads, _, tails = line.partition("=>")
        terms = [fold(t).strip() for t in heads.split(",") if t.strip()]
        also = [fold(t).strip() for t in tails.split(",") if t.strip()] if tails else terms
        for term in terms:
            out.setdefault(term, [])
            out[term] += [t for t in also if t != term and t not in out[term]]
    return out


def synonyms(text: str) -> list[str]:
    """The other terms a query for the concept `text` also finds, or []."""
    return _synonyms().get(fold(text).strip(), [])


def year_word(word: str) -> bool:
    """True for a word that is a year (2023)."""
    return bool(_YEAR_WORD.fullmatch(word))


def place_named(text: str) -> str | None:
    """The region of indexer/data/regions.tsv a text names (新疆维吾尔自治区 → 新疆), or None; not a
    name that is also an ordinary word (regions_guarded.txt: 中山, 黄山) unless written 中山市."""
    text = fold(text).strip()
    return None if text in _guarded_places() else gazetteer().surface.get(text)


@lru_cache(maxsize=1)
def _guarded_places() -> frozenset[str]:
    return frozenset(data_lines("regions_guarded.txt"))


def alternative_names(word: str) -> list[str]:
    """The other names and synonyms of a word (not itself), each once."""
    word = fold(word).strip()
    return [n for n in dict.fromkeys([*equivalent_names(word), *synonyms(word)]) if n != word]


def alternatives(word: str) -> list[Clause]:
    """What else finds a word of soft AND's relaxed options: its other names and synonyms (质量部: 品质部)."""
    return [Clause("phrase" if len(words) > 1 else "words", words)
            for name in alternative_names(word)[: MAX_VARIANTS - 1] for words in [query_words(name)] if words]


def all_of(words: list[str], named: list[str], fields: dict[str, Clause] | None = None) -> Clause:
    """Soft AND's option of these words, each also found by its alternatives and by the field clause
    `fields` has for it (a year's documents, a region's); `named`: what it names as typed."""
    fields = fields or {}
    parts = [Clause("or", [], options=[Clause("words", [w]), *alts]) if alts else Clause("words", [w])
             for w in words for alts in [alternatives(w) + ([fields[w]] if w in fields else [])]]
    if all(p.kind == "words" for p in parts):
        return Clause("words", words, unquoted=named)
    return Clause("and", [], options=parts, unquoted=named)


def _with_options(clause: Clause, options: list[Clause]) -> Clause:
    """An OR clause with these options (the one option itself when one is left), keeping what the clause knows."""
    if len(options) == 1:
        return replace(options[0], negated=clause.negated, unquoted=clause.unquoted, expanded=clause.expanded)
    return replace(clause, options=options)


def _key(clause: Clause) -> tuple:
    return (clause.kind, tuple(clause.words), clause.negated, clause.region, tuple(_key(o) for o in clause.options))


def _collapse(clauses: list[Clause]) -> list[Clause]:
    """The same query without repetition: repeated words and clauses once, an OR that a word
    clause implies dropped (A and (A or B) is A; (A or B) and A is A too, A taking the OR's place,
    so that the caps, which keep the first clauses, keep what was typed first)."""
    out: list[Clause] = []
    seen: set[tuple] = set()
    required: set[str] = set()  # words every result has: those of the positive word clauses so far
    word_clauses = [c for c in clauses if c.kind == "words" and not c.negated]
    for clause in clauses:
        if clause.kind == "or" and not clause.negated:
            words = [o.words for o in clause.options if o.kind == "words"]
            implying = next((c for c in word_clauses if any(set(w) <= set(c.words) for w in words)), None)
            if implying is not None and not any(set(w) <= required for w in words):
                clause = implying  # a later word clause implies the OR: it comes here, and not again
        if clause.kind == "or":
            options: list[Clause] = []
            keys: set[tuple] = set()
            for option in clause.options:
                if option.kind == "words":
                    option = Clause("words", list(dict.fromkeys(option.words)))
                if _key(option) not in keys:
                    keys.add(_key(option))
                    options.append(option)
            if not clause.negated and any(o.kind == "words" and set(o.words) <= required for o in options):
                continue  # implied by the clauses before it
            clause = _with_options(clause, options)
        if clause.kind == "words":
            words = list(dict.fromkeys(clause.words))
            if not clause.negated:
                words = [w for w in words if w not in required]
            if not words:
                continue
            clause = replace(clause, words=words)
        if _key(clause) in seen:
            continue
        seen.add(_key(clause))
        out.append(clause)
        if clause.kind == "words" and not clause.negated:
            required.update(clause.words)
    return out


class _Caps:
    """What a query has used of MAX_WORDS and MAX_CLAUSES."""

    def __init__(self) -> None:
        self.words: set[str] = set()
        self.clauses = 0
        self.hit = False  # a cap of the whole query was reached: nothing more fits
        self.cut = False  # something was left out (a cap was reached, or a phrase shortened)

    def fit(self, clause: Clause) -> Clause | None:
        """The clause cut to what still fits (its first words, its first alternatives), or None."""
        if self.hit:
            return None
        if clause.kind == "or" and clause.unquoted:
            # A chunk and its other spellings or names: only the chunk as typed counts against the caps.
            first = self.fit(clause.options[0])
            if first is None:
                return None
            return _with_options(clause, [first] + clause.options[1:MAX_VARIANTS])
        if clause.kind == "or":
            options = []
            for option in clause.options:
                option = self.fit(option)
                if option is None:
                    break
                options.append(option)
            if not options:
                return None
            return _with_options(clause, options)
        if self.clauses >= MAX_CLAUSES:
            self.hit = self.cut = True
            return None
        words = clause.words
        if clause.kind == "phrase" and len(words) > MAX_PHRASE_WORDS:
            words, self.cut = words[:MAX_PHRASE_WORDS], True  # its first words; the query goes on
        kept: list[str] = []
        used = set(self.words)
        for word in words:
            if word not in used and len(used) >= MAX_WORDS:
                self.hit = self.cut = True
                break
            used.add(word)
            kept.append(word)
        if not kept or (clause.kind == "phrase" and len(words) > 1 and len(kept) < 2):
            self.hit = self.cut = True
            return None  # (a phrase cut to one word would be another query)
        self.words = used
        self.clauses += 1
        return replace(clause, words=kept)


def parse_query(text: str | None) -> ParsedQuery:
    """Parse user text; never raises, and never gives more than the caps allow.

    Positive clauses are fitted first, then the negations, so that a long list of `-word`
    cannot push the words to search for out of the query."""
    text = (text or "")[:MAX_QUERY_CHARS]
    clauses = _collapse(_raw_clauses(_tokens(text)))
    caps = _Caps()
    kept: dict[int, Clause] = {}
    truncated = len(text) >= MAX_QUERY_CHARS
    for positive in (True, False):
        caps.hit = False  # each pass keeps its first clauses, up to the caps
        for n, clause in enumerate(clauses):
            if clause.negated != positive:
                fitted = caps.fit(clause)
                if fitted is not None:
                    kept[n] = fitted
        truncated = truncated or caps.cut
    return ParsedQuery(text=text, clauses=[kept[n] for n in sorted(kept)], truncated=truncated)


def parse_year(value: str | None) -> tuple[int, int] | None:
    """`2022` or `2020-2022` to an inclusive range, None when empty; raise BadParameter otherwise."""
    if value is None:
        return None
    m = _YEAR.fullmatch(value)
    if not m:
        raise BadParameter(f"year 参数应为年份（如 2022）或年份范围（如 2020-2022），收到：{value[:40]}")
    if m.group(1) is None:
        return None  # empty: no year filter
    start = int(m.group(2))
    end = int(m.group(6) or start)
    return (min(start, end), max(start, end))


def campaign_name(value: str | None) -> str | None:
    """A campaign as the index names it: 質量月 and qc小组活动 give 质量月 and QC小组活动.

    A value that names no campaign of indexer/data/campaigns.tsv is kept as given (it then
    matches nothing, like an unknown region)."""
    value = (value or "").strip()[:100]
    if not value:
        return None
    return _campaigns_by_folded().get(fold(value), value)


@lru_cache(maxsize=1)
def _campaigns_by_folded() -> dict[str, str]:
    return {fold(name): name for name in campaign_names()}


def make_filters(
    year: str | None, region: str | None, doc_type: str | None, org: str | None, campaign: str | None = None,
    industry: str | None = None,
) -> Filters:
    """Validated filters from request parameters."""
    clean = lambda v: (v or "").strip()[:100] or None  # noqa: E731
    return Filters(parse_year(year), clean(region), clean(doc_type), clean(org), campaign_name(campaign),
                   industry_name(industry))


def industry_name(value: str | None) -> str | None:
    """An industry as the index names it (鋼鐵 and 钢铁企业 give 钢铁); any other value is kept folded
    (it then matches nothing, like an unknown region)."""
    value = (value or "").strip()[:100]
    if not value:
        return None
    return industry_named(value) or fold(value)
