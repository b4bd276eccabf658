"""Reference engines for the benchmark: tantivy and SQLite FTS5 fed our analyzed tokens.

Both index the benchmark's tokens file (JSON lines: id, title, text, year, regions,
doc_type; title and text are our analyzer's tokens joined by single spaces) with a
tokenizer that splits on whitespace only, so each of our tokens is one term with
consecutive positions, exactly as written. Queries are cut by our own analyzer, so
the terms asked for are the terms indexed.

- tantivy: title and text use the whitespace tokenizer (registered as "ws", no
  filters) and are stored; year is an indexed fast i64 field; regions and doc_type are
  multi-valued "raw" strings. BM25, title clauses boosted 3; filters score nothing.
- FTS5: `fts5(title, text)` with `unicode61 remove_diacritics 0 categories '…'`: every
  category but separators and controls is a token character, so only whitespace splits
  (plain unicode61 cuts 75.3% into 75 and 3). year and regions live in ordinary tables
  (`meta`, `regions`) looked up by rowid for each match (faster here than a join, an
  IN list or UNINDEXED columns); ranking bm25(fts, 3.0, 1.0), set as the table's
  default rank so `ORDER BY rank LIMIT 10` is done inside FTS5 and snippet() runs for
  the ten rows returned only.

Query text: space-separated parts ANDed; a plain part that cuts into several words
(`query_words`) ANDs them; a part in "…" (or “…”) of two or more words is an exact
phrase. A word or phrase may match in title or text. Filters: year is exact; a region
matches when a stored region is the value, or the value with 省/市/自治区 added or
removed (上海 ~ 上海市). A timed query includes cutting its text.

Phrases: the tokens file is the index-mode stream, where a long word follows its
dictionary sub-words, each on a position of its own (习近平总书记 -> 习近平 书记 总书记),
while our Whoosh index puts sub-words on their word's position. So a phrase is asked as
the index-mode tokens of its text; its query words alone would miss every document
where a word after the first has sub-words. It still misses a document where a phrase
word is only a sub-word of a longer word (专家提醒 in 气象专家提醒), which Whoosh finds.

Run: python bench/references.py TOKENS.jsonl QUERIES.tsv [--workdir DIR] [--no-snippets]
"""
from __future__ import annotations

import argparse
import json
import math
import re
import shutil
import sqlite3
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any, Callable, Iterator

from indexer.normalize import fold
from indexer.segment import analyze, query_words

TANTIVY_DIR = "tantivy"
FTS5_FILE = "fts5.sqlite"
WHITESPACE = "ws"
WRITER_HEAP = 256_000_000
TITLE_BOOST = 3.0
SNIPPET_CHARS = 160  # tantivy: chars of the space-joined token text (the app's snippets: 160 chars)
FTS5_SNIPPET_TOKENS = 48  # FTS5 counts tokens; ~48 tokens of ~2 chars + spaces is about 160 chars
# Every category but separators (Z*) and control characters (Cc: tab, newline) is a token character.
FTS5_TOKENIZE = "unicode61 remove_diacritics 0 categories 'L* N* M* P* S* Co Cf Cn Cs'"
REGION_SUFFIXES = ("省", "市", "自治区")
MB = 1024 * 1024  # index_mb is in MiB
_PART = re.compile(r'"([^"]*)"|“([^”]*)”|(\S+)')

Clause = tuple[str, list[str]]  # ("phrase" | "word", words)


def load_queries(path: Path) -> list[dict]:
    """Queries from a TSV with header kind, q, year, region (no quoting: q may hold "…")."""
    lines = Path(path).read_text(encoding="utf-8-sig").splitlines()
    header = lines[0].split("\t")
    queries = []
    for line in lines[1:]:
        if not line.strip():
            continue
        cells = line.split("\t")
        cells += [""] * (len(header) - len(cells))
        queries.append({name: cells[i].strip() for i, name in enumerate(header)})
    return queries


def read_tokens(path: Path) -> Iterator[dict]:
    """The documents of a tokens file, one dict per JSON line."""
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.strip():
                yield json.loads(line)


