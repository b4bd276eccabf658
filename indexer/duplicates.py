"""Near-duplicates: the same notice reposted on several sites (in either script) is one entry.

Each document gets a MinHash signature of its folded text's character 5-grams at analysis time
(`signature`) and the set of numbers it states (`numbers`). After a build, `groups` finds pairs
with MinHash LSH (datasketch's bands), keeps those whose exact 5-gram Jaccard is at least THRESHOLD, whose
dates are within MAX_DAYS (or undated), whose years and numbers agree and whose titles agree but
for numbers (the same template for another event differs there), and joins them into groups. A
group's earliest document is shown; the others are its copies.
"""
from __future__ import annotations

import base64
import re
import zlib
from collections import OrderedDict
from dataclasses import dataclass
from datetime import date as Date
from functools import lru_cache

import numpy as np

from indexer.datafiles import data_lines
from indexer.normalize import fold

try:  # compiled where setup.py could build it; the Python below gives the same hashes
    from indexer import cshingles
except ImportError:  # pragma: no cover - depends on the install
    cshingles = None

THRESHOLD = 0.8
NUM_PERM = 64
SCHEME = "affine32"  # datasketch's hashing, which `signature` computes: stored signatures stay comparable
# Shingles hashed with CRC-32 rather than datasketch's SHA-1: half the time (0.49 -> 0.23 ms per page
# on the web pages), and 32 bits are all the affine32 scheme uses.
SHINGLE = 5
MAX_DAYS = 30
NUMBERS_SHARED = 0.7  # of the numbers two copies state (a repost may add or drop a figure or two)
TITLE_VARIANT = 0.5  # titles this alike (2-grams) but not the same are one template's two events
MAX_CHARS = 20_000  # of a text shingled: reposts agree long before that
# datasketch's MinHashLSH(threshold=THRESHOLD, num_perm=NUM_PERM) cuts a signature into 5 bands of 11
# values (its _optimal_param; a test holds the two together); two documents are candidates when one
# band is the same in both.
LSH_BANDS, LSH_ROWS = 5, 11
MIN_SHINGLES = 20  # shorter texts (a title and a line) are not grouped: too many agree by chance
GRAMS_KEPT = 1024  # documents whose shingles grouping keeps at a time
_NOISE = re.compile(r"[\W_]+")
_NUMBER = re.compile(r"\d+(?:\.\d+)?")
# A page's own date and time as sites print them (2023-08-25 10:30, 2023/8/25): not what the text states.
_STAMP = re.compile(r"(?:19|20)\d{2}[-/.]\d{1,2}[-/.]\d{1,2}|\d{1,2}:\d{2}(?::\d{2})?")
_DIGITS = re.compile(r"\d+")
_YEAR = re.compile(r"(?<!\d)(?:19|20)\d{2}(?!\d)")


def _flat(text: str) -> str:
    return _NOISE.sub("", fold(text[:MAX_CHARS]))


def shingles(text: str) -> set[str]:
    """The character 5-grams of a text folded to Simplified, punctuation and spaces left out."""
    flat = _flat(text)
    return {flat[i : i + SHINGLE] for i in range(len(flat) - SHINGLE + 1)}


def shingle_hashes(text: str, compiled: bool = True) -> np.ndarray:
    """The CRC-32 of each distinct shingle's UTF-8 (`shingles`), sorted; `compiled=False` takes
    the Python path even where cshingles is built (tests hold the two to each other)."""
    if compiled and cshingles is not None:
        found = cshingles.gram_hashes(_flat(text), SHINGLE)
        if found is not None:  # None: a lone surrogate, which the Python path refuses as it always did
            return np.frombuffer(found, dtype=np.uint32)
    grams = shingles(text)
    return np.sort(np.fromiter((zlib.crc32(g.encode("utf-8")) for g in grams), dtype=np.uint32, count=len(grams)))


@lru_cache(maxsize=1)
def minhash_permutations() -> tuple[np.ndarray, np.ndarray]:
    """datasketch's affine32 permutations of seed 1, kept in a data file (signatures are datasketch's
    MinHash values, computed without it)."""
    pairs = [line.split("\t") for line in data_lines("minhash_permutations.tsv")]
    return tuple(np.array([int(p[i]) for p in pairs], dtype=np.uint32) for i in (0, 1))


def _fmix32(hv: np.ndarray) -> np.ndarray:
    """MurmurHash3's 32-bit finalizer, element-wise (datasketch's affine32 pre-mix; uint32 wraps)."""
    hv = hv ^ (hv >> np.uint32(16))
    hv = hv * np.uint32(0x85EBCA6B)
    hv = hv ^ (hv >> np.uint32(13))
    hv = hv * np.uint32(0xC2B2AE35)
    return hv ^ (hv >> np.uint32(16))


def signature(text: str) -> str | None:
    """The MinHash signature of a text (base64 of NUM_PERM uint32), None when it is too short to group.

    datasketch's affine32 MinHash of the CRC-32 of each shingle, computed here in one array
    operation: a MinHash object per page cost twice as much (and datasketch's import 0.45 s per worker)."""
    hashes = shingle_hashes(text)
    if len(hashes) < MIN_SHINGLES:
        return None
    a, b = minhash_permutations()
    hv = _fmix32(hashes)
    with np.errstate(over="ignore"):
        values = (hv[:, None] * a + b).min(axis=0)
    return base64.b64encode(values.astype(np.uint32).tobytes()).decode("ascii")


