"""Splitting a multi-part question into its parts, each with the outlet it names.

"Does the TechCrunch article on X suggest ..., while the article from The Verge on Y ...?"
has two parts, one per outlet; "Which company, reported by both Fortune and TechCrunch, is
known for A and is also accused of B?" has a part per clue (A, B); "Did the Sporting News
report on A come before the CBS Sports report on B?" has a part per event. A part is the
clause's own words; retrieval searches for each part so that every part's evidence is found.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from .lexical import tokenize
from .outlets import outlets_named_in

_MONTHS = "january|february|march|april|may|june|july|august|september|october|november|december"
# Where one clue, side or event of a question ends and the next begins.
_BOUNDARY = re.compile(
    r"\s*(?:[,;:?]|\s-\s|\u2014)\s*"
    r"|\s+(?=(?:while|whereas|but|and\s+(?:is|was|has|does|did|also|then|that|the|a|an|in|"
    r"according|as|how|what|which|who|whether)|or\s+(?:is|was|does|did|has)|in\s+contrast|"
    r"compared\s+to|than|(?:before|after|following|prior\s+to)"
    r"(?!\s+(?:the\s+)?(?:\d|" + _MONTHS + r")))\b)",
    re.I,
)
# a short clause of time ends the piece before it, not the next one
_TIME_CLAUSE = re.compile(r"(?:before|after|following|prior\s+to)\b", re.I)
MIN_PART_TERMS = 3  # a part with fewer content words is joined to its neighbour
MAX_PARTS = 6
# Words that say where a clue comes from or what is asked for, not what it is about: a piece
# made only of these and outlet names ("Who is the individual that, according to articles
# from both Fortune and TechCrunch,") is no clue of its own.
_FRAMING = frozenset(
    tokenize(
        "individual person people company firm organization entity article articles report "
        "reports reported reporting according published publication covered coverage "
        "mentioned news story stories outlet source sources"
    )
)


@dataclass(frozen=True)
class QuestionPart:
    """One part of a question: its words and the outlet it names (None when it names none)."""

    text: str
    outlet: str | None = None


_DATE_COMMA = re.compile(r"\b(" + _MONTHS + r")\s+(\d{1,2}),\s*(?=\d{4}\b)", re.I)
_THOUSANDS = re.compile(r"(?<=\d),(?=\d{3}\b)")  # "2,000-plus yards" is one number


def _pieces(question: str) -> list[str]:
    question = _DATE_COMMA.sub(r"\1 \2 ", question)  # "November 6, 2023" is one date
    question = _THOUSANDS.sub("", question)
    pieces = [piece.strip(" '\"\u2018\u2019\u201c\u201d") for piece in _BOUNDARY.split(question)]
    return [piece for piece in pieces if piece]


def _clue_terms(text: str, known: list[str]) -> list[str]:
    """The words of ``text`` that say what it is about: no outlet names, no framing words."""
    named = {term for outlet in outlets_named_in(text, known) for term in tokenize(outlet)}
    return [term for term in tokenize(text) if term not in named and term not in _FRAMING]


def _merged(pieces: list[str], known: list[str]) -> list[str]:
    """Pieces with too few clue words to search for alone are joined to the piece after
    (or, at the end, before); a short "before it was recognized" to the piece before."""
    merged: list[str] = []
    carry = ""
    for piece in pieces:
        text = f"{carry} {piece}".strip()
        if len(_clue_terms(text, known)) < MIN_PART_TERMS:
            if merged and not carry and _TIME_CLAUSE.match(piece):
                merged[-1] = f"{merged[-1]} {piece}"  # "…success before it was recognized"
                continue
            carry = text
            continue
        merged.append(text)
        carry = ""
    if carry:
        if merged:
            merged[-1] = f"{merged[-1]} {carry}"
        else:
            merged.append(carry)
    return merged


def question_parts(question: str, known_outlets: Iterable[str]) -> list[QuestionPart]:
    """The parts of ``question`` (at most ``MAX_PARTS``); one part means a single-part question.

    A piece that only names an outlet ("as reported by TechCrunch") carries no clue of its
    own: the outlet goes to the neighbouring clue that names none.
    """
    known = list(known_outlets)
    parts: list[QuestionPart] = []
    for text in _merged(_pieces(_hyphens_kept(question, known)), known):
        named = outlets_named_in(text, known)
        outlet = named[0] if len(named) == 1 else None
        parts.append(QuestionPart(text, outlet))
    parts = _without_duplicates(parts)
    return parts[:MAX_PARTS] if len(parts) > 1 else [QuestionPart(question)]


def _hyphens_kept(question: str, known: list[str]) -> str:
    """The question with the " - " inside outlet names ("The Independent - Life and Style")
    written with an en dash (no boundary), so that its part keeps the outlet."""
    for outlet in known:
        if " - " in outlet:
            joined = outlet.replace(" - ", " \u2013 ")
            question = re.sub(re.escape(outlet), joined, question, flags=re.I)
    return question


def _without_duplicates(parts: list[QuestionPart]) -> list[QuestionPart]:
    seen: set[tuple[frozenset[str], str | None]] = set()
    kept = []
    for part in parts:
        key = (frozenset(tokenize(part.text)), part.outlet)
        if key not in seen:
            seen.add(key)
            kept.append(part)
    return kept
