"""Difference questions ("How do X and Y describe … differently?", "What does X report that Y
leaves out?") are answered from the comparison of the outlets (:mod:`assistant.compare`).

:func:`parse_difference` recognises such a question, the outlets it names and the topic left
once the outlet names and the difference words are removed; :func:`answer_from_comparison`
turns a :class:`~assistant.compare.Comparison` into a short cited :class:`Answer`: the
difference on the first line, then the shared claims, the claims only one outlet makes (the
most central few) and the differences in wording.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from .answer_models import Answer, AnswerSentence, Citation
from .compare_models import Claim, Comparison, Phrasing, SharedClaim, WordingDifference
from .lexical import tokenize
from .outlets import outlet_aliases, outlets_named_in

DIFFER = "differ"
LEAVES_OUT = "leaves_out"

# "leave(s) out", "omit(s)", "does not / doesn't / fails to mention|report|cover"
_LEAVES_OUT = re.compile(
    r"\b(?:leaves?\s+out|left\s+out|omits?|omitted|ignores?|skips?"
    r"|(?:does\s*n[o']t|do\s*n[o']t|did\s*n[o']t|fails?\s+to|never)\s+"
    r"(?:mention|report|cover|say|include)s?)\b",
    re.IGNORECASE,
)
_DIFFER = re.compile(r"\b(?:differ(?:s|ed|ently|ent)?|differences?)\b", re.IGNORECASE)
# A difference question asks how or what ("How do X and Y differ", "What does X report that Y
# leaves out"), or asks for the comparison ("Compare how X and Y ..."). "Does X suggest …, in
# contrast to Y?" is a yes/no question and "Which company, compared …" an entity question.
_ASKS_HOW_OR_WHAT = re.compile(
    r"^\W*(?:how|what|which\s+(?:claims?|facts?|details?|points?|parts?)|in\s+what\s+ways?"
    r"|where)\b",
    re.IGNORECASE,
)
_ASKS_TO_COMPARE = re.compile(r"^\W*(?:please\s+)?(?:compare|contrast)\b", re.IGNORECASE)
# "describe / call / portray / word": the question is about how each outlet names things.
_ABOUT_WORDING = re.compile(
    r"\b(?:describ\w*|call\w*|portray\w*|depict\w*|word\w*|phras\w*|terms?|language"
    r"|refer\w*|nam(?:e|es|ed|ing)|characteri[sz]\w*|label\w*)\b",
    re.IGNORECASE,
)
# Words of the question that ask for the difference rather than name its subject.
_QUESTION_WORDS = re.compile(
    r"\b(?:how|what|which|where|in\s+what\s+ways?|ways?|is|are|was|were|the|do|does|did|and"
    r"|between|from|with|to|on|in|of|about|that|their|its|they|both|two|outlets?|reports?"
    r"|reported|reporting|coverage|covers?|covered|describes?|described|portrays?|portrayed"
    r"|presents?|presented|frames?|framed|tells?|treats?|says?|mentions?|please|compare[sd]?"
    r"|contrast(?:s|ed)?|differ(?:s|ed|ently|ent)?|differences?|accounts?|versions?"
    r"|stor(?:y|ies)|articles?)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class DifferenceQuestion:
    """A question asking how outlets' reports differ, or what one reports the other omits."""

    kind: str  # DIFFER or LEAVES_OUT
    outlets: list[str]  # as indexed, in the order the question names them
    topic: str  # the subject, without outlet names and difference words ("" if none)
    about_wording: bool = False  # "describe", "call", "portray": how each outlet names it

    @property
    def query(self) -> str:
        """What to compare on: the topic, or the outlets' stories when no topic is left."""
        return self.topic or " and ".join(self.outlets)


