"""One archive file through the stages: parse -> clean -> normalize -> extract."""
from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, field

from indexer import fields as F
from indexer.clean import clean_html, clean_plain
from indexer.errors import DocumentError
from indexer.campaigns import campaign_passages, find_campaigns
from indexer.extract import doc_number, doc_type, document_year, fallback_date, find_date, find_regions, text_title
from indexer.normalize import normalize_text
from indexer.organizations import find_organizations
from indexer.themes import find_themes
from indexer.parse import decode, is_html


@dataclass
class Document:
    """A cleaned archive document with its metadata, ready to index."""

    id: str
    path: str
    title: str
    text: str
    url: str | None
    date: str | None
    year: int | None
    region: str | None
    district: str | None
    regions: list[str]
    doc_type: str
    doc_number: str | None
    encoding: str
    content_hash: str
    organizations: list[dict] = field(default_factory=list)
    themes: list[dict] = field(default_factory=list)
    campaigns: list[str] = field(default_factory=list)

    def fields(self) -> dict:
        """Keyword arguments for the Whoosh writer (None values left out)."""
        values = asdict(self)
        values[F.REGIONS] = ",".join(self.regions)
        values[F.CAMPAIGNS] = ",".join(self.campaigns)
        values[F.ORG_NAMES] = ",".join(
            name for org in self.organizations for name in [org["name"], *org["short_forms"]]
        )
        values[F.PIPELINE] = F.PIPELINE_VERSION
        return {k: v for k, v in values.items() if v not in (None, "", [])}


def doc_id(path: str) -> str:
    """Stable document id from the corpus-relative path."""
    return hashlib.blake2b(path.encode("utf-8"), digest_size=8).hexdigest()


def content_hash(data: bytes) -> str:
    """Hash of a file's bytes, to tell changed files from unchanged ones."""
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def _organizations(title: str | None, text: str, campaigns: list[str]) -> list[dict]:
    """The document's organizations, each marked `in_campaign` when it is named where the document
    reports on one of its campaigns (the whole of a campaign document; the campaign's own story
    on a multi-story news page)."""
    orgs = [org.as_dict() for org in find_organizations(text, title, digest=bool(campaigns))]
    passages = campaign_passages(title, text) if campaigns else []
    for org in orgs:
        forms = [org["name"], *org["short_forms"]]
        org["in_campaign"] = passages is None or any(form in passage for passage in passages for form in forms)
    return orgs


def build_document(path: str, data: bytes) -> Document:
    """Turn one file's bytes into a Document; raise DocumentError when it has no usable text."""
    html = is_html(path)
    decoded = decode(data, html=html)
    article = clean_html(decoded.text) if html else clean_plain(decoded.text)
    text = normalize_text(article.text)
    if article.title:
        title, headline = normalize_text(article.title), True
    else:
        title, headline = text_title(text)
    if not text and not title:
        raise DocumentError("没有可索引的正文或标题")
    date = find_date(article.date_hints, text)
    if date is None and html:
        date = fallback_date(decoded.text)
    region = find_regions(title, text)
    # A title made from the first sentence is text, not a headline that says what the page is about.
    campaigns = find_campaigns(title if headline else None, text)
    year = document_year(title, text, date, [c.year for c in campaigns])
    names = [c.name for c in campaigns]
    return Document(
        id=doc_id(path),
        path=path,
        title=title or path.rsplit("/", 1)[-1],
        text=text,
        url=article.url,
        date=date,
        year=year,
        region=region.region,
        district=region.district,
        regions=list(region.regions),
        doc_type=doc_type(title, text),
        doc_number=doc_number(text, article.page_lines),
        encoding=decoded.encoding,
        content_hash=content_hash(data),
        organizations=_organizations(title, text, names),
        themes=[theme.as_dict() for theme in find_themes(text, title, year, region.region, names, date)],
        campaigns=names,
    )
