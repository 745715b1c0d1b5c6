"""Fixed-window budgets for actions a stranger could abuse (not passwords: throttling.py).

One counter per (scope, identity, window) in Django's cache, which is Redis
when REDIS_URL is set, so every worker shares it. Each request is one atomic
increment (accounts/counters.py: one Redis round trip), so parallel requests
cannot overshoot. Keys are keyed digests: the
cache's contents reveal no user or address. If the cache fails the budget
fails open (logged): a cache outage must not stop the service.
"""

import logging
import math
import time

from django.core.cache import cache
from django.utils.crypto import salted_hmac

from accounts.counters import counter_add
from accounts.exceptions import RateLimitedError

logger = logging.getLogger("accounts.rate_limits")

KEY_PREFIX = "throttle:action"
# Counters outlive their window a little, as in throttling.py.
KEY_SLACK_SECONDS = 60


def rate_limit_take(*, scope: str, identity: str, limit: int, window: int, what: str) -> None:
    """Count one action of `identity` in `scope`; RateLimitedError once over `limit` per window.

    `what` names the actions in the error's message ("invitations").
    """
    now = time.time()
    window_index = int(now // window)
    retry_after = max(1, math.ceil((window_index + 1) * window - now))
    digest = salted_hmac(f"{KEY_PREFIX}:{scope}", identity, algorithm="sha256").hexdigest()
    key = f"{KEY_PREFIX}:{scope}:{digest}:{window_index}"
    try:
        count = counter_add(cache, key, 1, timeout=retry_after + KEY_SLACK_SECONDS)
    except Exception:
        logger.exception("The %s budget is NOT enforced: the cache failed (failing open).", scope)
        return
    if count > limit:
        raise RateLimitedError(retry_after=retry_after, what=what)
