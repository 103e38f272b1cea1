"""The claims of a question and the per-part verdict (issue 12): unit tests of our own logic,
on real Documents and the real extractive answerer (no model involved)."""

from __future__ import annotations

import re

from assistant.claims import asks_order, claims_of, day_named
from assistant.extractive import ExtractiveAnswerer, ExtractiveConfig
from assistant.question_parts import parse_question

from .test_answers import document

OUTLETS = ["The Verge", "TechCrunch", "Sporting News", "CBSSports.com", "Essentially Sports"]
OUTLETS += ["The Independent - Travel", "Fortune"]


def claims(question: str):
    return claims_of(parse_question(question, OUTLETS), OUTLETS)


def test_a_comparison_has_one_claim_per_outlet_with_its_own_words():
    found = claims(
        "Does the TechCrunch article suggest that Google spent billions on default search deals, "
        "while The Verge reports that Epic won its antitrust case against Google?"
    )
    assert [c.outlet for c in found] == ["TechCrunch", "The Verge"]
    assert {"billions", "default"} <= set(found[0].words)
    assert "Epic" in found[1].words and "Epic" not in found[0].words


def test_an_attribution_closing_its_clause_takes_the_words_before_it():
    found = claims(
        "Which receiver leads the league according to Sporting News, would need to average "
        "almost 153 yards over his final three games, as noted by CBSSports.com?"
    )
    cbs = next(c for c in found if c.outlet == "CBSSports.com")
    assert {"average", "yards"} <= set(cbs.words)


def test_outlets_listed_together_own_no_clue():
    found = claims(
        "Which company, reported by both TechCrunch and The Verge, spent billions on default "
        "search deals and is accused of harming news publishers' revenue?"
    )
    assert len(found) >= 2 and all(c.outlet is None for c in found)


def test_a_dated_second_report_keeps_the_outlet_and_the_subject():
    found = claims(
        "Has the portrayal of Sam Bankman-Fried's legal situation in TechCrunch articles changed "
        "between the report published on October 2, 2023, and the one published on October 7, 2023?"
    )
    assert [(c.outlet, c.day) for c in found] == [("TechCrunch", "10-02"), ("TechCrunch", "10-07")]
    assert "Bankman-Fried" in found[1].words
    assert day_named("the article published by Sporting News on 2023-10-02") == "2023-10-02"


def test_what_an_article_does_not_say_is_no_key_term():
    found = claims(
        "Does the TechCrunch article report layoffs at Google, while The Verge covers Black Friday "
        "deals without discussing the economic conditions?"
    )
    verge = next(c for c in found if c.outlet == "The Verge")
    assert "deals" in verge.words and "economic" not in verge.words


def test_a_negated_fact_is_a_claim_the_article_makes_and_its_denial_is_quoted():
    question = (
        "Does The Age report that Sam Altman left OpenAI without any removal attempt by the "
        "co-founders of Anthropic?"
    )
    assert "Anthropic" in " ".join(w for c in claims(question) for w in c.words)
    push = document(
        "Amodei and other researchers went to the OpenAI board to try to push Sam Altman out.",
        "The Age",
        "a1",
    )
    denial = document(
        "There was no attempt to remove Sam Altman from OpenAI by the co-founders of Anthropic, "
        "a spokesperson said.",
        "The Age",
        "a1",
    )
    answer = ExtractiveAnswerer().answer(question, [push, denial])
    assert "no attempt to remove Sam Altman" in answer.text


def test_before_and_after_order_reports_not_events():
    assert asks_order(
        "Did 'The Independent - Travel' report on Tremblant before 'Essentially Sports' "
        "mentioned Jeff Shiffrin's skiing habits?",
        OUTLETS,
    )
    assert not asks_order("Is a deal possible after Kherson is retaken?", OUTLETS)
    assert not asks_order("Must the Ravens defense improve before their game?", OUTLETS)


def _two_reports():
    travel = document(
        "Tremblant ski resort in Quebec opens its slopes to skiers of all abilities.",
        "The Independent - Travel",
        "i1",
        published="2023-10-25",
    )
    sports = document(
        "Jeff Shiffrin kept skiing every winter, his wife Eileen said of their family.",
        "Essentially Sports",
        "e1",
        published="2023-11-03",
    )
    return travel, sports


