"""Cookie mode: the refresh token in an HttpOnly cookie, refreshToken/revokeToken through it."""

import pytest

from accounts.models import RefreshToken
from accounts.refresh_cookie import REFRESH_COOKIE_NAME, REFRESH_COOKIE_PATH
from tests.conftest import PASSWORD, error_codes

APP = "https://app.example.com"
TOKEN_URL = "/graphql/token/"

COOKIE_SIGN_IN = (
    'mutation { tokenAuth(username: "alice", password: "'
    + PASSWORD
    + '", refreshTokenInCookie: true) { token refreshToken csrfToken claims { userId } } }'
)
COOKIE_REFRESH = "mutation { refreshToken { token refreshToken csrfToken } }"
COOKIE_REVOKE = "mutation { revokeToken { revoked } }"


@pytest.fixture(autouse=True)
def allowed_origin(settings):
    settings.CORS_ALLOWED_ORIGINS = [APP]


def post(client, query: str, *, origin: str | None = APP, csrf: str | None = None, **headers):
    if origin is not None:
        headers["Origin"] = origin
    if csrf is not None:
        headers["X-CSRF-Token"] = csrf
    return client.post(
        TOKEN_URL, {"query": query}, content_type="application/json", headers=headers
    )


@pytest.fixture
def signed_in(client, user) -> dict:
    """A cookie-mode sign-in: the client holds the cookie; returns the payload."""
    response = post(client, COOKIE_SIGN_IN)
    body = response.json()
    assert "errors" not in body, body
    return body["data"]["tokenAuth"]


def test_sign_in_puts_the_refresh_token_in_an_httponly_cookie_and_not_in_the_body(client, user):
    # when
    response = post(client, COOKIE_SIGN_IN)

    # then
    payload = response.json()["data"]["tokenAuth"]
    assert payload["refreshToken"] is None
    assert payload["token"]
    assert len(payload["csrfToken"]) == 64
    cookie = response.cookies[REFRESH_COOKIE_NAME]
    assert cookie["httponly"] is True
    assert cookie["secure"] is True
    assert cookie["samesite"] == "Strict"
    assert cookie["path"] == REFRESH_COOKIE_PATH
    assert cookie["domain"] == ""
    assert cookie["expires"]
    # The cookie holds the chain's live refresh token.
    assert RefreshToken.objects.filter(user=user, revoked_at__isnull=True).count() == 1


def test_samesite_is_settable(client, user, settings):
    # given
    settings.REFRESH_TOKEN_COOKIE_SAMESITE = "None"

    # when
    response = post(client, COOKIE_SIGN_IN)

    # then
    assert response.cookies[REFRESH_COOKIE_NAME]["samesite"] == "None"


def test_without_cookie_mode_nothing_changes(client, user):
    # when
    response = post(client, COOKIE_SIGN_IN.replace("true", "false"), origin=None)

    # then
    payload = response.json()["data"]["tokenAuth"]
    assert payload["refreshToken"]
    assert payload["csrfToken"] is None
    assert REFRESH_COOKIE_NAME not in response.cookies


@pytest.mark.parametrize("origin", [None, "https://evil.example.com", "null"])
def test_cookie_mode_sign_in_from_another_origin_is_refused(client, user, origin):
    # when
    response = post(client, COOKIE_SIGN_IN, origin=origin)

    # then
    assert error_codes(response.json()) == ["ORIGIN_NOT_ALLOWED"]
    assert REFRESH_COOKIE_NAME not in response.cookies
    assert not RefreshToken.objects.exists()


def test_refresh_through_the_cookie_rotates_it(client, signed_in, user):
    # given
    old_cookie = client.cookies[REFRESH_COOKIE_NAME].value

    # when
    response = post(client, COOKIE_REFRESH, csrf=signed_in["csrfToken"])

    # then
    payload = response.json()["data"]["refreshToken"]
    assert payload["token"]
    assert payload["refreshToken"] is None
    assert payload["csrfToken"] == signed_in["csrfToken"]
    new_cookie = response.cookies[REFRESH_COOKIE_NAME]
    assert new_cookie.value not in ("", old_cookie)
    assert new_cookie["httponly"] is True


def test_the_api_s_own_origin_may_refresh(client, signed_in):
    # when: a page served by the API itself (http://testserver)
    response = post(client, COOKIE_REFRESH, origin="http://testserver", csrf=signed_in["csrfToken"])

    # then
    assert response.json()["data"]["refreshToken"]["token"]


@pytest.mark.parametrize("mutation", [COOKIE_REFRESH, COOKIE_REVOKE])
@pytest.mark.parametrize(
    ("origin", "csrf", "code"),
    [
        ("https://evil.example.com", "right", "ORIGIN_NOT_ALLOWED"),
        (None, "right", "ORIGIN_NOT_ALLOWED"),
        (APP, None, "CSRF_TOKEN_INVALID"),
        (APP, "0" * 64, "CSRF_TOKEN_INVALID"),
    ],
)
def test_cookie_without_origin_and_csrf_proof_does_nothing(
    client, signed_in, user, mutation, origin, csrf, code
):
    # given
    cookie = client.cookies[REFRESH_COOKIE_NAME].value

    # when
    response = post(
        client, mutation, origin=origin, csrf=signed_in["csrfToken"] if csrf == "right" else csrf
    )

    # then: refused, the chain and the cookie untouched
    assert error_codes(response.json()) == [code]
    assert REFRESH_COOKIE_NAME not in response.cookies
    live = RefreshToken.objects.get(user=user, revoked_at__isnull=True)
    assert client.cookies[REFRESH_COOKIE_NAME].value == cookie
    assert live.successor_sealed == ""


