"""The real server: gunicorn with sync workers, serving config.wsgi with benchmarks.settings."""

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent
PORTS = range(18600, 18700)


def free_port(ports=PORTS) -> int:
    """The first port of `ports` nothing listens on."""
    for port in ports:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise SystemExit(f"No free port in {ports.start}-{ports.stop - 1}")


class Server:
    """gunicorn on 127.0.0.1:`port`; a context manager that stops it on the way out."""

    def __init__(self, *, port: int, workers: int, environment: dict, log_path: Path) -> None:
        self.port = port
        self.workers = workers
        self.environment = environment
        self.log_path = log_path
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> "Server":
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self._log = self.log_path.open("w")
        command = [
            sys.executable,
            "-m",
            "gunicorn",
            "config.wsgi:application",
            f"--bind=127.0.0.1:{self.port}",
            f"--workers={self.workers}",
            "--worker-class=sync",
            "--timeout=120",
            "--log-level=warning",
        ]
        self.process = subprocess.Popen(  # noqa: S603 (a fixed argument list)
            command,
            cwd=PROJECT_DIR,
            env={**os.environ, **self.environment},
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        try:
            self._wait_ready()
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def _ping(self, timeout: float) -> float:
        """Seconds one GET /bench/ping/ took."""
        started = time.perf_counter()
        with urllib.request.urlopen(f"{self.url}/bench/ping/", timeout=timeout) as response:  # noqa: S310
            response.read()
        return time.perf_counter() - started

    def _wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited; see {self.log_path}")
            try:
                self._ping(timeout=2)
                return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.2)
        raise RuntimeError(f"gunicorn did not answer within {timeout} s; see {self.log_path}")

    def drain(self, *, idle_ms: float = 50, timeout: float = 60) -> float:
        """Wait until the workers are idle; the seconds it took.

        When wrk stops, the requests it had in flight are still queued at the
        server (sync workers finish them for nobody): a slow case such as
        tokenAuth would eat into the next case's run. Idle means one ping per
        worker, sent together, all answered within `idle_ms`, twice in a row.
        """
        started = time.monotonic()
        quick_rounds = 0
        with ThreadPoolExecutor(max_workers=self.workers) as pool:
            while quick_rounds < 2 and time.monotonic() - started < timeout:
                seconds = list(pool.map(lambda _: self._ping(timeout), range(self.workers)))
                quick_rounds = quick_rounds + 1 if max(seconds) * 1000 < idle_ms else 0
        return time.monotonic() - started

    def __exit__(self, *exc_info) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._log.close()


def production_server_start(*, log_path: Path, database_url: str, redis_url: str, **overrides: str):
    """gunicorn as `make serve` starts it (config/gunicorn.py, config.settings.base, debug off).

    The environment is the system tests' production one (tests/system/harness.py:
    a strong secret, 127.0.0.1 only, plain HTTP), plus `overrides`, on a free port
    of 18600-18699. Returns that harness's Server (worker_pids, log_text, stop) once
    /readyz answers 200.
    """
    from tests.system.harness import gunicorn_start

    return gunicorn_start(
        database_url=database_url,
        redis_url=redis_url,
        port=free_port(),
        log=log_path,
        **overrides,
    )