def test_a_before_after_verdict_states_each_event_article_date_in_order():
    travel, sports = _two_reports()
    answer = ExtractiveAnswerer().answer(
        "Did 'Essentially Sports' mention Jeff Shiffrin's skiing habits after 'The Independent "
        "- Travel' reported on the Tremblant ski resort?",
        [sports, travel],
    )
    lead = answer.text.split("\n\n", 1)[0]
    first = re.search(r"The Independent - Travel report \(2023-10-25\) \[(\d)\] comes before", lead)
    assert first and "the Essentially Sports report (2023-11-03)" in lead
    assert answer.citation(int(first.group(1))).outlet == "The Independent - Travel"
    # the question's own verb asks the order, so the dates answer it
    assert lead.startswith("Yes, by the articles' dates: The Independent - Travel report")


def test_an_order_question_split_out_of_order_is_read_by_where_it_names_each_outlet():
    tass = document("Kiev may take back Kherson this week.", "TASS", "t1", published="2022-11-07")
    fakty = document(
        "NATO discussed negotiations with Russia after Kherson.",
        "fakty.com.ua",
        "f1",
        published="2022-11-08",
    )
    answer = ExtractiveAnswerer().answer(
        "Did TASS report on Kherson before fakty.com.ua reported on the negotiations?",
        [fakty, tass],
    )
    assert answer.text.startswith("Yes, by the articles' dates: the TASS report (2022-11-07)")


def test_a_question_that_only_dates_its_reports_gets_the_order_but_no_yes():
    travel, sports = _two_reports()
    answer = ExtractiveAnswerer().answer(
        "After 'The Independent - Travel' reported on the Tremblant ski resort, was the "
        "'Essentially Sports' report on Jeff Shiffrin's skiing habits consistent with it?",
        [sports, travel],
    )
    lead = answer.text.split("\n\n", 1)[0]
    assert "comes before" in lead and not re.match(r"(yes|no)\b", lead, re.I)


def test_a_part_without_support_is_said_plainly_and_gets_no_quote():
    travel, sports = _two_reports()
    answer = ExtractiveAnswerer().answer(
        "Did 'The Independent - Travel' report on the Tremblant ski resort before 'Essentially "
        "Sports' reported on Lindsey Vonn's knee surgery recovery?",
        [travel, sports],
    )
    lead = answer.text.split("\n\n", 1)[0]
    assert "Nothing from Essentially Sports matches" in lead
    assert "comes before" not in lead  # one event found: no order to state
    assert [c.outlet for c in answer.citations] == ["The Independent - Travel"]


def test_a_verdict_names_the_key_words_its_quote_holds_and_no_others():
    doc = document(
        "Tyler Mitchell’s career has only blossomed since that trip, the photographer said.",
        "The Verge",
        "v1",
    )
    other = document("TechCrunch covered the photographer's early shoots in Atlanta.", "TechCrunch")
    answer = ExtractiveAnswerer().answer(
        "Did The Verge say Mitchell's career has been unsuccessful, while TechCrunch covered the "
        "photographer's early shoots?",
        [doc, other],
    )
    lead = answer.text.split("\n\n", 1)[0]
    assert re.search(r"The Verge \(2022-11-08\) on “[^”]*”: \[\d\] mentions Mitchell", lead)
    said = re.search(r"mentions ([^.;]*)", lead).group(1)
    assert "unsuccessful" not in said  # the verdict never endorses what its quote lacks
    assert "but not" not in lead  # ...nor lists ordinary words as if the article lacked them
    assert "reported" not in lead.lower()


def test_once_a_sentence_answers_a_part_no_other_is_quoted_for_it():
    text = (
        "Valve released the Steam Deck OLED with a larger battery on Thursday. "
        "The Steam Deck OLED from Valve has a larger battery, reviewers said. "
        "The weather in Seattle was mild for the season."
    )
    answer = ExtractiveAnswerer().answer(
        "What did Valve release with a larger battery?", [document(text, "The Verge")]
    )
    assert len(answer.citations) == 1
    assert "weather" not in answer.text  # a sentence without the part's key terms is not quoted


def test_a_name_in_a_part_is_one_key_word_held_only_in_full():
    travel = document(
        "Quebec's premier ski resort sits at the foot of the mountain, the guide said.",
        "The Independent - Travel",
        "i1",
    )
    sports = document(
        "Essentially Sports covered Jeff Shiffrin and his skiing habits.", "Essentially Sports"
    )
    answer = ExtractiveAnswerer().answer(
        "Did 'The Independent - Travel' report on Tremblant Ski Resort, while 'Essentially "
        "Sports' covered Jeff Shiffrin's skiing habits?",
        [travel, sports],
    )
    lead = answer.text.split("\n\n", 1)[0]
    assert "on “Tremblant Ski Resort”" in lead  # the name stays whole in the part
    assert (
        "the quoted sentence does not name Tremblant" in lead
    )  # "ski resort" is not the resort named