def test_the_csrf_value_of_another_sign_in_is_refused(client, signed_in, user):
    # given: a second sign-in (another tab of the attacker, say) with its own value
    other = post(client.__class__(), COOKIE_SIGN_IN).json()["data"]["tokenAuth"]["csrfToken"]

    # when
    response = post(client, COOKIE_REFRESH, csrf=other)

    # then
    assert other != signed_in["csrfToken"]
    assert error_codes(response.json()) == ["CSRF_TOKEN_INVALID"]


def test_no_cookie_is_unauthenticated(client, db):
    # when
    response = post(client, COOKIE_REFRESH, csrf="anything")

    # then
    assert error_codes(response.json()) == ["UNAUTHENTICATED"]


def test_a_cookie_the_server_does_not_know_is_invalid_and_cleared(client, db):
    # given
    client.cookies[REFRESH_COOKIE_NAME] = "not-a-refresh-token"

    # when
    response = post(client, COOKIE_REFRESH, csrf="anything")

    # then
    assert error_codes(response.json()) == ["TOKEN_INVALID"]
    assert response.cookies[REFRESH_COOKIE_NAME].value == ""


def test_the_cookie_authenticates_no_other_field(client, signed_in):
    # when: the cookie and the CSRF header, but no Bearer header
    response = post(client, "query { me { username } }", csrf=signed_in["csrfToken"])

    # then
    assert error_codes(response.json()) == ["UNAUTHENTICATED"]


def test_revoke_through_the_cookie_ends_the_session_and_clears_the_cookie(client, signed_in, user):
    # when
    response = post(client, COOKIE_REVOKE, csrf=signed_in["csrfToken"])

    # then
    assert response.json() == {"data": {"revokeToken": {"revoked": True}}}
    cleared = response.cookies[REFRESH_COOKIE_NAME]
    assert cleared.value == ""
    assert cleared["path"] == REFRESH_COOKIE_PATH
    assert not RefreshToken.objects.filter(user=user, revoked_at__isnull=True).exists()
    # and: the access token of the session is refused
    me = client.post(
        "/graphql/",
        {"query": "query { me { username } }"},
        content_type="application/json",
        headers={"Authorization": f"Bearer {signed_in['token']}"},
    )
    assert error_codes(me.json()) == ["TOKEN_INVALID"]


def test_a_replayed_cookie_past_the_reuse_interval_ends_the_chain_and_clears_it(
    client, signed_in, user, settings
):
    # given: the cookie's token rotated, and a copy of the old one replayed, interval off
    settings.JWT_REFRESH_TOKEN_REUSE_INTERVAL = 0
    old = client.cookies[REFRESH_COOKIE_NAME].value
    post(client, COOKIE_REFRESH, csrf=signed_in["csrfToken"])
    client.cookies[REFRESH_COOKIE_NAME] = old

    # when
    response = post(client, COOKIE_REFRESH, csrf=signed_in["csrfToken"])

    # then
    assert error_codes(response.json()) == ["REFRESH_TOKEN_REUSED"]
    assert response.cookies[REFRESH_COOKIE_NAME].value == ""
    assert not RefreshToken.objects.filter(user=user, revoked_at__isnull=True).exists()


NEW_PASSWORD = "a-brand-new-passphrase-42"
COOKIE_CHANGE_PASSWORD = (
    'mutation { changePassword(oldPassword: "'
    + PASSWORD
    + '", newPassword: "'
    + NEW_PASSWORD
    + '", refreshTokenInCookie: true) { token refreshToken csrfToken errors { code } } }'
)


def test_a_password_change_in_cookie_mode_puts_the_new_refresh_token_in_the_cookie(
    client, signed_in, user
):
    # given: the cookie-mode sign-in's refresh token, which the change will end
    old_cookie = client.cookies[REFRESH_COOKIE_NAME].value

    # when
    response = post(client, COOKIE_CHANGE_PASSWORD, Authorization=f"Bearer {signed_in['token']}")

    # then: the new pair's refresh token is in the cookie, never in the body, and it
    # refreshes with the csrfToken this answer returned
    payload = response.json()["data"]["changePassword"]
    assert payload["errors"] == []
    assert payload["refreshToken"] is None
    new_cookie = response.cookies[REFRESH_COOKIE_NAME]
    assert new_cookie.value not in ("", old_cookie)
    assert new_cookie["httponly"] is True
    assert new_cookie["path"] == REFRESH_COOKIE_PATH
    refreshed = post(client, COOKIE_REFRESH, csrf=payload["csrfToken"])
    assert refreshed.json()["data"]["refreshToken"]["token"]
    client.cookies[REFRESH_COOKIE_NAME] = old_cookie
    stale = post(client, COOKIE_REFRESH, csrf=signed_in["csrfToken"])
    assert error_codes(stale.json()) == ["REFRESH_TOKEN_REUSED"]  # ended by the change


def test_a_cookie_mode_password_change_from_another_origin_changes_nothing(client, signed_in, user):
    # when
    response = post(
        client,
        COOKIE_CHANGE_PASSWORD,
        origin="https://evil.example.com",
        Authorization=f"Bearer {signed_in['token']}",
    )

    # then
    assert error_codes(response.json()) == ["ORIGIN_NOT_ALLOWED"]
    assert REFRESH_COOKIE_NAME not in response.cookies
    user.refresh_from_db()
    assert user.check_password(PASSWORD)
