"""Named entities and key terms of an article, cheaply: the capitalised words of its lead.

A capitalised word counts as a name when the text never writes it in lower case (so a
sentence's first "The" or "According" is not one), it is not a stop word, and it is not a
word of the outlet's own name. The title and the first ``LEAD_CHARS`` characters are read:
the lead is where a news article names who and where.
"""

from __future__ import annotations

import re
from collections import Counter

LEAD_CHARS = 1200
MAX_TERMS = 24
_CAPITALISED = re.compile(r"\b[A-Z][\w'’.-]*\w|\b[A-Z]\b")
_WORDS = re.compile(r"\w+")
STOP = set(
    """
    a an the and or but if in on at of for to by with from as is are was were be it its this
    that these those he she they we you i his her their our my mr mrs ms dr new after before
    how why what when who where here there all top news read more share updated image photo
    monday tuesday wednesday thursday friday saturday sunday january february march april
    may june july august september october november december jan feb mar apr jun jul aug sep
    sept oct nov dec today yesterday tomorrow said says according
    """.split()
)


def normal(word: str) -> str:
    """The form terms are compared in: lower case, possessive and trailing dots dropped."""
    word = word.lower().rstrip(".")
    for suffix in ("'s", "’s"):
        if word.endswith(suffix):
            word = word[: -len(suffix)]
    return word


def key_terms(title: str, text: str, outlet: str = "") -> dict[str, int]:
    """The article's names (lower case) and how often its title and lead use each."""
    lead = f"{title}\n{text[:LEAD_CHARS]}"
    lower_words = {w for w in _WORDS.findall(text) if w.islower()}
    own = {normal(w) for w in _WORDS.findall(outlet)}
    counts: Counter[str] = Counter()
    for match in _CAPITALISED.finditer(lead):
        word = match.group(0)
        term = normal(word)
        if len(term) < 2 or term in STOP or term in own or term.isdigit():
            continue
        if word.lower() in lower_words and not word.isupper():
            continue
        counts[term] += 1
    return dict(counts.most_common(MAX_TERMS))
