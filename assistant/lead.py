"""The answer first (issue 12): the entity a who/which question asks for and the article's
metadata a who-wrote/when question asks for (the per-part verdict of a yes/no question is
``verdict.py``'s).

Every lead states only what the quoted sentences or the article's metadata support."""

from __future__ import annotations

import re
from dataclasses import dataclass

from .lexical import tokenize

_NAME = re.compile(
    r"(?<![\w'’])(?:[A-Z][\w'’&.-]*[\w]|[A-Z])(?:\s+(?:of\s+|de\s+|la\s+|van\s+|von\s+)?"
    r"(?:[A-Z][\w'’&.-]*[\w]|[A-Z]\.))*"
)
_QUOTED_NAME = re.compile(r"[\"“«]([A-Z][^\"”»]{2,40})[\"”»]")
_NOT_NAMES = set(
    "The A An This That These Those It Its He She They We I In On At For From By With As But And "
    "Or If When While After Before According Also However Monday Tuesday Wednesday Thursday "
    "Friday Saturday Sunday January February March April May June July August September October "
    "November December Mr Mrs Ms Dr What Who Which Why How There Here Our Their His Her "
    "So Whereas Yet Still Now Then Meanwhile Instead Although Though Despite Because Since "
    "Once Like Unlike "
    "Even Only Just Last Next Former Ex CEO CFO COO CTO Chief President Chairman Founder "
    "Co-founder Judge Prosecutor Prosecutors Attorney Senator Minister".split()
)
_ROLE_OF = re.compile(r"^(?:CEO|CFO|COO|CTO|Chief|President|Chairman|Founder|Head)\s+of\b")
_ORG_HINT = re.compile(
    r"\b(Inc|Corp|Co|Ltd|LLC|Group|Bank|Reserve|Research|Club|FC|Games|Labs|Press|Commission|"
    r"Court|Department|Agency|Association|University|Times|News|Post|Journal|Exchange|Capital|"
    r"Street|House|League|Council|Party|Ministry|Office|Service|Studios|Media|Foundation|AI)\b"
)


@dataclass
class Sighting:
    """One sentence that names a candidate answer."""

    name: str
    outlet: str
    article: str
    weight: float
    sentence_index: int


def names_in(sentence: str) -> list[str]:
    """Capitalised names in a sentence ("Sam Bankman-Fried", "La Repubblica"), first words
    that only open the sentence dropped."""
    found = [match.group(1) for match in _QUOTED_NAME.finditer(sentence)]
    for match in _NAME.finditer(re.sub(r"['’]s\b", " ,", sentence)):
        words = match.group(0).rstrip(".").split()
        while words and words[0] in _NOT_NAMES:
            words = words[1:]
        while words and words[-1] in _NOT_NAMES:
            words = words[:-1]
        name = " ".join(words)
        if words and len(name) >= 3 and not _ROLE_OF.match(name) and words[0] != "of":
            found.append(name)
    return list(dict.fromkeys(found))


def fits_kind(name: str, asks_for: str, sentence: str) -> bool:
    """Whether a name can be the kind of thing asked for (loosely: never a wrong guess)."""
    if asks_for == "person":
        return (
            len(name.split()) >= 2 and not _ORG_HINT.search(name) or _is_surname_use(name, sentence)
        )
    if asks_for == "newspaper":
        return bool(
            re.search(
                r"(paper|edition|newspaper|publication|daily|times|post|journal|"
                r"repubblica|wrote|reports|writes)",
                sentence,
                re.I,
            )
        )
    return True


def _is_surname_use(name: str, sentence: str) -> bool:
    return len(name.split()) == 1 and bool(
        re.search(rf"\b(Mr|Ms|Mrs)\.? {re.escape(name)}\b", sentence)
    )


def best_entity(sightings: list[Sighting], excluded: set[str]) -> str | None:
    """The name the matching sentences support across the most outlets, then articles, then
    weight; never one whose words the question itself uses."""
    scores: dict[str, tuple[set, set, float]] = {}
    for sighting in sightings:
        key = sighting.name
        words = set(tokenize(key))
        if not words or words <= excluded:
            continue
        outlets, articles, weight = scores.get(key, (set(), set(), 0.0))
        scores[key] = (
            outlets | {sighting.outlet},
            articles | {sighting.article},
            weight + sighting.weight,
        )
    if not scores:
        return None
    merged = _merge_short_forms(scores)
    return max(merged, key=lambda n: (len(merged[n][0]), merged[n][2]))


def _is_short_form(short: str, longer: str) -> bool:
    """ "Bankman-Fried" of "Sam Bankman-Fried", "Fed" of "Federal Reserve"."""
    if short == longer or len(short) < 3:
        return False
    words = longer.split()
    return (
        longer.endswith(" " + short)
        or longer.startswith(short + " ")
        or (" " not in short and words[0] != short and words[0].startswith(short))
    )


