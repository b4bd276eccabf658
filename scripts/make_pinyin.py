"""Write indexer/data/pinyin_words.tsv: the domain words with their pinyin, full and initials.

The search offers these words for a Latin query that finds nothing (zhiliangyue, zly → 质量月);
the pinyin is computed here, once, so the service needs no pinyin library at run time.

    pip install pypinyin && python scripts/make_pinyin.py
"""
from __future__ import annotations

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pypinyin import Style, lazy_pinyin  # noqa: E402  (a tool of this script only)

from indexer.campaigns import campaign_names  # noqa: E402
from indexer.datafiles import data_lines  # noqa: E402
from indexer.normalize import fold  # noqa: E402
from indexer.segment import word_parts  # noqa: E402

HAN_ONLY = re.compile(r"^[\u4e00-\u9fff]{2,}$")
OUT = ROOT / "indexer" / "data" / "pinyin_words.tsv"
HEADER = """\
# Domain words and their pinyin, written by scripts/make_pinyin.py (do not edit by hand):
# word<TAB>full pinyin without tones or spaces<TAB>initials. A Latin query that finds nothing
# is offered the words it spells (您是不是要找：…); the query itself is never rewritten.
"""


def words() -> list[str]:
    """The words users type as one thing: domain words, campaign, award and organization names."""
    found = [line.split()[0] for line in data_lines("domain_words.txt")]
    found += list(campaign_names())
    found += data_lines("search_words.txt")
    found += [name for line in data_lines("org_equivalents.tsv") for name in line.split("\t")]
    names = [fold(w).strip() for w in found]
    parts = [p for w in names for p in word_parts(w)]  # 质量, 品牌, 标准 … typed alone too
    return [w for w in dict.fromkeys(names + parts) if HAN_ONLY.match(w)]


def main() -> int:
    rows = []
    for word in words():
        full = "".join(lazy_pinyin(word, errors="ignore"))
        initials = "".join(lazy_pinyin(word, style=Style.FIRST_LETTER, errors="ignore"))
        rows.append(f"{word}\t{full}\t{initials}")
    OUT.write_text(HEADER + "\n".join(rows) + "\n", "utf-8")
    print(f"{len(rows)} words -> {OUT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
