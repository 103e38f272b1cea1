"""LangChain's standard Embeddings suites, run against both of our embedders (real models)."""

from __future__ import annotations

import pytest
from langchain_tests.integration_tests import EmbeddingsIntegrationTests
from langchain_tests.unit_tests import EmbeddingsUnitTests

from assistant.embeddings import TorchEmbeddings
from assistant.onnx_embeddings import OnnxEmbeddings

MODEL = "all-MiniLM-L6-v2"

pytestmark = pytest.mark.slow


class _OnnxParams:
    """Every test instance builds its own embedder on the session's exported model cache."""

    cache_dir = None

    @pytest.fixture(autouse=True)
    def _use_session_model_cache(self, onnx_embeddings):
        type(self).cache_dir = onnx_embeddings.cache_dir

    @property
    def embeddings_class(self) -> type[OnnxEmbeddings]:
        return OnnxEmbeddings

    @property
    def embedding_model_params(self) -> dict:
        return {"model": MODEL, "cache_dir": self.cache_dir}


class TestTorchEmbeddingsUnit(EmbeddingsUnitTests):
    @property
    def embeddings_class(self) -> type[TorchEmbeddings]:
        return TorchEmbeddings

    @property
    def embedding_model_params(self) -> dict:
        return {"model": MODEL}


class TestTorchEmbeddingsIntegration(EmbeddingsIntegrationTests):
    @property
    def embeddings_class(self) -> type[TorchEmbeddings]:
        return TorchEmbeddings

    @property
    def embedding_model_params(self) -> dict:
        return {"model": MODEL}


class TestOnnxEmbeddingsUnit(_OnnxParams, EmbeddingsUnitTests):
    pass


class TestOnnxEmbeddingsIntegration(_OnnxParams, EmbeddingsIntegrationTests):
    pass
