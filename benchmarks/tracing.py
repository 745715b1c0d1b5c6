"""What tracing costs: the flat and nested pages on three servers, in one interleaved run.

    python -m benchmarks.tracing           # make bench-tracing (about 4 minutes)
    python -m benchmarks.tracing --smoke   # seconds: every server answers, the traced one exports

Three gunicorn servers (sync workers, benchmarks.settings) over the same fresh
database, each under wrk in turn, their order rotated every round:

- "today": the code before tracing existed, tracing never configured and its hook
  absent: `git archive` of --baseline (default: the parent of the commit that added
  schema/core/tracing_hook.py) served from a temporary directory (gunicorn --chdir);
- "off": this tree with the default settings (TRACING_ENABLED unset);
- "on": this tree with TRACING_ENABLED=true, OTEL_TRACES_SAMPLER=always_on, every
  request traced and exported over OTLP/HTTP to a receiver in this process that
  accepts and discards (tests/otlp_receiver.py).

Reported, per page: the CPU time the server's processes (gunicorn's master and
workers, from /proc) spent per request, and the requests per second; for each,
the median over rounds of that round's ratio off/today (the target: tracing off
within 3% of today, i.e. at most 1.03x the CPU per request) and on/off (the cost
of tracing). The verdict is on CPU per request: this machine is shared by other
work, which swings the throughput of two adjacent runs by up to 2x, while the CPU
a request takes moves much less. Ratios of adjacent runs, never absolute numbers.
"""

import argparse
import io
import json
import os
import secrets
import statistics
import subprocess
import sys
import tarfile
import tempfile
import urllib.request
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

from benchmarks.cases import FLAT_PAGE, NESTED_PAGE
from benchmarks.conf import MEMBERS_PER_ORGANIZATION, PAGE_SIZE
from benchmarks.load import LoadResult

PROJECT_DIR = Path(__file__).resolve().parent.parent
RESULTS_DIR = PROJECT_DIR / "benchmarks" / "results"
HOOK_FILE = "schema/core/tracing_hook.py"
# Tracing off within 3% of today: at most this ratio of CPU per request.
TARGET_OFF_OVER_TODAY = 1.03
CASES = {
    "flat": (FLAT_PAGE, {"first": PAGE_SIZE}),
    "nested": (NESTED_PAGE, {"first": PAGE_SIZE, "members": MEMBERS_PER_ORGANIZATION}),
}


def arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.tracing",
        description=__doc__.split("\n")[0],
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument("--organizations", type=int, default=1000)
    parser.add_argument("--duration", type=int, default=3, help="seconds per server, case, round")
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument(
        "--warmup", type=int, default=1, help="seconds per server and case, every round"
    )
    parser.add_argument("--connections", type=int, default=2, help="wrk connections")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers per server")
    parser.add_argument("--cases", default="flat,nested", help="flat, nested or both")
    parser.add_argument(
        "--baseline",
        default="",
        help="the git revision of 'today'; empty: the parent of the commit adding " + HOOK_FILE,
    )
    parser.add_argument(
        "--database-url",
        default=os.environ.get("BENCH_DATABASE_URL", ""),
        help="a PostgreSQL database to DROP and create (name with 'bench'); empty: SQLite",
    )
    parser.add_argument("--smoke", action="store_true", help="200 organizations, 1 round of 1 s")
    options = parser.parse_args(argv)
    if options.smoke:
        options.organizations, options.duration, options.rounds, options.warmup = 200, 1, 1, 0
    options.case_names = [name.strip() for name in options.cases.split(",") if name.strip()]
    unknown = set(options.case_names) - set(CASES)
    if unknown:
        parser.error(f"unknown cases {sorted(unknown)}")
    return options


