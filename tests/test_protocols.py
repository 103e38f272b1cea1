"""The Protocols are what the parts really offer (checked at run time, not only by mypy)."""

from __future__ import annotations

from assistant.embeddings import TorchEmbeddings
from assistant.extractive import ExtractiveAnswerer
from assistant.onnx_embeddings import OnnxEmbeddings
from assistant.protocols import Answerer, Embedder


def test_every_embedder_fits_the_embedder_protocol(fake_embeddings, tmp_path):
    for embedder in (
        TorchEmbeddings("all-MiniLM-L6-v2"),  # nothing loads until first use
        OnnxEmbeddings("all-MiniLM-L6-v2", cache_dir=tmp_path),
        fake_embeddings,
    ):
        assert isinstance(embedder, Embedder), type(embedder).__name__


def test_the_extractive_answerer_fits_the_answerer_protocol(fake_embeddings):
    answerer = ExtractiveAnswerer(fake_embeddings)
    assert isinstance(answerer, Answerer)
    assert not isinstance(object(), Answerer)
