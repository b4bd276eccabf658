"""Rebuild while serving: `qsearch serve` under a steady, bounded load while documents are added,
deleted and the whole index rebuilt. Every request is answered, every answer comes from the old or
the new index (never an empty one mid-swap), and new documents show within a few seconds."""
from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from conftest import copy_sample_corpus, serving
from indexer.backends.whoosh.writer import build_index

LOAD_SECONDS = 60  # an upper bound: the load stops as soon as the index work is done
VISIBLE_WITHIN = 5.0


def _get(base: str, **params) -> tuple[int, dict]:
    url = base + "/api/search?" + urllib.parse.urlencode(params)
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as exc:
        return exc.code, {}


def _index(corpus: Path, index_dir: Path, *extra: str) -> None:
    subprocess.run(
        [sys.executable, "-c", "from search_app.cli import main; main()", "index",
         "--corpus", str(corpus), "--index", str(index_dir), "--json", *extra],
        check=True, capture_output=True, timeout=300,
    )


def _wait_for(base: str, word: str, present: bool) -> float:
    started = time.monotonic()
    while (_get(base, q=word)[1].get("total", 0) > 0) != present:
        assert time.monotonic() - started < VISIBLE_WITHIN * 3, f"{word} not {'visible' if present else 'gone'}"
        time.sleep(0.1)
    return time.monotonic() - started


def test_rebuild_while_serving(tmp_path: Path) -> None:
    corpus = copy_sample_corpus(tmp_path / "corpus")
    index_dir = tmp_path / "index"
    build_index(corpus, index_dir)
    answers: list[tuple[int, int]] = []
    stop = threading.Event()

    def load(base: str) -> None:
        deadline = time.monotonic() + LOAD_SECONDS
        while not stop.is_set() and time.monotonic() < deadline:
            status, data = _get(base, q="质量")
            answers.append((status, data.get("total", -1)))
            time.sleep(0.01)

    with serving(index_dir, workers=2) as (_server, base):
        before = _get(base, q="质量")[1]["total"]
        workers = [threading.Thread(target=load, args=(base,)) for _ in range(4)]
        for worker in workers:
            worker.start()
        try:
            (corpus / "new_notice.txt").write_text("关于开展麒麟鹿质量专项活动的通知\n各单位：现就麒麟鹿质量专项活动通知如下。\n", "utf-8")
            _index(corpus, index_dir)
            added_after = _wait_for(base, "麒麟鹿", True)
            (corpus / "new_notice.txt").unlink()
            _index(corpus, index_dir)
            deleted_after = _wait_for(base, "麒麟鹿", False)
            _index(corpus, index_dir, "--rebuild")
            time.sleep(1.5)  # answers from the rebuilt index too
        finally:
            stop.set()
            for worker in workers:
                worker.join()
    statuses = {status for status, _ in answers}
    totals = {total for _, total in answers}
    print(f"\nrebuild while serving: {len(answers)} requests, statuses {statuses}, totals {sorted(totals)}, "
          f"added visible after {added_after:.1f} s, deletion after {deleted_after:.1f} s")
    assert statuses == {200}
    assert totals <= {before, before + 1}  # the old version or the new one, never 0 mid-swap
    assert added_after <= VISIBLE_WITHIN and deleted_after <= VISIBLE_WITHIN
