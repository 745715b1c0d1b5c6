"""accounts/counters.py: fixed-window counters, on real Redis and on the LocMem fallback.

Every test runs on both backends and expects the same answers. The Redis ones need
REDIS_URL (CI's Redis pass sets it): they use that database, which the suite's
autouse fixture flushes before each test.
"""

import threading
import time
import warnings

import pytest
import redis
from django.conf import settings
from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache

from accounts.counters import counter_add, counter_add_within, counter_give_back

KEY = "throttle:test:counter"


@pytest.fixture(params=["redis", "locmem"])
def cache(request):
    if request.param == "locmem":
        return LocMemCache(f"counters-{time.monotonic_ns()}", {})
    if not settings.REDIS_URL:
        pytest.skip("needs Redis: set REDIS_URL (CI's Redis pass does)")
    return RedisCache(settings.REDIS_URL, {})


def in_threads(threads: int, each: int, call):
    """The answers of `call`, run `each` times in each of `threads` threads started together."""
    answers = []
    lock = threading.Lock()
    start = threading.Barrier(threads)

    def work() -> None:
        start.wait()
        for _ in range(each):
            answer = call()
            with lock:
                answers.append(answer)

    workers = [threading.Thread(target=work) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return answers


def seconds_left(cache, key: str) -> float | None:
    """The counter's remaining lifetime as its backend keeps it (None: no expiry or no key)."""
    made = cache.make_key(key)
    if isinstance(cache, RedisCache):
        left = cache._cache.get_client(made).pttl(made)
        return left / 1000 if left >= 0 else None
    expires = cache._expire_info.get(made)
    return None if expires is None else expires - time.time()


def test_the_first_increment_creates_the_counter_with_its_expiry(cache):
    # when
    total = counter_add(cache, KEY, 3, timeout=100)

    # then
    assert total == 3
    assert cache.get(KEY) == 3
    assert 99 < seconds_left(cache, KEY) <= 100


def test_later_increments_count_and_leave_the_expiry_alone(cache):
    # given
    counter_add(cache, KEY, 1, timeout=100)

    # when: later increments ask for a longer one
    totals = [counter_add(cache, KEY, 2, timeout=5000) for _ in range(3)]

    # then
    assert totals == [3, 5, 7]
    assert 98 < seconds_left(cache, KEY) <= 100


def test_an_increment_after_the_counter_expired_starts_a_new_one_with_an_expiry(cache):
    # given: a counter that expires
    counter_add(cache, KEY, 5, timeout=100)
    cache.touch(KEY, 1)
    time.sleep(1.1)
    assert cache.get(KEY) is None

    # when
    total = counter_add(cache, KEY, 1, timeout=100)

    # then
    assert total == 1
    assert 99 < seconds_left(cache, KEY) <= 100


def test_concurrent_increments_from_threads_are_counted_exactly(cache):
    # given
    threads, each = 8, 50

    # when
    totals = in_threads(threads, each, lambda: counter_add(cache, KEY, 1, timeout=100))

    # then: every increment saw its own total, and the expiry was set once
    assert sorted(totals) == list(range(1, threads * each + 1))
    assert cache.get(KEY) == threads * each
    assert 90 < seconds_left(cache, KEY) <= 100


def test_within_the_limit_adds_and_over_it_refuses_without_counting(cache):
    # when
    answers = [counter_add_within(cache, KEY, 40, limit=100, timeout=100) for _ in range(3)]
    answers.append(counter_add_within(cache, KEY, 20, limit=100, timeout=100))

    # then: the third 40 would pass 100; the 20 after it still fits
    assert answers == [(40, True), (80, True), (80, False), (100, True)]
    assert cache.get(KEY) == 100
    assert 99 < seconds_left(cache, KEY) <= 100


def test_a_refusal_of_a_new_counter_counts_nothing(cache):
    # when
    answer = counter_add_within(cache, KEY, 150, limit=100, timeout=100)

    # then: nothing counted (Redis writes nothing; the fallback gives it back)
    assert answer == (0, False)
    assert cache.get(KEY, 0) == 0
    assert counter_add_within(cache, KEY, 100, limit=100, timeout=100) == (100, True)


def test_concurrent_charges_never_pass_the_limit(cache):
    # given
    threads, each, limit = 8, 30, 100

    # when
    added = [
        ok
        for _, ok in in_threads(
            threads, each, lambda: counter_add_within(cache, KEY, 1, limit=limit, timeout=100)
        )
    ]

    # then
    assert added.count(True) == limit
    assert cache.get(KEY) == limit


def test_giving_back_subtracts_and_never_recreates_an_expired_counter(cache):
    # given
    counter_add(cache, KEY, 5, timeout=100)

    # when
    counter_give_back(cache, KEY, 2)
    counter_give_back(cache, "throttle:test:gone", 1)

    # then
    assert cache.get(KEY) == 3
    assert 99 < seconds_left(cache, KEY) <= 100
    assert cache.get("throttle:test:gone") is None


def test_giving_back_below_zero_deletes_the_counter(cache):
    # given
    counter_add(cache, KEY, 1, timeout=100)

    # when
    counter_give_back(cache, KEY, 2)

    # then
    assert cache.get(KEY) is None


def test_counters_use_the_caches_key_prefix_and_version(cache):
    # given: a cache whose keys carry a prefix and a version
    cache.key_prefix = "site-a"
    cache.version = 3

    # when
    counter_add(cache, KEY, 4, timeout=100)
    counter_add_within(cache, KEY, 1, limit=10, timeout=100)
    counter_give_back(cache, KEY, 2)

    # then: the cache API finds it under the same key, and only there
    assert cache.get(KEY) == 3
    assert cache.get(KEY, version=1) is None
    cache.key_prefix = ""
    assert cache.get(KEY, version=3) is None


def test_a_key_the_cache_would_warn_about_is_warned_about(cache):
    # given: a key memcached could not store (Django's portable-key check)
    key = "throttle:test:with space"

    # when
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        counter_add(cache, key, 1, timeout=100)

    # then
    assert any("with space" in str(warning.message) for warning in caught)


def test_a_non_positive_timeout_is_refused(cache):
    # when / then
    with pytest.raises(ValueError, match="positive timeout"):
        counter_add(cache, KEY, 1, timeout=0)
    assert cache.get(KEY) is None


def test_a_counter_still_counts_after_redis_forgot_its_scripts(cache):
    # given: Redis restarted, or its scripts were flushed
    if not isinstance(cache, RedisCache):
        pytest.skip("Redis only: the scripts are Redis'")
    counter_add(cache, KEY, 1, timeout=100)
    cache._cache.get_client(write=True).script_flush()

    # when
    total = counter_add(cache, KEY, 1, timeout=100)

    # then
    assert total == 2
    assert counter_add_within(cache, KEY, 1, limit=2, timeout=100) == (2, False)


def test_an_unreachable_redis_raises_for_the_caller_to_fail_open():
    # given: a real Redis client pointed at a port where nothing listens
    unreachable = RedisCache("redis://127.0.0.1:1/0", {"OPTIONS": {"socket_connect_timeout": 0.5}})

    # when / then
    with pytest.raises(redis.exceptions.ConnectionError):
        counter_add(unreachable, KEY, 1, timeout=100)
