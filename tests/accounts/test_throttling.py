import logging
import os

import pytest
from django.core.cache import caches
from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache
from django.test import RequestFactory

from accounts import throttling
from accounts.exceptions import RateLimitedError
from accounts.throttling import (
    attempt_keys,
    client_ip,
    password_attempt_reserve,
    password_attempt_succeeded,
)
from tests.conftest import run_in_another_process

WINDOW_START = 1_800_000_000  # a multiple of the 900 s window


@pytest.fixture
def clock(monkeypatch):
    """A controllable clock for the throttle; starts at the beginning of a window."""

    class Clock:
        now = float(WINDOW_START)

    monkeypatch.setattr(throttling, "_now", lambda: Clock.now)
    return Clock


@pytest.fixture
def limits(settings):
    settings.SIGN_IN_ATTEMPTS_PER_USERNAME = 3
    settings.SIGN_IN_ATTEMPTS_PER_USERNAME_ALL_IPS = 7
    settings.SIGN_IN_ATTEMPTS_PER_IP = 5
    settings.SIGN_IN_ATTEMPTS_WINDOW = 900
    settings.TRUSTED_PROXIES = []
    return settings


def request_from(ip: str, forwarded_for: str | None = None):
    extra = {"REMOTE_ADDR": ip}
    if forwarded_for is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded_for
    return RequestFactory().post("/graphql/", **extra)


def fail(times: int, username: str = "alice", ip: str = "203.0.113.7") -> None:
    for _ in range(times):
        password_attempt_reserve(username=username, request=request_from(ip))


def test_attempts_over_the_username_limit_are_refused_until_the_window_ends(limits, clock):
    # given
    clock.now = WINDOW_START + 100
    fail(3)

    # when
    with pytest.raises(RateLimitedError) as refused:
        fail(1)

    # then: the time to wait is what is left of the window
    assert refused.value.retry_after == 800
    clock.now = WINDOW_START + 900
    fail(1)


def test_a_stranger_using_up_a_username_from_one_address_spares_the_others(limits, clock):
    # given: a stranger uses up alice's budget from their address
    fail(3, ip="203.0.113.7")

    # when / then: refused there, while alice's own address still gets its tries
    with pytest.raises(RateLimitedError):
        fail(1, ip="203.0.113.7")
    attempt = password_attempt_reserve(username="alice", request=request_from("198.51.100.1"))
    password_attempt_succeeded(attempt)
    fail(3, ip="198.51.100.1")


def test_the_username_ceiling_stops_a_spray_from_many_addresses(limits, clock):
    # given: seven failures from three addresses, none over its own budget
    fail(3, ip="203.0.113.1")
    fail(3, ip="203.0.113.2")
    fail(1, ip="203.0.113.3")

    # then: the username is refused from every address, a fresh one included
    for ip in ("203.0.113.1", "203.0.113.3", "198.51.100.1"):
        with pytest.raises(RateLimitedError):
            fail(1, ip=ip)
    fail(1, username="bob", ip="198.51.100.1")


def test_the_username_ceiling_is_never_below_the_per_address_limit(limits, clock):
    # given: a ceiling equal to the per-address limit
    limits.SIGN_IN_ATTEMPTS_PER_USERNAME_ALL_IPS = 3
    fail(2, ip="203.0.113.1")
    fail(1, ip="203.0.113.2")

    # then
    with pytest.raises(RateLimitedError):
        fail(1, ip="203.0.113.2")


def test_username_variants_share_one_counter(limits, clock):
    # given
    fail(1, username="alice")
    fail(1, username="ALICE")
    fail(1, username="Alice")

    # then
    with pytest.raises(RateLimitedError):
        fail(1, username="alice")


def test_address_limit_applies_across_usernames(limits, clock):
    # given
    for name in ("a", "b", "c", "d", "e"):
        fail(1, username=name)

    # then
    with pytest.raises(RateLimitedError):
        fail(1, username="f")
    fail(1, username="f", ip="198.51.100.1")


def test_ipv6_clients_are_counted_by_their_64_bit_prefix(limits, clock):
    # given: five addresses of one /64
    for host in range(1, 6):
        fail(1, username=f"user{host}", ip=f"2001:db8:1:2::{host}")

    # then
    with pytest.raises(RateLimitedError):
        fail(1, username="other", ip="2001:db8:1:2:ffff::1")
    fail(1, username="other", ip="2001:db8:1:3::1")


