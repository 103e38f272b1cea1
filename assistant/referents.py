"""Who "he" is in a quoted fragment (issue 12): "He was concerned because…" needs the
sentence naming him to be understood, but that sentence ("Yedidia said he and Bankman-Fried
spoke about it at the pickleball court…") is padding to a reader when it says nothing about
the question. The quote can then be the fragment alone with the name in brackets, as an
editor would print it: "He [Adam Yedidia] was concerned because…".

The name is only given when it is certain from the text: the sentence the chain of "he"
sentences leans on opens with one person's name (its subject), and every sentence after it
up to the quoted one opens with the same pronoun. Anything less keeps the lead-in.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from .entity_kinds import NameUses
from .lead import names_in

_PRONOUN = re.compile(r"^[“\"']?(He|She)\b")
# the name opening a sentence, with at most a role before it ("FTX engineer Adam Yedidia")
_ROLE_WORDS = 3
# a surname used as a person's ("\0" stands for it): "Yedidia said he…", "Mr. Yedidia"
_PERSON_CUE = re.compile(
    r"\0(?:,? (?:said|says|told|testified|added|recalled|wrote|asked|explained|argued)"
    r"(?: that)? (?:he|she)\b|, who\b)|\b(?:Mr|Ms|Mrs|Dr)\.? \0"
)


def pronoun_of(sentence: str) -> str | None:
    """ "He" or "She" when the sentence opens with it, else None."""
    found = _PRONOUN.match(sentence.strip())
    return found.group(1) if found else None


def referent(sentences: Sequence[str], passage: str = "") -> str | None:
    """The person the last of ``sentences`` means by its opening "He"/"She": the name that
    opens the first sentence, when each later sentence opens with that same pronoun and the
    first names no other person before its verb. ``passage`` gives the name's fullest form
    ("Yedidia" -> "Adam Yedidia"). None when that is not certain."""
    if len(sentences) < 2:
        return None
    pronoun = pronoun_of(sentences[-1])
    if pronoun is None or any(pronoun_of(s) != pronoun for s in sentences[1:]):
        return None
    name = _opening_name(sentences[0])
    return _person(name, sentences[0], passage or sentences[0]) if name else None


def with_referent(quote: str, name: str) -> str:
    """ "He was concerned…" -> "He [Adam Yedidia] was concerned…"."""
    found = _PRONOUN.match(quote.lstrip())
    if not found:
        return quote
    cut = len(quote) - len(quote.lstrip()) + found.end()
    return f"{quote[:cut]} [{name}]{quote[cut:]}"


def _opening_name(sentence: str) -> str | None:
    """The person's name the sentence opens with: the first name found, within the first
    few words, when it is the only name before the sentence's first lowercase verb-like
    word and looks like a person's (no "the", not all capitals)."""
    text = sentence.strip().lstrip("“\"'")
    names = names_in(text)
    if not names:
        return None
    first = names[0]
    at = text.find(first)
    if at < 0 or len(text[:at].split()) > _ROLE_WORDS:
        return None
    head = text[: at + len(first)]
    if any(n != first and n in head for n in names[1:]):
        return None
    if first.isupper() or not all(w[:1].isupper() for w in first.split()):
        return None
    rest = text[at + len(first) :].lstrip()
    if rest[:1] in ("’", "'") or rest.startswith(("and ", "& ")):
        return None  # "Yedidia's lawyer…", "Yedidia and Wang…": not certain
    return first


def _person(name: str, sentence: str, passage: str) -> str | None:
    """The person ``name`` names, in full where ``passage`` gives it ("Yedidia" -> "Adam
    Yedidia"); None for a name that is no person's ("Google", "Former FTX"). A surname the
    passage never gives in full stands alone when the text treats it as a person's:
    "Yedidia said he…", "Yedidia, who…", "Mr. Yedidia"."""
    full = NameUses([passage], names_in).person(name, sentence)
    if full or " " in name:
        return full
    return name if _PERSON_CUE.search(f"{sentence}\n{passage}".replace(name, "\0")) else None
