"""One archive file through the stages: parse -> clean -> normalize -> extract.

Pages (HTML, text) and attachments (PDF, Word, WPS, spreadsheets, OFD) are told apart by their
bytes, not their names. An attachment's tables become one line per row, each cell after its
column's name, and a 名单 table's rows give organizations; a page records the attachment files it
links, and an attachment linked from a page records that page as its parent and takes the
parent's year, region and campaigns when it states none.
"""
from __future__ import annotations

import hashlib
import posixpath
import re
from dataclasses import dataclass, field
from dataclasses import fields as dataclass_fields
from urllib.parse import unquote

from indexer import fields as F
from indexer.clean import clean_html, clean_plain
from indexer.errors import DocumentError, NotADocument
from indexer.campaigns import campaign_passages, find_campaigns, story_at, story_headlines
from indexer.extract import (
    attachment_links, doc_number, doc_type, document_year, fallback_date, find_date, find_regions, text_title,
)
from indexer.duplicates import numbers, signature
from indexer.formats import ATTACHMENT_SUFFIXES, AttachmentError, Extracted, Table, read_attachment, sniff
from indexer.formats.tables import table_lines
from indexer.industries import find_industries
from indexer.normalize import normalize_text
from indexer.organizations import find_organizations, table_organizations
from indexer.themes import find_themes
from indexer.parse import decode, is_html

ATTACHMENT_FORMATS = frozenset({"pdf", "docx", "xlsx", "xls", "doc", "ofd", "encrypted", "zip", "ole"})
# Archive prefixes of attachment names (P020230901385_, 1693526400000_): not part of the title.
_STORED_PREFIX = re.compile(r"^(?:[A-Z]?\d{8,}[_-]?)+")


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
    industries: list[str] = field(default_factory=list)
    format: str = "html"
    links: list[str] = field(default_factory=list)  # attachment files the page links (corpus paths)
    parent: dict | None = None  # {"id", "path", "title"} of the page that links this attachment
    parents_tried: list[str] = field(default_factory=list)  # linking pages that did not build
    note: str | None = None  # e.g. how many pages had no text layer
    signature: str | None = None  # MinHash of the text (indexer/duplicates.py)
    numbers: str = ""
    copy_of: str | None = None  # the id of the document shown in this near-duplicate's place
    duplicates: list[str] = field(default_factory=list)  # the ids of this document's copies

    def fields(self) -> dict:
        """Keyword arguments for the Whoosh writer (None values left out)."""
        values = {f.name: getattr(self, f.name) for f in dataclass_fields(self)}  # asdict's deep copy: not needed
        values[F.REGIONS] = ",".join(self.regions)
        values[F.CAMPAIGNS] = ",".join(self.campaigns)
        values[F.INDUSTRIES] = ",".join(self.industries)
        values[F.ORG_NAMES] = ",".join(
            name for org in self.organizations for name in [org["name"], *org["short_forms"]]
        )
        values[F.PIPELINE] = F.PIPELINE_VERSION
        return {k: v for k, v in values.items() if v not in (None, "", [])}

    @classmethod
    def from_stored(cls, stored: dict) -> "Document":
        """The Document whose `fields()` an index stored (keyword lists stored comma-joined): to write
        it again with another grouping without reading and analyzing its file again."""
        names = {f.name for f in dataclass_fields(cls)}
        values: dict = {name: None for name in ("url", "date", "year", "region", "district", "doc_number")}
        values.update(regions=[], doc_type="", encoding="", content_hash="")
        values.update({k: v for k, v in stored.items() if k in names})
        for name in (F.REGIONS, F.CAMPAIGNS, F.INDUSTRIES):
            if isinstance(values.get(name), str):
                values[name] = [v for v in values[name].split(",") if v]
        return cls(**values)


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


def build_document(path: str, data: bytes, parent: "Document | None" = None) -> Document:
    """Turn one file's bytes into a Document; raise DocumentError when it has no usable text.

    `parent`: the page that links this file, when it is an attachment one links."""
    if not data.strip():
        raise DocumentError("文件为空")
    fmt = sniff(data)
    if fmt in ATTACHMENT_FORMATS:
        doc = attachment_document(path, data, fmt)
        if parent is not None:
            inherit(doc, parent)
        return doc
    suffix = posixpath.splitext(path)[1].lower()
    if suffix in ATTACHMENT_SUFFIXES and fmt != "html":
        raise DocumentError(f"扩展名是 {suffix}，但内容不是 PDF、Word、WPS、Excel 或 OFD 文件（可能是下载失败或改了扩展名），未读取")
    html = is_html(path) or fmt == "html"
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
    return _described(
        path, data, title or path.rsplit("/", 1)[-1], text, date,
        # A title made from the first sentence is text, not a headline that says what the page is about.
        campaign_title=title if headline else None, url=article.url, number_lines=article.page_lines,
        encoding=decoded.encoding, fmt="html" if html else "text",
        links=attachment_links(decoded.text, path, ATTACHMENT_SUFFIXES) if html else [],
    )


