"""The facet table kept in the index: each document's year, date, type, regions and campaigns.

The server counts facets and sorts by date from these columns. Reading them from Whoosh takes a
pass over every posting of three fields (about 0.3 s on the news archive, and every server worker
did it before answering), so the writer saves them after each commit in a file named after the
index version they describe; a reader of that version loads the file, any other builds its own.
The writer keeps its planning state the same way (state.py: read_versioned, write_versioned).
"""
from __future__ import annotations

import hashlib
import json
import weakref
from pathlib import Path

from whoosh.searching import Searcher

from indexer import fields as F
from indexer.filestate import write_json

FILE_PREFIX = "qsearch-facets-"
FORMAT = 1


def reader_key(reader) -> tuple:
    """Identifies what an index reader sees: its segments and their deletions."""
    return tuple((leaf.segment().segment_id(), leaf.segment().deleted_count()) for leaf, _ in reader.leaf_readers())


_KEYS: "weakref.WeakKeyDictionary[Searcher, tuple]" = weakref.WeakKeyDictionary()


def version_key(searcher: Searcher) -> tuple:
    """Identifies what a searcher sees: its segments and their deletions (fixed for the searcher's
    life, so computed once: a search asks for it dozens of times)."""
    key = _KEYS.get(searcher)
    if key is None:
        key = _KEYS[searcher] = reader_key(searcher.reader())
    return key


def versioned_name(prefix: str, key: tuple) -> str:
    """The name of a file kept for one index version."""
    digest = hashlib.blake2b(json.dumps([list(k) for k in key]).encode("ascii"), digest_size=12).hexdigest()
    return f"{prefix}{digest}.json"


def read_versioned(index_dir: Path, prefix: str, key: tuple, format_: int) -> dict | None:
    """The file kept for index version `key` (as write_versioned wrote it), None when it is missing,
    unreadable, of another format or of another version."""
    try:
        data = json.loads((Path(index_dir) / versioned_name(prefix, key)).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("format") != format_ or data.get("version") != [list(k) for k in key]:
        return None
    return data


def write_versioned(index_dir: Path, prefix: str, key: tuple, format_: int, data: dict) -> None:
    """Write `data` as the file kept for index version `key`, and remove the other versions' files."""
    index_dir = Path(index_dir)
    name = versioned_name(prefix, key)
    write_json(index_dir / name, {"format": format_, "version": [list(k) for k in key], **data})
    for old in index_dir.glob(f"{prefix}*.json"):
        if old.name != name:
            old.unlink(missing_ok=True)


def file_name(key: tuple) -> str:
    """The facet file of one index version."""
    return versioned_name(FILE_PREFIX, key)


def _term_values(searcher: Searcher, field: str, size: int) -> list[list[str]]:
    """The terms of `field` each document has, from the postings (one pass per term)."""
    values: list[list[str]] = [[] for _ in range(size)]
    reader = searcher.reader()
    if field not in reader.indexed_field_names():
        return values
    for term in reader.field_terms(field):
        for docnum in searcher.postings(field, term).all_ids():
            values[docnum].append(term)
    return values


def _column(reader, field: str) -> list:
    """A sortable field's value for every document, segment by segment: a segment whose
    documents all lack the field has no column at all (a dateless notice added on its own),
    and a multi-segment column reader would then be short by that segment's documents."""
    values: list = []
    for leaf, _offset in reader.leaf_readers():
        if leaf.has_column(field):
            values.extend(leaf.column_reader(field))
        else:
            values.extend([None] * leaf.doc_count_all())
    return values


def facet_columns(searcher: Searcher) -> dict[str, list]:
    """year, date, doc_type, regions and campaigns of every document number, read from the index."""
    reader = searcher.reader()
    size = reader.doc_count_all()
    return {
        "year": [int(v or 0) for v in _column(reader, F.YEAR)],
        "date": [str(v or "") for v in _column(reader, F.DATE)],
        "doc_type": [(vals[0] if vals else None) for vals in _term_values(searcher, F.DOC_TYPE, size)],
        "regions": _term_values(searcher, F.REGIONS, size),
        "campaigns": _term_values(searcher, F.CAMPAIGNS, size),
    }


def load_columns(index_dir: Path, key: tuple) -> dict[str, list] | None:
    """The saved facet columns of index version `key`, None when there are none (or unreadable)."""
    data = read_versioned(index_dir, FILE_PREFIX, key, FORMAT)
    return data["columns"] if data is not None else None


def save_facets(index_dir: Path) -> bool:
    """Write the facet file of the index's current version (and remove older ones); False when it
    was there already."""
    from whoosh import index as windex

    index_dir = Path(index_dir)
    ix = windex.open_dir(str(index_dir))
    with ix.searcher() as searcher:
        key = version_key(searcher)
        name = file_name(key)
        if (index_dir / name).exists():
            return False
        columns = facet_columns(searcher)
    write_versioned(index_dir, FILE_PREFIX, key, FORMAT, {"columns": columns})
    return True
