"""A polite, robust HTTP fetcher for the listed feeds and the article links in them.

Built on httpx (not trafilatura's urllib3 fetcher) because it gives us what politeness and
failure reporting need: per-request timeouts, manual redirects (each hop checked against
robots.txt and counted), streaming with a byte limit, conditional headers and the real
status code. It is not a crawler: it fetches exactly the URLs it is given.

Every failure is a :class:`FetchError` with a one-line ``reason`` ("timeout", "HTTP 404",
"gone (HTTP 410)", "robots.txt disallows it", ...), never a traceback.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit
from urllib.robotparser import RobotFileParser

import httpx

USER_AGENT = "news-assistant/0.1 (+https://github.com/news-assistant; feed reader, not a crawler)"
HTML_TYPES = ("text/html", "application/xhtml+xml")
FEED_TYPES = (
    "application/rss+xml",
    "application/atom+xml",
    "application/xml",
    "text/xml",
    "application/rdf+xml",
    "application/feed+json",
)


@dataclass(frozen=True)
class FetchPolicy:
    """How politely and how patiently to fetch."""

    user_agent: str = USER_AGENT
    timeout_s: float = 15.0
    retries: int = 2  # extra attempts after a 5xx or a timeout; never after a 4xx
    backoff_s: float = 1.0  # first wait; doubles each retry
    host_delay_s: float = 1.0  # at least this long between two requests to one host
    max_bytes: int = 5_000_000
    max_redirects: int = 5
    respect_robots: bool = True


@dataclass
class Response:
    """A fetched resource (``status`` 200) or an unchanged one (304, ``body`` empty)."""

    url: str  # the URL asked for
    final_url: str  # after redirects
    status: int
    body: bytes = b""
    content_type: str = ""
    etag: str | None = None
    last_modified: str | None = None
    location: str | None = None  # a redirect's target
    charset: str | None = None  # from the Content-Type header

    @property
    def not_modified(self) -> bool:
        """True for a 304 answer to a conditional GET."""
        return self.status == 304

    @property
    def is_html(self) -> bool:
        """True when the server says the body is HTML."""
        return self.content_type.startswith(HTML_TYPES)


@dataclass
class FetchError(Exception):
    """A URL that could not be fetched, with a one-line reason."""

    url: str
    reason: str
    gone: bool = False  # 410: the publisher removed it
    status: int | None = None

    def __str__(self) -> str:
        return f"{self.url}: {self.reason}"


@dataclass
class _Host:
    lock: threading.Lock = field(default_factory=threading.Lock)
    last: float = 0.0
    robots: RobotFileParser | None = None
    robots_checked: bool = False


class Fetcher:
    """Fetches URLs one request per host at a time, with a delay between requests to a host.

    ``sleep`` is injectable so a stop request can cut a wait short.
    """

    def __init__(
        self,
        policy: FetchPolicy | None = None,
        sleep: Callable[[float], None] | None = None,
        transport: httpx.BaseTransport | None = None,
    ):
        self.policy = policy or FetchPolicy()
        self._sleep = sleep or time.sleep
        self._hosts: dict[str, _Host] = {}
        self._hosts_lock = threading.Lock()
        self._client = httpx.Client(
            headers={"User-Agent": self.policy.user_agent},
            timeout=httpx.Timeout(self.policy.timeout_s),
            follow_redirects=False,
            transport=transport,
        )

    def close(self) -> None:
        """Close the connection pool."""
        self._client.close()

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def get(
        self,
        url: str,
        etag: str | None = None,
        last_modified: str | None = None,
        accept: str = "text/html,application/xhtml+xml;q=0.9,*/*;q=0.5",
    ) -> Response:
        """GET ``url`` (conditionally, when a validator is given); FetchError on failure."""
        current = check_url(url)
        seen = [current]
        for _ in range(self.policy.max_redirects + 1):
            self._check_robots(url, current)
            response = self._attempts(url, current, etag, last_modified, accept)
            if response.status not in (301, 302, 303, 307, 308):
                return response
            location = response.location
            if not location:
                raise FetchError(url, f"redirect (HTTP {response.status}) without a Location")
            current = check_url(urljoin(current, location), original=url)
            if current in seen:
                raise FetchError(url, f"redirect loop ({' -> '.join([*seen, current])})")
            seen.append(current)
        raise FetchError(url, f"too many redirects (over {self.policy.max_redirects})")

    # ----- one URL, with retries ----------------------------------------------------------

    def _attempts(
        self,
        url: str,
        current: str,
        etag: str | None,
        last_modified: str | None,
        accept: str,
    ) -> Response:
        wait = self.policy.backoff_s
        for attempt in range(self.policy.retries + 1):
            last = attempt == self.policy.retries
            try:
                return self._once(url, current, etag, last_modified, accept)
            except _Retryable as error:
                if last:
                    raise FetchError(url, error.reason, status=error.status) from None
                self._sleep(wait)
                wait *= 2
        raise AssertionError("unreachable")

    def _once(
        self,
        url: str,
        current: str,
        etag: str | None,
        last_modified: str | None,
        accept: str,
    ) -> Response:
        headers = {"Accept": accept}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        with self._polite(current):
            try:
                with self._client.stream("GET", current, headers=headers) as answer:
                    return self._read(url, current, answer)
            except httpx.TimeoutException:
                raise _Retryable(f"timeout (no answer within {self.policy.timeout_s:g}s)") from None
            except httpx.ConnectError as error:
                if _is_dns(error):
                    host = urlsplit(current).hostname
                    raise FetchError(url, f"DNS: host {host} not found") from None
                raise _Retryable(f"cannot connect ({_short(error)})") from None
            except httpx.TransportError as error:
                raise _Retryable(f"connection failed ({_short(error)})") from None

    def _read(self, url: str, current: str, answer: httpx.Response) -> Response:
        status = answer.status_code
        kind = answer.headers.get("content-type", "").split(";")[0].strip().lower()
        if status in (301, 302, 303, 307, 308):
            return Response(url, current, status, location=answer.headers.get("location"))
        if status == 304:
            return Response(url, current, 304, content_type=kind)
        if status >= 500:
            raise _Retryable(f"server error (HTTP {status})", status)
        if status == 410:
            raise FetchError(url, "gone (HTTP 410): the publisher removed it", True, status)
        if status == 404:
            raise FetchError(url, "not found (HTTP 404)", status=status)
        if status in (401, 402, 403):
            raise FetchError(
                url, f"access refused (HTTP {status}; paywall or login?)", False, status
            )
        if status != 200:
            raise FetchError(url, f"unexpected answer (HTTP {status})", status=status)
        declared = answer.headers.get("content-length")
        limit = self.policy.max_bytes
        if declared and declared.isdigit() and int(declared) > limit:
            raise FetchError(url, f"too large ({int(declared):,} bytes; the limit is {limit:,})")
        body = bytearray()
        for piece in answer.iter_bytes():
            body.extend(piece)
            if len(body) > limit:
                raise FetchError(url, f"too large (over the {limit:,}-byte limit)")
        return Response(
            url,
            current,
            200,
            bytes(body),
            kind,
            answer.headers.get("etag"),
            answer.headers.get("last-modified"),
            charset=answer.charset_encoding,
        )

    # ----- politeness ---------------------------------------------------------------------

    def _host(self, url: str) -> _Host:
        parts = urlsplit(url)
        key = f"{parts.scheme}://{parts.netloc}".lower()
        with self._hosts_lock:
            return self._hosts.setdefault(key, _Host())

    def _polite(self, url: str):
        """Hold the host (one request at a time) and wait out its delay."""
        host = self._host(url)
        fetcher = self

        class _Hold:
            def __enter__(self):
                host.lock.acquire()
                pause = host.last + fetcher.policy.host_delay_s - time.monotonic()
                if pause > 0:
                    fetcher._sleep(pause)

            def __exit__(self, *exc):
                host.last = time.monotonic()
                host.lock.release()

        return _Hold()

    def _check_robots(self, url: str, current: str) -> None:
        if not self.policy.respect_robots:
            return
        host = self._host(current)
        if not host.robots_checked:
            host.robots = self._load_robots(current)
            host.robots_checked = True
        if host.robots is not None and not host.robots.can_fetch(self.policy.user_agent, current):
            raise FetchError(url, "robots.txt disallows it")

    def _load_robots(self, url: str) -> RobotFileParser | None:
        """The host's robots.txt; a missing or unreadable one allows everything."""
        parts = urlsplit(url)
        robots_url = f"{parts.scheme}://{parts.netloc}/robots.txt"
        try:
            with self._polite(robots_url):
                answer = self._client.get(robots_url, follow_redirects=True)
        except httpx.HTTPError:
            return None
        parser = RobotFileParser(robots_url)
        if answer.status_code in (401, 403):
            parser.parse(["User-agent: *", "Disallow: /"])  # robots.txt refused: keep out
        elif answer.status_code == 200:
            parser.parse(answer.text[:500_000].splitlines())
        else:
            return None
        return parser


class _Retryable(Exception):
    def __init__(self, reason: str, status: int | None = None):
        super().__init__(reason)
        self.reason = reason
        self.status = status


def check_url(url: str, original: str | None = None) -> str:
    """``url`` when it is an absolute http(s) URL, else a FetchError."""
    text = url.strip()
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise FetchError(original or url, "not an http(s) URL")
    return text


def is_url(text: str) -> bool:
    """True for a string that looks like an http(s) URL."""
    return isinstance(text, str) and text.strip().lower().startswith(("http://", "https://"))


def _is_dns(error: httpx.ConnectError) -> bool:
    cause: BaseException | None = error
    while cause is not None:
        if isinstance(cause, socket.gaierror):
            return True
        cause = cause.__cause__ or cause.__context__
    text = str(error).lower()
    return "name or service not known" in text or "nodename nor servname" in text


def _short(error: Exception) -> str:
    text = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    return text[:120]
