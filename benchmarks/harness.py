"""The benchmark run: fresh databases, the real server, wrk in interleaved rounds, a report.

    python -m benchmarks                 # every case, SQLite then PostgreSQL, shapes A and B
    python -m benchmarks --sqlite-only   # no PostgreSQL
    python -m benchmarks --smoke         # every run ~1 s a case, once: does it still run? (CI)
    python -m benchmarks --in-process    # django.test.Client, no server: req/s and SQL
    python -m benchmarks --in-process --profile graphql-nested

Each (database, shape) is one run in a process of its own (`--single`): Django
reads its database once, at start. See the README's Performance section.
"""

import argparse
import contextlib
import dataclasses
import json
import math
import os
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.cases import CASES, CASES_BY_NAME, RATIOS, RUN_ORDER, Case
from benchmarks.conf import SHAPES, deep_page_number
from benchmarks.report import (
    machine,
    print_in_process,
    print_report,
    print_verdicts,
    summarise,
    write_json,
)

RESULTS_DIR = Path(__file__).resolve().parent / "results"
DEFAULT_POSTGRESQL_URL = "postgres://postgres@127.0.0.1:5432/graphql_api_bench"
DATABASES = ("sqlite", "postgresql")
# Shape A's rounds, and shape B's: B repeats the page cases only (the deep page and
# the mutations do not depend on the members), in fewer rounds, so that make bench
# (two databases, two shapes) stays near 12 minutes.
SHAPE_A_ROUNDS = 5
SHAPE_B_ROUNDS = 3


