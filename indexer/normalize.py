"""Normalize stage: strip pinyin glosses, tidy whitespace, fold script for analysis.

Display text keeps its original script; `fold` produces a same-length Simplified,
half-width, lower-case twin used only for analysis, so character offsets computed
on the folded text are valid in the original.
"""
from __future__ import annotations

import re
from functools import lru_cache

import numpy as np
import opencc

_TONED = "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜńňǹḿ"
# A toned pinyin syllable in brackets glued to the character before it: 質(zhì)量 -> 質量.
# The tone mark is required, so （一）, (徐東周), (3C) and (Quality Month) never match. The
# character before may be any non-space one: damaged archives have glosses after mojibake (喇a(chǎn)).
PINYIN_GLOSS = re.compile(
    rf"(?<=[^\s(（])[(（]\s?[a-zü]{{0,6}}[{_TONED}][a-zü{_TONED}]{{0,6}}\s?[)）]"
)
# A toneless gloss, 質(zhi)(zhi)量(liang): a pinyin syllable in brackets after a character or
# after another gloss. (QC), (ISO), (2022), (Quality Month) are no syllable. Stripped only on
# a page that glosses (toned glosses, or at least TONELESS_MIN toneless ones): a lone "(tea)"
# elsewhere stays.
TONELESS_GLOSS = re.compile(
    r"(?<=[\u3400-\u9fff)）])[(（](?:zh|ch|sh|[bpmfdtnlgkhjqxrzcsyw])?(?:[aeiouvü]){1,3}(?:ng|n|r)?[)）]"
)
TONELESS_MIN = 3
_SPACES = re.compile(r"[ \t\u00a0\u2002\u2003\u2009\u200b\u3000]+")
_BLANK_LINES = re.compile(r"\n{3,}")
_INVISIBLE = re.compile(r"[\ufeff\u200b\u200c\u200d\u2060\u00ad]")

# Full-width ASCII (Ａ-Ｚ, ０-９, ！-～) to half-width: one character each, so lengths hold.
_FULL_WIDTH = re.compile("[\uff01-\uff5e]")

_converter = opencc.OpenCC("tw2s")


def strip_pinyin(text: str) -> str:
    """Remove the pinyin glosses that follow Chinese characters: toned ones always, toneless ones
    (質(zhi)(zhi)量) on a page that glosses."""
    stripped, toned = PINYIN_GLOSS.subn("", text)
    if "(" not in stripped and "（" not in stripped:
        return stripped
    toneless = TONELESS_GLOSS.findall(stripped)
    if toned or len(toneless) >= TONELESS_MIN:
        stripped = TONELESS_GLOSS.sub("", stripped)
    return stripped


def tidy_whitespace(text: str) -> str:
    """Collapse runs of spaces, strip each line and keep at most one blank line."""
    lines = (_SPACES.sub(" ", line).strip() for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"))
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()


# Line breaks saved as the letters \r\n (a crawler's escaped string): breaks again when a text has many.
_LITERAL_BREAK = re.compile(r"(?:\\r)?\\n")
LITERAL_BREAKS_MIN = 3


def normalize_text(text: str) -> str:
    """Clean display text: pinyin glosses out, escaped line breaks restored, whitespace tidied."""
    if "\\n" in text and len(_LITERAL_BREAK.findall(text)) >= LITERAL_BREAKS_MIN:
        text = _LITERAL_BREAK.sub("\n", text)
    return tidy_whitespace(strip_pinyin(_INVISIBLE.sub("", text)))


@lru_cache(maxsize=65536)
def _fold_char(ch: str) -> str:
    converted = _converter.convert(ch)
    return converted if len(converted) == 1 else ch


@lru_cache(maxsize=1)
def _convertible() -> re.Pattern:
    """Any character tw2s changes on its own, or any beyond the BMP (for which a character class
    of thousands is slow to test): a text with none of them is left as it is."""
    # Computed from OpenCC itself, in one call: every character, each on a line of its own, compared
    # as code-point arrays (the server's first query pays for this: 0.03 s).
    codes = np.concatenate([np.arange(0x80, 0xD800), np.arange(0xE000, 0x10000)]).astype(np.uint32)
    lines = np.full(2 * len(codes), ord("\n"), dtype=np.uint32)
    lines[::2] = codes
    joined = lines.tobytes().decode("utf-32-le")
    out = _converter.convert(joined)
    if len(out) == len(joined):
        after = np.frombuffer(out.encode("utf-32-le"), dtype=np.uint32)[::2]
        changed = "".join(map(chr, codes[after != codes].tolist()))
    else:  # a character became several: compare line by line
        changed = "".join(c for c, o in zip(joined[::2], out.split("\n")) if o != c)
    return re.compile(f"[{re.escape(changed)}\U00010000-\U0010ffff]")


def to_simplified(text: str) -> str:
    """Traditional to Simplified with OpenCC tw2s, guaranteed to keep the length."""
    if _convertible().search(text) is None:
        # Most texts are Simplified already: OpenCC's pass over them was 3 % of a build.
        return text
    converted = _converter.convert(text)
    if len(converted) == len(text):
        return converted
    # A phrase rule changed the length: convert character by character instead.
    return "".join(_fold_char(ch) for ch in text)


FOLD_MEMO_MIN = 64  # characters: a document's text (and its passages) is folded by several of its extractors
FOLD_MEMO_SIZE = 4  # texts: a page's text, title and the passages cut from them
_fold_memo: dict[str, str] = {}


def fold(text: str) -> str:
    """Same-length analysis form: Simplified, half-width ASCII, lower-case."""
    if len(text) < FOLD_MEMO_MIN:
        return _fold(text)
    folded = _fold_memo.get(text)
    if folded is None:
        if len(_fold_memo) >= FOLD_MEMO_SIZE:
            _fold_memo.clear()
        folded = _fold_memo[text] = _fold(text)
    return folded


def half_width(text: str) -> str:
    """Full-width ASCII characters as half-width ones (，→ , Ａ → A); the length is kept."""
    # str.translate looks every character of a Chinese text up in its table; replacing the few
    # full-width characters the text has (，：（）) is 4-5x faster on news pages.
    for ch in set(_FULL_WIDTH.findall(text)):
        text = text.replace(ch, chr(ord(ch) - 0xFEE0))
    return text


def _fold(text: str) -> str:
    folded = half_width(to_simplified(text))
    lowered = folded.lower()
    if len(lowered) == len(folded):
        return lowered
    return "".join(c if len(c.lower()) != 1 else c.lower() for c in folded)
