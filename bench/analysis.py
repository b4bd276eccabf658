"""The analysis floor: read + decode + clean + extract + segment every file, no index writes.

Runs with the same number of worker processes as the index build, and writes the analyzed
tokens (JSON lines) that the reference engines index, so they get the very same analysis.
"""
from __future__ import annotations

import json
import multiprocessing
import os
import time
from pathlib import Path

from indexer.document import build_document
from indexer.errors import DocumentError
from indexer.parse import is_indexable, walk_corpus
from indexer.segment import analyze

_ROOT: Path | None = None


def _init(root: str) -> None:
    global _ROOT
    _ROOT = Path(root)


def _one(path: str) -> str | None:
    """One file analyzed as the indexer analyzes it, as a JSON line (None when unusable)."""
    try:
        doc = build_document(path, (_ROOT / path).read_bytes())
    except (DocumentError, OSError):
        return None
    return json.dumps(
        {
            "id": doc.id,
            "title": " ".join(t.text for t in analyze(doc.title, index_mode=True)),
            "text": " ".join(t.text for t in analyze(doc.text, index_mode=True)),
            "year": doc.year,
            "regions": doc.regions,
            "doc_type": doc.doc_type,
        },
        ensure_ascii=False,
    )


def analyze_corpus(corpus: Path, tokens_out: Path, jobs: int | None = None) -> dict:
    """Analyze every indexable file of `corpus`; returns seconds, files, docs, input MB."""
    started = time.perf_counter()
    paths = [p for p in walk_corpus(corpus) if is_indexable(p)]
    size = sum((corpus / p).stat().st_size for p in paths)
    docs = 0
    with multiprocessing.get_context("fork").Pool(jobs or os.cpu_count(), _init, (str(corpus),)) as pool, tokens_out.open(
        "w", encoding="utf-8"
    ) as out:
        for line in pool.imap(_one, paths, chunksize=64):
            if line is not None:
                out.write(line + "\n")
                docs += 1
    return {"seconds": time.perf_counter() - started, "files": len(paths), "docs": docs, "input_mb": size / 1e6}
