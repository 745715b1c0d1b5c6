"""Shared fixtures: users, and a client that talks to /graphql/ as a frontend does."""

import time
from collections.abc import Callable
from typing import Any

import jwt
import pytest
from django.conf import settings
from django.test import Client

from accounts.models import User
from accounts.tokens import access_token_issue

PASSWORD = "correct-horse-battery"


class GraphQLClient:
    """POSTs JSON to /graphql/, optionally with `Authorization: Bearer <token>`."""

    def __init__(self, client: Client) -> None:
        self.client = client
        self.token: str | None = None

    def authenticate(self, user: User) -> None:
        self.token = access_token_issue(user=user).token

    def execute(
        self,
        query: str,
        variables: dict[str, Any] | None = None,
        *,
        token: str | None = None,
        authorization: str | None = None,
    ) -> dict[str, Any]:
        response = self.post(query, variables, token=token, authorization=authorization)
        return response.json()

    def post(self, query, variables=None, *, token=None, authorization=None):
        token = token or self.token
        headers = {}
        if authorization is not None:
            headers["Authorization"] = authorization
        elif token:
            headers["Authorization"] = f"Bearer {token}"
        return self.client.post(
            "/graphql/",
            {"query": query, "variables": variables or {}},
            content_type="application/json",
            headers=headers,
        )


@pytest.fixture
def api(client: Client) -> GraphQLClient:
    return GraphQLClient(client)


@pytest.fixture
def user(db) -> User:
    return User.objects.create_user(username="alice", email="alice@example.com", password=PASSWORD)


@pytest.fixture
def signed_token() -> Callable[..., str]:
    """Sign arbitrary access-token claims with the server's key (to forge bad tokens)."""

    def sign(user: User, **overrides: Any) -> str:
        now = int(time.time())
        claims = {
            "user_id": str(user.pk),
            "username": user.username,
            "token_type": "access",
            "jti": "test-jti",
            "iat": now,
            "exp": now + 300,
            "origIat": now,
        }
        claims.update(overrides)
        claims = {key: value for key, value in claims.items() if value is not None}
        return jwt.encode(claims, settings.JWT_SIGNING_KEY, algorithm="HS256")

    return sign


def error_codes(result: dict[str, Any]) -> list[str]:
    """The `extensions.code` of every top-level error, in order."""
    return [error["extensions"]["code"] for error in result.get("errors", [])]


@pytest.fixture
def make_user(db) -> Callable[..., User]:
    def create(username: str, **attributes: Any) -> User:
        return User.objects.create_user(username=username, password=PASSWORD, **attributes)

    return create


@pytest.fixture
def make_organization(db):
    """Create an organization through the service, owned by `owner`, with extra members."""
    from organization.services import membership_add, organization_create

    def create(owner: User, name: str = "Acme", members: dict | None = None, **fields: Any):
        organization = organization_create(user=owner, name=name, **fields)
        for member, role in (members or {}).items():
            membership_add(
                actor=owner, organization=organization, username=member.username, role=role
            )
        return organization

    return create
