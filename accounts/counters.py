"""Fixed-window counters in Django's cache: the one primitive of every throttle and budget.

A counter is created by its window's first increment, with that window's expiry;
later increments add to it and leave the expiry alone; giving back subtracts, and
never recreates a counter that expired. The sign-in and mail throttles
(throttling.py), the action budgets (rate_limits.py), the query cost budget
(schema/core/budget.py) and the persisted-query quota count here.

On Django's RedisCache each call is one round trip: a small Lua script that
Redis runs atomically (INCRBY, and EXPIRE when the key has none), where Django's
own `incr` is two (EXISTS, then INCRBY) and `add` then `incr` up to three. An
increment that creates the key gives it its expiry in the same step, so no
counter is ever left without one, whatever expires in between. Any other
backend (LocMemCache in the tests, Memcached) goes through the cache API: `add`,
then `incr`, both atomic there.

Errors are the caller's: each throttle decides how it fails open.
"""

import hashlib
from dataclasses import dataclass

from django.core.cache.backends.base import BaseCache
from django.core.cache.backends.redis import RedisCacheClient
from redis.exceptions import NoScriptError


@dataclass(frozen=True)
class _Script:
    source: str
    sha: str


def _script(source: str) -> _Script:
    # Redis names a script by its SHA-1: EVALSHA sends the name, not the text.
    sha = hashlib.sha1(source.encode(), usedforsecurity=False).hexdigest()
    return _Script(source=source, sha=sha)


# TTL -1: the key exists without an expiry, i.e. this INCRBY created it.
_EXPIRE_IF_NEW = (
    "if redis.call('TTL', KEYS[1]) == -1 then redis.call('EXPIRE', KEYS[1], ARGV[2]) end\n"
)
# KEYS[1] the counter; ARGV[1] the amount, ARGV[2] the expiry in seconds.
_ADD = _script(
    f"local total = redis.call('INCRBY', KEYS[1], ARGV[1])\n{_EXPIRE_IF_NEW}return total\n"
)
# As _ADD, but only while the total stays within ARGV[3]: {total, 1} added, {total, 0} not.
_ADD_WITHIN = _script(
    "local total = tonumber(redis.call('GET', KEYS[1]) or '0')\n"
    "if total + tonumber(ARGV[1]) > tonumber(ARGV[3]) then return {total, 0} end\n"
    "total = redis.call('INCRBY', KEYS[1], ARGV[1])\n"
    f"{_EXPIRE_IF_NEW}"
    "return {total, 1}\n"
)
# KEYS[1] the counter; ARGV[1] the amount. Nothing (nil) when the counter is gone.
_GIVE_BACK = _script(
    "if redis.call('EXISTS', KEYS[1]) == 0 then return false end\n"
    "local total = redis.call('DECRBY', KEYS[1], ARGV[1])\n"
    "if total < 0 then redis.call('DEL', KEYS[1]) end\n"
    "return total\n"
)


def _redis(cache: BaseCache) -> RedisCacheClient | None:
    # Django's RedisCache keeps its client in `_cache`; read through the attribute
    # so that `django.core.cache.cache`, a proxy of the default cache, counts too.
    client = getattr(cache, "_cache", None)
    return client if isinstance(client, RedisCacheClient) else None


def _redis_run(cache: BaseCache, redis: RedisCacheClient, script: _Script, key: str, *args: int):
    key = cache.make_and_validate_key(key)
    client = redis.get_client(key, write=True)
    try:
        return client.evalsha(script.sha, 1, key, *args)
    except NoScriptError:
        # Redis restarted (or flushed its scripts): EVAL runs it, and keeps it for EVALSHA.
        return client.eval(script.source, 1, key, *args)


def _positive(timeout: int) -> int:
    if timeout <= 0:
        raise ValueError("A counter needs a positive timeout (seconds).")
    return int(timeout)


def counter_add(cache: BaseCache, key: str, amount: int, *, timeout: int) -> int:
    """Add `amount` to the counter `key` (created with an expiry of `timeout` s); its new total."""
    timeout = _positive(timeout)
    if redis := _redis(cache):
        return int(_redis_run(cache, redis, _ADD, key, amount, timeout))
    if cache.add(key, amount, timeout):
        return amount
    try:
        return cache.incr(key, amount)
    except ValueError:
        # Expired between add() and incr(): this increment starts it again.
        return amount if cache.add(key, amount, timeout) else cache.incr(key, amount)


def counter_add_within(
    cache: BaseCache, key: str, amount: int, *, limit: int, timeout: int
) -> tuple[int, bool]:
    """Add `amount` to the counter `key` unless its total would pass `limit`.

    Returns the total and whether `amount` was added: refused, the total is what
    the counter holds without it. On Redis one round trip, and a refusal writes
    nothing; elsewhere the amount is added, then given back (two calls).
    """
    timeout = _positive(timeout)
    if redis := _redis(cache):
        total, added = _redis_run(cache, redis, _ADD_WITHIN, key, amount, timeout, limit)
        return int(total), bool(added)
    total = counter_add(cache, key, amount, timeout=timeout)
    if total <= limit:
        return total, True
    counter_give_back(cache, key, amount)
    return total - amount, False


def counter_give_back(cache: BaseCache, key: str, amount: int) -> None:
    """Take `amount` back from the counter `key` if it is still there (deleted below zero)."""
    if redis := _redis(cache):
        _redis_run(cache, redis, _GIVE_BACK, key, amount)
        return
    try:
        if cache.decr(key, amount) < 0:
            cache.delete(key)
    except ValueError:
        pass  # the counter is gone already (its window ended, or the cache was flushed)
