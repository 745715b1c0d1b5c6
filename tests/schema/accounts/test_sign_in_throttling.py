import pytest
from django.contrib.auth.hashers import get_hasher
from django.test import Client

from tests.conftest import PASSWORD, GraphQLClient, error_codes
from tests.schema.accounts.queries import CHANGE_PASSWORD, TOKEN_AUTH


@pytest.fixture
def limits(settings):
    settings.SIGN_IN_ATTEMPTS_PER_USERNAME = 3
    settings.SIGN_IN_ATTEMPTS_PER_IP = 6
    settings.SIGN_IN_ATTEMPTS_WINDOW = 900
    return settings


def sign_in_as(api, username="alice", password="wrong-password"):
    return api.execute(TOKEN_AUTH, {"username": username, "password": password})


def test_token_auth_over_the_limit_says_rate_limited_with_the_time_to_wait(api, user, limits):
    # given
    for _ in range(3):
        assert error_codes(sign_in_as(api)) == ["INVALID_CREDENTIALS"]

    # when: even the right password is not checked now
    result = sign_in_as(api, password=PASSWORD)

    # then
    assert error_codes(result) == ["RATE_LIMITED"]
    error = result["errors"][0]
    assert 1 <= error["extensions"]["retryAfter"] <= 900
    assert f"{error['extensions']['retryAfter']} seconds" in error["message"]
    assert result["data"] == {"tokenAuth": None}


def test_aliased_token_auth_calls_count_one_by_one(api, user, limits):
    # given: one request trying five passwords
    document = (
        "mutation {"
        + " ".join(
            f'try{n}: tokenAuth(username: "alice", password: "guess-{n}") {{ token }}'
            for n in range(5)
        )
        + "}"
    )

    # when
    result = api.execute(document)

    # then
    assert error_codes(result) == ["INVALID_CREDENTIALS"] * 3 + ["RATE_LIMITED"] * 2
    assert [error["path"] for error in result["errors"]] == [[f"try{n}"] for n in range(5)]


def test_unknown_username_is_limited_like_a_known_one(api, db, limits):
    # given
    for _ in range(3):
        assert error_codes(sign_in_as(api, username="nobody")) == ["INVALID_CREDENTIALS"]

    # then
    assert error_codes(sign_in_as(api, username="nobody")) == ["RATE_LIMITED"]


def test_address_limit_spans_usernames_and_spares_other_addresses(user, limits):
    # given: one address tries six usernames
    attacker = GraphQLClient(Client(REMOTE_ADDR="203.0.113.7"))
    for number in range(6):
        sign_in_as(attacker, username=f"user{number}")

    # when
    from_attacker = sign_in_as(attacker, username="user99")
    from_elsewhere = GraphQLClient(Client(REMOTE_ADDR="198.51.100.1"))

    # then
    assert error_codes(from_attacker) == ["RATE_LIMITED"]
    assert "errors" not in sign_in_as(from_elsewhere, password=PASSWORD)


def test_successful_sign_ins_do_not_use_up_the_limit(api, user, limits):
    # when
    results = [sign_in_as(api, password=PASSWORD) for _ in range(5)]

    # then
    assert all("errors" not in result for result in results)
    assert error_codes(sign_in_as(api)) == ["INVALID_CREDENTIALS"]


@pytest.fixture
def hasher_calls(monkeypatch):
    """Count runs of the configured password hasher."""
    hasher_class = type(get_hasher())
    calls = []
    original = hasher_class.encode

    def counting_encode(self, password, salt, *args, **kwargs):
        calls.append(hasher_class.algorithm)
        return original(self, password, salt, *args, **kwargs)

    monkeypatch.setattr(hasher_class, "encode", counting_encode)
    return calls


