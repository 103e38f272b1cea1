"""The entity lead of who/which questions (issue 12): which name answers, from how the
articles use each name. Real Documents through the real extractive answerer; the name rules
also directly."""

from __future__ import annotations

from assistant.entity_kinds import NameUses, company_conflict, is_abbreviation
from assistant.extractive import ExtractiveAnswerer
from assistant.lead import _is_short_form, names_in
from assistant.question_parts import parse_question

from .test_answers import document


def _lead(question: str, documents: list) -> str:
    answer = ExtractiveAnswerer().answer(question, documents)
    assert not answer.refused
    return answer.text.split("\n\n", 1)[0]


def test_a_persons_surname_counts_for_the_person_named_in_full():
    fraud = document(
        "Sam Bankman-Fried founded the crypto exchange FTX in 2019. Prosecutors said "
        "Bankman-Fried committed fraud with customer funds of the exchange. Bankman-Fried "
        "pleaded not guilty to fraud. Did Bankman-Fried use customer funds for fraud?",
        outlet="Wire A",
        article="a1",
        title="Bankman-Fried trial opens",
    )
    lawyer = document(
        "Thane Rehn, a lawyer, said the fraud case about customer funds was unusual.",
        outlet="Wire B",
        article="b1",
    )
    lead = _lead("Who is the individual accused of fraud with customer funds?", [fraud, lawyer])
    assert lead.startswith("The answer: Sam Bankman-Fried.")
    assert "[" in lead  # cited


def test_a_company_is_named_not_its_product():
    deck = document(
        "Valve says the Steam Deck OLED has a bigger battery. The Steam Deck OLED arrives on "
        "November 16 with a brighter screen. Valve has improved the hardware through around "
        "300 updates, and the Steam Deck OLED is faster.",
        outlet="Wire A",
        title="The Steam Deck OLED arrives November 16",
    )
    lead = _lead("Which company is releasing updated hardware on November 16?", [deck])
    assert lead.startswith("The answer: Valve.")


def test_a_maker_is_not_merged_into_what_it_makes_but_short_forms_are():
    assert not _is_short_form("Apple", "Apple Watch")
    assert _is_short_form("Fed", "Federal Reserve")
    assert _is_short_form("Caesars", "Caesars Sportsbook")
    assert _is_short_form("Bankman-Fried", "Sam Bankman-Fried")
    assert is_abbreviation("SBF", "Sam Bankman-Fried")
    assert is_abbreviation("Man United", "Manchester United")
    assert not is_abbreviation("Apple", "Apple Watch")


def test_the_answer_is_named_by_its_fullest_form_in_the_articles():
    texts = [
        "The Minnesota Vikings beat the Bears on Monday night.",
        "The Vikings kicked a field goal late, and the Vikings defense held.",
        "Federal Reserve officials met on Tuesday; the Fed left rates unchanged.",
    ]
    uses = NameUses(texts, names_in)
    assert uses.fullest("Vikings") == "Minnesota Vikings"
    assert uses.fullest("Fed") == "Federal Reserve"
    assert uses.fullest("Bears") == "Bears"


def test_a_heading_or_a_word_opening_a_sentence_is_no_persons_name():
    texts = [
        "Fantasy Football Week 14 rankings are out: start your best football players this week.",
        "Shai Hope hit a six, then Hope struck again, and West Indies hope to win the series.",
        "Using Caroline Ellison, he moved funds using loans; Ellison testified on Tuesday.",
    ]
    uses = NameUses(texts, names_in)
    assert not uses.person_like("Fantasy Football Week")
    assert uses.person_like("Shai Hope")  # a surname that is also a word the texts use
    assert uses.person("Hope", texts[1]) == "Shai Hope"
    assert uses.person("Using Caroline Ellison", texts[2]) == "Caroline Ellison"


def test_a_league_is_no_club_and_the_question_says_which_kind_it_asks_for():
    assert parse_question("Which football club was docked points?", []).asks_for == "team"
    assert parse_question("Which company makes the Steam Deck?", []).asks_for == "company"
    assert parse_question("Which institution raised rates?", []).asks_for == "organisation"
    assert company_conflict("Premier League", "team")
    assert company_conflict("European Commission", "company")
    assert not company_conflict("European Commission", "organisation")
    assert not company_conflict("Everton", "team")


def test_the_answer_is_never_a_name_the_question_contains():
    text = document(
        "Everton were docked ten points by the Premier League. Everton said it would appeal. "
        "The Premier League commission imposed the penalty on Everton.",
    )
    lead = _lead("Which football club did the Premier League dock ten points?", [text])
    assert lead.startswith("The answer: Everton.")


def test_a_name_ends_at_a_line_break_an_adjective_or_a_headline_verb():
    assert names_in("The MVP Race\nOdds are long") == ["MVP Race", "Odds"]
    assert names_in("Amazon-created Prime-themed sale day") == ["Amazon"]
    assert "Argentina" in names_in("Watch Argentina vs Paraguay live")
    assert "Watch Argentina" not in names_in("Watch Argentina vs Paraguay live")
    assert names_in("Sam Bankman-Fried testified") == ["Sam Bankman-Fried"]


def test_a_role_before_a_persons_name_is_not_part_of_it():
    texts = ["Chiefs TE Travis Kelce caught five passes.", "Kelce said he was happy."]
    uses = NameUses(texts, names_in)
    assert uses.person("Chiefs TE Travis Kelce", texts[0]) == "Travis Kelce"
    assert uses.person("Kelce", texts[1]) == "Travis Kelce"
    assert uses.fullest("Travis Kelce", person=True) == "Travis Kelce"


