"""Support per claim (issue 12): the one sentence that best speaks to each part of a question,
the note for a part nothing speaks to, and the per-part verdict of a yes/no question.

A verdict opens with what the answer holds ("Both reports are quoted below; whether they
agree is left to the reader."), then says which of a part's key words its best quote
contains and any name it lacks, and, for a before/after question, each event's article date.
It says yes or no only where the articles' dates decide it (:mod:`order_verdict`), and it
never says a part is "reported" when its quote may say the opposite.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from .aspect import FRAMING_WORDS as _FRAMING_SHOWN
from .aspect import rivals
from .claims import COMPARING, Claim, asks_order, on_day
from .lexical import tokenize
from .order_verdict import order_answer, order_asked, published_at, stamp_label
from .outlets import outlets_named_in

# Calibrated on MultiHop-RAG dev with benchmarks/answers.py (docs/answers.md).
MIN_MATCH = 0.3  # share of a part's key terms (idf-weighted) a sentence must hold to be quoted
ANSWERED = 0.8  # a sentence already chosen with this share of a part's best match answers it
DAY_BONUS = 0.3  # for a sentence from the article of the day a part names
LONG_PART_TERMS = 3.0  # terms' worth a sentence must match of a part with many terms
COMPLETE = 0.5  # a part's best quote with this share of its key terms answers it in full
COMPLEMENT_GAIN = 0.4  # ...else a second sentence adding this share of them is quoted
MOST_WORDS = 6  # key words shown per part
PART_COVERED = 0.5  # each of two or more parts matched this well: the articles cover it
NAME_WEIGHT = 2.0  # weight of a name's terms against the part's other key terms
MATCH_WEIGHT = 0.6  # of the sentence's match, against its passage's similarity, for the best
ARTICLE_WEIGHT = 0.3  # of the share of the part's key terms its article's passages hold
# of the share of a dated part's key terms its article's headline holds, among that day's
# articles ("the report on NBA prop bets published on October 2": Sporting News has several)
TITLE_WEIGHT = 0.3
RANK_WEIGHT = 0.01  # per place of its passage in the retrieved order


@dataclass
class Support:
    """A claim and the sentence that best speaks to it (None: nothing does)."""

    claim: Claim
    best: Any = None  # an extractive ``_Candidate``
    match: float = 0.0
    meaning: float = 0.0  # the best's embedding similarity to the part, when found by meaning
    # (match, sentence) of the best's article nearer the part's point (``aspect.rivals``)
    nearer: tuple = ()


def match(claim: Claim, words: frozenset[str], weights: dict[str, float]) -> float:
    """The idf-weighted share of the claim's key terms among a sentence's ``words``; the
    names the part names count double (a sentence about another team is not about it)."""

    def weight(term: str) -> float:
        return weights.get(term, 1.0) * (NAME_WEIGHT if term in claim.names else 1.0)

    total = sum(weight(t) for t in claim.terms)
    return sum(weight(t) for t in claim.terms & words) / total if total else 0.0


def support_for(
    claim: Claim,
    candidates: list,
    allowed: set[str],
    weights,
    threshold: float = MIN_MATCH,
    avoid: frozenset[str] = frozenset(),
) -> Support:
    """The best sentence for ``claim`` among the ``allowed`` outlets' candidates, if any
    has ``threshold`` of its key terms; a part naming a date prefers that day's article, and
    one about an outlet's other report an article not in ``avoid``."""
    scored = [
        (match(claim, c.words, weights), c)
        for c in candidates
        if c.outlet in allowed
        and (claim.outlet is None or c.outlet == claim.outlet)
        and not _asks(c.text)
    ]
    article_words: dict[str, frozenset[str]] = {}
    for _, c in scored:
        article = c.key[0]
        article_words[article] = article_words.get(article, frozenset()) | c.words
    article_match = {a: match(claim, w, weights) for a, w in article_words.items()}
    # the article of the day a part names is that part's article: its best sentence need
    # only match half as well
    # a long part (a whole question no one sentence answers) needs LONG_PART_TERMS of its terms
    threshold = min(threshold, LONG_PART_TERMS / max(len(claim.terms), 1))
    scored = [(m, c) for m, c in scored if m >= threshold * (0.5 if _of_day(claim, c) else 1.0)]
    if not scored:
        return Support(claim)
    # another report of an outlet a part before is about: another article, if one matches
    scored = [(m, c) for m, c in scored if c.key[0] not in avoid] or scored
    # the part names its article's day: another day's article does not speak for it
    scored = [(m, c) for m, c in scored if _of_day(claim, c)] or scored
    # "the Engadget review of …": an article whose headline says it is one
    kinds = _ARTICLE_KIND.findall(claim.text.lower())
    scored = [(m, c) for m, c in scored if _titled(c, kinds)] or scored

    def key(item):
        m, c = item
        dated = DAY_BONUS if _of_day(claim, c) else 0.0
        similarity = float(c.document.metadata.get("similarity", 0.0))
        return (
            MATCH_WEIGHT * m
            + ARTICLE_WEIGHT * article_match[c.key[0]]
            + (1 - MATCH_WEIGHT) * similarity
            - RANK_WEIGHT * c.rank
            + dated
            + (TITLE_WEIGHT * match(claim, _title_words(c), weights) if dated else 0.0)
        )

    best_match, best = max(scored, key=key)
    return Support(
        claim, best, best_match, nearer=rivals(claim, (best_match, best), scored, candidates, key)
    )


