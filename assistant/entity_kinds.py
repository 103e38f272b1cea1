"""What kind of thing a name is, from how the articles write it (issue 12): a person's name
has no word the articles also write in lower case ("Fantasy Football Week" is a heading), a
company is not written "the X" the way a product is ("the Steam Deck OLED"), a league is not a
club; and the fullest form the articles give a name ("Altman" -> "Sam Altman")."""

from __future__ import annotations

import re
from collections import Counter

from .lexical import STOPWORDS

_PARTICLES = {"of", "de", "la", "van", "von", "der", "del", "da", "di", "le", "al", "bin", "and"}
_ORG_WORDS = (
    r"Inc|Corp|Corporation|Co|Ltd|LLC|plc|Group|Holdings|Bank|Reserve|Research|Club|FC|Games|"
    r"Labs|Press|Commission|Court|Department|Agency|Association|University|Times|News|Post|"
    r"Journal|Exchange|Capital|Street|House|League|Council|Party|Ministry|Office|Service|"
    r"Studios|Media|Foundation|AI|Ventures|Partners|Technologies|Sportsbook|Motors|Airlines|"
    r"Entertainment|Act|Cup|Bowl|Awards?|Week|Day|Trial"
)
_NOT_PERSON = re.compile(rf"\b({_ORG_WORDS})\b")
# bodies that are not companies or clubs: a "which company" answer is none of them
_BODY = re.compile(
    r"\b(League|Commission|Court|Department|Agency|Ministry|Council|Parliament|Committee|Act|"
    r"Cup|Bureau|Authority|Government|Senate|Congress|Union|Association|Federation|"
    r"Conference|Championship|Tournament|Series|Trophy|Awards?|Bowl|Office|Reserve|Party)$"
)
# a longer name that only adds one of these is the same organisation, named in full
_LEGAL_SUFFIX = re.compile(
    r"^(Inc|Corp|Corporation|Co|Ltd|LLC|plc|Group|Holdings|FC|Club|Football Club|Sportsbook)\.?$"
)
_LOWER_WORD = re.compile(r"(?<![\w'’-])[a-z][a-z'’-]+")
_MID_CAPITAL = re.compile(r"(?<=[\w,;’'\"”)] )[A-Z][\w'’-]*")


def lower_counts(texts: list[str]) -> Counter[str]:
    """How often the texts write each word in lower case ("week", "trial", "face")."""
    found: Counter[str] = Counter()
    for text in texts:
        found.update(_LOWER_WORD.findall(text))
    return found


def capitalised_counts(texts: list[str]) -> Counter[str]:
    """How often the texts capitalise each word other than as a sentence's first word."""
    found: Counter[str] = Counter()
    for text in texts:
        found.update(_MID_CAPITAL.findall(text))
    return found


def _core_words(name: str) -> list[str]:
    return [w for w in name.split() if w.lower() not in _PARTICLES]


def initials(name: str) -> str:
    """ "SBF" of "Sam Bankman-Fried", "FTC" of "Federal Trade Commission"."""
    return "".join(w[0] for w in re.split(r"[\s-]+", name) if w and w.lower() not in _PARTICLES)


def is_abbreviation(short: str, longer: str) -> bool:
    """ "Fed" of "Federal Reserve", "Man United" of "Manchester United", "SBF" of "Sam
    Bankman-Fried": each word begins the longer name's word, or the initials."""
    if short == longer or " " in longer and short == longer.split()[-1]:
        return False
    words, long_words = short.split(), longer.split()
    if len(long_words) >= 2 and short.isupper() and len(short) >= 2:
        return initials(longer).upper() == short
    if len(words) == 1:
        first = long_words[0]
        return (
            len(long_words) >= 2
            and len(short) >= 3
            and first.startswith(short)
            and first[len(short) :].isalpha()
        )
    return len(words) == len(long_words) and all(b.startswith(a) for a, b in zip(words, long_words))


