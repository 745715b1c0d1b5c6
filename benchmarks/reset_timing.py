"""Does requestPasswordReset take the same time for a known and an unknown address?

Production-like, in this process: DEBUG off, the database task queue (what a
request does is one throttle check and one queued task whatever the address; the
worker does the lookup later), Django's test client (no HTTP noise). Known and
unknown requests alternate, in random order per pair, so drift hits both alike;
tokenAuth with a known and an unknown username is measured the same way, for
reference. Exit 1 when the medians differ by more than 10%.

    python -m benchmarks.reset_timing [--pairs 500]

Uses a SQLite file in a temporary directory, or BENCH_DATABASE_URL (its tables are
created by migrate; the rows it adds are left).
"""

import argparse
import os
import random
import secrets
import statistics
import sys
import tempfile
import time
from pathlib import Path

LIMIT = 0.10


def _configure(directory: Path) -> None:
    os.environ.update(
        DJANGO_SETTINGS_MODULE="config.settings.base",
        DJANGO_DEBUG="false",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(64),
        DJANGO_ALLOWED_HOSTS="testserver",
        DJANGO_SECURE_SSL_REDIRECT="false",
        DJANGO_LOG_LEVEL="WARNING",
        DATABASE_URL=os.environ.get("BENCH_DATABASE_URL", f"sqlite:///{directory / 'db.sqlite3'}"),
        TASK_BACKEND="database",
        MAIL_REQUESTS_PER_ADDRESS="1000000",
        MAIL_REQUESTS_PER_IP="1000000",
        SIGN_IN_ATTEMPTS_PER_USERNAME="1000000",
        SIGN_IN_ATTEMPTS_PER_USERNAME_ALL_IPS="1000000",
        SIGN_IN_ATTEMPTS_PER_IP="1000000",
        GRAPHQL_COST_BUDGET_PER_IP="0",
    )
    os.environ.pop("REDIS_URL", None)


RESET = "mutation($email: String!) { requestPasswordReset(email: $email) { accepted } }"
SIGN_IN = "mutation($u: String!, $p: String!) { tokenAuth(username: $u, password: $p) { token } }"


def _timed(client, query: str, variables: dict, codes: list[str]) -> float:
    """Milliseconds of one request, which must answer with these top-level error codes."""
    start = time.perf_counter()
    response = client.post(
        "/graphql/", {"query": query, "variables": variables}, content_type="application/json"
    )
    elapsed = time.perf_counter() - start
    answered = [error["extensions"]["code"] for error in response.json().get("errors", [])]
    if response.status_code != 200 or answered != codes:
        raise RuntimeError(f"unexpected answer: {response.content!r}")
    return elapsed * 1000


def _compare(client, pairs: int, known: tuple, unknown: tuple) -> dict:
    times = {"known": [], "unknown": []}
    for _ in range(pairs):
        order = [("known", known), ("unknown", unknown)]
        random.shuffle(order)
        for name, (query, variables, codes) in order:
            times[name].append(_timed(client, query, variables, codes))
    medians = {name: statistics.median(values) for name, values in times.items()}
    medians["difference"] = abs(medians["known"] - medians["unknown"]) / min(medians.values())
    return medians


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=500)
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        _configure(Path(directory))
        import django

        django.setup()
        from django.core.management import call_command
        from django.test import Client

        from accounts.models import User

        call_command("migrate", verbosity=0)
        password = "a-long-benchmark-passphrase"
        User.objects.filter(username="known").delete()
        User.objects.create_user(username="known", email="known@example.com", password=password)
        client = Client()
        reset = (
            (RESET, {"email": "known@example.com"}, []),
            (RESET, {"email": "nobody@example.com"}, []),
        )
        # tokenAuth with a wrong password: both paths run the hasher (ModelBackend).
        refused = ["INVALID_CREDENTIALS"]
        sign_in = (
            (SIGN_IN, {"u": "known", "p": "wrong-password"}, refused),
            (SIGN_IN, {"u": "nobody", "p": "wrong-password"}, refused),
        )
        _compare(client, 20, *reset)  # warm-up: documents cached, connections open
        results = {"requestPasswordReset": _compare(client, arguments.pairs, *reset)}
        results["tokenAuth (wrong password)"] = _compare(
            client, max(20, arguments.pairs // 20), *sign_in
        )
    for name, medians in results.items():
        print(
            f"{name}: median known {medians['known']:.3f} ms, unknown "
            f"{medians['unknown']:.3f} ms, difference {medians['difference']:.1%}"
        )
    failed = results["requestPasswordReset"]["difference"] > LIMIT
    if failed:
        print(f"requestPasswordReset: the medians differ by more than {LIMIT:.0%}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