def baseline_tree(revision: str, directory: Path) -> str:
    """Write the baseline revision's files into `directory`; its commit."""
    git = ["git", "-C", str(PROJECT_DIR)]
    if not revision:
        added = subprocess.run(  # noqa: S603 (fixed arguments)
            [*git, "log", "--diff-filter=A", "--format=%H", "-1", "--", HOOK_FILE],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        if not added:
            raise RuntimeError(f"no commit adds {HOOK_FILE} (uncommitted?): pass --baseline")
        revision = f"{added}^"
    commit = subprocess.run(  # noqa: S603
        [*git, "rev-parse", "--verify", revision], capture_output=True, text=True, check=True
    ).stdout.strip()
    archive = subprocess.run([*git, "archive", commit], capture_output=True, check=True)  # noqa: S603
    with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
        tar.extractall(directory, filter="data")
    if (directory / HOOK_FILE).exists():
        raise RuntimeError(f"the baseline {commit[:10]} has tracing already")
    return commit


def environment(database_url: str) -> dict[str, str]:
    """The three servers' shared environment: production-like, one throw-away secret."""
    for name in [name for name in os.environ if name.startswith(("OTEL_", "TRACING_"))]:
        del os.environ[name]
    return {
        "DJANGO_SETTINGS_MODULE": "benchmarks.settings",
        "DJANGO_DEBUG": "false",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(64),
        "DATABASE_URL": database_url,
        "JWT_ACCESS_TOKEN_LIFETIME": "3600",
        "GRAPHIQL_ENABLED": "false",
        "DJANGO_LOG_LEVEL": "WARNING",
    }


def page_checked(url: str, body: bytes, token: str, visible: int) -> None:
    request = urllib.request.Request(  # noqa: S310 (a loopback URL of ours)
        url + "/graphql/",
        data=body,
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
        answer = json.loads(response.read())
    if answer.get("errors") or answer["data"]["organizations"]["totalCount"] != visible:
        raise RuntimeError(f"{url}: not the expected page: {str(answer)[:300]}")


def main(argv: list[str] | None = None) -> int:
    options = arguments(argv)
    from benchmarks.load import wrk_executable

    wrk_executable()
    from benchmarks.seed import database_fresh

    with database_fresh(options.database_url) as database:
        os.environ.update(environment(database.url))
        return _run(options, database.description)


def _run(options: argparse.Namespace, database_description: str) -> int:
    import django

    django.setup()
    from accounts.services import token_obtain
    from benchmarks.seed import READER_PASSWORD, READER_USERNAME, seed
    from tests.otlp_receiver import OtlpReceiver

    seeded = seed(organizations=options.organizations)
    token = token_obtain(username=READER_USERNAME, password=READER_PASSWORD).access.token
    print(f"Seeded {database_description}: {seeded.visible} organizations visible", flush=True)

    with ExitStack() as stack:
        today_dir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-today-")))
        commit = baseline_tree(options.baseline, today_dir)
        receiver = stack.enter_context(OtlpReceiver(decode=False))
        traced = {
            "TRACING_ENABLED": "true",
            "OTEL_TRACES_SAMPLER": "always_on",
            "OTEL_SERVICE_NAME": "graphql-api-bench",
            "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": receiver.endpoint,
        }
        configurations = {
            "today": {"GUNICORN_CMD_ARGS": f"--chdir {today_dir}"},
            "off": {},
            "on": traced,
        }
        print(f"Servers: today = {commit[:10]}, off and on = this tree", flush=True)
        rounds = _measure(options, configurations, token, seeded.visible)
        exports = receiver.requests
    report(options, rounds, commit, database_description, exports)
    failures = sum(r.load.failures for runs in rounds.values() for rs in runs.values() for r in rs)
    if failures or not exports:
        print(f"FAILED: {failures} answers were not successes, {exports} OTLP exports received")
        return 1
    return 0


def _servers(stack: ExitStack, options, configurations: dict) -> dict:
    """A fresh gunicorn per configuration, stopped when `stack` closes."""
    from benchmarks.server import Server, free_port

    servers = {}
    for label, environment in configurations.items():
        server = Server(
            port=free_port(),
            workers=options.workers,
            # One hash seed for all: dict and set layouts never differ between servers.
            environment={"PYTHONHASHSEED": "0", **environment},
            log_path=RESULTS_DIR / f"tracing-server-{label}.log",
        )
        servers[label] = stack.enter_context(server)
    return servers


@dataclass(frozen=True)
class Run:
    """One wrk run against one server, and the CPU its gunicorn processes spent meanwhile."""

    load: LoadResult
    cpu_seconds: float

    @property
    def requests_per_second(self) -> float:
        return self.load.requests_per_second

    @property
    def cpu_ms_per_request(self) -> float:
        return self.cpu_seconds * 1000 / self.load.requests if self.load.requests else 0.0


def server_cpu_seconds(master_pid: int) -> float:
    """User plus system CPU of a gunicorn master and its workers so far (Linux /proc)."""
    ticks = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:  # the process ended meanwhile
            continue
        # pid (comm) state ppid ...: comm may hold spaces, so split after its ")".
        fields = text[text.rindex(")") + 2 :].split()
        pid, ppid = int(stat.parent.name), int(fields[1])
        if master_pid in (pid, ppid):
            ticks += int(fields[11]) + int(fields[12])  # utime, stime
    return ticks / os.sysconf("SC_CLK_TCK")


def _measure(options, configurations: dict, token: str, visible: int) -> dict:
    """{case: {server: [Run per round]}}: fresh servers every round, their order rotated.

    New processes each round, so that what one process happens to be (where its
    memory landed, which core it shares) is averaged out like the rest of the noise.
    """
    from benchmarks.load import wrk_run

    bodies = {
        name: json.dumps({"query": query, "variables": variables})
        for name, (query, variables) in CASES.items()
        if name in options.case_names
    }

    def run(server, name: str, duration: int, tag: str) -> Run:
        # Idle first (nothing of the previous run left), idle after (the requests
        # in flight when wrk stopped are finished: at most --connections more than
        # wrk counted, which --connections 2 keeps small).
        server.drain()
        before = server_cpu_seconds(server.process.pid)
        load = wrk_run(
            url=server.url + "/graphql/",
            method="POST",
            body=bodies[name],
            authorization=f"Bearer {token}",
            mode="static",
            duration=duration,
            connections=options.connections,
            threads=options.threads,
            timeout=10,
            tag=f"Bench {tag}",
        )
        server.drain()
        return Run(load, server_cpu_seconds(server.process.pid) - before)

    rounds = {name: {label: [] for label in configurations} for name in bodies}
    labels = list(configurations)
    for number in range(options.rounds):
        with ExitStack() as stack:
            servers = _servers(stack, options, configurations)
            for body in bodies.values():
                for server in servers.values():
                    page_checked(server.url, body.encode(), token, visible)
            if options.warmup:
                for name in bodies:
                    for label, server in servers.items():
                        run(server, name, options.warmup, f"warmup {name} {label}")
            order = labels[number % 3 :] + labels[: number % 3]
            for name in bodies:
                for label in order:
                    tag = f"r{number} {name} {label}"
                    result = run(servers[label], name, options.duration, tag)
                    rounds[name][label].append(result)
                    print(
                        f"round {number + 1}/{options.rounds} {name:<7}{label:<6}"
                        f"{result.requests_per_second:9.1f} req/s"
                        f"  {result.cpu_ms_per_request:6.2f} CPU ms/request"
                        f"  failures {result.load.failures}",
                        flush=True,
                    )
    return rounds


def median_ratio(numerators: list[Run], denominators: list[Run], measure: str) -> float:
    """The median over rounds of one round's ratio of `measure` (a Run property)."""
    return statistics.median(
        getattr(a, measure) / getattr(b, measure)
        for a, b in zip(numerators, denominators, strict=True)
        if getattr(b, measure)
    )


def report(options, rounds: dict, commit: str, database: str, exports: int) -> None:
    """Print the Markdown table (the README's) and write benchmarks/results/tracing.json."""
    rows = {}
    for name, by_server in rounds.items():
        rows[name] = {
            "cpu_ms_per_request": {
                label: round(statistics.median(r.cpu_ms_per_request for r in runs), 3)
                for label, runs in by_server.items()
            },
            "requests_per_second": {
                label: round(statistics.median(r.requests_per_second for r in runs), 1)
                for label, runs in by_server.items()
            },
        }
        for key, (top, bottom) in {
            "off_over_today": ("off", "today"),
            "on_over_off": ("on", "off"),
        }.items():
            rows[name][key] = {
                measure: round(median_ratio(by_server[top], by_server[bottom], measure), 3)
                for measure in ("cpu_ms_per_request", "requests_per_second")
            }
    print(
        f"\nTracing's cost: {database}; gunicorn, {options.workers} sync workers per server; wrk, "
        f"{options.connections} connections; {options.rounds} rounds of {options.duration} s; "
        f"today = {commit[:10]}; {exports} OTLP exports received from the traced server.\n"
    )
    print(
        "| page | CPU ms per request: today / off / on | off / today: CPU per request"
        " (req/s) | within 3%? | on / off: CPU per request (req/s) |"
    )
    print("|---|---|---|---|---|")
    for name, row in rows.items():
        cpu = " / ".join(f"{row['cpu_ms_per_request'][label]:.2f}" for label in rounds[name])
        off, on = row["off_over_today"], row["on_over_off"]
        verdict = "met" if off["cpu_ms_per_request"] <= TARGET_OFF_OVER_TODAY else "NOT met"
        print(
            f"| {name} | {cpu} | {off['cpu_ms_per_request']:.3f} ({off['requests_per_second']:.3f})"
            f" | {verdict} | {on['cpu_ms_per_request']:.3f} ({on['requests_per_second']:.3f}) |"
        )
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    output = RESULTS_DIR / ("tracing-smoke.json" if options.smoke else "tracing.json")
    document = {"baseline": commit, "database": database, "exports": exports, "cases": rows}
    output.write_text(json.dumps(document, indent=2))
    print(f"\nJSON: {output}")


if __name__ == "__main__":
    sys.exit(main())
