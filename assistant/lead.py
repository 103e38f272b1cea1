"""The answer first (issue 12): the entity a who/which question asks for and the article's
metadata a who-wrote/when question asks for (the per-part verdict of a yes/no question is
``verdict.py``'s).

Every lead states only what the quoted sentences or the article's metadata support."""

from __future__ import annotations

import re
from dataclasses import dataclass

from .entity_kinds import NameUses, company_conflict, is_abbreviation, legal_extension
from .lexical import tokenize

_NAME = re.compile(
    r"(?<![\w'’])(?:[A-Z][\w'’&.-]*[\w]|[A-Z])(?:[^\S\n]+(?:(?:of|de|la|van|von)[^\S\n]+)?"
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
# imperatives that open a headline or a heading, not a name's first word
_HEADLINE_VERBS = set("Watch Meet Inside Listen Read See Explore Exclusive Breaking Live".split())
_ROLE_OF = re.compile(r"^(?:CEO|CFO|COO|CTO|Chief|President|Chairman|Founder|Head)\s+of\b")


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
        words = _until_adjective(match.group(0).rstrip(".").split())
        if words and words[0] in _HEADLINE_VERBS and not sentence[: match.start()].strip():
            words = words[1:]  # "Watch Argentina vs Paraguay live"
        while words and words[0] in _NOT_NAMES:
            words = words[1:]
        while words and words[-1] in _NOT_NAMES:
            words = words[:-1]
        name = " ".join(words)
        if words and len(name) >= 3 and not _ROLE_OF.match(name) and words[0] != "of":
            found.append(name)
    return list(dict.fromkeys(found))


def _until_adjective(words: list[str]) -> list[str]:
    """ "Amazon-created Prime-themed" -> "Amazon": a name made an adjective ends the name."""
    for index, word in enumerate(words):
        stem = re.sub(r"-[a-z][\w-]*$", "", word)
        if stem != word:
            return [*words[:index], stem]
    return words


def as_kind(parts, name: str, sentence: str, uses: NameUses) -> str | None:
    """``name`` as the kind of thing asked for, or None if it cannot be one: a surname
    names the person in full, a league is no club, a product ("the Steam Deck OLED") no
    company; a newspaper must be cited as one."""
    kind = parts.asks_for
    if kind == "newspaper":
        return name if _cites_as_paper(name, sentence) else None
    if kind == "person":
        return uses.person(name, sentence)
    if company_conflict(name, kind) or kind == "company" and uses.product_like(name):
        return None
    if uses.only_words(name):
        return None
    return name


def best_entity(sightings: list[Sighting], excluded: set[str]) -> str | None:
    """The name the matching sentences support across the most outlets, then by weight;
    never one whose words the question itself uses."""
    ranked = ranked_entities(sightings, excluded)
    return ranked[0] if ranked else None


def ranked_entities(sightings: list[Sighting], excluded: set[str]) -> list[str]:
    """The candidate names, best supported first (see :func:`best_entity`)."""
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
    merged = _merge_short_forms(scores)
    return sorted(merged, key=lambda n: (-len(merged[n][0]), -merged[n][2]))


def _is_short_form(short: str, longer: str) -> bool:
    """ "Bankman-Fried" of "Sam Bankman-Fried", "Fed" of "Federal Reserve", "Caesars" of
    "Caesars Sportsbook"; not "Apple" of "Apple Watch", which Apple makes."""
    if short == longer or len(short) < 3:
        return False
    return (
        longer.endswith(" " + short)
        or legal_extension(short, longer)
        or is_abbreviation(short, longer)
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


def entity_lead(parts, candidates: list, chosen: list) -> tuple[str, list, list[str]]:
    """ "The answer: La Repubblica.", the sentences naming it not yet chosen, and the forms
    the sentences name it by ("Federal Reserve", "Fed")."""
    excluded = set(tokenize(parts.question)) | {w for o in parts.outlets for w in tokenize(o)}
    top = max((c.lexical for c in candidates), default=0.0)
    if parts.asks_for == "newspaper":
        pool = candidates
    else:
        pool = [c for c in candidates if top > 0 and c.lexical >= 0.4 * top]
        pool = sorted(pool, key=lambda c: -c.score)[:25]
    titles = list({c.document.metadata.get("title") or "" for c in candidates})
    uses = NameUses([c.text for c in candidates], names_in, titles)
    sightings = []
    for index, candidate in enumerate(pool):
        article = candidate.document.metadata.get("article_id", "")
        for found in names_in(candidate.text):
            name = as_kind(parts, found, candidate.text, uses)
            if name:
                weight = candidate.score * _role_weight(parts.role, found, candidate.text)
                if parts.asks_for != "person" and _is_subject(found, candidate.text):
                    weight *= 1.5
                sightings.append(Sighting(name, candidate.outlet, article, weight, index))
    if parts.asks_for != "newspaper":
        sightings += _title_sightings(parts, pool, uses)
    ranked = ranked_entities(sightings, excluded)[: 2 if _asks_for_two(parts.question) else 1]
    if not ranked:
        return "", [], []
    named, forms = [], []
    for name in ranked:
        full = uses.fullest(name, person=parts.asks_for == "person")
        if set(tokenize(full)) <= excluded:
            full = name
        named.append(full)
        forms += [full, name] + ([full.split()[-1]] if parts.asks_for == "person" else [])
        forms += [
            s.name for s in sightings if s.sentence_index >= 0 and _is_short_form(s.name, name)
        ]
    forms = list(dict.fromkeys(f for f in forms if len(f) >= 3))
    return f"The answer: {' and '.join(named)}.", _naming_sentences(forms, pool, chosen), forms


def _asks_for_two(question: str) -> bool:
    """ "Which two public figures…", "Who are the two…": the lead names the best two."""
    return re.match(r"\s*(which|what|who are the)\s+two\b", question, re.I) is not None


def _role_weight(role: str, name: str, sentence: str) -> float:
    """Twice the weight where the sentence calls the name what the question asks for:
    "pop star Taylor Swift", "quarterback Brock Purdy", "Valve, the company behind…"."""
    if not role or len(role) < 3:
        return 1.0
    escaped, noun = re.escape(name), rf"{re.escape(role)}s?"
    before = re.search(rf"\b{noun}\s+(?:[A-Z][\w.'’-]*\s+){{0,2}}{escaped}\b", sentence, re.I)
    after = re.search(
        rf"{escaped},?\s+(?:is\s+)?(?:the|a|an)\s+(?:[\w-]+\s+){{0,3}}{noun}\b", sentence
    )
    return 2.0 if before or after else 1.0


_VERB = re.compile(
    r"(?:,[^,]{3,60},\s+)?(?:is|was|are|were|has|had|have|will|would|can|could|may|might|did|"
    r"does|do|also|[a-z]+ed|[a-z]{3,}s)\b"
)


def _is_subject(name: str, sentence: str) -> bool:
    """Whether the sentence has the name do something ("Apple defends…", "Valve, the maker,
    says…"): what a question asks about is what the matching sentences say it did."""
    at = sentence.find(name)
    return at >= 0 and _VERB.match(sentence, at + len(name) + 1) is not None


def names_form(forms: list[str], text: str) -> bool:
    """Whether ``text`` names the answer by one of its forms, as a whole name: "United"
    is not named by "United States", nor "Apple" by "Apple Watch"; "Travis Kelce" is by
    "Chiefs TE Travis Kelce"."""
    found = names_in(text)
    return any(n == f or n.endswith(" " + f) for n in found for f in forms)


def _naming_sentences(forms: list[str], pool: list, chosen: list, most: int = 3) -> list:
    """For each outlet whose sentences name the answer but whose chosen quotes do not, its
    best sentence naming it: the lead cites every outlet that supports it."""
    named_by = {c.outlet for c in chosen if names_form(forms, c.text)}
    extra = []
    for candidate in sorted(pool, key=lambda c: -c.score):
        if candidate.outlet in named_by or not names_form(forms, candidate.text):
            continue
        named_by.add(candidate.outlet)
        extra.append(candidate)
    return extra[:most]


def _title_sightings(parts, pool: list, uses: NameUses) -> list[Sighting]:
    """Names in the titles of the articles the matching sentences come from that the
    articles' text also names: a headline names what the article is about."""
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
            kind = as_kind(parts, name, title, uses)
            if kind and uses.in_text(kind):
                found.append(Sighting(kind, candidate.outlet, article, 0.5, -1))
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
    answer = compose(question, [_citing_sentence(best, pool, value)], lead, [1])
    answer.text = lead  # the metadata is the answer; the citation card shows the article
    answer.sentences = answer.sentences[:1]
    return answer


def _citing_sentence(best, pool: list, value: str):
    """The sentence a metadata answer cites: one of the article's that states the value (a
    byline, "Oleg Kotov writes…"), else the article's first retrieved sentence — never an
    unrelated sentence offered as if it said the value."""
    article = best.document.metadata.get("article_id")
    same = [c for c in pool if c.document.metadata.get("article_id") == article] or [best]
    if value:
        stating = [c for c in same if value.lower() in c.text.lower()]
        if stating:
            return min(stating, key=lambda c: c.key[1])
    return min(same, key=lambda c: c.key[1])


NAMING_SHARE = 0.3  # of the best sentence's share of the question's terms


def naming_quotes(parts, forms: list[str], chosen: list, candidates: list):
    """The quotes of a who/which answer: only sentences naming the answer, however many of
    the question's words another shares; for an outlet the question names whose chosen
    sentences do not, its best sentence that does. Returns the quotes, the keys of those
    naming the answer (none: ``chosen`` unchanged) and the named outlets left without one."""
    kept = [c for c in chosen if names_answer(parts, forms, c)]
    if not kept:
        return chosen, [], []
    quoted = {c.outlet for c in kept}
    unnamed = list(dict.fromkeys(c.outlet for c in chosen if c.outlet in parts.outlets))
    unnamed = [outlet for outlet in unnamed if outlet not in quoted]
    found = {outlet: _naming_in(parts, forms, candidates, outlet) for outlet in unnamed}
    kept += [c for c in found.values() if c is not None]
    # said of an outlet only when none of its sentences names the answer (dev-592's TechCrunch
    # named Bankman-Fried in a sentence matching the question too little to be quoted)
    silent = [
        o for o in unnamed if found[o] is None and not names_in_outlet(parts, forms, candidates, o)
    ]
    return kept, [c.key for c in kept], silent


def names_in_outlet(parts, forms: list[str], candidates: list, outlet: str) -> bool:
    """Whether any of the outlet's sentences names the answer."""
    return any(c.outlet == outlet and names_answer(parts, forms, c) for c in candidates)


def names_answer(parts, forms: list[str], candidate) -> bool:
    """Whether a sentence names the answer; a person also by the first name where the
    sentence's passage names them in full ("Sam is one of the most generous…")."""
    if names_form(forms, candidate.text):
        return True
    if parts.asks_for != "person" or not forms or len(forms[0].split()) < 2:
        return False
    first = re.escape(forms[0].split()[0])
    return bool(re.search(rf"\b{first}\b(?!\s+[A-Z])", candidate.text)) and names_form(
        forms, candidate.document.page_content
    )


def _naming_in(parts, forms: list[str], candidates: list, outlet: str):
    """The outlet's best-scored sentence naming the answer, if it shares enough of the
    question's terms."""
    top = max((c.lexical for c in candidates), default=0.0)
    naming = [
        c
        for c in candidates
        if c.outlet == outlet and c.lexical >= NAMING_SHARE * top and names_answer(parts, forms, c)
    ]
    return max(naming, key=lambda c: c.score, default=None)


def unnamed_notes(outlets: list[str], lead: str) -> list[str]:
    """ "Polygon: none of its matching sentences names YouTube." for each outlet the
    question names whose sentences matched its parts but never name the answer."""
    answer = lead.removeprefix("The answer: ").rstrip(".") or "the answer"
    return [f"{outlet}: none of its matching sentences names {answer}." for outlet in outlets]
