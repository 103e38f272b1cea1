"""The answer layer (issues 12 and 16): real Documents, and the real seed index where the
behaviour involves retrieval."""

from __future__ import annotations

import re

from langchain_core.documents import Document

from assistant.extractive import ExtractiveAnswerer

from .test_index import make_article

MARKER = re.compile(r"\[\d+\]")


def document(text: str, outlet: str = "Warsaw Wire", article: str = "a1", **meta) -> Document:
    """A retrieved chunk as the retriever returns it (the whole article, at offset 0)."""
    metadata = {
        "outlet": outlet,
        "title": meta.pop("title", f"{outlet} on Kherson"),
        "published": meta.pop("published", "2022-11-08"),
        "author": meta.pop("author", ""),
        "url": meta.pop("url", f"https://example.org/{article}"),
        "article_id": article,
        "chunk_id": f"{article}:0",
        "start": 0,
        "similarity": meta.pop("similarity", 0.6),
        **meta,
    }
    return Document(page_content=text, metadata=metadata)


def test_a_marker_in_article_text_is_not_a_live_citation():
    text = (
        "The ceasefire in Kherson was agreed on Monday, as TASS confirmed [3] in a statement. "
        "Kherson talks between the sides will continue next week in Istanbul."
    )
    answer = ExtractiveAnswerer().answer("Was a ceasefire in Kherson agreed?", [document(text)])
    assert not answer.refused
    assert set(MARKER.findall(answer.text)) == {f"[{c.number}]" for c in answer.citations}
    assert "[\u20603]" in answer.text
    for sentence in answer.sentences:
        assert len(MARKER.findall(sentence.text)) == len(sentence.citations)
    assert any("TASS confirmed [3]" in c.quote for c in answer.citations)  # verbatim
    for citation in answer.citations:
        assert text[citation.start : citation.end] == citation.quote


def test_one_short_strong_article_does_not_push_the_other_outlets_out(seed_assistant, tmp_path):
    folder = tmp_path / "pasted"
    folder.mkdir()
    make_article(
        folder,
        "mallory.md",
        "Mallory Times",
        "What a defeat of Putin would mean",
        "A complete defeat of Putin would lead to the collapse of his regime in Moscow. "
        "Analysts say the defeat of Putin would lead to a new government in Russia. "
        "Such a complete defeat could also lead to chaos across the region.",
    )
    seed_assistant.add_sources([folder])
    answer = seed_assistant.answer("What would a complete defeat of Putin lead to?")
    assert {"Mallory Times", "TASS", "fakty.com.ua"} <= set(answer.outlets)
    texts = seed_assistant.store.article_texts(c.article_id for c in answer.citations)
    for citation in answer.citations:
        assert texts[citation.article_id][citation.start : citation.end] == citation.quote
