"""The answer to "Did X report A before Y reported B?" (issue 12): read off the quoted
articles' publication times, so it is metadata, never a guess.

Only a question whose own verb asks the order gets one ("Did Polygon recommend … after The
Verge suggested …?", "Was … reported … before or after …?"). A question that only dates its
reports ("After the Polygon report …, was the reporting consistent?", "… published before
December 5") asks something else. "Did Engadget fail to report … before …?" is answered the
other way round (it did not fail when its report came first); other negations are left to
the reader.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime

from .claims import COMPARING
from .outlets import outlets_named_in

_ASKED = re.compile(
    r"^\s*(?:did|was|were)\b(?P<first>.+?)\s(?P<word>before or after|"
    r"after or before|before|after)\s(?P<second>.+)$",
    re.I | re.S,
)
_EVENT = re.compile(
    r"\b(?:report|article|story|piece|review|coverage|published|cover|mention|"
    r"highlight|suggest|discuss|recommend|announce)\w*",
    re.I,
)
_DATE_AFTER = re.compile(
    r"^(?:the\s+)?(?:\d|jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec|the (?:start|end)\b)", re.I
)
_FAILED = re.compile(r"\bfail(?:s|ed)? to\b", re.I)
_NEGATED = re.compile(r"\b(?:fail\w*|not|never|n't|without)\b", re.I)
# "Was there inconsistency … after the report …": the question asks of the reports' content
_OF_CONTENT = re.compile(rf"\b(?:{COMPARING}|remain\w*|portray\w*|there)\b", re.I)


@dataclass(frozen=True)
class OrderAsked:
    """What an order question asks: "before", "after" or which of the two ("either"), and
    where its order word stands in the question."""

    word: str
    at: int = 0
    failed: bool = False  # "Did X fail to report … before …?": the answer is the other way


def order_asked(question: str, outlets: list[str]) -> OrderAsked | None:
    """The order a yes/no question asks about, when its own verb asks it; None else."""
    found = _ASKED.match(question)
    if not found:
        return None
    first, second = found.group("first"), found.group("second")
    failed = bool(_FAILED.search(first)) and not _NEGATED.search(_FAILED.sub("", first))
    if (_NEGATED.search(first) and not failed) or _OF_CONTENT.search(first):
        return None
    if _DATE_AFTER.match(second.strip()):
        return None
    # the other event follows the order word in its clause ("after The Verge suggested…"),
    # not a moment ("after a minor injury, while the CBSSports.com article…")
    clause = re.split(r"[,;:?]", second, maxsplit=1)[0]
    if not (_EVENT.search(first) and _names_event(clause, outlets)):
        return None
    word = found.group("word").lower()
    return OrderAsked("either" if " or " in word else word, found.start("word"), failed)


def _names_event(text: str, outlets: list[str]) -> bool:
    return bool(_EVENT.search(text) or outlets_named_in(text, outlets))


def published_at(value: str) -> datetime | None:
    """An article's ISO publication time in UTC, without its zone (a date alone is its
    midnight); None if unreadable."""
    try:
        stamp = datetime.fromisoformat(str(value))
    except ValueError:
        return None
    return stamp.astimezone(UTC).replace(tzinfo=None) if stamp.tzinfo else stamp


def order_answer(asked: OrderAsked, first: str, second: str) -> str | None:
    """ "Yes", "No", "Before" or "After" for the first event published at ``first`` and the
    second at ``second`` (ISO); None when the times do not tell (equal, or a same-day pair
    with a date only)."""
    one, two = published_at(first), published_at(second)
    if one is None or two is None:
        return None
    if one == two or (one.date() == two.date() and (len(first) <= 10 or len(second) <= 10)):
        return None
    earlier = one < two
    if asked.word == "either":
        return "Before" if earlier else "After"
    as_asked = earlier == (asked.word == "before")
    return "Yes" if as_asked != asked.failed else "No"


def stamp_label(value: str, with_time: bool) -> str:
    """ "2023-11-09", or "2023-11-09 15:00" when two reports share the day."""
    text = str(value)
    return f"{text[:10]} {text[11:16]}" if with_time and len(text) >= 16 else text[:10]
