"""The claims of a question (issue 12): what each part says about which outlet's report.

"Does the TechCrunch article suggest X, while The Verge reports Y?" has two claims, X about
TechCrunch and Y about The Verge; "Did the Sporting News report on A come before the CBS
report on B?" has one per event. A claim is the part's key terms (the words a sentence must
share to speak to it), the outlet it is about and the date it names, if any. The extractive
answerer quotes at most the best sentence per claim and states, claim by claim, what it found.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from .lexical import tokenize
from .outlets import normalise_outlet, outlet_aliases, outlets_named_in
from .question_parts import QuestionParts
from .question_split import QuestionPart, question_parts

_MONTHS = (
    "january february march april may june july august september october november december"
).split()
_MONTH_DAY = re.compile(r"\b(" + "|".join(_MONTHS) + r")\s+(\d{1,2})(?:st|nd|rd|th)?\b", re.I)
_ISO_DAY = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")
# Words of a yes/no or comparison question that say how it compares, not what about.
_HOW_WORDS = set(
    tokenize(
        "suggest suggests suggested indicate indicates indicated imply implies portray portrayal "
        "portrayed depict depicted present presented consistent inconsistent consistency "
        "inconsistency change changed shift shifted focus regarding concerning regard agree "
        "agrees differ earlier later prior subsequent same similar one another piece coverage "
        "publication reporting mentioned highlight highlighted discussed discuss against like "
        "per well being having now once due used need needs including contrast compared "
        "comparison without whereas readers provide providing discussing former latter part "
        "general source sources way align aligns aligned feature featured features center "
        "centre discussions headlines often whose associated various currently recently almost "
        "among remained remain remains respective respectively towards toward"
    )
)
_MONTH_TERMS = set(tokenize(" ".join(_MONTHS)))
# A last piece that asks about every part ("…, was there no change in the portrayal of X?").
_SHARED_QUESTION = re.compile(
    r"^\W*(?:\d{4}\W+)?(?:was|were|is|are|has|have|had|did|does|do|would|could)\b", re.I
)
_THE_SOURCES = re.compile(
    r"\b(?:the\s+)?(?:two|both|these|three)\s+(?:news\s+)?(?:sources|articles|reports|outlets|"
    r"publications|pieces|stories)\b",
    re.I,
)
# "…, indicating different aspects of the controversy?": how the question frames every part
_DIFFERENCE_TAIL = re.compile(
    r"^\W*(?:thus\s+)?(?:indicating|showing|presenting|suggesting|highlighting|reflecting)\s+"
    r"(?:a\s+)?(?:different|differing|difference|distinct|varied|various|consensus|agreement|"
    r"consistency|contrast)\b",
    re.I,
)
# the words of a question that compares what reports say ("consistent", "a change", "differ"),
# for a regular expression
COMPARING = (
    r"consisten\w*|inconsisten\w*|chang\w*|align\w*|differ\w*|shift\w*|discrepan\w*|"
    r"similar\w*"
)
# "… before 'Essentially Sports' mentioned …", "did X come after Y", "earlier than": the
# question orders two reports (not "needs to improve before their game", "possible after
# Kherson is retaken").
_ORDER_WORD = re.compile(r"\b(?:before|after|prior to|following|subsequent to)\s+", re.I)
_REPORT_WORD = re.compile(
    r"\b(?:report|article|story|piece|review|coverage|published|reported)", re.I
)
_ORDERED = re.compile(
    r"\b(?:come|came|comes|published|reported|released|appear(?:ed|s)?)\s+(?:before|after)\b"
    r"|\b(?:earlier|later) than\b|\bprecede[ds]?\b",
    re.I,
)


@dataclass(frozen=True)
class Claim:
    """One part of a question: its words, key terms, outlet and the day it names."""

    text: str
    outlet: str | None = None
    terms: frozenset[str] = field(default_factory=frozenset)
    words: tuple[str, ...] = ()  # the key terms as the question spells them, in its order
    day: str = ""  # "MM-DD" or "YYYY-MM-DD" of an article the part names by date
    names: frozenset[str] = field(default_factory=frozenset)  # key terms of names it names


def day_named(text: str) -> str:
    """The date a part names ("published on October 31" -> "10-31"; "2023-10-02"), or ""."""
    iso = _ISO_DAY.search(text)
    if iso:
        return "-".join(iso.groups())
    found = _MONTH_DAY.search(text)
    if found and 1 <= int(found.group(2)) <= 31:
        month = _MONTHS.index(found.group(1).lower()) + 1
        return f"{month:02d}-{int(found.group(2)):02d}"
    return ""


# "published after October 31", "before November 1, 2023": a range, not an article's day
_RELATIVE = re.compile(
    r"\b(?:before|after|since|until|prior to|following|by|through|later than|earlier than)"
    r"\s*$",
    re.I,
)
# "the Engadget review … published on the same date": the day of the part before
_SAME_DAY = re.compile(r"\b(?:on|from) the same (?:date|day)\b", re.I)


def part_day(text: str, previous: str = "") -> str:
    """The day of the article a part names by its date: the first date ``text`` names that
    no "before/after" makes a range, or for "on the same date" the ``previous`` part's day."""
    found = sorted([*_ISO_DAY.finditer(text), *_MONTH_DAY.finditer(text)], key=lambda m: m.start())
    for match in found:
        if not _RELATIVE.search(text[max(0, match.start() - 20) : match.start()]):
            day = day_named(match.group(0))
            if day:
                return day
    return previous if _SAME_DAY.search(text) else ""