def _merge_short_forms(scores: dict) -> dict:
    """A short form's sightings count for the longer name, which is the one named."""
    merged = dict(scores)
    for short in list(scores):
        longer = [n for n in scores if _is_short_form(short, n)]
        if longer and short in merged:
            target = max(longer, key=lambda n: scores[n][2])
            if target not in merged:
                continue
            o1, a1, w1 = merged.pop(short)
            o2, a2, w2 = merged[target]
            merged[target] = (o1 | o2, a1 | a2, w1 + w2)
    return merged


def mentions(name: str, text: str) -> bool:
    """Whether ``text`` names ``name`` in full or by its last word ("Altman")."""
    lowered = text.lower()
    last = name.split()[-1].lower()
    return name.lower() in lowered or (
        len(last) >= 4 and re.search(rf"\b{re.escape(last)}\b", lowered) is not None
    )


_CITING = (
    r"(wrote|writes|reports|reported|said|says|notes|noted|edition of|quoted|according to|"
    r"newspaper|daily|paper)"
)


def _cites_as_paper(name: str, sentence: str) -> bool:
    escaped = re.escape(name)
    return bool(
        re.search(rf"{escaped}[\"”»]?,?\s+{_CITING}", sentence)
        or re.search(rf"{_CITING}\s+(the\s+)?[\"“«]?{escaped}", sentence)
    )


def entity_lead(parts, candidates: list, chosen: list) -> tuple[str, list]:
    """ "The answer: La Repubblica." and the sentences naming it not yet chosen."""
    excluded = set(tokenize(parts.question)) | {w for o in parts.outlets for w in tokenize(o)}
    top = max((c.lexical for c in candidates), default=0.0)
    if parts.asks_for == "newspaper":
        pool = candidates
    else:
        pool = [c for c in candidates if top > 0 and c.lexical >= 0.4 * top]
        pool = sorted(pool, key=lambda c: -c.score)[:25]
    sightings = []
    for index, candidate in enumerate(pool):
        article = candidate.document.metadata.get("article_id", "")
        for found in names_in(candidate.text):
            if _fits(parts, found, candidate.text):
                sightings.append(Sighting(found, candidate.outlet, article, candidate.score, index))
    if parts.asks_for != "newspaper":
        sightings += _title_sightings(parts, pool)
    name = best_entity(sightings, excluded)
    if name is None:
        return "", []
    return f"The answer: {name}.", _naming_sentences(name, pool, chosen)


def _naming_sentences(name: str, pool: list, chosen: list, most: int = 3) -> list:
    """For each outlet whose sentences name the answer but whose chosen quotes do not, its
    best sentence naming it: the lead cites every outlet that supports it."""
    named_by = {c.outlet for c in chosen if mentions(name, c.text)}
    extra = []
    for candidate in sorted(pool, key=lambda c: -c.score):
        if candidate.outlet in named_by or not mentions(name, candidate.text):
            continue
        named_by.add(candidate.outlet)
        extra.append(candidate)
    return extra[:most]


def _fits(parts, name: str, sentence: str) -> bool:
    if parts.asks_for == "newspaper":
        return _cites_as_paper(name, sentence)
    return not parts.asks_for or fits_kind(name, parts.asks_for, sentence)


def _title_sightings(parts, pool: list) -> list[Sighting]:
    """Names in the titles of the articles the matching sentences come from: a headline
    names what the article is about."""
    seen: set[str] = set()
    found = []
    for candidate in pool:
        meta = candidate.document.metadata
        article = meta.get("article_id", "")
        if article in seen:
            continue
        seen.add(article)
        title = meta.get("title") or ""
        for name in names_in(title):
            if _fits(parts, name, title):
                found.append(Sighting(name, candidate.outlet, article, 0.5, -1))
    return found


_META_PHRASES = {
    "author": ("was written by {}", "does not name its author"),
    "published": ("was published on {}", "carries no publication date"),
    "url": ("is at {}", "carries no URL"),
    "title": ("is titled “{}”", "carries no title"),
}


def metadata_answer(question: str, parts, documents: list, candidates: list):
    """An article's author, date, URL or title, from its metadata, cited to the article."""
    from .answer_text import article_label, compose

    field = parts.asks_for
    pool = [c for c in candidates if not parts.outlets or c.outlet in parts.outlets]
    if field not in _META_PHRASES or not pool:
        return None
    best = max(pool, key=lambda c: c.score)
    value = str(best.document.metadata.get(field) or "").strip()
    if field == "published":
        value = value[:10]
    found, absent = _META_PHRASES[field]
    said = found.format(value) if value else absent
    lead = f"The article {article_label(best.document)} {said}. [1]"
    answer = compose(question, [best], lead, [1])
    answer.text = lead  # the metadata is the answer; the citation card shows the article
    answer.sentences = answer.sentences[:1]
    return answer
