"""What the last build saw of each file, so an unchanged re-run neither hashes nor analyzes it again.

Each corpus file's size and modification time are kept beside its content hash (for indexed files)
or the reason it is not a document (excluded pages), in a small JSON file in the index folder. A
file whose size and time are those recorded is taken to have the recorded hash, as git's index and
rsync do; the hash, compared with the indexed one, still decides whether it is indexed again. A
file modified within RACY_NS of the run that recorded it is always hashed (a change in the same
tick of the clock leaves the time as it was). A different pipeline version discards the record.
"""
from __future__ import annotations

import json
import os
import stat as stat_module
import tempfile
from dataclasses import dataclass
from pathlib import Path

from indexer import fields as F
from indexer.parse import real_path

FILE_NAME = "qsearch-files.json"
FORMAT = 1
RACY_NS = 2_000_000_000  # file systems with coarse timestamps: 2 s (FAT); most keep nanoseconds


@dataclass(frozen=True)
class Seen:
    """One file as a build saw it: its hash when indexed, or why it was excluded."""

    size: int
    mtime_ns: int
    hash: str | None = None
    reason: str | None = None


class FileStates:
    """The record of the last build: path -> Seen, and when that build began."""

    def __init__(self, root: Path, seen: dict[str, Seen] | None = None, checked_at: int = 0) -> None:
        self.root = root
        self.seen = seen or {}
        self.checked_at = checked_at
        self.confirmed: set[str] = set()  # paths whose record held (unchanged() answered with it)

    @classmethod
    def load(cls, folder: Path, root: Path) -> "FileStates":
        """The record in `folder` (empty when missing, unreadable or of another pipeline version)."""
        try:
            data = json.loads((folder / FILE_NAME).read_text(encoding="utf-8"))
            if data.get("format") != FORMAT or data.get("pipeline") != F.PIPELINE_VERSION:
                return cls(root)
            seen = {path: Seen(*row) for path, row in data["files"].items()}
            return cls(root, seen, int(data["checked_at"]))
        except (OSError, ValueError, KeyError, TypeError):
            return cls(root)

    def stat(self, path: str) -> os.stat_result | None:
        """The file's stat (through the corpus's own links), None when it cannot be read."""
        try:
            info = os.lstat(os.path.join(self.root, path))
            if stat_module.S_ISLNK(info.st_mode):
                info = os.stat(real_path(self.root, path))  # a link: only within the corpus
            return info
        except Exception:  # noqa: BLE001 - the build reads it and says why
            return None

    def unchanged(self, path: str) -> Seen | None:
        """The record of `path` when its size and time are as recorded (and not racy), else None."""
        seen = self.seen.get(path)
        info = self.stat(path) if seen is not None else None
        if info is None or info.st_size != seen.size or info.st_mtime_ns != seen.mtime_ns:
            seen = None
        elif seen.mtime_ns >= self.checked_at - RACY_NS:
            seen = None  # changed while that build ran, or too close to it to tell
        if seen is not None:
            self.confirmed.add(path)
        return seen

    def stale(self, hashes: dict[str, str], excluded: list[dict]) -> bool:
        """True when the record misses what this run found (an indexed or excluded file whose
        record did not hold): only then is it worth writing again."""
        return any(path not in self.confirmed for path in hashes) or any(
            item["path"] not in self.confirmed for item in excluded)

    def save(self, folder: Path, paths: list[str], hashes: dict[str, str], excluded: list[dict], started_ns: int) -> None:
        """Record `paths` as found now: the indexed ones with their hash, the excluded with their reason.

        `started_ns`: when this run began (before it read any file)."""
        reasons = {item["path"]: item["reason"] for item in excluded}
        files = {}
        for path in paths:
            if path not in hashes and path not in reasons:
                continue  # failed or not indexed: read again next time
            info = self.stat(path)
            if info is None:
                continue
            files[path] = [info.st_size, info.st_mtime_ns, hashes.get(path), reasons.get(path)]
        data = {"format": FORMAT, "pipeline": F.PIPELINE_VERSION, "checked_at": started_ns, "files": files}
        try:
            write_json(folder / FILE_NAME, data)
        except OSError:
            pass  # only a cache: the next run hashes every file instead


def write_json(path: Path, data: object) -> None:
    """Write `data` as JSON to `path` in one step (a temporary file renamed over it), readable by all:
    a reader sees the old file or the new one, never half of one."""
    handle, temp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            json.dump(data, out, ensure_ascii=False, separators=(",", ":"))
        os.chmod(temp, 0o644)  # mkstemp's 0600 would hide it from a server run as another user
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