def on_day(day: str, published: str) -> bool:
    """Whether an article ``published`` (ISO) is of the ``day`` a claim names."""
    return bool(day) and str(published or "")[:10].endswith(day)


def another_report(claim: Claim, earlier: Claim) -> bool:
    """Whether ``claim`` is about another report of the outlet ``earlier`` is about ("the
    same publication's report on …", "the one published on October 7")."""
    if claim.outlet is None or claim.outlet != earlier.outlet:
        return False
    return bool(_OTHER_REPORT.search(claim.text)) or bool(claim.day and claim.day != earlier.day)


def asks_order(question: str, outlets: list[str]) -> bool:
    """A before/after question about reports: the reader wants the events' dates."""
    if _ORDERED.search(question):
        return True
    for found in _ORDER_WORD.finditer(question):
        after = re.split(r"[,;:?]", question[found.end() : found.end() + 30])[0]
        if outlets_named_in(after, outlets) or _REPORT_WORD.search(after):
            return True
    return False


def claims_of(parts: QuestionParts, outlets: list[str]) -> list[Claim]:
    """The question's claims; one claim (the whole question) for a single-part question."""
    listed = _listed_outlets(parts.question, outlets)
    pieces = [
        piece if piece.outlet not in listed else QuestionPart(piece.text)
        for whole in question_parts(parts.question, outlets)
        for split in _by_outlet(whole, outlets, listed)
        for again in _by_repeat(split, outlets)
        for turned in _by_turn(again)
        for piece in _by_report(turned, outlets)
    ]
    pieces = _same_outlet_kept(pieces)
    groups, shared = _grouped(pieces, lambda p: _closes(parts, p))
    claims: list[Claim] = []
    previous_outlet: str | None = None
    for group in groups:
        outlet = next((p.outlet for p in group if p.outlet), None)
        if outlet is None and any(day_named(p.text) for p in group):
            outlet = previous_outlet  # "…by Sporting News on 2023-10-02 and the one on 2023-11-06"
        previous_outlet = outlet or previous_outlet
        text = " ".join(p.text for p in group)
        anchored = outlet is not None or bool(day_named(text))
        borrowed = shared or (claims[-1].text if claims and anchored else "")
        day = part_day(text, claims[-1].day if claims else "")
        claim = _claim(parts, text, outlet, borrowed, day)
        if claim.terms and not any(_same(claim, other) for other in claims):
            claims.append(claim)
    if len(claims) <= 1:
        only = parts.outlets[0] if len(parts.outlets) == 1 else None
        return [_claim(parts, parts.question, only, "")]
    return claims


def _same(a: Claim, b: Claim) -> bool:
    return a.terms == b.terms and a.outlet == b.outlet and a.day == b.day


