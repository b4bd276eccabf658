"""The backends an index can live in, and the one place that picks one.

- `whoosh` (the default): an index folder on this machine (indexer.backends.whoosh);
- `typesense`: a Typesense cluster, fed the same analyzed documents (indexer.backends.typesense).

`target` resolves the options or environment variables (QSEARCH_BACKEND, QSEARCH_INDEX,
QSEARCH_TYPESENSE_*) into a Target, `build` brings that index up to date with a corpus; the
web app makes its reader for a Target (search_app.store.make_store).
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from indexer.backends.typesense.client import TypesenseConfig, config_from

if TYPE_CHECKING:  # the build machinery is imported when a build runs: `qsearch serve` starts without it
    from indexer.build import BuildReport, Progress

BACKENDS = ("whoosh", "typesense")
BACKEND_ENV = "QSEARCH_BACKEND"
INDEX_ENV = "QSEARCH_INDEX"
DEFAULT_INDEX = "index"


@dataclass(frozen=True)
class Target:
    """Where an index lives: a Whoosh index folder, or a Typesense cluster and its alias."""

    backend: str
    index_dir: Path
    typesense: TypesenseConfig | None = None


def target(backend: str | None = None, index_dir: Path | str | None = None, nodes: str | None = None,
           api_key: str | None = None, api_key_file: str | Path | None = None) -> Target:
    """The index the options name, falling back to the QSEARCH_* variables; a TypesenseError (a QsearchError)
    when the typesense backend lacks its nodes or key, a ValueError for an unknown backend."""
    backend = backend or os.environ.get(BACKEND_ENV) or "whoosh"
    if backend not in BACKENDS:
        raise ValueError(f"未知的后端 {backend[:40]}：只能是 {' 或 '.join(BACKENDS)}")
    folder = Path(index_dir or os.environ.get(INDEX_ENV) or DEFAULT_INDEX)
    if backend == "typesense":
        return Target(backend, folder, config_from(nodes, api_key, str(api_key_file) if api_key_file else None))
    return Target(backend, folder)


def typesense_target(config: TypesenseConfig, index_dir: Path | str = DEFAULT_INDEX) -> Target:
    """A Target on a Typesense cluster already configured."""
    return Target("typesense", Path(index_dir), config)


def build(corpus: Path, where: Target, rebuild: bool = False, progress: Progress | None = None,
          jobs: int | None = None) -> BuildReport:
    """Bring the index at `where` up to date with the files under `corpus`."""
    if where.backend == "typesense":
        from indexer.backends.typesense.writer import build_typesense

        return build_typesense(corpus, where.typesense, rebuild=rebuild, progress=progress, jobs=jobs)
    from indexer.backends.whoosh.writer import build_index

    return build_index(corpus, where.index_dir, rebuild=rebuild, progress=progress, jobs=jobs)
