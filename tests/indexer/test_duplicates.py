"""Near-duplicates: the same notice reposted on three sites (one in Traditional) is one group; the
same announcement template for three years is not (indexer/duplicates.py)."""
from __future__ import annotations

from indexer.duplicates import Entry, groups, minhash_permutations, numbers, signature
from repost_texts import NOTICE, TRADITIONAL

def _entry(ident: str, text: str, date: str | None) -> Entry:
    return Entry(ident, f"{ident}.html", date, signature(text), numbers(text))


def test_reposts_on_three_sites_and_a_traditional_copy_group() -> None:
    texts = {
        "a": NOTICE,
        "b": "来源：甲市政府网\n" + NOTICE,
        "c": NOTICE + "\n（责任编辑：王某）",
        "d": TRADITIONAL,
        "other": "关于公布2023年度优秀质量管理小组名单的通知\n经评审，现将名单公布如下，希望获奖小组再接再厉，持续开展质量改进。" * 2,
    }
    dates = {"a": "2023-08-25", "b": "2023-08-28", "c": None, "d": "2023-09-02", "other": "2023-08-25"}
    found = groups([_entry(i, t, dates[i]) for i, t in texts.items()], texts.get)
    assert found == {"a": ["b", "d", "c"]}  # the earliest shown; its copies by date, the undated last


def test_the_same_template_in_three_years_is_not_grouped() -> None:
    texts = {str(year): NOTICE.replace("2023", str(year)) for year in (2021, 2022, 2023)}
    found = groups([_entry(i, t, f"{i}-08-25") for i, t in texts.items()], texts.get)
    assert found == {}


def test_copies_far_apart_in_time_or_too_short_are_not_grouped() -> None:
    texts = {"a": NOTICE, "b": NOTICE}
    assert groups([_entry("a", NOTICE, "2023-08-25"), _entry("b", NOTICE, "2023-12-25")], texts.get) == {}
    assert signature("质量月") is None


def test_one_template_for_two_events_is_not_grouped() -> None:
    body = ("近日，由中央文献出版社翻译出版的论述摘编{}版正式出版发行，全书收入有关重要论述，分为若干专题，"
            "该书的出版发行有助于国外读者深入了解相关理念，各地读者可在书店购买，出版社表示将继续推出其他语种版本。")
    texts = {"fr": "论述摘编法文版出版发行\n" + body.format("法文"), "ru": "论述摘编俄文版出版发行\n" + body.format("俄文")}
    entries = [Entry(i, f"{i}.html", "2024-05-04", signature(t), numbers(t), t.split("\n")[0]) for i, t in texts.items()]
    assert groups(entries, texts.get) == {}
    retitled = [Entry("a", "a.html", "2024-05-04", signature(texts["fr"]), numbers(texts["fr"]), "论述摘编法文版出版发行"),
                Entry("b", "b.html", "2024-05-05", signature(texts["fr"]), numbers(texts["fr"]), "新书速递")]
    assert groups(retitled, {"a": texts["fr"], "b": texts["fr"]}.get) == {"a": ["b"]}  # a repost under its own headline


def test_grouping_keeps_few_shingle_sets_and_finds_the_same_groups(monkeypatch) -> None:
    import indexer.duplicates as duplicates

    texts = {f"{site}{n}": NOTICE.replace("2023", str(2000 + n)) for n in range(6) for site in "abc"}
    entries = [_entry(i, t, f"{2000 + int(i[1:])}-08-25") for i, t in texts.items()]
    read = []
    every = groups(entries, lambda ident: read.append(ident) or texts[ident])
    monkeypatch.setattr(duplicates, "GRAMS_KEPT", 1)
    assert groups(entries, texts.get) == every == {f"a{n}": [f"b{n}", f"c{n}"] for n in range(6)}
    assert len(read) == len(set(read))  # with room enough, each text is read once


def test_a_chain_of_copies_groups_the_same_in_any_order() -> None:
    from itertools import permutations

    # 20 days apart twice: a-b and b-c agree, a-c (40 days) do not, so the order of joining decides.
    dates = {"z": "2023-08-01", "m": "2023-08-21", "a": "2023-09-10"}
    entries = [_entry(i, NOTICE, d) for i, d in dates.items()]
    found = {str(groups(list(order), {i: NOTICE for i in dates}.get)) for order in permutations(entries)}
    assert found == {str({"z": ["m"]})}  # the oldest gathers its copies first, whatever order the build gave


