"""`make bench-soak`: 64 clients against 4 gunicorn workers for 2 minutes, mixed reads and writes.

    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/graphql_api_bench_soak \\
    BENCH_REDIS_URL=redis://127.0.0.1:6379/12 make bench-soak
    python -m benchmarks.soak --smoke      # ~20 s: does it run, are all answers successes?

The production start (config/gunicorn.py, config.settings.base, DJANGO_DEBUG
off) with WEB_CONCURRENCY=4 on PostgreSQL (the database, its name containing
"bench", is DROPPED and created afresh) with Redis as the cache and throttle
store (its database is FLUSHED). Two changes from production, said in the
output: GUNICORN_MAX_REQUESTS=0, so no worker is recycled during the soak (a
recycled worker would hide its growth; production recycles every ~10,000
requests on purpose); and TRUSTED_PROXIES=127.0.0.1, so each client sends an
address of its own in X-Forwarded-For (as if behind a proxy: refreshToken and
tokenAuth go without an access token, so they are charged to the address, and
64 real clients do not share one). Every limit is production's default: each
client is its own user and its own address, so per-user and per-address
budgets see one client's traffic.

Each client is a thread with its own user: it signs in, creates its own
organization, then sends requests drawn from benchmarks/soak_mix.py's MIX back
to back (a closed loop: 64 requests in flight), rotating its refresh token and
now and then signing in again. Every answer is checked: a non-2xx or any
GraphQL error (top level or a mutation's payload) counts as an error. Each
worker's VmRSS (/proc/<pid>/status) is read after the warm-up and at the end.
Prints requests and errors by kind, p50/p99, the memory table and the verdicts;
writes benchmarks/results/soak-latest.json (soak-smoke.json); exits 1 unless
there were no errors and every worker stayed within the memory bound.
"""

import argparse
import http.client
import json
import os
import random
import secrets
import sys
import threading
import time
from collections import Counter, defaultdict
from pathlib import Path

from benchmarks.soak_mix import (
    MIX,
    ClientState,
    MemoryBound,
    answer_apply,
    answer_problem,
    client_address,
    kind_choose,
    latency_summary,
    memory_verdicts,
    needs_access_token,
    request_body,
    soak_verdict,
)

RESULTS_DIR = Path(__file__).resolve().parent / "results"
PASSWORD = "soak-Passw0rd-long-enough"
ORGANIZATIONS = 400
VISIBLE_PER_USER = 120
REQUEST_TIMEOUT = 60.0


