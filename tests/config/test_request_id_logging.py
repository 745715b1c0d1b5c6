"""The request id on every log line written during a request (config/logging.py)."""

import logging
import threading

import pytest
from django.http import StreamingHttpResponse
from django.test import Client

from accounts.request_context import current_request_id, request_id_bound
from config.middleware import RequestLogMiddleware
from config.sentry import scrub_event

# Nothing listens on port 1: every cache call fails at once (connection refused).
UNREACHABLE_REDIS = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://127.0.0.1:1/0",
    }
}


@pytest.fixture
def unreachable_cache(settings) -> None:
    settings.CACHES = UNREACHABLE_REDIS


def test_a_line_from_deep_inside_a_request_has_its_request_id(client, unreachable_cache, log_lines):
    # given: the readiness probe logs a warning for the cache it cannot reach

    # when
    response = client.get("/readyz", headers={"X-Request-ID": "probe-1"})

    # then
    assert response.status_code == 503
    warnings = [line for line in log_lines() if line["logger"] == "config.health"]
    assert warnings
    assert {line["request_id"] for line in warnings} == {"probe-1"}
    assert current_request_id() is None


def test_a_throttling_line_has_the_request_id(api, unreachable_cache, log_lines):
    # given: the password throttle fails open, and says so, when the cache is down
    from tests.schema.accounts.queries import TOKEN_AUTH

    # when
    response = api.client.post(
        "/graphql/",
        {"query": TOKEN_AUTH, "variables": {"username": "nobody", "password": "wrong-password"}},
        content_type="application/json",
        headers={"X-Request-ID": "sign-in-7"},
    )

    # then
    throttling = [line for line in log_lines() if line["logger"] == "accounts.throttling"]
    assert response["X-Request-ID"] == "sign-in-7"
    assert throttling
    assert {line["request_id"] for line in throttling} == {"sign-in-7"}


def test_a_line_after_the_request_has_no_request_id(client, log_lines):
    # given
    client.get("/healthz", headers={"X-Request-ID": "gone-1"})

    # when
    logging.getLogger("tests.after").warning("after the request")

    # then
    assert current_request_id() is None
    [line] = [line for line in log_lines() if line["logger"] == "tests.after"]
    assert "request_id" not in line


def test_the_id_is_cleared_when_the_request_raises(rf):
    # given: what the middleware wraps raises instead of answering
    def raises(request):
        assert current_request_id() == "boom-1"
        raise RuntimeError("boom")

    middleware = RequestLogMiddleware(raises)

    # when
    with pytest.raises(RuntimeError, match="boom"):
        middleware(rf.get("/healthz", headers={"X-Request-ID": "boom-1"}))

    # then
    assert current_request_id() is None


def test_the_id_is_cleared_before_a_streamed_body_is_sent(rf):
    # given: a streamed answer, whose body is produced after the middleware returned
    def body():
        yield (current_request_id() or "none").encode()

    middleware = RequestLogMiddleware(lambda request: StreamingHttpResponse(body()))

    # when
    response = middleware(rf.get("/healthz", headers={"X-Request-ID": "stream-1"}))

    # then
    assert current_request_id() is None
    assert response["X-Request-ID"] == "stream-1"
    assert b"".join(response.streaming_content) == b"none"


def test_concurrent_requests_in_threads_keep_their_own_ids(unreachable_cache, log_lines):
    # given: two threads, each making its requests with its own ids
    rounds = 10
    answered: dict[str, list[str]] = {"a": [], "b": []}

    def serve(name: str) -> None:
        client = Client()
        for number in range(rounds):
            response = client.get("/readyz", headers={"X-Request-ID": f"{name}-{number}"})
            answered[name].append(response["X-Request-ID"])

    threads = [threading.Thread(target=serve, args=(name,)) for name in answered]

    # when
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # then: each request's lines name that request, and only it
    lines = [line for line in log_lines() if line["logger"] == "config.health"]
    by_id: dict[str, int] = {}
    for line in lines:
        by_id[line["request_id"]] = by_id.get(line["request_id"], 0) + 1
    assert set(by_id) == set(answered["a"]) | set(answered["b"])
    assert len(set(by_id.values())) == 1


def test_bound_ids_do_not_leak_between_threads():
    # given: two threads bind their ids, then wait for each other before reading them
    barrier = threading.Barrier(2)
    seen: dict[str, str | None] = {}

    def work(request_id: str) -> None:
        with request_id_bound(request_id):
            barrier.wait()
            seen[request_id] = current_request_id()

    threads = [threading.Thread(target=work, args=(name,)) for name in ("one", "two")]

    # when
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # then
    assert seen == {"one": "one", "two": "two"}
    assert current_request_id() is None


def test_sentry_events_in_a_request_are_tagged_with_its_id():
    # given
    with request_id_bound("sentry-3"):
        # when
        event = scrub_event({"message": "boom", "tags": {"release": "x"}}, {})

    # then
    assert event["tags"] == {"release": "x", "request_id": "sentry-3"}
    assert "tags" not in scrub_event({"message": "boom"}, {})
