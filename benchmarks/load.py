"""Load from wrk (the Debian package), driven by lua/case.lua."""

import json
import os
import shutil
import subprocess
from dataclasses import asdict, dataclass
from pathlib import Path

LUA_SCRIPT = Path(__file__).resolve().parent / "lua" / "case.lua"
RESULT_PREFIX = "BENCH_RESULT "


@dataclass(frozen=True)
class LoadResult:
    requests: int
    duration_us: int
    p50_us: int
    p90_us: int
    p99_us: int
    max_us: int
    mean_us: float
    non2xx: int
    error_bodies: int
    exhausted: int
    connect_errors: int
    read_errors: int
    write_errors: int
    timeouts: int

    @property
    def requests_per_second(self) -> float:
        return self.requests / (self.duration_us / 1e6) if self.duration_us else 0.0

    @property
    def failures(self) -> int:
        """Requests that did not answer a success (socket errors included)."""
        return (
            self.non2xx
            + self.error_bodies
            + self.exhausted
            + self.connect_errors
            + self.read_errors
            + self.write_errors
            + self.timeouts
        )

    def as_dict(self) -> dict:
        return {**asdict(self), "requests_per_second": round(self.requests_per_second, 1)}


def wrk_executable() -> str:
    path = shutil.which("wrk")
    if path is None:
        raise SystemExit(
            "wrk, the load generator, is missing: install it with `apt-get install -y wrk` "
            "(Debian/Ubuntu), then run again. The in-process mode needs no wrk: "
            "python -m benchmarks --in-process."
        )
    return path


def wrk_version() -> str:
    completed = subprocess.run(  # noqa: S603 (a fixed argument list)
        [wrk_executable(), "--version"], capture_output=True, text=True, check=False
    )
    # "wrk debian/4.1.0-3+b2 [epoll] Copyright (C) 2012 Will Glozer"
    first_line = (completed.stdout or completed.stderr).splitlines()[0]
    return first_line.split("[")[0].strip()


def wrk_run(
    *,
    url: str,
    method: str,
    body: str,
    authorization: str,
    mode: str,
    duration: int,
    connections: int,
    threads: int,
    timeout: int,
    values_file: Path | None = None,
    tag: str = "bench",
) -> LoadResult:
    """One wrk run of one case; its Lua `done` hook prints the numbers as JSON."""
    environment = {
        **os.environ,
        "BENCH_METHOD": method,
        "BENCH_BODY": body,
        "BENCH_AUTHORIZATION": authorization,
        "BENCH_MODE": mode,
        "BENCH_THREADS": str(threads),
        "BENCH_TAG": tag,
        "BENCH_VALUES_FILE": str(values_file or ""),
    }
    command = [
        wrk_executable(),
        f"--threads={threads}",
        f"--connections={connections}",
        f"--duration={duration}s",
        f"--timeout={timeout}s",
        "--latency",
        f"--script={LUA_SCRIPT}",
        url,
    ]
    completed = subprocess.run(  # noqa: S603 (a fixed argument list)
        command, env=environment, capture_output=True, text=True, check=False
    )
    lines = [line for line in completed.stdout.splitlines() if line.startswith(RESULT_PREFIX)]
    if completed.returncode != 0 or not lines:
        raise RuntimeError(
            f"wrk failed ({completed.returncode}): {completed.stderr.strip() or completed.stdout}"
        )
    return LoadResult(**json.loads(lines[-1].removeprefix(RESULT_PREFIX)))