# what a headline calls its article ("Steam Deck OLED review: …", "… live score, updates")
_ARTICLE_KIND = re.compile(r"\b(review|interview|recap|preview|live score|power rankings)\b")


def _titled(candidate, kinds: list[str]) -> bool:
    """Whether the candidate's article headline names one of the article ``kinds``."""
    title = str(candidate.document.metadata.get("title") or "").lower()
    return bool(kinds) and any(kind in title for kind in kinds)


def every_part_matched(claims: list[Claim], candidates: list, weights) -> bool:
    """Whether each of a question's two or more parts has a sentence holding
    ``PART_COVERED`` of its key terms: a long multi-part question matches no one passage
    as a whole (dev-592: best cosine 0.42), yet each of its parts can be well reported."""
    if len(claims) < 2 or not candidates:
        return False
    return all(
        max(match(claim, c.words, weights) for c in candidates) >= PART_COVERED for claim in claims
    )


def with_rest(support: Support, rest, allowed: set[str], weights, threshold: float) -> Support:
    """The part's support, looked for in the rest of the retrieved articles (``rest``, read
    only now) when the retrieved passages have none or, for a part naming its article's
    day, none of that day (which then wins)."""
    claim = support.claim
    off_day = bool(claim.day) and support.best is not None and not _of_day(claim, support.best)
    if (support.best is not None and not off_day) or rest is None or not rest.candidates():
        return support
    other = support_for(claim, rest.candidates(), allowed, weights, threshold)
    if support.best is None or (other.best is not None and _of_day(claim, other.best)):
        return other
    return support


def _title_words(candidate) -> frozenset[str]:
    """The terms of the headline of the candidate's article."""
    return frozenset(tokenize(str(candidate.document.metadata.get("title") or "")))


def _asks(text: str) -> bool:
    """A sentence that asks ("Is the OLED model an incremental improvement?") reports
    nothing a part could rest on."""
    return text.rstrip().rstrip("”\"'’)").endswith("?")