def test_a_verdict_does_not_list_the_questions_framing_words_as_missing():
    doc = document(
        "Will Smith has spoken out about his relationship with his wife, Jada Pinkett Smith.",
        "The Independent",
        "i1",
    )
    answer = ExtractiveAnswerer().answer(
        "Does The Independent article claim that Will Smith credits his happiness to his "
        "relationship with Jada Pinkett Smith?",
        [doc],
    )
    lead = answer.text.split("\n\n", 1)[0]
    assert "happiness" in lead  # a content word the quote lacks is still told
    assert not re.search(r"\b(claim|credits)\b", lead)  # how the question frames it is not


def test_a_sentence_that_asks_is_not_quoted_as_a_parts_support():
    review = document(
        "If you already have a Steam Deck, is the OLED model an incremental improvement? "
        "Valve has been improving the Steam Deck hardware through updates, about 300 so far.",
        "Polygon",
        "p1",
    )
    answer = ExtractiveAnswerer().answer(
        "Does Polygon report that the Steam Deck OLED model is an incremental improvement?",
        [review],
    )
    assert "incremental improvement?”" not in answer.text
    assert "about 300 so far" in answer.text


def _two_sporting_news_reports(outlet: str = "Sporting News"):
    week13 = document(
        "The Cowboys beat the Seahawks in Week 13 of the NFL season on Thursday night.",
        outlet,
        "s1",
        published="2023-12-01",
        title="Cowboys vs. Seahawks",
    )
    lions = document(
        "The Lions held on for a win against the Packers at Lambeau Field in Green Bay.",
        outlet,
        "s2",
        published="2023-09-28",
        title="Lions vs. Packers",
    )
    return week13, lions


def _part_lines(answer, outlet: str = "Sporting News") -> list[str]:
    lead = answer.text.split("\n\n", 1)[0]
    return re.findall(re.escape(outlet) + r" \((\d{4}-\d{2}-\d{2})\) on “", lead)


def test_the_same_source_named_again_is_a_part_about_another_of_its_reports():
    question = (
        "Did the Sporting News report a victory for the Dallas Cowboys over the Seattle "
        "Seahawks in Week 13, and did the same source also report a win for the Detroit Lions "
        "against the Green Bay Packers?"
    )
    found = claims(question)
    assert [c.outlet for c in found] == ["Sporting News", "Sporting News"]
    assert "Detroit Lions" in found[1].words and "Detroit Lions" not in found[0].words
    answer = ExtractiveAnswerer().answer(question, list(_two_sporting_news_reports()))
    assert _part_lines(answer) == ["2023-12-01", "2023-09-28"]  # each part its own article


def test_an_outlet_named_again_after_a_turn_starts_its_other_report():
    question = (
        "Does the Sporting News article say the Cowboys beat the Seahawks in Week 13 in a "
        "similar manner to how the Sporting News describes the Lions' win against the Packers?"
    )
    found = claims(question)
    assert [c.outlet for c in found] == ["Sporting News", "Sporting News"]
    assert {"Lions", "Packers"} <= set(found[1].words)
    assert "Lions" not in found[0].words
    answer = ExtractiveAnswerer().answer(question, list(_two_sporting_news_reports()))
    assert sorted(_part_lines(answer)) == ["2023-09-28", "2023-12-01"]


def test_another_report_closing_a_part_stays_with_it_and_is_another_article():
    question = (
        "Does the CBSSports.com article say the Cowboys beat the Seahawks in Week 13, compared "
        "to the Lions' win against the Packers as mentioned in another CBSSports.com article?"
    )
    found = claims(question)
    assert len(found) == 2 and {"Lions", "Packers"} <= set(found[1].words)
    assert "another CBSSports.com article" in found[1].text  # not cut off as a part of its own
    week13, lions = _two_sporting_news_reports("CBSSports.com")
    # the first article also names the Lions and Packers: the other part is still the other's
    week13.page_content += " The Lions and the Packers play next week in Green Bay."
    answer = ExtractiveAnswerer().answer(question, [week13, lions])
    assert _part_lines(answer, "CBSSports.com") == ["2023-12-01", "2023-09-28"]