def test_unknown_username_costs_the_same_hasher_run_as_a_wrong_password(api, user, hasher_calls):
    # when
    sign_in_as(api, username="alice")
    known = list(hasher_calls)
    hasher_calls.clear()
    sign_in_as(api, username="nobody")
    unknown = list(hasher_calls)

    # then: one run of the same hasher each, so the same time
    assert len(known) == 1
    assert unknown == known


def test_rate_limited_attempt_runs_no_hasher_for_known_or_unknown_users(
    api, user, limits, hasher_calls
):
    # given
    for username in ("alice", "nobody"):
        for _ in range(3):
            sign_in_as(api, username=username)
    hasher_calls.clear()

    # when
    results = [sign_in_as(api, username=username) for username in ("alice", "nobody")]

    # then
    assert [error_codes(result) for result in results] == [["RATE_LIMITED"]] * 2
    assert hasher_calls == []


def test_change_password_guesses_share_the_sign_in_limit(api, sign_in, user, limits):
    # given: a stolen access token is used to guess the password
    token = sign_in(user)["token"]
    for _ in range(2):
        sign_in_as(api)
    variables = {"oldPassword": "guess", "newPassword": "a-much-better-passphrase-42"}
    first = api.execute(CHANGE_PASSWORD, variables, token=token)

    # when
    second = api.execute(CHANGE_PASSWORD, variables, token=token)

    # then
    assert [error["code"] for error in first["data"]["changePassword"]["errors"]] == [
        "PASSWORD_INCORRECT"
    ]
    assert error_codes(second) == ["RATE_LIMITED"]
    assert error_codes(sign_in_as(api, password=PASSWORD)) == ["RATE_LIMITED"]


@pytest.fixture
def two_door_limits(settings):
    """Three guesses per username from one address; nine from all addresses."""
    settings.SIGN_IN_ATTEMPTS_PER_USERNAME = 3
    settings.SIGN_IN_ATTEMPTS_PER_USERNAME_ALL_IPS = 9
    settings.SIGN_IN_ATTEMPTS_PER_IP = 100
    settings.SIGN_IN_ATTEMPTS_WINDOW = 900
    return settings


def client_at(address: str) -> GraphQLClient:
    return GraphQLClient(Client(REMOTE_ADDR=address))


def test_a_stranger_cannot_lock_a_user_out_of_their_own_address(user, two_door_limits):
    # given: a stranger uses up alice's budget from their address
    stranger = client_at("203.0.113.66")
    for _ in range(3):
        assert error_codes(sign_in_as(stranger)) == ["INVALID_CREDENTIALS"]

    # when
    stranger_with_the_password = sign_in_as(stranger, password=PASSWORD)
    alice_at_home = sign_in_as(client_at("198.51.100.1"), password=PASSWORD)

    # then
    assert error_codes(stranger_with_the_password) == ["RATE_LIMITED"]
    assert "errors" not in alice_at_home
    assert alice_at_home["data"]["tokenAuth"]["user"] == {"username": "alice"}


def test_a_spray_from_many_addresses_stops_at_the_username_ceiling(user, two_door_limits):
    # given: nine wrong passwords from three addresses, none over its own budget
    for host in (1, 2, 3):
        for _ in range(3):
            assert error_codes(sign_in_as(client_at(f"203.0.113.{host}"))) == [
                "INVALID_CREDENTIALS"
            ]

    # when: every address, alice's own included, and with the right password
    results = [
        sign_in_as(client_at(address), password=PASSWORD)
        for address in ("198.51.100.1", "203.0.113.4", "2001:db8::1")
    ]

    # then
    assert [error_codes(result) for result in results] == [["RATE_LIMITED"]] * 3


