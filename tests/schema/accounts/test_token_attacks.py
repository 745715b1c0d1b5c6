"""Forged, stale and malformed tokens: each is refused with a code, never a 500.

Every attack is presented where an access token is expected, both as the Bearer
header of a query and to verifyToken.
"""

import base64
import hashlib
import hmac
import json
import time
from collections.abc import Callable
from dataclasses import dataclass

import jwt
import pytest

from accounts.tokens import (
    REQUIRED_CLAIMS,
    SESSION_CLAIM,
    access_token_issue,
    password_fingerprint,
)
from tests.conftest import error_codes
from tests.schema.accounts.queries import ME, REFRESH_TOKEN, REVOKE_TOKEN, VERIFY_TOKEN

ISSUER = "https://api.example.com"
AUDIENCE = "example-frontend"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _segment(value: dict) -> str:
    return _b64(json.dumps(value, separators=(",", ":")).encode())


@dataclass
class Attacker:
    """What an attacker can build: claims of a real user, signed any way they like."""

    user: object
    settings: object
    sign: Callable[..., str]

    def claims(self, **overrides) -> dict:
        now = int(time.time())
        claims = {
            "user_id": str(self.user.pk),
            "username": self.user.username,
            "token_type": "access",
            "jti": "attack",
            "iat": now,
            "exp": now + 300,
            "origIat": now,
            "token_version": self.user.token_version,
            "pwd": password_fingerprint(self.user),
        }
        claims.update(overrides)
        return {key: value for key, value in claims.items() if value is not None}


def alg_none(attacker: Attacker) -> str:
    return jwt.encode(attacker.claims(), key=None, algorithm="none")


def alg_none_with_the_real_signature(attacker: Attacker) -> str:
    _, payload, signature = access_token_issue(user=attacker.user).token.split(".")
    return f"{_segment({'alg': 'none', 'typ': 'JWT'})}.{payload}.{signature}"