def test_the_question_says_the_word_for_what_it_asks():
    assert parse_question("Which pop star, who is open about it?", []).role == "star"
    assert parse_question("Who is the NFL player that scored?", []).role == "player"
    assert parse_question("Which company, covered by Engadget, is it?", []).role == "company"
    assert parse_question("Which filmmaker made it?", []).asks_for == "person"


def test_a_word_opening_a_heading_names_no_company_and_a_subject_weighs_more():
    from assistant.lead import _is_subject

    texts = ["Best sportsbook promos: the best offers this week.", "Caesars offers a bonus."]
    uses = NameUses(texts, names_in)
    assert uses.only_words("Best")
    assert not uses.only_words("Caesars")
    assert _is_subject("Apple", "Apple defends its Google Search deal in court.")
    assert not _is_subject("Google", "Apple defends its deal with Google in court.")


def test_a_sentence_names_the_answer_only_by_a_whole_name():
    from assistant.lead import names_form

    assert names_form(["Manchester United", "United"], "A stake in United was agreed.")
    assert not names_form(["United"], "The United States imposed tariffs.")
    assert not names_form(["Apple"], "The Apple Watch is banned.")
    assert names_form(["Travis Kelce"], "Chiefs TE Travis Kelce caught five passes.")


def test_a_which_two_question_is_answered_with_two_names():
    couple = document(
        "Taylor Swift was seen leaving the stadium with Travis Kelce. Swift cheered for Kelce "
        "from a box at the stadium, and Kelce thanked Swift for cheering at the stadium.",
        title="Taylor Swift and Travis Kelce leave the stadium together",
    )
    lead = _lead("Which two individuals were seen leaving a stadium together?", [couple])
    assert lead.startswith("The answer: ")
    assert "Taylor Swift" in lead and "Travis Kelce" in lead and " and " in lead
    single = _lead("Which individual cheered from a box at the stadium?", [couple])
    assert " and " not in single.split(".")[0]


YARDS_QUESTION = (
    "Which player, who needs to average almost 153 yards per game according to Wire A, "
    "faces strong pass defenses of upcoming opponents as Wire B reports?"
)


def yards_report():
    """Wire A's sentence naming the answer to ``YARDS_QUESTION``."""
    return document(
        "Tyreek Hill now needs to average almost 153 yards per game to reach his goal of "
        "2,000 receiving yards this season.",
        outlet="Wire A",
        article="a1",
        title="Receivers preview",
    )


def test_a_quote_that_does_not_name_the_answer_is_dropped_and_its_outlet_told():
    defense = document(
        "Baltimore has never amassed fewer receiving yards through six games of a season, "
        "and strong pass defenses await the team's upcoming opponents.",
        outlet="Wire B",
        article="b1",
        title="Questions facing contenders",
    )
    answer = ExtractiveAnswerer().answer(YARDS_QUESTION, [yards_report(), defense])
    assert answer.text.startswith("The answer: Tyreek Hill.")
    assert "Baltimore" not in answer.text  # shares the question's words, not its answer
    assert "Wire B: none of its matching sentences names Tyreek Hill." in answer.text
    assert [c.outlet for c in answer.citations] == ["Wire A"]


def test_a_person_named_by_first_name_in_a_passage_naming_them_in_full_is_kept():
    praise = document(
        "Sam Altman was ousted as chief executive. More important than being one of the most "
        "brilliant people in tech, Sam is one of the most generous people I know.",
        outlet="Wire A",
        article="a1",
        title="Altman ousted",
    )
    board = document(
        "The board said Sam Altman was not consistently candid in his communications.",
        outlet="Wire B",
        article="b1",
        title="Board statement",
    )
    answer = ExtractiveAnswerer().answer(
        "Who is one of the most brilliant people in tech and was ousted by a board he misled?",
        [praise, board],
    )
    assert answer.text.startswith("The answer: Sam Altman.")
    assert {c.outlet for c in answer.citations} == {"Wire A", "Wire B"}


def test_which_platform_is_answered_by_name_and_a_named_outlet_quotes_a_sentence_naming_it():
    experiment = document(
        "YouTube unveiled an AI voice-cloning experiment with well-known artists.",
        outlet="Wire A",
        article="a1",
        title="AI voice cloning",
    )
    night = document(
        "Kids kept phones on overnight, and nearly 60% used them after midnight on school nights. "
        "YouTube was the longest-running app overnight because videos were left playing.",
        outlet="Wire B",
        article="b1",
        title="Kids and phones",
    )
    question = (
        "Which platform launched an AI voice-cloning experiment, according to Wire A, and was "
        "the app kids used most overnight, as Wire B reports?"
    )
    answer = ExtractiveAnswerer().answer(question, [experiment, night])
    assert parse_question(question, ["Wire A", "Wire B"]).asks_for == "thing"
    assert answer.text.startswith("The answer: YouTube.")
    assert "nearly 60%" not in answer.text  # the sentence naming YouTube is quoted instead
    assert {c.outlet for c in answer.citations} == {"Wire A", "Wire B"}


def test_an_outlet_naming_the_answer_only_in_a_weak_match_gets_no_absence_note():
    other = document(
        "Strong pass defenses await the team's upcoming opponents this winter. "
        "Tyreek Hill signed autographs at a charity event in Miami.",
        outlet="Wire B",
        article="b1",
        title="Questions facing contenders",
    )
    answer = ExtractiveAnswerer().answer(YARDS_QUESTION, [yards_report(), other])
    assert answer.text.startswith("The answer: Tyreek Hill.")
    assert "none of its matching sentences" not in answer.text  # Wire B does name him
    assert "Nothing from Wire B" not in answer.text
