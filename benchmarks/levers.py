"""What one lever pays: the cases in-process with a boolean setting on and off, interleaved.

    python -m benchmarks.levers --setting GRAPHQL_PLANS_ENABLED
    python -m benchmarks.levers --setting GRAPHQL_PLANS_ENABLED --database-url postgres://...

Each round runs every case with the setting on, then off (the other way round
every other round), so both sides see the same machine load; the gain is the
median of the per-round ratios. The setting is assigned directly, not through
`override_settings`, whose signal would empty the document cache on every switch.
README "Performance", "What made it fast, and what each lever paid".
"""

import argparse
import os
import statistics
import sys


def arguments(argv):
    parser = argparse.ArgumentParser(prog="python -m benchmarks.levers", description=__doc__)
    parser.add_argument("--setting", required=True, help="a boolean Django setting: the lever")
    parser.add_argument("--cases", default="graphql-flat,graphql-nested")
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--iterations", type=int, default=60, help="requests per case and round")
    parser.add_argument("--organizations", type=int, default=1000)
    parser.add_argument(
        "--database-url",
        default=os.environ.get("BENCH_DATABASE_URL", ""),
        help="a PostgreSQL database to DROP and create afresh (name containing 'bench')",
    )
    return parser.parse_args(argv)


def main(argv=None) -> int:
    options = arguments(argv)
    from benchmarks.harness import environment
    from benchmarks.seed import database_fresh

    with database_fresh(options.database_url) as database:
        os.environ.update(environment(database.url))
        return _run(options, database.description)


def _run(options, description: str) -> int:
    import django

    django.setup()
    from django.conf import settings

    from accounts.models import User
    from accounts.services import token_obtain
    from accounts.tokens import access_token_issue
    from benchmarks.cases import CASES_BY_NAME, Context
    from benchmarks.inprocess import InProcess
    from benchmarks.seed import READER_PASSWORD, READER_USERNAME, seed

    seeded = seed(organizations=options.organizations)
    signed_in = token_obtain(username=READER_USERNAME, password=READER_PASSWORD)
    context = Context(
        username=READER_USERNAME,
        password=READER_PASSWORD,
        access_token=signed_in.access.token,
        writer_access_token=access_token_issue(user=User.objects.get(pk=seeded.writer_id)).token,
        visible=seeded.visible,
    )
    client = InProcess(context, reader_id=seeded.reader_id)
    cases = [CASES_BY_NAME[name.strip()] for name in options.cases.split(",") if name.strip()]
    rates = {(case.name, side): [] for case in cases for side in (True, False)}
    for case in cases:  # warm both sides: documents cached, plans compiled
        for side in (True, False):
            setattr(settings, options.setting, side)
            client.measure(case, 5)
    for number in range(options.rounds):
        sides = (True, False) if number % 2 == 0 else (False, True)
        for case in cases:
            for side in sides:
                setattr(settings, options.setting, side)
                seconds = client.measure(case, options.iterations)
                rates[(case.name, side)].append(options.iterations / seconds)
    print(f"{options.setting} on/off, in-process, {description}, {options.rounds} rounds")
    print(f"{'case':<18} {'on req/s':>9} {'off req/s':>10} {'gain':>6}  per-round ratios")
    for case in cases:
        on, off = rates[(case.name, True)], rates[(case.name, False)]
        ratios = [a / b for a, b in zip(on, off, strict=True)]
        print(
            f"{case.name:<18} {statistics.median(on):>9.1f} {statistics.median(off):>10.1f} "
            f"{statistics.median(ratios):>5.2f}x  {' '.join(f'{r:.2f}' for r in ratios)}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