def test_signatures_are_datasketchs_minhash_of_the_shingles_crc32() -> None:
    # Signatures are computed without datasketch; stored ones from before must still be comparable.
    import base64
    import random
    import zlib

    import numpy as np
    from datasketch import MinHash

    from indexer.duplicates import NUM_PERM, SCHEME, shingles

    assert MinHash(num_perm=NUM_PERM, seed=1, scheme=SCHEME).permutations[0].tolist() == minhash_permutations()[0].tolist()
    assert MinHash(num_perm=NUM_PERM, seed=1, scheme=SCHEME).permutations[1].tolist() == minhash_permutations()[1].tolist()
    chars = "质量月活动企业公司管理标准检验计量認證一二三四五六七八九十abcXYZ0123456789，。 "
    rng = random.Random(7)
    for text in [NOTICE, TRADITIONAL, *("".join(rng.choice(chars) for _ in range(rng.randint(20, 3000))) for _ in range(100))]:
        minhash = MinHash(num_perm=NUM_PERM, seed=1, scheme=SCHEME, hashfunc=zlib.crc32)
        minhash.update_batch([g.encode("utf-8") for g in shingles(text)])
        assert signature(text) == base64.b64encode(minhash.hashvalues.astype(np.uint32).tobytes()).decode("ascii")
    assert signature("质量月") is None  # too short to group


def test_candidates_are_datasketchs_lsh_candidates() -> None:
    """groups' bands are datasketch's MinHashLSH(threshold=THRESHOLD, num_perm=NUM_PERM): the same pairs
    are proposed (signatures with planted near-copies: a few values changed here and there)."""
    import numpy as np
    from datasketch import MinHash, MinHashLSH

    from indexer.duplicates import LSH_BANDS, LSH_ROWS, NUM_PERM, SCHEME, THRESHOLD

    lsh = MinHashLSH(threshold=THRESHOLD, num_perm=NUM_PERM)
    assert (lsh.b, lsh.r) == (LSH_BANDS, LSH_ROWS)
    rng = np.random.default_rng(3)
    base = rng.integers(0, 2**32, size=(40, NUM_PERM), dtype=np.uint32)
    rows = [base[i % 40].copy() for i in range(400)]
    for row in rows[40:]:
        row[rng.choice(NUM_PERM, size=int(rng.integers(1, 40)), replace=False)] = rng.integers(0, 2**32, dtype=np.uint32)
    ours: dict[bytes, set[int]] = {}
    for n, row in enumerate(rows):
        minhash = MinHash(num_perm=NUM_PERM, seed=1, hashvalues=row, scheme=SCHEME)
        lsh.insert(n, minhash)
        for i in range(LSH_BANDS):
            ours.setdefault((i, row[i * LSH_ROWS : (i + 1) * LSH_ROWS].tobytes()), set()).add(n)
    proposed = 0
    for n, row in enumerate(rows):
        mine = set().union(*(ours[(i, row[i * LSH_ROWS : (i + 1) * LSH_ROWS].tobytes())] for i in range(LSH_BANDS)))
        theirs = set(lsh.query(MinHash(num_perm=NUM_PERM, seed=1, hashvalues=row, scheme=SCHEME)))
        assert mine == theirs, n
        proposed += len(mine) > 1
    assert proposed > 100


def test_compiled_shingle_hashes_are_the_pythons() -> None:
    # The compiled hashes (indexer/cshingles.c) stand in for a set of the shingles and zlib.crc32 of
    # each: the same values for any text (astral characters, repeats, texts shorter than a shingle),
    # a CRC collision of two different shingles counted twice, as the set counts them.
    import random
    import zlib

    import numpy as np
    import pytest

    from indexer import duplicates
    from indexer.duplicates import SHINGLE, shingle_hashes

    if duplicates.cshingles is None:
        pytest.skip("indexer/cshingles.c is not compiled here (no C compiler at install)")
    rng = random.Random(11)
    seen: dict[int, str] = {}
    while True:  # two Han shingles with the same CRC-32 (about 80,000 draws)
        gram = "".join(chr(rng.randint(0x4E00, 0x9FFF)) for _ in range(SHINGLE))
        other = seen.setdefault(zlib.crc32(gram.encode()), gram)
        if other != gram:
            break
    chars = "质量月活动企业認證abcXYZ0123456789𠀀𪚥é" + "哈" * 8
    texts = ["", "质量", "质量月活动", f"{gram}{other}", f"{gram}。{other}。{gram}", TRADITIONAL, NOTICE]
    texts += ["".join(rng.choice(chars) for _ in range(rng.randint(0, 400))) for _ in range(300)]
    for text in texts:
        compiled, python = shingle_hashes(text), shingle_hashes(text, compiled=False)
        assert compiled.dtype == python.dtype == np.uint32
        assert compiled.tolist() == python.tolist(), text
    assert len(shingle_hashes(f"{gram}{other}")) == 2 + SHINGLE - 1  # the two colliding ones and those between
    assert duplicates.cshingles.gram_hashes("质量\ud800月活动", SHINGLE) is None  # the Python path raises as before
