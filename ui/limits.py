"""Per-client request limits of the browser chat: a token bucket per client.

Each client may make ``per_minute`` requests in a burst; its allowance then refills at
``per_minute`` requests a minute. Thread-safe (Gradio runs handlers in worker threads).
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import gradio as gr

MAX_TRACKED_CLIENTS = 10_000  # beyond this, full (idle) buckets are forgotten


@dataclass
class _Bucket:
    tokens: float
    updated: float


class RateLimiter:
    """A token bucket per client id; ``per_minute=0`` means no limit."""

    def __init__(self, per_minute: int, clock: Callable[[], float] = time.monotonic):
        self.per_minute = per_minute
        self.clock = clock
        self._buckets: dict[str, _Bucket] = {}
        self._lock = threading.Lock()

    def acquire(self, client: str) -> float:
        """Take one request from ``client``'s allowance: 0.0 when allowed, else the seconds
        until the next request will be."""
        if self.per_minute <= 0:
            return 0.0
        rate = self.per_minute / 60.0  # tokens per second
        with self._lock:
            now = self.clock()
            bucket = self._buckets.get(client)
            if bucket is None:
                if len(self._buckets) >= MAX_TRACKED_CLIENTS:
                    self._forget_idle(now, rate)
                bucket = self._buckets[client] = _Bucket(float(self.per_minute), now)
            bucket.tokens = min(self.per_minute, bucket.tokens + (now - bucket.updated) * rate)
            bucket.updated = now
            if bucket.tokens >= 1.0:
                bucket.tokens -= 1.0
                return 0.0
            return (1.0 - bucket.tokens) / rate

    def _forget_idle(self, now: float, rate: float) -> None:
        """Drop clients whose bucket has refilled (they are indistinguishable from new ones)."""
        full = [
            client
            for client, bucket in self._buckets.items()
            if bucket.tokens + (now - bucket.updated) * rate >= self.per_minute
        ]
        for client in full:
            del self._buckets[client]


def limit_message(wait_s: float, per_minute: int) -> str:
    """The sentence shown to a client over its limit."""
    seconds = max(1, math.ceil(wait_s))
    return (
        f"Too many requests: the limit is {per_minute} a minute. Try again in {seconds} second"
        f"{'s' if seconds != 1 else ''}."
    )


def client_id(request: gr.Request | None) -> str:
    """Who is asking: the client's address, else its Gradio session, else 'anonymous'."""
    if request is None:
        return "anonymous"
    client = getattr(request, "client", None)
    host = getattr(client, "host", None)
    if host:
        return f"host:{host}"
    session = getattr(request, "session_hash", None)
    return f"session:{session}" if session else "anonymous"
