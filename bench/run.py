"""`make bench`: build, query, serving and growth benchmarks on the real archive; writes docs/benchmarks.md.

    .venv/bin/python -m bench.run [--archive ../shared/data/cctv_news_html.tar.xz | --corpus DIR]
                                  [--work DIR] [--out docs/benchmarks.md] [--quick]

Everything runs against real files: the archive is unpacked once into the work directory,
indexes are built there by `qsearch index` in its own process, the server is `qsearch serve`
loaded by wrk from another process. `--quick` shortens the load test and skips 4x growth.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tarfile
import tempfile
import time
from pathlib import Path

from bench import plain, references
from bench.analysis import analyze_corpus
from bench.load import serve_under_load, zipf_log
from bench.measure import dir_mb, machine, percentile, run
from bench.report import write_report
from bench.typesense import typesense_runs

ROOT = Path(__file__).resolve().parent.parent
QUERIES = ROOT / "bench" / "queries.tsv"
DEFAULT_ARCHIVE = ROOT.parent / "shared" / "data" / "cctv_news_html.tar.xz"


def say(message: str) -> None:
    """Progress on stderr, with the time."""
    print(time.strftime("%H:%M:%S"), message, file=sys.stderr, flush=True)


def unpack(archive: Path, work: Path) -> Path:
    """The archive's pages in work/archive (unpacked once, reused afterwards)."""
    target = work / "archive"
    done = target / ".unpacked"
    if done.exists():
        return target
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True)
    say(f"unpacking {archive} …")
    with tarfile.open(archive, "r:xz") as tar:
        for member in tar:
            if member.isfile():
                name = Path(member.name).name
                (target / name).write_bytes(tar.extractfile(member).read())
    done.touch()
    return target


def _link(path: Path, target: Path) -> None:
    """A hard link to a source page (a copy across file systems): the indexer refuses symlinks
    that point outside the corpus, as it must for a user's folder."""
    try:
        os.link(path, target)
    except OSError:
        shutil.copyfile(path, target)


