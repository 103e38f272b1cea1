"""Who may reach the app, and who is asking: bind checks, credentials, login throttling,
the client identity behind a trusted proxy, and route limits in front of Gradio.

:class:`AccessGuard` is an ASGI middleware in front of the Gradio app. Before a client has
signed in it serves nothing but a login form at ``/`` (no API description, no outlet names);
it throttles failed logins per client and per user name, with backoff, and logs them; and it
limits the upload route (files and bytes per request, bytes per client, requests a minute).
"""

from __future__ import annotations

import ipaddress
import json
import logging
import math
import threading
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs

from assistant.errors import ConfigError

from .limits import RateLimiter, limit_message

log = logging.getLogger(__name__)

LOOPBACK_NAMES = {"localhost", "localhost.localdomain"}
MAX_TRACKED = 10_000  # clients and user names the throttle remembers (oldest forgotten)
MAX_LOGIN_BODY = 16_384  # bytes: a login form is a user name and a password

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict]]
Send = Callable[[dict], Awaitable[None]]


# ----- binding and credentials ------------------------------------------------------------------


def parse_auth(auth: str | None) -> tuple[str, str] | None:
    """``user:password`` as a tuple; ConfigError when it is malformed."""
    if auth is None or not auth.strip():
        return None
    user, sep, password = auth.strip().partition(":")
    if not sep or not user or not password:
        raise ConfigError(
            "--auth must look like user:password", hint="e.g. --auth reader:a-long-passphrase"
        )
    return user, password


def is_loopback(host: str) -> bool:
    """True for 127.0.0.0/8, ::1 and localhost."""
    if host.lower() in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_bind(host: str, auth: str | None) -> tuple[str, str] | None:
    """The credentials to require; refuses a non-loopback host without any."""
    credentials = parse_auth(auth)
    if credentials is None and not is_loopback(host):
        raise ConfigError(
            f"refusing to serve on {host} without credentials: anyone on the network could"
            " use and change the index",
            hint="pass --auth user:password (or set ASSISTANT_AUTH), or bind to 127.0.0.1",
        )
    return credentials


# ----- who is asking ----------------------------------------------------------------------------


def scope_client_id(scope: Scope) -> str:
    """The client id of a raw ASGI request, as :func:`ui.limits.client_id` gives it for a
    Gradio request: the connecting address as uvicorn resolved it.

    uvicorn rewrites that address from ``X-Forwarded-For`` only for the proxies in its
    ``FORWARDED_ALLOW_IPS``; :class:`ui.app.NewsApp` sets that to the ``trusted_proxies``
    setting (none by default) before it starts the server, so a client cannot choose its
    address by sending the header (uvicorn's own default trusts it from loopback).
    """
    client = scope.get("client")
    return f"host:{client[0]}" if client and client[0] else "anonymous"


def forwarded_allow_ips(trusted_proxies: Iterable[str]) -> str:
    """uvicorn's ``FORWARDED_ALLOW_IPS`` for the trusted proxies: the named ones, or an
    empty value that trusts nobody."""
    return ",".join(p.strip() for p in trusted_proxies if p.strip())


# ----- login throttling -------------------------------------------------------------------------


@dataclass
class _Failures:
    count: int
    last: float


