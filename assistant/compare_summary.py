"""A short neutral summary on top of an outlet comparison, written by the configured LLM and
grounded like any generated answer.

1. **Passages.** Every citation of the :class:`~assistant.compare.Comparison` becomes one
   passage: its verbatim quote, labelled with its outlet, title and date, and numbered with
   the comparison's own citation number. The model is shown at most
   ``SummaryConfig.max_passages`` of them (shared rows first, then the sentences holding the
   wording differences, then each outlet's own claims, most relevant first, taking turns), fenced
   as untrusted data (``prompts/system.txt`` + ``prompts/compare_summary.txt``), with lines saying
   which numbers several outlets share, which only one outlet reports and how the outlets word
   things.
2. **Grounding.** The reply is split into sentences and each claim is checked against the
   quotes with the answer grounder (``assistant.grounding``: word overlap, meaning, numbers; a
   sentence naming outlets is checked only against their quotes). Numbers that are no
   citation of the comparison are removed, cited quotes that do not support the sentence lose
   their marker, a supported sentence without a valid marker gets the quote that supports it.
   A claim that names no outlet ("Russia is under pressure") is stated as fact, so it counts
   as unsupported. Unsupported sentences are marked (``supported=False``, no markers) or, with
   ``drop_unsupported``, removed. Every ``[n]`` left in the text is a citation of the
   comparison.
3. **Failure.** A dead or failing LLM never costs the comparison: it comes back without a
   summary and with ``summary_notice`` saying why.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from langchain_core.documents import Document

from .answer_models import AnswerSentence
from .chunking import Span
from .compare_models import Comparison, ComparisonSummary
from .compare_phrases import phrase_key, word_string
from .errors import LLMError
from .grounding import content_terms, split_answer, with_markers
from .lexical import tokenize
from .outlets import outlets_named_in
from .prompts import compare_summary_inputs

# "Both outlets report ...", "Neither outlet mentions ...": attributed to every outlet compared.
_ALL_OUTLETS = re.compile(
    r"\b(?:both|all|each|either|neither|the\s+two|the|these|several)\s+(?:of\s+the\s+)?"
    r"(?:outlets?|sources?|media|publications?|reports?|articles?|newspapers?|accounts?)\b",
    re.IGNORECASE,
)
# Where a sentence contrasting outlets may be cut into one part per outlet.
_CONTRAST = re.compile(r"\s*(?:;|,?\s+(?:while|whereas|but)\s+|,\s+and\s+)\s*", re.IGNORECASE)
# Words of a statement about wording ("TASS calls it ...", "fakty.com.ua uses the term ...").
WORDING_TERMS = frozenset(
    tokenize(
        "call calls called calling write writes wrote written refer refers referred describe "
        "describes described name names named term terms word words wording phrase phrases use "
        "uses used speak speaks spoke label labels labelled labeled government"
    )
)
MAX_WORDING_EXTRA_TERMS = 2
WITHHELD_NOTICE = "The LLM's summary was not supported by the quoted claims, so it was withheld."


@dataclass
class SummaryConfig:
    """How much of the comparison the model is shown."""

    max_passages: int = 12  # quotes in the prompt (a small model's context is 2,048 tokens)
    max_shared_rows: int = 4
    max_wording: int = 2


def summarise_comparison(
    answerer,
    comparison: Comparison,
    drop_unsupported: bool = False,
    config: SummaryConfig | None = None,
) -> Comparison:
    """``comparison`` with the LLM's grounded summary, or with a ``summary_notice`` saying why
    there is none. ``answerer`` is a :class:`~assistant.generative.GenerativeAnswerer`.

    Nothing is asked when fewer than two outlets are compared. LLM failures never raise.
    """
    if len(comparison.outlets) < 2 or not comparison.citations:
        return comparison
    try:
        summary = write_summary(answerer, comparison, drop_unsupported, config)
    except LLMError as error:
        return comparison.model_copy(update={"summary_notice": failure_notice(error)})
    if summary is None:
        return comparison.model_copy(update={"summary_notice": WITHHELD_NOTICE})
    return comparison.model_copy(update={"summary": summary})


def failure_notice(error: LLMError) -> str:
    """The sentence telling the reader why the comparison has no summary."""
    endpoint = getattr(error, "endpoint", None)
    reason = getattr(error, "reason", None) or error.message
    where = f"The LLM at {endpoint}" if endpoint else "The LLM"
    return f"{where} failed ({reason}), so there is no summary; the comparison itself is complete."


def write_summary(
    answerer,
    comparison: Comparison,
    drop_unsupported: bool = False,
    config: SummaryConfig | None = None,
) -> ComparisonSummary | None:
    """Ask the model for the summary and ground it; None when nothing of it stands."""
    config = config or SummaryConfig()
    documents = citation_documents(comparison)
    shown = prompt_numbers(comparison, config)
    inputs = compare_summary_inputs(
        comparison.topic,
        comparison.outlets,
        [(n, documents[n - 1]) for n in shown],
        alignment_lines(comparison, shown),
    )
    text = answerer.complete(answerer.prompts.compare_summary.format_messages(**inputs))
    return ground_summary(
        answerer.grounder, text, comparison, documents, answerer.name, drop_unsupported
    )


def citation_documents(comparison: Comparison) -> list[Document]:
    """One passage per citation, in number order (``[n]`` is item ``n - 1``): the quote, with
    its outlet, title and date."""
    citations = sorted(comparison.citations, key=lambda c: c.number)
    if [c.number for c in citations] != list(range(1, len(citations) + 1)):
        raise ValueError("comparison citations must be numbered 1..n")
    return [
        Document(
            page_content=c.quote,
            metadata={
                "outlet": c.outlet,
                "title": c.title,
                "published": c.published or "",
                "article_id": c.article_id,
                "chunk_id": c.chunk_id,
                "number": c.number,
            },
        )
        for c in citations
    ]


def prompt_numbers(comparison: Comparison, config: SummaryConfig) -> list[int]:
    """The citation numbers shown to the model, in number order."""
    chosen: list[int] = []

    def take(number: int) -> None:
        if number not in chosen and len(chosen) < config.max_passages:
            chosen.append(number)

    for row in comparison.shared[: config.max_shared_rows]:
        for claim in row.claims:
            take(claim.citation)
    for difference in comparison.wording_differences[: config.max_wording]:
        for phrasing in difference.phrasings:
            if phrasing.citations:
                take(phrasing.citations[0])
    queues = [sorted(claims, key=lambda c: -c.relevance) for claims in comparison.unique.values()]
    for rank in range(max((len(q) for q in queues), default=0)):
        for queue in queues:
            if rank < len(queue):
                take(queue[rank].citation)
    return sorted(chosen)


def alignment_lines(comparison: Comparison, shown: Sequence[int]) -> list[str]:
    """What the comparison found, in terms of the shown passage numbers."""
    visible = set(shown)
    lines = []
    for row in comparison.shared:
        if all(claim.citation in visible for claim in row.claims):
            same = " and ".join(f"[{c.citation}] ({c.outlet})" for c in row.claims)
            lines.append(f"- {same} report the same claim.")
    for outlet, claims in comparison.unique.items():
        numbers = [f"[{c.citation}]" for c in claims if c.citation in visible]
        if numbers:
            lines.append(f"- Only {outlet} reports {', '.join(numbers)}.")
    for difference in comparison.wording_differences:
        sides = [
            f"{p.outlet} writes “{p.text}” [{p.citations[0]}]"
            for p in difference.phrasings
            if p.citations and p.citations[0] in visible
        ]
        if len(sides) == 2:
            lines.append(f"- {' where '.join(sides)}.")
    return lines


def attributed(claim: str, outlets: Sequence[str]) -> bool:
    """Whether a sentence says whose claim it is: it names an outlet or "both outlets"."""
    return bool(outlets_named_in(claim, list(outlets))) or bool(_ALL_OUTLETS.search(claim))


def ground_summary(
    grounder,
    text: str,
    comparison: Comparison,
    documents: list[Document],
    answerer: str,
    drop_unsupported: bool = False,
) -> ComparisonSummary | None:
    """The grounded summary of the model's ``text`` over the comparison's quotes."""
    sentences = split_answer(text, len(documents), comparison.outlets)
    claims = [s for s in sentences if s.kind == "claim"]
    if not claims:
        return None
    judge_attributed(grounder, claims, documents, comparison.outlets)
    by_parts: dict[int, str] = {}  # id(sentence) -> its text with markers after each part
    for sentence in claims:
        if not sentence.supported and attributed(sentence.claim, comparison.outlets):
            marked = judge_by_parts(grounder, sentence, text, comparison, documents)
            if marked:
                by_parts[id(sentence)] = marked
    kept = [s for s in sentences if s.supported or not drop_unsupported]
    if not any(s.kind == "claim" for s in kept):
        return None
    return _render(kept, documents, answerer, by_parts)


def judge_attributed(grounder, claims, documents: list[Document], outlets: Sequence[str]):
    """Ground each claim; "both outlets report ..." is checked as naming every outlet (one
    quote per outlet), and a claim naming no outlet is unsupported whatever it says."""
    originals = [claim.claim for claim in claims]
    for claim in claims:
        if not outlets_named_in(claim.claim, list(outlets)):
            claim.claim = _ALL_OUTLETS.sub(" and ".join(outlets), claim.claim, count=1)
    grounder.judge(claims, documents)
    for claim, original in zip(claims, originals, strict=True):
        claim.claim = original
        if not attributed(original, outlets):
            claim.supported, claim.sources = False, []


def outlet_parts(text: str, outlets: Sequence[str]) -> list[tuple[int, int]]:
    """Spans of a sentence cut at "; ", ", while", "whereas", "but" into parts that each name
    an outlet ("TASS reports X [3], while fakty.com.ua reports Y [5]" -> two parts)."""
    bounds, start = [], 0
    for cut in _CONTRAST.finditer(text):
        bounds.append((start, cut.start()))
        start = cut.end()
    bounds.append((start, len(text)))
    merged: list[list[int]] = []
    for begin, end in bounds:
        names = outlets_named_in(text[begin:end], list(outlets))
        if merged and (not names or not outlets_named_in(text[slice(*merged[-1])], outlets)):
            merged[-1][1] = end
        else:
            merged.append([begin, end])
    return [(begin, end) for begin, end in merged if text[begin:end].strip()]


def judge_by_parts(grounder, sentence, text: str, comparison: Comparison, documents) -> str:
    """Support an unsupported sentence that contrasts outlets part by part: each part by a
    quote of the outlet it names, or, for wording ("TASS writes “the Kiev regime”"), by the
    quote in which that outlet uses the phrase the part repeats. Returns the sentence with
    each part's markers after it, or "" when a part is unsupported."""
    outlets = comparison.outlets
    raw = sentence.raw.of(text)
    spans = outlet_parts(raw, outlets)
    split = [split_answer(raw[begin:end], len(documents), outlets) for begin, end in spans]
    if any(len(part) != 1 or part[0].kind != "claim" for part in split):
        return ""
    parts = [part[0] for part in split]
    unworded = []
    for part in parts:
        number = wording_support(part.claim, comparison)
        if number is None:
            unworded.append(part)
        else:
            whole = Span(0, len(documents[number - 1].page_content))  # the quote is the passage
            part.supported, part.sources = True, [(number - 1, whole)]
    if unworded:
        judge_attributed(grounder, unworded, documents, outlets)
    if not all(part.supported for part in parts):
        return ""
    sentence.supported = True
    sentence.sources = [source for part in parts for source in part.sources]
    pieces = []
    for index, (part, (_, end)) in enumerate(zip(parts, spans, strict=True)):
        numbers = list(dict.fromkeys(documents[i].metadata["number"] for i, _ in part.sources))
        pieces.append(with_markers(part.claim, numbers))
        if index + 1 < len(spans):
            pieces.append(raw[end : spans[index + 1][0]])
    return "".join(pieces)