def parse_difference(question: str, known_outlets: Iterable[str]) -> DifferenceQuestion | None:
    """The difference question in ``question``, or None when it is not one.

    It is one when it names two or more indexed outlets and opens with how/what/in what ways
    and asks how they differ ("differ", "differently", "difference") or what one leaves out
    ("leaves out", "omits", "does not mention"), or asks to "Compare/Contrast how X and Y …".
    Yes/no questions ("Does X suggest …, in contrast to Y?") are not difference questions.
    For "leaves out" the first named outlet is the one that reports, the second the one that
    leaves out.
    """
    asks = _ASKS_HOW_OR_WHAT.search(question)
    if asks and _LEAVES_OUT.search(question):
        kind = LEAVES_OUT
    elif (asks and _DIFFER.search(question)) or _ASKS_TO_COMPARE.search(question):
        kind = DIFFER
    else:
        return None
    named = outlets_named_in(question, known_outlets)
    if len(named) < 2:
        return None
    about_wording = bool(_ABOUT_WORDING.search(question))
    return DifferenceQuestion(kind, named, topic_without(question, named), about_wording)


def topic_without(question: str, outlets: Iterable[str]) -> str:
    """The question's subject: outlet names, possessives and difference words removed."""
    text = question
    for outlet in outlets:
        for alias in sorted(outlet_aliases(outlet), key=len, reverse=True):
            words = alias.split()
            pattern = r"[\W_]*".join(re.escape(word) for word in words)
            text = re.sub(rf"(?<!\w){pattern}(?:[’']s)?(?!\w)", " ", text, flags=re.IGNORECASE)
    text = _LEAVES_OUT.sub(" ", text)
    text = _QUESTION_WORDS.sub(" ", text)
    text = re.sub(r"[^\w’'\- ]+", " ", text)
    words = text.split()
    while words and words[-1].lower() in {"differently", "any", "anything", "something"}:
        words.pop()
    return " ".join(words)


# ----- the answer ---------------------------------------------------------------------------

MAX_SHARED = 2
MAX_UNIQUE = 2  # per outlet; the rest are counted
MAX_LEFT_OUT = 3  # claims listed for "what does X report that Y leaves out"
MAX_WORDING = 3


def compared_outlets(comparison: Comparison) -> list[str]:
    """The outlets of the comparison that have at least one claim."""
    return [o for o in comparison.outlets if comparison.per_outlet.get(o)]


def central_claims(comparison: Comparison, outlet: str) -> list[Claim]:
    """The outlet's claims no other outlet makes, most central first."""
    return sorted(comparison.unique.get(outlet, []), key=lambda c: -c.centrality)


class _Writer:
    """Renumbers the comparison's citations in order of first use in the answer."""

    def __init__(self, comparison: Comparison):
        self.comparison = comparison
        self.citations: list[Citation] = []
        self.numbers: dict[int, int] = {}
        self.sentences: list[AnswerSentence] = []

    def cite(self, number: int) -> int:
        """The answer's number for the comparison's citation ``number``."""
        if number not in self.numbers:
            original = self.comparison.citation(number)
            if original is None:
                raise ValueError(f"the comparison has no citation {number}")
            self.numbers[number] = len(self.citations) + 1
            self.citations.append(original.model_copy(update={"number": self.numbers[number]}))
        return self.numbers[number]

    def quote(self, claim: Claim) -> str:
        """“quote” [n], the claim's sentence verbatim."""
        return f"“{claim.quote}” [{self.cite(claim.citation)}]"

    def phrase(self, phrasing: Phrasing) -> str:
        """“phrase”, “variant” [n][m]: the two fullest forms, each citing a sentence holding it."""
        forms = sorted([phrasing.text, *phrasing.variants], key=lambda f: -len(f.split()))[:2]
        numbers = [self._holding(form, phrasing.citations) for form in forms]
        markers = "".join(f"[{self.cite(n)}]" for n in dict.fromkeys(numbers) if n is not None)
        return f"“{'”, “'.join(forms)}” {markers}".rstrip()

    def _holding(self, form: str, numbers: list[int]) -> int | None:
        """The first of the comparison's citations ``numbers`` whose quote holds ``form``."""
        for number in numbers:
            citation = self.comparison.citation(number)
            if citation is not None and form in citation.quote:
                return number
        return numbers[0] if numbers else None

    def line(self, text: str) -> str:
        """Record ``text`` as an answer sentence with the markers it carries."""
        numbers = [int(n) for n in re.findall(r"\[(\d+)\]", text)]
        self.sentences.append(AnswerSentence(text=text, citations=numbers))
        return text


