"""Chunking: exact offsets, size bounds, overlap, full coverage."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from assistant.chunking import approx_token_count, chunk_spans, split_sentences

TEXT = (
    "Mr. Smith went to Washington on Monday. He met Dr. Jones at 9 a.m. in the U.S. Capitol. "
    "Was it planned? Nobody knows!\n\nA new paragraph starts here. “Quoted words end here.” "
    "Then the story ends."
)


def test_sentences_respect_abbreviations_and_paragraphs():
    sentences = [span.of(TEXT) for span in split_sentences(TEXT)]
    assert sentences == [
        "Mr. Smith went to Washington on Monday.",
        "He met Dr. Jones at 9 a.m. in the U.S. Capitol.",
        "Was it planned?",
        "Nobody knows!",
        "A new paragraph starts here.",
        "“Quoted words end here.”",
        "Then the story ends.",
    ]


def test_chunks_are_exact_spans_and_overlap_by_whole_sentences():
    text = " ".join(f"Sentence number {n} talks about the harbour." for n in range(80))
    spans = chunk_spans(text, max_tokens=60, overlap_tokens=15)
    assert len(spans) > 3
    for span in spans:
        assert approx_token_count(span.of(text)) <= 60
    for before, after in zip(spans, spans[1:]):
        assert after.start < before.end  # overlap
        assert after.start > before.start  # progress
    assert spans[0].start == 0 and spans[-1].end == len(text)


words = st.text(alphabet="abcdefghij .!?\n", min_size=1, max_size=2000)


@settings(max_examples=200, deadline=None)
@given(text=words, size=st.integers(8, 120), overlap=st.integers(0, 7))
def test_any_text_is_fully_covered_by_bounded_chunks(text, size, overlap):
    spans = chunk_spans(text, max_tokens=size, overlap_tokens=overlap)
    sentences = split_sentences(text)
    if not text.strip():
        assert spans == []
        return
    for span in spans:
        assert 0 <= span.start < span.end <= len(text)
        assert span.of(text) == span.of(text).strip()
    for sentence in sentences:  # every sentence lies inside some chunk (long ones are cut)
        assert any(s.start <= sentence.start < s.end for s in spans)
