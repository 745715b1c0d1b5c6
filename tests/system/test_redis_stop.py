"""Redis stopped: the API keeps serving, sign-in throttling fails open and says so.

Redis holds only the sign-in throttling counters (README, "Deployment"). With it
gone, /readyz answers 503 naming the cache (take the instance out of rotation if
every instance shares the fate, or not: the API itself still works), signed-in
requests and sign-ins keep working, and every password attempt logs that it is
not being limited. Once Redis is back, throttling counts again, without a restart.
"""

import json
import time

import pytest

from tests.system.harness import PASSWORD, Answer, latency_summary, outcome_counts

pytestmark = pytest.mark.system

ATTEMPTS_PER_USERNAME = 3
# Django's Redis socket timeouts (config/settings/base.py): no request may wait longer.
REDIS_TIMEOUT_SECONDS = 2
FAIL_OPEN_LOG = "Password attempts are NOT limited: the cache failed (failing open). Fix the cache."

TOKEN_AUTH = """
mutation($username: String!, $password: String!) {
  tokenAuth(username: $username, password: $password) { token }
}
"""
ME = "{ me { username } }"
CREATE = """
mutation($name: String!) {
  createOrganization(name: $name) { organization { name } errors { field code } }
}
"""
LIST = "{ organizations(first: 5) { totalCount } }"


def _fail_open_lines(log: str) -> list[dict]:
    lines = []
    for line in log.splitlines():
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        if entry.get("logger") == "accounts.throttling":
            lines.append(entry)
    return lines


def test_redis_stopped_the_api_keeps_serving_and_throttling_fails_open(
    scratch_stack, start_server, capsys
):
    # given
    server = start_server(
        database_url=scratch_stack.database_url,
        redis_url=scratch_stack.redis_url,
        SIGN_IN_ATTEMPTS_PER_USERNAME=str(ATTEMPTS_PER_USERNAME),
    )
    username = "sys15"
    token = server.graphql(TOKEN_AUTH, {"username": username, "password": PASSWORD}).body["data"][
        "tokenAuth"
    ]["token"]

    # when: Redis stops
    stopped_at = time.monotonic()
    scratch_stack.redis.stop()
    try:
        readiness = server.get("/readyz", timeout=15)
        answers: list[Answer] = []
        for number in range(10):
            answers.append(server.graphql(ME, token=token))
            answers.append(server.graphql(LIST, token=token))
            answers.append(server.graphql(CREATE, {"name": f"redis down {number}"}, token=token))
        wrong = [
            server.graphql(TOKEN_AUTH, {"username": username, "password": f"wrong-{number}"})
            for number in range(ATTEMPTS_PER_USERNAME + 2)
        ]
        right = server.graphql(TOKEN_AUTH, {"username": username, "password": PASSWORD})
        outage_seconds = time.monotonic() - stopped_at
        log_during_outage = server.log_text()
    finally:
        scratch_stack.redis.ensure_running()

    # and then: Redis is back
    deadline = time.monotonic() + 15
    while server.get("/readyz", timeout=15).status != 200 and time.monotonic() < deadline:
        time.sleep(0.2)
    readiness_after = server.get("/readyz", timeout=15)
    throttled_again = [
        server.graphql(TOKEN_AUTH, {"username": username, "password": f"again-{number}"})
        for number in range(ATTEMPTS_PER_USERNAME + 1)
    ]

    # then
    password_attempts = [*wrong, right]
    fail_open_lines = _fail_open_lines(log_during_outage)
    figures = {
        "outage_seconds": round(outage_seconds, 1),
        "readyz_during_outage": [readiness.status, readiness.body],
        "api_requests_during_outage": outcome_counts(answers),
        "api_latency_during_outage": latency_summary(answers),
        "sign_in_attempts_during_outage": outcome_counts(password_attempts)
        | {"codes": [answer.codes for answer in password_attempts]},
        "sign_in_latency_during_outage": latency_summary(password_attempts),
        "fail_open_log_lines": len(fail_open_lines),
        "readyz_after": readiness_after.status,
        "after_redis_is_back": [answer.codes for answer in throttled_again],
    }
    with capsys.disabled():
        print(f"\nredis stop figures: {figures}")

    assert readiness.status == 503
    assert readiness.body == {"status": "unavailable", "failed": {"cache": "ConnectionError"}}
    # The API serves: reads, writes and the signed-in user, each within the Redis timeout.
    assert all(answer.ok for answer in answers), outcome_counts(answers)
    assert figures["api_latency_during_outage"]["max_ms"] < REDIS_TIMEOUT_SECONDS * 1000
    # Sign-in fails open: more wrong passwords than the limit, never RATE_LIMITED.
    assert [answer.codes for answer in wrong] == [["INVALID_CREDENTIALS"]] * len(wrong)
    assert right.ok, right.text
    assert figures["sign_in_latency_during_outage"]["max_ms"] < REDIS_TIMEOUT_SECONDS * 1000 + 1000
    # ... and the log says so, at ERROR, once per password attempt.
    assert len(fail_open_lines) == len(password_attempts)
    assert {line["level"] for line in fail_open_lines} == {"ERROR"}
    assert {line["message"] for line in fail_open_lines} == {FAIL_OPEN_LOG}
    # Redis back: ready again, and throttling counts again without a restart.
    assert readiness_after.status == 200
    assert [answer.codes for answer in throttled_again] == [["INVALID_CREDENTIALS"]] * (
        ATTEMPTS_PER_USERNAME
    ) + [["RATE_LIMITED"]]
