"""Photo captions and credits (issue 12): the sentence a credit follows on its line is the
photo's caption, neither is quoted, and a sentence glued after a credit still is."""

from __future__ import annotations

from assistant.captions import ends_in_credit, glued_credit_end, opens_with_credit
from assistant.quote_span import quotable_spans


def spans(text: str) -> list[str]:
    return [text[a:b] for a, b, _ in quotable_spans(text)]


def test_credit_lines_are_known_by_their_label_or_their_agencies():
    for credit in (
        "Photograph: Darren Staples/AFP/Getty Images",
        "(Photo by Marc Atkins, Getty Images)",
        "(Top photo: Ethan Miller / Getty Images)",
        "(Image credit: The Times / Contributor via Getty Images)",
        "Image source, Getty Images",
        "Henny Ray Abrams / AFP via Getty Images",
        "Carlos Jasso | Bloomberg | Getty Images",
        "(Sarah Stier / Getty Images)",
        "Credit: Getty",
    ):
        assert opens_with_credit(credit), credit
    for reporting in (
        "Getty Images sued Stability AI for Stable Diffusion’s use of its photos.",
        "PA Media",  # a wire story's byline
        "Reuters reported the deal on Tuesday.",
        "Photographers lined the red carpet.",
    ):
        assert not opens_with_credit(reporting), reporting


def test_the_sentence_before_a_credit_on_its_line_is_a_caption():
    text = (
        "United rarely win in Istanbul.\n\n"
        "Mauro Icardi celebrates scoring the winner for Galatasaray in early October. "
        "Photograph: Darren Staples/AFP/Getty Images\n\n"
        "When it comes to pressure in the Champions League, United do not cope well."
    )
    assert spans(text) == [
        "United rarely win in Istanbul.",
        "When it comes to pressure in the Champions League, United do not cope well.",
    ]


def test_a_credit_opening_its_own_line_leaves_the_line_before_alone():
    text = "The deal closed on Friday after months of talks.\n\nImage source, Getty Images"
    assert spans(text) == ["The deal closed on Friday after months of talks."]


def test_a_sentence_glued_after_a_credit_is_quoted_without_it():
    text = (
        "The Eagles prevailed by four points on Sunday afternoon. West Coast’s Kate Bartlett "
        "and Isabella Lewis celebrate the surprise win over Essendon. Credit: Getty Prior "
        "had blasted the decision to pit strugglers West Coast against Melbourne."
    )
    assert spans(text) == [
        "The Eagles prevailed by four points on Sunday afternoon.",
        "Prior had blasted the decision to pit strugglers West Coast against Melbourne.",
    ]
    sentence = "Credit: Jason McDonald/Netflix My top Netflix recommendation is Maestro."
    assert sentence[glued_credit_end(sentence) :].startswith("My top Netflix")
    assert glued_credit_end("Credit: Binge My top Binge recommendation is Strife.") == 0
    # a photographer's name, then a word or a quotation that opens a sentence
    for credited, sentence in (
        ("Credit: Jay Brooks ", "The role of Barry the Bear was deceptively hard."),
        ("Credit: AFL Photos / Getty Images ", "The Bulldogs held their own."),
        ("Credit: Eddie Jim ", "“We shed a few tears,” Adams said."),
    ):
        assert glued_credit_end(credited + sentence) == len(credited), credited
    assert glued_credit_end("Credit: Eddie Jim Maynard initially baulked at the question.") == 0


def test_a_caption_ending_in_a_parenthesised_credit_is_not_quoted():
    assert ends_in_credit("Newcastle saw their European dreams slip away (AFP via Getty Images)")
    assert ends_in_credit("Palmer chats with Arsenal winger Bukayo Saka (The FA/Getty)")
    assert not ends_in_credit("Pickett threw over the middle more (Pat Freiermuth benefitted).")
    assert not ends_in_credit("He raised the price (APR aside).")