def parse_query(q: str) -> list[Clause]:
    """Clauses of a query: a phrase per quoted part, a word per word of a plain part."""
    clauses: list[Clause] = []
    for m in _PART.finditer(q or ""):
        phrase = m.group(1) if m.group(1) is not None else m.group(2)
        if phrase is not None:
            words = query_words(phrase)
            if len(words) > 1:  # the tokens as the stream has them (see the module doc)
                clauses.append(("phrase", [t.text for t in analyze(phrase, index_mode=True)]))
            elif words:
                clauses.append(("word", words))
        else:
            clauses += [("word", [w]) for w in query_words(m.group(3).replace('"', " "))]
    return clauses


def region_values(region: str) -> list[str]:
    """Stored region strings that a region filter value matches (上海 ~ 上海市)."""
    value = fold(region.strip())
    base = value
    for suffix in REGION_SUFFIXES:
        if value.endswith(suffix) and len(value) - len(suffix) >= 2:
            base = value[: -len(suffix)]
            break
    return list(dict.fromkeys([value, base, *(base + s for s in REGION_SUFFIXES)]))


def _year(value: Any) -> int | None:
    text = str(value or "").strip()
    return int(text) if text else None


def _dir_mb(path: Path) -> float:
    files = [path] if path.is_file() else [p for p in path.rglob("*") if p.is_file()]
    return round(sum(p.stat().st_size for p in files) / MB, 2)


def _percentile(sorted_ms: list[float], pct: float) -> float:
    rank = max(1, math.ceil(pct / 100 * len(sorted_ms)))
    return sorted_ms[rank - 1]


def _timed(queries: list[dict], run: Callable[[dict], int]) -> dict:
    """One warm-up pass, then one timed pass; `run` returns the hit count."""
    for query in queries:
        run(query)
    times: list[float] = []
    zero_hit = 0
    for query in queries:
        start = time.perf_counter()
        hits = run(query)
        times.append((time.perf_counter() - start) * 1000)
        zero_hit += hits == 0
    times.sort()
    if not times:
        return {"p50_ms": 0.0, "p95_ms": 0.0, "p99_ms": 0.0, "mean_ms": 0.0, "queries": 0, "zero_hit": 0}
    return {
        "p50_ms": round(_percentile(times, 50), 3),
        "p95_ms": round(_percentile(times, 95), 3),
        "p99_ms": round(_percentile(times, 99), 3),
        "mean_ms": round(statistics.fmean(times), 3),
        "queries": len(times),
        "zero_hit": zero_hit,
    }


# ---------------------------------------------------------------- tantivy


def _tantivy() -> Any:
    try:
        import tantivy
    except ImportError as exc:
        raise RuntimeError("tantivy is not installed: pip install '.[bench]'") from exc
    return tantivy


def _register_whitespace(tantivy: Any, index: Any) -> None:
    index.register_tokenizer(WHITESPACE, tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.whitespace()).build())


def build_tantivy(tokens_path: Path, workdir: Path) -> dict:
    """Index the tokens file with tantivy under workdir/tantivy; time, docs, size."""
    tantivy = _tantivy()
    path = Path(workdir) / TANTIVY_DIR
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True)
    builder = tantivy.SchemaBuilder()
    builder.add_text_field("id", stored=True, tokenizer_name="raw", index_option="basic")
    builder.add_text_field("title", stored=True, tokenizer_name=WHITESPACE)
    builder.add_text_field("text", stored=True, tokenizer_name=WHITESPACE)
    builder.add_integer_field("year", indexed=True, fast=True)
    builder.add_text_field("regions", tokenizer_name="raw", index_option="basic")
    builder.add_text_field("doc_type", tokenizer_name="raw", index_option="basic")
    start = time.perf_counter()
    index = tantivy.Index(builder.build(), path=str(path), reuse=False)
    _register_whitespace(tantivy, index)
    writer = index.writer(heap_size=WRITER_HEAP)
    docs = 0
    for row in read_tokens(tokens_path):
        doc = tantivy.Document()
        doc.add_text("id", row["id"])
        doc.add_text("title", row.get("title") or "")
        doc.add_text("text", row.get("text") or "")
        if row.get("year") is not None:
            doc.add_integer("year", int(row["year"]))
        for region in row.get("regions") or []:
            doc.add_text("regions", region)
        if row.get("doc_type"):
            doc.add_text("doc_type", row["doc_type"])
        writer.add_document(doc)
        docs += 1
    writer.commit()
    writer.wait_merging_threads()
    seconds = time.perf_counter() - start
    return {"seconds": round(seconds, 3), "docs": docs, "index_mb": _dir_mb(path)}


