"""The embedding model as int8 ONNX, run by onnxruntime: same vectors, less arithmetic.

The packaged PyTorch weights are exported to ONNX once (``torch.onnx.export``, no download),
dynamically quantised to int8 with per-channel weight scales, and cached in a folder beside
the index. Later starts load the cached file directly and never import torch.

Per-channel scales matter: per-tensor int8 on CPUs without VNNI (the AVX2 u8s8 path can
saturate) gives a mean cosine of only ~0.95 to the fp32 vectors; per-channel gives ~0.993.

Texts run one per call by default. Measured on a 2-core AVX2 CPU this is the fastest batch
size (about 1.6x batches of 32, no padding at all), and because activations are quantised
with one scale per call, it keeps each text's vector independent of what it was batched
with. Larger batches are grouped by token length to keep padding small.
"""

from __future__ import annotations

import fcntl
import logging
import os
import re
import shutil
import tempfile
import threading
import time
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
from langchain_core.embeddings import Embeddings

from .embeddings import _offline, model_fingerprint, resolve_model_path
from .errors import ConfigError

# Bump when the export or quantisation changes, so old cached files are not reused.
RECIPE = "eager-opset17-int8pc-v1"
MAX_TOKENS = 256  # the model's max_seq_length in sentence-transformers
INPUT_NAMES = ("input_ids", "attention_mask", "token_type_ids")

log = logging.getLogger(__name__)


def cpu_count() -> int:
    """CPU cores this process may run on."""
    try:
        return max(len(os.sched_getaffinity(0)), 1)
    except AttributeError:
        return os.cpu_count() or 1


def user_cache_dir() -> Path:
    """Fallback model cache when the index folder is not writable."""
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "news-assistant" / "models"


