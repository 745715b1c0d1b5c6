"""What the system tests drive: production servers, scratch services, HTTP clients, figures.

Every server here is started by the test and listens on 127.0.0.1 only, on a
port in SYSTEM_SERVER_PORTS (18800-18899 unless set); every request goes there.
"""

import glob
import json
import os
import pwd
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from config.settings.base import BASE_DIR

STRONG_SECRET = "system-test-secret-" + "Qz7x-Lp3" * 6
# The same signing key on every instance: a token from one verifies on the others.
JWT_SIGNING_KEY = "system-test-jwt-key-" + "Hk4_Wr8m" * 4
PASSWORD = "correct-horse-battery-staple"
# Variables of the developer's shell that must not leak into a server.
PROJECT_VARIABLE_PREFIXES = (
    "DJANGO_",
    "DATABASE_",
    "REDIS_URL",
    "JWT_",
    "GRAPH",
    "CORS_",
    "SIGN_IN_",
    "GUNICORN_",
    "WEB_CONCURRENCY",
    "SENTRY_",
    "TRUSTED_PROX",
    "METRICS_",
    "PROMETHEUS_",
)
GUNICORN = Path(sys.executable).parent / "gunicorn"

_ports_handed_out: set[int] = set()
_ports_lock = threading.Lock()


def free_port() -> int:
    """A port of SYSTEM_SERVER_PORTS that is free now and not handed out before."""
    first, _, last = os.environ.get("SYSTEM_SERVER_PORTS", "18800-18899").partition("-")
    with _ports_lock:
        for port in range(int(first), int(last) + 1):
            if port in _ports_handed_out:
                continue
            with socket.socket() as probe:
                try:
                    probe.bind(("127.0.0.1", port))
                except OSError:
                    continue
            _ports_handed_out.add(port)
            return port
    raise RuntimeError("no free port in SYSTEM_SERVER_PORTS")


# --- HTTP -------------------------------------------------------------------


@dataclass
class Answer:
    """One HTTP answer, as a client saw it."""

    status: int
    body: Any
    text: str
    started: float
    elapsed: float
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def codes(self) -> list[str]:
        if not isinstance(self.body, dict):
            return []
        return [
            (error.get("extensions") or {}).get("code", "NO_CODE")
            for error in self.body.get("errors") or []
        ]

    @property
    def ok(self) -> bool:
        return self.status == 200 and not self.codes and isinstance(self.body, dict)


def request(
    url: str, *, body: dict | None = None, token: str | None = None, timeout: float = 15
) -> Answer:
    """GET (no body) or POST JSON to `url`; any HTTP status is an Answer, not an exception."""
    headers = {"Content-Type": "application/json"} if body is not None else {}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    data = json.dumps(body).encode() if body is not None else None
    outgoing = urllib.request.Request(url, data=data, headers=headers)  # noqa: S310 (127.0.0.1)
    started = time.monotonic()
    try:
        with urllib.request.urlopen(outgoing, timeout=timeout) as response:  # noqa: S310
            status, raw, response_headers = response.status, response.read(), response.headers
    except urllib.error.HTTPError as error:
        status, raw, response_headers = error.code, error.read(), error.headers
    elapsed = time.monotonic() - started
    text = raw.decode("utf-8", "replace")
    try:
        parsed = json.loads(text)
    except ValueError:
        parsed = None
    return Answer(
        status=status,
        body=parsed,
        text=text,
        started=started,
        elapsed=elapsed,
        headers=dict(response_headers.items()),
    )


# --- gunicorn, the production start ------------------------------------------


@dataclass
class Server:
    """A gunicorn started with config/gunicorn.py, as `make serve` does."""

    port: int
    log: Path
    process: subprocess.Popen

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def graphql_url(self) -> str:
        return f"{self.url}/graphql/"

    def graphql(self, query: str, variables: dict | None = None, **options) -> Answer:
        return request(self.graphql_url, body={"query": query, "variables": variables}, **options)

    def get(self, path: str, **options) -> Answer:
        return request(f"{self.url}{path}", **options)

    def worker_pids(self) -> set[int]:
        """The master's child processes: gunicorn's workers."""
        children = set()
        for stat in glob.glob("/proc/[0-9]*/stat"):
            try:
                fields = Path(stat).read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == self.process.pid:
                children.add(int(Path(stat).parent.name))
        return children

    def log_text(self) -> str:
        return self.log.read_text(errors="replace")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=35)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def server_environment(**overrides: str) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(PROJECT_VARIABLE_PREFIXES)
    }
    static_root = Path(tempfile.gettempdir()) / "system-test-static"
    static_root.mkdir(exist_ok=True)
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.base",
        DJANGO_DEBUG="false",
        DJANGO_SECRET_KEY=STRONG_SECRET,
        DJANGO_ALLOWED_HOSTS="127.0.0.1",
        # Plain HTTP on the loopback: no redirect to HTTPS.
        DJANGO_SECURE_SSL_REDIRECT="false",
        DJANGO_STATIC_ROOT=str(static_root),
        JWT_SIGNING_KEY=JWT_SIGNING_KEY,
        WEB_CONCURRENCY="2",
    )
    env.update(overrides)
    return env


