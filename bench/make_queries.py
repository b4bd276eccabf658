"""Derive a fixed, reproducible benchmark query set from a news archive.

Pages are sampled at random (seeded), run through the indexer's own pipeline
(build_document, query_words) and turned into queries of five kinds: word, and2,
and3, phrase and traditional, plus a few quality-campaign queries. About a third
carry a year and/or region filter taken from the source page, and every sampled query
matches at least the page it was drawn from. Output is a UTF-8 TSV with the
header line kind, q, year, region (tab-separated; year/region empty = no filter).

Run from the project root:

    .venv/bin/python bench/make_queries.py --corpus /tmp/cctv/dump_htmls
"""
from __future__ import annotations

import argparse
import random
import re
import sys
from pathlib import Path

import opencc

from indexer.document import Document, build_document
from indexer.errors import DocumentError
from indexer.segment import query_words

KINDS = ("word", "and2", "and3", "phrase", "traditional")
CAMPAIGN = [("word", "质量月"), ("word", "质量强国"), ("and2", "质量 提升"),
            ("phrase", '"质量强国建设"'), ("and2", "品牌 质量")]
STOP = set(
    "我们 你们 他们 一个 这个 那个 这些 那些 以及 进行 通过 没有 已经 可以 就是 还是 其中 目前 关于 对于 "
    "今年 去年 近日 日前 表示 什么 如何 为什么 怎么 这样 不是 也是 一些 开展 举行 召开 今天 昨天 正在 "
    "记者 新闻 联播 央视 央视网 视频".split()
)
CJK_WORD = re.compile(r"[\u4e00-\u9fff]{2,4}")
CJK_RUN = re.compile(r"[\u4e00-\u9fff]{4,}")
SUFFIXES = (".html", ".htm", ".shtml", ".xhtml", ".txt")


def good_word(word: str) -> bool:
    """True for a 2–4 character Chinese word that is not stop-like and re-cuts to itself."""
    return bool(CJK_WORD.fullmatch(word)) and word not in STOP and query_words(word) == [word]


def load_docs(corpus: Path, sample: int, rng: random.Random) -> list[Document]:
    """Build Documents for a seeded random sample of the corpus files (unusable pages skipped)."""
    files = sorted(p for p in corpus.rglob("*") if p.is_file() and p.suffix.lower() in SUFFIXES)
    docs = []
    for path in rng.sample(files, min(sample, len(files))):
        try:
            docs.append(build_document(path.relative_to(corpus).as_posix(), path.read_bytes()))
        except DocumentError:
            continue
    return docs


def title_words(doc: Document) -> list[str]:
    """Distinct usable words of the title, in title order."""
    return [w for w in dict.fromkeys(query_words(doc.title)) if good_word(w)]


def make_query(kind: str, doc: Document, rng: random.Random, s2t: opencc.OpenCC) -> str | None:
    """One query of `kind` drawn from `doc`, or None when the page cannot give one."""
    words = title_words(doc)
    if kind in ("word", "and2", "and3"):
        n = {"word": 1, "and2": 2, "and3": 3}[kind]
        return " ".join(rng.sample(words, n)) if len(words) >= n else None
    if kind == "traditional":
        if not words:
            return None
        picked = rng.sample(words, min(len(words), rng.choice((1, 2))))
        trad = s2t.convert(" ".join(picked))
        ok = trad != " ".join(picked) and query_words(trad) == picked
        return trad if ok else None
    runs = CJK_RUN.findall(doc.text)
    for _ in range(5):
        if not runs:
            return None
        cut = query_words(rng.choice(runs))
        n = rng.choice((2, 3, 4))
        if len(cut) < n:
            continue
        start = rng.randrange(len(cut) - n + 1)
        chunk = cut[start : start + n]
        phrase = "".join(chunk)
        edges_ok = len(chunk[0]) > 1 and len(chunk[-1]) > 1 and not STOP.intersection(chunk)
        if edges_ok and 4 <= len(phrase) <= 12 and query_words(phrase) == chunk:
            return f'"{phrase}"'
    return None


def pick_filter(doc: Document, rng: random.Random, share: float) -> tuple[str, str]:
    """Year and region filter values from the page (empty strings for none), about `share` of the time."""
    if rng.random() >= share:
        return "", ""
    year = str(doc.year) if doc.year else ""
    region = rng.choice(doc.regions) if doc.regions else ""
    if region:
        return rng.choice([("", region), (year, region)])
    return year, ""


def build_queries(docs: list[Document], count: int, rng: random.Random) -> list[tuple[str, str, str, str]]:
    """The query rows (kind, q, year, region): campaign queries, then sampled ones round-robin by kind."""
    s2t = opencc.OpenCC("s2t")
    rows = [(kind, q, "", "") for kind, q in CAMPAIGN]
    seen = {(q, y, r) for _, q, y, r in rows}
    quota = {k: count // len(KINDS) - sum(c == k for c, _ in CAMPAIGN) for k in KINDS}
    share = (count / 3) / (count - len(CAMPAIGN))
    for i, doc in enumerate(docs):
        open_kinds = [k for k in KINDS if quota[k] > 0]
        if not open_kinds:
            break
        kind = open_kinds[i % len(open_kinds)]
        q = make_query(kind, doc, rng, s2t)
        if q is None:
            continue
        year, region = pick_filter(doc, rng, share)
        if (q, year, region) in seen:
            continue
        seen.add((q, year, region))
        rows.append((kind, q, year, region))
        quota[kind] -= 1
    return rows


def main(argv: list[str] | None = None) -> None:
    """Parse arguments, build the query set and write the TSV."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", type=Path, required=True, help="directory of archive pages")
    ap.add_argument("--out", type=Path, default=Path("bench/queries.tsv"))
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--sample", type=int, default=3000, help="pages to sample")
    ap.add_argument("--count", type=int, default=260, help="queries to write")
    args = ap.parse_args(argv)
    rng = random.Random(args.seed)
    rows = build_queries(load_docs(args.corpus, args.sample, rng), args.count, rng)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with args.out.open("w", encoding="utf-8", newline="\n") as out:
        out.write("kind\tq\tyear\tregion\n")
        out.writelines("\t".join(row) + "\n" for row in rows)
    print(f"wrote {len(rows)} queries to {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
