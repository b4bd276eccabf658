"""The plain reference build (issue 24): read each file with lxml, segment with rjieba, write tantivy.

What a minimal full-text indexer of the same archive costs on this machine: lxml parses the page
(its own encoding detection), the text of <title> and <body> less script/style, rjieba cuts it in
search mode, tantivy indexes the words (whitespace tokenizer) with the title stored. No cleaning,
extraction, normalization or facets: the floor our build is compared with. Run with the same number
of processes as our build, the analysis in a pool and one tantivy writer in the parent.

    .venv/bin/python -m bench.plain CORPUS [--jobs N]
"""
from __future__ import annotations

import argparse
import multiprocessing
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

import lxml.html
import rjieba
import tantivy

from indexer.parse import is_indexable, walk_corpus

WRITER_HEAP = 256_000_000
_ROOT: Path | None = None
_JIEBA: rjieba.Jieba | None = None  # jieba's own dictionary: our segmenter adds domain words to rjieba's default


def _init(root: str) -> None:
    global _ROOT
    _ROOT = Path(root)


def _jieba() -> rjieba.Jieba:
    """A stock jieba, loaded once per process before the clock starts (inherited by forked workers)."""
    global _JIEBA
    if _JIEBA is None:
        _JIEBA = rjieba.Jieba()
    return _JIEBA


def analyze_page(path: str) -> tuple[str, str, str] | None:
    """(path, title words, body words) of one page, words joined by spaces; None when unreadable."""
    try:
        data = (_ROOT / path).read_bytes()
        tree = lxml.html.fromstring(data)
    except (OSError, ValueError, lxml.etree.ParserError):
        return None
    for bad in tree.xpath("//script|//style"):
        bad.drop_tree()
    title = " ".join(tree.xpath("//title//text()"))
    body = tree.find("body")
    text = (body if body is not None else tree).text_content()
    jieba = _jieba()
    return path, " ".join(jieba.cut_for_search(title)), " ".join(jieba.cut_for_search(text))


def build(corpus: Path, out: Path, jobs: int) -> dict:
    """Index every indexable file of `corpus` into a tantivy index at `out`; seconds and documents."""
    _jieba()
    started = time.perf_counter()
    builder = tantivy.SchemaBuilder()
    builder.add_text_field("path", stored=True, tokenizer_name="raw")
    builder.add_text_field("title", stored=True, tokenizer_name="whitespace")
    builder.add_text_field("text", stored=False, tokenizer_name="whitespace")
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    index = tantivy.Index(builder.build(), path=str(out))
    writer = index.writer(WRITER_HEAP, 1)
    paths = [p for p in walk_corpus(corpus) if is_indexable(p)]
    docs = 0
    pool = multiprocessing.get_context("fork").Pool(jobs, _init, (str(corpus),)) if jobs > 1 else None
    _init(str(corpus))
    try:
        rows = pool.imap(analyze_page, paths, chunksize=64) if pool else map(analyze_page, paths)
        for row in rows:
            if row is None:
                continue
            writer.add_document(tantivy.Document(path=row[0], title=row[1], text=row[2]))
            docs += 1
        writer.commit()
        writer.wait_merging_threads()
    finally:
        if pool:
            pool.close()
            pool.join()
    return {"seconds": time.perf_counter() - started, "files": len(paths), "docs": docs, "jobs": jobs}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", type=Path)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    opts = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="qsearch-plain-"))
    try:
        result = build(opts.corpus, work / "tantivy", opts.jobs)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"plain lxml + rjieba + tantivy, {result['jobs']} process(es): {result['docs']:,} documents of "
          f"{result['files']:,} files in {result['seconds']:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
