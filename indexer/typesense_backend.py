"""The typesense backend: the same analyzed documents as the Whoosh index, in a Typesense collection.

The indexer analyzes each file once (indexer.document.build_document and the one analyzer of
indexer.segment); `typesense_document` turns that Document into what Typesense stores:

- every stored field the Whoosh index keeps, under the same names (indexer.fields);
- the analyzer's tokens, space-joined, in `title_tok` / `text_tok` (main words in order, so
  that Typesense's phrase search is our phrase search), and every distinct token (sub-words
  included) in `terms` (and the title's in `title_terms`, those of the title only in
  `title_only`), so that a word is matched by an exact filter: no typo tolerance, no prefix,
  no dropped word;
- the words that stand as a sub-word of a longer word (`title_subs` / `text_subs`): the only
  documents where a phrase can match that Typesense's phrase search over main words misses;
- per-field term frequencies and lengths (`tf_title_<b>`, `tf_text_<b>`, `len_title`,
  `len_text`; the frequencies split into TF_BUCKETS strings by word, so that a search reads
  only the buckets of its words), from which the search side computes Whoosh's BM25F exactly
  for the candidates it ranks;
- `ti0` … `ti15` and `tx0` … `tx15`: each distinct token in the tier of its BM25 weight in this
  document, among the title's words (ti) or the words only in the text (tx), so that
  Typesense, asked for one word over a group's fields weighted 0..15, returns the documents
  in about the order of that word's score; the search side takes the head of each order as
  its candidates (typesense_search).

The stored fields (text, organizations, themes …) and the phrase fields live in a second
collection beside each, `<name>_docs`, so that what Typesense reads while it searches stays small.

A rebuild writes a new collection and then points the alias (COLLECTION) at it, so readers
never see a half-built one; an incremental run upserts changed documents and deletes gone
ones by id, with the content hash and pipeline version kept on each document.
"""
from __future__ import annotations

import hashlib
import json
import zlib
import multiprocessing
import os
import re
import secrets
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator, Sequence

import httpx

from indexer import fields as F
from indexer.document import Document
from indexer.errors import CorpusNotFound, IndexNotFound, QsearchError
from indexer.segment import analyze

COLLECTION = "qsearch"  # the alias readers use; each build is a collection qsearch_<time>
DOCS_SUFFIX = "_docs"  # beside each: qsearch_<time>_docs, its stored fields
STATS = "qsearch_stats"  # one document per collection: field lengths and a generation number
TIERS = 16  # tiers per group; Typesense weighs query_by fields 0..15
# Tier field groups: words of the title (their order within a tier: shorter titles first) and
# words found only in the text (shorter texts first). A word is in one tier of one group.
TIER_GROUPS = {"title": "ti", "text": "tx"}
TF_BUCKETS = 8  # term-frequency strings per field: a search reads those of its words only
# What the collections hold and how; a collection of another layout is rebuilt by the next
# index run (the pipeline version covers the analysis, this covers the Typesense side).
LAYOUT = "2"
K1, B = 1.2, 0.75  # Whoosh's BM25F defaults (whoosh.scoring.BM25F)
TITLE_BOOST = 3.0  # indexer.fields: TITLE field_boost
IMPORT_BATCH = 500
NODES_ENV = "QSEARCH_TYPESENSE_NODES"
API_KEY_ENV = "QSEARCH_TYPESENSE_API_KEY"
API_KEY_FILE_ENV = "QSEARCH_TYPESENSE_API_KEY_FILE"
BACKEND_ENV = "QSEARCH_BACKEND"
COLLECTION_ENV = "QSEARCH_TYPESENSE_COLLECTION"  # another alias than COLLECTION (tests, staging)
BACKENDS = ("whoosh", "typesense")
WRITE_WAIT = 30.0  # seconds a write waits for a leader (an election takes 7-12 s)
_NODE = re.compile(r"^(?:https?://)?([A-Za-z0-9.\-]+|\[[0-9a-fA-F:]+\]):([0-9]{1,5})/?$")


class TypesenseError(QsearchError):
    """The Typesense cluster cannot be reached, refused a request, or is not configured."""


class NoCollection(IndexNotFound):
    """The cluster has no collection behind the alias yet (nothing indexed there)."""

    def __init__(self, config: "TypesenseConfig") -> None:
        QsearchError.__init__(
            self, f"Typesense 集群 {config.describe()} 上还没有索引 {config.collection}：请先运行 "
            f"`qsearch index --backend typesense --nodes {config.describe()} --corpus 语料目录` 建立索引。")


