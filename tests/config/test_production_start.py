"""The production start: gunicorn with config/gunicorn.py refuses unfit settings."""

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from config.settings.base import BASE_DIR

GUNICORN = Path(sys.executable).parent / "gunicorn"
STRONG_SECRET = "prod-secret-" + "Zq8x-" * 12


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _gunicorn(tmp_path, **environment: str) -> subprocess.Popen:
    env = {key: value for key, value in os.environ.items() if not key.startswith("DJANGO_")}
    env.pop("DATABASE_URL", None)
    env.update(
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        WEB_CONCURRENCY="1",
        GUNICORN_BIND=f"127.0.0.1:{environment.pop('port', _free_port())}",
    )
    env.update(environment)
    return subprocess.Popen(  # noqa: S603
        [str(GUNICORN), "--config", "config/gunicorn.py"],
        cwd=BASE_DIR,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


@pytest.mark.parametrize(
    ("environment", "reason"),
    [
        ({"DJANGO_DEBUG": "true"}, "DJANGO_DEBUG is on"),
        ({"DJANGO_SECRET_KEY": STRONG_SECRET}, "DJANGO_ALLOWED_HOSTS is empty"),
        ({"DJANGO_SECRET_KEY": "weak", "DJANGO_ALLOWED_HOSTS": "x"}, "DJANGO_SECRET_KEY"),
    ],
)
def test_production_start_refuses_unfit_settings(tmp_path, environment, reason):
    # when
    server = _gunicorn(tmp_path, **environment)
    output, _ = server.communicate(timeout=60)

    # then
    assert server.returncode != 0
    assert reason in output


def test_production_start_serves_healthz_and_stops_gracefully(tmp_path):
    # given
    port = _free_port()
    server = _gunicorn(
        tmp_path,
        port=port,
        DJANGO_SECRET_KEY=STRONG_SECRET,
        DJANGO_ALLOWED_HOSTS="127.0.0.1",
        DJANGO_SECURE_SSL_REDIRECT="false",
    )
    try:
        # when
        body = None
        for _ in range(100):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as r:
                    body = r.read()
                break
            except OSError:
                time.sleep(0.1)
        server.terminate()
        output, _ = server.communicate(timeout=60)
    finally:
        server.kill()

    # then
    assert body == b'{"status": "ok"}'
    assert server.returncode == 0, output
    assert "Shutting down" in output or "Handling signal: term" in output


def test_production_start_refuses_several_workers_without_redis(tmp_path):
    # when
    server = _gunicorn(
        tmp_path,
        DJANGO_SECRET_KEY=STRONG_SECRET,
        DJANGO_ALLOWED_HOSTS="127.0.0.1",
        WEB_CONCURRENCY="2",
        REDIS_URL="",
    )
    output, _ = server.communicate(timeout=60)

    # then
    assert server.returncode != 0
    assert "REDIS_URL is not set" in output


def test_production_start_refuses_a_missing_allow_list(tmp_path):
    # when
    server = _gunicorn(
        tmp_path,
        DJANGO_SECRET_KEY=STRONG_SECRET,
        DJANGO_ALLOWED_HOSTS="127.0.0.1",
        GRAPHQL_PERSISTED_QUERIES_ONLY="true",
        GRAPHQL_PERSISTED_QUERIES_FILE=str(tmp_path / "absent.json"),
    )
    output, _ = server.communicate(timeout=60)

    # then
    assert server.returncode != 0
    assert "GRAPHQL_PERSISTED_QUERIES_FILE is unusable" in output


def test_production_start_refuses_persisted_queries_on_the_throttle_redis_server(tmp_path):
    # when: another database number of the same server, as the README once suggested
    server = _gunicorn(
        tmp_path,
        DJANGO_SECRET_KEY=STRONG_SECRET,
        DJANGO_ALLOWED_HOSTS="127.0.0.1",
        REDIS_URL="redis://127.0.0.1:6379/0",
        PERSISTED_QUERY_CACHE_URL="redis://localhost:6379/1",
    )
    output, _ = server.communicate(timeout=60)

    # then
    assert server.returncode != 0
    assert "PERSISTED_QUERY_CACHE_URL is the Redis server of REDIS_URL" in output