def complement(support: Support, candidates: list, chosen: list, weights, threshold: float):
    """A second sentence for a part its best quote answers only in part: one that speaks to
    the part itself and holds enough of the key terms the chosen quotes lack."""
    claim = support.claim
    if support.best is None or support.match >= COMPLETE:
        return None
    have = frozenset().union(*(c.words for c in chosen if claim.outlet in (None, c.outlet)))
    base = match(claim, have, weights)
    articles = {c.key[0] for c in chosen}
    best, gain = None, COMPLEMENT_GAIN
    for candidate in candidates:
        if candidate in chosen or claim.outlet not in (None, candidate.outlet):
            continue
        if candidate.outlet != support.best.outlet or candidate.key[0] in articles:
            continue  # another article of the outlet: the part's own may be the other one
        if _of_day(claim, support.best) and not _of_day(claim, candidate):
            continue  # ...but not when the part names its day and its best is of that day
        if match(claim, candidate.words, weights) < threshold:
            continue
        added = match(claim, have | candidate.words, weights) - base
        if added >= gain:
            best, gain = candidate, added
    return best


def _of_day(claim: Claim, candidate) -> bool:
    return on_day(claim.day, str(candidate.document.metadata.get("published") or ""))


def answered_by(support: Support, chosen: list, weights, threshold: float = MIN_MATCH) -> bool:
    """Whether a sentence already chosen speaks to the claim nearly as well as its best."""
    return answering(support, chosen, weights, threshold) is not None


def answering(support: Support, chosen: list, weights, threshold: float = MIN_MATCH):
    """The first sentence already chosen that speaks to the claim nearly as well as its best
    (of the day's article, when the part names a day and its best is of that day), or None."""
    claim = support.claim
    bar = max(threshold, ANSWERED * support.match)
    dated = support.best is not None and _of_day(claim, support.best)
    for c in chosen:
        if claim.outlet is not None and c.outlet != claim.outlet:
            continue
        if dated and not _of_day(claim, c):
            continue  # "the one on 2023-11-06": another day's article does not answer it
        if match(claim, c.words, weights) >= bar:
            return c
    return None


def claim_words(claim: Claim, weights, only: frozenset[str] | None = None) -> list[str]:
    """Up to ``MOST_WORDS`` of the claim's key words (the rarest), in the question's order,
    restricted to those whose stems are in ``only``."""
    words = [w for w in claim.words if only is None or _holds(w, only)]
    words = [w for w in words if not set(tokenize(w)) <= _FRAMING_SHOWN] or words
    ranked = sorted(words, key=lambda w: -max(weights.get(t, 1.0) for t in tokenize(w) or [""]))
    keep = set(ranked[:MOST_WORDS])
    return [w for w in words if w in keep]


def _quoted(words: list[str]) -> str:
    return "“" + " … ".join(words) + "”" if words else "its part"


def support_notes(supports: list[Support], weights) -> list[str]:
    """ "Nothing from The Verge matches “GameStop gift card”." for each claim without support."""
    return [_no_match(s.claim, weights) for s in supports if s.best is None]


def _no_match(claim: Claim, weights) -> str:
    """The sentence saying nothing matches a claim's key words."""
    source = f"Nothing from {claim.outlet}" if claim.outlet else "No quoted sentence"
    return f"{source} matches {_quoted(claim_words(claim, weights))}."


def _day(candidate) -> str:
    return str(candidate.document.metadata.get("published") or "")[:10]


def _holds(word: str, found: frozenset[str]) -> bool:
    """A key word is in a quote; a name only in full ("Mikaela Shiffrin" is not "Jeff
    Shiffrin")."""
    return set(tokenize(word)) <= found


# words that many names share: a name's own word is another ("Alameda" of Alameda Research)
_GENERIC_NAME_WORDS = frozenset(
    tokenize(
        "research ski resort new city united club team group company inc news times post "
        "football league university bank capital fund games studios sports street national "
        "international global media entertainment records music house state states"
    )
)


def _head(name: str) -> str:
    """The term that names ``name``: its last word that many names do not share ("ravens"
    of Baltimore Ravens, "alameda" of Alameda Research, "tremblant" of Tremblant Ski Resort)."""
    terms = tokenize(name)
    own = [t for t in terms if t not in _GENERIC_NAME_WORDS]
    return (own or terms or [""])[-1]


