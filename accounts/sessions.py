"""Sessions: what a sign-in chain records about its client, and which ones ended lately.

A session is one sign-in chain (the refresh tokens that rotation creates, one
`family`); its id is the family's UUID, carried in every access token as `sid`.

Ending a session revokes its refresh tokens in the database. Its access tokens
are refused through `User.ended_sessions`, which the request's user row (loaded
anyway) carries: no extra query per request. An entry is needed only while an
access token of that session may still be unexpired, so entries are pruned as
soon as they can no longer matter, and the map is capped (ENDED_SESSIONS_MAX):
past the cap, ending a session ends every session instead (fails closed).
"""

import ipaddress
import time

from django.conf import settings
from django.http import HttpRequest

from accounts.throttling import address_parse, address_unmapped, client_ip

USER_AGENT_MAX_LENGTH = 200
# A coarse network, enough to recognise "home" or "office", not the machine.
IPV4_PREFIX_LENGTH = 24
IPV6_PREFIX_LENGTH = 48
# Far above what a person needs (a few sessions ended in the last 5 minutes),
# and small enough for the user row: at most ~4 KB of JSON.
ENDED_SESSIONS_MAX = 100


def user_agent_of(request: HttpRequest | None) -> str:
    """The request's User-Agent header, cut to USER_AGENT_MAX_LENGTH characters."""
    if request is None:
        return ""
    # Control characters have no business in a list a user reads.
    text = "".join(
        char if char.isprintable() else " " for char in request.headers.get("User-Agent", "")
    )
    return text.strip()[:USER_AGENT_MAX_LENGTH]


def ip_network_of(request: HttpRequest | None) -> str:
    """The client's /24 (IPv4) or /48 (IPv6) network, as the throttles see the client.

    REMOTE_ADDR, or X-Forwarded-For behind TRUSTED_PROXIES (accounts.throttling.client_ip);
    empty when there is no request or the address does not parse.
    """
    address = address_parse(client_ip(request) or "")
    if address is None:
        return ""
    address = address_unmapped(address)
    prefix = IPV4_PREFIX_LENGTH if address.version == 4 else IPV6_PREFIX_LENGTH
    return str(ipaddress.ip_network(f"{address}/{prefix}", strict=False))


def access_tokens_live_until(last_issued_at: float) -> int:
    """The unix time after which no access token issued at `last_issued_at` is accepted."""
    lifetime = settings.JWT_ACCESS_TOKEN_LIFETIME.total_seconds()
    # Leeway on `exp`, and a margin for a token signed just after its chain's
    # last row was written (accounts.services.token_refresh signs after commit).
    return int(last_issued_at + lifetime + 2 * settings.JWT_LEEWAY + 60)


def ended_sessions_record(
    ended: dict[str, int], *, sessions: dict[str, float], now: float | None = None
) -> dict[str, int] | None:
    """`ended` with `sessions` ({id: when its last access token was issued}) added, pruned.

    Only sessions with a possibly unexpired access token are kept. None when the
    result would hold more than ENDED_SESSIONS_MAX entries: the caller must then
    end every session of the user instead.
    """
    now = time.time() if now is None else now
    kept = {sid: until for sid, until in ended.items() if until > now}
    for sid, last_issued_at in sessions.items():
        until = access_tokens_live_until(last_issued_at)
        if until > now:
            kept[sid] = max(until, kept.get(sid, 0))
    if len(kept) > ENDED_SESSIONS_MAX:
        return None
    return kept


def session_is_ended(user, session_id: str) -> bool:
    """Whether `session_id` is one of the user's sessions ended lately (no query)."""
    ended = user.ended_sessions
    return isinstance(ended, dict) and session_id in ended
