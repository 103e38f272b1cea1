"""The browser chat's per-client request limit (a token bucket), on a fake clock."""

from __future__ import annotations

from types import SimpleNamespace

from ui.limits import RateLimiter, client_id, limit_message


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_client_gets_its_burst_then_waits_for_the_refill():
    clock = Clock()
    limiter = RateLimiter(3, clock=clock)
    assert [limiter.acquire("a") for _ in range(3)] == [0.0, 0.0, 0.0]
    wait = limiter.acquire("a")
    assert 19.9 < wait <= 20.0  # one request every 20 s at 3 a minute
    clock.now += 10
    assert 9.9 < limiter.acquire("a") <= 10.0
    clock.now += 10
    assert limiter.acquire("a") == 0.0
    assert limiter.acquire("a") > 0


def test_clients_are_limited_separately_and_zero_means_no_limit():
    clock = Clock()
    limiter = RateLimiter(1, clock=clock)
    assert limiter.acquire("a") == 0.0
    assert limiter.acquire("a") > 0
    assert limiter.acquire("b") == 0.0
    unlimited = RateLimiter(0, clock=clock)
    assert all(unlimited.acquire("a") == 0.0 for _ in range(1000))


def test_the_allowance_never_grows_past_the_burst():
    clock = Clock()
    limiter = RateLimiter(2, clock=clock)
    limiter.acquire("a")
    clock.now += 3600
    assert [limiter.acquire("a") for _ in range(3)][:2] == [0.0, 0.0]
    assert limiter.acquire("a") > 0


def test_idle_clients_are_forgotten_when_many_are_tracked(monkeypatch):
    import ui.limits

    monkeypatch.setattr(ui.limits, "MAX_TRACKED_CLIENTS", 3)
    clock = Clock()
    limiter = RateLimiter(60, clock=clock)
    for name in "abc":
        limiter.acquire(name)
    clock.now += 120  # all three refilled
    limiter.acquire("d")
    assert set(limiter._buckets) == {"d"}


def test_the_message_says_the_limit_and_when_to_retry():
    assert limit_message(0.2, 30) == (
        "Too many requests: the limit is 30 a minute. Try again in 1 second."
    )
    assert limit_message(19.5, 3).endswith("Try again in 20 seconds.")


def test_clients_are_told_apart_by_address_then_session():
    with_host = SimpleNamespace(client=SimpleNamespace(host="10.0.0.7"), session_hash="s")
    assert client_id(with_host) == "host:10.0.0.7"
    assert client_id(SimpleNamespace(client=None, session_hash="abc")) == "session:abc"
    assert client_id(None) == "anonymous"