def _listed_outlets(question: str, outlets: list[str]) -> set[str]:
    """Outlets named together as the question's sources ("reported by both TechCrunch and
    The Verge", "sources like 'Fortune', 'Globes English', and 'Business Today'"): no one
    clue is theirs."""
    named = outlets_named_in(question, outlets)
    spans = []
    for outlet in named:
        at = _position(question, outlet)
        if at >= 0:
            spans.append((at, at + _length(question, outlet, at), outlet))
    spans.sort()
    listed: set[str] = set()
    for (_, end, first), (start, _, second) in zip(spans, spans[1:]):
        if _LIST_GAP.fullmatch(question[end:start]):
            listed |= {first, second}
    return listed


_LIST_GAP = re.compile(
    r"[\s'\"”’“‘]*(?:,|,?\s*and|,?\s*or|/)?[\s'\"”’“‘]*(?:the\s+)?[\s'\"“‘]*", re.I
)


def _length(text: str, outlet: str, at: int) -> int:
    """How many characters of ``text`` from ``at`` spell the outlet's name."""
    for alias in sorted({outlet.lower(), *outlet_aliases(outlet)}, key=len, reverse=True):
        pattern = r"\W+".join(map(re.escape, alias.split()))
        found = re.compile(pattern, re.I).match(text, at)
        if found:
            return found.end() - at
    return 0


def _by_outlet(piece: QuestionPart, outlets: list[str], listed: set[str]) -> list[QuestionPart]:
    """A piece naming two outlets ("Does X attribute A to … as Y attributes B") split where
    each outlet is named, or, when an outlet closes its clause ("… that aligns with B as
    described in Y"), where the clause about it begins."""
    named = [o for o in outlets_named_in(piece.text, outlets) if o not in listed]
    if len(named) < 2:
        return [piece]
    starts = sorted(at for at in (_position(piece.text, o) for o in named) if at >= 0)
    if len(starts) < 2:
        return [piece]
    bounds = [0, *starts[1:], len(piece.text)]
    for index in range(1, len(bounds) - 1):
        after = piece.text[bounds[index] : bounds[index + 1]]
        if len(tokenize(after)) - len(tokenize(" ".join(named))) < 2:
            turn = _last_turn(piece.text, bounds[index - 1], bounds[index])
            if turn > 0:
                bounds[index] = turn
    texts = [piece.text[a:b].strip(" ,") for a, b in zip(bounds, bounds[1:])]
    return [QuestionPart(t, next(iter(outlets_named_in(t, named)), None)) for t in texts if t]


# "… agree with the same publication's report on …": a second report of the same outlet.
_OTHER_REPORT = re.compile(
    r"\b(?:agrees? with |and |while |than |as )?(?:(?:the same (?:publication|outlet|newspaper|"
    r"source|site|magazine)['’]?s?|the other|another|a later|an earlier|a subsequent|a second|"
    r"the subsequent|the later|the second|a third|the third)"
    r"\s+(?:[\w.'’-]+\s+)?(?:article|report|piece|story|review)\b"
    r"|the same (?:publication|outlet|newspaper|source|site|magazine)\b)",
    re.I,
)


def _same_outlet_kept(pieces: list[QuestionPart]) -> list[QuestionPart]:
    """ "…, and did the same source also report …": a piece about another report of the
    outlet named before is about that outlet."""
    kept: list[QuestionPart] = []
    for piece in pieces:
        before = next((p.outlet for p in reversed(kept) if p.outlet), None)
        if piece.outlet is None and before and _OTHER_REPORT.search(piece.text):
            piece = QuestionPart(piece.text, before)
        kept.append(piece)
    return kept


def _by_report(piece: QuestionPart, outlets: list[str]) -> list[QuestionPart]:
    """A piece about two reports of one outlet, split where the second is named."""
    named = outlets_named_in(piece.text, outlets)
    outlet = piece.outlet or (named[0] if len(named) == 1 else None)
    found = _OTHER_REPORT.search(piece.text)
    if not outlet or not found or found.start() == 0:
        return [piece]
    if len(tokenize(piece.text[found.end() :])) < 2:
        return [piece]  # "… as mentioned in another CBSSports.com article": it closes the part
    first, second = piece.text[: found.start()].strip(" ,"), piece.text[found.start() :]
    if len(tokenize(first)) < 2:
        return [piece]  # "and does the second TechCrunch piece claim …": one report's part
    return [QuestionPart(first, outlet), QuestionPart(second, outlet)]