def best_wording(
    comparison: Comparison, topic: str, about_wording: bool
) -> WordingDifference | None:
    """The wording difference that names the topic; when none does, the first one if the
    question asks how the outlets describe it, else None."""
    differences = comparison.wording_differences
    if not differences:
        return None
    wanted = set(tokenize(topic))

    def overlap(difference: WordingDifference) -> int:
        words = {
            w
            for p in difference.phrasings
            for form in [p.text, *p.variants]
            for w in tokenize(form)
        }
        return len(words & wanted)

    best = max(differences, key=lambda d: (overlap(d), d.in_shared_claim))  # first on ties
    return best if overlap(best) or about_wording else None


def shared_rows(comparison: Comparison) -> list[SharedClaim]:
    """The shared claims, the headline claim first, then the most central."""
    return sorted(
        comparison.shared,
        key=lambda row: (not row.headline, -sum(c.centrality for c in row.claims)),
    )


def answer_from_comparison(
    question: str, parsed: DifferenceQuestion, comparison: Comparison
) -> Answer:
    """The answer to a difference question from the outlets' comparison (two or more
    outlets with claims): the difference first, then short cited sections."""
    writer = _Writer(comparison)
    outlets = compared_outlets(comparison)
    if parsed.kind == LEAVES_OUT and parsed.outlets[0] in outlets:
        blocks = _leaves_out(writer, comparison, parsed.outlets[0], parsed.outlets[1:])
    else:
        blocks = _differences(writer, comparison, parsed, outlets)
    if comparison.not_covering:
        blocks.append(
            writer.line("No passage on this topic from: " + ", ".join(comparison.not_covering))
        )
    return Answer(
        question=question,
        text="\n\n".join(blocks),
        citations=writer.citations,
        outlets=outlets,
        sentences=writer.sentences,
        answerer="comparison",
    )


def _differences(
    writer: _Writer, comparison: Comparison, parsed: DifferenceQuestion, outlets
) -> list[str]:
    """First line: the wording difference the question asks about, else each outlet's most
    central own claim; then the shared claims, each outlet's own claims and the wording."""
    wording = best_wording(comparison, parsed.topic, parsed.about_wording)
    led: set[int] = set()
    if wording is not None and parsed.about_wording:
        return _wording_in_context(writer, comparison, wording)
    if wording is not None:
        first = _wording_line(writer, wording)
    else:
        own = [(o, central_claims(comparison, o)) for o in outlets]
        parts = [f"only {o} reports {writer.quote(claims[0])}" for o, claims in own if claims]
        led = {claims[0].citation for _, claims in own if claims}
        first = ("; ".join(parts) + ".") if parts else "They report the same claims."
        first = first[0].upper() + first[1:]
    blocks = [writer.line(first)]
    if comparison.shared:
        lines = ["Both report:" if len(outlets) == 2 else "Several outlets report:"]
        for row in shared_rows(comparison)[:MAX_SHARED]:
            lines.append(writer.line(f"- {_shared(writer, row)}"))
        lines.extend(_more(len(comparison.shared) - MAX_SHARED, "shared claims"))
        blocks.append("\n".join(lines))
    for outlet in outlets:
        blocks.extend(_only(writer, comparison, outlet, led))
    others = [d for d in comparison.wording_differences if d is not wording][: MAX_WORDING - 1]
    if others:
        lines = ["Wording:"]
        for difference in others:
            a, b = difference.phrasings[:2]
            lines.append(
                writer.line(f"- {a.outlet} {writer.phrase(a)}; {b.outlet} {writer.phrase(b)}")
            )
        blocks.append("\n".join(lines))
    return blocks


