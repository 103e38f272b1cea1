"""The parts of a question (issue 12): the outlets it names with the clue about each, the
names it mentions, and the kind of thing it asks for."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .lexical import tokenize
from .outlets import outlet_aliases, outlets_named_in

QUESTION_NOISE = set(
    tokenize(
        "report reports reported reporting say says said tell tells told article articles "
        "outlet outlets news story stories write writes wrote according describe describes "
        "mention mentions claim claims compare what which who whom suggest suggests "
        "published publication both individual company entity person him"
    )
)
_YES_NO = re.compile(
    r"^\s*((between|after|before|considering|following|given|in|from|according)\b[^?]*?,\s*)?"
    r"(does|do|did|is|are|was|were|has|have|had|can|could|would|will)\b",
    re.I,
)
_ENTITY = re.compile(
    r"^\s*(who|whom\b|(which|what)\s+(?!(does|do|did|would|will|can|could|has|have|had|"
    r"happened|happens|is the difference)\b)\w+)",
    re.I,
)
_META = [
    ("author", re.compile(r"\b(who (wrote|authored)|author of|written by|whose byline)\b", re.I)),
    (
        "published",
        re.compile(
            r"\b(when was .* published|what (is|was) the (publication )?date|"
            r"(on )?what date was|publication date)\b",
            re.I,
        ),
    ),
    ("url", re.compile(r"\b(url|web address|link to)\b", re.I)),
    ("title", re.compile(r"\b(title|headline) of\b", re.I)),
]
_KINDS = [
    ("newspaper", re.compile(r"\b(newspaper|paper|publication|outlet|edition|magazine)\b", re.I)),
    (
        "person",
        re.compile(
            r"^\s*(who|whom)\b|\b(individual|person|people|player|figure|ceo|founder|"
            r"filmmaker|director|celebrity|star|artist|singer|musician|actor|actress|athlete|"
            r"quarterback|receiver|coach|manager|executive|entrepreneur|billionaire|"
            r"politician|leader)s?\b",
            re.I,
        ),
    ),
    (
        "company",
        re.compile(
            r"\b(company|firm|business|startup|brand|maker|manufacturer|retailer|developer)\b",
            re.I,
        ),
    ),
    ("team", re.compile(r"\b(club|team|franchise)\b", re.I)),
    (
        "organisation",
        re.compile(
            r"\b(company|firm|organi[sz]ation|institution|team|club|group|"
            r"exchange|entity|agency|bank)\b",
            re.I,
        ),
    ),
    (
        "thing",  # anything else a name answers: "which platform…", "which country…"
        re.compile(
            r"\b(platform|service|app|application|website|site|network|product|device|"
            r"console|country|nation|city|region|chatbot|model|tool|event|tournament)\b",
            re.I,
        ),
    ),
]
_NAME = re.compile(r"\b[A-Z][\w'’.&-]*(?:\s+(?:of|de|la|the)?\s*[A-Z][\w'’.&-]*)*")
_START_WORDS = {
    "considering",
    "given",
    "following",
    "who",
    "which",
    "what",
    "does",
    "do",
    "did",
    "is",
    "are",
    "was",
    "were",
    "has",
    "have",
    "had",
    "according",
    "between",
    "after",
    "before",
    "how",
    "the",
    "in",
    "on",
    "when",
    "can",
    "could",
    "would",
    "will",
    "a",
    "an",
}


_CALENDAR = set(
    "january february march april may june july august september october november december "
    "monday tuesday wednesday thursday friday saturday sunday".split()
)


# "a Forbes article", "a Bloomberg report", "an article by The Verge and another by Variety":
# the outlets whose articles the question asks about.
_ARTICLE_OF = re.compile(
    r"\b(?:an?|the)\s+(?:['\"]([^'\"]{2,60})['\"]|((?:[A-Z][\w.&'’-]*\s+){0,3}?[A-Z0-9][\w.&'’-]*))"
    r"\s+(?:article|report|piece|story)\b"
    r"|\b(?:article|report|piece|another)\s+(?:by|from)\s+(?:['\"]([^'\"]{2,60})['\"]|"
    r"((?:the\s+)?[A-Z][\w.&'’-]*(?:\s+[A-Z][\w.&'’-]*)*))"
)


def source_claims(question: str) -> list[str]:
    """Outlets the question says its articles come from ("a Bloomberg report" -> Bloomberg)."""
    found = []
    for match in _ARTICLE_OF.finditer(question):
        name = next((group for group in match.groups() if group), "").strip(" '\"")
        name = re.sub(r"^(?:the|The)\s+", "", name)
        first = name.split()[0].lower() if name else ""
        if name and first not in _CALENDAR and first not in {"new", "recent", "separate", "latest"}:
            found.append(name)
    return list(dict.fromkeys(found))


@dataclass
class QuestionParts:
    """What the question asks: its kind, the outlets it names, its salient names; its parts
    are in :mod:`assistant.claims`."""

    question: str
    kind: str  # "entity", "yes_no", "metadata" or "open"
    asks_for: str = ""  # person, organisation, newspaper (entity) / author, published... (metadata)
    outlets: list[str] = field(default_factory=list)
    names: list[str] = field(default_factory=list)  # salient names the question mentions
    terms: set[str] = field(default_factory=set)
    sources: list[str] = field(default_factory=list)  # outlets it says its articles are from
    role: str = ""  # the word naming what is asked for: "quarterback", "company", "club"


# "published on November 19, 2023", "on 2023-10-02": which article, not what it says (a
# date without its year, "launches November 16th", may be what it says)
_DATES = re.compile(
    r"\b(?:(?:january|february|march|april|may|june|july|august|september|october|november|"
    r"december)\s+\d{1,2}(?:st|nd|rd|th)?,?\s+\d{4}|\d{4}-\d{2}-\d{2})\b",
    re.I,
)


def question_terms(question: str, outlets: list[str]) -> set[str]:
    """Content terms of the question, without outlet names and "what does X report" words."""
    outlet_terms = {
        term for outlet in outlets for alias in outlet_aliases(outlet) for term in tokenize(alias)
    }
    return set(tokenize(_DATES.sub(" ", question))) - QUESTION_NOISE - outlet_terms


def parse_question(question: str, known_outlets: list[str]) -> QuestionParts:
    """Split ``question`` into its parts against the outlets of the retrieved passages."""
    named = outlets_named_in(question, known_outlets)
    parts = QuestionParts(
        question=question,
        kind=_kind(question),
        outlets=named,
        names=salient_names(question, known_outlets),
        terms=question_terms(question, known_outlets),
        sources=source_claims(question),
    )
    parts.asks_for, parts.role = _asks_for(question, parts.kind)
    if (
        parts.kind == "entity"
        and not parts.asks_for
        and not re.match(r"\s*(who|whom)\b", question, re.I)
    ):
        parts.kind = "open"  # "What is said about…": no single name is asked for
    return parts


def _kind(question: str) -> str:
    if any(pattern.search(question) for _, pattern in _META):
        return "metadata"
    if _ENTITY.match(question):
        return "entity"
    if _YES_NO.match(question):
        return "yes_no"
    return "open"


def _asks_for(question: str, kind: str) -> tuple[str, str]:
    """The kind of thing asked for, and the question's word for it."""
    table = _META if kind == "metadata" else _KINDS if kind == "entity" else []
    head = question if kind == "metadata" else " ".join(question.split()[:6])
    for name, pattern in table:
        found = [m.group(0).lower().strip() for m in pattern.finditer(head)]
        if found:
            roles = [w for w in found if w not in {"who", "whom"} and " " not in w]
            return name, roles[0] if roles else ""
    return "", ""


