"""What an incremental run plans from: each indexed file's content hash, pipeline version and links.

Reading them from the stored fields decompresses every document (0.8 s of a 1.7 s unchanged re-run
on the news archive), so the writer saves them after each commit in a file named after the index
version they describe, as facets.py does the facet table; a run on that version loads the file,
any other reads the stored fields (and saves what it read for the next run).
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

from indexer import fields as F
from indexer.backends.whoosh.facets import read_versioned, reader_key, write_versioned
from indexer.backends.whoosh.internals import latest_generation

FILE_PREFIX = "qsearch-state-"
FORMAT = 1

# path -> (content hash, pipeline version); path -> (attachment links, parent path, parent pages tried)
State = dict[str, tuple[str, str]]
Relations = dict[str, tuple]


class Collector:
    """Gathers the state of the documents whose stored fields pass through it."""

    def __init__(self) -> None:
        self.state: State = {}
        self.relations: Relations = {}

    def add(self, stored: dict) -> None:
        """Record one document's stored fields."""
        path = stored[F.PATH]
        self.state[path] = (stored.get(F.CONTENT_HASH, ""), stored.get(F.PIPELINE, ""))
        links, parent, tried = stored.get(F.LINKS) or [], stored.get(F.PARENT), stored.get(F.PARENTS_TRIED) or []
        if links or parent or tried:
            self.relations[path] = (links, parent["path"] if parent else None, tried)
        else:
            self.relations.pop(path, None)

    def feed(self, all_stored: Iterable[dict]) -> Iterator[dict]:
        """Pass `all_stored` on, recording each document on the way."""
        for stored in all_stored:
            self.add(stored)
            yield stored


def load(index_dir: Path, key: tuple) -> tuple[State, Relations] | None:
    """The saved state of index version `key`, None when there is none (or it is unreadable)."""
    data = read_versioned(index_dir, FILE_PREFIX, key, FORMAT)
    if data is None:
        return None
    try:
        state = {path: (row[0], row[1]) for path, row in data["state"].items()}
        relations = {path: (row[0], row[1], row[2]) for path, row in data["relations"].items()}
    except (KeyError, TypeError, IndexError, AttributeError):  # a file not written by save
        return None
    return state, relations


def save(index_dir: Path, key: tuple, state: State, relations: Relations) -> None:
    """Save the state of index version `key` (and remove older ones); a failure only costs the next
    run a read of the stored fields."""
    try:
        write_versioned(index_dir, FILE_PREFIX, key, FORMAT, {
            "state": {path: list(row) for path, row in state.items()},
            "relations": {path: list(row) for path, row in relations.items()}})
    except OSError:
        pass


def indexed_state(index_dir: Path, reader) -> tuple[State, Relations]:
    """The state of the index version `reader` sees (it is closed): from its saved file when there
    is one, else from the stored fields, then saved (unless another run committed meanwhile: its
    version's file is the one to keep)."""
    with reader:
        key, generation = reader_key(reader), reader.generation()
        found = load(index_dir, key)
        if found is not None:
            return found
        collect = Collector()
        for _ in collect.feed(reader.all_stored_fields()):
            pass
    if latest_generation(Path(index_dir)) == generation:
        save(index_dir, key, collect.state, collect.relations)
    return collect.state, collect.relations
