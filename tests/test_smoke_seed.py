"""End to end on the seeds with the real model and real Chroma."""


def test_seed_index_answers_with_both_outlets(seed_assistant):
    answer = seed_assistant.answer("What would a complete defeat of Putin lead to?")
    assert set(answer.outlets) == {"TASS", "fakty.com.ua"}
