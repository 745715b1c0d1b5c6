"""Shared fixtures: users, and a client that talks to /graphql/ as a frontend does."""

import os
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from django.conf import settings
from django.core.cache import cache
from django.db.models import F
from django.test import Client

from accounts.models import RefreshToken, User
from accounts.query_templates import fixed_query_templates, query_templates
from accounts.tokens import ACCESS_TOKEN_JOSE_TYPE, access_token_issue, password_fingerprint
from schema.core.worker_throttles import anonymous_preparations, refusal_memo

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


def rotations_aged_past_the_reuse_interval() -> None:
    """As if every refresh-token rotation so far had happened 61 s ago, past any reuse interval."""
    RefreshToken.objects.filter(revoked_at__isnull=False).update(
        revoked_at=F("revoked_at") - timedelta(seconds=61)
    )


@pytest.fixture(autouse=True)
def _empty_cache():
    """Every test starts with no throttling counters. With REDIS_URL set this
    flushes that Redis database: give the tests a database of their own. The
    workers' memo of budget refusals goes with the counters it mirrors."""
    cache.clear()
    refusal_memo.clear()
    anonymous_preparations.reset()
    # Which request makes a query template depends on no earlier test.
    query_templates.clear()
    fixed_query_templates.clear()


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
            "token_version": user.token_version,
            "pwd": password_fingerprint(user),
            "sid": "test-session",
        }
        claims.update(overrides)
        claims = {key: value for key, value in claims.items() if value is not None}
        return jwt.encode(
            claims,
            settings.JWT_SIGNING_KEY,
            algorithm=settings.JWT_ALGORITHM,
            headers={"typ": ACCESS_TOKEN_JOSE_TYPE},
        )

    return sign


@dataclass(frozen=True)
class KeyPair:
    private_pem: str
    public_pem: str


def key_pair_pem(private_key) -> KeyPair:
    """The PEM texts of a cryptography private key and its public key."""
    return KeyPair(
        private_pem=private_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ).decode(),
        public_pem=private_key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode(),
    )


@pytest.fixture(scope="session")
def rsa_key_pair() -> KeyPair:
    return key_pair_pem(rsa.generate_private_key(public_exponent=65537, key_size=2048))


@pytest.fixture(scope="session")
def ec_key_pair() -> KeyPair:
    return key_pair_pem(ec.generate_private_key(ec.SECP256R1()))


@pytest.fixture
def rs256(settings, rsa_key_pair) -> KeyPair:
    """Sign and verify access tokens with RS256 for this test."""
    settings.JWT_ALGORITHM = "RS256"
    settings.JWT_SIGNING_KEY = rsa_key_pair.private_pem
    settings.JWT_VERIFYING_KEY = rsa_key_pair.public_pem
    return rsa_key_pair


@pytest.fixture
def es256(settings, ec_key_pair) -> KeyPair:
    """Sign and verify access tokens with ES256 for this test."""
    settings.JWT_ALGORITHM = "ES256"
    settings.JWT_SIGNING_KEY = ec_key_pair.private_pem
    settings.JWT_VERIFYING_KEY = ec_key_pair.public_pem
    return ec_key_pair


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
    """Create an organization through the service, owned by `owner`, with extra members
    (as if each had accepted an invitation)."""
    from organization.models import Membership
    from organization.services import organization_create

    def create(owner: User, name: str = "Acme", members: dict | None = None, **fields: Any):
        organization = organization_create(user=owner, name=name, **fields)
        for member, role in (members or {}).items():
            Membership.objects.create(organization=organization, user=member, role=role)
        return organization

    return create


def run_in_another_process(script: str) -> None:
    """Run `script` in a new Python process with the test settings; it must succeed.

    For what another worker would see: a shared cache, counters across processes.
    """
    # The script is the calling test's own text.
    done = subprocess.run(  # noqa: S603
        [sys.executable, "-c", script],
        cwd=settings.BASE_DIR,
        env=dict(os.environ, DJANGO_SETTINGS_MODULE="config.settings.test"),
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr


@pytest.fixture
def smtp_server():
    """A real SMTP server on a free port, started; `stop()` and `start()` take it down and up."""
    from tests.mail_services import SmtpServer

    server = SmtpServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def start_mail_worker(transactional_db, settings, tmp_path):
    """Start `db_worker` processes sending to an SMTP server; the database task backend here too.

    Transactional, so what the test commits is what the worker sees.
    """
    from tests.mail_services import TaskWorker

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    workers = []

    def start(smtp, **environment: str) -> TaskWorker:
        worker = TaskWorker(
            smtp=smtp, log_path=tmp_path / f"worker-{len(workers)}.log", **environment
        )
        workers.append(worker)
        return worker

    yield start
    for worker in workers:
        worker.stop()
