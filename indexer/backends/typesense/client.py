"""Talking to a Typesense cluster: where it is (config), the HTTP client, and the reads both sides share.

The config comes from options or QSEARCH_TYPESENSE_* variables; `Http` fails over between the
nodes; `resolve_alias`, `read_stats` and `export` read what the writer (indexer.backends.typesense.
writer) left: the collection behind the alias, its stats document and its documents.
"""
from __future__ import annotations

import json
import os
import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, Sequence

from indexer.errors import BackendUnavailable, IndexNotFound, QsearchError

COLLECTION = "qsearch"  # the alias readers use; each build is a collection qsearch_<time>
DOCS_SUFFIX = "_docs"  # beside each: qsearch_<time>_docs, its stored fields
STATS = "qsearch_stats"  # one document per collection: field lengths and a generation number
NODES_ENV = "QSEARCH_TYPESENSE_NODES"
API_KEY_ENV = "QSEARCH_TYPESENSE_API_KEY"
API_KEY_FILE_ENV = "QSEARCH_TYPESENSE_API_KEY_FILE"
COLLECTION_ENV = "QSEARCH_TYPESENSE_COLLECTION"  # another alias than COLLECTION (tests, staging)
WRITE_WAIT = 30.0  # seconds a write waits for a leader (an election takes 7-12 s)
_NODE = re.compile(r"^(?:https?://)?([A-Za-z0-9.\-]+|\[[0-9a-fA-F:]+\]):([0-9]{1,5})/?$")


class TypesenseError(BackendUnavailable):
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
        import httpx  # 110 ms to import: not for the Whoosh backend's commands and server

        self.config = config
        self._http = httpx.Client(
            timeout=httpx.Timeout(timeout, connect=1.0), trust_env=False,
            # No gzip: on loopback or a LAN compressing the answers costs the cluster more CPU
            # than the bytes cost (candidates' term frequencies: 1.4 ms per search to inflate here).
            headers={"X-TYPESENSE-API-KEY": config.api_key, "Accept-Encoding": "identity"},
            limits=httpx.Limits(max_connections=32, max_keepalive_connections=16),
        )
        self._transport_error = httpx.TransportError
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
                write: bool = False, ok_missing: bool = False) -> "httpx.Response | None":
        """Send a request to the first node that answers it; None for a 404 when `ok_missing`."""
        deadline = time.monotonic() + (WRITE_WAIT if write else 0)
        last = ""
        while True:
            for i in self._order():
                url = f"http://{self.config.nodes[i]}{path}"
                try:
                    response = self._http.request(method, url, params=params, json=body, content=content)
                except self._transport_error as exc:
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


def docs_collection(collection: str) -> str:
    """The collection of stored fields beside a search collection."""
    return collection + DOCS_SUFFIX


def resolve_alias(http: Http, alias: str = COLLECTION) -> str | None:
    """The collection the alias points at, or None when there is none yet."""
    found = http.json("GET", f"/aliases/{alias}", ok_missing=True)
    return found["collection_name"] if found else None


def read_stats(http: Http, collection: str) -> dict | None:
    """The stats document of a collection (field lengths, documents, generation), or None."""
    return http.json("GET", f"/collections/{STATS}/documents/{collection}", ok_missing=True)


def export(http: Http, collection: str, include: Sequence[str]) -> Iterator[dict]:
    """Every document of a collection, only the `include` fields."""
    response = http.request("GET", f"/collections/{collection}/documents/export", params={"include_fields": ",".join(include)},
                            ok_missing=True)
    if response is None:
        raise CollectionMissing(collection)
    for line in response.text.splitlines():
        if line.strip():
            yield json.loads(line)