def test_a_spray_past_the_ceiling_cannot_lock_a_user_out_of_an_address_they_used(
    user, two_door_limits
):
    # given: alice signed in from home once; then nine wrong passwords from three
    # IPv6 /64s reach her username's ceiling
    home = client_at("198.51.100.1")
    assert "errors" not in sign_in_as(home, password=PASSWORD)
    for network in (1, 2, 3):
        for _ in range(3):
            assert error_codes(sign_in_as(client_at(f"2001:db8:{network}::1"))) == [
                "INVALID_CREDENTIALS"
            ]

    # when
    at_home = sign_in_as(home, password=PASSWORD)
    elsewhere = sign_in_as(client_at("192.0.2.9"), password=PASSWORD)

    # then: home is hers (its own per-address budget still applies); a new address waits
    assert "errors" not in at_home
    assert error_codes(elsewhere) == ["RATE_LIMITED"]


def test_a_known_address_keeps_its_own_budget(user, two_door_limits):
    # given: alice's home address, known, then three wrong passwords from it
    home = client_at("198.51.100.1")
    assert "errors" not in sign_in_as(home, password=PASSWORD)
    for _ in range(3):
        assert error_codes(sign_in_as(home)) == ["INVALID_CREDENTIALS"]

    # when: a guesser sharing that address keeps going
    result = sign_in_as(home, password=PASSWORD)

    # then
    assert error_codes(result) == ["RATE_LIMITED"]


def test_change_password_follows_the_same_per_address_rules(user, sign_in, two_door_limits):
    # given: alice signed in at home; a stranger burns her budget elsewhere
    token = sign_in(user)["token"]
    stranger = client_at("203.0.113.66")
    for _ in range(3):
        sign_in_as(stranger)
    variables = {"oldPassword": PASSWORD, "newPassword": "a-much-better-passphrase-42"}

    # when: the same token from the stranger's address, then from hers
    from_stranger = stranger.execute(
        CHANGE_PASSWORD, {**variables, "oldPassword": "guess"}, token=token
    )
    at_home = client_at("198.51.100.1").execute(CHANGE_PASSWORD, variables, token=token)

    # then
    assert error_codes(from_stranger) == ["RATE_LIMITED"]
    assert at_home["data"]["changePassword"]["errors"] == []


def test_change_password_is_refused_everywhere_past_the_username_ceiling(
    user, sign_in, two_door_limits
):
    # given
    token = sign_in(user)["token"]
    for host in (1, 2, 3):
        for _ in range(3):
            sign_in_as(client_at(f"203.0.113.{host}"))
    variables = {"oldPassword": PASSWORD, "newPassword": "a-much-better-passphrase-42"}

    # when
    result = client_at("198.51.100.1").execute(CHANGE_PASSWORD, variables, token=token)

    # then
    assert error_codes(result) == ["RATE_LIMITED"]
    assert result["data"] == {"changePassword": None}


def test_forged_x_forwarded_for_from_an_untrusted_peer_is_ignored(db, settings):
    # given: the defaults (100 per address), a trusted proxy that this client is
    # not, and a client that reaches the server directly with a new
    # X-Forwarded-For on every request, guessing a new username each time
    settings.SIGN_IN_ATTEMPTS_PER_IP = 100
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    # 22 new documents in a burst would also meet the worker's bucket for
    # anonymous new documents (tests/schema/core/test_preparation_cost.py).
    settings.GRAPHQL_ANONYMOUS_PREPARATIONS_PER_SECOND = 0
    client = Client(REMOTE_ADDR="203.0.113.7")
    codes: list[str] = []

    # when: 110 wrong passwords, five per request
    for request_number in range(22):
        document = (
            "mutation {"
            + " ".join(
                f'a{n}: tokenAuth(username: "user{request_number}-{n}", password: "x") {{ token }}'
                for n in range(5)
            )
            + "}"
        )
        response = client.post(
            "/graphql/",
            {"query": document},
            content_type="application/json",
            headers={"X-Forwarded-For": f"10.0.{request_number}.1, 198.51.100.{request_number}"},
        )
        codes += error_codes(response.json())

    # then: the hundred-and-first is refused
    assert len(codes) == 110
    assert codes == ["INVALID_CREDENTIALS"] * 100 + ["RATE_LIMITED"] * 10
