"""Quotes without padding (issue 12): a fragment's run keeps only the sentences that carry a
part's key terms and the lead-in the first of them leans on; a heading glued before a
sentence is cut from the quote."""

from __future__ import annotations

from langchain_core.documents import Document

from assistant.debris import asks, heading_length, leans_on_previous
from assistant.extractive import ExtractiveAnswerer
from assistant.quote_span import kept_range, quotable_spans

NONE: frozenset[str] = frozenset()


def terms(*words: str) -> frozenset[str]:
    return frozenset(words)


def test_a_fragment_adding_no_key_term_is_cut_from_its_lead_in():
    run = ["Bankman-Fried pleaded not guilty to fraud.", "He could face 115 years in jail."]
    assert kept_range(run, [terms("fraud"), NONE]) == (0, 0)


def test_a_fragment_carrying_the_terms_keeps_the_sentence_it_leans_on():
    run = ["The Ukrainian forces advanced on Kherson.", "They are unable to respond."]
    assert kept_range(run, [NONE, terms("respond")]) == (0, 1)


def test_a_chain_of_pronoun_fragments_goes_back_to_the_one_naming_its_subject():
    run = [
        "Yedidia said he and Bankman-Fried spoke about it at the resort.",
        "He asked his boss if things were OK.",
        "He was concerned that FTX customers' money was at risk.",
    ]
    assert kept_range(run, [NONE, NONE, terms("risk", "customer")]) == (0, 2)


def test_a_connective_before_its_own_subject_stands_alone():
    run = [
        "Researchers thought the technology could be a path to AGI.",
        "But Amodei was unhappy about the Microsoft deal.",
    ]
    assert kept_range(run, [NONE, terms("microsoft", "deal")]) == (1, 1)
    assert not leans_on_previous("But Amodei was unhappy about the Microsoft deal.")
    # ...unless it points back at the sentence before
    assert leans_on_previous("But sportsbooks are also gathering this information.")
    assert leans_on_previous("But it didn’t release the full model.")


def test_a_trailing_sentence_is_kept_only_when_it_adds_a_key_term():
    run = ["Sportsbooks adjust lines.", "They tighten lines.", "They also move the odds."]
    carried = [terms("line"), terms("line"), terms("odd")]
    assert kept_range(run, carried) == (0, 2)
    assert kept_range(run, [terms("line", "odd"), terms("line"), terms("odd")]) == (0, 0)


def test_a_his_sentence_naming_the_parts_person_needs_no_lead_in():
    run = [
        "“I just wanted to make something that I felt compelled by,” he says.",
        "His career has only blossomed since that trip, and Mitchell is clear-eyed.",
    ]
    carried = [NONE, terms("career")]
    assert kept_range(run, carried) == (0, 1)
    assert kept_range(run, carried, [False, True]) == (1, 1)


def test_the_answerer_quotes_a_his_sentence_that_names_the_person_alone():
    text = (
        "“I just wanted to make something that I felt compelled by, immediately,” he says. "
        "His career has only blossomed in the years since "
        "he took that trip, and Mitchell is clear-eyed about his early success."
    )
    doc = Document(text, metadata={"outlet": "The Age", "source": "a1", "title": "Mitchell"})
    answer = ExtractiveAnswerer().answer(
        "Does The Age suggest that Tyler Mitchell's career has been a success?", [doc]
    )
    assert "“His career has only blossomed" in answer.text
    assert "I just wanted" not in answer.text


def test_a_run_without_key_terms_is_kept_whole():
    assert kept_range(["A said so.", "It was late."], [NONE, NONE]) == (0, 1)


def test_a_glued_heading_is_cut_and_a_title_inside_a_sentence_is_not():
    sentence = "Wildest Beards The Kelce brothers couldn’t stop talking about Swift."
    assert sentence[heading_length(sentence) :].startswith("The Kelce brothers")
    for whole in (
        "The Great Old One also has two exclusive spells.",
        "Chinese Vice Premier He Lifeng also raised the issues.",
        "With The Last of Us on HBO, it is a good time for zombies.",
        "Return of The Jedi was released in 1983.",
        "Reich: This is not an endorsement.",
        "So I think our focus is on performance.",
    ):
        assert heading_length(whole) == 0, whole


