"""What a comparison returns: each outlet's claims, the shared ones, the one-outlet ones and
the wording differences, all cited (pydantic, JSON-serialisable; see ``docs/compare.md``)."""

from __future__ import annotations

from pydantic import BaseModel, Field

from .answer_models import AnswerSentence, Citation


class Claim(BaseModel):
    """A sentence one outlet published, quoted verbatim, and the citation that locates it."""

    outlet: str
    quote: str = Field(description="verbatim substring of the cleaned article text")
    citation: int = Field(description="number of the Citation in Comparison.citations")
    relevance: float = Field(default=0.0, description="cosine of the sentence to the topic")
    centrality: float = Field(
        default=0.0,
        description="how central the claim is to the outlet's story on the topic: the mean of"
        " its cosine to the topic and to the centroid of the outlet's claims",
    )


class SharedClaim(BaseModel):
    """Claims of different outlets (one each) that say the same thing."""

    claims: list[Claim]
    similarity: float = Field(
        description="lowest alignment score between the claims: cosine + 0.5 x weighted word"
        " overlap (0 to 1.5; rows start at CompareConfig.align_threshold)"
    )
    headline: bool = Field(
        default=False,
        description="paired as the claim restating both articles' (aligned) headlines, with a"
        " score under align_threshold (CompareConfig.headline_threshold)",
    )

    @property
    def outlets(self) -> list[str]:
        """The outlets reporting this claim, in column order."""
        return [claim.outlet for claim in self.claims]


class Phrasing(BaseModel):
    """How one outlet names something, as written, with the citations it appears in."""

    outlet: str
    text: str = Field(description="the phrase as the outlet wrote it")
    variants: list[str] = Field(default_factory=list, description="other forms it also uses")
    citations: list[int] = Field(default_factory=list)


class WordingDifference(BaseModel):
    """Two outlets naming the same thing differently, side by side."""

    phrasings: list[Phrasing]
    similarity: float = Field(description="cosine between the two phrasings")
    in_shared_claim: bool = Field(
        default=False, description="found in the same slot of an aligned pair of claims"
    )


class ComparisonSummary(BaseModel):
    """An LLM's short neutral summary of a comparison, grounded like a generated answer.

    Its ``[n]`` markers are the comparison's own citation numbers (see
    :mod:`assistant.compare_summary`).
    """

    text: str = Field(description="the summary with [n] markers into Comparison.citations")
    sentences: list[AnswerSentence] = Field(default_factory=list)
    citations: list[int] = Field(default_factory=list, description="the numbers it cites")
    answerer: str = Field(description="the LLM that wrote it, e.g. openai:gpt-4o-mini")


class Comparison(BaseModel):
    """How each outlet covering a topic reports it, claim by claim, all of it cited."""

    topic: str
    text: str = Field(description="the comparison as attributed text with [n] markers")
    outlets: list[str] = Field(default_factory=list)
    per_outlet: dict[str, list[Claim]] = Field(default_factory=dict)
    shared: list[SharedClaim] = Field(default_factory=list)
    unique: dict[str, list[Claim]] = Field(default_factory=dict)
    wording_differences: list[WordingDifference] = Field(default_factory=list)
    citations: list[Citation] = Field(default_factory=list)
    not_covering: list[str] = Field(
        default_factory=list, description="outlets asked for that have nothing on the topic"
    )
    summary: ComparisonSummary | None = Field(
        default=None, description="an LLM's neutral summary on top, when an LLM is configured"
    )
    summary_notice: str | None = Field(
        default=None, description="why there is no summary although one was asked for"
    )
    answerer: str = "extractive"
    notice: str | None = None

    def citation(self, number: int) -> Citation | None:
        """The citation with this number, if any."""
        return next((c for c in self.citations if c.number == number), None)