def hs256_signed_with_the_rs256_public_key(attacker: Attacker) -> str:
    # The classic algorithm confusion: the public key used as an HMAC secret.
    # PyJWT refuses to build it, so it is built by hand.
    public_pem = attacker.settings.JWT_VERIFYING_KEY
    signing_input = f"{_segment({'alg': 'HS256', 'typ': 'JWT'})}.{_segment(attacker.claims())}"
    signature = hmac.new(public_pem.encode(), signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{_b64(signature)}"


def wrong_key(attacker: Attacker) -> str:
    return jwt.encode(attacker.claims(), "another-key-that-is-at-least-32-bytes!", "HS256")


def hs512_with_the_right_key(attacker: Attacker) -> str:
    return jwt.encode(attacker.claims(), attacker.settings.JWT_SIGNING_KEY, "HS512")


def tampered_payload(attacker: Attacker) -> str:
    header, _, signature = access_token_issue(user=attacker.user).token.split(".")
    forged = attacker.claims(user_id=str(attacker.user.pk + 1), username="admin")
    return f"{header}.{_segment(forged)}.{signature}"


def stripped_signature(attacker: Attacker) -> str:
    header, payload, _ = access_token_issue(user=attacker.user).token.split(".")
    return f"{header}.{payload}."


def expired(attacker: Attacker) -> str:
    now = int(time.time())
    # Past the clock-skew leeway (JWT_LEEWAY).
    return attacker.sign(attacker.user, iat=now - 600, exp=now - 60, origIat=now - 600)


def future_nbf(attacker: Attacker) -> str:
    return attacker.sign(attacker.user, nbf=int(time.time()) + 3600)


def future_iat(attacker: Attacker) -> str:
    now = int(time.time())
    return attacker.sign(attacker.user, iat=now + 3600, exp=now + 7200)


def without_exp(attacker: Attacker) -> str:
    return attacker.sign(attacker.user, exp=None)


def refresh_token_type(attacker: Attacker) -> str:
    return attacker.sign(attacker.user, token_type="refresh")


def user_id_as_a_number(attacker: Attacker) -> str:
    return attacker.sign(attacker.user, user_id=attacker.user.pk)


def token_version_as_a_string(attacker: Attacker) -> str:
    return attacker.sign(attacker.user, token_version="0")


def exp_as_a_string(attacker: Attacker) -> str:
    return attacker.sign(attacker.user, exp=str(int(time.time()) + 300))


def payload_not_an_object(attacker: Attacker) -> str:
    header, _, _ = access_token_issue(user=attacker.user).token.split(".")
    return f"{header}.{_b64(b'[1, 2, 3]')}.c2ln"


def garbage(attacker: Attacker) -> str:
    return "garbage"


def garbage_with_three_segments(attacker: Attacker) -> str:
    return "a.b.c"


def oversized_garbage(attacker: Attacker) -> str:
    return "x" * 8000


def wrong_issuer(attacker: Attacker) -> str:
    attacker.settings.JWT_ISSUER = ISSUER
    return attacker.sign(attacker.user, iss="https://evil.example.com")


def missing_issuer(attacker: Attacker) -> str:
    attacker.settings.JWT_ISSUER = ISSUER
    return attacker.sign(attacker.user)


def wrong_audience(attacker: Attacker) -> str:
    attacker.settings.JWT_AUDIENCE = AUDIENCE
    return attacker.sign(attacker.user, aud="another-service")


def missing_audience(attacker: Attacker) -> str:
    attacker.settings.JWT_AUDIENCE = AUDIENCE
    return attacker.sign(attacker.user)


ATTACKS = [
    (alg_none, "TOKEN_INVALID"),
    (alg_none_with_the_real_signature, "TOKEN_INVALID"),
    (wrong_key, "TOKEN_INVALID"),
    (hs512_with_the_right_key, "TOKEN_INVALID"),
    (tampered_payload, "TOKEN_INVALID"),
    (stripped_signature, "TOKEN_INVALID"),
    (expired, "TOKEN_EXPIRED"),
    (future_nbf, "TOKEN_INVALID"),
    (future_iat, "TOKEN_INVALID"),
    (without_exp, "TOKEN_INVALID"),
    (refresh_token_type, "TOKEN_INVALID"),
    (user_id_as_a_number, "TOKEN_INVALID"),
    (exp_as_a_string, "TOKEN_INVALID"),
    (token_version_as_a_string, "TOKEN_INVALID"),
    (payload_not_an_object, "TOKEN_INVALID"),
    (garbage, "TOKEN_INVALID"),
    (garbage_with_three_segments, "TOKEN_INVALID"),
    (oversized_garbage, "TOKEN_INVALID"),
    (wrong_issuer, "TOKEN_INVALID"),
    (missing_issuer, "TOKEN_INVALID"),
    (wrong_audience, "TOKEN_INVALID"),
    (missing_audience, "TOKEN_INVALID"),
]


@pytest.fixture
def attacker(user, settings, signed_token) -> Attacker:
    return Attacker(user=user, settings=settings, sign=signed_token)


def _present_as_bearer(api, token):
    return api.post(ME, token=token)


def _present_to_verify_token(api, token):
    return api.post(VERIFY_TOKEN, {"token": token})


@pytest.fixture(params=[_present_as_bearer, _present_to_verify_token], ids=["bearer", "verify"])
def present(request):
    return request.param


def test_control_a_correctly_signed_token_of_the_same_shape_is_accepted(api, attacker, present):
    # given: proves that the harness can pass, so each refusal below is the attack's
    token = attacker.sign(attacker.user)

    # when
    response = present(api, token)

    # then
    assert response.status_code == 200
    assert "errors" not in response.json()


@pytest.mark.parametrize(("forge", "code"), ATTACKS, ids=[forge.__name__ for forge, _ in ATTACKS])
def test_forged_or_stale_access_token_is_refused(api, attacker, present, forge, code):
    # given
    token = forge(attacker)

    # when
    response = present(api, token)

    # then
    assert response.status_code == 200
    assert error_codes(response.json()) == [code]


def test_hs256_signed_with_the_rs256_public_key_is_refused(api, attacker, present, rs256):
    # given: the server signs with RS256, so its public key is no secret
    token = hs256_signed_with_the_rs256_public_key(attacker)
    assert api.execute(ME, token=access_token_issue(user=attacker.user).token) == {
        "data": {"me": {"username": "alice"}}
    }

    # when
    response = present(api, token)

    # then
    assert response.status_code == 200
    assert error_codes(response.json()) == ["TOKEN_INVALID"]


@pytest.mark.parametrize("claim", [claim for claim in REQUIRED_CLAIMS if claim != SESSION_CLAIM])
def test_token_without_a_required_claim_is_refused(api, attacker, present, claim):
    # given
    token = attacker.sign(attacker.user, **{claim: None})

    # when
    response = present(api, token)

    # then
    assert response.status_code == 200
    assert error_codes(response.json()) == ["TOKEN_INVALID"]


def test_token_from_before_sessions_is_expired_so_the_client_refreshes(api, attacker, present):
    # given: every claim but `sid`, as the previous release signed them
    token = attacker.sign(attacker.user, sid=None)

    # when
    response = present(api, token)

    # then: TOKEN_EXPIRED (refresh), not TOKEN_INVALID (sign in again)
    assert response.status_code == 200
    assert error_codes(response.json()) == ["TOKEN_EXPIRED"]


def test_refresh_token_where_an_access_token_is_expected_is_refused(api, sign_in, user, present):
    # given
    refresh_token = sign_in(user)["refreshToken"]

    # when
    response = present(api, refresh_token)

    # then
    assert response.status_code == 200
    assert error_codes(response.json()) == ["TOKEN_INVALID"]


@pytest.mark.parametrize("document", [REFRESH_TOKEN, REVOKE_TOKEN], ids=["refresh", "revoke"])
def test_access_token_where_a_refresh_token_is_expected_is_refused(api, sign_in, user, document):
    # given
    access_token = sign_in(user)["token"]

    # when
    response = api.post(document, {"refreshToken": access_token})

    # then
    assert response.status_code == 200
    assert error_codes(response.json()) == ["TOKEN_INVALID"]


@pytest.mark.parametrize("refresh_token", ["", "garbage", "x" * 8000, "a.b.c"])
def test_garbage_refresh_token_is_refused(api, db, refresh_token):
    # when
    response = api.post(REFRESH_TOKEN, {"refreshToken": refresh_token})

    # then
    assert response.status_code == 200
    assert error_codes(response.json()) == ["TOKEN_INVALID"]