class OldLayout(IndexNotFound):
    """The collection behind the alias was written by another version of the indexer."""

    def __init__(self, config: "TypesenseConfig") -> None:
        QsearchError.__init__(
            self, f"Typesense 集群 {config.describe()} 上的索引 {config.collection} 由另一版本的索引程序写入，"
            f"检索程序读不了：请运行 `qsearch index --backend typesense --nodes {config.describe()} --corpus 语料目录` "
            "重建（读者在重建完成前照旧用旧索引会出错，重建完成后自动换用新索引）。")


class CollectionMissing(TypesenseError):
    """A collection was dropped between looking it up and using it (a rebuild swapped in another)."""

    def __init__(self, name: str) -> None:
        super().__init__(f"Typesense 集合 {name} 已不存在（刚被重建替换）：请重试。")


@dataclass(frozen=True)
class TypesenseConfig:
    """Where the cluster is: nodes ("host:port") and the API key."""

    nodes: tuple[str, ...]
    api_key: str
    collection: str = COLLECTION

    def describe(self) -> str:
        """Nodes as a user would write them."""
        return ",".join(self.nodes)


def config_from(nodes: str | None = None, api_key: str | None = None, api_key_file: str | None = None,
                collection: str | None = None) -> TypesenseConfig:
    """A TypesenseConfig from options, falling back to QSEARCH_TYPESENSE_* variables."""
    nodes = nodes or os.environ.get(NODES_ENV, "")
    if not nodes.strip():
        raise TypesenseError(
            f"typesense 后端需要节点地址：请用 --nodes host:port,… 或环境变量 {NODES_ENV} 指定"
            "（本机试用：qsearch cluster start --data DIR 会打印节点地址）。"
        )
    parsed = []
    for node in nodes.split(","):
        node = node.strip()
        if not node:
            continue
        m = _NODE.match(node)
        if not m or not 0 < int(m.group(2)) < 65536:
            raise TypesenseError(f"节点地址 {node[:60]} 无法识别：应写成 host:port，如 127.0.0.1:8108。")
        parsed.append(f"{m.group(1)}:{int(m.group(2))}")
    key = api_key or os.environ.get(API_KEY_ENV)
    key_file = api_key_file or os.environ.get(API_KEY_FILE_ENV)
    if not key and key_file:
        try:
            key = Path(key_file).read_text("utf-8").strip()
        except OSError as exc:
            raise TypesenseError(f"读不了 API 密钥文件 {key_file}：{exc.strerror or exc}") from None
    if not key:
        raise TypesenseError(
            f"typesense 后端需要 API 密钥：请用 --api-key、--api-key-file，或环境变量 {API_KEY_ENV} / {API_KEY_FILE_ENV}"
            "（qsearch cluster start 把密钥存在数据目录的 api-key 文件里）。"
        )
    return TypesenseConfig(tuple(parsed), key, collection or os.environ.get(COLLECTION_ENV) or COLLECTION)