def arguments(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description=__doc__.split("\n")[0],
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument(
        "--organizations", type=int, default=1000, help="organizations the reader sees"
    )
    parser.add_argument("--duration", type=int, default=2, help="seconds per case and round")
    parser.add_argument(
        "--rounds", type=int, default=SHAPE_A_ROUNDS, help="interleaved rounds (shape A)"
    )
    parser.add_argument(
        "--rounds-b", type=int, default=SHAPE_B_ROUNDS, help="interleaved rounds of shape B"
    )
    parser.add_argument("--warmup", type=int, default=1, help="seconds per case before round 1")
    parser.add_argument("--connections", type=int, default=8, help="wrk connections")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--timeout", type=int, default=10, help="wrk request timeout, seconds")
    parser.add_argument(
        "--cases",
        default=",".join(case.name for case in CASES),
        help="comma-separated subset of: " + ", ".join(case.name for case in CASES),
    )
    parser.add_argument(
        "--shapes",
        default=",".join(SHAPES),
        help="comma-separated data shapes to run: "
        + "; ".join(f"{shape.name}: {shape.description}" for shape in SHAPES.values()),
    )
    parser.add_argument(
        "--database-url",
        default=os.environ.get("BENCH_DATABASE_URL") or DEFAULT_POSTGRESQL_URL,
        help="the PostgreSQL database of the PostgreSQL runs, DROPPED and created afresh "
        "(its name must contain 'bench'); default: $BENCH_DATABASE_URL or this",
    )
    parser.add_argument(
        "--sqlite-only", action="store_true", help="no PostgreSQL runs (a temporary SQLite file)"
    )
    parser.add_argument(
        "--require-postgresql",
        action="store_true",
        help="fail, rather than skip its runs, when PostgreSQL cannot be reached (CI)",
    )
    parser.add_argument(
        "--output",
        type=Path,
        help="JSON results; none: benchmarks/results/latest.json (smoke.json, in-process.json)",
    )
    parser.add_argument(
        "--refresh-tokens-per-second",
        type=int,
        default=2000,
        help="one-use refresh tokens minted per second of a refreshToken run",
    )
    parser.add_argument(
        "--smoke", action="store_true", help="200 organizations, 1 round of 1 s, no warm-up"
    )
    parser.add_argument("--in-process", action="store_true", help="django.test.Client, no server")
    parser.add_argument("--iterations", type=int, default=200, help="in-process requests per case")
    parser.add_argument("--profile", metavar="CASE", help="in-process: profile this case")
    parser.add_argument("--profiler", choices=("pyinstrument", "cprofile"), default="pyinstrument")
    # One run, of one database and one shape; how the full run calls itself.
    parser.add_argument("--single", action="store_true", help="one database and shape only")
    parser.add_argument(
        "--database", choices=DATABASES, default="sqlite", help="--single, --in-process: which"
    )
    parser.add_argument("--shape", choices=tuple(SHAPES), default="A", help="--single: which")
    parser.add_argument("--no-report", action="store_true", help=argparse.SUPPRESS)
    options = parser.parse_args(argv)
    if options.smoke:
        options.organizations, options.duration, options.warmup = 200, 1, 0
        options.rounds = options.rounds_b = 1
    names = [name.strip() for name in options.cases.split(",") if name.strip()]
    unknown = [name for name in names if name not in CASES_BY_NAME]
    if unknown:
        parser.error(f"unknown cases {unknown}")
    options.shape_names = [name.strip() for name in options.shapes.split(",") if name.strip()]
    if not options.shape_names or any(name not in SHAPES for name in options.shape_names):
        parser.error(f"--shapes: a comma-separated subset of {', '.join(SHAPES)}")
    if options.profile and options.profile not in CASES_BY_NAME:
        parser.error(f"unknown case {options.profile!r}")
    options.selected = [CASES_BY_NAME[name] for name in names]
    if options.profile:
        options.in_process = True
    if options.output is None:
        name = "smoke" if options.smoke else "in-process" if options.in_process else "latest"
        options.output = RESULTS_DIR / f"{name}.json"
    return options


def environment(database_url: str) -> dict[str, str]:
    """What the harness and the server share: production-like, one throw-away secret."""
    return {
        "DJANGO_SETTINGS_MODULE": "benchmarks.settings",
        "DJANGO_DEBUG": "false",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(64),
        "DATABASE_URL": database_url,
        # The run's access tokens must outlive it.
        "JWT_ACCESS_TOKEN_LIFETIME": "3600",
        "GRAPHIQL_ENABLED": "false",
        "DJANGO_LOG_LEVEL": "WARNING",
    }


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    options = arguments(argv)
    if not options.in_process:
        from benchmarks.load import wrk_executable

        wrk_executable()  # fail now, with the install hint, not after seeding
    if options.single or options.in_process:
        return _single(options)
    return _every_run(options, argv)


def _every_run(options: argparse.Namespace, argv: list[str]) -> int:
    """Each database and shape in a process of its own; then every table and the verdicts."""
    from benchmarks.seed import postgresql_unreachable

    databases = ["sqlite"]
    if not options.sqlite_only:
        problem = postgresql_unreachable(options.database_url)
        if problem is None:
            databases.append("postgresql")
        elif options.require_postgresql:
            print(f"PostgreSQL is required and cannot be reached: {problem}", file=sys.stderr)
            return 1
        else:
            print(
                f"\n*** PostgreSQL SKIPPED: {problem}\n*** Only SQLite is measured. Start "
                "PostgreSQL or set BENCH_DATABASE_URL (or pass --sqlite-only to say so).\n",
                flush=True,
            )
    started = time.monotonic()
    runs, status = [], 0
    for database in databases:
        for shape in options.shape_names:
            cases = [case.name for case in options.selected if shape in case.shapes]
            if not cases:
                continue
            output = options.output.with_name(f"{options.output.stem}-{database}-{shape}.json")
            output.unlink(missing_ok=True)
            command = [
                sys.executable,
                "-m",
                "benchmarks",
                *argv,
                "--single",
                "--no-report",
                f"--database={database}",
                f"--shape={shape}",
                f"--cases={','.join(cases)}",
                f"--output={output}",
                f"--database-url={options.database_url}",
            ]
            if shape != "A":
                command.append(f"--rounds={options.rounds_b}")
            print(f"\n=== {database}, shape {shape}: {SHAPES[shape].description}", flush=True)
            run_started = time.monotonic()
            completed = subprocess.run(command, check=False)  # noqa: S603 (ourselves)
            print(
                f"=== {database}, shape {shape}: {time.monotonic() - run_started:.0f} s",
                flush=True,
            )
            status = status or completed.returncode
            if output.exists():
                runs.append(json.loads(output.read_text()))
            else:
                print(f"=== {database}, shape {shape}: no results (exit {completed.returncode})")
    # PostgreSQL's tables first: production's database, the README's headline.
    runs.sort(key=lambda run: run["meta"]["database_kind"] != "PostgreSQL")
    for run in runs:
        print_report(run["meta"], run, run["meta"]["case_names"])
    print_verdicts(runs)
    print(f"\nAll runs took {(time.monotonic() - started) / 60:.1f} minutes.")
    write_json(options.output, {"runs": runs})
    print(f"JSON: {options.output} (and one file per run beside it)")
    if status:
        print(f"FAILED: a run exited {status}")
    return status


def _single(options: argparse.Namespace) -> int:
    from benchmarks.seed import database_fresh

    url = options.database_url if options.database == "postgresql" else ""
    with database_fresh(url) as database:
        os.environ.update(environment(database.url))
        return _run(options, database.description)


def _run(options: argparse.Namespace, database_description: str) -> int:
    import django

    django.setup()

    from accounts.models import User
    from accounts.services import token_obtain
    from accounts.tokens import access_token_issue
    from benchmarks.cases import Context
    from benchmarks.inprocess import CaseFailed, InProcess
    from benchmarks.seed import (
        PBKDF2_USERNAME,
        READER_PASSWORD,
        READER_USERNAME,
        SIGN_IN_USERNAME,
        seed,
    )

    shape = SHAPES[options.shape]
    options.selected = [case for case in options.selected if shape.name in case.shapes]
    started = time.perf_counter()
    seeded = seed(organizations=options.organizations, other_members=shape.other_members)
    print(
        f"Seeded {database_description}, shape {shape.name}: {seeded.visible} organizations "
        f"visible to {READER_USERNAME!r} ({seeded.total} in all), {seeded.memberships} "
        f"memberships, in {time.perf_counter() - started:.1f} s",
        flush=True,
    )
    # The reader signs in the real way once (refreshToken's other tokens are
    # minted directly: seed.refresh_tokens_mint).
    signed_in = token_obtain(username=READER_USERNAME, password=READER_PASSWORD)
    context = Context(
        username=SIGN_IN_USERNAME,
        password=READER_PASSWORD,
        access_token=signed_in.access.token,
        writer_access_token=access_token_issue(user=User.objects.get(pk=seeded.writer_id)).token,
        visible=seeded.visible,
        shape=shape,
        pbkdf2_username=PBKDF2_USERNAME,
        deep_page=deep_page_number(seeded.visible),
    )
    in_process = InProcess(context, reader_id=seeded.reader_id)
    meta = {
        **machine(),
        "database": database_description,
        "database_kind": "PostgreSQL" if options.database == "postgresql" else "SQLite",
        "shape": shape.name,
        "shape_description": shape.description,
        "organizations": seeded.visible,
        "organizations_in_all": seeded.total,
        "memberships": seeded.memberships,
        "deep_page": context.deep_page,
        "case_names": [case.name for case in options.selected],
    }

    # Every case must answer a success before anything is measured (a benchmark
    # of error responses is worthless), and the pages compared must hold the
    # same rows (a comparison of different pages is worthless too).
    queries, extra = {}, {}
    try:
        context = dataclasses.replace(
            context,
            deep_cursor=in_process.deep_cursor(CASES_BY_NAME["graphql-flat"], context.deep_page),
        )
        in_process.context = context
        for case in options.selected:
            queries[case.name] = in_process.queries(case)
        in_process.same_answers({case.name: case for case in options.selected})
        if "graphql-nested" in queries:
            extra["graphql_nested_queries_by_page_size"] = in_process.nested_queries_by_page_size(
                CASES_BY_NAME["graphql-nested"]
            )
        if "tokenAuth" in queries:
            extra["token_auth_hasher"] = in_process.hasher_share(CASES_BY_NAME["tokenAuth"])
            extra["hasher_versus_pbkdf2"] = in_process.hasher_ratio(PBKDF2_USERNAME)
    except CaseFailed as failure:
        print(f"FAILED before the load: {failure}", file=sys.stderr)
        return 1
    print(
        "Every case answered a success in-process, the compared pages the same rows; "
        "SQL queries per request:",
        queries,
    )

    if options.in_process:
        return _in_process(options, in_process, meta, queries, extra)
    return _load(options, context, seeded, meta, queries, extra)


def _in_process(options, in_process, meta, queries, extra) -> int:
    from benchmarks.inprocess import Measurement

    if options.profile:
        case = CASES_BY_NAME[options.profile]
        print(f"Profiling {case.name} ({options.profiler}), {options.iterations} requests:\n")
        report = in_process.profile(
            case, options.iterations, profiler=options.profiler, output_dir=RESULTS_DIR
        )
        print(report)
        print(f"Saved under {RESULTS_DIR}/profile-{case.name}.*")
        return 0
    # Interleaved rounds here too: each case's median round.
    rates: dict[str, list[float]] = {case.name: [] for case in options.selected}
    per_round = {}
    for case in options.selected:
        # The password hasher makes a sign-in ~1000x slower than the rest.
        iterations = options.iterations // (50 if case.name.startswith("tokenAuth") else 1)
        per_round[case.name] = max(1, iterations // options.rounds)
    for _ in range(options.rounds):
        for case in options.selected:
            seconds = in_process.measure(case, per_round[case.name])
            rates[case.name].append(per_round[case.name] / seconds)
    measurements = {
        name: Measurement(
            iterations=per_round[name] * options.rounds,
            requests_per_second=statistics.median(values),
            queries=queries[name],
        )
        for name, values in rates.items()
    }
    print_in_process(meta, measurements, extra)
    write_json(
        options.output,
        {
            "meta": {**meta, "mode": "in-process", "rounds": options.rounds},
            "cases": {
                name: {
                    "iterations": m.iterations,
                    "requests_per_second": round(m.requests_per_second, 1),
                    "mean_ms": round(m.mean_ms, 3),
                    "queries": m.queries,
                }
                for name, m in measurements.items()
            },
            **extra,
        },
    )
    print(f"\nJSON: {options.output}")
    return 0


def _load(options, context, seeded, meta, queries, extra) -> int:
    from benchmarks.load import wrk_run, wrk_version
    from benchmarks.seed import refresh_tokens_mint, written_organizations_remove
    from benchmarks.server import Server, free_port

    written_organizations_remove(seeded)  # what the in-process checks wrote
    meta.update(
        {
            "mode": "load",
            "load_generator": wrk_version(),
            "server": f"gunicorn, {options.workers} sync workers",
            "connections": options.connections,
            "threads": options.threads,
            "duration_s": options.duration,
            "rounds": options.rounds,
            "warmup_s": options.warmup,
        }
    )
    work_dir = tempfile.TemporaryDirectory(prefix="graphql-api-bench-run-")
    run_name = f"{options.database}-{options.shape}"
    # The main server, and for tokenAuth-pbkdf2 a second one preferring PBKDF2
    # (benchmarks/settings.py); idle while the other one is measured.
    server_environments = {"main": {}}
    if any(case.server == "pbkdf2" for case in options.selected):
        server_environments["pbkdf2"] = {"BENCH_PREFERRED_HASHER": "pbkdf2"}
    servers: dict = {}
    last_server = ["main"]

    def run(case: Case, duration: int, tag: str):
        duration = max(duration, case.min_seconds)
        server = servers[case.server]
        values_file = None
        if case.mode == "values":
            count = math.ceil(duration * options.refresh_tokens_per_second) + 100
            values_file = Path(work_dir.name) / f"{tag}.values"
            values_file.write_text(
                "\n".join(refresh_tokens_mint(user_id=seeded.reader_id, count=count))
            )
        # Only the server of the last run can still be busy.
        servers[last_server[0]].drain()
        last_server[0] = case.server
        try:
            return wrk_run(
                url=server.url + case.url_path(context),
                method=case.method,
                body=case.body(context) if case.body else "",
                authorization=case.authorization(context),
                mode=case.mode,
                duration=duration,
                connections=options.connections,
                threads=options.threads,
                timeout=options.timeout,
                values_file=values_file,
                tag=f"Bench {tag}",
            )
        finally:
            if values_file is not None:
                values_file.unlink()
            if case.writes_organizations:
                # Every round reads the seeded data (written_organizations_remove).
                server.drain()
                written_organizations_remove(seeded)

    rounds: dict[str, list] = {case.name: [] for case in options.selected}
    with work_dir, contextlib.ExitStack() as stack:
        for name, extra_environment in server_environments.items():
            # Started one after the other: a port is free until its server binds it.
            servers[name] = stack.enter_context(
                Server(
                    port=free_port(),
                    workers=options.workers,
                    environment=extra_environment,
                    log_path=RESULTS_DIR / f"server-{run_name}-{name}.log",
                )
            )
        print(
            f"Server: {meta['server']} at {servers['main'].url}"
            + (f" (PBKDF2 first: {servers['pbkdf2'].url})" if "pbkdf2" in servers else "")
            + f"; load: {meta['load_generator']}",
            flush=True,
        )
        if options.warmup:
            for case in options.selected:
                run(case, options.warmup, f"warmup {case.name}")
        in_order = sorted(options.selected, key=lambda case: RUN_ORDER.index(case.name))
        for number in range(options.rounds):
            # Interleaved; every other round backwards, so no case always runs
            # first (or right after tokenAuth), and each ratio's pair stays close.
            for case in in_order if number % 2 == 0 else in_order[::-1]:
                result = run(case, options.duration, f"r{number + 1} {case.name}")
                rounds[case.name].append(result)
                print(
                    f"{run_name} round {number + 1}/{options.rounds} {case.name:<19}"
                    f"{result.requests_per_second:9.1f} req/s  p50 {result.p50_us / 1000:7.1f} ms"
                    f"  p99 {result.p99_us / 1000:7.1f} ms  failures {result.failures}",
                    flush=True,
                )
    summary = summarise(rounds, queries, RATIOS, meta, extra)
    if not options.no_report:
        print_report(meta, summary, meta["case_names"])
    write_json(options.output, {"meta": meta, **summary})
    print(f"\nJSON: {options.output}; server logs: {RESULTS_DIR}/server-{run_name}-*.log")
    failed = {name: row["failures"] for name, row in summary["cases"].items() if row["failures"]}
    empty = [name for name, row in summary["cases"].items() if row["requests"] == 0]
    if failed or empty:
        print(f"FAILED: responses that were not successes {failed}, no responses {empty}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
