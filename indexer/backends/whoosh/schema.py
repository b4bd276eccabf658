"""The Whoosh schema: the index fields of indexer.fields, analyzed by the one analyzer of indexer.segment.

Whoosh pickles the schema (with the analyzer, by module path) into every index it writes, so an
index opens with the classes named here and in indexer.segment, wherever this module lives.
"""
from __future__ import annotations

from whoosh.fields import ID, KEYWORD, NUMERIC, STORED, TEXT, Schema

from indexer import fields as F
from indexer.segment import ChineseAnalyzer


def build_schema() -> Schema:
    """The index schema: searchable title and text, filterable metadata."""
    analyzer = ChineseAnalyzer()
    return Schema(
        **{
            F.ID_: ID(stored=True, unique=True),
            F.PATH: ID(stored=True),
            F.TITLE: TEXT(analyzer=analyzer, stored=True, field_boost=F.TITLE_BOOST),
            F.TEXT_: TEXT(analyzer=analyzer, stored=True),
            F.URL: STORED(),
            F.DATE: ID(stored=True, sortable=True),
            F.YEAR: NUMERIC(int, stored=True, sortable=True),
            F.REGION: ID(stored=True),
            F.DISTRICT: ID(stored=True),
            F.REGIONS: KEYWORD(stored=True, commas=True, scorable=False),
            F.DOC_TYPE: ID(stored=True),
            F.DOC_NUMBER: ID(stored=True),
            # [{"name", "kind", "original", "short_forms", "abbreviations"}] as extracted; names for the org filter.
            F.ORGANIZATIONS: STORED(),
            F.ORG_NAMES: KEYWORD(stored=False, commas=True, scorable=False),
            # [{"theme", "theme_simplified", "year", "region", "campaign"}] as stated by the document.
            F.THEMES: STORED(),
            # Names from indexer/data/campaigns.tsv of the campaigns the document is about.
            F.CAMPAIGNS: KEYWORD(stored=True, commas=True, scorable=False),
            # Industries (indexer/data/industries.tsv) the document is about.
            F.INDUSTRIES: KEYWORD(stored=True, commas=True, scorable=False),
            F.ENCODING: STORED(),
            F.CONTENT_HASH: ID(stored=True),
            F.PIPELINE: ID(stored=True),
            F.FORMAT: ID(stored=True),
            F.LINKS: STORED(),
            F.PARENT: STORED(),
            F.PARENTS_TRIED: STORED(),
            F.NOTE: STORED(),
            F.SIGNATURE: STORED(),
            F.NUMBERS: STORED(),
            F.COPY_OF: ID(stored=True),
            F.DUPLICATES: STORED(),
        }
    )


def schema_names() -> list[str]:
    """Field names of the current schema."""
    return build_schema().names()