def numbers(text: str) -> str:
    """The numbers a text states, sorted and comma-joined (years, counts, amounts; not the page's
    own date stamps, which differ between reposts)."""
    return ",".join(sorted(set(_NUMBER.findall(_STAMP.sub(" ", fold(text[:MAX_CHARS]))))))


@dataclass(frozen=True)
class Entry:
    """What grouping needs of one document."""

    id: str
    path: str
    date: str | None
    signature: str | None
    numbers: str
    title: str = ""
    parent: str | None = None  # the page an attachment is linked from


def _title_key(title: str) -> str:
    return _DIGITS.sub("", _NOISE.sub("", fold(title)))


def _bigrams(key: str) -> set[str]:
    return {key[i : i + 2] for i in range(len(key) - 1)}


def _agree(a: Entry, b: Entry) -> bool:
    """Dates within MAX_DAYS (or a copy undated), the same years, most numbers shared, and titles that
    are not variants of one template: 法文版出版发行 and 俄文版出版发行 (alike but different) are two
    events, while a repost under a headline of its own (or a title made from the text) is a copy."""
    if a.parent is not None and a.parent == b.parent or a.parent == b.path or b.parent == a.path:
        return False  # one page's files (a list and its print) and the page itself are not reposts
    ta, tb = _title_key(a.title), _title_key(b.title)
    if ta and tb and ta not in tb and tb not in ta:
        ga, gb = _bigrams(ta), _bigrams(tb)
        if ga and gb and len(ga & gb) / len(ga | gb) >= TITLE_VARIANT:
            return False
    if a.date and b.date:
        try:
            if abs((Date.fromisoformat(a.date) - Date.fromisoformat(b.date)).days) > MAX_DAYS:
                return False
        except ValueError:
            pass
    na, nb = set(filter(None, a.numbers.split(","))), set(filter(None, b.numbers.split(",")))
    if {n for n in na if _YEAR.fullmatch(n)} != {n for n in nb if _YEAR.fullmatch(n)}:
        return False
    return not (na or nb) or len(na & nb) / len(na | nb) >= NUMBERS_SHARED


def _shown_first(entry: Entry) -> tuple:
    """The order a group's members are shown in: oldest, then the shortest path."""
    return (entry.date is None, entry.date or "", len(entry.path), entry.path, entry.id)


def groups(entries: list[Entry], text_of) -> dict[str, list[str]]:
    """Groups of near-duplicates: the shown document's id -> its copies' ids (groups of one left out).

    `text_of(id)`: a document's text, read only for the pairs LSH proposes (exact Jaccard)."""
    tables: list[dict[bytes, list[str]]] = [{} for _ in range(LSH_BANDS)]
    signed: dict[str, tuple[Entry, list[bytes]]] = {}
    # Agreement is not transitive (dates 20 days apart twice are 40 apart), so the order pairs are
    # joined in decides the groups: oldest first, whatever order the build wrote the documents in.
    for entry in sorted(entries, key=_shown_first):
        if entry.signature is None:
            continue
        values = np.frombuffer(base64.b64decode(entry.signature), dtype=np.uint32)
        if len(values) != NUM_PERM:
            continue
        bands = [values[i * LSH_ROWS : (i + 1) * LSH_ROWS].tobytes() for i in range(LSH_BANDS)]
        signed[entry.id] = (entry, bands)
        for table, band in zip(tables, bands):
            table.setdefault(band, []).append(entry.id)
    parent = {ident: ident for ident in signed}
    rank = {ident: n for n, ident in enumerate(signed)}

    def find(ident: str) -> str:
        while parent[ident] != ident:
            parent[ident] = parent[parent[ident]]
            ident = parent[ident]
        return ident

    # The shingles of recently compared documents only: keeping every document's (as the first
    # version did) took 7 GB on a corpus where every page is a copy (the archive four times over).
    grams: OrderedDict[str, set[str]] = OrderedDict()

    def shingles_of(ident: str) -> set[str]:
        if ident in grams:
            grams.move_to_end(ident)
            return grams[ident]
        found = grams[ident] = shingles(text_of(ident) or "")
        if len(grams) > GRAMS_KEPT:
            grams.popitem(last=False)
        return found

    def exact(a: str, b: str) -> float:
        first, second = shingles_of(a), shingles_of(b)
        union = first | second
        return len(first & second) / len(union) if union else 0.0

    group: dict[str, list[str]] = {ident: [ident] for ident in signed}  # a root's members
    for ident, (entry, bands) in signed.items():
        near = {other for table, band in zip(tables, bands) for other in table[band]}
        for other in sorted(near, key=rank.__getitem__):
            a, b = find(ident), find(other)
            if rank[other] <= rank[ident] or a == b:
                continue
            # Every member must agree with every member of the other group: no chain of copies
            # joins two dates 50 days apart or two events of one template.
            if all(_agree(signed[x][0], signed[y][0]) for x in group[a] for y in group[b]) and exact(ident, other) >= THRESHOLD:
                parent[b] = a
                group[a] += group.pop(b)
    members: dict[str, list[Entry]] = {}
    for ident in signed:
        members.setdefault(find(ident), []).append(signed[ident][0])
    out = {}
    for group in members.values():
        if len(group) < 2:
            continue
        group.sort(key=_shown_first)
        out[group[0].id] = [e.id for e in group[1:]]
    return out
