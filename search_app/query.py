"""Queries: user text to a Whoosh query, escaped by default, with the indexer's analyzer.

Syntax: words are ANDed; "…" or “…” is an exact phrase; `A OR B`; `NOT word` or `-word`.
Everything else (brackets, `*`, `field:`, stray quotes, dangling operators) is plain text,
so no input can make parsing fail.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from whoosh.query import And, AndNot, Every, NumericRange, Or, Phrase, Query, Term

from indexer import fields as F
from indexer.campaigns import campaign_names
from indexer.errors import QsearchError
from indexer.normalize import fold
from indexer.segment import query_words

MAX_CLAUSES = 32
MAX_QUERY_CHARS = 2000
_TOKEN = re.compile(r'"([^"]*)"|“([^”]*)”|(\S+)')
_YEAR = re.compile(r"^\s*((?:19|20)\d{2})\s*(?:(?:-|–|—|~|～|\.\.|至|到)\s*((?:19|20)\d{2}))?\s*$")


class BadParameter(QsearchError):
    """A request parameter has a value the search cannot use (HTTP 400)."""


@dataclass
class Clause:
    """One part of a query as understood: words, a phrase, or an OR of those; maybe negated."""

    kind: str  # "words", "phrase" or "or"
    words: list[str]
    negated: bool = False
    options: list["Clause"] = field(default_factory=list)

    def describe(self) -> str:
        """How the clause reads back to the user."""
        if self.kind == "or":
            text = " 或 ".join(o.describe() for o in self.options)
        elif self.kind == "phrase":
            text = "“" + "".join(self.words) + "”"
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

    def active(self) -> dict[str, str]:
        """The filters that are set, as the user would write them."""
        out = {}
        if self.year:
            out["year"] = str(self.year[0]) if self.year[0] == self.year[1] else f"{self.year[0]}-{self.year[1]}"
        for name in ("region", "doc_type", "org", "campaign"):
            if getattr(self, name):
                out[name] = getattr(self, name)
        return out


@dataclass
class ParsedQuery:
    """A user query: the Whoosh query and what it was understood as."""

    text: str
    clauses: list[Clause]
    truncated: bool = False

    @property
    def highlight_words(self) -> list[str]:
        """Folded words to mark in snippets: every word of every non-negated clause."""
        words: list[str] = []
        stack = [c for c in self.clauses if not c.negated]
        while stack:
            clause = stack.pop()
            stack += clause.options
            words += clause.words
        return sorted(set(words), key=len, reverse=True)

    @property
    def is_empty(self) -> bool:
        """True when the query has no searchable words (it then matches everything)."""
        return not self.clauses

    def to_whoosh(self) -> Query:
        """The Whoosh query: positive clauses ANDed, negated ones subtracted."""
        positive = [_clause_query(c) for c in self.clauses if not c.negated]
        negative = [_clause_query(c) for c in self.clauses if c.negated]
        query: Query = And(positive) if positive else Every()
        if negative:
            query = AndNot(query, Or(negative))
        return query


def _word_query(word: str) -> Query:
    return Or([Term(F.TITLE, word), Term(F.TEXT_, word)])


def _clause_query(clause: Clause) -> Query:
    if clause.kind == "or":
        return Or([_clause_query(o) for o in clause.options])
    if clause.kind == "phrase" and len(clause.words) > 1:
        return Or([Phrase(F.TITLE, clause.words), Phrase(F.TEXT_, clause.words)])
    return And([_word_query(w) for w in clause.words])


def parse_query(text: str | None) -> ParsedQuery:
    """Parse user text; never raises."""
    text = (text or "")[:MAX_QUERY_CHARS]
    tokens: list[tuple[str, str]] = []  # (kind, value): kind is "phrase", "text" or an operator
    for m in _TOKEN.finditer(text):
        phrase = m.group(1) if m.group(1) is not None else m.group(2)
        if phrase is not None:
            tokens.append(("phrase", phrase))
        elif m.group(3) in ("OR", "AND", "NOT"):
            tokens.append((m.group(3), m.group(3)))
        else:
            tokens.append(("text", m.group(3).replace('"', " ").replace("“", " ").replace("”", " ")))

    clauses: list[Clause] = []
    truncated = False
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
        clause = Clause("phrase" if kind == "phrase" else "words", words, negated)
        if len(clauses) >= MAX_CLAUSES or sum(len(c.words) for c in clauses) + len(words) > MAX_CLAUSES * 2:
            truncated = True
            break
        if join_next and not negated:
            last = clauses[-1]
            if last.kind != "or":
                last = Clause("or", [], options=[last])
                clauses[-1] = last
            last.options.append(clause)
        else:
            clauses.append(clause)
        negate_next = join_next = False
    return ParsedQuery(text=text, clauses=clauses, truncated=truncated or len(text) >= MAX_QUERY_CHARS)


def parse_year(value: str | None) -> tuple[int, int] | None:
    """`2022` or `2020-2022` to an inclusive range; raise BadParameter otherwise."""
    if value is None or not value.strip():
        return None
    m = _YEAR.match(value)
    if not m:
        raise BadParameter(f"year 参数应为年份（如 2022）或年份范围（如 2020-2022），收到：{value[:40]}")
    start = int(m.group(1))
    end = int(m.group(2) or start)
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
    year: str | None, region: str | None, doc_type: str | None, org: str | None, campaign: str | None = None
) -> Filters:
    """Validated filters from request parameters."""
    clean = lambda v: (v or "").strip()[:100] or None  # noqa: E731
    return Filters(parse_year(year), clean(region), clean(doc_type), clean(org), campaign_name(campaign))


def filter_query(filters: Filters) -> Query | None:
    """The Whoosh filter for the metadata filters (values folded, so 廣東 finds 广东)."""
    parts: list[Query] = []
    if filters.year:
        parts.append(NumericRange(F.YEAR, filters.year[0], filters.year[1]))
    if filters.region:
        parts.append(Term(F.REGIONS, fold(filters.region)))
    if filters.doc_type:
        parts.append(Term(F.DOC_TYPE, fold(filters.doc_type)))
    if filters.org:
        # Names extracted at index time: the canonical name or a short form of it.
        parts.append(Term(F.ORG_NAMES, fold(filters.org)))
    if filters.campaign:
        # Stored as the data file names them (QC小组活动): make_filters resolved the name.
        parts.append(Term(F.CAMPAIGNS, filters.campaign))
    return And(parts) if parts else None