def test_ipv4_mapped_addresses_are_each_their_own_client(limits, clock):
    # given: one IPv4 client over its limit, seen through a dual-stack socket
    for host in range(5):
        fail(1, username=f"user{host}", ip="::ffff:198.51.100.1")

    # then: it is refused, another IPv4 client is not
    with pytest.raises(RateLimitedError):
        fail(1, username="other", ip="198.51.100.1")
    fail(1, username="other", ip="::ffff:198.51.100.2")


def test_a_port_does_not_make_a_new_client(limits, clock):
    # given
    for port in range(5):
        fail(1, username=f"user{port}", ip=f"198.51.100.9:{5000 + port}")

    # then
    with pytest.raises(RateLimitedError):
        fail(1, username="other", ip="198.51.100.9:6000")


def test_correct_passwords_do_not_count(limits, clock):
    # when: many more successful attempts than the limit
    for _ in range(10):
        attempt = password_attempt_reserve(username="alice", request=request_from("203.0.113.7"))
        password_attempt_succeeded(attempt)

    # then
    fail(3)


def test_refused_attempts_do_not_count(limits, clock):
    # given: the address is over its limit, the username is not
    for name in ("a", "b", "c", "d", "e"):
        fail(1, username=name)

    # when: refused attempts for alice from that address
    for _ in range(5):
        with pytest.raises(RateLimitedError):
            fail(1, username="alice")

    # then: alice's counter took none of them
    fail(3, username="alice", ip="198.51.100.1")


def test_service_calls_without_a_request_count_per_username(limits, clock):
    # given
    for _ in range(3):
        password_attempt_reserve(username="alice", request=None)

    # then
    with pytest.raises(RateLimitedError):
        password_attempt_reserve(username="alice", request=None)


def test_cache_keys_reveal_no_username_or_address(limits):
    # when
    keys = [key for key, _ in attempt_keys(username="alice", ip="203.0.113.7", window_index=1)]

    # then: (username, address), username, address
    assert len(keys) == 3
    assert not any("alice" in key or "203.0.113.7" in key for key in keys)
    assert [limit for _, limit in attempt_keys(username="alice", ip=None, window_index=1)] == [
        3,
        7,
    ]


TRUSTED = ["10.0.0.0/8", "2001:db8:ffff::/48", "192.0.2.10"]


@pytest.mark.parametrize(
    ("peer", "forwarded_for", "expected"),
    [
        # The peer is no trusted proxy: the header is ignored, whatever it says.
        ("203.0.113.7", "198.51.100.1", "203.0.113.7"),
        ("203.0.113.7", "10.0.0.1", "203.0.113.7"),
        ("[2001:db8:1::1]:443", "198.51.100.1", "[2001:db8:1::1]:443"),
        # A trusted peer: the rightmost address that is no trusted proxy.
        ("10.0.0.1", "198.51.100.1", "198.51.100.1"),
        ("10.0.0.1", "6.6.6.6, 198.51.100.1", "198.51.100.1"),
        ("10.0.0.1", "6.6.6.6, 198.51.100.1, 10.0.0.2", "198.51.100.1"),
        ("10.0.0.1", "10.9.9.9, 198.51.100.1, 192.0.2.10", "198.51.100.1"),
        ("::ffff:10.0.0.1", "198.51.100.1", "198.51.100.1"),
        ("[2001:db8:ffff::5]:8080", "2001:db8:1::9", "2001:db8:1::9"),
        # Nothing but trusted proxies: the leftmost; no header: the peer.
        ("10.0.0.1", "10.0.0.3, 10.0.0.2", "10.0.0.3"),
        ("10.0.0.1", "", "10.0.0.1"),
        ("10.0.0.1", None, "10.0.0.1"),
    ],
)
def test_x_forwarded_for_is_read_only_from_a_trusted_proxy(settings, peer, forwarded_for, expected):
    # given
    settings.TRUSTED_PROXIES = TRUSTED

    # then
    assert client_ip(request_from(peer, forwarded_for)) == expected


def test_without_trusted_proxies_x_forwarded_for_is_never_read(settings):
    # given: the default
    settings.TRUSTED_PROXIES = []

    # then: even from loopback
    assert client_ip(request_from("127.0.0.1", "198.51.100.1")) == "127.0.0.1"


def test_spoofed_x_forwarded_for_does_not_escape_the_address_limit(limits, clock):
    # given: a proxy is trusted, but this client reaches the server directly
    # and rotates the header
    limits.TRUSTED_PROXIES = TRUSTED
    for number in range(5):
        password_attempt_reserve(
            username=f"user{number}", request=request_from("203.0.113.7", f"1.1.1.{number}")
        )

    # then
    with pytest.raises(RateLimitedError):
        password_attempt_reserve(username="x", request=request_from("203.0.113.7", "9.9.9.9"))


