"""Memory under load: the RSS of `qsearch serve` stays flat (within 10 %) over a bounded 3-minute
steady load of the committed benchmark queries, after a warm-up that fills its caches."""
from __future__ import annotations

import csv
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from conftest import ROOT, serving

WARM_UP = 20.0
LOAD = 180.0
CLIENTS = 4


def _queries() -> list[dict]:
    with open(ROOT / "bench" / "queries.tsv", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    return [{k: v for k, v in row.items() if k != "kind" and v} for row in rows]


def _rss_kb(pid: int) -> int:
    """Resident memory of a process and its children (the gunicorn workers), in kB."""
    total = 0
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    for p in [pid, *map(int, children)]:
        for line in Path(f"/proc/{p}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                total += int(line.split()[1])
    return total


def test_rss_stays_flat_under_steady_load(sample_index: Path) -> None:
    queries = _queries()
    counts = {"ok": 0, "errors": 0}
    stop_at = [0.0]

    def client(base: str, offset: int) -> None:
        n = offset
        while time.monotonic() < stop_at[0]:
            params = queries[n % len(queries)] | {"page": str(1 + n % 3)}
            n += CLIENTS
            try:
                with urllib.request.urlopen(base + "/api/search?" + urllib.parse.urlencode(params), timeout=10) as r:
                    r.read()
                counts["ok"] += 1
            except (urllib.error.URLError, OSError):
                counts["errors"] += 1

    with serving(sample_index, workers=2) as (server, base):
        stop_at[0] = time.monotonic() + WARM_UP + LOAD
        threads = [threading.Thread(target=client, args=(base, i)) for i in range(CLIENTS)]
        for thread in threads:
            thread.start()
        time.sleep(WARM_UP)
        start = _rss_kb(server.pid)
        samples = [start]
        while time.monotonic() < stop_at[0]:
            time.sleep(15)
            samples.append(_rss_kb(server.pid))
        for thread in threads:
            thread.join()
    end = samples[-1]
    print(f"\nserve RSS (master + 2 workers): start {start / 1024:.1f} MB, end {end / 1024:.1f} MB, "
          f"max {max(samples) / 1024:.1f} MB over {LOAD:.0f} s; {counts['ok']} requests, {counts['errors']} errors")
    assert counts["errors"] == 0
    assert end <= start * 1.10
