"""The Typesense writer: bring the collection behind the alias up to date with a corpus.

A rebuild (the first run, `--rebuild`, a new pipeline version or layout) writes a new pair of
collections (indexer.backends.typesense.layout) and then points the alias at it, so readers never
see a half-built one; an incremental run upserts changed documents and deletes gone ones by id,
with the content hash and pipeline version kept on each document.
"""
from __future__ import annotations

import json
import secrets
import time
from pathlib import Path
from typing import Iterable, Iterator, Sequence

from indexer import fields as F
from indexer.backends.typesense.client import (
    STATS, CollectionMissing, Http, TypesenseConfig, TypesenseError, docs_collection, export, read_stats, resolve_alias,
)
from indexer.backends.typesense.layout import (
    FACET_CODES, LAYOUT, averages, collection_schema, docs_schema, facet_code, is_current, typesense_document,
)
from indexer.build import (
    BUILDING, BuildReport, Progress, build_one, grouping_state, in_order, plan_attachments, regroup,
    scan_corpus, to_index,
)
from indexer.document import doc_id

IMPORT_BATCH = 500


def _ensure_stats_collection(http: Http) -> None:
    if http.json("GET", f"/collections/{STATS}", ok_missing=True) is None:
        try:
            http.request("POST", "/collections", body={"name": STATS, "fields": [{"name": "generation", "type": "int64"}]}, write=True)
        except TypesenseError as exc:
            if "already exists" not in str(exc):
                raise


def write_stats(http: Http, collection: str) -> dict:
    """Recount a collection's field lengths and bump its generation (readers drop caches)."""
    _ensure_stats_collection(http)
    docs = title = text = 0
    max_seq = -1
    codes: dict[str, str] = {}
    copies = 0
    for row in export(http, collection, ["len_title", "len_text", "seq", "copy"]):
        docs += 1
        title += row.get("len_title", 0)
        text += row.get("len_text", 0)
        max_seq = max(max_seq, row.get("seq", -1))
        copies += row.get("copy", 0)
    for row in export(http, docs_collection(collection), list(FACET_CODES)):
        for field in FACET_CODES:
            values = row.get(field) or []
            for value in [values] if isinstance(values, str) else values:
                codes[str(facet_code(value))] = value
    old = read_stats(http, collection) or {}
    stats = {
        "id": collection, "generation": int(old.get("generation", 0)) + 1, "documents": docs,
        "len_title": title, "len_text": text, "max_seq": max_seq, "pipeline": F.PIPELINE_VERSION,
        "layout": LAYOUT,
        "facet_values": codes,
        "copies": copies,  # near-duplicates shown under another document: searches leave them out
    }
    http.request("POST", f"/collections/{STATS}/documents", params={"action": "upsert"}, body=stats, write=True)
    return stats


def import_documents(http: Http, collection: str, docs: Iterable[tuple[dict, dict]], action: str) -> list[dict]:
    """Import (searched, stored) document pairs in batches, the stored one first; {path, error} of
    each one Typesense refused."""
    refused: list[dict] = []
    batch: list[tuple[dict, dict]] = []

    def send(name: str, items: list[dict]) -> list[dict]:
        body = "\n".join(json.dumps(d, ensure_ascii=False) for d in items).encode("utf-8")
        response = http.request("POST", f"/collections/{name}/documents/import", params={"action": action},
                                content=body, write=True)
        return [json.loads(line) for line in response.text.splitlines()]

    def flush() -> None:
        if not batch:
            return
        stored = send(docs_collection(collection), [kept for _, kept in batch])
        ok = [pair for pair, result in zip(batch, stored) if result.get("success")]
        searched = send(collection, [search for search, _ in ok]) if ok else []
        for (_, kept), result in [*zip(batch, stored), *zip(ok, searched)]:
            if not result.get("success"):
                refused.append({"path": kept.get(F.PATH, kept["id"]), "error": f"Typesense 拒收：{result.get('error', '')[:200]}"})
        batch.clear()

    for doc in docs:
        batch.append(doc)
        if len(batch) >= IMPORT_BATCH:
            flush()
    flush()
    return refused