def arguments(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.soak",
        description=__doc__.split("\n")[0],
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument(
        "--database-url",
        default=os.environ.get("BENCH_DATABASE_URL", ""),
        help="PostgreSQL database to DROP and create afresh (its name must contain 'bench')",
    )
    parser.add_argument(
        "--redis-url",
        default=os.environ.get("BENCH_REDIS_URL", ""),
        help="Redis database for the cache and throttles; FLUSHED first",
    )
    parser.add_argument("--seconds", type=float, default=120, help="the soak, after warm-up")
    parser.add_argument("--warm-up", type=float, default=10, help="seconds of the mix first")
    parser.add_argument("--clients", type=int, default=64)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--bound-mib", type=float, default=20.0, help="allowed RSS growth")
    parser.add_argument("--bound-fraction", type=float, default=0.10, help="or this share")
    parser.add_argument("--smoke", action="store_true", help="~20 s in all: does it run?")
    parser.add_argument("--output", type=Path, help="JSON results (default in benchmarks/results)")
    options = parser.parse_args(argv)
    if not options.database_url.startswith(("postgres://", "postgresql://")):
        parser.error("--database-url (or BENCH_DATABASE_URL) must name a PostgreSQL database")
    if not options.redis_url:
        parser.error("--redis-url (or BENCH_REDIS_URL) is required, e.g. redis://127.0.0.1:6379/12")
    if options.smoke:
        options.seconds, options.warm_up = 12, 3
    if options.output is None:
        options.output = RESULTS_DIR / ("soak-smoke.json" if options.smoke else "soak-latest.json")
    return options


def seed(clients: int) -> list[ClientState]:
    """Migrate; one user per client, organizations each user sees part of."""
    from django.contrib.auth.hashers import make_password
    from django.core.management import call_command
    from django.db import transaction

    from accounts.models import User
    from organization.models import Membership, Organization

    call_command("migrate", verbosity=0, interactive=False)
    # One Argon2id run for all: the users share a password, not a salt-free hash.
    password_hash = make_password(PASSWORD)
    roles = (Membership.Role.OWNER, Membership.Role.ADMIN, Membership.Role.MEMBER)
    with transaction.atomic():
        users = User.objects.bulk_create(
            User(
                username=f"soak{number:02}",
                email=f"soak{number:02}@soak.example",
                password=password_hash,
            )
            for number in range(clients)
        )
        organizations = Organization.objects.bulk_create(
            Organization(
                name=f"Soak organization {number:04}",
                slug=f"soak-{number:04}",
                description=f"Organization {number} of the soak.",
                created_by=users[number % clients],
            )
            for number in range(ORGANIZATIONS)
        )
        Membership.objects.bulk_create(
            Membership(
                organization=organizations[(offset * 7 + seen) % ORGANIZATIONS],
                user=user,
                role=roles[seen % 3],
            )
            for offset, user in enumerate(users)
            for seen in range(VISIBLE_PER_USER)
        )
    states = []
    for offset, user in enumerate(users):
        slugs = [f"soak-{(offset * 7 + seen) % ORGANIZATIONS:04}" for seen in range(0, 120, 6)]
        states.append(
            ClientState(number=offset, username=user.username, password=PASSWORD, slugs=slugs)
        )
    return states


class Recorder:
    """Every answer of the soak: kind, latency, problem; thread-safe."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.latencies: dict[str, list[float]] = defaultdict(list)
        self.errors: Counter[tuple[str, str]] = Counter()
        self.samples: list[str] = []

    def record(self, kind: str, milliseconds: float, problem: str | None, detail: str) -> None:
        with self.lock:
            self.latencies[kind].append(milliseconds)
            if problem is not None:
                self.errors[(kind, problem)] += 1
                if len(self.samples) < 10:
                    self.samples.append(f"{kind}: {problem}: {detail[:300]}")


def send(port: int, kind: str, state: ClientState, *, run_tag: str, rng: random.Random):
    """One request of `kind`; (milliseconds, problem, parsed answer or raw text)."""
    body = json.dumps(request_body(kind, state, run_tag=run_tag, rng=rng))
    headers = {"Content-Type": "application/json", "X-Forwarded-For": client_address(state.number)}
    if needs_access_token(kind):
        headers["Authorization"] = f"Bearer {state.access_token}"
    started = time.perf_counter()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=REQUEST_TIMEOUT)
    try:
        connection.request("POST", "/graphql/", body, headers)
        response = connection.getresponse()
        raw = response.read()
        status = response.status
    except OSError as error:
        return (time.perf_counter() - started) * 1000, f"connection {type(error).__name__}", ""
    finally:
        connection.close()
    milliseconds = (time.perf_counter() - started) * 1000
    try:
        answer = json.loads(raw)
    except ValueError:
        return milliseconds, answer_problem(kind, status, None) or "not JSON", raw[:300]
    return milliseconds, answer_problem(kind, status, answer), answer


def client_start(port: int, state: ClientState, *, run_tag: str) -> str | None:
    """Sign in and create the client's own organization; the problem, if any."""
    rng = random.Random(state.number)  # noqa: S311 (a load mix, not a secret)
    for kind in ("token_auth", "create_organization"):
        _, problem, answer = send(port, kind, state, run_tag=run_tag, rng=rng)
        if problem is not None:
            return f"{state.username} {kind}: {problem}: {str(answer)[:300]}"
        answer_apply(kind, answer, state)
    return None


def client_loop(
    port: int, state: ClientState, until: float, recorder: Recorder, *, run_tag: str, seed: int
) -> None:
    rng = random.Random(seed)  # noqa: S311 (a load mix, not a secret)
    while time.monotonic() < until:
        kind = kind_choose(rng)
        milliseconds, problem, answer = send(port, kind, state, run_tag=run_tag, rng=rng)
        recorder.record(kind, milliseconds, problem, str(answer))
        if problem is None:
            answer_apply(kind, answer, state)


def load_run(
    port: int, states: list[ClientState], seconds: float, *, run_tag: str, seed: int
) -> tuple[Recorder, float]:
    """Every client in its own thread for `seconds`; the answers and the elapsed time."""
    recorder = Recorder()
    until = time.monotonic() + seconds
    threads = [
        threading.Thread(
            target=client_loop,
            args=(port, state, until, recorder),
            kwargs={"run_tag": run_tag, "seed": seed * 1000 + state.number},
        )
        for state in states
    ]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return recorder, time.monotonic() - started


def worker_rss_kb(pids: set[int]) -> dict[int, int]:
    """VmRSS of each worker, in kB (a worker that is gone is left out)."""
    rss = {}
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    rss[pid] = int(line.split()[1])
        except OSError:
            continue
    return rss


def server_times(log_path: Path, since: float) -> dict[str, float | int]:
    """p50/p99 of the server's own time (the request log lines' duration_ms) after `since`."""
    from datetime import datetime

    durations = []
    for line in log_path.read_text(errors="replace").splitlines():
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        if (
            isinstance(entry, dict)
            and entry.get("logger") == "graphql.request"
            and datetime.fromisoformat(entry["time"]).timestamp() >= since
        ):
            durations.append(entry["duration_ms"])
    return latency_summary(durations)


def report(
    recorder: Recorder, elapsed: float, memory: list[dict], bound: MemoryBound, meta: dict
) -> dict:
    """Print the tables; the JSON of the run."""
    kinds = {}
    everything: list[float] = []
    print(f"\n{meta['description']}\n")
    print(f"{'kind':22} {'requests':>9} {'errors':>7} {'p50 ms':>8} {'p99 ms':>8}")
    print("-" * 58)
    for kind in MIX:
        values = recorder.latencies.get(kind, [])
        everything += values
        errors = sum(count for (k, _), count in recorder.errors.items() if k == kind)
        summary = latency_summary(values)
        kinds[kind] = {**summary, "errors": errors}
        print(
            f"{kind:22} {summary['n']:9d} {errors:7d} {summary['p50']:8.1f} {summary['p99']:8.1f}"
        )
    total = latency_summary(everything)
    errors = sum(recorder.errors.values())
    print("-" * 58)
    print(
        f"{'all':22} {total['n']:9d} {errors:7d} {total['p50']:8.1f} {total['p99']:8.1f}"
        f"   ({total['n'] / elapsed:.0f} req/s over {elapsed:.0f} s)"
    )
    if recorder.errors:
        print("errors:", dict(recorder.errors))
        for sample in recorder.samples:
            print("  ", sample)
    server = meta["server_ms"]
    print(
        f"server's own time (request log duration_ms): p50 {server['p50']} ms, "
        f"p99 {server['p99']} ms (n={server['n']}); the rest of a client's wait is the queue "
        "for a worker (64 clients, 4 workers)"
    )
    print(f"\nworker RSS (VmRSS), bound {bound.describe()}:")
    for row in memory:
        end = "gone" if row["end_kb"] is None else f"{row['end_kb'] / 1024:.1f} MiB"
        growth = "-" if row["growth_kb"] is None else f"{row['growth_kb'] / 1024:+.1f} MiB"
        print(
            f"  pid {row['pid']}: {row['start_kb'] / 1024:.1f} MiB -> {end} ({growth}) "
            f"{'met' if row['met'] else 'NOT met'}"
        )
    passed = soak_verdict(errors, memory, total["n"])
    print(
        f"\nerrors: {errors} (target 0) {'met' if errors == 0 else 'NOT met'}; memory "
        f"{'met' if memory and all(r['met'] for r in memory) else 'NOT met'}; "
        f"soak {'passed' if passed else 'FAILED'}"
    )
    return {
        "meta": meta,
        "kinds": kinds,
        "all": total,
        "errors": errors,
        "error_kinds": {f"{k} {p}": n for (k, p), n in recorder.errors.items()},
        "requests_per_second": round(total["n"] / elapsed, 1),
        "seconds": round(elapsed, 1),
        "memory": memory,
        "memory_bound": bound.describe(),
        "passed": passed,
    }


def main(argv: list[str] | None = None) -> int:
    options = arguments(argv)
    from benchmarks.seed import database_fresh

    with database_fresh(options.database_url) as database:
        return _run(options, database)


def _run(options: argparse.Namespace, database) -> int:
    import redis

    secret = secrets.token_urlsafe(64)
    os.environ.update(
        DJANGO_SECRET_KEY=secret,
        DJANGO_DEBUG="false",
        DATABASE_URL=database.url,
        REDIS_URL=options.redis_url,
    )
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
    from tests.system.harness import server_environment

    os.environ.update(
        {
            key: value
            for key, value in server_environment(
                DATABASE_URL=database.url,
                REDIS_URL=options.redis_url,
                DJANGO_SECRET_KEY=secret,
            ).items()
            if key.startswith(("DJANGO_", "JWT_"))
        }
    )
    import django

    django.setup()
    from benchmarks.report import machine
    from benchmarks.server import production_server_start

    redis.Redis.from_url(options.redis_url).flushdb()
    states = seed(options.clients)
    run_tag = secrets.token_hex(3)
    RESULTS_DIR.mkdir(exist_ok=True)
    log_path = RESULTS_DIR / ("soak-smoke-server.log" if options.smoke else "soak-server.log")
    server = production_server_start(
        log_path=log_path,
        database_url=database.url,
        redis_url=options.redis_url,
        DJANGO_SECRET_KEY=secret,
        WEB_CONCURRENCY=str(options.workers),
        GUNICORN_MAX_REQUESTS="0",
        TRUSTED_PROXIES="127.0.0.1",
    )
    try:
        port = server.port
        with_problems = [
            p for p in map(lambda s: client_start(port, s, run_tag=run_tag), states) if p
        ]
        if with_problems:
            print("clients could not start:", with_problems[:5])
            return 1
        load_run(port, states, options.warm_up, run_tag=run_tag, seed=1)
        pids = server.worker_pids()
        start_kb = worker_rss_kb(pids)
        soak_started = time.time()
        recorder, elapsed = load_run(port, states, options.seconds, run_tag=run_tag, seed=2)
        end_kb = worker_rss_kb(pids)
        restarted = server.worker_pids() - pids
    finally:
        server.stop()
    bound = MemoryBound(mib=options.bound_mib, fraction=options.bound_fraction)
    memory = memory_verdicts(start_kb, end_kb, bound)
    server = server_times(log_path, soak_started)
    meta = {
        **machine(),
        "description": (
            f"{options.clients} clients (one user each, closed loop) against gunicorn, "
            f"{options.workers} sync workers (config/gunicorn.py, debug off, "
            "GUNICORN_MAX_REQUESTS=0, TRUSTED_PROXIES=127.0.0.1: an address per client), "
            f"{database.description}, Redis {options.redis_url.rsplit('/', 1)[-1]}; "
            f"{options.warm_up:.0f} s warm-up, then {options.seconds:.0f} s measured"
        ),
        "mix_percent": MIX,
        "workers_started_during_soak": sorted(restarted),
        "server_ms": server,
    }
    result = report(recorder, elapsed, memory, bound, meta)
    options.output.parent.mkdir(parents=True, exist_ok=True)
    options.output.write_text(json.dumps(result, indent=2) + "\n")
    print(f"written: {options.output}")
    return 0 if result["passed"] else 1


if __name__ == "__main__":
    sys.exit(main())
