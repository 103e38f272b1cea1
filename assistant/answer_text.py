"""Writing the answer (issue 12): the lead line first, then each article's quotes under its
outlet, title and date; article text never carries a live-looking "[n]" marker."""

from __future__ import annotations

import re

from langchain_core.documents import Document

from .answer_models import Answer, AnswerSentence, Citation
from .debris import is_quoted_statement
from .referents import with_referent

_MARKER_IN_QUOTE = re.compile(r"\[(?=\d+\])")


def neutralise_markers(text: str) -> str:
    """Quoted article text with its own "[3]" made inert ("[\\u20603]"): only the answer's
    markers may look like citations (ui/render.py shows the neutralised form as text)."""
    return _MARKER_IN_QUOTE.sub("[\u2060", text)


def citation_for(number: int, document: Document, start: int, end: int) -> Citation:
    """Citation ``number`` quoting ``[start, end)`` of a retrieved chunk."""
    meta = document.metadata
    chunk_start = int(meta.get("start", 0))
    return Citation(
        number=number,
        outlet=meta.get("outlet", ""),
        title=meta.get("title", ""),
        published=meta.get("published"),
        url=meta.get("url"),
        article_id=meta.get("article_id", ""),
        chunk_id=meta.get("chunk_id", ""),
        quote=document.page_content[start:end],
        start=chunk_start + start,
        end=chunk_start + end,
        passage=document.page_content,
        passage_start=chunk_start,
    )


def article_label(document: Document) -> str:
    """ "TASS, “US, NATO believe talks…” (2022-11-07)": outlet, title and date."""
    meta = document.metadata
    label = meta.get("outlet", "") or "Unknown outlet"
    title = (meta.get("title") or "").strip()
    if title:
        label += f", “{title}”"
    day = str(meta.get("published") or "")[:10]
    if day:
        label += f" ({day})"
    return label


def compose(
    question: str,
    chosen: list,
    lead: str = "",
    lead_numbers: list[int] | None = None,
    notes: list[str] | None = None,
) -> Answer:
    """The answer: ``lead`` (its markers among ``lead_numbers``), ``notes`` (what the
    articles do not cover), then per article "<label> reports: “quote” [n] …"."""
    citations: list[Citation] = []
    sentences: list[AnswerSentence] = []
    blocks: list[str] = []
    if lead:
        blocks.append(lead)
        sentences.append(AnswerSentence(text=lead, citations=list(lead_numbers or [])))
    for note in notes or []:
        blocks.append(note)
        sentences.append(AnswerSentence(text=note, citations=[]))
    current: str | None = None
    parts: list[str] = []
    for number, candidate in enumerate(chosen, start=1):
        citations.append(citation_for(number, candidate.document, candidate.start, candidate.end))
        shown = " ".join(candidate.text.split())  # one paragraph; the citation keeps it verbatim
        if getattr(candidate, "referent", ""):
            shown = with_referent(shown, candidate.referent)
        quote = f"“{neutralise_markers(shown)}” [{number}]"
        article = candidate.document.metadata.get("article_id", "")
        if article != current:
            if parts:
                blocks.append(" ".join(parts))
            current, parts = article, []
            verb = "quotes" if is_quoted_statement(candidate.text) else "reports"
            quote = f"{article_label(candidate.document)} {verb}: {quote}"
        elif is_quoted_statement(candidate.text):
            quote = f"It quotes: {quote}"
        parts.append(quote)
        sentences.append(AnswerSentence(text=quote, citations=[number], supported=True))
    if parts:
        blocks.append(" ".join(parts))
    return Answer(
        question=question,
        text="\n\n".join(blocks),
        citations=citations,
        outlets=list(dict.fromkeys(c.outlet for c in citations)),
        sentences=sentences,
        answerer="extractive",
    )


def not_mentioned(question: str, names: list[str], refused: bool) -> Answer:
    """ "The articles do not mention Greenpeace." — and no nearby quotes."""
    listed = " or ".join(names)
    text = f"The indexed articles do not mention {listed}."
    return Answer(
        question=question,
        text=text,
        refused=refused,
        sentences=[AnswerSentence(text=text, supported=True)],
    )


def not_from(question: str, outlets: list[str], indexed: bool = True) -> Answer:
    """ "The indexed articles include nothing from Bloomberg or CNET." — the question asks
    about their articles, and the index holds none (``indexed``; else: none was retrieved)."""
    listed = " or ".join(outlets)
    text = (
        f"The indexed articles include nothing from {listed}; they do not cover it."
        if indexed
        else f"No passage found for this question comes from {listed}."
    )
    return Answer(
        question=question,
        text=text,
        refused=True,
        sentences=[AnswerSentence(text=text, supported=True)],
    )
