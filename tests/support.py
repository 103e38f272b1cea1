"""Helpers shared by the tests: free ports, local HTTP servers, the real CLI, a real
``chroma run`` server."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHROMA = Path(sys.executable).parent / "chroma"


def free_port() -> int:
    """A TCP port nobody listens on right now (loopback; the OS picks it, then releases it)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def serve_in_background(handler: type[BaseHTTPRequestHandler]) -> ThreadingHTTPServer:
    """A threading HTTP server for ``handler`` on a free loopback port, serving in a daemon
    thread; its ``shutdown()`` returns within 20 ms (the default poll waits up to 0.5 s)."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
    )
    thread.start()
    return server


def cli_env(**extra: str) -> dict[str, str]:
    """The environment the real CLI runs in: offline, torch embedder (as the seed indexes)."""
    return {
        **os.environ,
        "HF_HUB_OFFLINE": "1",
        "ASSISTANT_EMBEDDING_BACKEND": "torch",
        **extra,
    }


def run_cli(
    *args: str, env: dict[str, str] | None = None, timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    """Run ``python -m assistant.cli ARGS`` to the end; its exit code and output."""
    return subprocess.run(
        [sys.executable, "-m", "assistant.cli", *args],
        cwd=ROOT,
        env=env or cli_env(),
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def start_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    """Start ``python -m assistant.cli ARGS`` in the background (pipes for its output)."""
    return subprocess.Popen(
        [sys.executable, "-m", "assistant.cli", *args],
        cwd=ROOT,
        env=env or cli_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def finish(process: subprocess.Popen[str], timeout: float = 300) -> tuple[int, str, str]:
    """Wait for a started process (:func:`start_cli`): ``(exit code, stdout, stderr)``."""
    out, err = process.communicate(timeout=timeout)
    return process.returncode, out, err


class ChromaServer:
    """A real ``chroma run`` on a loopback port, stoppable and restartable on the same port."""

    def __init__(self, path: Path, port: int):
        self.path, self.port = path, port
        self.url = f"http://127.0.0.1:{port}"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        """Start the server and wait until its heartbeat answers."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.path.parent / f"chroma-{self.port}.log", "ab") as log:
            self.process = subprocess.Popen(
                [
                    str(CHROMA),
                    "run",
                    "--path",
                    str(self.path),
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(self.port),
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            assert self.process.poll() is None, "chroma run exited; see its log"
            try:
                with urllib.request.urlopen(f"{self.url}/api/v2/heartbeat", timeout=1):
                    return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("chroma run did not answer its heartbeat within 60 s")

    def stop(self) -> None:
        """Stop the server and wait for it to exit."""
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=30)
