"""Brute-force protection for every password check: tokenAuth, changePassword, the admin.

Every door that checks a password goes through `password_check_throttled`, so a
wrong password anywhere counts against the same budgets. Each attempt takes one
slot in three counters, in fixed windows of SIGN_IN_ATTEMPTS_WINDOW seconds:

- the username from this client address (SIGN_IN_ATTEMPTS_PER_USERNAME): a
  stranger guessing from their own address uses up only their own budget, so
  the user can still sign in from theirs;
- the username from all addresses (SIGN_IN_ATTEMPTS_PER_USERNAME_ALL_IPS, much
  higher): a spray of guesses at one username from many addresses still stops;
- the client address (SIGN_IN_ATTEMPTS_PER_IP), across usernames.

Usernames are normalised ("Alice" and "alice" share counters); an IPv6 client
counts by its /64, which one host usually owns whole. The client address is
REMOTE_ADDR, or taken from X-Forwarded-For only when REMOTE_ADDR is one of
TRUSTED_PROXIES (see `client_ip`). The counters live in Django's cache: Redis
when REDIS_URL is set, so every worker process and machine shares them. Each
slot is one atomic increment (accounts/counters.py: one Redis round trip), so
parallel attempts cannot overshoot.

A correct password gives its slots back, so only failures accumulate; an attempt
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
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import TypeVar

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from django.utils.crypto import salted_hmac

from accounts.counters import counter_add, counter_give_back
from accounts.exceptions import RateLimitedError
from accounts.request_context import request_context

logger = logging.getLogger("accounts.throttling")

KEY_PREFIX = "throttle:password"
# Counters outlive their window a little, so a slot taken at a window's end is
# given back to its counter rather than to nothing.
KEY_SLACK_SECONDS = 60
IPV6_PREFIX_LENGTH = 64


@dataclass(frozen=True)
class PasswordAttempt:
    """The counters one password attempt took a slot in."""

    keys: tuple[str, ...]
    # Marks the address as the user's own once the password proves right.
    known_address_key: str | None = None


Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def _now() -> float:
    return time.time()


def address_parse(text: str) -> Address | None:
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


def address_unmapped(address: Address) -> Address:
    # ::ffff:203.0.113.7 on a dual-stack socket is the IPv4 client itself.
    if address.version == 6 and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def ip_identity(ip: str) -> str:
    address = address_parse(ip)
    if address is None:
        return ip
    # An IPv4-mapped address is its IPv4 client, not one of a /64 that every
    # IPv4 client would share.
    address = address_unmapped(address)
    if address.version == 6:
        network = ipaddress.ip_network(f"{address}/{IPV6_PREFIX_LENGTH}", strict=False)
        return str(network)
    return str(address)


@lru_cache(maxsize=4)
def _trusted_networks(entries: tuple[str, ...]) -> tuple[Network, ...]:
    # The settings validated every entry at start; parsed once per process.
    return tuple(ipaddress.ip_network(entry.strip(), strict=False) for entry in entries)


def _is_trusted_proxy(address: Address | None) -> bool:
    if address is None:
        return False
    address = address_unmapped(address)
    return any(address in network for network in _trusted_networks(tuple(settings.TRUSTED_PROXIES)))


def client_ip(request: HttpRequest | None) -> str | None:
    """The client's address: REMOTE_ADDR, or X-Forwarded-For behind a trusted proxy.

    X-Forwarded-For is read only when the direct peer (REMOTE_ADDR) is one of
    TRUSTED_PROXIES, whatever address the server binds: a client that reaches
    the server directly cannot choose its own address. Then the header is walked
    from the right, skipping addresses of trusted proxies; the first other one is
    the client (anything to its left was written by the client itself). When
    every address is a trusted proxy, the leftmost one is the client.
    """
    if request is None:
        return None
    context = request_context(request)
    if not context.client_address_known:
        context.client_address = _client_ip(request)
        context.client_address_known = True
    return context.client_address


def _client_ip(request: HttpRequest) -> str | None:
    peer = request.META.get("REMOTE_ADDR") or None
    if peer is None or not _is_trusted_proxy(address_parse(peer)):
        return peer
    forwarded = [
        part.strip()
        for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
        if part.strip()
    ]
    client = peer
    for hop in reversed(forwarded):
        client = hop
        if not _is_trusted_proxy(address_parse(hop)):
            # Written by a trusted proxy: what it saw. Unparsable text still
            # counts, as its own client, rather than falling back to the proxy.
            break
    return client


def _username_identity(username: str) -> str:
    return unicodedata.normalize("NFKC", username).casefold()


def _digest(scope: str, identity: str) -> str:
    # Keyed, so the cache's contents reveal no usernames or addresses.
    return salted_hmac(f"{KEY_PREFIX}:{scope}", identity, algorithm="sha256").hexdigest()


def _pair(username: str, ip: str | None) -> str:
    address = ip_identity(ip) if ip else ""
    # Length-prefixed, so no two (address, username) pairs make the same text.
    return f"{len(address)}:{address}{_username_identity(username)}"


def known_address_key(*, username: str, ip: str | None) -> str | None:
    """The cache key that marks `ip` as one `username` signed in from lately (None: no address)."""
    if not ip:
        return None
    return f"{KEY_PREFIX}:known:{_digest('known', _pair(username, ip))}"


def attempt_keys(
    *, username: str, ip: str | None, window_index: int, known_address: bool = False
) -> list[tuple[str, int]]:
    """The counters (cache key, limit) that an attempt in this window counts in.

    Without a request (a service called from a shell) the address is unknown;
    such attempts share one "unknown address" budget per username. From an
    address the user signed in from lately (`known_address`), the username's
    ceiling across all addresses does not apply: strangers spraying guesses
    from many addresses cannot lock the user out of their own.
    """
    user = _username_identity(username)
    address = ip_identity(ip) if ip else ""
    keys = [
        (
            f"{KEY_PREFIX}:username-ip:{_digest('username-ip', _pair(username, ip))}",
            settings.SIGN_IN_ATTEMPTS_PER_USERNAME,
        ),
    ]
    if not known_address:
        keys.append(
            (
                f"{KEY_PREFIX}:username:{_digest('username', user)}",
                settings.SIGN_IN_ATTEMPTS_PER_USERNAME_ALL_IPS,
            )
        )
    if address:
        keys.append((f"{KEY_PREFIX}:ip:{_digest('ip', address)}", settings.SIGN_IN_ATTEMPTS_PER_IP))
    return [(f"{key}:{window_index}", limit) for key, limit in keys]


def _take_slot(key: str, timeout: int) -> int:
    return counter_add(cache, key, 1, timeout=timeout)


def _give_slot_back(key: str) -> None:
    counter_give_back(cache, key, 1)


def password_attempt_reserve(*, username: str, request: HttpRequest | None) -> PasswordAttempt:
    """Take a slot for one password attempt, or raise RateLimitedError."""
    now = _now()
    window = settings.SIGN_IN_ATTEMPTS_WINDOW
    window_index = int(now // window)
    retry_after = max(1, math.ceil((window_index + 1) * window - now))
    taken: list[str] = []
    limited = False
    ip = client_ip(request)
    try:
        known_key = known_address_key(username=username, ip=ip)
        known = known_key is not None and cache.get(known_key) is not None
        for key, limit in attempt_keys(
            username=username, ip=ip, window_index=window_index, known_address=known
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
    return PasswordAttempt(keys=tuple(taken), known_address_key=known_key)


def password_attempt_succeeded(attempt: PasswordAttempt) -> None:
    """The password was right: give the attempt's slots back, and remember the address."""
    try:
        for key in attempt.keys:
            _give_slot_back(key)
        if attempt.known_address_key is not None:
            cache.set(attempt.known_address_key, 1, timeout=settings.SIGN_IN_KNOWN_ADDRESS_SECONDS)
    except Exception:
        logger.exception("Could not give a password attempt's slots back: the cache failed.")


