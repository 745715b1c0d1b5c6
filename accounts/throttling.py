"""Brute-force protection for password checks (tokenAuth and changePassword).

Each password attempt takes one slot in two counters: one for the username
(normalised, so "Alice" and "alice" share it) and one for the client IP (an IPv6
client by its /64, which one host usually owns whole). The counters live in
Django's cache, in fixed windows of SIGN_IN_ATTEMPTS_WINDOW seconds: Redis when
REDIS_URL is set, so every worker process and machine shares them. `cache.add`
and `cache.incr` are atomic, so parallel attempts cannot overshoot a limit.

A correct password gives its slot back, so only failures accumulate; an attempt
refused for being over a limit gives its slots back too. Over a limit, the answer
is RateLimitedError with the seconds left in the window, and no password is
checked at all (for a known or an unknown username alike).

If the cache fails, the check fails open: sign-in keeps working unthrottled and
every such attempt logs an error. A cache outage must not lock every user out;
the password hasher still makes each guess slow.
"""

import ipaddress
import logging
import math
import time
import unicodedata
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from django.utils.crypto import salted_hmac

from accounts.exceptions import RateLimitedError

logger = logging.getLogger("accounts.throttling")

KEY_PREFIX = "throttle:password"
# Counters outlive their window a little, so a slot is never given back to a
# counter that already expired (which would recreate it without an expiry).
KEY_SLACK_SECONDS = 60
IPV6_PREFIX_LENGTH = 64


@dataclass(frozen=True)
class PasswordAttempt:
    """The counters one password attempt took a slot in."""

    keys: tuple[str, ...]


def _now() -> float:
    return time.time()


def client_ip(request: HttpRequest | None) -> str | None:
    """The client's address: REMOTE_ADDR, or X-Forwarded-For as far as proxies are trusted.

    With TRUSTED_PROXY_COUNT = n, the n-th address from the right of
    X-Forwarded-For is the one the outermost trusted proxy saw; anything to its
    left was written by the client and is ignored.
    """
    if request is None:
        return None
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies:
        forwarded = [
            part.strip()
            for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
            if part.strip()
        ]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR") or None


def _parse_address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """An address from REMOTE_ADDR or X-Forwarded-For, with any port stripped."""
    text = text.strip()
    candidates = [text]
    if text.startswith("[") and "]" in text:  # [2001:db8::1]:443
        candidates.insert(0, text[1 : text.index("]")])
    elif text.count(":") == 1:  # 203.0.113.7:5555
        candidates.insert(0, text.split(":", 1)[0])
    for candidate in candidates:
        try:
            return ipaddress.ip_address(candidate)
        except ValueError:
            continue
    return None


def _ip_identity(ip: str) -> str:
    address = _parse_address(ip)
    if address is None:
        return ip
    if address.version == 6 and address.ipv4_mapped is not None:
        # ::ffff:203.0.113.7 on a dual-stack socket is the IPv4 client itself,
        # not one of a /64 that every IPv4 client would share.
        address = address.ipv4_mapped
    if address.version == 6:
        network = ipaddress.ip_network(f"{address}/{IPV6_PREFIX_LENGTH}", strict=False)
        return str(network)
    return str(address)


def _username_identity(username: str) -> str:
    return unicodedata.normalize("NFKC", username).casefold()


def _digest(scope: str, identity: str) -> str:
    # Keyed, so the cache's contents reveal no usernames or addresses.
    return salted_hmac(f"{KEY_PREFIX}:{scope}", identity, algorithm="sha256").hexdigest()


def attempt_keys(*, username: str, ip: str | None, window_index: int) -> list[tuple[str, int]]:
    """The counters (cache key, limit) that an attempt in this window counts in."""
    keys = [
        (
            f"{KEY_PREFIX}:username:{_digest('username', _username_identity(username))}",
            settings.SIGN_IN_ATTEMPTS_PER_USERNAME,
        )
    ]
    if ip:
        keys.append(
            (
                f"{KEY_PREFIX}:ip:{_digest('ip', _ip_identity(ip))}",
                settings.SIGN_IN_ATTEMPTS_PER_IP,
            )
        )
    return [(f"{key}:{window_index}", limit) for key, limit in keys]


def _take_slot(key: str, timeout: int) -> int:
    if cache.add(key, 1, timeout):
        return 1
    try:
        count = cache.incr(key)
    except ValueError:
        # Expired between add() and incr(): this attempt starts it again.
        return 1 if cache.add(key, 1, timeout) else cache.incr(key)
    if count == 1:
        # Redis' INCR recreated a key that expired after its EXISTS check,
        # without an expiry: give it one.
        cache.touch(key, timeout)
    return count


def _give_slot_back(key: str) -> None:
    try:
        if cache.decr(key) < 0:
            cache.delete(key)
    except ValueError:
        # The counter is gone already (its window ended, or the cache was flushed).
        pass


def password_attempt_reserve(*, username: str, request: HttpRequest | None) -> PasswordAttempt:
    """Take a slot for one password attempt, or raise RateLimitedError."""
    now = _now()
    window = settings.SIGN_IN_ATTEMPTS_WINDOW
    window_index = int(now // window)
    retry_after = max(1, math.ceil((window_index + 1) * window - now))
    taken: list[str] = []
    limited = False
    try:
        for key, limit in attempt_keys(
            username=username, ip=client_ip(request), window_index=window_index
        ):
            count = _take_slot(key, retry_after + KEY_SLACK_SECONDS)
            taken.append(key)
            limited = limited or count > limit
        if limited:
            for key in taken:
                _give_slot_back(key)
    except Exception:
        logger.exception(
            "Password attempts are NOT limited: the cache failed (failing open). Fix the cache."
        )
        return PasswordAttempt(keys=())
    if limited:
        raise RateLimitedError(retry_after=retry_after)
    return PasswordAttempt(keys=tuple(taken))


def password_attempt_succeeded(attempt: PasswordAttempt) -> None:
    """The password was right: give the attempt's slots back."""
    try:
        for key in attempt.keys:
            _give_slot_back(key)
    except Exception:
        logger.exception("Could not give a password attempt's slots back: the cache failed.")
