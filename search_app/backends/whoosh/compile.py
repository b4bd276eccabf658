"""Query compilation for Whoosh: the parsed clauses and filters as Whoosh query trees."""
from __future__ import annotations

from dataclasses import replace

from whoosh.query import And, AndNot, Every, NumericRange, Or, Phrase, Query, Term

from indexer import fields as F
from indexer.normalize import fold
from search_app.query import Clause, Filters, ParsedQuery


def to_whoosh(parsed: ParsedQuery) -> Query:
    """The Whoosh query: positive clauses ANDed, negated ones subtracted."""
    positive = [_clause_query(c) for c in parsed.clauses if not c.negated]
    negative = [_clause_query(c) for c in parsed.clauses if c.negated]
    query: Query = And(positive) if positive else Every()
    if negative:
        query = AndNot(query, Or(negative))
    return query


def _word_query(word: str) -> Query:
    return Or([Term(F.TITLE, word), Term(F.TEXT_, word)])


def _clause_query(clause: Clause) -> Query:
    if clause.region:
        # Scoped, not scored: the region's term adds nothing to the score (boost 0).
        scoped = replace(clause, region=None)
        return And([_clause_query(scoped), Term(F.REGIONS, fold(clause.region), boost=0.0)])
    if clause.kind == "or":
        return Or([_clause_query(o) for o in clause.options])
    if clause.kind == "and":
        return And([_clause_query(o) for o in clause.options])
    # A document of the industry scores as if it had the word (fields.py); of the year or region it is
    # found, hardly scored: it ranks by the query's other words.
    if clause.kind == "industry":
        return Term(F.INDUSTRIES, clause.words[0], boost=F.INDUSTRY_MATCH_SCORE)
    if clause.kind == "year":
        return Term(F.YEAR, int(clause.words[0]), boost=F.FIELD_MATCH_SCORE)
    if clause.kind == "place":
        return Term(F.REGIONS, fold(clause.words[0]), boost=F.FIELD_MATCH_SCORE)
    if clause.kind == "phrase" and len(clause.words) > 1:
        return Or([Phrase(F.TITLE, clause.words), Phrase(F.TEXT_, clause.words)])
    return And([_word_query(w) for w in clause.words])


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
    if filters.industry:
        parts.append(Term(F.INDUSTRIES, filters.industry))
    return And(parts) if parts else None