class NameUses:
    """How the retrieved articles use each name: how often, whether as "the X", and the
    persons they name in full (by surname and initials)."""

    def __init__(self, texts: list[str], names_in, titles: tuple[str, ...] | list[str] = ()):
        self._joined = "\n".join(texts)
        self._product: dict[str, bool] = {}
        self.lower = lower_counts(texts)
        self.capital = capitalised_counts(texts)
        self.counts: Counter[str] = Counter()  # in the articles' text and headlines
        for text in [*texts, *titles]:
            self.counts.update(self._clean(name, text) for name in names_in(text))
        self._by_short: dict[str, str] = {}
        for found, _ in self.counts.most_common():  # a surname names the most named person
            name = self._person_in(found)
            if name:
                for short in (_core_words(name)[-1], initials(name)):
                    if len(short) >= 3:
                        self._by_short.setdefault(short, name)

    def _word(self, word: str) -> bool:
        """Written in lower case more often than capitalised mid-sentence: a word, not a
        name ("Week", "Trial"; not "Hope" of Shai Hope, though "hope" occurs)."""
        lowered = word.lower()
        return lowered in STOPWORDS or self.lower[lowered] >= max(self.capital[word], 1)

    def only_words(self, name: str) -> bool:
        """Every word one the articles write as a word: "Best", "Bonus Bet", "Today" open a
        sentence or a heading; they name nothing."""
        return all(self._word(w) for w in name.split())

    def person_like(self, name: str) -> bool:
        """Two to four words, none an organisation's word nor, but for the first, one the
        articles write as a word (the first may be one the articles also capitalise
        mid-sentence: "Will Levis"): "Sam Altman", not "SBF Trial" or "Hugging Face"."""
        words = _core_words(name)
        if not 2 <= len(words) <= 4 or _NOT_PERSON.search(name) or "." in words[-1]:
            return False
        if any(not re.fullmatch(r"[A-Z][\w'’-]*", w) or w.isupper() and len(w) > 1 for w in words):
            return False
        if any(self._word(w) for w in words[1:]):
            return False
        return not self.lower[words[0].lower()] or self.capital[words[0]] > 0

    def _clean(self, name: str, sentence: str) -> str:
        """Without a first word that only opens the sentence: "Did Bankman-Fried" ->
        "Bankman-Fried", "Using Caroline Ellison" -> "Caroline Ellison"."""
        first, _, rest = name.partition(" ")
        if (
            rest
            and (self.lower[first.lower()] or first.lower() in STOPWORDS)
            and not self.capital[first]
            and _opens(name, sentence)
        ):
            return rest
        return name

    def person(self, name: str, sentence: str) -> str | None:
        """The person ``name`` names in full, or None: "Bankman-Fried" and "SBF" name
        "Sam Bankman-Fried"; "Is Sam Bankman-Fried" (a headline's first word) him too."""
        name = self._clean(name, sentence)
        if " " not in name:
            full = self._by_short.get(name)
            if full is None and re.search(rf"\b(Mr|Ms|Mrs)\.? {re.escape(name)}\b", sentence):
                return name
            return full
        return self._person_in(name)

    def _person_in(self, name: str) -> str | None:
        """The person a name ends with: "Chiefs TE Travis Kelce" -> "Travis Kelce"."""
        words = name.split()
        for size in (len(words), 3, 2):
            tail = " ".join(words[-size:])
            if size <= len(words) and self.person_like(tail):
                return tail
        return None

    def in_text(self, name: str) -> bool:
        """Whether the articles' text names ``name`` (a person also by surname)."""
        return self.counts[name] > 0 or self._by_short.get(name.split()[-1]) == name

    def product_like(self, name: str) -> bool:
        """Mostly written "the X" ("the Steam Deck OLED", "the Apple Watch"): a thing made or
        a body, not a company, which takes no article ("Valve says")."""
        if name not in self._product:
            uses = self._joined.count(name)
            the = self._joined.count(f"the {name}") + self._joined.count(f"The {name}")
            self._product[name] = uses >= 2 and the >= 0.5 * uses
        return self._product[name]

    def fullest(self, name: str, person: bool = False) -> str:
        """The fullest form the articles give ``name``, most used first: "Minnesota Vikings"
        for "Vikings", "Federal Reserve" for "Fed", "Caesars Sportsbook" for "Caesars"; a
        person's only a person's name ("Travis Kelce", not "Chiefs TE Travis Kelce")."""
        forms = [
            longer
            for longer in self.counts
            if longer != name
            and self._longer_form(name, longer)
            and (not person or self.person_like(longer))
        ]
        return max(forms, key=lambda f: (self.counts[f], len(f)), default=name)

    def _longer_form(self, name: str, longer: str) -> bool:
        if longer.endswith(" " + name):
            extra = longer[: -len(name)].split()
            return not any(self.lower[w.lower()] for w in extra) and not _NOT_PERSON.search(
                longer[: -len(name)]
            )
        return legal_extension(name, longer) or is_abbreviation(name, longer)


def legal_extension(name: str, longer: str) -> bool:
    """ "Caesars Sportsbook" of "Caesars", "Everton Football Club" of "Everton"."""
    return longer.startswith(name + " ") and bool(_LEGAL_SUFFIX.match(longer[len(name) + 1 :]))


def _opens(name: str, sentence: str) -> bool:
    return sentence.lstrip(" \"“'‘(").startswith(name)


def company_conflict(name: str, asks_for: str) -> bool:
    """A league, a court or an award is no company or club."""
    return asks_for in {"company", "team"} and bool(_BODY.search(name))
