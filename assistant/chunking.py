"""Sentence-aware chunking that keeps exact character offsets into the article text."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

ABBREVIATIONS = {
    "mr",
    "mrs",
    "ms",
    "dr",
    "prof",
    "sr",
    "jr",
    "st",
    "mt",
    "gen",
    "col",
    "lt",
    "sgt",
    "capt",
    "gov",
    "sen",
    "rep",
    "pres",
    "inc",
    "ltd",
    "co",
    "corp",
    "vs",
    "etc",
    "no",
    "vol",
    "fig",
    "jan",
    "feb",
    "mar",
    "apr",
    "jun",
    "jul",
    "aug",
    "sep",
    "sept",
    "oct",
    "nov",
    "dec",
    "e.g",
    "i.e",
    "u.s",
    "u.k",
    "u.n",
    "approx",
    "est",
    "dept",
    "univ",
    "ave",
    "rd",
}
_BOUNDARY = re.compile(r"[.!?…]+[\"'”’»)\]]*(\s+)")
_NEXT_STARTS_SENTENCE = re.compile(r"[\"'“‘«(\[]?[A-Z0-9\u0400-\u04FF]")
_WORD_BEFORE = re.compile(r"([\w.]+)[.!?…]*[\"'”’»)\]]*\s*$")
_APPROX_TOKEN = re.compile(r"\w+|[^\w\s]")

TokenCounter = Callable[[str], int]
# A chunk also has a length limit in characters: a tokenizer reads a run of text without
# spaces (a pasted hash, a broken page) as one unknown word piece, however long it is.
CHARS_PER_TOKEN_LIMIT = 10


@dataclass(frozen=True)
class Span:
    """A ``[start, end)`` character range of the article text."""

    start: int
    end: int

    def of(self, text: str) -> str:
        """The text this span covers."""
        return text[self.start : self.end]


def approx_token_count(text: str) -> int:
    """Rough word-piece count (words and punctuation, plus a quarter for sub-words)."""
    return int(len(_APPROX_TOKEN.findall(text)) * 1.25) + 1


def _is_abbreviation(before: str) -> bool:
    match = _WORD_BEFORE.search(before)
    if not match:
        return False
    word = match.group(1).lower().rstrip(".")
    if word in ABBREVIATIONS:
        return True
    # Initials ("J. Smith") and dotted acronyms ("U.S.") do not end sentences.
    return len(word) == 1 and word.isalpha() or bool(re.fullmatch(r"(?:[a-z]\.)+[a-z]", word))


def split_sentences(text: str) -> list[Span]:
    """Sentence spans of ``text``; paragraph breaks always end a sentence."""
    spans: list[Span] = []
    for paragraph in re.finditer(r"[^\n]+(?:\n(?!\s*\n)[^\n]+)*", text):
        start = paragraph.start()
        chunk_end = paragraph.end()
        for boundary in _BOUNDARY.finditer(text, paragraph.start(), chunk_end):
            end = boundary.start(1)
            after = boundary.end()
            if after >= chunk_end or not _NEXT_STARTS_SENTENCE.match(text, after):
                continue
            if _is_abbreviation(text[max(start, end - 12) : end]):
                continue
            spans.append(_trimmed(text, start, end))
            start = after
        if text[start:chunk_end].strip():
            spans.append(_trimmed(text, start, chunk_end))
    return [span for span in spans if span.end > span.start]


def _trimmed(text: str, start: int, end: int) -> Span:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return Span(start, end)


def _too_long(piece: str, max_tokens: int, count: TokenCounter) -> bool:
    return len(piece) > max_tokens * CHARS_PER_TOKEN_LIMIT or count(piece) > max_tokens


def _split_long(text: str, span: Span, max_tokens: int, count: TokenCounter) -> list[Span]:
    """Cut a sentence longer than ``max_tokens`` at word boundaries.

    A "word" longer than ``max_tokens`` characters (a run of text without spaces) is cut
    every ``max_tokens`` characters, so that no piece exceeds either limit.
    """
    pieces, start = [], span.start
    word = re.compile(rf"\S{{1,{max_tokens}}}")
    words = [m.end() for m in word.finditer(text[span.start : span.end])]
    last_cut = span.start
    for offset in words:
        end = span.start + offset
        if _too_long(text[start:end], max_tokens, count) and last_cut > start:
            pieces.append(_trimmed(text, start, last_cut))
            start = last_cut
        last_cut = end
    pieces.append(_trimmed(text, start, span.end))
    return [piece for piece in pieces if piece.end > piece.start]


def chunk_spans(
    text: str,
    max_tokens: int = 200,
    overlap_tokens: int = 40,
    count: TokenCounter = approx_token_count,
) -> list[Span]:
    """Pack whole sentences into chunks of at most ``max_tokens``, overlapping by sentences.

    Each chunk is one contiguous span of ``text`` (so a citation can quote it exactly);
    consecutive chunks share their boundary sentences up to ``overlap_tokens``.
    """
    sentences: list[Span] = []
    for sentence in split_sentences(text):
        if _too_long(sentence.of(text), max_tokens, count):
            sentences.extend(_split_long(text, sentence, max_tokens, count))
        else:
            sentences.append(sentence)
    sizes = [count(sentence.of(text)) for sentence in sentences]
    max_chars = max_tokens * CHARS_PER_TOKEN_LIMIT
    chunks: list[Span] = []
    first = 0
    while first < len(sentences):
        last, total = first, sizes[first]
        while (
            last + 1 < len(sentences)
            and total + sizes[last + 1] <= max_tokens
            and sentences[last + 1].end - sentences[first].start <= max_chars
        ):
            last += 1
            total += sizes[last]
        chunks.append(Span(sentences[first].start, sentences[last].end))
        if last + 1 >= len(sentences):
            break
        next_first, overlap = last + 1, 0
        while next_first - 1 > first and overlap + sizes[next_first - 1] <= overlap_tokens:
            next_first -= 1
            overlap += sizes[next_first]
        first = next_first
    return chunks