def test_a_labelled_sentence_case_headline_is_cut_before_the_sentence_under_it():
    sentence = (
        "SBF trial: Everything to know from the FTX courtroom ahead of his testimony Sam "
        "Bankman-Fried is in court for alleged fraud."
    )
    assert sentence[heading_length(sentence) :].startswith("Sam Bankman-Fried is in court")
    for whole in (
        "Reich: This is not an endorsement.",
        "Kickoff: They're back under way at Soldier Field, but Martino gets a yellow card.",
        "LAST WEEK: I surmised that Flowers would be targeted more.",
        "Memorable postseason moment: Albert Pujols off Brad Lidge?",
        "True story: At last year’s CES I had to locate an Apple Store.",
        "Altman backs teen entrepreneurs: Sam Altman is among the backers of an AI startup.",
    ):
        assert heading_length(whole) == 0, whole


def test_a_fragment_after_a_heading_has_no_lead_in():
    text = "Kelce wanted to meet her. Love Story This finally brings us to the sighting."
    spans = [text[a:b] for a, b, _ in quotable_spans(text)]
    assert spans == ["Kelce wanted to meet her."]


def document(text: str) -> Document:
    meta = {"outlet": "TechCrunch", "article_id": "a1", "start": 0, "similarity": 0.6}
    return Document(page_content=text, metadata={**meta, "title": "SBF trial"})


def test_the_answer_quotes_the_matching_sentence_without_its_padding():
    text = (
        "In January, Bankman-Fried pleaded not guilty to wire fraud and conspiracy charges. "
        "He could face up to 115 years in jail if convicted. "
        "Prosecutors said the motive was greed. "
        "Wildest Beards The jury heard from Caroline Ellison on Tuesday."
    )
    answerer = ExtractiveAnswerer()
    answer = answerer.answer(
        "Which charges did Bankman-Fried plead not guilty to?", [document(text)]
    )
    quotes = [c.quote for c in answer.citations]
    assert quotes == [
        "In January, Bankman-Fried pleaded not guilty to wire fraud and conspiracy charges."
    ]
    asked = answerer.answer("Did Caroline Ellison speak to the jury?", [document(text)])
    assert [c.quote for c in asked.citations] == [
        "The jury heard from Caroline Ellison on Tuesday."
    ]
    for citation in answer.citations + asked.citations:  # quotes stay verbatim
        assert text[citation.start : citation.end] == citation.quote


def test_a_fragment_on_the_asked_event_stays_though_only_its_lead_in_names_the_player():
    run = (
        "Two-time rushing champ Derrick Henry suffered a huge blow to the head in the loss. "
        "He immediately left the game, and it was confirmed that he would not return."
    )
    text = (
        "The Titans' game in Indianapolis was played on Sunday. The Colts won the game. "
        "Fans will return to Nashville next week for the next game. " + run
    )
    answer = ExtractiveAnswerer().answer(
        "Did Derrick Henry return to the game after a minor injury?", [document(text)]
    )
    assert run in [c.quote for c in answer.citations]


def test_a_fragment_holding_a_name_of_the_part_its_lead_in_lacks_stays():
    run = (
        "The All Blacks are 18-point favourites for the opening semi-final. "
        "It comes despite Argentina knocking over the All Blacks last year in Christchurch."
    )
    text = "The semi-final is on Friday night in Paris. " + run
    answer = ExtractiveAnswerer().answer(
        "Are the All Blacks favourites against Argentina in the semi-final?", [document(text)]
    )
    assert run in [c.quote for c in answer.citations]


def test_a_question_is_no_evidence_and_the_sentence_answering_it_stands_without_it():
    run = [
        "Was he a con man, or a well-meaning founder?",
        "But Bankman-Fried was no liar, according to Mark Cohen, one of his lawyers.",
    ]
    assert kept_range(run, [terms("founder"), terms("liar")]) == (1, 1)
    leaning = [
        "The question is: can the All Blacks win?",
        "It would seem they play for themselves.",
    ]
    assert kept_range(leaning, [terms("black"), terms("black")]) == (1, 1)
    assert kept_range(["Will it work?", "It will, he said."], [NONE, NONE]) == (1, 1)
    # ...a question inside the run still keeps the lead-in its answer leans on
    chain = ["Smith signed the deal in May.", "Why?", "He needed the money."]
    assert kept_range(chain, [terms("deal"), NONE, terms("money")]) == (0, 2)


def test_a_sentence_asks_when_it_ends_in_a_question_of_its_own():
    assert asks("If you already have a Steam Deck, is the OLED model an incremental improvement?")
    assert asks("“Is this the end?”")
    assert not asks("Smith asked: “Why now?”")
    assert not asks("“Why now?” Smith asked.")
