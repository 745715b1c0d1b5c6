"""Registering persisted queries: signed-in users only, a quota each, never at the
expense of the sign-in throttle counters."""

import shutil
import socket
import subprocess
import time

import pytest
import redis
from django.contrib.auth.models import AnonymousUser
from django.core.cache import caches

from schema.core import persisted
from schema.core.documents import document_cache, query_digest
from tests.conftest import error_codes
from tests.schema.accounts.queries import TOKEN_AUTH
from tests.tools import require_tool

TYPENAME = "{ __typename }"


@pytest.fixture(autouse=True)
def empty_caches():
    document_cache.clear()
    caches["persisted_queries"].clear()
    yield
    document_cache.clear()


def apq(api, query=None, digest=None, token=None):
    body = {"extensions": {"persistedQuery": {"version": 1, "sha256Hash": digest}}}
    if query is not None:
        body["query"] = query
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = api.client.post("/graphql/", body, content_type="application/json", headers=headers)
    return response.json()


def registered(query: str) -> bool:
    key = persisted.SHARED_CACHE_PREFIX + query_digest(query)
    return caches["persisted_queries"].get(key) is not None


def numbered(count: int) -> list[str]:
    return [f"{{ __typename }} # {number}" for number in range(count)]


def token_of(api, user) -> str:
    api.authenticate(user)
    token, api.token = api.token, None
    return token


def test_an_anonymous_registration_is_answered_but_not_stored(api, db):
    # when
    answer = apq(api, TYPENAME, query_digest(TYPENAME))
    hash_only = apq(api, digest=query_digest(TYPENAME))

    # then: the client got its data; its next hash-only request is simply unknown
    assert answer == {"data": {"__typename": "Query"}}
    assert not registered(TYPENAME)
    assert error_codes(hash_only) == ["PERSISTED_QUERY_NOT_FOUND"]


def test_anyone_runs_a_hash_a_signed_in_user_registered(api, user):
    # given
    apq(api, TYPENAME, query_digest(TYPENAME), token=token_of(api, user))

    # when
    anonymous = apq(api, digest=query_digest(TYPENAME))

    # then
    assert anonymous == {"data": {"__typename": "Query"}}


def test_registrations_past_the_quota_are_answered_but_not_stored(api, make_user, settings):
    # given
    settings.GRAPHQL_PERSISTED_QUERY_REGISTRATIONS_PER_USER = 3
    alice, bob = token_of(api, make_user("alice")), token_of(api, make_user("bob"))
    documents = numbered(5)

    # when
    answers = [apq(api, query, query_digest(query), token=alice) for query in documents[:4]]
    again = apq(api, documents[0], query_digest(documents[0]), token=alice)
    bobs = apq(api, documents[4], query_digest(documents[4]), token=bob)

    # then
    assert all(answer == {"data": {"__typename": "Query"}} for answer in [*answers, again, bobs])
    assert [registered(query) for query in documents] == [True, True, True, False, True]


def test_a_known_hash_spends_no_quota(api, user, settings):
    # given
    settings.GRAPHQL_PERSISTED_QUERY_REGISTRATIONS_PER_USER = 2
    token = token_of(api, user)
    first, second, third = numbered(3)
    apq(api, first, query_digest(first), token=token)

    # when: the same document again (another worker's client, say), then new ones
    apq(api, first, query_digest(first), token=token)
    apq(api, second, query_digest(second), token=token)
    apq(api, third, query_digest(third), token=token)

    # then: the repeat was free, so the second still fit in the quota of two
    assert (registered(first), registered(second), registered(third)) == (True, True, False)


def test_registration_off_stores_nothing(user, settings):
    # given
    settings.GRAPHQL_PERSISTED_QUERY_REGISTRATIONS_PER_USER = 0

    # when
    stored = persisted.persisted_query_register(query_digest(TYPENAME), TYPENAME, user=user)

    # then
    assert stored is False
    assert not registered(TYPENAME)


def test_a_registration_stores_at_most_the_document_size_in_bytes(user, settings):
    # given: within the limit in characters, over it in UTF-8 bytes
    settings.GRAPHQL_MAX_DOCUMENT_SIZE = 100
    query = "{ __typename } # " + "é" * 60

    # when
    stored = persisted.persisted_query_register(query_digest(query), query, user=user)

    # then
    assert len(query) <= 100 < len(query.encode())
    assert stored is False
    assert not registered(query)


