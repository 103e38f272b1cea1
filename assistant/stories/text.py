"""Stories as plain text, for the command line: every story line is a quote or a count."""

from __future__ import annotations

import textwrap

from .models import Report, Story, StoryView


def _day(published: str | None) -> str:
    return (published or "")[:10] or "undated"


def _wrapped(text: str, first: str = "    ") -> str:
    return textwrap.fill(text, width=96, initial_indent=first, subsequent_indent=" " * len(first))


def coverage_line(story: Story) -> str:
    """``TASS 1 (2022-11-07), fakty.com.ua 1 (2022-11-08)``."""
    return ", ".join(
        f"{row.outlet} {row.articles} ({', '.join(row.dates) or 'undated'})"
        for row in story.coverage
    )


def format_stories(stories: list[Story]) -> str:
    """The story list: id, quoted title, coverage, and who usually covers such stories."""
    if not stories:
        return "No stories match. Build the index with: assistant index"
    lines = [f"{len(stories)} stories"]
    for story in stories:
        span = _day(story.first_published)
        if _day(story.last_published) != span:
            span += f" .. {_day(story.last_published)}"
        lines.append(f"\n[{story.story_id}] “{story.title}” ({span})")
        noun = "article" if len(story.articles) == 1 else "articles"
        lines.append(f"    {len(story.articles)} {noun}: {coverage_line(story)}")
        if story.not_covered_by:
            absent = ", ".join(
                f"{row.outlet} (covered {row.covered} of {row.related} related stories)"
                for row in story.not_covered_by
            )
            lines.append(_wrapped(f"not covered by: {absent}"))
    return "\n".join(lines)


def _report(report: Report) -> str:
    return f"{report.outlet} ({_day(report.published)}): “{report.quote}” [{report.citation}]"


def format_story(view: StoryView) -> str:
    """One story: coverage, timeline, first reports, changed claims, comparison, sources."""
    story = view.story
    lines = [f"Story {story.story_id}: “{story.title}”", f"Covered by: {coverage_line(story)}"]
    if story.main_entities:
        lines.append(f"Main entities: {', '.join(story.main_entities)}")
    if story.not_covered_by:
        lines.append(
            "Not covered by: "
            + ", ".join(
                f"{r.outlet} ({r.covered} of {r.related} related stories)"
                for r in story.not_covered_by
            )
        )
    lines.extend(f"({note})" for note in view.notes)
    lines.append("\nTimeline:")
    for entry in view.timeline:
        quote = f"“{entry.lead_quote}” [{entry.lead}]" if entry.lead else "(no claim sentence)"
        lines.append(_wrapped(f"{_day(entry.published)}  {entry.outlet}: {quote}", "  "))
    if view.first_reports:
        lines.append("\nReported first by:")
        for row in view.first_reports:
            lines.append(_wrapped(_report(row.first), "  - "))
            lines.extend(_wrapped("then " + _report(r), "      ") for r in row.followed_by)
    if view.changes:
        lines.append("\nClaims that changed over time:")
        for change in view.changes:
            lines.append(f"  - {change.kind} changed ({change.what}):")
            lines.append(_wrapped("before: " + _report(change.before), "      "))
            lines.append(_wrapped("after:  " + _report(change.after), "      "))
    if view.comparison is not None:
        from ..cli import format_comparison

        lines.append("\n" + format_comparison(view.comparison))
    lines.append("\nSources (story quotes):")
    for citation in view.citations:
        lines.append(
            f"[{citation.number}] {citation.outlet} — {citation.title}"
            f" ({_day(citation.published)}),"
            f" characters {citation.start}-{citation.end}"
        )
    return "\n".join(lines)
