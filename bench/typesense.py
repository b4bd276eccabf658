"""The typesense backend beside the Whoosh one, in the same `make bench` run: 1-node and 3-node
clusters on loopback (indexer.backends.typesense.cluster), the same corpus and committed queries.

For each cluster: import time (`build_typesense`, a rebuild), in-process query latency through
TypesenseStore (snippets and facets included), `qsearch serve --backend typesense` under wrk at
16 clients, the RSS of every node, and the top-10 overlap with the Whoosh backend's answers.
"""
from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

from bench.load import serve_under_load, zipf_log
from bench.measure import percentile, rss_mb


def _args(queries: list[dict]) -> list[dict]:
    return [{k: v for k, v in (("q", q["q"]), ("year", q["year"]), ("region", q["region"])) if v} for q in queries]


def _latency(store, queries: list[dict]) -> dict:
    """Warm in-process latency of every query (one round to warm, one measured)."""
    args = _args(queries)
    for a in args:
        store.search(a)
    ms = []
    for a in args:
        t = time.perf_counter()
        store.search(a)
        ms.append((time.perf_counter() - t) * 1000)
    return {f"p{p}": percentile(ms, p) for p in (50, 95, 99)} | {"max": max(ms)}


def parity(whoosh_index: Path, store, queries: list[dict]) -> dict:
    """Top-10 overlap with the Whoosh backend: mean over all queries, per kind, phrases exact, totals equal."""
    from search_app.backends.whoosh.store import WhooshStore

    whoosh = WhooshStore(whoosh_index)
    kinds: dict[str, list[float]] = {}
    phrases_exact = totals_equal = 0
    try:
        for q, a in zip(queries, _args(queries)):
            x, y = whoosh.search(a, None), store.search(a)
            ids_x, ids_y = [r["id"] for r in x["results"]], [r["id"] for r in y["results"]]
            overlap = len(set(ids_x) & set(ids_y)) / len(ids_x) if ids_x else float(not ids_y)
            kinds.setdefault(q["kind"], []).append(overlap)
            totals_equal += x["total"] == y["total"]
            if q["kind"] == "phrase":
                phrases_exact += ids_x == ids_y and x["total"] == y["total"]
    finally:
        whoosh.close()
    every = [o for v in kinds.values() for o in v]
    return {
        "mean": sum(every) / len(every), "by_kind": {k: sum(v) / len(v) for k, v in kinds.items()},
        "phrases_exact": phrases_exact, "phrases": len(kinds.get("phrase", [])),
        "totals_equal": totals_equal, "queries": len(every),
    }


def typesense_runs(qsearch: str, corpus: Path, whoosh_index: Path, queries: list[dict], work: Path,
                   seconds: int = 60, node_counts: tuple[int, ...] = (1, 3)) -> dict:
    """Measure the typesense backend on 1- and 3-node clusters; {"skipped": why} when it cannot run."""
    from indexer.backends.typesense import cluster as tc
    from indexer.backends.typesense.client import TypesenseConfig
    from indexer.backends.typesense.writer import build_typesense
    from search_app.backends.typesense.store import TypesenseStore

    try:
        tc.server_path()
    except tc.ClusterError as exc:
        return {"skipped": str(exc)}
    out: dict = {}
    for nodes in node_counts:
        data = work / f"typesense-{nodes}"
        shutil.rmtree(data, ignore_errors=True)
        began = time.perf_counter()
        info = tc.start(data, nodes=nodes)
        row: dict = {"start_s": time.perf_counter() - began, "idle_rss_mb": [rss_mb(p) for p in info.pids]}
        try:
            config = TypesenseConfig(tuple(info.nodes), info.api_key)
            began = time.perf_counter()
            report = build_typesense(corpus, config, rebuild=True)
            row["import_s"] = time.perf_counter() - began
            row["documents"] = report.documents
            time.sleep(2)  # followers apply the last writes
            row["loaded_rss_mb"] = [rss_mb(p) for p in info.pids]
            store = TypesenseStore(config)
            try:
                row["queries"] = _latency(store, queries)
                row["parity"] = parity(whoosh_index, store, queries)
            finally:
                store.close()
            env = {**os.environ, "QSEARCH_BACKEND": "typesense", "QSEARCH_TYPESENSE_NODES": ",".join(info.nodes),
                   "QSEARCH_TYPESENSE_API_KEY": info.api_key}
            row["serving"] = serve_under_load(qsearch, whoosh_index, queries, work, seconds=seconds, env=env)
            row["serving_log"] = serve_under_load(qsearch, whoosh_index, queries, work, seconds=seconds, env=env,
                                                  paths=zipf_log(queries), cache=True)
            row["served_rss_mb"] = [rss_mb(p) for p in info.pids]
        finally:
            tc.stop(data)
            shutil.rmtree(data, ignore_errors=True)
        out[f"{nodes}-node"] = row
    return out
