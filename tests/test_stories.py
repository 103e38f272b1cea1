"""Stories: clustering, coverage and blindspots, timeline, the API and the CLI.

Real Chroma and the real embedding model over the seed index and small hand-made indexes;
the clustering and blindspot logic also alone, on hand-made vectors.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from assistant.core import Assistant
from assistant.errors import InputError
from assistant.settings import load_settings
from assistant.stories.clustering import Clusterer, Item, StoryConfig
from assistant.stories.coverage import build_stories
from assistant.stories.state import Member
from assistant.stories.terms import key_terms
from assistant.stories.timeline import changed

from .support import run_cli

TASS_DAY, FAKTY_DAY = "2022-11-07", "2022-11-08"

# Four Zorland events months apart; Beta Post covers the first three but not the fourth.
ZORLAND = {
    "budget-alpha": (
        "Alpha Times",
        "2024-01-10",
        "Zorland parliament passes the 2024 budget",
        "The Zorland parliament in Varnek passed the 2024 budget on Wednesday by 81 votes to 40."
        " Finance minister Ilse Brandt said the budget raises spending on schools and roads.",
    ),
    "budget-beta": (
        "Beta Post",
        "2024-01-10",
        "Zorland lawmakers approve budget for 2024",
        "Lawmakers in Varnek approved Zorland's 2024 budget on Wednesday, 81 votes to 40."
        " Ilse Brandt, the finance minister, said schools and roads get more money.",
    ),
    "flood-alpha": (
        "Alpha Times",
        "2024-03-12",
        "Floods hit eastern Zorland",
        "Heavy rain flooded villages along the Oska river in eastern Zorland on Tuesday."
        " Rescue teams moved about 2,000 people to shelters, the Zorland interior ministry said.",
    ),
    "flood-beta": (
        "Beta Post",
        "2024-03-12",
        "Thousands leave homes as Zorland river floods",
        "The Oska river burst its banks in eastern Zorland on Tuesday after days of rain."
        " About 2,000 people were taken to shelters, according to the Zorland interior ministry.",
    ),
    "vote-alpha": (
        "Alpha Times",
        "2024-05-20",
        "Marek Olsen wins Zorland presidential vote",
        "Marek Olsen won Zorland's presidential election on Sunday with 54 percent of the vote."
        " The Zorland election commission said turnout was 61 percent.",
    ),
    "vote-beta": (
        "Beta Post",
        "2024-05-20",
        "Olsen elected president of Zorland",
        "Zorland elected Marek Olsen president on Sunday; he took 54 percent of the vote."
        " Turnout was 61 percent, the Zorland election commission said.",
    ),
    "rates-alpha": (
        "Alpha Times",
        "2024-07-15",
        "Zorland central bank raises interest rates",
        "The Bank of Zorland raised its main interest rate to 6 percent on Monday to slow"
        " inflation. Governor Petra Lind said prices rose 9 percent in June.",
    ),
    "snow-gamma": (
        "Gamma Daily",
        "2024-07-15",
        "Record snowfall closes Andes passes",
        "Record snowfall closed the mountain passes between Chile and Argentina on Monday."
        " Hundreds of lorries waited at the border for the roads to reopen.",
    ),
}
JOINER = (
    "Gamma Daily",
    "2024-01-11",
    "Zorland adopts its 2024 budget",
    "On Wednesday the Zorland parliament in Varnek adopted the 2024 budget, 81 votes to 40."
    " Ilse Brandt, Zorland's finance minister, said it spends more on schools and roads.",
)


def write_article(folder: Path, name: str, outlet: str, day: str, title: str, text: str) -> Path:
    path = folder / f"{name}.txt"
    path.write_text(
        f"---\noutlet: {outlet}\ntitle: {title}\npublished: {day}\n---\n\n{text}\n",
        encoding="utf-8",
    )
    return path


@pytest.fixture
def zorland(tmp_path, real_embeddings):
    """An Assistant over the hand-made Zorland index (real model, real Chroma)."""
    folder = tmp_path / "articles"
    folder.mkdir()
    for name, (outlet, day, title, text) in ZORLAND.items():
        write_article(folder, name, outlet, day, title, text)
    settings = load_settings(index_dir=tmp_path / "zorland-index", sources=[folder])
    assistant = Assistant(settings, embeddings=real_embeddings)
    assistant.index()
    return assistant, folder


def story_with(stories, title_word: str):
    return next(s for s in stories if title_word.lower() in s.title.lower())


# ----- the seed articles ------------------------------------------------------------------------


def test_seed_articles_form_one_story_with_tass_first(seed_assistant):
    stories = seed_assistant.stories()
    assert len(stories) == 1
    story = stories[0]
    assert sorted(story.outlets) == ["TASS", "fakty.com.ua"]
    assert {row.outlet: row.articles for row in story.coverage} == {"TASS": 1, "fakty.com.ua": 1}
    view = seed_assistant.story(story.story_id, compare=False)
    days = [(entry.published or "")[:10] for entry in view.timeline]
    assert [entry.outlet for entry in view.timeline] == ["TASS", "fakty.com.ua"]
    assert days == [TASS_DAY, FAKTY_DAY]
    assert story.title in {entry.title for entry in view.timeline}


def test_every_line_of_the_story_view_is_a_verbatim_cited_quote(seed_assistant):
    view = seed_assistant.story("Kherson negotiations")
    texts = seed_assistant.store.article_texts([a.article_id for a in view.story.articles])
    for citation in view.citations:
        assert texts[citation.article_id][citation.start : citation.end] == citation.quote
        assert citation.quote in citation.passage
    for entry in view.timeline:
        assert view.citation(entry.lead).quote == entry.lead_quote
    assert view.first_reports, "the two articles share claims"
    for row in view.first_reports:
        for report in [row.first, *row.followed_by]:
            assert view.citation(report.citation).quote == report.quote
        assert row.first.outlet == "TASS"  # TASS published a day earlier
    for change in view.changes:
        assert view.citation(change.before.citation).quote == change.before.quote
        assert view.citation(change.after.citation).quote == change.after.quote
    assert view.comparison is not None
    assert sorted(view.comparison.outlets) == ["TASS", "fakty.com.ua"]
    assert view.comparison.shared


def test_answer_whose_citations_fall_in_one_story_links_to_it(seed_assistant):
    answer = seed_assistant.answer("What would a complete defeat of Putin lead to?")
    assert {c.outlet for c in answer.citations} == {"TASS", "fakty.com.ua"}
    story = seed_assistant.story_for_citations(answer.citations)
    assert story is not None and sorted(story.outlets) == ["TASS", "fakty.com.ua"]
    assert seed_assistant.story_for_citations([]) is None


def test_question_scoped_to_a_story_cites_only_its_articles(seed_assistant):
    story = seed_assistant.stories()[0]
    answer = seed_assistant.ask_story(story.story_id, "Why is Kherson important?")
    assert answer.citations
    assert {c.article_id for c in answer.citations} <= set(story.article_ids)


# ----- incremental joining and leaving ----------------------------------------------------------


def test_new_article_joins_its_story_and_a_removed_one_leaves(zorland):
    assistant, folder = zorland
    budget = story_with(assistant.stories(), "budget")
    assert sorted(budget.outlets) == ["Alpha Times", "Beta Post"]
    joiner = write_article(folder, "budget-gamma", *JOINER)
    report = assistant.add_sources([joiner])
    assert len(report.added) == 1
    joined = story_with(assistant.stories(), "budget")
    assert joined.story_id == budget.story_id
    assert sorted(joined.outlets) == ["Alpha Times", "Beta Post", "Gamma Daily"]
    beta = next(a for a in joined.articles if a.outlet == "Beta Post")
    assert assistant.remove_sources([beta.article_id])
    after = next(s for s in assistant.stories() if s.story_id == budget.story_id)
    assert sorted(after.outlets) == ["Alpha Times", "Gamma Daily"]
    assert beta.article_id not in after.article_ids
    assert all(beta.article_id not in s.article_ids for s in assistant.stories())
    assistant.remove_sources(after.article_ids)
    assert all(s.story_id != budget.story_id for s in assistant.stories())


def test_story_table_follows_changes_made_by_another_process(zorland, tmp_path):
    assistant, folder = zorland
    before = {s.story_id for s in assistant.stories()}
    joiner = write_article(folder, "budget-gamma", *JOINER)
    env_index = str(assistant.settings.index_dir)
    done = run_cli("--index-dir", env_index, "index", str(folder))
    assert done.returncode == 0, done.stderr
    budget = story_with(assistant.stories(), "budget")
    assert "Gamma Daily" in budget.outlets
    assert {s.story_id for s in assistant.stories()} == before
    assert joiner.exists()


def test_distinct_events_stay_apart(zorland):
    assistant, _ = zorland
    stories = assistant.stories()
    titles = sorted(len(s.articles) for s in stories)
    assert titles == [1, 1, 2, 2, 2]  # budget, flood, vote: two outlets each; rates; snow


# ----- coverage and blindspots ------------------------------------------------------------------


def test_blindspot_lists_the_outlet_that_usually_covers_zorland(zorland):
    assistant, _ = zorland
    stories = assistant.stories()
    rates = story_with(stories, "interest rates")
    assert "zorland" in rates.main_entities
    assert [(r.outlet, r.covered, r.related) for r in rates.not_covered_by] == [("Beta Post", 3, 3)]
    assert not story_with(stories, "budget").not_covered_by
    assert not story_with(stories, "snowfall").not_covered_by  # shares no entity


def member(article_id, story_id, outlet, day, terms) -> Member:
    return Member(article_id, story_id, outlet, article_id, day, None, None, terms)


def test_blindspot_rule_needs_enough_related_stories_and_a_usual_share():
    common = {"zorland": 1, "varnek": 1}
    members = [
        member("a1", "s1", "A", "2024-01-01", common),
        member("b1", "s1", "B", "2024-01-01", common),
        member("a2", "s2", "A", "2024-02-01", common),
        member("c2", "s2", "C", "2024-02-01", common),
        member("a3", "s3", "A", "2024-03-01", common),
        member("a4", "s4", "A", "2024-04-01", common),
    ]
    stories = {s.story_id: s for s in build_stories(members, {})}
    # s4's related stories: s1, s2, s3. B covered 1 of 3 and C 1 of 3: below 0.5.
    assert stories["s4"].not_covered_by == []
    members.append(member("b3", "s3", "B", "2024-03-01", common))
    stories = {s.story_id: s for s in build_stories(members, {})}
    assert [(r.outlet, r.covered, r.related) for r in stories["s4"].not_covered_by] == [("B", 2, 3)]
    # with only two related stories nothing is listed
    fewer = [m for m in members if m.story_id != "s3"]
    assert all(not s.not_covered_by for s in build_stories(fewer, {}))


def test_stories_filters_by_outlet_and_dates(zorland):
    assistant, _ = zorland
    gamma = assistant.stories(outlets=["gamma daily"])
    assert [s.title for s in gamma] == ["Record snowfall closes Andes passes"]
    spring = assistant.stories(since="2024-03-01", until="2024-05-31")
    assert sorted(len(s.articles) for s in spring) == [2, 2]
    with pytest.raises(InputError):
        assistant.stories(since="last spring")
    with pytest.raises(InputError):
        assistant.stories(outlets=["Nowhere Herald"])


# ----- clustering logic alone ---------------------------------------------------------------------


def item(article_id: str, vector, day: int, terms=()) -> Item:
    v = np.asarray(vector, dtype=np.float32)
    return Item(
        article_id,
        "X",
        article_id,
        None,
        day * 86_400,
        v / np.linalg.norm(v),
        dict.fromkeys(terms, 1),
    )


def test_clusterer_joins_within_the_window_and_leaves():
    clusterer = Clusterer(StoryConfig(threshold=0.8, term_weight=0.0, window_days=2))
    first = clusterer.add(item("a", [1, 0, 0], 10))
    assert clusterer.add(item("b", [0.95, 0.1, 0], 11)) == first
    assert clusterer.add(item("c", [0, 1, 0], 11)) != first  # different content
    assert clusterer.add(item("d", [1, 0.05, 0], 30)) != first  # same content, weeks later
    assert clusterer.remove("a") == first
    assert [m.article_id for m in clusterer.clusters[first].members] == ["b"]
    clusterer.remove("b")
    assert first not in clusterer.clusters
    assert clusterer.remove("b") is None


def test_shared_terms_tip_a_borderline_article_into_the_story():
    plain = Clusterer(StoryConfig(threshold=0.8, term_weight=0.0))
    with_terms = Clusterer(StoryConfig(threshold=0.8, term_weight=0.3))
    for clusterer in (plain, with_terms):
        clusterer.add(item("a", [1, 0, 0], 1, ["kherson", "nato"]))
    borderline = [0.7, 0.71, 0]
    assert plain.add(item("b", borderline, 1, ["kherson", "nato"])) != plain.story_of["a"]
    assert with_terms.add(item("b", borderline, 1, ["kherson", "nato"])) == with_terms.story_of["a"]


def test_key_terms_are_names_not_sentence_starts():
    terms = key_terms(
        "NATO and the EU discuss Kherson",
        "According to the paper, Washington is in contact with Brussels. The talks on"
        " Kherson go on; the paper writes according to sources. TASS reports.",
        outlet="TASS",
    )
    assert {"nato", "eu", "kherson", "washington", "brussels"} <= set(terms)
    assert "according" not in terms and "the" not in terms and "tass" not in terms


def test_changed_claims_figures_and_hedges():
    assert changed("Rescuers moved 2,000 people.", "Rescuers moved 3,500 people.") == (
        "figure",
        "2,000 -> 3,500",
    )
    assert changed(
        "The alleged strike hit a depot.", "Officials confirmed the strike hit a depot."
    ) == (
        "hedge",
        "'alleged' -> 'confirmed'",
    )
    assert changed("The strike hit a depot.", "The strike hit a depot on Monday.") is None


# ----- the command line -------------------------------------------------------------------------


def test_cli_lists_and_shows_stories(seed_assistant):
    index = str(seed_assistant.settings.index_dir)
    listed = run_cli("--index-dir", index, "stories", "--json")
    assert listed.returncode == 0, listed.stderr
    stories = json.loads(listed.stdout)
    assert len(stories) == 1 and sorted(r["outlet"] for r in stories[0]["coverage"]) == [
        "TASS",
        "fakty.com.ua",
    ]
    text = run_cli("--index-dir", index, "stories", "--outlet", "TASS")
    assert text.returncode == 0, text.stderr
    assert f"[{stories[0]['story_id']}] “{stories[0]['title']}”" in text.stdout
    shown = run_cli("--index-dir", index, "story", stories[0]["story_id"])
    assert shown.returncode == 0, shown.stderr
    timeline = shown.stdout.split("Timeline:")[1]
    assert timeline.index(f"{TASS_DAY}  TASS") < timeline.index(f"{FAKTY_DAY}  fakty.com.ua")
    assert "Reported by several outlets:" in shown.stdout
    by_topic = run_cli(
        "--index-dir", index, "story", "Kherson negotiations", "--no-compare", "--json"
    )
    assert by_topic.returncode == 0, by_topic.stderr
    assert json.loads(by_topic.stdout)["story"]["story_id"] == stories[0]["story_id"]


def test_cli_story_errors_are_one_line(seed_assistant):
    index = str(seed_assistant.settings.index_dir)
    unknown = run_cli("--index-dir", index, "story", "   ")
    assert unknown.returncode == 2 and "Traceback" not in unknown.stderr
    assert unknown.stderr.startswith("error: ")
    bad_date = run_cli("--index-dir", index, "stories", "--since", "yesterday")
    assert bad_date.returncode == 2 and "since must be a date" in bad_date.stderr


def test_rebuilt_index_is_clustered_again_and_a_deleted_table_comes_back(seed_assistant):
    before = seed_assistant.stories()
    seed_assistant.index(rebuild=True)
    after = seed_assistant.stories()
    assert [s.story_id for s in after] == [s.story_id for s in before]
    assert seed_assistant.story_index.index.state("collection") == seed_assistant.store.active
    table = Path(seed_assistant.settings.index_dir) / "stories.sqlite"
    assert table.is_file()
    fresh = Assistant(seed_assistant.settings, embeddings=seed_assistant.embeddings)
    fresh.story_index.index.db.execute("DELETE FROM members")
    fresh.story_index.index.db.execute("DELETE FROM state")
    assert [s.story_id for s in fresh.stories()] == [s.story_id for s in before]