def _described(
    path: str, data: bytes, title: str, text: str, date: str | None, *, campaign_title: str | None,
    url: str | None, number_lines: list[str], encoding: str, fmt: str, links: list[str] = (),
    prose: str | None = None, listed: list[dict] = (), note: str | None = None,
) -> Document:
    """A Document with the metadata extracted from its title and text (`prose`: the text without
    table rows, where organizations and themes are looked for; `listed`: organizations from tables)."""
    prose = text if prose is None else prose
    region = find_regions(title, text)
    campaigns = find_campaigns(campaign_title, text)
    year = document_year(title, text, date, [c.year for c in campaigns])
    names = [c.name for c in campaigns]
    listed_names = {org["name"] for org in listed}
    orgs = [org for org in (_organizations(title, prose, names) if prose else []) if org["name"] not in listed_names]
    return Document(
        id=doc_id(path),
        path=path,
        title=title,
        text=text,
        url=url,
        date=date,
        year=year,
        region=region.region,
        district=region.district,
        regions=list(region.regions),
        doc_type=doc_type(title, text),
        doc_number=doc_number(text, number_lines),
        encoding=encoding,
        content_hash=content_hash(data),
        organizations=orgs + list(listed),
        themes=_with_stories(prose, [theme.as_dict() for theme in find_themes(prose, title, year, region.region, names, date)]),
        campaigns=names,
        industries=find_industries(title, prose),
        format=fmt,
        links=list(links),
        note=note,
        signature=signature(text),
        numbers=numbers(text),
    )


def _with_stories(text: str, themes: list[dict]) -> list[dict]:
    """On a multi-story page, each theme with the headline of the story that states it (`story`)."""
    headlines = story_headlines(text) if themes else []
    for theme in themes:
        at = text.find(theme["theme"])
        story = story_at(text, at, headlines) if headlines and at >= 0 else None
        if story:
            theme["story"] = story
    return themes


def attachment_title(path: str) -> str:
    """A title from an attachment's file name: URL-decoded, without its extension and archive prefix."""
    name = posixpath.splitext(unquote(path.rsplit("/", 1)[-1]))[0]
    return _STORED_PREFIX.sub("", name).strip(" _-") or name


def attachment_document(path: str, data: bytes, fmt: str) -> Document:
    """An attachment's Document: its text in reading order, its tables one row per line, the
    organizations its 名单 tables list; NotADocument (excluded) or DocumentError (failed) with the reason."""
    try:
        extracted = read_attachment(data, fmt)
    except AttachmentError as exc:
        raise (NotADocument if exc.status == "excluded" else DocumentError)(str(exc)) from None
    lines: list[str] = []
    for block in extracted.blocks:
        lines.extend(table_lines(block) if isinstance(block, Table) else [block])
    text = normalize_text("\n".join(lines))
    if not text.strip():
        raise NotADocument(_empty_reason(extracted))
    title = normalize_text(extracted.title) if extracted.title else attachment_title(path)
    listed = table_organizations(extracted.tables())
    for org in listed:
        org["in_campaign"] = True  # a 名单 lists who took part in what the attachment is about
    return _described(
        path, data, title, text, find_date([], text), campaign_title=title, url=None, number_lines=[],
        encoding=fmt, fmt=fmt, prose=normalize_text("\n".join(b for b in extracted.blocks if isinstance(b, str))),
        listed=listed, note=_note(extracted),
    )


def _empty_reason(extracted: Extracted) -> str:
    if extracted.pages and extracted.pages_without_text >= extracted.pages - extracted.garbled_pages and extracted.pages_without_text:
        return f"扫描件/无文字层（需要 OCR）：{extracted.pages_without_text} 页均无文字"
    if extracted.garbled_pages:
        return "文字乱码（缺少 ToUnicode 映射等），无法索引"
    return "附件中没有文字"


def _note(extracted: Extracted) -> str | None:
    parts = []
    if extracted.pages_without_text:
        parts.append(f"共 {extracted.pages} 页，其中 {extracted.pages_without_text} 页无文字层（扫描件，未做 OCR）")
    if extracted.garbled_pages:
        parts.append(f"{extracted.garbled_pages} 页文字乱码，未收录")
    return "；".join(parts) or None


def inherit(doc: Document, parent: Document) -> None:
    """Tie an attachment to the page that links it: record the parent, and take its year,
    region and campaigns where the attachment states none."""
    doc.parent = {"id": parent.id, "path": parent.path, "title": parent.title}
    if not doc.year and parent.year:
        doc.year = parent.year
    if not doc.region and parent.region:
        doc.region, doc.district = parent.region, parent.district
        doc.regions = list(dict.fromkeys([*doc.regions, *parent.regions]))
    if not doc.campaigns and parent.campaigns:
        doc.campaigns = list(parent.campaigns)
        for org in doc.organizations:
            org["in_campaign"] = True  # the attachment is about its page's campaign as a whole
