"""Snippets: the best matching sentences, in the document's own script, words in <mark>.

Sentences split on 。！？；!?; and line breaks. Candidate sentences are found by a cheap
substring search on the folded text (same length as the original, so offsets carry
over); only those are analyzed, and marks go on real tokens, never on a substring that
merely looks like a query word (空气质量月报 does not mark 质量月).

Bounded work: a snippet is taken from the first SNIPPET_SCAN_CHARS characters of a
document, at most MAX_TRIED sentences are analyzed, and of a sentence longer than the
snippet only windows around its first substring hits are.
"""
from __future__ import annotations

import re
from html import escape

from markupsafe import Markup

from indexer.normalize import fold
from indexer.segment import analyze

SNIPPET_CHARS = 160
SNIPPET_SCAN_CHARS = 100_000
MAX_TRIED = 12  # sentences (or windows of a long one) analyzed for one snippet
_SENTENCE = re.compile(r"[^。！？；!?;\n]*[。！？；!?;]?")
_NONSPACE = re.compile(r"\S")


def _sentences(text: str) -> list[tuple[int, int]]:
    spans = []
    for m in _SENTENCE.finditer(text):
        start, end = m.span()
        while start < end and text[start].isspace():
            start += 1
        if end > start:
            spans.append((start, end))
    return spans


Term = str | tuple[str, ...]  # a word, or a phrase as its words


def match_spans(text: str, words: list[Term], folded: str | None = None) -> list[tuple[int, int]]:
    """Character spans of `text` where a query word is a token (sub-words included), and where a
    phrase's words are tokens at consecutive positions (the whole phrase marked, not its words).
    `folded`: the text's part of its document's fold, when the caller has it."""
    if not words or not text:
        return []
    wanted = {w for w in words if isinstance(w, str)}
    phrases = [w for w in words if not isinstance(w, str)]
    spans = []
    at: dict[int, dict[str, tuple[int, int]]] = {}
    for tok in analyze(text, index_mode=True, folded=folded):
        if tok.text in wanted:
            spans.append((tok.start, tok.end))
        if phrases:
            at.setdefault(tok.pos, {}).setdefault(tok.text, (tok.start, tok.end))
    for phrase in phrases:
        for pos, here in at.items():
            if phrase[0] in here and all(w in at.get(pos + k, ()) for k, w in enumerate(phrase) if k):
                spans.append((here[phrase[0]][0], at[pos + len(phrase) - 1][phrase[-1]][1]))
    return _merge(spans)


def _parts(term: Term) -> tuple[str, ...]:
    return (term,) if isinstance(term, str) else term


def _merge(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def mark(text: str, spans: list[tuple[int, int]]) -> Markup:
    """`text` HTML-escaped with the given spans wrapped in <mark>."""
    out, last = [], 0
    for start, end in spans:
        out.append(escape(text[last:start]))
        out.append("<mark>" + escape(text[start:end]) + "</mark>")
        last = end
    out.append(escape(text[last:]))
    return Markup("".join(out))


def highlight(text: str, words: list[Term]) -> Markup:
    """The whole of `text` (a title, a document) escaped, query words marked."""
    return mark(text, match_spans(text, words))


def _hits(folded: str, words: list[Term], start: int, end: int, most: int = 3) -> list[int]:
    """Offsets of the first substring hits of any word (a phrase's first word) in folded[start:end]."""
    found: set[int] = set()
    for term in words:
        word = _parts(term)[0]
        at = folded.find(word, start, end)
        n = 0
        while at >= 0 and n < most:
            found.add(at)
            at = folded.find(word, at + 1, end)
            n += 1
    return sorted(found)[:most]


def snippet(text: str, words: list[Term], size: int = SNIPPET_CHARS) -> Markup:
    """Up to `size` characters around the best matching sentences, escaped and marked."""
    return snippet_at(text, words, size)[0]


def snippet_at(text: str, words: list[Term], size: int = SNIPPET_CHARS) -> tuple[Markup, int | None]:
    """The snippet, and where in the text its best matching piece starts (None when nothing matched)."""
    if not text:
        return Markup(""), None
    full = text
    text = text[:SNIPPET_SCAN_CHARS]
    folded = fold(text)
    sentences = _sentences(text)
    scored = []
    for index, (start, end) in enumerate(sentences):
        piece = folded[start:end]
        hits = [w for w in words if all(part in piece for part in _parts(w))]
        if hits:
            # A sentence that may hold a phrase outranks any number of loose words.
            phrases = sum(1 for w in hits if not isinstance(w, str))
            scored.append((phrases, len(set(hits)), sum(piece.count(_parts(w)[0]) for w in hits), -index, start, end))
    # (start, end, marks relative to start)
    chosen: list[tuple[int, int, list[tuple[int, int]]]] = []
    budget = size
    tried = 0
    for *_, start, end in sorted(scored, reverse=True):
        if tried >= MAX_TRIED:
            break
        if end - start > budget:
            if chosen:
                continue
            # One long sentence: a window around one of its first hits that is a real match
            # (the window is analyzed on its own; its edges may cut a token).
            for first in _hits(folded, words, start, end):
                tried += 1
                w_start = max(start, min(first - budget // 3, end - budget))
                w_end = min(end, w_start + budget)
                spans = match_spans(text[w_start:w_end], words, folded[w_start:w_end])
                if spans:
                    chosen.append((w_start, w_end, spans))
                    budget -= w_end - w_start
                    break
        else:
            tried += 1
            spans = match_spans(text[start:end], words, folded[start:end])
            if not spans:
                continue  # only a look-alike substring: not a real match
            chosen.append((start, end, spans))
            budget -= end - start
        if budget < 20:
            break
    best = chosen[0][0] if chosen else None
    if not chosen:
        start, end = sentences[0] if sentences else (0, min(len(text), size))
        end = min(end, start + size)
        chosen = [(start, end, match_spans(text[start:end], words, folded[start:end]))]
    parts = []
    previous_end = 0
    for start, end, spans in sorted(chosen, key=lambda c: c[0]):
        # An ellipsis wherever text was left out before this piece.
        if start > previous_end and text[previous_end:start].strip():
            parts.append(Markup("…"))
        parts.append(mark(text[start:end], spans))
        previous_end = end
    if _NONSPACE.search(full, previous_end):
        parts.append(Markup("…"))
    return Markup("").join(parts), best
