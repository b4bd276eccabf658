"""Field names of the index, defined once, and the Whoosh schema built from them."""
from __future__ import annotations

from whoosh.fields import ID, KEYWORD, NUMERIC, STORED, TEXT, Schema

from indexer.segment import ChineseAnalyzer

ID_ = "id"
PATH = "path"
TITLE = "title"
TEXT_ = "text"
URL = "url"
DATE = "date"
YEAR = "year"
REGION = "region"
DISTRICT = "district"
REGIONS = "regions"
DOC_TYPE = "doc_type"
DOC_NUMBER = "doc_number"
ORGANIZATIONS = "organizations"
ORG_NAMES = "org_names"
THEMES = "themes"
CAMPAIGNS = "campaigns"
ENCODING = "encoding"
CONTENT_HASH = "content_hash"
PIPELINE = "pipeline"

# Bump when parsing, cleaning or analysis changes: documents indexed by an older
# pipeline are re-indexed by the next incremental run even if their bytes did not change.
PIPELINE_VERSION = "6"


def build_schema() -> Schema:
    """The index schema: searchable title and text, filterable metadata."""
    analyzer = ChineseAnalyzer()
    return Schema(
        **{
            ID_: ID(stored=True, unique=True),
            PATH: ID(stored=True),
            TITLE: TEXT(analyzer=analyzer, stored=True, field_boost=3.0),
            TEXT_: TEXT(analyzer=analyzer, stored=True),
            URL: STORED(),
            DATE: ID(stored=True, sortable=True),
            YEAR: NUMERIC(int, stored=True, sortable=True),
            REGION: ID(stored=True),
            DISTRICT: ID(stored=True),
            REGIONS: KEYWORD(stored=True, commas=True, scorable=False),
            DOC_TYPE: ID(stored=True),
            DOC_NUMBER: ID(stored=True),
            # [{"name", "kind", "original", "short_forms"}] as extracted; names for the org filter.
            ORGANIZATIONS: STORED(),
            ORG_NAMES: KEYWORD(stored=False, commas=True, scorable=False),
            # [{"theme", "theme_simplified", "year", "region", "campaign"}] as stated by the document.
            THEMES: STORED(),
            # Names from indexer/data/campaigns.tsv of the campaigns the document is about.
            CAMPAIGNS: KEYWORD(stored=True, commas=True, scorable=False),
            ENCODING: STORED(),
            CONTENT_HASH: ID(stored=True),
            PIPELINE: ID(stored=True),
        }
    )
