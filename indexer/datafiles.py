"""The data files in indexer/data/: one entry per line, blank lines and # comments ignored."""
from __future__ import annotations

from importlib import resources


def data_lines(name: str) -> list[str]:
    """Non-empty, non-comment lines of indexer/data/<name>, stripped."""
    text = resources.files("indexer").joinpath(f"data/{name}").read_text("utf-8")
    return [line.strip() for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]
