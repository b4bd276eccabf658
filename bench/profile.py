"""The build stage by stage (issue 24): per-page time of each step of the analysis, measured in one
process over a sample of the corpus, then the index writes of the same pages.

Each step is timed where the document builder calls it (its name in indexer.document), so the figures
add up to the analysis a build does per page; `segment` is the analyzer the Whoosh writer runs on
title and text, and `index writes` a Whoosh build of the sample less its analysis.

    .venv/bin/python -m bench.profile [--corpus DIR] [--pages 2000]
"""
from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import indexer.document as D
from indexer.errors import DocumentError
from indexer.parse import is_indexable, walk_corpus
from indexer.segment import index_positions

DEFAULT_CORPUS = Path(tempfile.gettempdir()) / "qsearch-bench" / "corpus"
# The builder's steps, by the names indexer.document calls them.
STEPS = ("decode", "clean_html", "clean_plain", "normalize_text", "text_title", "find_date", "fallback_date",
         "find_regions", "find_campaigns", "document_year", "doc_type", "doc_number", "find_organizations",
         "campaign_passages", "find_themes", "story_headlines", "attachment_links", "signature", "numbers", "sniff")


def sample(corpus: Path, pages: int) -> list[str]:
    """Every n-th indexable file of the corpus, `pages` of them: all years and kinds of page."""
    paths = [p for p in walk_corpus(corpus) if is_indexable(p)]
    return paths[:: max(1, len(paths) // pages)][:pages]


def profile(corpus: Path, pages: int) -> tuple[dict[str, float], int, float, float]:
    """Seconds per step over the sample, pages analyzed, analysis and segmentation seconds."""
    spent: dict[str, float] = defaultdict(float)
    originals = {name: getattr(D, name) for name in STEPS if hasattr(D, name)}

    def timed(name, func):
        def run(*args, **kwargs):
            start = time.perf_counter()
            try:
                return func(*args, **kwargs)
            finally:
                spent[name] += time.perf_counter() - start
        return run

    paths = sample(corpus, pages)
    docs = []
    for name, func in originals.items():
        setattr(D, name, timed(name, func))
    try:
        start = time.perf_counter()
        for path in paths:
            data = (corpus / path).read_bytes()
            try:
                docs.append(D.build_document(path, data))
            except DocumentError:
                continue
        total = time.perf_counter() - start
    finally:
        for name, func in originals.items():
            setattr(D, name, func)
    start = time.perf_counter()
    for doc in docs:  # what the writer's text fields run (their postings are made from it)
        index_positions(doc.title or "")
        index_positions(doc.text)
    segment = time.perf_counter() - start
    return dict(spent), len(paths), total, segment


def write_cost(corpus: Path, pages: int) -> float:
    """Seconds of a one-process Whoosh build of the same sample."""
    from indexer.backends.whoosh.writer import build_index

    work = Path(tempfile.mkdtemp(prefix="qsearch-profile-"))
    try:
        copy = work / "corpus"
        copy.mkdir()
        for path in sample(corpus, pages):
            target = copy / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes((corpus / path).read_bytes())
        start = time.perf_counter()
        build_index(copy, work / "index", jobs=1)
        return time.perf_counter() - start
    finally:
        shutil.rmtree(work, ignore_errors=True)


def report(spent: dict[str, float], pages: int, total: float, segment: float, build: float) -> str:
    """The stage table, slowest first, in ms per page and share of the build."""
    lines = [f"# Build profile (`python -m bench.profile`), {pages} pages, one process", "",
             "| stage | ms per page | share of the build |", "| --- | --- | --- |"]
    rows = sorted(spent.items(), key=lambda kv: -kv[1])
    accounted = sum(spent.values())
    for name, seconds in rows:
        lines.append(f"| {name} | {seconds / pages * 1000:.2f} | {seconds / build:.0%} |")
    lines.append(f"| (rest of the document builder) | {(total - accounted) / pages * 1000:.2f} | {(total - accounted) / build:.0%} |")
    lines.append(f"| segment (the writer's analyzer) | {segment / pages * 1000:.2f} | {segment / build:.0%} |")
    writes = build - total - segment
    lines.append(f"| index writes and the rest of the build | {writes / pages * 1000:.2f} | {writes / build:.0%} |")
    lines += ["", f"Whole build of the sample: {build:.1f} s ({build / pages * 1000:.1f} ms per page).", ""]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--pages", type=int, default=2000)
    parser.add_argument("--report", type=Path)
    opts = parser.parse_args(argv)
    if not opts.corpus.is_dir():
        print(f"没有找到语料 {opts.corpus}：先运行 `make bench`（它会解开新闻归档），或用 --corpus 指定。", file=sys.stderr)
        return 2
    spent, pages, total, segment = profile(opts.corpus, opts.pages)
    text = report(spent, pages, total, segment, write_cost(opts.corpus, opts.pages))
    print(text)
    if opts.report:
        opts.report.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
