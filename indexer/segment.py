"""Segment stage: the one Chinese analyzer used for indexing and for queries.

Text is folded (Traditional to Simplified, half-width, lower-case; same length) and
cut by jieba (rjieba) with the domain dictionary. Main words get consecutive
positions so phrase queries work; at index time the dictionary sub-words of long
words are emitted at the same position (jieba's search mode), so 质量 finds 质量月.
Character offsets point into the original, unfolded text.

Whoosh pickles the analyzer into the index schema: this module must stay importable
under this name, and the tokenizer must hold no unpicklable state.
"""
from __future__ import annotations

import math
import re
import threading
from functools import lru_cache
from typing import Iterator, NamedTuple

import rjieba
from whoosh.analysis import Token, Tokenizer

from indexer.datafiles import data_lines
from indexer.extract import gazetteer
from indexer.normalize import fold

_WORDLIKE = re.compile(r"\w")
_HAN_CHAR = re.compile(r"[\u4e00-\u9fff]")
_LATIN_RUN = re.compile(r"[a-z0-9]+")
_SEAT_SUFFIX = frozenset("省市区县")  # administrative levels written after a place name
_lock = threading.Lock()
_jieba: rjieba.Jieba | None = None
TAG_MEMO_SIZE = 4  # texts: a document's title and text, tagged by the organization finder, cut again by the writer
TAG_MEMO_MAX_CHARS = 100_000  # longer texts are cut again: their tokens would hold tens of MB per text kept
_tag_memo: dict[str, list[tuple[str, str]]] = {}


class Tok(NamedTuple):
    """One analyzed token: folded text, position, offsets into the original text."""

    text: str
    pos: int
    start: int
    end: int


def domain_words() -> list[tuple[str, int | None]]:
    """The domain dictionary from indexer/data/domain_words.txt."""
    words = []
    for line in data_lines("domain_words.txt"):
        parts = line.split()
        words.append((parts[0], int(parts[1]) if len(parts) > 1 else None))
    return words


def search_words() -> list[str]:
    """Names kept whole besides the domain words: campaigns, awards, organizations (indexer/data)."""
    words = data_lines("search_words.txt")
    words += [line.split("\t")[0] for line in data_lines("campaigns.tsv")]
    words += [name for line in data_lines("org_equivalents.tsv") for name in line.split("\t")]
    words += [line.split("\t")[0] for line in data_lines("org_names.tsv")]
    return [w for w in dict.fromkeys(fold(w).strip() for w in words) if len(w) >= 3]


def segmenter() -> rjieba.Jieba:
    """jieba (rjieba) with the domain dictionary and the names kept whole, loaded once per process."""
    global _jieba
    if _jieba is None:
        with _lock:
            if _jieba is None:
                # `import rjieba` has already loaded jieba's dictionary into the instance behind its
                # module functions (0.1 s and 25 MB): ours is that one, not a second copy.
                jieba = rjieba.tokenize.__self__
                for word, freq in domain_words():
                    jieba.add_word(fold(word), freq, None)
                for word in search_words():
                    if not jieba.has_word(word):
                        jieba.add_word(word, None, None)
                _jieba = jieba
    return _jieba


@lru_cache(maxsize=1)
def _log_total() -> float:
    """ln of the dictionary's total frequency, which jieba divides every word's frequency by."""
    jieba = segmenter()
    # suggest_freq(w) is freq(w) + 1 for a word jieba keeps whole and, for text cut into words, their
    # product / total + 1 (的 and 了 are cut apart).
    a, b = jieba.suggest_freq("的") - 1, jieba.suggest_freq("了") - 1
    return math.log(a * b / max(jieba.suggest_freq("的了") - 1, 1))


@lru_cache(maxsize=1)
def _places() -> frozenset[str]:
    """The names of indexer/data/regions.tsv and their other forms (the gazetteer's), folded."""
    names = {fold(form).strip() for form in gazetteer().surface}
    # A name listed with its level and no short form (东城区, 金山区): the place is the rest.
    jieba = segmenter()
    names.update(n[:-1] for n in list(names) if len(n) >= 3 and n[-1] in _SEAT_SUFFIX and jieba.has_word(n[:-1]))
    return frozenset(names)


