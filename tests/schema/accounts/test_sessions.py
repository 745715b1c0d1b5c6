"""mySessions and revokeSession, driven as a client does: two sign-ins, one ended."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from graphql_relay import from_global_id, to_global_id

from accounts.models import RefreshToken
from tests.conftest import PASSWORD, error_codes
from tests.schema.accounts.queries import (
    ME,
    MY_SESSIONS,
    REFRESH_TOKEN,
    REVOKE_SESSION,
    REVOKE_TOKEN,
    TOKEN_AUTH,
)

PHONE = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Mobile/15E148"
LAPTOP = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"


@pytest.fixture
def sign_in_from(api):
    """Sign in through tokenAuth with a User-Agent and a client address."""

    def sign_in(user, *, user_agent: str, remote_addr: str = "127.0.0.1", **headers) -> dict:
        response = api.client.post(
            "/graphql/",
            {"query": TOKEN_AUTH, "variables": {"username": user.username, "password": PASSWORD}},
            content_type="application/json",
            headers={"User-Agent": user_agent, **headers},
            REMOTE_ADDR=remote_addr,
        )
        result = response.json()
        assert "errors" not in result, result
        return result["data"]["tokenAuth"]

    return sign_in


def sessions_of(api, token: str) -> list[dict]:
    result = api.execute(MY_SESSIONS, token=token)
    assert "errors" not in result, result
    return result["data"]["mySessions"]


def test_two_sign_ins_are_two_sessions_and_revoking_one_leaves_the_other(api, sign_in_from, user):
    # given: a phone and a laptop signed in
    phone = sign_in_from(user, user_agent=PHONE, remote_addr="203.0.113.77")
    laptop = sign_in_from(user, user_agent=LAPTOP, remote_addr="2001:db8:abcd:12::5")

    # when: the laptop lists the sessions
    listed = sessions_of(api, laptop["token"])

    # then: both, most recently used first, the laptop's marked current
    assert [(s["userAgent"], s["ipNetwork"], s["current"]) for s in listed] == [
        (LAPTOP, "2001:db8:abcd::/48", True),
        (PHONE, "203.0.113.0/24", False),
    ]
    assert all(from_global_id(s["id"])[0] == "Session" for s in listed)
    assert listed[1]["signedInAt"] <= listed[1]["lastUsedAt"] <= listed[0]["lastUsedAt"]
    assert listed[1]["expiresAt"] == phone["refreshTokenExpiresAt"]

    # when: the laptop revokes the phone's session
    revoked = api.execute(REVOKE_SESSION, {"id": listed[1]["id"]}, token=laptop["token"])

    # then: the phone's access AND refresh tokens are refused at once
    assert revoked == {"data": {"revokeSession": {"revokedId": listed[1]["id"], "errors": []}}}
    assert error_codes(api.execute(ME, token=phone["token"])) == ["TOKEN_INVALID"]
    refused = api.execute(REFRESH_TOKEN, {"refreshToken": phone["refreshToken"]})
    assert error_codes(refused) == ["REFRESH_TOKEN_REUSED"]
    # and the laptop goes on: its token works, it refreshes, it is the only session
    assert api.execute(ME, token=laptop["token"]) == {"data": {"me": {"username": "alice"}}}
    refreshed = api.execute(REFRESH_TOKEN, {"refreshToken": laptop["refreshToken"]})
    assert "errors" not in refreshed, refreshed
    new_token = refreshed["data"]["refreshToken"]["token"]
    assert api.execute(ME, token=new_token) == {"data": {"me": {"username": "alice"}}}
    remaining = sessions_of(api, new_token)
    assert [(s["id"], s["current"]) for s in remaining] == [(listed[0]["id"], True)]


def test_a_refresh_keeps_the_session_and_updates_when_and_where_it_was_last_used(
    api, sign_in, user
):
    # given
    signed_in = sign_in(user)
    [before] = sessions_of(api, signed_in["token"])

    # when: refreshed from another client address and browser
    response = api.client.post(
        "/graphql/",
        {"query": REFRESH_TOKEN, "variables": {"refreshToken": signed_in["refreshToken"]}},
        content_type="application/json",
        headers={"User-Agent": LAPTOP},
        REMOTE_ADDR="198.51.100.9",
    )
    token = response.json()["data"]["refreshToken"]["token"]

    # then: the same session (same id, same sign-in time), last used now, from there
    [after] = sessions_of(api, token)
    assert after["id"] == before["id"] and after["current"] is True
    assert after["signedInAt"] == before["signedInAt"]
    assert after["lastUsedAt"] >= before["lastUsedAt"]
    assert (after["userAgent"], after["ipNetwork"]) == (LAPTOP, "198.51.100.0/24")


def test_the_old_access_token_of_a_session_is_current_after_a_refresh(api, sign_in, user):
    # given: an access token, then a refresh (the old access token is still unexpired)
    signed_in = sign_in(user)
    api.execute(REFRESH_TOKEN, {"refreshToken": signed_in["refreshToken"]})

    # when
    [session] = sessions_of(api, signed_in["token"])

    # then: both access tokens belong to the one session
    assert session["current"] is True


def test_revoking_the_current_session_signs_this_client_out(api, sign_in, user):
    # given
    phone, laptop = sign_in(user), sign_in(user)
    current = next(s for s in sessions_of(api, phone["token"]) if s["current"])

    # when
    result = api.execute(REVOKE_SESSION, {"id": current["id"]}, token=phone["token"])

    # then
    assert result["data"]["revokeSession"] == {"revokedId": current["id"], "errors": []}
    assert error_codes(api.execute(ME, token=phone["token"])) == ["TOKEN_INVALID"]
    assert api.execute(ME, token=laptop["token"]) == {"data": {"me": {"username": "alice"}}}


def test_another_users_session_is_not_found_like_a_missing_one(api, sign_in, user, make_user):
    # given: bob's session id, and an id no session has
    bob = make_user("bob")
    bobs = sign_in(bob)
    [bobs_session] = sessions_of(api, bobs["token"])
    missing = to_global_id("Session", "0" * 32)
    alices = sign_in(user)

    # when: alice tries to revoke both
    stolen = api.execute(REVOKE_SESSION, {"id": bobs_session["id"]}, token=alices["token"])
    absent = api.execute(REVOKE_SESSION, {"id": missing}, token=alices["token"])

    # then: the same answer, and bob's session goes on
    assert error_codes(stolen) == error_codes(absent) == ["NOT_FOUND"]
    assert stolen["errors"][0]["message"] == absent["errors"][0]["message"]
    assert stolen["data"] == absent["data"] == {"revokeSession": None}
    assert api.execute(ME, token=bobs["token"]) == {"data": {"me": {"username": "bob"}}}
    assert RefreshToken.objects.filter(user=bob, revoked_at__isnull=True).count() == 1


def test_a_session_already_ended_is_not_found(api, sign_in, user):
    # given: the laptop ended the phone's session
    sign_in(user)
    laptop = sign_in(user)
    session = next(s for s in sessions_of(api, laptop["token"]) if not s["current"])
    api.execute(REVOKE_SESSION, {"id": session["id"]}, token=laptop["token"])

    # when
    again = api.execute(REVOKE_SESSION, {"id": session["id"]}, token=laptop["token"])

    # then
    assert error_codes(again) == ["NOT_FOUND"]


@pytest.mark.parametrize(
    "global_id",
    [
        to_global_id("Organization", "1"),
        to_global_id("Session", "not-a-uuid"),
        to_global_id("Session", "1"),
        to_global_id("Session", "{" + "a" * 32 + "}"),
    ],
)
def test_an_id_that_is_no_session_id_is_not_found(api, sign_in, user, global_id):
    # when
    result = api.execute(REVOKE_SESSION, {"id": global_id}, token=sign_in(user)["token"])

    # then
    assert error_codes(result) == ["NOT_FOUND"]


def test_an_id_that_is_no_global_id_is_bad_user_input(api, sign_in, user):
    # when
    result = api.execute(REVOKE_SESSION, {"id": "garbage"}, token=sign_in(user)["token"])

    # then
    assert error_codes(result) == ["BAD_USER_INPUT"]


@pytest.mark.parametrize("document", [MY_SESSIONS, REVOKE_SESSION])
def test_sessions_need_sign_in(api, db, document):
    # when
    variables = {"id": to_global_id("Session", "a" * 32)} if "$id" in document else {}
    result = api.execute(document, variables)

    # then
    assert error_codes(result) == ["UNAUTHENTICATED"]


def test_sign_out_with_revoke_token_ends_the_sessions_access_tokens_too(api, sign_in, user):
    # given
    phone, laptop = sign_in(user), sign_in(user)

    # when: the phone signs out
    api.execute(REVOKE_TOKEN, {"refreshToken": phone["refreshToken"]})

    # then: its access token stops now, not at expiry; the laptop goes on
    assert error_codes(api.execute(ME, token=phone["token"])) == ["TOKEN_INVALID"]
    assert api.execute(ME, token=laptop["token"]) == {"data": {"me": {"username": "alice"}}}
    assert [s["current"] for s in sessions_of(api, laptop["token"])] == [True]


def test_a_long_user_agent_is_cut_and_control_characters_blanked(api, sign_in_from, user):
    # given
    signed_in = sign_in_from(user, user_agent="A\tB" + "x" * 5000)

    # when
    [session] = sessions_of(api, signed_in["token"])

    # then
    assert session["userAgent"] == "A B" + "x" * 197


def test_the_address_behind_a_trusted_proxy_is_the_forwarded_one(api, sign_in_from, user, settings):
    # given: the proxy is trusted; a client behind it, a spoofed hop to its left
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    signed_in = sign_in_from(
        user,
        user_agent=PHONE,
        remote_addr="10.1.2.3",
        **{"X-Forwarded-For": "192.0.2.1, 198.51.100.200"},
    )

    # when
    [session] = sessions_of(api, signed_in["token"])

    # then
    assert session["ipNetwork"] == "198.51.100.0/24"


def test_an_untrusted_peer_cannot_choose_its_address(api, sign_in_from, user):
    # given: no trusted proxies; the header is the client's own text
    signed_in = sign_in_from(
        user, user_agent=PHONE, remote_addr="203.0.113.5", **{"X-Forwarded-For": "192.0.2.1"}
    )

    # when
    [session] = sessions_of(api, signed_in["token"])

    # then
    assert session["ipNetwork"] == "203.0.113.0/24"


def test_a_sign_in_beyond_the_cap_ends_the_least_recently_used_session(
    api, sign_in, user, settings
):
    # given: the cap reached; the first session refreshed, so the second is the oldest
    settings.SESSIONS_PER_USER_MAX = 3
    first, second, third = sign_in(user), sign_in(user), sign_in(user)
    first = api.execute(REFRESH_TOKEN, {"refreshToken": first["refreshToken"]})["data"][
        "refreshToken"
    ]

    # when
    fourth = sign_in(user)

    # then: three sessions; the second one ended, access token included
    assert len(sessions_of(api, fourth["token"])) == 3
    assert error_codes(api.execute(ME, token=second["token"])) == ["TOKEN_INVALID"]
    for survivor in (first, third, fourth):
        assert api.execute(ME, token=survivor["token"]) == {"data": {"me": {"username": "alice"}}}


def test_ending_a_session_adds_no_query_to_an_authenticated_request(api, sign_in, user):
    # given: one request's queries before any session ended
    phone, laptop = sign_in(user), sign_in(user)
    with CaptureQueriesContext(connection) as before:
        assert "errors" not in api.execute(ME, token=laptop["token"])
    session = next(s for s in sessions_of(api, laptop["token"]) if not s["current"])
    api.execute(REVOKE_SESSION, {"id": session["id"]}, token=laptop["token"])

    # when
    with CaptureQueriesContext(connection) as after:
        assert "errors" not in api.execute(ME, token=laptop["token"])
    with CaptureQueriesContext(connection) as refused:
        assert error_codes(api.execute(ME, token=phone["token"])) == ["TOKEN_INVALID"]

    # then: one query each (the user row), before and after
    assert len(before.captured_queries) == len(after.captured_queries) == 1
    assert len(refused.captured_queries) == 1


def test_node_finds_only_your_own_session(api, sign_in, user, make_user):
    # given
    alices = sign_in(user)
    [session] = sessions_of(api, alices["token"])
    bobs = sign_in(make_user("bob"))
    document = "query($id: ID!) { node(id: $id) { id ... on Session { current } } }"

    # when
    own = api.execute(document, {"id": session["id"]}, token=alices["token"])
    other = api.execute(document, {"id": session["id"]}, token=bobs["token"])

    # then
    assert own == {"data": {"node": {"id": session["id"], "current": True}}}
    assert error_codes(other) == ["NOT_FOUND"]
