"""TokenClaims: the access token's claims, typed; `payload` stays, deprecated, the same claims."""

from datetime import UTC, datetime

from graphql_relay import to_global_id

from schema import schema
from tests.conftest import PASSWORD

CLAIMS = "userId username tokenType tokenId issuedAt expiresAt signedInAt issuer audience"
TOKEN_AUTH = f"""
mutation ($username: String!, $password: String!) {{
  tokenAuth(username: $username, password: $password) {{ token claims {{ {CLAIMS} }} payload }}
}}
"""
VERIFY = f"mutation ($token: String!) {{ verifyToken(token: $token) {{ claims {{ {CLAIMS} }} }} }}"


def as_instant(seconds: int) -> str:
    return datetime.fromtimestamp(seconds, tz=UTC).isoformat()


def test_token_auth_claims_are_the_payload_typed(api, user):
    # when
    data = api.execute(TOKEN_AUTH, {"username": "alice", "password": PASSWORD})["data"]

    # then
    payload = data["tokenAuth"]["payload"]
    assert data["tokenAuth"]["claims"] == {
        "userId": to_global_id("User", user.pk),
        "username": "alice",
        "tokenType": "access",
        "tokenId": payload["jti"],
        "issuedAt": as_instant(payload["iat"]),
        "expiresAt": as_instant(payload["exp"]),
        "signedInAt": as_instant(payload["origIat"]),
        "issuer": None,
        "audience": None,
    }


def test_verify_token_gives_the_same_claims(api, user, settings):
    # given
    settings.JWT_ISSUER = "https://api.example.com"
    settings.JWT_AUDIENCE = "example-web"
    signed_in = api.execute(TOKEN_AUTH, {"username": "alice", "password": PASSWORD})["data"]

    # when
    verified = api.execute(VERIFY, {"token": signed_in["tokenAuth"]["token"]})

    # then
    assert verified["data"]["verifyToken"]["claims"] == signed_in["tokenAuth"]["claims"]
    assert verified["data"]["verifyToken"]["claims"]["issuer"] == "https://api.example.com"
    assert verified["data"]["verifyToken"]["claims"]["audience"] == "example-web"


def test_payload_is_deprecated_in_favour_of_claims():
    # given
    graphql_schema = schema.graphql_schema

    # then
    for type_name in ("TokenAuth", "RefreshToken", "VerifyToken", "ChangePassword"):
        fields = graphql_schema.get_type(type_name).fields
        assert "claims" in fields
        assert "`claims`" in fields["payload"].deprecation_reason