def _is_seat(word: str) -> bool:
    """A place and its level (达州|市, 盐城|市, 宝山|区), where jieba's cut would put 达 + 州市, 盐 + 城市."""
    return len(word) >= 3 and word[-1] in _SEAT_SUFFIX and word[:-1] in _places()


@lru_cache(maxsize=200_000)
def _log_prob(part: str) -> float | None:
    """jieba's log-probability of a dictionary word or a character; None for other text."""
    jieba = segmenter()
    if len(part) > 1 and not jieba.has_word(part):
        return None
    return math.log(max(jieba.suggest_freq(part) - 1, 1)) - _log_total()


@lru_cache(maxsize=200_000)
def _route(word: str) -> tuple[int, ...]:
    """Where jieba's most probable cut of `word` into shorter dictionary words (or characters) puts
    its inner boundaries, the parts of three or more characters cut again in the same way (parts of
    at most 8 characters: a longer dictionary word inside is cut by the recursion instead)."""
    n = len(word)
    if _is_seat(word):
        return (*(_route(word[:-1]) if n > 3 else ()), n - 1)
    best = [0.0] + [-math.inf] * n  # best[i]: log-probability of the best cut of word[:i]
    back = [0] * (n + 1)
    for end in range(1, n + 1):
        for start in range(max(0, end - 8), end):
            if end - start == n:
                continue  # the word itself
            prob = _log_prob(word[start:end])
            if prob is not None and best[start] + prob > best[end]:
                best[end], back[end] = best[start] + prob, start
    bounds: set[int] = set()
    end = n
    while end > 0:
        start = back[end]
        if end - start >= 3:
            bounds.update(start + b for b in _route(word[start:end]))
        if start:
            bounds.add(start)
        end = start
    return tuple(sorted(bounds))


@lru_cache(maxsize=200_000)
def subword_spans(word: str) -> tuple[tuple[str, int, int], ...]:
    """Dictionary 2- to 4-grams inside a long word (jieba's search mode finds 2- and 3-grams; 4 lets
    质量协会 be found in 中国质量协会), but only those that do not straddle the word's own parts (国家电网
    is 国家 + 电网: 家电 is no sub-word of it, nor 华人 of 中华人民共和国); and the Latin or digit runs of
    a word that mixes them with Han characters (qc in qc小组)."""
    jieba = segmenter()
    found = []
    if _HAN_CHAR.search(word):
        found += [(m.group(), m.start(), m.end()) for m in _LATIN_RUN.finditer(word) if len(m.group()) >= 2]
    within = len(word) - 1 if _is_seat(word) else len(word)  # nothing across a place and its level (山区 in 元宝山区)
    grams = [(word[i : i + n], i, i + n) for n in (2, 3, 4) if len(word) > n for i in range(within - n + 1)
             if jieba.has_word(word[i : i + n])]
    if grams:
        bounds = {0, len(word), *_route(word)}
        found += [g for g in grams if g[1] in bounds and g[2] in bounds]
    return tuple(found)


@lru_cache(maxsize=200_000)
def sub_words(word: str) -> frozenset[str]:
    """The sub-words `analyze(index_mode=True)` gives a word at its own position (none for short words)."""
    return frozenset(gram for gram, _, _ in subword_spans(word)) if len(word) > 2 else frozenset()


