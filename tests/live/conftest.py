"""Live servers for the tests in tests/live: gunicorn as in production, and runserver.

Each server runs the project from this checkout in a subprocess, with its own
SQLite file (migrated, with the demo users of `seed_demo`) and its own
collectstatic folder, on a free port in LIVE_SERVER_PORTS (18500-18599 unless
set). These tests never touch the test database, so the PostgreSQL run of CI
leaves them out (`-m "not live"`).
"""

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from config.settings.base import BASE_DIR
from tests.tools import require_tool

DEMO_USERNAME = "demo"
DEMO_PASSWORD = "demo-password"
STRONG_SECRET = "live-server-secret-" + "Zq8x2" * 10
# Variables of the developer's shell that must not leak into a live server.
PROJECT_VARIABLE_PREFIXES = (
    "DJANGO_",
    "DATABASE_URL",
    "REDIS_URL",
    "JWT_",
    "GRAPH",
    "CORS_",
    "REFRESH_TOKEN_",
)


def free_port() -> int:
    first, _, last = os.environ.get("LIVE_SERVER_PORTS", "18500-18599").partition("-")
    for port in range(int(first), int(last) + 1):
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port in LIVE_SERVER_PORTS")


@dataclass
class LiveServer:
    url: str  # http://127.0.0.1:<port>
    port: int
    log: Path

    @property
    def graphql_url(self) -> str:
        return f"{self.url}/graphql/"

    def origin(self, host: str = "127.0.0.1") -> str:
        return f"http://{host}:{self.port}"


def _environment(root: Path, **overrides: str) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(PROJECT_VARIABLE_PREFIXES)
    }
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.base",
        DJANGO_DEBUG="false",
        DJANGO_SECRET_KEY=STRONG_SECRET,
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
        # Plain HTTP on the loopback: no redirect to HTTPS.
        DJANGO_SECURE_SSL_REDIRECT="false",
        DATABASE_URL=f"sqlite:///{root / 'db.sqlite3'}",
        DJANGO_STATIC_ROOT=str(root / "static"),
    )
    env.update(overrides)
    return env


def _manage(env: dict[str, str], *arguments: str) -> None:
    subprocess.run(  # noqa: S603 (manage.py commands of this project)
        [sys.executable, "manage.py", *arguments],
        cwd=BASE_DIR,
        env=env,
        check=True,
        capture_output=True,
    )


@pytest.fixture(scope="session")
def live_root(tmp_path_factory) -> Path:
    """A migrated SQLite database with the demo users, and collected static files."""
    root = tmp_path_factory.mktemp("live")
    env = _environment(root)
    _manage(env, "migrate", "--noinput")
    # seed_demo runs with debug only; the servers themselves run without it.
    _manage(_environment(root, DJANGO_DEBUG="true"), "seed_demo")
    _manage(env, "collectstatic", "--noinput")
    return root


def _wait_until_up(server: LiveServer, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited:\n{server.log.read_text()}")
        try:
            with urllib.request.urlopen(f"{server.graphql_url}?query=%7B__typename%7D", timeout=2):  # noqa: S310
                return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.2)
    raise RuntimeError(f"the server did not answer in 30 s:\n{server.log.read_text()}")


def _serve(root: Path, command: list[str], port: int, **overrides: str) -> Iterator[LiveServer]:
    server = LiveServer(url=f"http://127.0.0.1:{port}", port=port, log=root / f"server-{port}.log")
    with server.log.open("w") as log:
        process = subprocess.Popen(  # noqa: S603 (a fixed command line)
            command,
            cwd=BASE_DIR,
            env=_environment(root, **overrides),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        _wait_until_up(server, process)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def manage(root: Path, *arguments: str, **overrides: str) -> None:
    """A manage.py command on a live root's database, with the environment its servers get."""
    _manage(_environment(root, **overrides), *arguments)


def serve_gunicorn(
    root: Path, port: int, *, workers: int = 2, **overrides: str
) -> Iterator[LiveServer]:
    """gunicorn (2 workers unless told) on `port`, for a fixture to `yield from`."""
    gunicorn = shutil.which("gunicorn", path=str(Path(sys.executable).parent))
    command = [gunicorn, "config.wsgi:application", "--bind", f"127.0.0.1:{port}"]
    command += ["--workers", str(workers), "--access-logfile", "-"]
    yield from _serve(root, command, port, **overrides)


@pytest.fixture(scope="session")
def gunicorn_server(live_root) -> Iterator[LiveServer]:
    """The production stack: gunicorn, WhiteNoise, DJANGO_DEBUG off.

    GraphiQL and introspection are switched on (GraphiQL's docs pane and the
    graphql-http audit use introspection). The anonymous budgets are raised: every
    live test of the session reaches this server from the one loopback address,
    and the audit alone sends some 60 new documents within a second, which the
    per-address budget and the new-document bucket rightly refuse as a flood on a
    fast machine (their own tests: tests/schema/core/test_preparation_cost.py,
    test_cost.py, tests/system/test_abuse.py). Everything else keeps its production
    default. Browsers on http://localhost:<port> are an allowed CORS origin.
    """
    port = free_port()
    yield from serve_gunicorn(
        live_root,
        port,
        GRAPHIQL_ENABLED="true",
        GRAPHQL_INTROSPECTION_ENABLED="true",
        CORS_ALLOWED_ORIGINS=f"http://localhost:{port}",
        GRAPHQL_COST_BUDGET_PER_IP="1000000",
        GRAPHQL_ANONYMOUS_PREPARATIONS_PER_SECOND="1000",
    )


@pytest.fixture(scope="session")
def runserver_server(live_root) -> Iterator[LiveServer]:
    """`manage.py runserver` as `make run` starts it: DJANGO_DEBUG on."""
    port = free_port()
    command = [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"]
    yield from _serve(live_root, command, port, DJANGO_DEBUG="true")


CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")


@pytest.fixture
def browser(tmp_path):
    """Headless Chromium (Debian's package) through its chromedriver, offline but for loopback."""
    require_tool(
        CHROMIUM.exists() and CHROMEDRIVER.exists(),
        "chromium and chromium-driver are not installed (apt-get install chromium chromium-driver)",
    )
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for argument in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={tmp_path / 'chromium-profile'}",
        "--window-size=1400,1000",
        # Every host but the loopback fails to resolve: a CDN request would fail
        # here even on a machine with internet access.
        "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1",
    ):
        options.add_argument(argument)
    service = Service(executable_path=str(CHROMEDRIVER), log_output=str(tmp_path / "driver.log"))
    driver = webdriver.Chrome(options=options, service=service)
    driver.set_page_load_timeout(30)
    try:
        yield driver
    finally:
        driver.quit()
