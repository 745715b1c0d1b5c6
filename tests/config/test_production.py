"""What the production start refuses about where persisted queries live (config/production.py)."""

import pytest

from config.production import (
    persisted_queries_share_throttle_memory,
    production_problems,
    production_warnings,
)
from tests.conftest import run_in_another_process

LOCAL_MEMORY = {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "apq"}


def redis(location) -> dict:
    return {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": location}


@pytest.fixture
def caches_at(settings):
    """Point the default and the persisted-query caches at the given locations."""

    def configure(default: dict, persisted: dict) -> None:
        settings.CACHES = {**settings.CACHES, "default": default, "persisted_queries": persisted}

    return configure


@pytest.mark.parametrize(
    ("default", "persisted"),
    [
        ("redis://127.0.0.1:6379/0", "redis://127.0.0.1:6379/1"),
        ("redis://localhost:6379/0", "redis://127.0.0.1/5"),
        ("redis://cache.internal:6380/0", "rediss://user:secret@CACHE.internal:6380/2"),
        ("redis://127.0.0.1:6379/0", ["redis://10.0.0.9:6379/0", "redis://127.0.0.1:6379/3"]),
        ("unix:///run/redis.sock?db=0", "unix:///run/redis.sock?db=1"),
    ],
    ids=["database-number", "localhost-alias", "same-name", "replica-list", "unix-socket"],
)
def test_the_same_redis_server_is_refused_whatever_the_database(caches_at, default, persisted):
    # given
    caches_at(redis(default), redis(persisted))

    # when
    problems = production_problems()

    # then
    assert persisted_queries_share_throttle_memory()
    assert [p for p in problems if p.startswith("PERSISTED_QUERY_CACHE_URL")]


@pytest.mark.parametrize(
    ("default", "persisted"),
    [
        (redis("redis://127.0.0.1:6379/0"), redis("redis://127.0.0.1:6380/0")),
        (redis("redis://10.0.0.8:6379/0"), redis("redis://10.0.0.9:6379/0")),
        (redis("redis://127.0.0.1:6379/0"), LOCAL_MEMORY),
    ],
    ids=["another-port", "another-host", "process-memory"],
)
def test_a_persisted_query_store_of_its_own_is_accepted(caches_at, default, persisted):
    # given
    caches_at(default, persisted)

    # then
    assert not persisted_queries_share_throttle_memory()
    assert not [p for p in production_problems() if p.startswith("PERSISTED_QUERY_CACHE_URL")]


@pytest.mark.parametrize(
    "switch",
    [
        {"GRAPHQL_PERSISTED_QUERY_REGISTRATIONS_PER_USER": 0},
        {"GRAPHQL_PERSISTED_QUERIES_ONLY": True},
    ],
    ids=["registration-off", "allow-list-mode"],
)
def test_the_same_server_is_accepted_when_nothing_can_be_registered(caches_at, settings, switch):
    # given
    caches_at(redis("redis://127.0.0.1:6379/0"), redis("redis://127.0.0.1:6379/1"))
    for name, value in switch.items():
        setattr(settings, name, value)

    # then
    assert not persisted_queries_share_throttle_memory()


def test_production_checks_import_nothing_of_the_graphql_layer():
    # given: a fresh process with the settings loaded and no module of schema/ imported
    script = (
        "import sys\n"
        "import django\n"
        "django.setup()\n"
        "def graphql_layer():\n"
        "    return sorted(name for name in sys.modules if name.split('.')[0] == 'schema')\n"
        "assert graphql_layer() == [], graphql_layer()\n"
        # when: the production checks are imported and run
        "import config.production\n"
        "config.production.production_problems(workers=2)\n"
        # then: the GraphQL layer is still not loaded
        "assert graphql_layer() == [], graphql_layer()\n"
    )
    run_in_another_process(script)


def test_mail_left_at_its_defaults_is_warned_about(settings):
    # given
    settings.EMAIL_URL = ""
    settings.TASK_BACKEND = "database"

    # when
    warnings = production_warnings()

    # then
    assert len(warnings) == 3
    assert warnings[0].startswith("EMAIL_URL is not set")
    assert "invitation, reset_password, verify_email" in warnings[1]
    assert "python manage.py db_worker" in warnings[2]


def test_mail_set_up_for_production_is_not_warned_about(settings):
    # given
    settings.EMAIL_URL = "smtp+tls://mailer:secret@smtp.example.com:587"
    settings.TASK_BACKEND = "immediate"
    settings.FRONTEND_LINKS = {
        kind: f"https://app.example.com/{kind}#token={{token}}" for kind in settings.FRONTEND_LINKS
    }

    # then
    assert production_warnings() == []