class OnnxEmbeddings(Embeddings):
    """A sentence-transformers BERT model as a cached int8 ONNX file, mean-pooled, unit length.

    ``cache_dir`` is where the exported model is kept (``<index_dir>/models`` by default).
    ``shared_cache_dir`` (the user's cache, by default) lets every index on the machine reuse
    one export: a model found there is copied (hard-linked when possible) beside the index
    instead of exported again, and a fresh export is copied there. Nothing is exported or
    loaded until the first text is embedded.
    """

    def __init__(
        self,
        model: str,
        cache_dir: Path,
        batch_size: int = 1,
        threads: int | None = None,
        max_tokens: int = MAX_TOKENS,
        shared_cache_dir: Path | None = None,
    ):
        self.model_name = model
        self.cache_dir = Path(cache_dir)
        self.shared_cache_dir = Path(shared_cache_dir) if shared_cache_dir else None
        self.batch_size = max(int(batch_size), 1)
        self.threads = threads or cpu_count()
        self.max_tokens = max_tokens
        self.exported = False  # True when this instance had to export the model
        self._path: Path | None = None
        self._session = None
        self._input_names: set[str] = set()
        self._tokenizer: Any = None  # tokenizers.Tokenizer, loaded with the session
        self._lock = threading.Lock()

    # ----- identity ------------------------------------------------------------------------

    @property
    def path(self) -> Path:
        """The source model's folder on disk."""
        if self._path is None:
            self._path = resolve_model_path(self.model_name)
        return self._path

    @property
    def embedder_id(self) -> str:
        """Identifies the vectors this embedder makes; differs from the PyTorch embedder's."""
        return f"onnx-int8:{self.path.name}:{model_fingerprint(self.path)}"

    @property
    def model_file(self) -> Path:
        """Where the quantised model is cached (it may not exist yet)."""
        return self.cache_dir / onnx_file_name(self.model_name, model_fingerprint(self.path))

    # ----- loading -------------------------------------------------------------------------

    def _load(self) -> Any:
        with self._lock:
            if self._session is None:
                self._session = self._cached_session() or self._shared_session()
                if self._session is None:
                    self._session = self._open_session(self._export())
                    self._share()
                self._tokenizer = self._load_tokenizer()
        return self._session

    def _shared_session(self) -> Any:
        """A session on the shared cache's model (copied beside the index), if it has one."""
        if self.shared_cache_dir is None:
            return None
        shared = self.shared_cache_dir / self.model_file.name
        if not shared.is_file() or shared == self.model_file:
            return None
        try:
            place_atomically(shared, self.model_file)
        except OSError:  # a read-only index folder: use the shared file where it is
            self.cache_dir = self.shared_cache_dir
        session = self._cached_session()
        if session is None:  # damaged: the next start must not copy it again
            shared.unlink(missing_ok=True)
        return session

    def _share(self) -> None:
        """Offer a fresh export to the shared cache (best effort)."""
        if self.shared_cache_dir is None:
            return
        shared = self.shared_cache_dir / self.model_file.name
        if shared.is_file() or shared == self.model_file:
            return
        try:
            place_atomically(self.model_file, shared)
        except OSError as error:
            log.info("could not share the ONNX model in %s (%s)", self.shared_cache_dir, error)

    def _cached_session(self) -> Any:
        """A session on the cached file, or None when there is none or it is damaged."""
        file = self.model_file
        if not file.is_file():
            return None
        try:
            return self._open_session(file)
        except ConfigError:
            raise
        except Exception as error:  # noqa: BLE001 - onnxruntime raises its own error types
            log.warning("cached ONNX model %s is unusable (%s); exporting again", file, error)
            file.unlink(missing_ok=True)
            return None

    def _export(self) -> Path:
        """Export into the cache folder, or a user cache when that is not writable."""
        try:
            try:
                self.exported = export_quantized(self.path, self.model_file)
            except OSError:  # a read-only or full index folder: use the user's cache instead
                self.cache_dir = self.shared_cache_dir or user_cache_dir()
                self.exported = export_quantized(self.path, self.model_file)
        except ConfigError:
            raise
        except Exception as error:  # noqa: BLE001 - torch/onnx export errors are varied
            raise ConfigError(
                f"could not export {self.model_name} to ONNX ({type(error).__name__}: {error})",
                hint="use the PyTorch embedder: ASSISTANT_EMBEDDING_BACKEND=torch",
            ) from error
        return self.model_file

    def _open_session(self, file: Path) -> Any:
        try:
            import onnxruntime as ort
        except ImportError as error:
            raise ConfigError(
                "onnxruntime is not installed", hint="pip install onnxruntime onnx"
            ) from error
        options = ort.SessionOptions()
        options.intra_op_num_threads = self.threads
        options.inter_op_num_threads = 1
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        # Idle worker threads sleep instead of spinning: the UI, Chroma and other processes
        # share the cores, and spinning only helps sub-millisecond kernels.
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        session = ort.InferenceSession(str(file), options, providers=["CPUExecutionProvider"])
        self._input_names = {item.name for item in session.get_inputs()}
        return session

    def _load_tokenizer(self) -> Any:
        tokenizer_file = self.path / "tokenizer.json"
        if not tokenizer_file.is_file():
            raise ConfigError(
                f"{self.path} has no tokenizer.json (a fast tokenizer is needed for ONNX)",
                hint="use ASSISTANT_EMBEDDING_BACKEND=torch for this model",
            )
        from tokenizers import Tokenizer

        tokenizer = Tokenizer.from_file(str(tokenizer_file))
        tokenizer.enable_truncation(max_length=self.max_tokens)
        tokenizer.no_padding()
        return tokenizer

    # ----- embedding -----------------------------------------------------------------------

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        """Embed passages; vectors are unit length."""
        if not texts:
            return []
        return self.encode(list(texts)).tolist()

    def embed_query(self, text: str) -> list[float]:
        """Embed one question."""
        return self.embed_documents([text])[0]

    def encode(self, texts: list[str]) -> np.ndarray:
        """``(len(texts), dim)`` float32 unit vectors, batched by similar token length."""
        session = self._load()
        encodings = self._tokenizer.encode_batch([str(text).strip() for text in texts])
        ids = [encoding.ids for encoding in encodings]
        vectors: np.ndarray | None = None
        for batch in length_batches(ids, self.batch_size):
            pooled = self._run(session, [ids[i] for i in batch])
            if vectors is None:
                vectors = np.empty((len(texts), pooled.shape[1]), dtype=np.float32)
            vectors[batch] = pooled
        if vectors is None:  # texts is never empty here; embed_documents returns early
            raise ValueError("nothing to encode")
        return vectors

    def _run(self, session: Any, batch_ids: list[list[int]]) -> np.ndarray:
        width = max(len(row) for row in batch_ids)
        input_ids = np.zeros((len(batch_ids), width), dtype=np.int64)
        mask = np.zeros_like(input_ids)
        for row, token_ids in enumerate(batch_ids):
            input_ids[row, : len(token_ids)] = token_ids
            mask[row, : len(token_ids)] = 1
        feed = {"input_ids": input_ids, "attention_mask": mask}
        if "token_type_ids" in self._input_names:
            feed["token_type_ids"] = np.zeros_like(input_ids)
        hidden = session.run(None, feed)[0]
        return mean_pool_normalized(hidden, mask)

    def token_counter(self) -> Callable[[str], int]:
        """A function counting the model's word pieces in a text."""
        from .embeddings import word_piece_counter

        return word_piece_counter(self.path)


