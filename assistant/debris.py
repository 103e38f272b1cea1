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


# an embedded post's signature line: "… pic.twitter.com/x — NFL (@NFL) December 17, 2023"
_POST_SIGNATURE = re.compile(r"— [^\n()]{1,80} \(@\w+\) [A-Z][a-z]+ \d{1,2}, \d{4}")
_POST_LENGTH = 280  # a post's most characters
_POST_OPENING = 140  # the most characters of a post's opening line before its stat lines
_POST_STAT = re.compile(r"^[^\n]{1,40}(?<![.!?:”\"])$")  # "381 yards", "4 TDs": a post's lines


def embedded_posts(text: str) -> list[tuple[int, int]]:
    """Character spans of the embedded posts in ``text``: each signature line's paragraph
    and the short lines before it that belong to the post ("381 yards", "4 TDs"), with the
    post's opening line before those."""
    spans = []
    ends = [(m.start(), m.end()) for m in _POST_SIGNATURE.finditer(text)]
    if _ends_in_stat_lines(text):  # a passage cut inside a post, before its signature line
        ends.append((len(text), len(text)))
    for signature_start, signature_end in ends:
        start = _paragraph_start(text, signature_start)
        length, stats = signature_start - start, 0
        while start > 0:
            previous = _paragraph_start(text, start - 2)
            if previous >= start:
                break
            line = text[previous:start].strip()
            if not line:  # a wider gap: the raw page's, before its blank lines were merged
                start = previous
                continue
            if _POST_STAT.match(line):
                stats += 1
            elif not (stats and len(line) <= _POST_OPENING):
                break
            if length + len(line) > _POST_LENGTH:
                break
            start, length = previous, length + len(line)
            if not _POST_STAT.match(line):
                break  # the opening line: the article's own text is before it
        spans.append((start, signature_end))
    return spans


def _ends_in_stat_lines(text: str) -> bool:
    lines = text.rstrip().split("\n\n")
    tail = [line.strip() for line in lines[-2:]]
    return len(lines) >= 3 and all(_POST_STAT.match(t) and re.search(r"\d", t) for t in tail)


def _paragraph_start(text: str, at: int) -> int:
    found = text.rfind("\n\n", 0, at)
    return 0 if found < 0 else found + 2


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
