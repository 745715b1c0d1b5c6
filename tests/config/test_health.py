import pytest


def test_healthz_answers_without_touching_the_database(client):
    # when: no database access is allowed here, so touching it would raise
    response = client.get("/healthz")

    # then
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.mark.django_db
def test_readyz_checks_database_and_cache(client):
    # when
    response = client.get("/readyz")

    # then
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": ["cache", "database"]}


@pytest.fixture
def unreachable_redis(settings):
    """A real Redis cache client pointed at a port where nothing listens."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }


@pytest.mark.django_db
def test_readyz_is_503_and_names_what_failed(client, unreachable_redis):
    # when
    response = client.get("/readyz")

    # then
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "failed": {"cache": "ConnectionError"}}