def test_a_second_report_opening_its_clause_is_one_part_and_a_difference_tail_none():
    found = claims(
        "Does the TechCrunch article suggest that Sam Bankman-Fried offered a financial "
        "incentive to influence political decisions, while the Fortune article alleges he used "
        "a proxy for unauthorized access to funds, and does the second TechCrunch piece claim "
        "that his motivation for alleged fraud was personal gain, thus presenting different "
        "aspects of his actions?"
    )
    assert [c.outlet for c in found] == ["TechCrunch", "Fortune", "TechCrunch"]
    assert "proxy" not in found[2].words  # it borrows nothing from the Fortune part
    assert {"motivation", "gain"} <= set(found[2].words)
    assert not {"second", "thus", "aspects", "actions"} & set(found[2].words)


def test_a_question_whose_every_part_is_reported_is_covered_though_no_passage_is_whole():
    question = (
        "Does the TechCrunch article report that the founder offered five billion dollars to "
        "Trump, while the Fortune article says the jury heard very different stories from "
        "lawyers, and does The Verge article claim that prosecutors rested their case?"
    )
    docs = [
        document(
            "The founder reportedly offered five billion dollars to Trump.", "TechCrunch", "t"
        ),
        document("The jury heard very different stories from lawyers on Monday.", "Fortune", "f"),
        document("Prosecutors rested their case on Thursday after three weeks.", "The Verge", "v"),
    ]
    # bars no passage or sentence meets as a match for the whole question
    strict = ExtractiveAnswerer(config=ExtractiveConfig(refuse_below=0.99, min_term_overlap=0.99))
    answer = strict.answer(question, docs)
    assert not answer.refused
    assert set(answer.outlets) == {"TechCrunch", "Fortune", "The Verge"}
    # a part nothing reports leaves the question uncovered
    docs[1] = document("The weather in Paris was mild on Sunday afternoon.", "Fortune", "f")
    assert strict.answer(question, docs).refused


def test_a_person_named_by_surname_alone_is_held_unless_another_bears_it():
    doc = document("Bankman-Fried pleaded not guilty to fraud charges in January.", "TechCrunch")
    answer = ExtractiveAnswerer().answer(
        "Did TechCrunch report that Sam Bankman-Fried pleaded not guilty to fraud, while The "
        "Verge reported that Jeff Shiffrin taught skiing?",
        [
            doc,
            document("Their daughter, Mikaela Shiffrin, learned skiing early.", "The Verge", "v"),
        ],
    )
    lead = answer.text.split("\n\n", 1)[0]
    assert "mentions Sam Bankman-Fried" in lead and "but not Sam" not in lead
    assert "mentions Jeff Shiffrin" not in lead  # "Mikaela Shiffrin" is not him


def test_the_two_sources_a_question_compares_are_no_key_word():
    found = claims(
        "Did The Verge report that Valve raised prices, and was there agreement between the two "
        "sources regarding the enhancements made to the new iteration by TechCrunch?"
    )
    assert all("two" not in c.words and "sources" not in c.words for c in found)


def test_a_third_report_is_its_own_part_and_a_consensus_tail_joins_none():
    found = claims(
        "Does the TechCrunch article claim that Ellison took $14 billion, while another "
        "TechCrunch article alleges he faces seven counts of fraud, and a third TechCrunch piece "
        "suggests that he committed fraud for personal gain, indicating a consensus on the "
        "misuse of customer funds among the articles?"
    )
    assert [c.outlet for c in found] == ["TechCrunch"] * 3
    assert {"committed", "gain"} <= set(found[2].words)
    assert not {"third", "consensus", "misuse", "among"} & set(found[2].words)


def test_a_part_naming_a_review_quotes_the_article_headlined_as_one():
    news = document(
        "Valve announced the Steam Deck OLED with a brighter screen and a bigger battery.",
        "Engadget",
        "n1",
        title="The Steam Deck OLED arrives November 16 with an improved screen",
        similarity=0.7,
    )
    review = document(
        "The Steam Deck OLED features tangible, clever improvements to the screen.",
        "Engadget",
        "r1",
        title="Steam Deck OLED review: It's just better",
        similarity=0.5,
    )
    polygon = document(
        "Valve has been improving the Steam Deck hardware through updates.", "Polygon", "p1"
    )
    answer = ExtractiveAnswerer().answer(
        "Was the Polygon report on the Steam Deck improvements consistent with the Engadget "
        "review of the Steam Deck OLED screen?",
        [news, review, polygon],
    )
    engadget = [c for c in answer.citations if c.outlet == "Engadget"]
    assert [c.title for c in engadget] == ["Steam Deck OLED review: It's just better"]