def subset(source: Path, target: Path, count: int) -> Path:
    """`count` pages spread evenly over the archive, as hard links."""
    files = sorted(p for p in source.iterdir() if p.is_file() and not p.name.startswith("."))
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True)
    step = max(1, len(files) // count)
    for path in files[::step][:count]:
        _link(path, target / path.name)
    return target


def replicate(source: Path, target: Path, times: int) -> Path:
    """The archive `times` over, each copy under its own folder (new paths, so new ids)."""
    shutil.rmtree(target, ignore_errors=True)
    files = sorted(p for p in source.iterdir() if p.is_file() and not p.name.startswith("."))
    for n in range(times):
        folder = target / f"copy{n}"
        folder.mkdir(parents=True)
        for path in files:
            _link(path, folder / path.name)
    return target


def qsearch() -> str:
    """The qsearch command of this virtualenv."""
    return str(Path(sys.executable).with_name("qsearch"))


def build(corpus: Path, index: Path, rebuild: bool = True) -> dict:
    """`qsearch index` in its own process: wall time, peak RSS of its process tree, its report."""
    cmd = [qsearch(), "index", "--corpus", str(corpus), "--index", str(index), "--json"]
    result = run(cmd + (["--rebuild"] if rebuild else []))
    report = json.loads(result.stdout)
    return {
        "seconds": result.seconds,
        "peak_rss_mb": result.peak_total_mb,
        "peak_rss_one_mb": result.peak_one_mb,
        "documents": report["documents"],
        "added": report["added"],
        "updated": report["updated"],
        "deleted": report["deleted"],
        "unchanged": report["unchanged"],
        "failed": len(report["failed"]),
        "index_mb": dir_mb(index),
    }


def query_latency(index: Path, queries: list[dict]) -> dict:
    """In-process latency of each query (10 results with snippets, facets): cold and warm."""
    from search_app.backends.whoosh.doctable import CACHE
    from search_app.backends.whoosh.postings import ARRAYS
    from search_app.backends.whoosh.store import WhooshStore

    args = [{k: v for k, v in (("q", q["q"]), ("year", q["year"]), ("region", q["region"])) if v} for q in queries]
    store = WhooshStore(index)
    try:
        with store.searcher():
            pass  # the index and a searcher open, as before a first request
        CACHE.clear()
        ARRAYS.clear()
        started = time.perf_counter()
        store.search({"q": "质量"})
        first = time.perf_counter() - started  # includes reading the facet table once
        cold, warm, empty = [], [], 0
        for a in args:
            CACHE.clear_terms()  # no posting sets or arrays from earlier queries
            ARRAYS.clear_terms()
            t = time.perf_counter()
            out = store.search(a)
            cold.append((time.perf_counter() - t) * 1000)
            empty += out["total"] == 0
        for a in args:
            store.search(a)  # every word of the set decoded once, as in a running server
        for a in args:
            t = time.perf_counter()
            store.search(a)
            warm.append((time.perf_counter() - t) * 1000)
    finally:
        store.close()
    summary = lambda ms: {f"p{p}": percentile(ms, p) for p in (50, 95, 99)} | {"max": max(ms)}  # noqa: E731
    return {"queries": len(args), "zero_hit": empty, "first_query_s": first, "cold": summary(cold), "warm": summary(warm)}


def add_pages(archive_dir: Path, corpus: Path, index: Path, count: int = 100) -> dict:
    """Incremental runs: `count` new pages added, then removed again."""
    new = corpus / "incoming"
    new.mkdir(exist_ok=True)
    files = sorted(p for p in archive_dir.iterdir() if p.is_file() and not p.name.startswith("."))
    for path in files[:: max(1, len(files) // count)][:count]:
        (new / f"new-{path.name}").write_bytes(path.read_bytes() + b"\n<!-- re-posted -->")
    added = build(corpus, index, rebuild=False)
    shutil.rmtree(new)
    removed = build(corpus, index, rebuild=False)
    return {"added": added, "removed": removed}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--archive", type=Path, default=DEFAULT_ARCHIVE)
    parser.add_argument("--corpus", type=Path, help="a corpus directory instead of the archive")
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "qsearch-bench")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "benchmarks.md")
    parser.add_argument("--quick", action="store_true", help="20 s of load, no 4x growth step")
    parser.add_argument("--typesense-only", type=Path, metavar="RESULTS",
                        help="only the typesense section, merged into an earlier results.json (needs its index)")
    opts = parser.parse_args(argv)

    if opts.corpus is None and not opts.archive.exists():
        print(f"没有找到归档 {opts.archive}：请把 ../shared 放在项目旁边，或用 --corpus 指定语料目录。", file=sys.stderr)
        return 2
    work = opts.work
    work.mkdir(parents=True, exist_ok=True)
    source = opts.corpus.resolve() if opts.corpus else unpack(opts.archive, work)
    # The measured corpus: links to the source pages, so that pages can be added and removed.
    corpus = subset(source, work / "corpus", 10**9)
    queries = references.load_queries(QUERIES)
    if opts.typesense_only:
        results = json.loads(opts.typesense_only.read_text(encoding="utf-8"))
        say("typesense backend (1 and 3 nodes) …")
        results["typesense"] = typesense_runs(qsearch(), corpus, work / "index", queries, work, seconds=20 if opts.quick else 60)
        opts.typesense_only.write_text(json.dumps(results, ensure_ascii=False, indent=2), encoding="utf-8")
        write_report(results, opts.out)
        say(f"wrote {opts.out}")
        return 0
    results: dict = {"machine": machine(), "started": time.strftime("%Y-%m-%d %H:%M"), "source": str(opts.corpus or opts.archive)}

    index = work / "index"
    say("full build …")
    results["build"] = build(corpus, index)
    results["build"]["input_mb"] = sum(p.stat().st_size for p in source.iterdir() if p.is_file()) / 1e6
    results["build"]["files"] = sum(1 for p in corpus.iterdir())
    say(f"  {results['build']['seconds']:.1f} s")
    say("plain reference: lxml + rjieba + tantivy, one process and one per core (issue 24) …")
    results["plain"] = {str(jobs): plain.build(corpus, work / "plain-tantivy", jobs) for jobs in (1, os.cpu_count() or 1)}
    shutil.rmtree(work / "plain-tantivy", ignore_errors=True)
    say("unchanged re-run …")
    results["unchanged"] = build(corpus, index, rebuild=False)
    say("adding and removing 100 pages …")
    results["incremental"] = add_pages(source, corpus, index)
    say("analysis floor (no index writes) …")
    tokens = work / "tokens.jsonl"
    results["analysis"] = analyze_corpus(corpus, tokens)
    say("queries in process …")
    results["queries"] = query_latency(index, queries)
    say("serving under load: unique queries (no response cache) …")
    results["serving"] = serve_under_load(qsearch(), index, queries, work, seconds=20 if opts.quick else 60)
    say("serving under load: a Zipf query log (response cache on) …")
    results["serving_log"] = serve_under_load(qsearch(), index, queries, work, seconds=20 if opts.quick else 60,
                                              paths=zipf_log(queries), cache=True)
    say("references …")
    results["references"] = reference_runs(tokens, queries, work)
    say("typesense backend (1 and 3 nodes) …")
    results["typesense"] = typesense_runs(qsearch(), corpus, index, queries, work, seconds=20 if opts.quick else 60)

    say("growth …")
    growth = []
    for label, count in (("1k", 1000), ("5k", 5000)):
        part = subset(source, work / f"corpus-{label}", count)
        growth.append(_growth_row(label, part, work / f"index-{label}", queries))
    growth.append({"label": "archive", "files": results["build"]["files"], **_row_from(results["build"], results["queries"])})
    if not opts.quick:
        big = replicate(source, work / "corpus-4x", 4)
        growth.append(_growth_row("4x archive", big, work / "index-4x", queries))
        shutil.rmtree(work / "index-4x", ignore_errors=True)
    results["growth"] = growth
    (work / "results.json").write_text(json.dumps(results, ensure_ascii=False, indent=2), encoding="utf-8")
    write_report(results, opts.out)
    say(f"wrote {opts.out}")
    return 0


def _row_from(built: dict, latency: dict) -> dict:
    return {
        "documents": built["documents"],
        "build_s": built["seconds"],
        "peak_rss_mb": built["peak_rss_mb"],
        "index_mb": built["index_mb"],
        "cold_p95_ms": latency["cold"]["p95"],
        "warm_p95_ms": latency["warm"]["p95"],
    }


def _growth_row(label: str, corpus: Path, index: Path, queries: list[dict]) -> dict:
    say(f"  {label} …")
    built = build(corpus, index)
    latency = query_latency(index, queries)
    files = sum(1 for p in corpus.rglob("*") if p.is_file() or p.is_symlink())
    return {"label": label, "files": files, **_row_from(built, latency)}


def reference_runs(tokens: Path, queries: list[dict], work: Path) -> dict:
    """tantivy and SQLite FTS5 over the same tokens (each engine skipped, with the reason, when unavailable)."""
    out = {}
    for name, build_fn, query_fn in (
        ("tantivy", references.build_tantivy, references.query_tantivy),
        ("fts5", references.build_fts5, references.query_fts5),
    ):
        folder = work / f"ref-{name}"
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir()
        try:
            built = build_fn(tokens, folder)
            out[name] = {"build": built, "queries": query_fn(folder, queries, snippets=True)}
        except RuntimeError as exc:
            out[name] = {"skipped": str(exc)}
    return out


if __name__ == "__main__":
    sys.exit(main())
