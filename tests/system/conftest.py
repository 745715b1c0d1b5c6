"""System tests (marker `system`): the production start under load, faults and fuzzing.

They run only when selected with `-m system` (`make test-system`; `.ci/run` runs
them), since they take minutes; a plain `make test` reports them skipped.

- Two instances and the load test run two gunicorn servers on the configured
  PostgreSQL (DATABASE_URL: the servers share pytest-django's test database) and
  Redis (REDIS_URL).
- The fault tests start their own PostgreSQL (a scratch `initdb` cluster) and
  redis-server on private ports, so that stopping them leaves the machine's
  services as they were.

Without PostgreSQL, Redis or their binaries these tests skip, unless
REQUIRE_LIVE_TOOLS is set (CI sets it): then they fail.
"""

import shutil
import textwrap
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest
from django.conf import settings
from django.db import connection

from accounts.models import User
from tests.system.harness import (
    PASSWORD,
    ScratchPostgres,
    ScratchRedis,
    Server,
    gunicorn_start,
    manage,
    postgres_can_run,
    server_environment,
)
from tests.tools import require_tool

SCRATCH_DATABASE = "system"
SCRATCH_USERS = 16


def pytest_collection_modifyitems(config, items):
    if "system" in (config.getoption("markexpr") or ""):
        return
    skip = pytest.mark.skip(reason="system test: run with -m system (make test-system; CI does)")
    for item in items:
        if item.get_closest_marker("system"):
            item.add_marker(skip)


@dataclass(frozen=True)
class SharedServices:
    """Where servers started by a test find its database and cache."""

    database_url: str
    redis_url: str


@pytest.fixture
def shared_services(transactional_db) -> SharedServices:
    """pytest-django's test database on PostgreSQL, and the Redis cache, for servers to share.

    Transactional, so what the test writes is committed and the servers see it.
    """
    require_tool(
        connection.vendor == "postgresql",
        f"needs PostgreSQL as DATABASE_URL (this run uses {connection.vendor})",
    )
    cache = settings.CACHES["default"]
    require_tool(
        cache["BACKEND"].endswith("RedisCache"), "needs Redis as the cache (set REDIS_URL)"
    )
    database = connection.settings_dict
    credentials = database["USER"] + (f":{database['PASSWORD']}" if database["PASSWORD"] else "")
    return SharedServices(
        database_url=(
            f"postgres://{credentials}@{database['HOST'] or '127.0.0.1'}:"
            f"{database['PORT'] or 5432}/{database['NAME']}"
        ),
        redis_url=cache["LOCATION"],
    )


@pytest.fixture
def start_server(tmp_path) -> Iterator[Callable[..., Server]]:
    """Start production servers (gunicorn, config/gunicorn.py); all stop after the test."""
    started: list[Server] = []

    def start(**environment: str) -> Server:
        server = gunicorn_start(log_dir=tmp_path, **environment)
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


@pytest.fixture(scope="session")
def production_password_hash() -> str:
    """PASSWORD hashed as production hashes it (the test settings' MD5 would not verify there)."""
    from accounts.hashers import Argon2idPasswordHasher

    # Production's own hasher and parameters: any other hash would be rehashed
    # at the first sign-in (the user's other sessions survive that, but the
    # tests should see the steady state).
    hasher = Argon2idPasswordHasher()
    return hasher.encode(PASSWORD, hasher.salt())


@pytest.fixture
def production_user(shared_services, production_password_hash) -> Callable[[str], User]:
    """Create a user whom the servers can sign in with PASSWORD."""

    def create(username: str) -> User:
        return User.objects.create(username=username, password=production_password_hash)

    return create


@dataclass
class ScratchStack:
    """A scratch PostgreSQL (migrated, with users sys0..sys15) and a scratch Redis."""

    postgres: ScratchPostgres
    redis: ScratchRedis

    @property
    def database_url(self) -> str:
        return self.postgres.url(SCRATCH_DATABASE)

    @property
    def redis_url(self) -> str:
        return self.redis.url(0)

    def sql(self, query: str, parameters: tuple = ()) -> list[tuple]:
        return self.postgres.execute(SCRATCH_DATABASE, query, parameters)


@pytest.fixture(scope="session")
def scratch_stack(production_password_hash) -> Iterator[ScratchStack]:
    """Our own PostgreSQL and Redis on private ports, for the tests that stop them."""
    can_run, reason = postgres_can_run()
    require_tool(can_run, reason)
    require_tool(shutil.which("redis-server") is not None, "redis-server is not installed")
    postgres = redis = None
    try:
        postgres = ScratchPostgres()
        redis = ScratchRedis()
        postgres.start()
        postgres.execute("postgres", f"CREATE DATABASE {SCRATCH_DATABASE}")
        redis.start()
        stack = ScratchStack(postgres=postgres, redis=redis)
        env = server_environment(DATABASE_URL=stack.database_url, REDIS_URL=stack.redis_url)
        manage(env, "migrate", "--noinput")
        manage(
            env,
            "shell",
            "-c",
            textwrap.dedent(
                f"""
                from accounts.models import User
                User.objects.bulk_create(
                    User(username=f"sys{{number}}", password={production_password_hash!r})
                    for number in range({SCRATCH_USERS})
                )
                """
            ),
        )
        yield stack
    finally:
        for service in (redis, postgres):
            if service is not None:
                service.destroy()
