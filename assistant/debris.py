"""Page debris that must never be quoted as evidence (issue 12): datelines and bylines,
widget, price and schedule lines, embedded posts, "Also Read:" lines, and fragments that only
make sense after the previous sentence."""

from __future__ import annotations

import re

_DATELINE = re.compile(
    r"^[A-Z][A-Z .,'-]{2,40}, [A-Z][a-z]+ \d{1,2}\.? ?(/[A-Z]+/\.?|\([A-Z]+\)|—|-)\s*"
)
_DEBRIS = [
    _DATELINE,
    re.compile(
        r"^(also read|read more|related|see also|watch|advertisement|sign up|subscribe)\b", re.I
    ),
    re.compile(r"pic\.twitter\.com|https?://t\.co/|\(@\w+\)|— @\w+|\bon (X|Twitter|Instagram) \("),
    re.compile(r"^(by|photo|image|credit|source)\s*:", re.I),
    re.compile(r"\((Getty( Images)?|AP( Photo)?|Reuters|AFP|PA|Shutterstock|iStock)\b[^)]*\)\W*$"),
    re.compile(r"[$£€]\s?\d[\d,.]*\s*(at|on|from)\s+(Amazon|Walmart|Best Buy|Target)\b", re.I),
    # deal widgets: "Apple AirTag $ 24 $ 29 17 % off …"
    re.compile(r"[$£€]\s?\d[\d,.]*\s+[$£€]\s?\d[\d,.]*\s+\d{1,3}\s?%\s?off\b", re.I),
    re.compile(r"\b\d{1,2}(:\d{2})?\s?(a\.m\.|p\.m\.|am|pm)\s*(ET|PT|GMT|BST)\b"),
]
# A page widget's placeholder glued to the sentence after it ("Loading Wall Street has…").
_WIDGET_PREFIX = re.compile(r"^(?:Loading(?:\.\.\.|…)?|Advertisement|ADVERTISEMENT)\s+(?=[A-Z“\"])")
# Openings that lean on the sentence before: quote them with it, or not at all. "This month"
# / "that year" point at a time, not at the previous sentence.
_FRAGMENT = re.compile(
    r"^(?!(?:this|that|these|those) (?:morning|afternoon|evening|week|weekend|month|year|"
    r"season|summer|winter|spring|autumn|fall|time|past|coming|last|next)\b)"
    r"(they|them|it|its|this|that|these|those|he|she|his|her|"
    r"the (first|second|third|other|latter|former) (one|two)|"
    r"the second|the first one|but|and|also|so|which|such)\b",
    re.I,
)


# "The Italian edition of "La Repubblica" reports:" names a source; other lines ending in a
# colon are headings and list openers.
_ATTRIBUTION = re.compile(r"\b(reports|reported|writes|wrote|says|said|notes|noted|stated)\s*:$")


def is_debris(sentence: str) -> bool:
    """A line of page furniture rather than the article's reporting."""
    text = sentence.strip()
    if len(text) < 25 or (text.endswith(":") and not _ATTRIBUTION.search(text)):
        return True
    if not re.search(r"[.!?…:\"”’')\]]$", text):
        return True  # a heading or caption: reporting ends its sentences
    letters = sum(ch.isalpha() for ch in text)
    if letters < 0.5 * len(text):  # prices, scores, tables
        return True
    return any(pattern.search(text) for pattern in _DEBRIS)


def dateline_length(sentence: str) -> int:
    """Characters of a leading dateline ("ROME, November 7. /TASS/. ") or widget placeholder
    ("Loading ") to skip, or 0."""
    found = _DATELINE.match(sentence) or _WIDGET_PREFIX.match(sentence)
    return found.end() if found else 0


def is_fragment(sentence: str) -> bool:
    """A sentence whose subject is in the previous one ("They are unable to respond…")."""
    return _FRAGMENT.match(sentence.strip().lstrip("“\"'")) is not None


def is_quoted_statement(sentence: str) -> bool:
    """A sentence that is itself a quotation (an email, a statement) the outlet prints."""
    text = sentence.strip()
    if text[:1] in "“\"'‘" or text.startswith("«"):
        return True
    # a later sentence of a quotation opened in an earlier one: "No one knows,” he said."
    return text.count("”") > text.count("“") or text.count('"') % 2 == 1
