"""Quotes without padding (issue 12): which sentences of a multi-sentence quote to keep.

A fragment ("They are unable to respond…", "But sportsbooks are gathering this…") is only
quotable with the sentence it leans on, so a candidate quote can be a run of sentences: a
lead-in and the fragments after it. Quoted whole, the run's other sentences are padding to a
reader. A quote keeps the sentences that carry a part's key terms (or the answer's name),
the lead-in that the first of them leans on, and nothing after the last one that adds a key
term the sentences before it lack.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import replace
from typing import Any

from .captions import ends_in_credit, glued_credit_end, opens_with_credit
from .chunking import Span, split_sentences
from .claims import Claim
from .debris import (
    asks,
    dateline_length,
    heading_length,
    is_debris,
    is_fragment,
    leans_on_previous,
)
from .lead import names_form
from .lexical import tokenize
from .referents import referent
from .verdict import match

RELEVANT = 0.7  # of the run's best sentence's match, for a sentence to carry key terms
OWN_GAIN = 0.15  # ...or the share of a part's key terms only it of the run holds

_ANSWER = "\0answer"  # stands for the answer's name among a sentence's carried terms


Run = tuple[tuple[int, int], ...]


def quotable_spans(text: str) -> list[tuple[int, int, Run]]:
    """The ``(start, end, run)`` spans of ``text`` that may be quoted: each sentence that is
    not debris, without a leading dateline or glued heading; a fragment with the sentences it
    leans on, ``run`` then holding each sentence's span (else empty). A fragment right after
    debris, a heading or an attribution line ("… reports:") has no lead-in and is skipped.
    A photo's credit and its caption (the sentence before the credit on its line) are not
    quotable; a sentence glued after a credit ("Credit: Getty Prior had blasted…") is."""
    spans: list[tuple[int, int, Run]] = []
    run: list[tuple[int, int]] = []  # the last quotable sentence and its lead-ins
    previous = Span(0, 0)
    for span in split_sentences(text):
        start = span.start + dateline_length(span.of(text))
        if _captioned(text, previous, span, start) and spans and spans[-1][1] == previous.end:
            spans.pop()  # the sentence before a photo's credit is its caption
        previous = span
        opening = _opening(text, start, span.end)
        if opening != start:
            run = []  # debris, a credit or a heading: nothing before it is a lead-in
        if opening < 0:
            continue
        start = opening
        if not is_fragment(text[start : span.end]):
            run = [(start, span.end)]
        elif run:
            run.append((start, span.end))
        else:
            continue
        first = run[0][0]
        spans.append((first, span.end, tuple(run) if len(run) > 1 else ()))
        if text[first : span.end].rstrip().endswith(":"):
            run = []
    return spans


def _captioned(text: str, previous: Span, span: Span, start: int) -> bool:
    """Whether the sentence at ``start`` is a photo's credit on the line of ``previous``."""
    return opens_with_credit(text[start : span.end]) and _same_line(text, previous, span)


def _opening(text: str, start: int, end: int) -> int:
    """Where the quotable text of the sentence ``text[start:end]`` begins: after a photo
    credit or a heading glued before it; -1 when none of it is quotable."""
    glued = _after_credit(text, start, end)
    if glued < 0:
        return -1
    if glued > start:  # "Credit: Getty Images Loading Earlier today, he was…"
        glued += dateline_length(text[glued:end])
    start = glued
    if is_debris(text[start:end]):
        return -1
    start += heading_length(text[start:end])
    return -1 if is_debris(text[start:end]) else start


def _after_credit(text: str, start: int, end: int) -> int:
    """Where the article's text resumes in the sentence ``text[start:end]`` after a photo
    credit glued into it ("Credit: Getty Prior had blasted…"): ``start`` without one, -1
    when the sentence is a credit or a caption ending in one."""
    sentence = text[start:end]
    glued = glued_credit_end(sentence)
    if glued:
        return start + glued
    return -1 if opens_with_credit(sentence) or ends_in_credit(sentence) else start


def _same_line(text: str, before: Span, span: Span) -> bool:
    """Whether ``span`` follows ``before`` on the same line of ``text``."""
    return before.end > 0 and "\n" not in text[before.end : span.start]


def kept_range(
    sentences: Sequence[str],
    carried: Sequence[frozenset[str]],
    standing: Sequence[bool] = (),
) -> tuple[int, int]:
    """``(first, last)`` indices of the sentences of a run to quote.

    ``sentences[i]`` carries the key terms ``carried[i]`` (empty: none). The quote is the
    shortest stretch of the run that carries every term the run carries and whose first
    sentence can stand alone (or is the run's first): a fragment keeps the sentence it
    leans on, and further back while that one leans on its own previous sentence ("He
    asked… He was concerned…"), but "But Amodei was unhappy…" needs no lead-in. Of two as
    short, the earlier. A run with no key term is kept whole.

    A question ("…or a well-meaning founder?") is no evidence: it carries no term, a quote
    neither opens nor ends on one, and the sentence answering it ("But Bankman-Fried… was
    no liar") is quoted without it.
    """
    if len(sentences) != len(carried):
        raise ValueError("one set of carried terms per sentence")
    asked = [asks(s) for s in sentences]
    carried = [frozenset() if question else c for question, c in zip(asked, carried)]
    needed = frozenset().union(*carried)
    best = _without_questions(asked)
    if not needed:
        return best
    for first in range(len(sentences)):
        if asked[first]:
            continue
        stands = first < len(standing) and standing[first]
        if first and leans_on_previous(sentences[first]) and not asked[first - 1] and not stands:
            continue
        have: frozenset[str] = frozenset()
        for last in range(first, len(sentences)):
            have |= carried[last]
            if have >= needed:
                if last - first < best[1] - best[0]:
                    best = (first, last)
                break
    return best


