"""The layout's rules, read from the source: imports go one way, backends stay in their folders,
no module imports another's private names, and Whoosh's internals are touched in one place per side."""
from __future__ import annotations

import ast
from pathlib import Path

from conftest import ROOT

PACKAGES = ("indexer", "search_app")
# Whoosh's private attributes (a `_name` read off a Whoosh object) are used only in these.
WHOOSH_ADAPTERS = {"indexer/backends/whoosh/internals.py", "search_app/backends/whoosh/internals.py"}
_WHOOSH_PRIVATE = {
    "_data", "_read_data", "_read_ids", "_read_weights", "_lastblock", "_next_block", "_finalize_segment", "_commit_toc",
    "_merge_segments", "_close_segment", "_added", "_perdoc", "_dbfile", "_basepos", "_field_B", "_latest_generation",
    "_pattern", "_segment_pattern", "_exclude", "_lenfield",
}


def _modules() -> dict[str, ast.Module]:
    out = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            out[path.relative_to(ROOT).as_posix()] = ast.parse(path.read_text("utf-8"))
    return out


def _imports(tree: ast.Module) -> list[tuple[str, list[str]]]:
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.append((node.module, [a.name for a in node.names]))
        elif isinstance(node, ast.Import):
            found += [(a.name, []) for a in node.names]
    return found


def test_imports_go_one_way_and_backends_stay_in_their_folders() -> None:
    wrong = []
    for path, tree in _modules().items():
        for module, _names in _imports(tree):
            if path.startswith("indexer/") and module.startswith("search_app"):
                wrong.append(f"{path}: the indexer imports {module}")
            neutral = not path.startswith(("indexer/backends/", "search_app/backends/")) and path != "indexer/segment.py"
            if neutral and path.startswith("search_app/") and module.split(".")[0] == "whoosh":
                wrong.append(f"{path}: the web app's engine-neutral part imports {module}")
            if path.startswith("search_app/") and not path.startswith("search_app/backends/") and path != "search_app/store.py" \
                    and module.startswith("search_app.backends"):
                wrong.append(f"{path}: imports a backend ({module}) instead of going through search_app.store")
    assert wrong == []


def test_no_module_imports_another_modules_private_names() -> None:
    wrong = [f"{path}: from {module} import {name}" for path, tree in _modules().items()
             for module, names in _imports(tree) if module.split(".")[0] in PACKAGES
             for name in names if name.startswith("_")]
    assert wrong == []


def test_whoosh_internals_are_touched_in_one_adapter_per_side() -> None:
    wrong = []
    for path, tree in _modules().items():
        if path in WHOOSH_ADAPTERS:
            continue
        for node in ast.walk(tree):
            attribute = isinstance(node, ast.Attribute) and node.attr in _WHOOSH_PRIVATE and not (
                isinstance(node.value, ast.Name) and node.value.id == "self")
            named = isinstance(node, ast.Name) and node.id in _WHOOSH_PRIVATE
            toc_glob = isinstance(node, ast.Constant) and isinstance(node.value, str) and "_MAIN_" in node.value
            if attribute or named or toc_glob:
                wrong.append(f"{path}:{node.lineno}")
    assert wrong == []


def test_backends_are_listed_and_picked_in_one_place() -> None:
    listing = [path for path, tree in _modules().items() for node in ast.walk(tree)
               if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "BACKENDS" for t in node.targets)]
    assert listing == ["indexer/backends/__init__.py"]
