"""tokenAuth in-process with the old and the new password hasher, interleaved.

    python -m benchmarks.sign_in              # PBKDF2 (1,000,000 iterations) vs Argon2id
    python -m benchmarks.sign_in --rounds 7 --requests 10

A temporary SQLite database, one user, django.test.Client (no server). Each
round signs in `--requests` times with the user's password hashed by PBKDF2
(PBKDF2 first in PASSWORD_HASHERS, so nothing is rehashed), then as many times
with Argon2id (production's PASSWORD_HASHERS), the order alternating between
rounds. Prints req/s per hasher (medians) and the median of the per-round
ratios: what README "Performance" quotes for tokenAuth.
"""

import argparse
import os
import statistics
import sys
import tempfile
import time

USERNAME = "signer"
PASSWORD = "a-Long-enough-passw0rd"
PBKDF2_FIRST = [
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "accounts.hashers.Argon2idPasswordHasher",
]


def _rate(client, body: str, requests: int) -> float:
    started = time.perf_counter()
    for _ in range(requests):
        response = client.post("/graphql/", body, content_type="application/json")
        if response.status_code != 200 or b'"errors"' in response.content:
            raise SystemExit(f"tokenAuth failed: {response.status_code} {response.content[:200]!r}")
    return requests / (time.perf_counter() - started)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--requests", type=int, default=8, help="sign-ins per hasher and round")
    options = parser.parse_args(argv)
    work = tempfile.mkdtemp(prefix="graphql-api-sign-in-")
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings.base",
            "DJANGO_DEBUG": "false",
            "DJANGO_SECRET_KEY": "sign-in-benchmark-" + "k3Yq9" * 10,
            "DJANGO_ALLOWED_HOSTS": "testserver",
            "DJANGO_SECURE_SSL_REDIRECT": "false",
            "DATABASE_URL": f"sqlite:///{work}/db.sqlite3",
            "DJANGO_LOG_LEVEL": "WARNING",
        }
    )
    import django

    django.setup()
    import orjson
    from django.conf import settings
    from django.contrib.auth.hashers import make_password
    from django.core.management import call_command
    from django.test import Client
    from django.test.utils import override_settings

    from accounts.models import User

    call_command("migrate", verbosity=0, interactive=False)
    user = User.objects.create_user(username=USERNAME, password=PASSWORD)
    query = "mutation($u: String!, $p: String!) { tokenAuth(username: $u, password: $p) { token } }"
    body = orjson.dumps({"query": query, "variables": {"u": USERNAME, "p": PASSWORD}}).decode()
    client = Client()
    setups = {
        "PBKDF2": (PBKDF2_FIRST, "pbkdf2_sha256"),
        "Argon2id": (settings.PASSWORD_HASHERS, "argon2"),
    }
    rates: dict[str, list[float]] = {name: [] for name in setups}
    for round_number in range(options.rounds + 1):
        names = list(setups) if round_number % 2 == 0 else list(reversed(setups))
        for name in names:
            hashers, algorithm = setups[name]
            with override_settings(PASSWORD_HASHERS=hashers):
                User.objects.filter(pk=user.pk).update(password=make_password(PASSWORD))
                rate = _rate(client, body, options.requests)
                stored = User.objects.get(pk=user.pk).password
                if not stored.startswith(algorithm):
                    raise SystemExit(f"The {name} round rehashed the password: {stored[:20]}")
            if round_number:  # round 0 warms up
                rates[name].append(rate)
    ratios = [a / p for a, p in zip(rates["Argon2id"], rates["PBKDF2"], strict=True)]
    for name, values in rates.items():
        print(
            f"{name:9} {statistics.median(values):7.1f} req/s (rounds: "
            + " ".join(f"{value:.1f}" for value in values)
            + ")"
        )
    print(
        f"Argon2id/PBKDF2 req/s: {statistics.median(ratios):.2f}x (rounds: "
        + " ".join(f"{ratio:.2f}" for ratio in ratios)
        + "); target >= 4"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