def _by_repeat(piece: QuestionPart, outlets: list[str]) -> list[QuestionPart]:
    """ "Does the Polygon guide for X … in a similar manner to how the Polygon guide for Y
    does?": an outlet named again after a turn starts a part about another of its reports."""
    named = outlets_named_in(piece.text, outlets)
    outlet = piece.outlet or (named[0] if len(named) == 1 else None)
    if not outlet:
        return [piece]
    first = _position(piece.text, outlet)
    again = _position(piece.text[first + 1 :], outlet) if first >= 0 else -1
    if again < 0:
        return [piece]
    turn = _last_turn(piece.text, first, first + 1 + again)
    if turn <= first:
        return [piece]
    return [
        QuestionPart(piece.text[:turn].strip(" ,"), outlet),
        QuestionPart(piece.text[turn:], outlet),
    ]


# Where a question turns from one side of a comparison to the other.
_TURN = re.compile(
    r"\b(?:in a way that )?(?:aligns? with|in contrast (?:to|with)|compared (?:to|with)|"
    r"similar to|in a similar (?:manner|way) to|in the same way as|consistent with|unlike|"
    r"differs? from|the same as|as opposed to|whereas|while)\b",
    re.I,
)


def _by_turn(piece: QuestionPart) -> list[QuestionPart]:
    """ "after Kherson is retaken while fakty.com.ua reports …": the words before the turn
    to the outlet's clause are not about that outlet."""
    if not piece.outlet:
        return [piece]
    at = _position(piece.text, piece.outlet)
    turn = _last_turn(piece.text, 0, at) if at > 0 else -1
    if turn <= 0:
        return [piece]
    return [
        QuestionPart(piece.text[:turn].strip(" ,")),
        QuestionPart(piece.text[turn:], piece.outlet),
    ]


def _last_turn(text: str, start: int, end: int) -> int:
    found = [m.start() for m in _TURN.finditer(text, start, end) if m.start() > start]
    return found[-1] if found else -1


def _position(text: str, outlet: str) -> int:
    """Where ``text`` first names ``outlet`` (its full name or an alias), or -1."""
    lowered = text.lower()
    spots = []
    for alias in {outlet.lower(), *outlet_aliases(outlet)}:
        at = re.search(r"(?<!\w)" + r"\W+".join(map(re.escape, alias.split())) + r"(?!\w)", lowered)
        if at:
            spots.append(at.start())
    return min(spots, default=-1)


def _anchored(piece: QuestionPart) -> bool:
    return bool(piece.outlet or day_named(piece.text))


def _closes(parts: QuestionParts, piece: QuestionPart) -> bool:
    """ "as noted by CBSSports.com", "…issues as mentioned by The Verge": a piece that names
    its outlet last, or nothing else, ends the clause about that outlet."""
    if not piece.outlet:
        return False
    attribution = len(_key_terms(parts, piece.text)) < 2 and _ATTRIBUTION.match(piece.text)
    return bool(attribution) or _named_last(piece)


_ATTRIBUTION = re.compile(
    r"^\W*(?:as|according|per|reported|noted|covered|mentioned|by|in|from|says|said)\b", re.I
)


def _named_last(piece: QuestionPart) -> bool:
    """ "…and in-app payment issues as mentioned by The Verge": the outlet closes its clue,
    so the words before the piece are about it too."""
    if not piece.outlet:
        return False
    haystack = f" {normalise_outlet(piece.text)} "
    found = [haystack.find(f" {alias} ") for alias in outlet_aliases(piece.outlet)]
    at = min((f for f in found if f >= 0), default=0)
    return at > len(haystack) / 2