def delete_ids(http: Http, collection: str, ids: Sequence[str]) -> None:
    """Delete documents by id from a search collection and its stored fields, a few hundred at a time."""
    for i in range(0, len(ids), 200):
        chunk = ids[i : i + 200]
        for name in (collection, docs_collection(collection)):
            http.request("DELETE", f"/collections/{name}/documents", params={"filter_by": f"id:[{','.join(chunk)}]"}, write=True)


def swap_alias(http: Http, alias: str, collection: str) -> str | None:
    """Point the alias at `collection`; the collection it pointed at before, if any."""
    old = resolve_alias(http, alias)
    http.request("PUT", f"/aliases/{alias}", body={"collection_name": collection}, write=True)
    return old


def _analyze_one(item: tuple[str, str, bool, int, float, float, list[str] | None]):
    """A worker's job: one file to (path, replaces, Typesense document or None, failed, excluded)."""
    root, path, replaces, seq, avg_title, avg_text, parent = item
    failed: list[dict] = []
    excluded: list[dict] = []
    doc = build_one(Path(root), path, failed, excluded, parent)
    return path, replaces, (typesense_document(doc, seq, avg_title, avg_text) if doc else None), failed, excluded


def _analyzed(root: Path, plan: list[tuple[str, bool, int]], jobs: int | None, field_averages: tuple[float, float],
              progress: Progress | None, parents: dict[str, list[str]]) -> Iterator[tuple]:
    """`_analyze_one` of each planned (path, replaces, seq), in order, in worker processes when there are enough."""
    items = [(str(root), path, replaces, seq, *field_averages, parents.get(path)) for path, replaces, seq in plan]
    return in_order(_analyze_one, items, jobs, progress, BUILDING)


def build_typesense(corpus: Path, config: TypesenseConfig, rebuild: bool = False, progress: Progress | None = None,
                    jobs: int | None = None) -> BuildReport:
    """Bring the collection behind `config.collection` up to date with the files under `corpus`
    (a new collection swapped in with the alias on the first run, on `rebuild` and when the
    pipeline changed; else upserts and deletes by id)."""
    corpus = Path(corpus)
    report = BuildReport()
    scan = scan_corpus(corpus, report)
    paths = scan.paths
    http = Http(config, timeout=120.0)
    try:
        current = resolve_alias(http, config.collection)
        stats = read_stats(http, current) if current else None
        if current is None or rebuild or not is_current(stats):
            return _full_build(http, corpus, config, paths, report, progress, jobs, averages(stats))
        state, relations = {}, {}
        for row in export(http, docs_collection(current), [F.PATH, F.CONTENT_HASH, F.PIPELINE, F.LINKS, F.PARENT, F.PARENTS_TRIED]):
            if F.PATH in row:
                state[row[F.PATH]] = (row.get(F.CONTENT_HASH, ""), row.get(F.PIPELINE, ""))
                if row.get(F.LINKS) or row.get(F.PARENT) or row.get(F.PARENTS_TRIED):
                    relations[row[F.PATH]] = (row.get(F.LINKS) or [], (row.get(F.PARENT) or {}).get("path"),
                                              row.get(F.PARENTS_TRIED) or [])
        gone = scan.gone(state)
        todo, parents = plan_attachments(corpus, paths, state, relations, to_index(corpus, paths, state, report, progress), report)
        if not todo and not gone:
            report.documents = stats["documents"] if stats else len(state)
            return report
        seq = int((stats or {}).get("max_seq", len(state))) + 1
        plan = [(path, replaces, seq + n) for n, (path, replaces) in enumerate(todo)]
        docs, added = [], []
        for path, replaces, tsdoc, failed, excluded in _analyzed(corpus, plan, jobs, averages(stats), progress, parents):
            report.failed += failed
            report.excluded += excluded
            if tsdoc is not None:
                docs.append(tsdoc)
                added.append((path, replaces))
        refused = import_documents(http, current, docs, "upsert")
        refused_paths = {r["path"] for r in refused}
        report.failed += refused
        report.tally(pair for pair in added if pair[0] not in refused_paths)
        delete_ids(http, current, [doc_id(p) for p in gone])
        report.deleted = len(gone)
        if report.changed == 0:
            report.documents = stats["documents"] if stats else len(state)
            return report  # only files that failed again: nothing changed, readers keep their caches
        _regroup(http, current, report)
        stats = write_stats(http, current)
        report.committed = True
        report.documents = stats["documents"]
        return report
    finally:
        http.close()