# --- Against a real Redis with a memory cap -----------------------------------

SCRATCH_REDIS_PORT = 18950
REGISTRATIONS = 3_000
# As in the measured attack: a trivial document padded with 19,000 characters.
PADDING = 19_000


def _redis_answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as connection:
            connection.sendall(b"PING\r\n")
            return connection.recv(16).startswith(b"+PONG")
    except OSError:
        return False


@pytest.fixture
def capped_redis():
    """A redis-server of our own: 5 MB at most, allkeys-lru, no persistence; stopped after."""
    binary = shutil.which("redis-server")
    require_tool(binary is not None, "needs redis-server")
    require_tool(
        not _redis_answers(SCRATCH_REDIS_PORT), f"port {SCRATCH_REDIS_PORT} is already in use"
    )
    command = [
        binary,
        "--port", str(SCRATCH_REDIS_PORT),
        "--bind", "127.0.0.1",
        "--save", "",
        "--appendonly", "no",
        "--maxmemory", "5mb",
        "--maxmemory-policy", "allkeys-lru",
    ]  # fmt: skip
    process = subprocess.Popen(  # noqa: S603 (redis-server, a fixed command line)
        command,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 20
        while not _redis_answers(SCRATCH_REDIS_PORT):
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail("the scratch redis-server did not start")
            time.sleep(0.05)
        yield f"redis://127.0.0.1:{SCRATCH_REDIS_PORT}"
    finally:
        process.terminate()
        process.wait(timeout=15)


@pytest.fixture
def shared_capped_redis(capped_redis, settings):
    """Throttle counters in database 0 and persisted queries in database 1 of one server:
    the layout the README once suggested, which the production start now refuses."""
    options = {"socket_connect_timeout": 2, "socket_timeout": 2}
    backend = "django.core.cache.backends.redis.RedisCache"
    settings.CACHES = {
        "default": {"BACKEND": backend, "LOCATION": f"{capped_redis}/0", "OPTIONS": options},
        "persisted_queries": {
            "BACKEND": backend,
            "LOCATION": f"{capped_redis}/1",
            "OPTIONS": options,
        },
    }
    return redis.Redis.from_url(f"{capped_redis}/0"), redis.Redis.from_url(f"{capped_redis}/1")


def _throttle_counters(client: redis.Redis) -> dict[bytes, bytes]:
    return {key: client.get(key) for key in client.scan_iter(match="*throttle*")}


@pytest.fixture
def throttle_counters(api, user, shared_capped_redis):
    """Nine wrong passwords for alice: counters a flood must not evict."""
    for _ in range(9):
        result = api.execute(TOKEN_AUTH, {"username": "alice", "password": "wrong"})
        assert error_codes(result) == ["INVALID_CREDENTIALS"]
    counters = _throttle_counters(shared_capped_redis[0])
    assert counters
    return counters


def _padded_documents():
    for number in range(REGISTRATIONS):
        query = f"{{ __typename }} # {number:06d} " + "#" * PADDING
        yield query_digest(query), query


def test_3000_registrations_leave_the_throttle_counters_intact(
    make_user, shared_capped_redis, throttle_counters, settings
):
    # given: half the flood anonymous, half from one signed-in account
    throttle_db, persisted_db = shared_capped_redis
    mallory = make_user("mallory")
    users = (AnonymousUser(), mallory)

    # when
    stored = sum(
        persisted.persisted_query_register(digest, query, user=users[number % 2])
        for number, (digest, query) in enumerate(_padded_documents())
    )

    # then: only mallory's quota was stored, and every counter is as it was
    quota = settings.GRAPHQL_PERSISTED_QUERY_REGISTRATIONS_PER_USER
    assert stored == quota
    assert len(list(persisted_db.scan_iter(match="*apq:*"))) == quota
    assert _throttle_counters(throttle_db) == throttle_counters
    assert throttle_db.info("stats")["evicted_keys"] == 0


def test_without_the_quota_the_same_flood_evicts_the_counters(
    shared_capped_redis, throttle_counters
):
    # given: what registration did before it needed a user and a quota
    throttle_db, _ = shared_capped_redis
    store = caches["persisted_queries"]

    # when
    for digest, query in _padded_documents():
        store.set(persisted.SHARED_CACHE_PREFIX + digest, query)

    # then: the test above would catch a regression
    assert throttle_db.info("stats")["evicted_keys"] > 0
    assert _throttle_counters(throttle_db) != throttle_counters
