"""Answers to "What does TASS say about Kherson?" (issue 12): an outlet's view of a topic is
more than its one best sentence, so such a question quotes the outlet's few best sentences
that name the topic, each adding something the others do not say."""

from __future__ import annotations

import re

from .lexical import tokenize

SUMMARY_POINTS = 3  # sentences quoted for "what does X say about Y"
NEW_WORDS = 0.5  # share of a further sentence's terms the sentences before it must lack

# "What does TASS say about Kherson?", "What did fakty.com.ua report on the talks?"
_ASKS_VIEW = re.compile(
    r"^\s*what\s+(?:does|do|did)\b.*\b(?:say|report|write|tell)\s+(?:about|on|regarding)\s+"
    r"(?P<topic>[^?]{3,80})\??\s*$",
    re.I,
)


def asks_view(question: str) -> bool:
    """Whether the question asks what an outlet says about a topic, nothing more."""
    return _ASKS_VIEW.match(question) is not None


def summary_points(question: str, claims, candidates: list, chosen: list) -> list:
    """Further sentences for a "what does X say about Y" answer: the named outlet's best
    scored sentences naming every key term of the question's one part, each with at least
    ``NEW_WORDS`` of its terms new to the quotes before it, up to ``SUMMARY_POINTS`` in all."""
    if not asks_view(question) or len(claims) != 1 or not chosen or not claims[0].terms:
        return []
    claim = claims[0]
    outlets = {claim.outlet} if claim.outlet else {c.outlet for c in chosen}
    seen = frozenset().union(*(c.words for c in chosen))
    extra: list = []
    ranked = sorted(candidates, key=lambda c: -c.score)
    for candidate in ranked:
        if len(chosen) + len(extra) >= SUMMARY_POINTS:
            break
        if candidate in chosen or candidate.outlet not in outlets:
            continue
        if not claim.terms <= candidate.words or any(_overlap(candidate, c) for c in chosen):
            continue
        words = frozenset(tokenize(candidate.text))
        if len(words - seen) < NEW_WORDS * len(words):
            continue
        extra.append(candidate)
        seen |= words
    return extra


def _overlap(a, b) -> bool:
    """Two quotes of one article sharing text (a fragment's run and its lead-in)."""
    return a.key[0] == b.key[0] and a.key[1] < b.key[2] and b.key[1] < a.key[2]