def _regroup(http: Http, collection: str, report: BuildReport) -> None:
    """Record near-duplicate groups: the documents whose grouping changed get their `copy` flag and
    stored grouping updated in place (the stats written after count the copies searches leave out)."""
    fields = [F.ID_, F.PATH, F.TITLE, F.DATE, F.SIGNATURE, F.NUMBERS, F.COPY_OF, F.DUPLICATES, F.PARENT]
    entries, current, where = grouping_state(
        {**row, F.ID_: row["id"]} for row in export(http, docs_collection(collection), fields) if F.PATH in row)

    def text_of(ident: str) -> str:
        doc = http.json("GET", f"/collections/{docs_collection(collection)}/documents/{ident}", ok_missing=True)
        return (doc or {}).get(F.TEXT_, "")

    changes = regroup(entries, current, text_of)
    # Only the grouping fields: writing whole documents again read and analyzed their files for
    # nothing and recomputed their tiers with other field averages than the rest of the collection's.
    pairs = [({"id": ident, "copy": 1 if copy_of else 0}, {"id": ident, F.COPY_OF: copy_of, F.DUPLICATES: duplicates})
             for ident, (copy_of, duplicates) in changes.items()]
    for refused in import_documents(http, collection, pairs, "update"):
        refused["path"] = where.get(refused["path"], (refused["path"], None))[0]
        report.failed.append(refused)


def _full_build(http: Http, corpus: Path, config: TypesenseConfig, paths: list[str], report: BuildReport,
                progress: Progress | None, jobs: int | None, field_averages: tuple[float, float]) -> BuildReport:
    """A new collection with every document, swapped in with the alias when complete (`field_averages`:
    field lengths for the tiers, those of the collection being replaced, else the archive's)."""
    name = f"{config.collection}_{time.strftime('%Y%m%d%H%M%S')}_{secrets.token_hex(4)}"
    http.request("POST", "/collections", body=collection_schema(name), write=True)
    try:
        http.request("POST", "/collections", body=docs_schema(docs_collection(name)), write=True)
        todo, parents = plan_attachments(corpus, paths, {}, {}, [(path, False) for path in paths], report)
        plan = [(path, False, seq) for seq, (path, _) in enumerate(todo)]
        added: list[str] = []

        def documents() -> Iterator[dict]:
            for path, _replaces, tsdoc, failed, excluded in _analyzed(corpus, plan, jobs, field_averages, progress, parents):
                report.failed.extend(failed)
                report.excluded.extend(excluded)
                if tsdoc is not None:
                    added.append(path)
                    yield tsdoc

        refused = import_documents(http, name, documents(), "create")
        report.failed.extend(refused)
        report.added = len(added) - len(refused)
        if report.added == 0:
            _drop(http, name)
            current = resolve_alias(http, config.collection)
            report.documents = (read_stats(http, current) or {}).get("documents", 0) if current else 0
            return report
        _regroup(http, name, report)
        stats = write_stats(http, name)
    except BaseException:
        try:
            _drop(http, name)
        except TypesenseError:
            pass
        raise
    old = swap_alias(http, config.collection, name)
    if old and old != name:
        _drop(http, old)
    report.committed = True
    report.documents = stats["documents"]
    return report


def _drop(http: Http, name: str) -> None:
    """Delete a search collection, its stored fields and its stats document."""
    for path in (f"/collections/{name}", f"/collections/{docs_collection(name)}", f"/collections/{STATS}/documents/{name}"):
        http.request("DELETE", path, write=True, ok_missing=True)