def _wording_line(writer: _Writer, wording: WordingDifference) -> str:
    """ "TASS writes “the Kiev regime” [1] where fakty.com.ua writes “…” [2]." """
    a, b = wording.phrasings[:2]
    return f"{a.outlet} writes {writer.phrase(a)} where {b.outlet} writes {writer.phrase(b)}."


def _shared(writer: _Writer, row: SharedClaim) -> str:
    """A shared claim as each outlet words it: "TASS: “…” [1]; fakty.com.ua: “…” [2]"."""
    return "; ".join(f"{c.outlet}: {writer.quote(c)}" for c in row.claims)


def _wording_in_context(
    writer: _Writer, comparison: Comparison, wording: WordingDifference
) -> list[str]:
    """A question about how the outlets describe a thing: the two wordings, the sentence each
    stands in, and the story's central shared claim; the rest of the comparison is counted."""
    a, b = wording.phrasings[:2]
    blocks = [writer.line(_wording_line(writer, wording))]
    lines = ["In context:"]
    for phrasing in (a, b):
        number = writer._holding(phrasing.text, phrasing.citations)
        citation = comparison.citation(number) if number is not None else None
        if number is not None and citation is not None:
            lines.append(
                writer.line(f"- {phrasing.outlet}: “{citation.quote}” [{writer.cite(number)}]")
            )
    blocks.append("\n".join(lines))
    headline = [row for row in comparison.shared if row.headline][:1]
    if headline:
        blocks.append(
            writer.line(f"The story's central claim, in both: {_shared(writer, headline[0])}")
        )
    rest = len(comparison.shared) - len(headline) + len(comparison.wording_differences) - 1
    rest += sum(len(claims) for claims in comparison.unique.values())
    if rest > 0:
        blocks.append(
            f"The comparison holds {rest} more shared claims, one-outlet claims and wording "
            "differences; see `assistant compare`."
        )
    return blocks


def _leaves_out(writer: _Writer, comparison: Comparison, reporter: str, others) -> list[str]:
    """First line: how many claims only the reporter makes; then the most central of them."""
    claims = central_claims(comparison, reporter)
    names = ", ".join(o for o in others) or "the other outlets"
    if not claims:
        return [writer.line(f"Every claim {reporter} makes on this is also reported by {names}.")]
    # the answer in the assistant's own words first: how much is the reporter's alone
    count = "one claim" if len(claims) == 1 else f"{len(claims)} claims"
    central = "" if len(claims) == 1 else ", the most central first"
    verb = "does" if len(list(others)) == 1 else "do"
    lines = [f"{reporter} reports {count} that {names} {verb} not{central}:"]
    lines.extend(writer.line(f"- {writer.quote(c)}") for c in claims[:MAX_LEFT_OUT])
    lines.extend(_more(len(claims) - MAX_LEFT_OUT, f"{reporter}-only claims"))
    return ["\n".join(lines)]


def _only(writer: _Writer, comparison: Comparison, outlet: str, led: set[int]) -> list[str]:
    """The outlet's most central own claims (those not already on the first line)."""
    claims = [c for c in central_claims(comparison, outlet) if c.citation not in led]
    if not claims:
        return []
    lines = [f"Only {outlet}:"]
    lines.extend(writer.line(f"- {writer.quote(c)}") for c in claims[:MAX_UNIQUE])
    lines.extend(_more(len(claims) - MAX_UNIQUE, "claims"))
    return ["\n".join(lines)]


def _more(count: int, what: str) -> list[str]:
    if count <= 0:
        return []
    what = what.removesuffix("s") if count == 1 else what
    return [f"- and {count} more {what}; see `assistant compare`"]