def _grouped(
    pieces: list[QuestionPart], closes: Callable[[QuestionPart], bool]
) -> tuple[list[list[QuestionPart]], str]:
    """Pieces that name an outlet or a date start a claim. A piece between two of them
    belongs to the one after it when that one closes its clause ("…, as noted by
    CBSSports.com"), else to the one before; leading pieces go to the first, and a last
    piece that asks about every claim ("…, was there no change in …?") to none."""
    anchors = [i for i, p in enumerate(pieces) if _anchored(p)]
    if not anchors:
        return [[p] for p in pieces], ""
    owner: dict[int, int] = {}
    for index in range(len(pieces)):
        if index in anchors:
            owner[index] = index
            continue
        before = max((a for a in anchors if a < index), default=None)
        after = min((a for a in anchors if a > index), default=None)
        if after is not None and (before is None or closes(pieces[after])):
            owner[index] = after
        elif before is not None and index != anchors[-1] and after is not None:
            owner[index] = before if not closes(pieces[before]) else after
        else:
            owner[index] = before if before is not None else anchors[0]
    shared = ""
    last = len(pieces) - 1
    if last not in anchors and len(anchors) >= 2 and _SHARED_QUESTION.match(pieces[last].text):
        shared = pieces[last].text
        del owner[last]
    elif last not in anchors and len(anchors) >= 2 and _DIFFERENCE_TAIL.match(pieces[last].text):
        del owner[last]  # "…, thus presenting different aspects of his actions?": no claim
    groups = [[pieces[i] for i in sorted(owner) if owner[i] == a] for a in anchors]
    return groups, shared


def _claim(
    parts: QuestionParts, text: str, outlet: str | None, borrowed: str, day: str | None = None
) -> Claim:
    """The claim of a part's ``text``; its ``day`` is its own words' (a subject borrowed from
    the part before brings no date: that is the other report's)."""
    day = part_day(text) if day is None else day
    # "second" of "the second piece" and "two" of "the two sources" are not what a part says
    own = _key_terms(parts, _THE_SOURCES.sub(" ", _OTHER_REPORT.sub(" ", text)))
    if len(own) < 2 and borrowed:
        text = f"{text} {borrowed}"  # "the one on 2023-11-06": the subject the question shares
        own |= _key_terms(parts, borrowed)
    named = tuple(name for name in parts.names if name in text)
    names = {t for name in named for t in tokenize(name)} & own
    words = _surface(text, own, named)
    return Claim(text, outlet, frozenset(own), words, day, frozenset(names))


# "… without discussing the economic conditions": what the article does not say.
# what the question says an article leaves unsaid: "without mentioning an invitation", "rather
# than X"; "without any removal attempt" is a claim the article makes (that there was none)
_NOT_SAID = re.compile(
    r"\b(?:without\s+(?:\w+ly\s+)?(?:mention|specify|say|nam|report|discuss|cit|detail|provid|giv|"
    r"address|refer|indicat|offer|includ|explain|not)\w*|rather than|instead of|but not)\b.*$",
    re.I | re.S,
)


# "Which platform …", "What institution …": the kind of answer asked for, not a clue.
_ASKED_KIND = re.compile(r"^\W*(?:which|what)\s+([\w-]+)", re.I)


def _key_terms(parts: QuestionParts, text: str) -> set[str]:
    asked = _ASKED_KIND.match(parts.question)
    kind = set(tokenize(asked.group(1))) if asked else set()
    terms = (set(tokenize(_NOT_SAID.sub("", text))) & parts.terms) - kind
    return {
        t
        for t in terms
        if len(t) > 1 and t not in _HOW_WORDS and not t.isdigit() and t not in _MONTH_TERMS
    }


def _surface(text: str, terms: set[str], names: tuple[str, ...] = ()) -> tuple[str, ...]:
    """The words of ``text`` whose stems are ``terms``, each once, in order; the words of a
    name the question names stay together ("Tyler Mitchell")."""
    seen: set[str] = set()
    words = []
    spans = [(m.start(), m.end()) for n in names for m in re.finditer(re.escape(n), text)]
    for found in re.finditer(r"[\w'’-]+", text):
        span = next(((a, b) for a, b in spans if a <= found.start() < b), None)
        word = text[span[0] : span[1]] if span else found.group(0)
        word = re.sub(r"['’]s$", "", word.strip("'’"))
        stems = set(tokenize(word)) & terms if span else set(tokenize(word))
        if stems and stems <= terms and not stems <= seen:
            seen |= stems
            words.append(word)
    return tuple(words)