class Http:
    """A small Typesense HTTP client: keep-alive connections, fails over between nodes.

    Reads go to the next node when one refuses or answers 5xx. Writes also wait out an
    election (every node answers 500 while there is no leader) for up to WRITE_WAIT seconds.
    """

    def __init__(self, config: TypesenseConfig, timeout: float = 10.0) -> None:
        self.config = config
        self._http = httpx.Client(
            timeout=httpx.Timeout(timeout, connect=1.0), trust_env=False,
            # No gzip: on loopback or a LAN compressing the answers costs the cluster more CPU
            # than the bytes cost (candidates' term frequencies: 1.4 ms per search to inflate here).
            headers={"X-TYPESENSE-API-KEY": config.api_key, "Accept-Encoding": "identity"},
            limits=httpx.Limits(max_connections=32, max_keepalive_connections=16),
        )
        self._next = 0
        self._down: dict[int, float] = {}  # node -> when it may be tried again

    def close(self) -> None:
        """Close the connections."""
        self._http.close()

    def _order(self) -> list[int]:
        n = len(self.config.nodes)
        start = self._next % n
        self._next += 1
        order = [(start + i) % n for i in range(n)]
        now = time.monotonic()
        return [i for i in order if self._down.get(i, 0) <= now] + [i for i in order if self._down.get(i, 0) > now]

    def request(self, method: str, path: str, params: dict | None = None, body=None, content: bytes | None = None,
                write: bool = False, ok_missing: bool = False) -> httpx.Response | None:
        """Send a request to the first node that answers it; None for a 404 when `ok_missing`."""
        deadline = time.monotonic() + (WRITE_WAIT if write else 0)
        last = ""
        while True:
            for i in self._order():
                url = f"http://{self.config.nodes[i]}{path}"
                try:
                    response = self._http.request(method, url, params=params, json=body, content=content)
                except httpx.TransportError as exc:
                    self._down[i] = time.monotonic() + 2.0
                    last = f"{self.config.nodes[i]}：{type(exc).__name__}"
                    continue
                if response.status_code == 404 and ok_missing:
                    return None
                if response.status_code >= 500 or response.status_code == 503:
                    last = f"{self.config.nodes[i]}：HTTP {response.status_code} {response.text[:200]}"
                    continue
                if response.status_code >= 400:
                    raise TypesenseError(f"Typesense 拒绝了请求 {method} {path}：HTTP {response.status_code} {response.text[:300]}")
                return response
            if time.monotonic() >= deadline:
                raise TypesenseError(
                    f"Typesense 集群（{self.config.describe()}）没有可用的节点：{last}。"
                    "请检查节点是否在运行（qsearch cluster status --data DIR）以及 --nodes 和 API 密钥。"
                )
            time.sleep(0.3)

    def json(self, method: str, path: str, **kwargs):
        """`request` and its JSON body (None for a missing resource with ok_missing)."""
        response = self.request(method, path, **kwargs)
        return None if response is None else response.json()


# ---------------------------------------------------------------------------- documents


def _bm25_part(tf: float, length: int, avg: float) -> float:
    return (tf * (K1 + 1)) / (tf + K1 * ((1 - B) + B * length / avg))


def _field_tokens(text: str) -> tuple[Counter, int, list[str], set[str]]:
    """(term frequencies with sub-words, field length as Whoosh counts it, main words in order,
    the words that stand as a sub-word of a longer word)."""
    toks = analyze(text, index_mode=True)
    counts = Counter(t.text for t in toks)
    main: list[str] = []
    at: list[str] = []  # the tokens at the current position
    subs: set[str] = set()
    last = -1
    for tok in toks:  # sub-words come first at a position, the main word last
        if tok.pos != last:
            subs.update(at[:-1])
            main.append(tok.text)
            at = [tok.text]
            last = tok.pos
        else:
            main[-1] = tok.text
            at.append(tok.text)
    subs.update(at[:-1])
    return counts, len(toks), main, subs


def tf_bucket(word: str) -> int:
    """The term-frequency string a word's count is kept in (stable across processes)."""
    return zlib.crc32(word.encode("utf-8")) % TF_BUCKETS


def _tf_strings(prefix: str, counts: Counter) -> dict[str, str]:
    """Term frequencies as "\\nword\\tcount" lines, one string per bucket that has any."""
    lines: dict[int, list[str]] = {}
    for w, n in counts.items():
        lines.setdefault(tf_bucket(w), []).append(f"\n{w}\t{n}")
    return {f"{prefix}_{b}": "".join(parts) + "\n" for b, parts in sorted(lines.items())}


def _tier(impact: float, least: float, most: float) -> int:
    return max(0, min(TIERS - 1, int((impact - least) / (most - least) * TIERS)))


def tier_fields(group: str) -> list[str]:
    """The tier fields of a group ("title" or "text"), lowest tier first."""
    return [f"{TIER_GROUPS[group]}{k}" for k in range(TIERS)]


# Average field lengths for the tiers when no collection has any yet (the news archive's).
DEFAULT_AVERAGES = (12.7, 285.0)


def facet_code(value: str) -> int:
    """The int64 a facet value is counted under: Typesense 0.24 counts integer facets about three
    times faster than string ones (regions of 4,000 matches: 3 vs 8 ms); the stats document
    maps codes back to values."""
    return int.from_bytes(hashlib.blake2b(value.encode("utf-8"), digest_size=8).digest(), "big") >> 1


# Facet fields: the stored value list -> its code field.
FACET_CODES = {F.REGIONS: "region_codes", F.DOC_TYPE: "doc_type_codes", F.CAMPAIGNS: "campaign_codes"}


def date_rank(date: str | None) -> int:
    """A sortable integer for an ISO date (newer is larger), -1 without one."""
    digits = (date or "").replace("-", "")
    return int(digits) if digits.isdigit() and len(digits) == 8 else -1


