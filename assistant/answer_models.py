"""The answer the assistant returns: text with [n] markers, citations, per-sentence support."""

from __future__ import annotations

from pydantic import BaseModel, Field

REFUSAL_TEXT = "The indexed articles do not cover this question."


class Citation(BaseModel):
    """Source ``[number]``: an outlet's article and a verbatim quote from it."""

    number: int
    outlet: str
    title: str = ""
    published: str | None = None
    url: str | None = None
    article_id: str
    chunk_id: str
    quote: str = Field(description="verbatim substring of the cleaned article text")
    start: int = Field(description="offset of the quote in the cleaned article text")
    end: int
    passage: str = Field(default="", description="the retrieved passage around the quote")
    passage_start: int = 0


class AnswerSentence(BaseModel):
    """One sentence of the answer, the citations behind it, and whether they support it."""

    text: str
    citations: list[int] = Field(default_factory=list)
    supported: bool = True


class Answer(BaseModel):
    """A grounded answer. ``text`` carries inline ``[n]`` markers matching ``citations``."""

    question: str
    text: str
    citations: list[Citation] = Field(default_factory=list)
    outlets: list[str] = Field(default_factory=list)
    sentences: list[AnswerSentence] = Field(default_factory=list)
    refused: bool = False
    answerer: str = "extractive"
    notice: str | None = Field(default=None, description="e.g. that a fallback answered")

    def citation(self, number: int) -> Citation | None:
        """The citation with this number, if any."""
        return next((c for c in self.citations if c.number == number), None)

    def outlet_counts(self) -> dict[str, int]:
        """How many cited passages each outlet contributed, in citation order."""
        counts: dict[str, int] = {}
        for citation in self.citations:
            counts[citation.outlet] = counts.get(citation.outlet, 0) + 1
        return counts

    @classmethod
    def refusal(
        cls,
        question: str,
        answerer: str = "extractive",
        notice: str | None = None,
        text: str = REFUSAL_TEXT,
    ):
        """The answer given when the articles do not cover the question (``text`` may say
        more precisely what is not covered)."""
        return cls(
            question=question,
            text=text,
            refused=True,
            answerer=answerer,
            notice=notice,
            sentences=[AnswerSentence(text=text, supported=True)],
        )
