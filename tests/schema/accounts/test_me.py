import time

import jwt
import pytest
from django.test import Client

from accounts.tokens import access_token_issue
from tests.conftest import error_codes
from tests.schema.accounts.queries import ME


def test_me_without_token_is_unauthenticated(api, db):
    # when
    result = api.execute(ME)

    # then
    assert error_codes(result) == ["UNAUTHENTICATED"]
    assert result["data"] == {"me": None}


def test_me_with_valid_token_returns_the_user(api, user):
    # given
    token = access_token_issue(user=user).token

    # when
    result = api.execute(ME, token=token)

    # then
    assert result == {"data": {"me": {"username": "alice"}}}


def test_me_with_expired_token_says_token_expired(api, user, signed_token):
    # given
    now = int(time.time())
    token = signed_token(user, iat=now - 600, exp=now - 300, origIat=now - 600)

    # when
    result = api.execute(ME, token=token)

    # then
    assert error_codes(result) == ["TOKEN_EXPIRED"]


def test_me_with_tampered_token_says_token_invalid(api, user, db):
    # given: the payload swapped for another user's, the signature kept
    other = user.__class__.objects.create_user(username="mallory", password="x")
    header, _, signature = access_token_issue(user=user).token.split(".")
    _, forged_payload, _ = access_token_issue(user=other).token.split(".")
    tampered = f"{header}.{forged_payload}.{signature}"

    # when
    result = api.execute(ME, token=tampered)

    # then
    assert error_codes(result) == ["TOKEN_INVALID"]


def test_me_with_alg_none_token_says_token_invalid(api, user):
    # given
    now = int(time.time())
    claims = {
        "user_id": str(user.pk),
        "username": user.username,
        "token_type": "access",
        "jti": "x",
        "iat": now,
        "exp": now + 300,
        "origIat": now,
    }
    unsigned = jwt.encode(claims, key=None, algorithm="none")

    # when
    result = api.execute(ME, token=unsigned)

    # then
    assert error_codes(result) == ["TOKEN_INVALID"]


def test_me_with_wrong_key_says_token_invalid(api, user):
    # given
    now = int(time.time())
    claims = {"user_id": str(user.pk), "username": "alice", "token_type": "access", "jti": "x"}
    claims |= {"iat": now, "exp": now + 300, "origIat": now}
    forged = jwt.encode(claims, "another-key-that-is-at-least-32-bytes!", algorithm="HS256")

    # when
    result = api.execute(ME, token=forged)

    # then
    assert error_codes(result) == ["TOKEN_INVALID"]


def test_me_with_token_without_exp_says_token_invalid(api, user, signed_token):
    # when
    result = api.execute(ME, token=signed_token(user, exp=None))

    # then
    assert error_codes(result) == ["TOKEN_INVALID"]


def test_me_with_jwt_prefixed_header_says_token_invalid(api, user):
    # given: the library's default prefix, which this API does not accept
    token = access_token_issue(user=user).token

    # when
    result = api.execute(ME, authorization=f"JWT {token}")

    # then
    assert error_codes(result) == ["TOKEN_INVALID"]
    assert "Bearer" in result["errors"][0]["message"]


@pytest.mark.parametrize("header", ["Bearer", "Bearer ", "Bearer not-a-jwt", "Basic YWxpY2U6eA=="])
def test_me_with_malformed_header_says_token_invalid(api, db, header):
    # when
    result = api.execute(ME, authorization=header)

    # then
    assert error_codes(result) == ["TOKEN_INVALID"]


def test_bearer_scheme_is_case_insensitive(api, user):
    # when
    result = api.execute(ME, authorization=f"bearer {access_token_issue(user=user).token}")

    # then
    assert result == {"data": {"me": {"username": "alice"}}}


def test_inactive_users_token_is_refused(api, user):
    # given
    token = access_token_issue(user=user).token
    user.is_active = False
    user.save()

    # when
    result = api.execute(ME, token=token)

    # then
    assert error_codes(result) == ["TOKEN_INVALID"]


def test_deleted_users_token_is_refused(api, user):
    # given
    token = access_token_issue(user=user).token
    user.delete()

    # when
    result = api.execute(ME, token=token)

    # then
    assert error_codes(result) == ["TOKEN_INVALID"]


@pytest.fixture
def admin_browser(user) -> Client:
    """A browser signed in to the admin, with CSRF checks on as in production."""
    browser = Client(enforce_csrf_checks=True)
    user.is_staff = True
    user.save()
    browser.force_login(user)
    return browser


def test_cross_site_form_post_is_refused_before_it_runs(admin_browser):
    # when: a cross-site form posts to /graphql/ with the session cookie
    response = admin_browser.post("/graphql/", {"query": ME})

    # then: a form's media type is not JSON, so nothing runs
    assert response.status_code == 415
    assert error_codes(response.json()) == ["BAD_REQUEST"]


def test_session_cookie_never_authenticates_graphql(admin_browser):
    # when: the signed-in browser sends JSON with its session cookie and no token
    response = admin_browser.post("/graphql/", {"query": ME}, content_type="application/json")

    # then
    assert response.status_code == 200
    assert error_codes(response.json()) == ["UNAUTHENTICATED"]


def test_bearer_request_needs_no_csrf_token(user):
    # given
    client = Client(enforce_csrf_checks=True)
    token = access_token_issue(user=user).token

    # when
    response = client.post(
        "/graphql/",
        {"query": ME},
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}"},
    )

    # then
    assert response.status_code == 200
    assert response.json() == {"data": {"me": {"username": "alice"}}}


def test_unauthenticated_field_does_not_break_public_fields(api, db):
    # when: one request asks for a login-only field and a public one
    result = api.execute("query { __typename me { username } }")

    # then
    assert error_codes(result) == ["UNAUTHENTICATED"]
    assert result["data"] == {"__typename": "Query", "me": None}


def test_authenticated_request_costs_one_query(api, user, django_assert_num_queries):
    # given: token_version is compared on the user row loaded anyway
    token = access_token_issue(user=user).token

    # when
    with django_assert_num_queries(1):
        result = api.execute(ME, token=token)

    # then
    assert result == {"data": {"me": {"username": "alice"}}}
