"""Stories as listed: who covered each (article counts, dates) and who usually would have.

"Not covered by" (the blindspot rule). A story's *main entities* are its key terms
(:mod:`assistant.stories.terms`) that at least half of its articles carry, at most
``MAIN_ENTITIES`` of them, most widely carried first, and only terms some other article of
the index carries too. Another story is *related* when its articles carry at least
``min(2, number of main entities)`` of them. An outlet that did not cover the story is
listed when there are at least ``MIN_RELATED`` related stories and it covered at least
``USUAL_SHARE`` of them. That is coverage counted, never a judgement of the outlet.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from .models import NotCovering, OutletCoverage, Story, StoryArticle
from .state import Member

MAIN_ENTITIES = 3
MIN_RELATED = 3
USUAL_SHARE = 0.5


def timeline_order(member: Member) -> tuple:
    """Publication time first (undated last), then outlet, then id."""
    return (member.ts is None, member.ts or 0, member.outlet.lower(), member.article_id)


def group_members(members: Iterable[Member]) -> dict[str, list[Member]]:
    """Story id -> its members in timeline order."""
    groups: dict[str, list[Member]] = {}
    for member in members:
        groups.setdefault(member.story_id, []).append(member)
    for group in groups.values():
        group.sort(key=timeline_order)
    return groups


def main_entities(group: list[Member], document_frequency: Counter) -> list[str]:
    """The terms at least half of the story's articles carry and some other article too."""
    carried = Counter(term for member in group for term in set(member.terms))
    weight: Counter[str] = Counter()
    for member in group:
        for term, count in member.terms.items():
            weight[term] += count
    needed = max(1, (len(group) + 1) // 2)
    eligible = [term for term, n in carried.items() if n >= needed and document_frequency[term] > n]
    eligible.sort(key=lambda term: (-carried[term], -weight[term], term))
    return eligible[:MAIN_ENTITIES]


def coverage_of(group: list[Member]) -> list[OutletCoverage]:
    """Each outlet's article count and dates, most articles first, then earliest."""
    by_outlet: dict[str, list[Member]] = {}
    for member in group:
        by_outlet.setdefault(member.outlet, []).append(member)
    rows = [
        OutletCoverage(
            outlet=outlet,
            articles=len(items),
            dates=sorted({(m.published or "")[:10] for m in items if m.published}),
        )
        for outlet, items in by_outlet.items()
    ]
    first = {outlet: min(timeline_order(m) for m in items) for outlet, items in by_outlet.items()}
    return sorted(rows, key=lambda row: (-row.articles, first[row.outlet]))


def build_stories(members: list[Member], titles: dict[str, str]) -> list[Story]:
    """Every story with its coverage and blindspots, newest first."""
    groups = group_members(members)
    document_frequency = Counter(term for m in members for term in set(m.terms))
    entities = {sid: main_entities(group, document_frequency) for sid, group in groups.items()}
    carriers: dict[str, set[str]] = {}  # term -> the stories whose articles carry it
    for m in members:
        for term in m.terms:
            carriers.setdefault(term, set()).add(m.story_id)
    outlets_of = {sid: {m.outlet for m in group} for sid, group in groups.items()}
    stories = []
    for story_id, group in groups.items():
        by_id = {m.article_id: m for m in group}
        head = by_id.get(titles.get(story_id, ""), group[0])
        related = related_stories(story_id, entities[story_id], carriers)
        stories.append(
            Story(
                story_id=story_id,
                title=head.title or "(untitled)",
                title_article_id=head.article_id,
                first_published=group[0].published,
                last_published=max((m.published for m in group if m.published), default=None),
                articles=[
                    StoryArticle(
                        article_id=m.article_id,
                        outlet=m.outlet,
                        title=m.title,
                        published=m.published,
                        url=m.url,
                    )
                    for m in group
                ],
                coverage=coverage_of(group),
                main_entities=entities[story_id],
                not_covered_by=not_covering(outlets_of[story_id], related, outlets_of),
            )
        )
    stories.sort(key=lambda s: (s.last_published or "", len(s.articles)), reverse=True)
    return stories


def related_stories(story_id: str, main: list[str], carriers: dict[str, set[str]]) -> list[str]:
    """Other stories whose articles carry at least min(2, len(main)) of the main entities
    (``carriers``: term -> the stories carrying it)."""
    if not main:
        return []
    needed = min(2, len(main))
    hits = Counter(other for term in main for other in carriers.get(term, ()))
    return sorted(other for other, n in hits.items() if n >= needed and other != story_id)


def not_covering(
    covered: set[str], related: list[str], outlets_of: dict[str, set[str]]
) -> list[NotCovering]:
    """Outlets that covered at least USUAL_SHARE of the related stories but not this one."""
    if len(related) < MIN_RELATED:
        return []
    counts = Counter(outlet for story in related for outlet in outlets_of[story])
    rows = [
        NotCovering(
            outlet=outlet, covered=n, related=len(related), share=round(n / len(related), 3)
        )
        for outlet, n in counts.items()
        if outlet not in covered and n / len(related) >= USUAL_SHARE
    ]
    return sorted(rows, key=lambda row: (-row.share, row.outlet.lower()))


def filter_stories(
    stories: list[Story],
    since: str | None = None,
    until: str | None = None,
    outlets: list[str] | None = None,
) -> list[Story]:
    """Stories with an article in [since, until] (dates as YYYY-MM-DD) from one of
    ``outlets`` (exact names; all when None)."""
    wanted = {o for o in outlets} if outlets else None

    def keep(article: StoryArticle) -> bool:
        day = (article.published or "")[:10]
        if since and (not day or day < since):
            return False
        if until and (not day or day > until):
            return False
        return wanted is None or article.outlet in wanted

    return [s for s in stories if any(keep(a) for a in s.articles)]