class LoginThrottle:
    """Failed logins per key (a client, a user name): after ``free`` failures each further
    attempt must wait ``base_s * 2**(extra failures)`` seconds, at most ``max_s``."""

    def __init__(
        self,
        free: int = 5,
        base_s: float = 1.0,
        max_s: float = 300.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.free = free
        self.base_s = base_s
        self.max_s = max_s
        self.clock = clock
        self._failures: OrderedDict[str, _Failures] = OrderedDict()
        self._lock = threading.Lock()

    def wait(self, keys: Iterable[str]) -> float:
        """Seconds until these keys may try again (0.0: now)."""
        now = self.clock()
        with self._lock:
            return max((self._wait(self._failures.get(key), now) for key in keys), default=0.0)

    def _wait(self, failures: _Failures | None, now: float) -> float:
        if failures is None or failures.count < self.free:
            return 0.0
        delay = min(self.max_s, self.base_s * 2 ** (failures.count - self.free))
        return max(0.0, failures.last + delay - now)

    def failed(self, keys: Iterable[str]) -> int:
        """Count a failed attempt for each key; returns the highest failure count."""
        now = self.clock()
        highest = 0
        with self._lock:
            for key in keys:
                failures = self._failures.pop(key, None) or _Failures(0, now)
                failures.count += 1
                failures.last = now
                self._failures[key] = failures
                highest = max(highest, failures.count)
            while len(self._failures) > MAX_TRACKED:
                self._failures.popitem(last=False)
        return highest

    def succeeded(self, keys: Iterable[str]) -> None:
        """Forget the failures of these keys (a correct password after backoff)."""
        with self._lock:
            for key in keys:
                self._failures.pop(key, None)


# ----- upload route limits ----------------------------------------------------------------------


class ByteBudget:
    """Bytes a client may upload: ``per_hour`` in a burst, refilling at that rate."""

    def __init__(self, per_hour: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.per_hour = per_hour
        self.clock = clock
        self._left: OrderedDict[str, tuple[float, float]] = OrderedDict()
        self._lock = threading.Lock()

    def take(self, client: str, size: int) -> bool:
        """Spend ``size`` bytes of ``client``'s budget; False (nothing spent) when it is short."""
        now = self.clock()
        with self._lock:
            left, updated = self._left.pop(client, (float(self.per_hour), now))
            left = min(float(self.per_hour), left + (now - updated) * self.per_hour / 3600)
            allowed = size <= left
            self._left[client] = (left - size if allowed else left, now)
            while len(self._left) > MAX_TRACKED:
                self._left.popitem(last=False)
            return allowed


@dataclass(frozen=True)
class UploadLimits:
    """What one request to the upload route may carry, and one client in an hour."""

    max_files: int
    max_file_bytes: int
    client_bytes_per_hour: int

    @property
    def max_request_bytes(self) -> int:
        """A request's body: every file at its limit, plus room for the multipart headers."""
        return self.max_files * (self.max_file_bytes + 4096)


# ----- the middleware ---------------------------------------------------------------------------


class AccessGuard:
    """ASGI middleware in front of the Gradio app (see the module docstring)."""

    def __init__(
        self,
        app: Callable,
        *,
        uploads: UploadLimits,
        upload_rate: RateLimiter,
        throttle: LoginThrottle,
        signed_in: Callable[[Scope], bool] | None,
        login_page: Callable[[], str],
        prefix: str = "/gradio_api",
    ) -> None:
        self.app = app
        self.uploads = uploads
        self.upload_rate = upload_rate
        self.budget = ByteBudget(uploads.client_bytes_per_hour)
        self.throttle = throttle
        self.signed_in = signed_in  # None: the app has no auth
        self.login_page = login_page
        self.upload_path = f"{prefix}/upload"
        # Routes that render the app's page (with its API description) for anyone.
        self.pages = {"/", f"{prefix}/runs", f"{prefix}/runs/"}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        path = scope.get("path", "")
        method = scope.get("method", "GET")
        if self.signed_in is not None:
            if path in ("/login", "/login/") and method == "POST":
                return await self._login(scope, receive, send)
            if path in self.pages and method in ("GET", "HEAD") and not self.signed_in(scope):
                page = self.login_page() if method == "GET" else ""
                return await _respond(send, 200, page, "text/html; charset=utf-8")
        if path.rstrip("/") == self.upload_path and method == "POST":
            return await self._upload(scope, receive, send)
        return await self.app(scope, receive, send)

    # ----- login --------------------------------------------------------------------------

    async def _login(self, scope: Scope, receive: Receive, send: Send) -> None:
        body = await _read_body(receive, MAX_LOGIN_BODY)
        if body is None:
            return await _respond(send, 413, "The login form is too large.")
        form = parse_qs(body.decode("latin1"))
        user = (form.get("username") or [""])[0].strip()[:200]
        client = scope_client_id(scope)
        keys = [client, f"user:{user.lower()}"]
        wait = self.throttle.wait(keys)
        if wait > 0:
            log.warning("login refused (throttled %.0fs): user %r from %s", wait, user, client)
            seconds = max(1, math.ceil(wait))
            return await _respond(
                send,
                429,
                json.dumps(
                    {"detail": f"Too many failed sign-ins. Try again in {seconds} seconds."}
                ),
                "application/json",
                [(b"retry-after", str(seconds).encode())],
            )
        status: list[int] = []

        async def record(message: dict) -> None:
            if message["type"] == "http.response.start":
                status.append(message["status"])
            await send(message)

        await self.app(scope, _replay(body), record)
        if status and status[0] < 300:
            self.throttle.succeeded(keys)
            log.info("login: user %r from %s", user, client)
        else:
            count = self.throttle.failed(keys)
            log.warning("failed login %d: user %r from %s", count, user, client)

    # ----- uploads ------------------------------------------------------------------------

    async def _upload(self, scope: Scope, receive: Receive, send: Send) -> None:
        client = scope_client_id(scope)
        wait = self.upload_rate.acquire(client)
        if wait:
            return await _respond(send, 429, limit_message(wait, self.upload_rate.per_minute))
        headers = dict(scope.get("headers", []))
        try:
            declared = int(headers.get(b"content-length", b"-1"))
        except ValueError:
            declared = -1
        limit = self.uploads.max_request_bytes
        if declared > limit:
            return await _respond(
                send, 413, f"The upload is {declared:,} bytes; one request may carry {limit:,}."
            )
        if declared >= 0 and not self.budget.take(client, declared):
            log.warning("upload refused: %s is over its hourly upload budget", client)
            return await _respond(
                send,
                429,
                f"Upload limit reached: {self.uploads.client_bytes_per_hour:,} bytes an hour"
                " per client. Try again later.",
            )
        counter = _PartCounter(headers.get(b"content-type", b""))

        async def counted() -> dict:
            message = await receive()
            if message["type"] == "http.request":
                counter.feed(message.get("body", b""))
                if counter.bytes > limit:
                    raise _Refused(f"one request may carry {limit:,} bytes")
                if counter.files > self.uploads.max_files:
                    raise _Refused(f"one request may carry {self.uploads.max_files} files")
            return message

        started: list[bool] = []

        async def sending(message: dict) -> None:
            if message["type"] == "http.response.start":
                started.append(True)
            await send(message)

        try:
            await self.app(scope, counted, sending)
        except _Refused as refused:
            log.warning("upload refused from %s: %s", client, refused)
            if not started:
                await _respond(send, 413, f"The upload was refused: {refused}.")


class _Refused(Exception):
    """Raised into the upload route when a request goes over its limits."""


class _PartCounter:
    """Counts the parts of a multipart body as it streams (boundaries may span chunks)."""

    def __init__(self, content_type: bytes) -> None:
        boundary = b""
        for piece in content_type.split(b";"):
            name, _, value = piece.strip().partition(b"=")
            if name.lower() == b"boundary":
                boundary = value.strip(b'"')
        self.marker = b"--" + boundary if boundary else b""
        self.tail = b""
        self.seen = 0
        self.bytes = 0

    def feed(self, chunk: bytes) -> None:
        """Count the bytes and boundaries in ``chunk`` (with the tail of the previous one)."""
        self.bytes += len(chunk)
        if not self.marker:
            return
        data = self.tail + chunk
        self.seen += data.count(self.marker) - self.tail.count(self.marker)
        self.tail = data[-(len(self.marker) - 1) :] if len(self.marker) > 1 else b""

    @property
    def files(self) -> int:
        """Parts seen so far (the closing boundary is not a part)."""
        return max(0, self.seen - 1)


async def _read_body(receive: Receive, limit: int) -> bytes | None:
    """The whole request body, or None when it is over ``limit`` bytes."""
    chunks, size = [], 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def _replay(body: bytes) -> Receive:
    """A ``receive`` that hands the app a body already read."""
    sent = False

    async def receive() -> dict:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return receive


async def _respond(
    send: Send,
    status: int,
    body: str,
    content_type: str = "text/plain; charset=utf-8",
    extra: list[tuple[bytes, bytes]] | None = None,
) -> None:
    data = body.encode("utf-8")
    headers = [
        (b"content-type", content_type.encode()),
        (b"content-length", str(len(data)).encode()),
        (b"cache-control", b"no-store"),
        *(extra or []),
    ]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": data})