def _by_surname(name: str, text: str) -> bool:
    """A person the quote names by surname alone: "Bankman-Fried" for "Sam Bankman-Fried",
    but not when it names another of that surname ("Mikaela Shiffrin" for "Jeff Shiffrin")."""
    words = name.split()
    if not 2 <= len(words) <= 3 or not all(w[:1].isupper() for w in words):
        return False
    surname = re.escape(words[-1])
    if not re.search(rf"\b{surname}\b", text):
        return False
    others = re.findall(rf"\b([A-Z][\w.'’-]*) {surname}\b", text)
    return all(first == words[-2] for first in others)


def _part_line(support: Support, number: int | None, weights) -> str:
    claim = support.claim
    who = claim.outlet or "The articles"
    if support.best is None or number is None:
        return _no_match(claim, weights)
    about = _quoted(claim_words(claim, weights))
    found = frozenset(claim.terms & support.best.words)
    # a name the quote holds only in part is told word by word ("Mitchell", not "Tyler")
    text = support.best.text
    shown = [
        part
        for w in claim_words(claim, weights)
        for part in ([w] if _holds(w, found) or " " not in w or _by_surname(w, text) else w.split())
    ]
    has = [w for w in shown if _holds(w, found) or _by_surname(w, text)]
    has = has or claim_words(claim, weights, found)
    # only a name the quote lacks (its head word: "Alameda" names Alameda Research, "Ski
    # Resort" not Tremblant Ski Resort) is said: a missing ordinary word is often there in
    # other words ("front" for "proxy"), and a reader takes "but not political" as the
    # article's gap
    unnamed = [
        w
        for w in claim_words(claim, weights)
        if set(tokenize(w)) <= claim.names and not _by_surname(w, text) and _head(w) not in found
    ]
    day = _day(support.best)
    close = " (the closest in meaning)" if support.meaning else ""
    dated = f" ({day})" if day else ""
    line = f"{who}{dated} on {about}: [{number}]{close} mentions {', '.join(has)}"
    return line + (
        f"; the quoted sentence does not name {' or '.join(unnamed)}." if unnamed else "."
    )


def _order_line(supports: list[Support], numbers: dict) -> str:
    """ "The Sporting News report (2023-10-02) [1] comes before the CBS Sports report
    (2023-10-05) [2]." from the quoted articles' dates (metadata only, never a guess)."""
    dated = [
        (s, _day(s.best), numbers[s.best.key])
        for s in supports
        if s.best is not None and _day(s.best) and s.best.key in numbers
    ]
    if len(dated) < 2:
        return ""
    dated.sort(key=lambda item: item[1])
    first, second = dated[0], dated[-1]
    label = [_report_label(s, day, n) for s, day, n in dated]
    if first[1] == second[1]:
        return f"{label[0][0].upper()}{label[0][1:]} and {label[-1]} are of the same day."
    steps = " comes before ".join(label)
    return f"{steps[0].upper()}{steps[1:]}."


def _report_label(support: Support, when: str, number) -> str:
    """ "the Sporting News report (2023-10-02) [1]"."""
    return f"{_the(support.claim.outlet or support.best.outlet)} report ({when}) [{number}]"


def _the(outlet: str) -> str:
    return outlet if outlet.lower().startswith("the ") else f"the {outlet}"


def verdict_lead(question: str, supports: list[Support], numbers: dict, weights) -> str:
    """Part by part, what the best quote of each part says of the part's key words; for a
    before/after question, first the order of the events' articles."""
    lines = [
        _part_line(s, numbers.get(s.best.key) if s.best is not None else None, weights)
        for s in supports
    ]
    outlets = [s.claim.outlet or s.best.outlet for s in supports if s.claim.outlet or s.best]
    answered = _answered_order(question, supports, numbers, outlets)
    if answered:
        return " ".join([answered] + lines)
    order = _order_line(supports, numbers) if asks_order(question, outlets) else ""
    opening = [line for line in (_found_line(question, supports), order) if line]
    return " ".join(opening + lines)


