"""Measuring tools for the benchmark: timed commands with the peak RSS of their process tree, percentiles, machine facts."""
from __future__ import annotations

import os
import platform
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path


def percentile(values: list[float], pct: float) -> float:
    """Nearest-rank percentile (pct in 0..100) of `values`."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    rank = max(1, -(-len(ordered) * pct // 100))
    return ordered[int(rank) - 1]


def _children() -> dict[int, list[int]]:
    kids: dict[int, list[int]] = {}
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                with open(f"/proc/{name}/stat") as f:
                    ppid = int(f.read().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            kids.setdefault(ppid, []).append(int(name))
    return kids


def rss_mb(pid: int) -> float:
    """Resident set size of one process in MB (0 when it is gone)."""
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def tree_rss(root: int) -> tuple[float, list[float]]:
    """RSS of a process and all its descendants: (sum, each) in MB."""
    kids = _children()
    each, stack = [], [root]
    while stack:
        pid = stack.pop()
        each.append(rss_mb(pid))
        stack += kids.get(pid, [])
    return sum(each), each


@dataclass
class Sampler:
    """Samples the RSS of a process tree in a thread until stopped."""

    pid: int
    every: float = 0.25
    peak_total: float = 0.0
    peak_one: float = 0.0
    peak_children: float = 0.0  # largest single descendant (a worker)
    _stop: threading.Event = field(default_factory=threading.Event)

    def __post_init__(self) -> None:
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            total, each = tree_rss(self.pid)
            self.peak_total = max(self.peak_total, total)
            self.peak_one = max([self.peak_one, *each])
            self.peak_children = max([self.peak_children, *each[1:]])
            self._stop.wait(self.every)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()


@dataclass
class Run:
    """A finished command: wall seconds, peak RSS of its tree, its output."""

    seconds: float
    peak_total_mb: float
    peak_one_mb: float
    stdout: str
    returncode: int


def run(cmd: list[str], env: dict | None = None) -> Run:
    """Run a command to completion, timing it and sampling its tree's RSS."""
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    sampler = Sampler(proc.pid)
    out, err = proc.communicate()
    seconds = time.perf_counter() - started
    sampler.stop()
    if proc.returncode not in (0,):
        raise RuntimeError(f"{' '.join(cmd)} exited {proc.returncode}: {err[-2000:]}")
    return Run(seconds, sampler.peak_total, sampler.peak_one, out, proc.returncode)


def dir_mb(path: Path) -> float:
    """Size of the files under `path` in MB."""
    return sum(p.stat().st_size for p in Path(path).rglob("*") if p.is_file()) / 1e6


def machine() -> dict[str, str]:
    """What the figures were measured on."""
    cpu = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name")), "?")
    mem = next((int(line.split()[1]) for line in open("/proc/meminfo") if line.startswith("MemTotal")), 0)
    versions = {}
    for name in ("whoosh-reloaded", "rjieba", "opencc", "lxml", "flask", "gunicorn", "tantivy"):
        try:
            from importlib.metadata import version

            versions[name] = version(name)
        except Exception:  # noqa: BLE001 - an optional package may be absent
            versions[name] = "absent"
    return {
        "cpu": f"{cpu}, {os.cpu_count()} cores",
        "memory": f"{mem / 1024 / 1024:.1f} GiB",
        "os": platform.platform(),
        "python": platform.python_version(),
        "sqlite": __import__("sqlite3").sqlite_version,
        "packages": ", ".join(f"{k} {v}" for k, v in versions.items()),
    }