def gunicorn_start(
    *,
    log_dir: Path | None = None,
    database_url: str,
    redis_url: str,
    port: int | None = None,
    log: Path | None = None,
    **overrides: str,
) -> Server:
    """Start the production server (on `port`, or a free one); return once /readyz answers 200.

    Its output goes to `log`, or to gunicorn-<port>.log in `log_dir`.
    """
    port = port or free_port()
    log = log or log_dir / f"gunicorn-{port}.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    env = server_environment(
        DATABASE_URL=database_url,
        REDIS_URL=redis_url,
        GUNICORN_BIND=f"127.0.0.1:{port}",
        **overrides,
    )
    with log.open("w") as output:
        process = subprocess.Popen(  # noqa: S603 (the production start, a fixed command line)
            [str(GUNICORN), "--config", "config/gunicorn.py"],
            cwd=BASE_DIR,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    server = Server(port=port, log=log, process=process)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited; see {log}:\n{server.log_text()[-2000:]}")
        try:
            if server.get("/readyz", timeout=3).status == 200:
                return server
        except OSError:
            pass
        time.sleep(0.2)
    server.stop()
    raise RuntimeError(f"gunicorn was not ready in 60 s:\n{server.log_text()}")


def manage(env: dict[str, str], *arguments: str, timeout: float = 120) -> str:
    """Run a manage.py command of this project with `env`; its output."""
    result = subprocess.run(  # noqa: S603 (this project's manage.py)
        [sys.executable, "manage.py", *arguments],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(f"manage.py {' '.join(arguments)} failed:\n{result.stderr}")
    return result.stdout


# --- Scratch PostgreSQL and Redis ---------------------------------------------


def postgres_binaries() -> Path | None:
    """The bin folder of the newest PostgreSQL with initdb and postgres, if any."""

    def version(path: str) -> tuple[int, ...]:
        return tuple(int(part) for part in re.findall(r"\d+", path))

    folders = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=version, reverse=True)
    which = shutil.which("initdb")
    if which:
        folders.append(str(Path(which).resolve().parent))
    for folder in folders:
        if (Path(folder) / "initdb").exists() and (Path(folder) / "postgres").exists():
            return Path(folder)
    return None


def _run_as() -> dict[str, Any]:
    """initdb and postgres refuse root: as root, run them as the `postgres` user."""
    if os.geteuid() != 0:
        return {}
    account = pwd.getpwnam("postgres")
    return {"user": account.pw_uid, "group": account.pw_gid, "extra_groups": []}


def postgres_can_run() -> tuple[bool, str]:
    if postgres_binaries() is None:
        return False, "PostgreSQL's initdb and postgres are missing (apt-get install postgresql)"
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            return False, "running as root and there is no `postgres` user to run PostgreSQL as"
    return True, ""


class ScratchPostgres:
    """A PostgreSQL cluster of its own (initdb in a temporary folder), on a private port.

    Stopped and started at will, so a test can take the database away from a
    running server; the machine's own PostgreSQL is never touched.
    """

    def __init__(self) -> None:
        self.binaries = postgres_binaries()
        self.port = free_port()
        self.root = Path(tempfile.mkdtemp(prefix="system-postgres-"))
        self.data = self.root / "data"
        self.log = self.root / "postgres.log"
        self.process: subprocess.Popen | None = None
        self.run_as = _run_as()
        self.data.mkdir()
        if self.run_as:
            for path in (self.root, self.data):
                os.chown(path, self.run_as["user"], self.run_as["group"])
        initdb = subprocess.run(  # noqa: S603 (PostgreSQL's own initdb)
            [
                str(self.binaries / "initdb"),
                "--pgdata",
                str(self.data),
                "--username",
                "postgres",
                "--auth",
                "trust",
                "--encoding",
                "UTF8",
                "--no-sync",
            ],
            check=False,
            capture_output=True,
            text=True,
            timeout=120,
            **self.run_as,
        )
        if initdb.returncode != 0:
            shutil.rmtree(self.root, ignore_errors=True)
            raise RuntimeError(f"initdb failed:\n{initdb.stdout}\n{initdb.stderr}")

    def url(self, database: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def start(self) -> None:
        with self.log.open("a") as output:
            self.process = subprocess.Popen(  # noqa: S603 (PostgreSQL's own server)
                [
                    str(self.binaries / "postgres"),
                    "-D",
                    str(self.data),
                    "-p",
                    str(self.port),
                    "-c",
                    "listen_addresses=127.0.0.1",
                    "-c",
                    f"unix_socket_directories={self.root}",
                    "-c",
                    "max_connections=40",
                ],
                stdout=output,
                stderr=subprocess.STDOUT,
                **self.run_as,
            )
        self.wait_until_ready()

    def ensure_running(self) -> None:
        if self.process is None or self.process.poll() is not None:
            self.start()

    def is_ready(self) -> bool:
        import psycopg

        try:
            with psycopg.connect(self.url("postgres"), connect_timeout=2) as connection:
                connection.execute("SELECT 1")
            return True
        except psycopg.Error:
            return False

    def wait_until_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise RuntimeError(f"postgres exited:\n{self.log.read_text()}")
            if self.is_ready():
                return
            time.sleep(0.1)
        raise RuntimeError(f"postgres was not ready in {timeout} s:\n{self.log.read_text()}")

    def stop(self, mode: signal.Signals = signal.SIGINT) -> None:
        """Fast shutdown (SIGINT): sessions are ended, every committed write kept."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(mode)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.send_signal(signal.SIGQUIT)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def execute(self, database: str, sql: str, parameters: tuple = ()) -> list[tuple]:
        import psycopg

        with psycopg.connect(self.url(database), connect_timeout=5, autocommit=True) as connection:
            cursor = connection.execute(sql, parameters)
            return cursor.fetchall() if cursor.description else []

    def destroy(self) -> None:
        self.stop(signal.SIGQUIT)
        shutil.rmtree(self.root, ignore_errors=True)


class ScratchRedis:
    """A redis-server of its own on a private port, no persistence; the machine's stays as it is."""

    def __init__(self) -> None:
        self.binary = shutil.which("redis-server")
        self.port = free_port()
        self.root = Path(tempfile.mkdtemp(prefix="system-redis-"))
        self.log = self.root / "redis.log"
        self.process: subprocess.Popen | None = None

    def url(self, database: int = 0) -> str:
        return f"redis://127.0.0.1:{self.port}/{database}"

    def start(self) -> None:
        self.process = subprocess.Popen(  # noqa: S603 (redis-server, a fixed command line)
            [
                str(self.binary),
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.root),
                "--logfile",
                str(self.log),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"redis-server exited:\n{self.log.read_text()}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1) as connection:
                    connection.sendall(b"PING\r\n")
                    if connection.recv(16).startswith(b"+PONG"):
                        return
            except OSError:
                pass
            time.sleep(0.1)
        raise RuntimeError("redis-server was not ready in 30 s")

    def ensure_running(self) -> None:
        if self.process is None or self.process.poll() is not None:
            self.start()

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def destroy(self) -> None:
        self.stop()
        shutil.rmtree(self.root, ignore_errors=True)


# --- Figures ----------------------------------------------------------------


def percentile(values: list[float], share: float) -> float:
    """The nearest-rank percentile of `values` (share in 0..1); 0 for none."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(1, round(share * len(ordered) + 0.5 - 1e-9))
    return ordered[min(rank, len(ordered)) - 1]


def latency_summary(answers: list[Answer]) -> dict[str, float]:
    """Median, p95, p99 and maximum latency in milliseconds."""
    elapsed = [answer.elapsed * 1000 for answer in answers]
    return {
        "p50_ms": round(statistics.median(elapsed), 1) if elapsed else 0.0,
        "p95_ms": round(percentile(elapsed, 0.95), 1),
        "p99_ms": round(percentile(elapsed, 0.99), 1),
        "max_ms": round(max(elapsed, default=0.0), 1),
    }


def server_request_lines(*servers: "Server") -> list[dict]:
    """The JSON log lines (config/middleware.py) of every GraphQL request the servers served."""
    lines = []
    for server in servers:
        for line in server.log_text().splitlines():
            try:
                entry = json.loads(line)
            except ValueError:
                continue
            if isinstance(entry, dict) and entry.get("logger") == "graphql.request":
                lines.append(entry)
    return lines


def outcome_counts(answers: list[Answer]) -> dict[str, int]:
    """How many answers of each kind: `200`, `200 SERVICE_UNAVAILABLE`, `503 ...`."""
    return dict(
        Counter(
            f"{answer.status} {'+'.join(sorted(set(answer.codes)))}".strip() for answer in answers
        )
    )