def _tantivy_query(tantivy: Any, schema: Any, query: dict) -> Any:
    Q, Occur = tantivy.Query, tantivy.Occur
    must = []
    for kind, words in parse_query(query.get("q", "")):
        for group in ([words] if kind == "phrase" else [[w] for w in words]):
            per_field = {
                field: Q.phrase_query(schema, field, group) if len(group) > 1 else Q.term_query(schema, field, group[0])
                for field in ("title", "text")
            }
            title = Q.boost_query(per_field["title"], TITLE_BOOST)
            must.append(Q.boolean_query([(Occur.Should, title), (Occur.Should, per_field["text"])]))
    if not must:
        must.append(Q.all_query())
    year = _year(query.get("year"))
    if year is not None:
        must.append(Q.const_score_query(Q.term_query(schema, "year", year), 0.0))
    if (query.get("region") or "").strip():
        regions = Q.term_set_query(schema, "regions", region_values(query["region"]))
        must.append(Q.const_score_query(regions, 0.0))
    return must[0] if len(must) == 1 else Q.boolean_query([(Occur.Must, q) for q in must])


def query_tantivy(workdir: Path, queries: list[dict], snippets: bool = True) -> dict:
    """Time the queries on workdir/tantivy: top 10 by BM25, hit count, text snippets."""
    tantivy = _tantivy()
    index = tantivy.Index.open(str(Path(workdir) / TANTIVY_DIR))
    _register_whitespace(tantivy, index)
    index.reload()
    searcher = index.searcher()
    schema = index.schema

    def run(query: dict) -> int:
        q = _tantivy_query(tantivy, schema, query)
        result = searcher.search(q, 10)
        if snippets and result.hits:
            generator = tantivy.SnippetGenerator.create(searcher, q, schema, "text")
            generator.set_max_num_chars(SNIPPET_CHARS)
            for _score, address in result.hits:
                generator.snippet_from_doc(searcher.doc(address)).to_html()
        return result.count

    return _timed(queries, run)


# ---------------------------------------------------------------- SQLite FTS5


