"""Two instances of the production start, one PostgreSQL and one Redis between them.

Each instance is a gunicorn of two workers on its own port; they share nothing
but the database, the cache and the signing key, as behind a load balancer.
"""

import threading

import pytest

from tests.system.harness import PASSWORD, Answer, Server

pytestmark = pytest.mark.system

TOKEN_AUTH = """
mutation($username: String!, $password: String!) {
  tokenAuth(username: $username, password: $password) { token refreshToken }
}
"""
REFRESH = """
mutation($refreshToken: String!) {
  refreshToken(refreshToken: $refreshToken) { token refreshToken }
}
"""
ME = "{ me { username } }"
REVOKE_ALL = "mutation { revokeAllTokens { revoked } }"
# Small, so that the throttling test is short (each wrong guess runs the real hasher).
ATTEMPTS_PER_USERNAME = 4


@pytest.fixture
def instances(shared_services, start_server) -> tuple[Server, Server]:
    environment = {
        "database_url": shared_services.database_url,
        "redis_url": shared_services.redis_url,
        "SIGN_IN_ATTEMPTS_PER_USERNAME": str(ATTEMPTS_PER_USERNAME),
        # Reuse detection at once: within the reuse interval a replay gets the same pair.
        "JWT_REFRESH_TOKEN_REUSE_INTERVAL": "0",
    }
    return start_server(**environment), start_server(**environment)


def sign_in(server: Server, username: str, password: str = PASSWORD) -> Answer:
    return server.graphql(TOKEN_AUTH, {"username": username, "password": password})


def refresh(server: Server, refresh_token: str) -> Answer:
    return server.graphql(REFRESH, {"refreshToken": refresh_token})


def test_a_token_issued_by_one_instance_works_on_the_other(instances, production_user):
    # given
    first, second = instances
    production_user("ada")
    signed_in = sign_in(first, "ada")
    assert signed_in.ok, signed_in.text
    pair = signed_in.body["data"]["tokenAuth"]

    # when
    me = second.graphql(ME, token=pair["token"])
    refreshed = refresh(second, pair["refreshToken"])

    # then
    assert me.status == 200
    assert me.body == {"data": {"me": {"username": "ada"}}}
    assert refreshed.ok, refreshed.text
    again = first.graphql(ME, token=refreshed.body["data"]["refreshToken"]["token"])
    assert again.body == {"data": {"me": {"username": "ada"}}}


def test_sign_out_everywhere_on_one_instance_ends_tokens_on_the_other(instances, production_user):
    # given
    first, second = instances
    production_user("ada")
    token = sign_in(first, "ada").body["data"]["tokenAuth"]["token"]

    # when
    revoked = second.graphql(REVOKE_ALL, token=token)

    # then
    assert revoked.body == {"data": {"revokeAllTokens": {"revoked": True}}}
    assert first.graphql(ME, token=token).codes == ["TOKEN_INVALID"]


def test_sign_in_throttling_counts_attempts_across_both_instances(instances, production_user):
    # given: wrong passwords, alternately on each instance
    first, second = instances
    production_user("ada")
    codes = []
    for attempt in range(ATTEMPTS_PER_USERNAME):
        server = (first, second)[attempt % 2]
        codes.append(sign_in(server, "ada", password=f"wrong-{attempt}").codes)

    # when: the right password, on either instance
    over_the_limit = [sign_in(first, "ada"), sign_in(second, "ada")]

    # then: each instance alone saw half the attempts, but both refuse
    assert codes == [["INVALID_CREDENTIALS"]] * ATTEMPTS_PER_USERNAME
    assert [answer.codes for answer in over_the_limit] == [["RATE_LIMITED"], ["RATE_LIMITED"]]
    assert all(
        answer.body["errors"][0]["extensions"]["retryAfter"] > 0 for answer in over_the_limit
    )


def _at_the_same_moment(*calls) -> list[Answer]:
    barrier = threading.Barrier(len(calls))
    results: list[Answer | None] = [None] * len(calls)

    def run(index, call):
        barrier.wait(timeout=10)
        results[index] = call()

    threads = [threading.Thread(target=run, args=item) for item in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not any(thread.is_alive() for thread in threads), "a refresh hung"
    return results


@pytest.mark.parametrize("round_number", range(3))
def test_the_same_refresh_token_sent_to_both_at_once_wins_once(
    instances, production_user, round_number
):
    # given
    first, second = instances
    production_user("ada")
    refresh_token = sign_in(first, "ada").body["data"]["tokenAuth"]["refreshToken"]

    # when: the same refresh token, to both instances at the same moment
    answers = _at_the_same_moment(
        lambda: refresh(first, refresh_token), lambda: refresh(second, refresh_token)
    )

    # then: one success and one refusal; the refusal ended the chain, winner included
    assert sorted(tuple(answer.codes) for answer in answers) == [(), ("REFRESH_TOKEN_REUSED",)]
    (winner,) = [answer for answer in answers if answer.ok]
    new_refresh_token = winner.body["data"]["refreshToken"]["refreshToken"]
    assert refresh(first, new_refresh_token).codes == ["REFRESH_TOKEN_REUSED"]


def test_reuse_detected_on_one_instance_ends_the_chain_on_the_other(instances, production_user):
    # given: a chain rotated once on the first instance
    first, second = instances
    production_user("ada")
    stolen = sign_in(first, "ada").body["data"]["tokenAuth"]["refreshToken"]
    rotated = refresh(first, stolen)
    assert rotated.ok, rotated.text
    current = rotated.body["data"]["refreshToken"]["refreshToken"]

    # when: the spent token comes back, to the second instance
    replay = refresh(second, stolen)

    # then: reuse is detected there, and the first instance refuses the chain too
    assert replay.codes == ["REFRESH_TOKEN_REUSED"]
    assert refresh(first, current).codes == ["REFRESH_TOKEN_REUSED"]
