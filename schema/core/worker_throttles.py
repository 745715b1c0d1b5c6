"""What each worker process remembers on its own, to refuse a flood cheaply.

Both are bounded, per process, and only optimisations or caps on top of the
budgets in the shared cache (budget.py), which stay the authority.
"""

import threading
from collections import OrderedDict

from django.conf import settings


class RefusalMemo:
    """Anonymous callers refused for their budget, and until when: a bounded memo per process.

    Once an anonymous caller's budget refuses them, every request from that
    address is refused until the window ends (a signed-in user's smaller
    operations still pass when a larger one was refused). Remembering that in
    the worker answers the address's next requests before the body is even
    parsed and without a cache round trip, so a client hammering past its budget
    costs the server almost nothing. An optimisation
    only: the counters in the shared cache stay the authority, and an entry
    pushed out (at most MAX_ENTRIES, least recently refused first) just sends that
    caller back to them.
    """

    MAX_ENTRIES = 10_000

    def __init__(self) -> None:
        self._until: OrderedDict[str, float] = OrderedDict()
        self._lock = threading.Lock()

    def refused_until(self, key: str, now: float) -> float | None:
        with self._lock:
            until = self._until.get(key)
            if until is None:
                return None
            if until <= now:
                del self._until[key]
                return None
            return until

    def remember(self, key: str, until: float) -> None:
        with self._lock:
            self._until[key] = until
            self._until.move_to_end(key)
            while len(self._until) > self.MAX_ENTRIES:
                self._until.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._until.clear()

    def __len__(self) -> int:
        return len(self._until)


refusal_memo = RefusalMemo()


class PreparationBucket:
    """A token bucket per process for anonymous callers' new documents.

    The per-address budget stops one address; strangers with many addresses
    (or a botnet) each get a fresh one. This caps what all anonymous callers
    together can make one worker spend preparing documents it has not seen:
    GRAPHQL_ANONYMOUS_PREPARATIONS_PER_SECOND, bursts up to the same number.
    Legitimate anonymous clients send a few documents that are cached after the
    first time and never notice; during such a flood, a new one may wait a second.
    """

    def __init__(self) -> None:
        self._tokens = 0.0
        self._updated: float | None = None
        self._lock = threading.Lock()

    def take(self, now: float) -> bool:
        rate = settings.GRAPHQL_ANONYMOUS_PREPARATIONS_PER_SECOND
        if rate <= 0:
            return True
        with self._lock:
            if self._updated is None:
                self._tokens = float(rate)
            else:
                self._tokens = min(float(rate), self._tokens + (now - self._updated) * rate)
            self._updated = now
            if self._tokens < 1:
                return False
            self._tokens -= 1
            return True

    def reset(self) -> None:
        with self._lock:
            self._tokens, self._updated = 0.0, None


anonymous_preparations = PreparationBucket()