# what only a reader can judge from the quotes: whether two accounts agree
_JUDGED = re.compile(rf"\b(?:{COMPARING}|agree\w*|disagree\w*|contradict\w*)\b", re.I)


def _found_line(question: str, supports: list[Support]) -> str:
    """What the answer holds, said first: "Both reports are quoted below; whether they
    agree is left to the reader." or "Only the TASS part is quoted." A question of one part
    has its line alone."""
    found = sum(s.best is not None for s in supports)
    if len(supports) < 2 or not found:
        return ""
    # one part asked of every outlet quoted ("Do both outlets say …?") has a line per outlet
    parts = "outlets" if len({s.claim.text for s in supports}) == 1 else "parts"
    if found < len(supports):
        return _partly_found(supports, parts, found)
    both = "Both" if found == 2 else f"All {found}"
    if _JUDGED.search(question):
        return f"{both} reports are quoted below; whether they agree is left to the reader."
    left = "whether they bear out what the question says is left to the reader"
    return f"{both} {parts} are quoted below; {left}."


def _partly_found(supports: list[Support], parts: str, found: int) -> str:
    """ "Only the TASS part is quoted." when each part names its own outlet, else "Only 1 of
    2 parts is quoted."; the part lines then say what nothing matches."""
    outlets = [s.claim.outlet for s in supports]
    if all(outlets) and len(set(outlets)) == len(outlets):
        quoted = [_the(s.claim.outlet or "") for s in supports if s.best is not None]
        noun = "part is" if len(quoted) == 1 else "parts are"
        return f"Only {' and '.join(quoted)} {noun} quoted."
    verb = "is" if found == 1 else "are"
    return f"Only {found} of {len(supports)} {parts} {verb} quoted."


_ORDER_OPENING = re.compile(r"^\W*(?:before|after)\b", re.I)


def _answered_order(question: str, supports: list[Support], numbers: dict, outlets) -> str:
    """ "Yes, by the articles' dates: the Sporting News report (2023-09-30) [2] comes before
    The Roar report (2023-12-23) [1]." when the question asks whether one report came before
    the other and each event has its quote; "" else."""
    asked = order_asked(question, outlets)
    events = _events(question, asked, supports, numbers) if asked else None
    if asked is None or events is None:
        return ""
    stamps = [str(s.best.document.metadata.get("published") or "") for s in events]
    answer = order_answer(asked, stamps[0], stamps[1])
    if answer is None:
        return ""
    same_day = stamps[0][:10] == stamps[1][:10]
    labels = [
        _report_label(s, stamp_label(stamp, same_day), numbers[s.best.key])
        for s, stamp in zip(events, stamps)
    ]
    if published_at(stamps[1]) < published_at(stamps[0]):  # type: ignore[operator]
        labels.reverse()
    return f"{answer}, by the articles' dates: {labels[0]} comes before {labels[1]}."


def _events(question: str, asked, supports: list[Support], numbers: dict):
    """The quoted supports of an order question's first and second event: the part that
    opens on its order word ("before The Verge suggested …") and the part before it, else
    the parts whose outlets the question names before and after its order word; None
    unless both are quoted, from two articles."""
    pairs = [(a, b) for a, b in zip(supports, supports[1:]) if _ORDER_OPENING.match(b.claim.text)]
    if not pairs:
        outlets = [s.claim.outlet for s in supports if s.claim.outlet]
        before = outlets_named_in(question[: asked.at], outlets)
        after = outlets_named_in(question[asked.at :], outlets)

        def side(s: Support) -> int:
            return 0 if s.claim.outlet in before else 1 if s.claim.outlet in after else -1

        sides = [[s for s in supports if side(s) == k] for k in (0, 1)]
        pairs = [(sides[0][0], sides[1][0])] if all(len(x) == 1 for x in sides) else []
    if not pairs:
        return None
    both = pairs[0]
    quoted = all(s.best is not None and s.best.key in numbers for s in both)
    return both if quoted and both[0].best.key != both[1].best.key else None