def mean_pool_normalized(hidden: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Mean of the token vectors under the attention mask, scaled to unit length."""
    weights = mask[..., None].astype(np.float32)
    summed = (hidden * weights).sum(axis=1)
    pooled = summed / np.clip(weights.sum(axis=1), 1e-9, None)
    norms = np.linalg.norm(pooled, axis=1, keepdims=True)
    return (pooled / np.clip(norms, 1e-12, None)).astype(np.float32)


def length_batches(token_ids: list[list[int]], batch_size: int) -> Iterator[list[int]]:
    """Indices grouped into batches of similar length, so little padding is computed."""
    order = sorted(range(len(token_ids)), key=lambda i: len(token_ids[i]))
    for start in range(0, len(order), batch_size):
        yield order[start : start + batch_size]


def onnx_file_name(model_name: str, fingerprint: str) -> str:
    """Cache file name: model, weights fingerprint and export recipe."""
    stem = re.sub(r"[^A-Za-z0-9._-]+", "-", Path(model_name).name or "model").strip("-")
    return f"{stem}-{fingerprint}-{RECIPE}.onnx"


# ----- export ------------------------------------------------------------------------------


def export_quantized(model_dir: Path, target: Path) -> bool:
    """Export ``model_dir`` to int8 ONNX at ``target`` unless it exists; True if it exported.

    Atomic and once across processes: the file appears under its final name only when
    complete (written in a temporary folder beside it, then renamed), so a killed export
    leaves no half file; a concurrent export of the same model waits for the first and
    reuses its result.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    with _export_lock(target.parent / ".export.lock"):
        if target.is_file():
            return False
        started = time.perf_counter()
        work = Path(tempfile.mkdtemp(prefix=".export-", dir=target.parent))
        try:
            fp32 = work / "model-fp32.onnx"
            int8 = work / "model-int8.onnx"
            export_fp32(model_dir, fp32)
            quantize_int8(fp32, int8)
            _fsync(int8)
            os.replace(int8, target)
            _fsync_dir(target.parent)
        finally:
            shutil.rmtree(work, ignore_errors=True)
        _remove_stale_exports(target.parent)
        log.info("exported %s to %s in %.1fs", model_dir, target, time.perf_counter() - started)
        return True


def place_atomically(source: Path, target: Path) -> None:
    """Put a copy of ``source`` at ``target`` (a hard link when possible), all or nothing."""
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.parent / f".{target.name}.{os.getpid()}.{threading.get_ident()}.part"
    try:
        try:
            os.link(source, partial)
        except OSError:
            shutil.copyfile(source, partial)
            _fsync(partial)
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)


def export_fp32(model_dir: Path, out_file: Path) -> None:
    """``torch.onnx.export`` of the BERT encoder (last hidden state, dynamic batch/length)."""
    _offline()
    try:
        import torch
        from transformers import AutoModel
    except ImportError as error:
        raise ConfigError(
            "exporting the ONNX model needs torch and transformers",
            hint="pip install torch==2.13.0 sentence-transformers",
        ) from error

    # Eager attention exports as plain MatMul/Softmax, which quantises and fuses well;
    # the SDPA graph runs about 1.7x slower once quantised.
    model = AutoModel.from_pretrained(str(model_dir), attn_implementation="eager")
    model.eval()

    class _Encoder(torch.nn.Module):
        def __init__(self, inner: Any):
            super().__init__()
            self.inner = inner

        def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> Any:
            return self.inner(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            ).last_hidden_state

    example = tuple(torch.ones((2, 8), dtype=torch.long) for _ in INPUT_NAMES)
    axes = {name: {0: "batch", 1: "tokens"} for name in (*INPUT_NAMES, "last_hidden_state")}
    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            _Encoder(model),
            example,
            str(out_file),
            dynamo=False,  # the TorchScript exporter needs no onnxscript
            input_names=list(INPUT_NAMES),
            output_names=["last_hidden_state"],
            dynamic_axes=axes,
            opset_version=17,
            do_constant_folding=True,
        )


def quantize_int8(fp32_file: Path, out_file: Path) -> None:
    """Dynamic int8 quantisation of the weights (per output channel); activations at run time."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    with _quiet_root_logger():
        quantize_dynamic(
            str(fp32_file), str(out_file), weight_type=QuantType.QInt8, per_channel=True
        )


@contextmanager
def _quiet_root_logger() -> Iterator[None]:
    """Drop the quantiser's advice to "run pre-processing" (its shape inference fails on BERT).

    It logs through ``logging.warning``, which also installs a root handler when there is
    none (after which every library's debug records print); that handler is removed again.
    """

    class _DropWarnings(logging.Filter):
        def filter(self, record: logging.LogRecord) -> bool:
            return record.levelno > logging.WARNING

    root = logging.getLogger()
    handlers_before = list(root.handlers)
    dropper = _DropWarnings()
    root.addFilter(dropper)
    try:
        yield
    finally:
        root.removeFilter(dropper)
        for handler in root.handlers[:]:
            if handler not in handlers_before:
                root.removeHandler(handler)


@contextmanager
def _export_lock(path: Path) -> Iterator[None]:
    with open(path, "a+") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _remove_stale_exports(folder: Path) -> None:
    """Temporary folders of exports that were killed part way."""
    for leftover in folder.glob(".export-*"):
        if leftover.is_dir():
            shutil.rmtree(leftover, ignore_errors=True)


def _fsync(path: Path) -> None:
    with open(path, "rb") as handle:
        os.fsync(handle.fileno())


def _fsync_dir(path: Path) -> None:
    try:
        descriptor = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
