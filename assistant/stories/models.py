"""What the story views return: stories with their coverage, and a story's timeline."""

from __future__ import annotations

from pydantic import BaseModel, Field

from ..answer_models import Citation
from ..compare import Comparison


class StoryArticle(BaseModel):
    """One article of a story."""

    article_id: str
    outlet: str
    title: str = ""
    published: str | None = None
    url: str | None = None


class OutletCoverage(BaseModel):
    """How one outlet covered a story: its article count and publication dates."""

    outlet: str
    articles: int
    dates: list[str] = Field(default_factory=list, description="YYYY-MM-DD, earliest first")


class NotCovering(BaseModel):
    """An outlet that usually covers stories sharing this one's main entities, but not this one.

    ``share`` = ``covered`` / ``related``: of the other stories in the index that share the
    story's main entities, the fraction this outlet covered.
    """

    outlet: str
    covered: int
    related: int
    share: float


class Story(BaseModel):
    """Articles of several (or one) outlets telling the same event."""

    story_id: str
    title: str = Field(description="the most central headline of the story, verbatim")
    title_article_id: str
    first_published: str | None = None
    last_published: str | None = None
    articles: list[StoryArticle] = Field(default_factory=list)
    coverage: list[OutletCoverage] = Field(default_factory=list)
    main_entities: list[str] = Field(default_factory=list)
    not_covered_by: list[NotCovering] = Field(default_factory=list)

    @property
    def outlets(self) -> list[str]:
        """The outlets that covered the story, most articles first."""
        return [row.outlet for row in self.coverage]

    @property
    def article_ids(self) -> list[str]:
        """The story's article ids, in timeline order."""
        return [article.article_id for article in self.articles]


class TimelineEntry(BaseModel):
    """One article on a story's timeline, with its lead claim quoted verbatim."""

    article_id: str
    outlet: str
    title: str = ""
    published: str | None = None
    lead: int | None = Field(default=None, description="number of the lead claim's Citation")
    lead_quote: str = ""


class Report(BaseModel):
    """A claim as one outlet reported it, quoted, at a time."""

    outlet: str
    published: str | None = None
    quote: str
    citation: int


class FirstReport(BaseModel):
    """A claim several articles carry: who reported it first, and who followed."""

    first: Report
    followed_by: list[Report] = Field(default_factory=list)


class ClaimChange(BaseModel):
    """A claim that changed between an earlier and a later article (a figure, a hedge)."""

    kind: str = Field(description="'figure' or 'hedge'")
    what: str = Field(description="the words that changed, e.g. 'alleged' -> 'confirmed'")
    before: Report
    after: Report


class StoryView(BaseModel):
    """One story: its coverage, timeline, first reports, changed claims and comparison."""

    story: Story
    timeline: list[TimelineEntry] = Field(default_factory=list)
    first_reports: list[FirstReport] = Field(default_factory=list)
    changes: list[ClaimChange] = Field(default_factory=list)
    citations: list[Citation] = Field(default_factory=list)
    comparison: Comparison | None = None
    notes: list[str] = Field(default_factory=list)

    def citation(self, number: int) -> Citation | None:
        """The citation with this number, if any."""
        return next((c for c in self.citations if c.number == number), None)
