"""Order questions answered from the articles' publication times (issue 12): our own logic."""

from __future__ import annotations

import pytest

from assistant.order_verdict import OrderAsked, order_answer, order_asked, stamp_label

OUTLETS = ["Polygon", "The Verge", "Sporting News", "Engadget", "TechCrunch"]


@pytest.mark.parametrize(
    ("question", "word"),
    [
        (
            "Did Polygon recommend Nintendo Switch games after The Verge suggested a gift card?",
            "after",
        ),
        (
            "Did Engadget report a discount on the MacBook Air before The Verge reported one?",
            "before",
        ),
        (
            "Was the defence of Carter-Vickers reported by Sporting News before or after Sporting "
            "News reported on Manchester United?",
            "either",
        ),
    ],
)
def test_a_question_whose_verb_asks_the_order_is_read(question, word):
    assert order_asked(question, OUTLETS).word == word  # type: ignore[union-attr]


@pytest.mark.parametrize(
    "question",
    [
        # content asked, the order only frames it
        "After the Polygon report on the Steam Deck, was the Engadget review consistent?",
        "Was there inconsistency in the TechCrunch report after the report by The Verge?",
        "Has the focus remained consistent in the reports after the article on insomnia?",
        # a date, not another report
        "Did TechCrunch report on the trial before October 2, 2023?",
        # negated otherwise than "fail to": left to the reader
        "Did Engadget not report a discount before The Verge reported one?",
        # no report on the first side
        "Was the policy on price matching inconsistent according to The Verge before Polygon "
        "reported on it?",
    ],
)
def test_a_question_that_does_not_ask_the_order_is_not_read(question):
    assert order_asked(question, OUTLETS) is None


def test_the_times_answer_the_order_asked():
    before, after, either = OrderAsked("before"), OrderAsked("after"), OrderAsked("either")
    early, late = "2023-12-24T15:00:00+00:00", "2023-12-24T19:15:58+00:00"
    assert order_answer(before, early, late) == "Yes"
    assert order_answer(after, early, late) == "No"
    assert order_answer(after, "2023-12-25", "2023-12-24") == "Yes"
    assert order_answer(either, late, early) == "After"
    assert order_answer(either, early, late) == "Before"


def test_times_that_do_not_tell_give_no_answer():
    asked = OrderAsked("before")
    assert order_answer(asked, "2023-12-24", "2023-12-24T19:15:00") is None  # same day, no time
    assert order_answer(asked, "2023-12-24T19:15:00", "2023-12-24T19:15:00") is None
    assert order_answer(asked, "", "2023-12-24") is None


def test_a_label_shows_the_time_only_for_a_same_day_pair():
    assert stamp_label("2023-12-24T15:00:00+00:00", with_time=True) == "2023-12-24 15:00"
    assert stamp_label("2023-12-24T15:00:00+00:00", with_time=False) == "2023-12-24"


def test_a_moment_after_the_order_word_is_no_second_report():
    assert (
        order_asked(
            "Did the Sporting News article report on Derrick Henry's return after a minor injury, "
            "while the CBSSports.com article described Cooper Kupp's exit?",
            OUTLETS + ["CBSSports.com"],
        )
        is None
    )


def test_fail_to_report_before_is_answered_the_other_way_round():
    asked = order_asked(
        "Did Engadget fail to report a discount on the MacBook Air before The Verge reported a "
        "discount on Samsung Galaxy Buds 2?",
        OUTLETS,
    )
    assert asked is not None and asked.failed and asked.word == "before"
    # Engadget's report came first: it did not fail to report before
    assert order_answer(asked, "2023-10-12T10:00:00", "2023-12-07T10:00:00") == "No"
    assert order_answer(asked, "2023-12-08T10:00:00", "2023-12-07T10:00:00") == "Yes"