@lru_cache(maxsize=50_000)
def word_parts(word: str) -> tuple[str, ...]:
    """The shorter words a long query word is written as when cut apart (全国质量月 → 全国, 质量月):
    longest dictionary words from the left, a Latin or digit run as one. () for a short word and
    when a part would be a single character: 质量 + 月 would find 空气质量月报, and 开幕 + 式 or
    习 + 近 + 平 are never written apart but cost a phrase check over every page with the parts."""
    if len(word) <= 2 or not _HAN_CHAR.search(word):
        return ()
    jieba = segmenter()
    parts = []
    i = 0
    while i < len(word):
        latin = _LATIN_RUN.match(word, i)
        if latin:
            size = latin.end() - i
        else:
            size = next((n for n in range(min(4, len(word) - i), 1, -1)
                         if word[i : i + n] != word and jieba.has_word(word[i : i + n])), 1)
        parts.append(word[i : i + size])
        i += size
    if len(parts) < 2 or any(len(p) == 1 and _HAN_CHAR.match(p) for p in parts):
        return ()
    return tuple(parts)


def analyze(text: str, index_mode: bool = False, folded: str | None = None) -> list[Tok]:
    """Tokens of `text`; with `index_mode`, sub-words of long words at the same position.
    `folded`: fold(text), or its part of a longer text's fold, when the caller has it."""
    folded = fold(text) if folded is None else folded
    out: list[Tok] = []
    pos = 0
    for word, start, end in segmenter().tokenize(folded, "default", True):
        if not wordlike(word):
            continue
        if index_mode and end - start > 2:
            for sub, s, e in subword_spans(word):
                out.append(Tok(sub, pos, start + s, start + e))
        out.append(Tok(word, pos, start, end))
        pos += 1
    return out


def tagged(folded: str) -> list[tuple[str, str]]:
    """jieba's words of a folded text with their part-of-speech tags (`tag` cuts as `tokenize` does),
    the last TAG_MEMO_SIZE texts remembered: the organization finder and the writer cut a text once."""
    if len(folded) > TAG_MEMO_MAX_CHARS:
        return segmenter().tag(folded, True)
    found = _tag_memo.get(folded)
    if found is None:
        if len(_tag_memo) >= TAG_MEMO_SIZE:
            _tag_memo.clear()
        found = _tag_memo[folded] = segmenter().tag(folded, True)
    return found


def index_positions(text: str) -> dict[str, list[int]]:
    """The words and sub-words of `analyze(text, index_mode=True)`, each with its positions in order:
    what the index's postings hold, without a Tok per token."""
    poses: dict[str, list[int]] = {}
    pos = 0
    for word, _ in tagged(fold(text)):
        if not wordlike(word):
            continue
        if len(word) > 2:
            for sub, _, _ in subword_spans(word):
                found = poses.get(sub)
                if found is None:
                    poses[sub] = [pos]
                else:
                    found.append(pos)
        found = poses.get(word)
        if found is None:
            poses[word] = [pos]
        else:
            found.append(pos)
        pos += 1
    return poses


@lru_cache(maxsize=200_000)
def wordlike(word: str) -> bool:
    """True for a word the index keeps (it has a letter, digit or Han character)."""
    return _WORDLIKE.search(word) is not None


def query_words(text: str) -> list[str]:
    """The words a query string is cut into (folded, no sub-words)."""
    return [t.text for t in analyze(text)]


class ChineseTokenizer(Tokenizer):
    """Whoosh tokenizer around `analyze`: index mode adds sub-words, query mode does not."""

    def __call__(
        self,
        value: str,
        positions: bool = False,
        chars: bool = False,
        keeporiginal: bool = False,
        removestops: bool = True,
        start_pos: int = 0,
        start_char: int = 0,
        mode: str = "",
        **kwargs,
    ) -> Iterator[Token]:
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        for tok in analyze(value, index_mode=(mode == "index")):
            token.text = tok.text
            token.boost = 1.0
            token.stopped = False
            if keeporiginal:
                token.original = value[tok.start : tok.end]
            if positions:
                token.pos = start_pos + tok.pos
            if chars:
                token.startchar = start_char + tok.start
                token.endchar = start_char + tok.end
            yield token


def ChineseAnalyzer() -> ChineseTokenizer:
    """The project's analyzer (a tokenizer; folding is done inside)."""
    return ChineseTokenizer()