def test_clients_behind_a_trusted_proxy_have_their_own_limits(limits, clock):
    # given: one client behind the proxy over the address limit
    limits.TRUSTED_PROXIES = TRUSTED
    for number in range(5):
        password_attempt_reserve(
            username=f"user{number}", request=request_from("10.0.0.1", "198.51.100.1")
        )

    # then: it is refused, another client behind the same proxy is not
    with pytest.raises(RateLimitedError):
        password_attempt_reserve(username="x", request=request_from("10.0.0.1", "198.51.100.1"))
    password_attempt_reserve(username="x", request=request_from("10.0.0.1", "198.51.100.2"))


class BrokenCache:
    def __getattr__(self, name):
        def fail(*args, **kwargs):
            raise ConnectionError("cache is down")

        return fail


def test_a_cache_outage_fails_open_and_logs_an_error(limits, clock, monkeypatch, caplog):
    # given
    monkeypatch.setattr(throttling, "cache", BrokenCache())

    # when
    with caplog.at_level(logging.ERROR, logger="accounts.throttling"):
        attempts = [password_attempt_reserve(username="alice", request=None) for _ in range(5)]
        password_attempt_succeeded(attempts[0])

    # then
    assert [attempt.keys for attempt in attempts] == [()] * 5
    assert len(caplog.records) == 5
    assert "NOT limited" in caplog.records[0].getMessage()


def test_cache_is_the_one_ci_expects():
    # CI's Redis pass sets EXPECTED_CACHE_BACKEND=redis, so it can never fall back
    # to local memory unnoticed.
    expected = os.environ.get("EXPECTED_CACHE_BACKEND")
    if not expected:
        pytest.skip("EXPECTED_CACHE_BACKEND is not set")
    backends = {"redis": RedisCache, "locmem": LocMemCache}
    assert isinstance(caches["default"], backends[expected])


def test_attempts_are_shared_with_another_process(limits, clock):
    # given: another worker process, on the same clock, records failures
    if not isinstance(caches["default"], RedisCache):
        pytest.skip("needs the shared cache: set REDIS_URL (CI's Redis pass does)")
    script = (
        "import django; django.setup()\n"
        "from django.test import override_settings\n"
        "from accounts import throttling\n"
        f"throttling._now = lambda: {WINDOW_START}.0\n"
        "with override_settings(SIGN_IN_ATTEMPTS_PER_USERNAME=3):\n"
        "    for _ in range(3):\n"
        "        throttling.password_attempt_reserve(username='alice', request=None)\n"
    )
    run_in_another_process(script)

    # then: this process sees them
    with pytest.raises(RateLimitedError):
        password_attempt_reserve(username="alice", request=None)


def test_a_request_refused_for_its_client_address_writes_no_counter_for_its_mail_address(
    settings, clock
):
    # given: a client over its budget of e-mail requests
    from django.core.cache import cache

    from accounts.sign_up import mail_requests_throttle

    settings.MAIL_REQUESTS_PER_IP = 1
    settings.MAIL_REQUESTS_WINDOW = 3600
    settings.TRUSTED_PROXIES = []
    scope = "password-reset"
    mail_requests_throttle(email="a@example.com", request=request_from("203.0.113.7"), scope=scope)

    # when: it asks again, for a new address each time
    for number in range(3):
        with pytest.raises(RateLimitedError):
            mail_requests_throttle(
                email=f"new{number}@example.com", request=request_from("203.0.113.7"), scope=scope
            )

    # then: no counter exists for those addresses; the first one's does
    window_index = int(clock.now // 3600)

    def counter(email: str):
        digest = throttling._digest(scope, f"address:{email}")
        return cache.get(f"throttle:{scope}:{digest}:{window_index}")

    assert counter("a@example.com") == 1
    assert [counter(f"new{number}@example.com") for number in range(3)] == [None] * 3


def test_the_client_address_is_worked_out_once_per_request(rf, settings):
    # given: a request through a trusted proxy, its address read once
    settings.TRUSTED_PROXIES = ["127.0.0.1"]
    request = rf.get("/", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.7")
    first = client_ip(request)

    # when: asked again (the budget middleware, the view and the throttles all ask)
    request.META["HTTP_X_FORWARDED_FOR"] = "198.51.100.1"
    again = client_ip(request)

    # then: the first answer, not a second parse of the headers
    assert (first, again) == ("203.0.113.7", "203.0.113.7")