def wording_support(part: str, comparison: Comparison) -> int | None:
    """The citation in which the one outlet ``part`` names writes a phrase of a wording
    difference that ``part`` repeats, if any.

    Only a statement about wording qualifies: besides the outlet, the phrase and words such as
    "calls", "writes", "term", it may hold at most ``MAX_WORDING_EXTRA_TERMS`` content words
    ("TASS calls Kiev's government the Kiev regime"); one-word forms do not count.
    """
    named = outlets_named_in(part, comparison.outlets)
    if len(named) != 1:
        return None
    words = word_string(part)
    terms = content_terms(part, comparison.outlets) - WORDING_TERMS
    for difference in comparison.wording_differences:
        for phrasing in difference.phrasings:
            if phrasing.outlet != named[0]:
                continue
            for form in [phrasing.text, *phrasing.variants]:
                key = phrase_key(form)
                if len(key.split()) < 2 or f" {key} " not in words:
                    continue
                if len(terms - set(tokenize(form))) > MAX_WORDING_EXTRA_TERMS:
                    continue
                for number in phrasing.citations:
                    citation = comparison.citation(number)
                    if citation is not None and f" {key} " in word_string(citation.quote):
                        return number
    return None


def _render(sentences, documents: list[Document], answerer: str, by_parts: dict[int, str]):
    """The summary text with the comparison's citation numbers as markers."""
    parts: list[str] = []
    rendered: list[AnswerSentence] = []
    for index, sentence in enumerate(sentences):
        numbers = list(dict.fromkeys(documents[i].metadata["number"] for i, _ in sentence.sources))
        body = by_parts.get(id(sentence)) or with_markers(sentence.claim, numbers)
        if index:
            parts.append("\n" if sentence.prefix else " ")
        parts.append(sentence.prefix + body)
        rendered.append(AnswerSentence(text=body, citations=numbers, supported=sentence.supported))
    cited = list(dict.fromkeys(n for s in rendered for n in s.citations))
    return ComparisonSummary(
        text="".join(parts), sentences=rendered, citations=cited, answerer=answerer
    )
