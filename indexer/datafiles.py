"""The data files in indexer/data/: one entry per line, blank lines and # comments ignored."""
from __future__ import annotations

import re
from importlib import resources
from typing import Iterable, Mapping


def data_lines(name: str) -> list[str]:
    """Non-empty, non-comment lines of indexer/data/<name>, stripped."""
    text = resources.files("indexer").joinpath(f"data/{name}").read_text("utf-8")
    return [line.strip() for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]


def words_pattern(words: Iterable[str], tails: Mapping[str, str] | None = None) -> str:
    """A regex source matching any of `words` (literal text), trying the longer of several that match at
    a position first: what "|".join of the escaped words sorted longest first matches, backtracking
    included, written as a trie. Python's re tries every branch of a flat alternation at every position
    of the text; the trie tries only those that share the text's next characters (a list of 900 place
    names runs 3 times faster). `tails`: a regex a word must be followed by (a lookahead), by word.
    For case-sensitive matching (its branches are in character order: under re.I, AB could be tried
    before abc) and words of up to a few hundred characters (one recursion level per character)."""
    root: dict = {}
    for word in words:
        if not word:
            continue
        node = root
        for char in word:
            node = node.setdefault(char, {})
        node[""] = (tails or {}).get(word, "")
    if not root:
        return "(?!)"
    return _branches(root)


def _branches(node: dict) -> str:
    options = [re.escape(char) + _branches(child) for char, child in sorted(node.items()) if char]
    if "" in node:
        if not options:
            return node[""]
        options.append(node[""])  # the word ending here: after every longer one
    return options[0] if len(options) == 1 else "(?:" + "|".join(options) + ")"
