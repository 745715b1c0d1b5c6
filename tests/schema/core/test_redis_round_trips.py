"""What a request costs on Redis: the commands it sends, counted by Redis itself (MONITOR).

The hot paths of an attack (README, "Abuse run"): the signed-in `{ me { id } }` that
must stay fast under it, and the refusals (429) the attackers get. Each counter is
one round trip (accounts/counters.py). Needs REDIS_URL (CI's Redis pass sets it);
the commands are those of this test's Redis database, sent by a client (the Lua
script's own commands run inside Redis, no round trip).
"""

import json
import uuid
from collections.abc import Callable

import pytest
import redis
from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache

from accounts.tokens import access_token_issue
from tests.conftest import PASSWORD, error_codes

ME = "{ me { id } }"
TOKEN_AUTH = (
    "mutation($u: String!, $p: String!) { tokenAuth(username: $u, password: $p) { token } }"
)


@pytest.fixture
def redis_commands() -> Callable[[Callable[[], object]], list[str]]:
    """Run an action; the commands clients sent to this test's Redis database meanwhile."""
    if not isinstance(caches["default"], RedisCache):
        pytest.skip("needs the shared cache: set REDIS_URL (CI's Redis pass does)")
    url = settings.REDIS_URL
    watcher = redis.Redis.from_url(url)
    marker = redis.Redis.from_url(url)
    marker.ping()  # connected (and its database selected) before anything is watched
    database = marker.connection_pool.connection_kwargs.get("db", 0)

    def commands(action: Callable[[], object]) -> list[str]:
        end = f"end-of-action-{uuid.uuid4().hex}"
        seen = []
        with watcher.monitor() as monitor:
            action()
            marker.echo(end)
            for entry in monitor.listen():
                if end in entry["command"]:
                    break
                if entry["db"] == database and entry["client_type"] != "lua":
                    seen.append(entry["command"].split(" ", 1)[0].upper())
        return seen

    yield commands
    watcher.close()
    marker.close()


def post(client, query, variables=None, *, token=None, ip="203.0.113.7"):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return client.post(
        "/graphql/",
        json.dumps({"query": query, "variables": variables or {}}),
        content_type="application/json",
        headers=headers,
        REMOTE_ADDR=ip,
    )


def test_a_signed_in_me_is_one_round_trip(client, user, redis_commands):
    # given: the document prepared and the connection open (an earlier request)
    token = access_token_issue(user=user).token
    assert error_codes(post(client, ME, token=token).json()) == []

    # when
    commands = redis_commands(lambda: post(client, ME, token=token))

    # then: its cost charged to the user's budget, and nothing else
    assert commands == ["EVALSHA"]


def test_a_signed_in_refusal_for_the_budget_is_one_round_trip(
    client, user, settings, redis_commands
):
    # given: a user whose budget is spent
    settings.GRAPHQL_COST_BUDGET_PER_USER = 1
    settings.GRAPHQL_DOCUMENT_PREPARATION_COST = 0
    token = access_token_issue(user=user).token
    assert error_codes(post(client, ME, token=token).json()) == []
    responses = []

    # when
    commands = redis_commands(lambda: responses.append(post(client, ME, token=token)))

    # then: refused without a write to give back
    assert responses[0].status_code == 429
    assert error_codes(responses[0].json()) == ["RATE_LIMITED"]
    assert commands == ["EVALSHA"]


def test_an_anonymous_address_is_refused_once_on_redis_then_from_memory(
    client, settings, redis_commands
):
    # given: an address with budget for one new document
    settings.GRAPHQL_COST_BUDGET_PER_IP = 60
    assert error_codes(post(client, "{ a: __typename }", ip="203.0.113.9").json()) == []
    responses = []

    # when: its next two new documents
    def new_document(name: str) -> None:
        responses.append(post(client, f"{{ {name}: __typename }}", ip="203.0.113.9"))

    first = redis_commands(lambda: new_document("b"))
    second = redis_commands(lambda: new_document("c"))

    # then: the first refusal is one round trip; the worker remembers it for the next
    assert [response.status_code for response in responses] == [429, 429]
    assert [error_codes(response.json()) for response in responses] == [["RATE_LIMITED"]] * 2
    assert first == ["EVALSHA"]
    assert second == []


def test_a_wrong_password_is_one_round_trip_per_counter(client, user, redis_commands):
    # given: an earlier wrong password from this address (the counters exist)
    variables = {"u": user.username, "p": "wrong-" + PASSWORD}
    assert error_codes(post(client, TOKEN_AUTH, variables).json()) == ["INVALID_CREDENTIALS"]
    responses = []

    # when
    commands = redis_commands(lambda: responses.append(post(client, TOKEN_AUTH, variables)))

    # then: the mutation's cost charged to the address's budget; is this address the
    # user's own (GET); one slot in each of the three counters (username from this
    # address, username, address). Django's add and incr took 12 round trips.
    assert error_codes(responses[0].json()) == ["INVALID_CREDENTIALS"]
    assert commands == ["EVALSHA", "GET", "EVALSHA", "EVALSHA", "EVALSHA"]
