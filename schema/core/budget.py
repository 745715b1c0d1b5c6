"""Query cost budgets: points per caller per fixed window, counted in the shared cache.

What passes the maximum (cost_checks.py) is charged to the caller's budget:
points per fixed window of GRAPHQL_COST_BUDGET_WINDOW seconds,
GRAPHQL_COST_BUDGET_PER_USER for a signed-in user, GRAPHQL_COST_BUDGET_PER_IP for
an anonymous client's address, counted in Django's cache (Redis in production,
so shared by every worker and instance) through accounts/counters.py: one Redis
round trip per charge. Over the budget: refused, and nothing charged; an
anonymous address refused is remembered by the worker until its window ends
(worker_throttles.RefusalMemo).

If the cache fails the budget fails open: the request runs, one error line is
logged, and the budget is not tried again for CACHE_RETRY_SECONDS, so a hung
cache cannot add its timeout to every request.
"""

import logging
import math
import threading
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from django.utils.crypto import salted_hmac

from accounts.counters import counter_add_within
from accounts.request_context import request_context
from accounts.throttling import client_ip, ip_identity
from schema.core.worker_throttles import refusal_memo

logger = logging.getLogger("schema.cost")

KEY_PREFIX = "cost:budget"
# Counters outlive their window a little (a clock a little behind Redis' still finds it).
KEY_SLACK_SECONDS = 60
# After a cache failure, the budget is skipped this long (per process).
CACHE_RETRY_SECONDS = 10
FAIL_OPEN_MESSAGE = (
    "Query cost budgets are NOT enforced: the cache failed (failing open for %s s). Fix the cache."
)


@dataclass(frozen=True)
class ThrottleStatus:
    """A caller's budget in the current window, after this request."""

    budget: int
    remaining: int
    window_resets_in: int

    @property
    def formatted(self) -> dict[str, int]:
        return {
            "budget": self.budget,
            "remaining": self.remaining,
            "windowResetsIn": self.window_resets_in,
        }


@dataclass(frozen=True)
class BudgetCharge:
    """The outcome of charging a request's cost: its status, and whether it was refused."""

    status: ThrottleStatus | None
    refused: bool = False


def _now() -> float:
    return time.time()


_outage_lock = threading.Lock()
_cache_failed_until = 0.0


def _digest(scope: str, identity: str) -> str:
    # Keyed, so the cache's contents reveal no addresses.
    return salted_hmac(f"{KEY_PREFIX}:{scope}", identity, algorithm="sha256").hexdigest()


def budget_key(request: HttpRequest) -> tuple[str, int] | None:
    """The counter (cache key without its window) and budget this request is charged to."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        scope, identity, budget = "user", str(user.pk), settings.GRAPHQL_COST_BUDGET_PER_USER
    else:
        ip = client_ip(request)
        if not ip:
            return None
        scope, identity, budget = "ip", ip_identity(ip), settings.GRAPHQL_COST_BUDGET_PER_IP
    # The keyed hash once per request and caller (the middleware asks before the
    # caller is known, the view after: an anonymous caller's is the same).
    context = request_context(request)
    if context.budget_counter is None or context.budget_counter[0] != (scope, identity):
        key = f"{KEY_PREFIX}:{scope}:{_digest(scope, identity)}"
        context.budget_counter = ((scope, identity), key)
    return context.budget_counter[1], budget


def signed_in(request: HttpRequest) -> bool:
    """Whether the request's caller is a signed-in user (charged per user, not per address)."""
    user = getattr(request, "user", None)
    return user is not None and user.is_authenticated


def budget_refusal_remembered(request: HttpRequest) -> int | None:
    """Seconds until an anonymous caller's refused window ends, if this process refused them."""
    if signed_in(request):
        return None
    counter = budget_key(request)
    if counter is None or counter[1] <= 0:
        return None
    now = _now()
    until = refusal_memo.refused_until(counter[0], now)
    return None if until is None else max(1, math.ceil(until - now))


def budget_charge(request: HttpRequest, cost: int) -> BudgetCharge:
    """Charge `cost` points to the caller's budget; refused (and given back) when over it."""
    global _cache_failed_until
    counter = budget_key(request)
    if counter is None or counter[1] <= 0:
        return BudgetCharge(status=None)
    key, budget = counter
    now = _now()
    if now < _cache_failed_until:
        return BudgetCharge(status=None)
    window = settings.GRAPHQL_COST_BUDGET_WINDOW
    window_index = int(now // window)
    resets_in = max(1, math.ceil((window_index + 1) * window - now))
    key = f"{key}:{window_index}"
    try:
        if cost <= 0:
            # Nothing to charge: no write, only what is left when the client asks.
            total = cache.get(key, 0)
        else:
            total, charged = counter_add_within(
                cache, key, cost, limit=budget, timeout=resets_in + KEY_SLACK_SECONDS
            )
            if not charged:
                if not signed_in(request):
                    refusal_memo.remember(counter[0], now + resets_in)
                return BudgetCharge(
                    status=ThrottleStatus(budget, max(0, budget - total), resets_in),
                    refused=True,
                )
    except Exception:
        with _outage_lock:
            _cache_failed_until = now + CACHE_RETRY_SECONDS
        logger.exception(FAIL_OPEN_MESSAGE, CACHE_RETRY_SECONDS)
        return BudgetCharge(status=None)
    return BudgetCharge(status=ThrottleStatus(budget, max(0, budget - total), resets_in))