def docs_collection(collection: str) -> str:
    """The collection of stored fields beside a search collection."""
    return collection + DOCS_SUFFIX


def typesense_document(doc: Document, seq: int, avg_title: float = DEFAULT_AVERAGES[0],
                       avg_text: float = DEFAULT_AVERAGES[1]) -> tuple[dict, dict]:
    """The two Typesense documents of an analyzed Document (`seq`: its order, for ties): the one
    searched (tokens, tiers, frequencies, facet codes) and the one of stored fields and phrases."""
    stored = doc.fields()
    title_tf, title_len, title_main, title_subs = _field_tokens(doc.title)
    text_tf, text_len, text_main, text_subs = _field_tokens(doc.text)
    tiers: dict[str, list[list[str]]] = {group: [[] for _ in range(TIERS)] for group in TIER_GROUPS}
    for word in title_tf.keys() | text_tf.keys():
        impact = _bm25_part(text_tf[word], text_len, avg_text) if word in text_tf else 0.0
        if word in title_tf:
            impact += _bm25_part(title_tf[word] * TITLE_BOOST, title_len, avg_title)
            # A title word weighs at least about 0.8 (the boost saturates it even in a
            # 50-word title) and at most both fields saturated (K1 + 1 each).
            tiers["title"][_tier(impact, 0.8, 2 * (K1 + 1))].append(word)
        else:
            tiers["text"][_tier(impact, 0.0, K1 + 1)].append(word)
    kept = {
        **stored,
        "seq": seq,
        F.REGIONS: list(doc.regions),
        F.CAMPAIGNS: list(doc.campaigns),
        "title_tok": " ".join(title_main),
        "text_tok": " ".join(text_main),
    }
    kept.pop(F.ORG_NAMES, None)
    out = {
        "id": doc.id,
        "seq": seq,
        F.YEAR: doc.year or 0,
        F.ORG_NAMES: [n for n in (stored.get(F.ORG_NAMES) or "").split(",") if n],
        "date_rank": date_rank(doc.date),
        # Every distinct token of title and text: a query word is the filter `terms:=[word]`,
        # which needs no brackets (Typesense 0.24 refuses a filter of more than about 25 pairs).
        "terms": sorted(title_tf.keys() | text_tf.keys()),
        # The text's own terms are not kept: a text frequency is `terms` less `title_only`,
        # and the smaller document is cheaper for Typesense to read (it reads one per hit and
        # per facet value it returns).
        "title_terms": sorted(title_tf),
        "title_only": sorted(title_tf.keys() - text_tf.keys()),
        "title_subs": sorted(title_subs),
        "text_subs": sorted(text_subs),
        **_tf_strings("tf_title", title_tf),
        **_tf_strings("tf_text", text_tf),
        "len_title": title_len,
        "len_text": text_len,
        # The order inside a title tier: shorter titles first, then shorter texts.
        "title_key": title_len * 1_000_000 + min(text_len, 999_999),
    }
    for field, codes in FACET_CODES.items():
        values = kept.get(field) or []
        out[codes] = [facet_code(v) for v in ([values] if isinstance(values, str) else values)]
    for group, levels in tiers.items():
        for name, words in zip(tier_fields(group), levels):
            if words:
                # A leading filler word: no tier field ever equals a query word on its own, which
                # Typesense would rank above the tier order (its exact-match bonus).
                out[name] = "qsearchtier " + " ".join(words)
    if not doc.year:
        del out[F.YEAR]
    return out, kept


def collection_schema(name: str) -> dict:
    """The schema of a collection: only what is searched, filtered, faceted or sorted on
    (Typesense keeps every other field of a document as given)."""
    def field(fname: str, ftype: str, **extra) -> dict:
        return {"name": fname, "type": ftype, "optional": True, **extra}

    return {
        "name": name,
        "fields": [
            {"name": "seq", "type": "int32"},
            {"name": "date_rank", "type": "int64"},
            {"name": "title_key", "type": "int64"},
            {"name": "len_text", "type": "int32"},
            field(F.YEAR, "int32", facet=True),
            *(field(codes, "int64[]", facet=True) for codes in FACET_CODES.values()),
            field(F.ORG_NAMES, "string[]"),
            field("terms", "string[]"),
            field("title_terms", "string[]"),
            field("title_only", "string[]"),
            field("title_subs", "string[]"),
            field("text_subs", "string[]"),
            *(field(name, "string") for group in TIER_GROUPS for name in tier_fields(group)),
        ],
        "default_sorting_field": "seq",
        # Our tokens are already cut: split on spaces only, keep every symbol inside a token.
        "token_separators": [],
    }