def _fts5_quote(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def _sql_str(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def build_fts5(tokens_path: Path, workdir: Path) -> dict:
    """Index the tokens file with SQLite FTS5 in workdir/fts5.sqlite; time, docs, size."""
    path = Path(workdir) / FTS5_FILE
    Path(workdir).mkdir(parents=True, exist_ok=True)
    for stale in (path, path.with_name(path.name + "-journal")):
        stale.unlink(missing_ok=True)
    start = time.perf_counter()
    con = sqlite3.connect(path, isolation_level=None)
    try:
        con.execute(f"CREATE VIRTUAL TABLE fts USING fts5(title, text, tokenize={_sql_str(FTS5_TOKENIZE)})")
        con.execute("INSERT INTO fts(fts, rank) VALUES('rank', 'bm25(3.0, 1.0)')")
        con.execute("CREATE TABLE meta(rowid INTEGER PRIMARY KEY, id TEXT, year INTEGER, doc_type TEXT)")
        con.execute("CREATE TABLE regions(docid INTEGER, region TEXT, PRIMARY KEY(docid, region)) WITHOUT ROWID")
        con.execute("BEGIN")
        docs = 0
        for row in read_tokens(tokens_path):
            docs += 1
            con.execute("INSERT INTO fts(rowid, title, text) VALUES(?, ?, ?)", (docs, row.get("title") or "", row.get("text") or ""))
            con.execute("INSERT INTO meta VALUES(?, ?, ?, ?)", (docs, row["id"], row.get("year"), row.get("doc_type")))
            con.executemany("INSERT OR IGNORE INTO regions VALUES(?, ?)", [(docs, r) for r in row.get("regions") or []])
        con.execute("COMMIT")
    finally:
        con.close()
    seconds = time.perf_counter() - start
    return {"seconds": round(seconds, 3), "docs": docs, "index_mb": _dir_mb(path)}


def _fts5_sql(query: dict) -> tuple[str, str, list]:
    """FROM/WHERE clause, MATCH expression and parameters for one query."""
    parts = []
    for kind, words in parse_query(query.get("q", "")):
        parts += [_fts5_quote(" ".join(words))] if kind == "phrase" else [_fts5_quote(w) for w in words]
    match = " AND ".join(parts)
    where, params = [], []
    if match:
        where.append("fts MATCH ?")
        params.append(match)
    # Filters as correlated look-ups by rowid, for each full-text match: a join or a
    # `rowid IN (…)` lets the planner run MATCH once per filtered rowid (30x slower at p95).
    year = _year(query.get("year"))
    if year is not None:
        where.append("(SELECT year FROM meta WHERE meta.rowid = fts.rowid) = ?")
        params.append(year)
    if (query.get("region") or "").strip():
        values = region_values(query["region"])
        marks = ",".join("?" * len(values))
        where.append(f"EXISTS (SELECT 1 FROM regions WHERE docid = fts.rowid AND region IN ({marks}))")
        params += values
    sql = "FROM fts" + (" WHERE " + " AND ".join(where) if where else "")
    return sql, match, params


def query_fts5(workdir: Path, queries: list[dict], snippets: bool = True) -> dict:
    """Time the queries on workdir/fts5.sqlite: top 10 by bm25, COUNT, text snippets."""
    con = sqlite3.connect((Path(workdir) / FTS5_FILE).resolve().as_uri() + "?mode=ro", uri=True)
    snippet = f"snippet(fts, 1, '<b>', '</b>', '…', {FTS5_SNIPPET_TOKENS})" if snippets else "NULL"
    opening = f"substr(text, 1, {SNIPPET_CHARS})" if snippets else "NULL"

    def run(query: dict) -> int:
        sql, match, params = _fts5_sql(query)
        if match:
            top = f"SELECT fts.rowid, {snippet} {sql} ORDER BY rank LIMIT 10"
        else:  # no words: the filters alone, nothing to rank or highlight
            top = f"SELECT fts.rowid, {opening} {sql} LIMIT 10"
        con.execute(top, params).fetchall()
        return con.execute(f"SELECT count(*) {sql}", params).fetchone()[0]

    try:
        return _timed(queries, run)
    finally:
        con.close()


# ---------------------------------------------------------------- manual use


def main(argv: list[str] | None = None) -> None:
    """Build both reference indexes from a tokens file and time a query file on them."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("tokens", type=Path, help="tokens file (JSON lines)")
    parser.add_argument("queries", type=Path, help="queries TSV: kind, q, year, region")
    parser.add_argument("--workdir", type=Path, help="where the indexes go (default: a temporary folder)")
    parser.add_argument("--no-snippets", action="store_true", help="time queries without snippets")
    args = parser.parse_args(argv)
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="references-"))
    queries = load_queries(args.queries)
    for name, build, query in (("fts5", build_fts5, query_fts5), ("tantivy", build_tantivy, query_tantivy)):
        try:
            print(name, "build", build(args.tokens, workdir), flush=True)
        except RuntimeError as exc:
            print(name, "skipped:", exc)
            continue
        print(name, "query", query(workdir, queries, snippets=not args.no_snippets), flush=True)
    print("indexes in", workdir)


if __name__ == "__main__":
    main()
