"""A part's point (issue 12): the quote of a part that names someone should speak to what the
part says of them, not only name them.

"TechCrunch … Sam Bankman-Fried's alleged motives for committing fraud" was quoted with "Sam
Bankman-Fried is in court for alleged fraud and money laundering": the names and the topic,
not the point. A part's point words are its key terms other than its names and framing words;
among the sentences of its best quote's article, a point word is the rarer the fewer of them
hold it. When the best quote lacks the rarest point word another of those sentences holds,
and one holding it (and a name of the part) keeps enough of the best's match and holds more
of the point, that one is a rival; the answerer quotes a rival only when it is also closer in
meaning to the part (``semantic.with_meaning``).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from typing import Any

from .claims import Claim
from .lexical import STOPWORDS, tokenize

# Calibrated on MultiHop-RAG dev with benchmarks/answers.py (docs/answers.md).
POINT_KEPT = 0.6  # share of the best quote's match a rival must keep
POINT_GAIN = 0.1  # share of the part's point (rarity-weighted) a rival must hold beyond the best's
# words of how a question frames a claim ("Does X claim…", "credits…", "simply reports"): not
# a part's point, and a reader is not told an article "does not mention claims" (verdict)
FRAMING_WORDS = frozenset(
    tokenize(
        "claim claims claimed attribute attributes attributed credit credits credited state "
        "states stated perceive perceived simply within terms seen specific specifically "
        "suggesting indicating emphasizing emphasising noting noted fail fails failed"
    )
)
_JOINING_NAMES = frozenset(tokenize("vs v"))  # "Vikings vs. Broncos": part of the names


def named_terms(claim: Claim) -> frozenset[str]:
    """The key terms of what a part names: its names and the words it capitalises ("Sam
    Bankman-Fried's", which a name list may miss)."""
    capitalised = {t for w in claim.words if w[:1].isupper() for t in tokenize(w)}
    return frozenset((set(claim.names) | capitalised | _JOINING_NAMES) & claim.terms)


def point_terms(claim: Claim) -> frozenset[str]:
    """The key terms of what a part says of what it names."""
    return frozenset(claim.terms - named_terms(claim) - FRAMING_WORDS)


def article_rarity(candidates: list, article: str) -> dict[str, float]:
    """Each term's rarity among the sentences of ``article`` (log(1 + n / holding))."""
    sentences = {c.key[1]: c.words for c in candidates if c.key[0] == article}
    counts: dict[str, int] = {}
    for words in sentences.values():
        for term in words:
            counts[term] = counts.get(term, 0) + 1
    n = max(len(sentences), 1)
    return {term: math.log(1 + n / count) for term, count in counts.items()}


def point_share(claim: Claim, words: frozenset[str], rarity: dict[str, float]) -> float:
    """The rarity-weighted share of the part's point words among ``words`` (a word the
    article lacks weighs 1)."""
    point = point_terms(claim)
    total = sum(rarity.get(t, 1.0) for t in point)
    return sum(rarity.get(t, 1.0) for t in point & words) / total if total else 0.0


def _people(claim: Claim) -> list[tuple[str, str]]:
    """(first name, surname) of each person the part names in two or three capitalised words."""
    names = [w.split() for w in claim.words if 2 <= len(w.split()) <= 3]
    return [(n[0], n[-1]) for n in names if all(part[:1].isupper() for part in n)]


def _by_shared_surname(claim: Claim, candidate, sentences: list) -> bool:
    """Whether ``candidate`` names a person of the part by surname alone where the article
    names another of that surname ("Shiffrin has long been a dominant force" is Mikaela, not
    the Jeff Shiffrin the part asks about)."""
    for first, surname in _people(claim):
        if set(tokenize(first)) <= candidate.words or not set(tokenize(surname)) <= candidate.words:
            continue
        # a first name inside a sentence ("daughter, Mikaela Shiffrin"), not its opening word
        pattern = re.compile(rf"(?<=[a-z,;:] )([A-Z][\w'’-]*) {re.escape(surname)}\b")
        found = {m for s in sentences for m in pattern.findall(s.text)}
        if {m for m in found if m.lower() not in STOPWORDS} - {first}:  # not "The Rangers"
            return True
    return False


def rivals(
    claim: Claim,
    chosen: tuple[float, Any],
    scored: list[tuple[float, Any]],
    candidates: list,
    order: Callable[[tuple[float, Any]], float],
) -> tuple[tuple[float, Any], ...]:
    """The ``scored`` sentences (match, candidate) of the article of the ``chosen`` best that
    speak more to the part's point, the most first (ties by ``order``); none when the part
    names no one or the best holds the rarest point word its article's sentences hold."""
    best_match, best = chosen
    names, point = named_terms(claim), point_terms(claim)
    if not names or not point:
        return ()
    same = [(m, c) for m, c in scored if c.key[0] == best.key[0]]
    held = point & frozenset().union(*(c.words for _, c in same))
    rarity = article_rarity(candidates, best.key[0])
    rarest = max(sorted(held), key=lambda t: rarity.get(t, 1.0), default=None)
    if rarest is None or rarest in best.words:
        return ()
    bar = point_share(claim, best.words, rarity) + POINT_GAIN
    found = [
        (m, c)
        for m, c in same
        if rarest in c.words
        and names & c.words
        and m >= POINT_KEPT * best_match
        and point_share(claim, c.words, rarity) >= bar
        and not _by_shared_surname(claim, c, [s for s in candidates if s.key[0] == best.key[0]])
    ]
    kept = point & best.words  # ties: the one keeping more of what the best says of the point
    found.sort(
        key=lambda item: (
            -round(point_share(claim, item[1].words, rarity), 6),
            -len(kept & item[1].words),
            -order(item),
        )
    )
    return tuple(found)