def docs_schema(name: str) -> dict:
    """The schema of the stored-fields collection: phrases are searched there (main words in order).

    Kept apart from the searched collection so that the documents Typesense reads while it
    searches stay small: 0.24 reads a whole document for every hit and for every facet value
    it returns, and with the text beside the tokens the region facet alone cost 17 ms of CPU."""
    return {
        "name": name,
        "fields": [
            {"name": "seq", "type": "int32"},
            {"name": F.PATH, "type": "string", "optional": True},
            {"name": "title_tok", "type": "string", "optional": True},
            {"name": "text_tok", "type": "string", "optional": True},
        ],
        "default_sorting_field": "seq",
        "token_separators": [],
    }


# ---------------------------------------------------------------------------- collections


def resolve_alias(http: Http, alias: str = COLLECTION) -> str | None:
    """The collection the alias points at, or None when there is none yet."""
    found = http.json("GET", f"/aliases/{alias}", ok_missing=True)
    return found["collection_name"] if found else None


def read_stats(http: Http, collection: str) -> dict | None:
    """The stats document of a collection (field lengths, documents, generation), or None."""
    return http.json("GET", f"/collections/{STATS}/documents/{collection}", ok_missing=True)


def _ensure_stats_collection(http: Http) -> None:
    if http.json("GET", f"/collections/{STATS}", ok_missing=True) is None:
        try:
            http.request("POST", "/collections", body={"name": STATS, "fields": [{"name": "generation", "type": "int64"}]}, write=True)
        except TypesenseError as exc:
            if "already exists" not in str(exc):
                raise


def export(http: Http, collection: str, include: Sequence[str]) -> Iterator[dict]:
    """Every document of a collection, only the `include` fields."""
    response = http.request("GET", f"/collections/{collection}/documents/export", params={"include_fields": ",".join(include)},
                            ok_missing=True)
    if response is None:
        raise CollectionMissing(collection)
    for line in response.text.splitlines():
        if line.strip():
            yield json.loads(line)


def write_stats(http: Http, collection: str) -> dict:
    """Recount a collection's field lengths and bump its generation (readers drop caches)."""
    _ensure_stats_collection(http)
    docs = title = text = 0
    max_seq = -1
    codes: dict[str, str] = {}
    for row in export(http, collection, ["len_title", "len_text", "seq"]):
        docs += 1
        title += row.get("len_title", 0)
        text += row.get("len_text", 0)
        max_seq = max(max_seq, row.get("seq", -1))
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


# ---------------------------------------------------------------------------- building


def _analyze_one(item: tuple[str, str, bool, int, float, float]):
    """A worker's job: one file to (path, replaces, Typesense document or None, failed, excluded)."""
    from indexer.index import _build_one

    root, path, replaces, seq, avg_title, avg_text = item
    failed: list[dict] = []
    excluded: list[dict] = []
    doc = _build_one(Path(root), path, failed, excluded)
    return path, replaces, (typesense_document(doc, seq, avg_title, avg_text) if doc else None), failed, excluded


def _init_worker(parent: int) -> None:
    from indexer.index import _die_with_parent

    _die_with_parent(parent, None)


def _analyzed(root: Path, todo: list[tuple[str, bool, int]], jobs: int, averages: tuple[float, float], progress, phase: str):
    """Analyze files, in worker processes when there are enough; yields `_analyze_one` results in order."""
    from indexer.index import PARALLEL_MIN, PROGRESS_EVERY, _start_method, default_jobs

    items = [(str(root), path, replaces, seq, *averages) for path, replaces, seq in todo]
    if jobs is None:
        jobs = default_jobs() if len(items) >= PARALLEL_MIN else 1
    if jobs <= 1 or len(items) < 2:
        results = map(_analyze_one, items)
        pool = None
    else:
        ctx = multiprocessing.get_context(_start_method())
        pool = ctx.Pool(jobs, initializer=_init_worker, initargs=(os.getpid(),))
        results = pool.imap(_analyze_one, items, chunksize=32)
    try:
        for done, result in enumerate(results, 1):
            if progress and done % PROGRESS_EVERY == 0:
                progress(phase, done, len(items))
            yield result
        if progress:
            progress(phase, len(items), len(items))
    finally:
        if pool is not None:
            pool.terminate()
            pool.join()