def _without_questions(asked: Sequence[bool]) -> tuple[int, int]:
    """The run's ``(first, last)`` without the questions at its ends (all of it if it only
    asks)."""
    kept = [i for i, question in enumerate(asked) if not question]
    return (kept[0], kept[-1]) if kept else (0, len(asked) - 1)


def trimmed(candidate: Any, claims: Sequence[Claim], weights, forms: Iterable[str] = ()) -> Any:
    """``candidate`` (an extractive ``_Candidate``) cut to the sentences :func:`kept_range`
    keeps, given the ``claims`` it may speak to and the ``forms`` of the answer's name.

    A sentence carries its key terms only when it speaks to a claim about as well as the
    run's best sentence does (``RELEVANT`` of its match): "He could face up to 115 years
    in jail" shares "charges" with a question on the trial's charges but adds nothing to the
    sentence that lists them. A sentence also carries them when the terms only it holds are
    ``OWN_GAIN`` of a part's, its names counting double ("It comes despite Argentina
    knocking over the All Blacks…" on a part about Argentina). A sentence naming the
    answer is always kept."""
    spans = candidate.sentences
    if len(spans) < 2:
        return candidate
    text = candidate.document.page_content
    sentences = [text[a:b] for a, b in spans]
    words = [frozenset(tokenize(s)) for s in sentences]
    terms = frozenset().union(*(c.terms for c in claims))
    about = [_without_names(c) for c in claims]
    scores = [
        0.0 if asks(s) else max((match(c, w, weights) for c in about), default=0.0)
        for s, w in zip(sentences, words)
    ]  # a question sets no bar for the sentences that answer it
    bar = RELEVANT * max(scores)
    own = [w.difference(*(o for j, o in enumerate(words) if j != i)) for i, w in enumerate(words)]
    gains = [max((match(c, w, weights) for c in claims), default=0.0) for w in own]
    names = list(forms)
    carried = [
        (w & terms if (score > 0 and score >= bar) or gain >= OWN_GAIN else frozenset())
        | ({_ANSWER} if names and names_form(names, s) else set())
        for s, w, score, gain in zip(sentences, words, scores, gains)
    ]
    surnames = _surnames(claims)
    standing = [_names_its_owner(s, surnames) for s in sentences]
    first, last = kept_range(sentences, carried, standing)
    named = _named_subject(sentences, carried, scores, first, text)
    if named:
        first, name = named
        candidate = replace(candidate, referent=name)
    if (first, last) == (0, len(spans) - 1):
        return candidate
    start, end = spans[first][0], spans[last][1]
    quote = text[start:end]
    kept = spans[first : last + 1]
    return replace(
        candidate,
        start=start,
        end=end,
        text=quote,
        words=frozenset(tokenize(quote)),
        sentences=tuple(kept) if len(kept) > 1 else (),
    )


_POSSESSIVE = re.compile(r"^[“\"']?(?:His|Her)\b")


def _surnames(claims: Sequence[Claim]) -> frozenset[str]:
    """The last words of the people's names the claims name ("Mitchell" of Tyler Mitchell)."""
    return frozenset(
        word.split()[-1]
        for claim in claims
        for word in claim.words
        if " " in word and word[:1].isupper() and set(tokenize(word)) <= claim.names
    )


def _names_its_owner(sentence: str, surnames: frozenset[str]) -> bool:
    """A "His …"/"Her …" sentence that names the part's person itself ("His career has only
    blossomed…, Mitchell is clear-eyed"): the reader needs no lead-in to know whose."""
    if not _POSSESSIVE.match(sentence.strip()):
        return False
    return any(re.search(rf"\b{re.escape(name)}\b", sentence) for name in surnames)


def _named_subject(sentences, carried, scores, first: int, passage: str):
    """``(index, name)`` of the first sentence carrying key terms when the lead-ins before
    it hold none of the parts' terms but names (``scores`` 0) and so only say who its "He"
    is: the quote starts there with the name in brackets (:mod:`referents`). None else."""
    opening = next((i for i, c in enumerate(carried) if c), first)
    if opening <= first or any(scores[first:opening]):
        return None
    name = referent(sentences[first : opening + 1], passage)
    return (opening, name) if name else None


def _without_names(claim: Claim) -> Claim:
    """The claim's terms but the names it names: the fragments of a run speak of the
    lead-in's subject as "he" or "it", so a name is no sign of which sentence is on topic
    ("He immediately left the game… would not return" after "Derrick Henry suffered…")."""
    rest = claim.terms - claim.names
    return replace(claim, terms=rest, names=frozenset()) if rest else claim


NEAR_DUPLICATE = 0.8  # share of two sentences' terms in common for one to repeat the other


def without_near_duplicates(chosen: list) -> list:
    """The chosen quotes without one repeating an earlier one of the same article (the same
    sentence in overlapping chunks). Another article's near-copy stays: it is the quote of
    its own part ("the Sorcerer builds for season 2", "the Barbarian builds for season 2"
    from two Polygon guides), and dropping it would say nothing matches that part."""
    kept: list = []
    for candidate in chosen:
        words = set(tokenize(candidate.text))
        if any(_repeats(words, candidate, other) for other in kept):
            continue
        kept.append(candidate)
    return kept


def _repeats(words: set[str], candidate, other) -> bool:
    if candidate.key[0] != other.key[0]:
        return False
    other_words = set(tokenize(other.text))
    return len(words & other_words) / max(len(words | other_words), 1) > NEAR_DUPLICATE