_SOURCE_ITEM = r"(?:the\s+)?(?:'[^']+'|\"[^\"]+\"|[A-Z][\w.&'’-]*(?:\s+(?:\||-|[A-Z][\w.&'’-]*))*)"
# "as reported by The Verge, CNBC, and TechCrunch": every item of the list is an outlet.
_SOURCE_LIST = re.compile(
    r"\b(?:reported by|reports? (?:by|from)|articles? (?:by|from)|according to(?: articles|"
    r" reports)?(?: from| by)?|sources(?: such as)?|covered by|published by|by)\s+(?:both\s+)?"
    rf"{_SOURCE_ITEM}(?:(?:\s*,\s*(?:and\s+)?|\s+and\s+)(?:(?:again|another)\s+(?:by\s+)?)?"
    rf"(?:two reports by\s+)?{_SOURCE_ITEM})*"
)


def _in_source_list(name: str, question: str) -> bool:
    return any(name in found.group(0) for found in _SOURCE_LIST.finditer(question))


def _names_an_outlet(name: str, question: str) -> bool:
    """ "CBSSports.com", "the Yardbarker article", "reported by Fortune": an outlet the
    retrieved passages may not include, not a subject the articles must mention."""
    escaped = re.escape(name)
    return bool(
        _in_source_list(name, question)
        or re.search(r"\.(com|org|net|co\.uk|io)\b", name)
        or re.search(rf"{escaped}['’]?s?['\"”]?\s+(article|report|coverage|piece|story)", question)
        or re.search(rf"\b(from|by|in|of)\s+(both\s+)?(the\s+)?['\"“]?{escaped}\b", question)
    )


_JOINS = {"of", "in", "for", "at", "on", "from", "to", "with"}


def _opens_quote(question: str, at: int) -> bool:
    """Whether a quotation opens right before ``at``: its first word is capitalised by its
    place, as a sentence's first word is, not because it is part of a name."""
    return at > 0 and question[at - 1] in "'\"“‘"


def salient_names(question: str, known_outlets: list[str]) -> list[str]:
    """Capitalised names in the question that are not outlets nor sentence openers."""
    outlet_words = {w for o in known_outlets for a in outlet_aliases(o) for w in a.split()}
    names = []
    for found in _NAME.finditer(question):
        words = found.group(0).split()
        if _opens_quote(question, found.start()) and len(words) > 2 and words[1] in _JOINS:
            words = words[2:]  # 'Players of Baldur's Gate 3': capitalised as the quote's start
        while words and words[0].lower() in _START_WORDS:
            words = words[1:]
        while words and words[-1].lower() in _CALENDAR:
            words = words[:-1]
        name = re.sub(r"['’]s?$", "", " ".join(words).strip(".,'’"))
        if (
            len(name) < 3
            or name.lower() in _CALENDAR
            or _names_an_outlet(name, question)
            or all(w.lower().strip(".,'’") in outlet_words for w in name.split())
        ):
            continue
        names.append(name)
    return list(dict.fromkeys(names))
