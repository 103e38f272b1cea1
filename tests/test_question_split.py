"""Splitting a question into parts (unit tests of our own logic, no model)."""

from assistant.question_split import QuestionPart, question_parts

OUTLETS = ["TechCrunch", "Fortune", "The Verge"]


def test_a_piece_of_outlet_names_and_framing_words_is_joined_to_the_next_clue():
    question = (
        "Who is the individual that, according to articles from both Fortune and TechCrunch, "
        "allegedly built a fraudulent facade of success for a crypto exchange, and pursued "
        "personal enrichment through deceptive means?"
    )
    parts = question_parts(question, OUTLETS)
    assert len(parts) == 2
    assert parts[0].text.startswith("Who is the individual that according to articles")
    assert "fraudulent facade" in parts[0].text
    assert parts[0].outlet is None  # it names two outlets
    assert "deceptive means" in parts[1].text


def test_a_date_is_not_cut_at_its_comma():
    question = (
        "Was the TechCrunch report on the antitrust battle published on November 6, 2023, "
        "consistent with the Fortune report on the class action suit published on "
        "December 15, 2023?"
    )
    texts = [part.text for part in question_parts(question, OUTLETS)]
    assert any("November 6 2023" in text for text in texts)
    assert any("December 15 2023" in text for text in texts)
    assert not any(text.startswith("2023") for text in texts)


def test_each_part_keeps_the_one_outlet_it_names():
    question = (
        "Does the TechCrunch article on battery recycling suggest costs will fall, while the "
        "article from The Verge on solar panels suggests they will rise?"
    )
    parts = question_parts(question, OUTLETS)
    assert [part.outlet for part in parts] == ["TechCrunch", "The Verge"]


def test_a_single_clue_question_is_one_part():
    question = "What did Fortune report about the merger?"
    assert question_parts(question, OUTLETS) == [QuestionPart(question)]


def test_a_short_clause_of_time_ends_the_part_before_it():
    question = (
        "Did the article from The Verge indicate that Craig Morgan was unaware of Lainey Wilson's "
        "potential for success before it was widely recognized, and did the TechCrunch article "
        "confirm CM Punk's return to WWE?"
    )
    parts = question_parts(question, OUTLETS)
    assert [p.outlet for p in parts] == ["The Verge", "TechCrunch"]
    assert parts[0].text.endswith("before it was widely recognized")
    assert "recognized" not in parts[1].text


def test_an_outlet_name_with_a_dash_is_not_cut_into_two_parts():
    known = ["The Independent - Life and Style", "TechCrunch"]
    question = (
        "Considering the reported details from 'The Independent - Life and Style' regarding "
        "Jada Pinkett Smith's memoir, and the undisclosed efforts in their relationship?"
    )
    parts = question_parts(question, known)
    assert parts[0].outlet == "The Independent - Life and Style"
    assert "Jada Pinkett Smith's memoir" in parts[0].text
    assert not any(part.text.startswith("Life and Style") for part in parts)