Checked = TypeVar("Checked")


def password_check_throttled(
    *, username: str, request: HttpRequest | None, check: Callable[[], Checked]
) -> Checked:
    """Run one password check under the sign-in limits; every door uses this.

    `check` runs the hasher and returns something truthy when the password is
    right (a user, True). Over a limit it never runs: RateLimitedError is raised.
    """
    attempt = password_attempt_reserve(username=username, request=request)
    result = check()
    if result:
        password_attempt_succeeded(attempt)
    return result


def requests_throttle(*, scope: str, limits: dict[str, int], what: str) -> None:
    """Count one request in each of `limits` ({identity: limit}) for this window, or refuse.

    For actions a stranger could repeat to flood someone's mailbox or the
    server (sign-up, e-mail requests): every request counts, whatever its
    outcome, in fixed windows of MAIL_REQUESTS_WINDOW seconds. Over any limit,
    RateLimitedError (and no slot is kept); list the identity a client cannot
    vary (its address) first. Identities are keyed digests, as for
    passwords; a cache failure fails open, logged.
    """
    now = _now()
    window = settings.MAIL_REQUESTS_WINDOW
    window_index = int(now // window)
    retry_after = max(1, math.ceil((window_index + 1) * window - now))
    taken: list[str] = []
    limited = False
    try:
        for identity, limit in limits.items():
            key = f"throttle:{scope}:{_digest(scope, identity)}:{window_index}"
            taken.append(key)
            if _take_slot(key, retry_after + KEY_SLACK_SECONDS) > limit:
                # Stop here: a refused request creates no counter for the identities
                # after this one (else each refused request, with a new e-mail
                # address, would still write a cache key).
                limited = True
                break
        if limited:
            for key in taken:
                _give_slot_back(key)
    except Exception:
        logger.exception("%s are NOT limited: the cache failed (failing open).", what.capitalize())
        return
    if limited:
        raise RateLimitedError(retry_after=retry_after, what=what)


def email_identity(email: str) -> str:
    """An e-mail address as the throttles count it: trimmed, case-folded."""
    return unicodedata.normalize("NFKC", email.strip()).casefold()
