"""Serving under load: `qsearch serve` in its own process, wrk on loopback rotating through the query set."""
from __future__ import annotations

import json
import re
import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlencode

from bench.measure import Sampler, tree_rss

_LUA = """
local paths = {}
for line in io.lines("%s") do paths[#paths + 1] = line end
local i = 0
local threads = {}
setup = function(thread) table.insert(threads, thread) end
init = function(args) hits = 0 end
request = function()
  i = i %% #paths + 1
  return wrk.format("GET", paths[i])
end
response = function(status, headers, body)
  if headers["X-Cache"] == "hit" then hits = hits + 1 end
end
done = function(summary, latency, requests)
  local h = 0
  for _, t in ipairs(threads) do h = h + t:get("hits") end
  io.write(string.format("JSON{\\"hits\\":%%d,\\"requests\\":%%d,\\"seconds\\":%%.3f,\\"non2xx\\":%%d,\\"connect\\":%%d,\\"read\\":%%d,\\"write\\":%%d,\\"timeout\\":%%d,\\"p50\\":%%.3f,\\"p95\\":%%.3f,\\"p99\\":%%.3f,\\"max\\":%%.3f}\\n",
    h, summary.requests, summary.duration / 1e6, summary.errors.status, summary.errors.connect, summary.errors.read,
    summary.errors.write, summary.errors.timeout, latency:percentile(50) / 1000, latency:percentile(95) / 1000,
    latency:percentile(99) / 1000, latency.max / 1000))
end
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            response.read()
            return response.status
    except (urllib.error.URLError, ConnectionError, OSError):
        return 0


def api_paths(queries: list[dict]) -> list[str]:
    """The /api/search request path of each benchmark query."""
    paths = []
    for q in queries:
        params = {k: v for k, v in (("q", q["q"]), ("year", q["year"]), ("region", q["region"])) if v}
        paths.append("/api/search?" + urlencode(params))
    return paths


def zipf_log(queries: list[dict], requests: int = 20_000, s: float = 1.0, seed: int = 11) -> list[str]:
    """A realistic query log: the committed queries replayed with a Zipf distribution (exponent s);
    which query is the most popular is shuffled with a fixed seed, so that no kind dominates."""
    import random

    rng = random.Random(seed)
    paths = api_paths(queries)
    rng.shuffle(paths)
    weights = [1 / (rank ** s) for rank in range(1, len(paths) + 1)]
    return rng.choices(paths, weights=weights, k=requests)


def serve_under_load(qsearch: str, index_dir: Path, queries: list[dict], workdir: Path, seconds: int = 60, clients: int = 16,
                     env: dict | None = None, paths: list[str] | None = None, cache: bool = False) -> dict:
    """Start the server, time its first answer, load it with wrk, sample its memory.

    `env`: the server's environment (e.g. QSEARCH_BACKEND=typesense and its nodes); `paths`: the
    requests to replay (default: the committed queries in turn); `cache`: keep the response cache
    on (off by default, so that every request is a search: the "unique queries" load)."""
    import os

    env = dict(env if env is not None else os.environ)
    if not cache:
        env["QSEARCH_RESPONSE_CACHE"] = "0"
    wrk = shutil.which("wrk")
    if wrk is None:
        return {"skipped": "wrk is not installed (apt-get install wrk)"}
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    paths_file = workdir / "paths.txt"
    paths_file.write_text("\n".join(paths or api_paths(queries)) + "\n", encoding="utf-8")
    script = workdir / "rotate.lua"
    script.write_text(_LUA % paths_file, encoding="utf-8")
    started = time.perf_counter()
    server = subprocess.Popen(
        [qsearch, "serve", "--index", str(index_dir), "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=env,
    )
    try:
        first = None
        while time.perf_counter() - started < 60:
            if _get(base + "/api/search?q=%E8%B4%A8%E9%87%8F") == 200:
                first = time.perf_counter() - started
                break
            time.sleep(0.02)
        if first is None:
            raise RuntimeError("the server did not answer within 60 s")
        idle_total, idle_each = tree_rss(server.pid)
        sampler = Sampler(server.pid, every=0.5)
        out = subprocess.run(
            [wrk, "-t1", f"-c{clients}", f"-d{seconds}s", "--timeout", "10s", "-s", str(script), base],
            capture_output=True, text=True, check=True,
        ).stdout
        sampler.stop()
        stats = json.loads(re.search(r"^JSON(\{.*\})$", out, re.M).group(1))
        workers = len(idle_each) - 1
        return {
            "first_answer_s": first,
            "clients": clients,
            "seconds": stats["seconds"],
            "requests": stats["requests"],
            "rps": stats["requests"] / stats["seconds"],
            "p50_ms": stats["p50"], "p95_ms": stats["p95"], "p99_ms": stats["p99"], "max_ms": stats["max"],
            "errors": stats["non2xx"] + stats["connect"] + stats["read"] + stats["write"] + stats["timeout"],
            "cache_hit_rate": stats["hits"] / stats["requests"] if stats["requests"] else 0.0,
            "workers": workers,
            "idle_rss_mb": idle_total,
            "peak_rss_total_mb": sampler.peak_total,
            "peak_rss_worker_mb": sampler.peak_children,
        }
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
