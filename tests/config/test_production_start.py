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


def _serve_until_healthy(server: subprocess.Popen, port: int) -> None:
    for _ in range(150):
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2):
                return
        except OSError:
            time.sleep(0.1)
    server.kill()
    raise AssertionError(server.communicate(timeout=30)[0])


def test_control_socket_is_off_unless_an_instance_names_its_own(tmp_path):
    # given: two instances of one user, where gunicorn's default path is shared
    home = tmp_path / "home"
    home.mkdir()
    own_socket = tmp_path / "second.ctl"
    common = {
        "DJANGO_SECRET_KEY": STRONG_SECRET,
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_SECURE_SSL_REDIRECT": "false",
        "HOME": str(home),
        "XDG_RUNTIME_DIR": "",
    }
    ports = (_free_port(), _free_port())
    first = _gunicorn(tmp_path, port=ports[0], **common)
    second = _gunicorn(tmp_path, port=ports[1], GUNICORN_CONTROL_SOCKET=str(own_socket), **common)
    try:
        # when
        _serve_until_healthy(first, ports[0])
        _serve_until_healthy(second, ports[1])
        time.sleep(0.5)  # the control server starts in a thread of its own

        # then: nothing at the shared default path; the second has its own
        assert not (home / ".gunicorn" / "gunicorn.ctl").exists()
        assert own_socket.is_socket()
        assert oct(own_socket.stat().st_mode & 0o777) == "0o600"
    finally:
        for server in (first, second):
            server.terminate()
            server.communicate(timeout=60)