def build_typesense(corpus: Path, config: TypesenseConfig, rebuild: bool = False, progress=None, jobs: int | None = None):
    """Bring the collection behind `config.collection` up to date with the files under `corpus`
    (a new collection swapped in with the alias on the first run, on `rebuild` and when the
    pipeline changed; else upserts and deletes by id). Returns an indexer.index.BuildReport."""
    from indexer.index import BUILDING, BuildReport, _to_index
    from indexer.document import doc_id
    from indexer.parse import is_indexable, walk_corpus

    corpus = Path(corpus)
    if not corpus.is_dir():
        raise CorpusNotFound(str(corpus))
    report = BuildReport()
    paths: list[str] = []
    walk = walk_corpus(corpus)
    for path in walk:
        (paths if is_indexable(path) else report.skipped).append(path)
    report.failed.extend(walk.problems)
    http = Http(config, timeout=120.0)
    try:
        current = resolve_alias(http, config.collection)
        stats = read_stats(http, current) if current else None
        if current is None or rebuild or not is_current(stats):
            return _full_build(http, corpus, config, paths, report, progress, jobs, _averages(stats))
        hidden = tuple("" if d == "." else d + "/" for d in walk.unreadable_dirs)
        state = {row[F.PATH]: (row.get(F.CONTENT_HASH, ""), row.get(F.PIPELINE, ""))
                 for row in export(http, docs_collection(current), [F.PATH, F.CONTENT_HASH, F.PIPELINE]) if F.PATH in row}
        present = set(paths)
        gone = [p for p in state if p not in present and not p.startswith(hidden)]
        todo = _to_index(corpus, paths, state, report, progress)
        if not todo and not gone:
            report.documents = stats["documents"] if stats else len(state)
            return report
        averages = _averages(stats)
        seq = int((stats or {}).get("max_seq", len(state))) + 1
        plan = [(path, replaces, seq + n) for n, (path, replaces) in enumerate(todo)]
        docs, added = [], []
        for path, replaces, tsdoc, failed, excluded in _analyzed(corpus, plan, jobs, averages, progress, BUILDING):
            report.failed += failed
            report.excluded += excluded
            if tsdoc is not None:
                docs.append(tsdoc)
                added.append((path, replaces))
        refused = import_documents(http, current, docs, "upsert")
        refused_paths = {r["path"] for r in refused}
        report.failed += refused
        for path, replaces in added:
            if path not in refused_paths:
                if replaces:
                    report.updated += 1
                else:
                    report.added += 1
        delete_ids(http, current, [doc_id(p) for p in gone])
        report.deleted = len(gone)
        if report.added + report.updated + report.deleted == 0:
            report.documents = stats["documents"] if stats else len(state)
            return report  # only files that failed again: nothing changed, readers keep their caches
        stats = write_stats(http, current)
        report.committed = True
        report.documents = stats["documents"]
        return report
    finally:
        http.close()


def is_current(stats: dict | None) -> bool:
    """True when a collection was written by this pipeline version in this layout."""
    return bool(stats) and stats.get("pipeline") == F.PIPELINE_VERSION and stats.get("layout") == LAYOUT


def _averages(stats: dict | None) -> tuple[float, float]:
    if not stats or not stats.get("documents"):
        return DEFAULT_AVERAGES
    n = stats["documents"]
    return max(1.0, stats["len_title"] / n), max(1.0, stats["len_text"] / n)


def _full_build(http: Http, corpus: Path, config: TypesenseConfig, paths: list[str], report, progress, jobs,
                averages: tuple[float, float]) -> object:
    """A new collection with every document, swapped in with the alias when complete (`averages`:
    field lengths for the tiers, those of the collection being replaced, else the archive's)."""
    from indexer.index import BUILDING

    name = f"{config.collection}_{time.strftime('%Y%m%d%H%M%S')}_{secrets.token_hex(4)}"
    http.request("POST", "/collections", body=collection_schema(name), write=True)
    try:
        http.request("POST", "/collections", body=docs_schema(docs_collection(name)), write=True)
        plan = [(path, False, seq) for seq, path in enumerate(paths)]
        added: list[str] = []

        def documents() -> Iterator[dict]:
            for path, _replaces, tsdoc, failed, excluded in _analyzed(corpus, plan, jobs, averages, progress, BUILDING):
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
