"""A fresh database for each run, the data every case reads, and one-use refresh tokens.

Bulk inserts keep seeding to a few seconds. Everything here is for the benchmark
only: `refresh_tokens_mint` writes RefreshToken rows directly, bypassing
accounts.services (which would need a password sign-in per token).
"""

import secrets
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path

import environ

from benchmarks.conf import SHAPES

READER_USERNAME = "bench"
# Not a secret: a throw-away user of a throw-away database.
READER_PASSWORD = "bench-password-0b7e"
WRITER_USERNAME = "bench-writer"
# Signs in (the tokenAuth case) with READER_PASSWORD, so that the sessions the
# sign-ins end past SESSIONS_PER_USER_MAX are never the reader's.
SIGN_IN_USERNAME = "bench-signin"
# Signs in (the tokenAuth-pbkdf2 case) with READER_PASSWORD hashed by PBKDF2.
PBKDF2_USERNAME = "bench-pbkdf2"
MEMBER_POOL = 200
ADJECTIVES = (
    "Amber", "blue", "Cedar", "dawn", "Ember", "frost", "Golden", "harbor", "Iron", "jade",
    "Kelp", "lunar", "Maple", "north", "Onyx", "prairie", "Quiet", "river", "Silver", "tidal",
)  # fmt: skip
NOUNS = (
    "Analytics", "Bakery", "Collective", "Design", "Energy", "Foundry", "Games", "Health",
    "Institute", "Labs", "Logistics", "Media", "Networks", "Partners", "Robotics", "Studio",
)  # fmt: skip


@dataclass(frozen=True)
class FreshDatabase:
    url: str
    description: str
    temporary_dir: tempfile.TemporaryDirectory | None = None

    def remove(self) -> None:
        if self.temporary_dir is not None:
            self.temporary_dir.cleanup()

    def __enter__(self) -> "FreshDatabase":
        return self

    def __exit__(self, *exc_info) -> None:
        self.remove()


def database_fresh(url: str | None) -> FreshDatabase:
    """A new empty database: a temporary SQLite file, or `url` dropped and created again.

    A context manager: `with database_fresh(url) as database:` removes a
    temporary file at the end (a PostgreSQL database stays for a look).

    Runs before Django is set up. A PostgreSQL database is dropped, so its name
    must contain "bench".
    """
    if not url:
        directory = tempfile.TemporaryDirectory(prefix="graphql-api-bench-")
        path = Path(directory.name) / "bench.sqlite3"
        return FreshDatabase(f"sqlite:///{path}", f"SQLite (temporary file {path})", directory)
    config = environ.Env.db_url_config(url)
    if config["ENGINE"] != "django.db.backends.postgresql":
        raise SystemExit(f"--database-url: only PostgreSQL URLs are supported, not {url!r}")
    name = config["NAME"]
    if "bench" not in name:
        raise SystemExit(f"--database-url: the database is dropped first; {name!r} lacks 'bench'")
    import psycopg
    from psycopg import sql

    with psycopg.connect(
        dbname="postgres",
        user=config.get("USER") or None,
        password=config.get("PASSWORD") or None,
        host=config.get("HOST") or None,
        port=config.get("PORT") or None,
        autocommit=True,
    ) as connection:
        connection.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
        connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        version = connection.info.server_version
    return FreshDatabase(url, f"PostgreSQL {version // 10000}.{version % 10000} ({name})")


def postgresql_unreachable(url: str) -> str | None:
    """Why the PostgreSQL server of `url` cannot be used, or None when it answers."""
    config = environ.Env.db_url_config(url)
    if config["ENGINE"] != "django.db.backends.postgresql":
        return f"{url!r} is not a PostgreSQL URL"
    import psycopg

    try:
        with psycopg.connect(
            dbname="postgres",
            user=config.get("USER") or None,
            password=config.get("PASSWORD") or None,
            host=config.get("HOST") or None,
            port=config.get("PORT") or None,
            connect_timeout=5,
        ):
            return None
    except psycopg.Error as error:
        where = f"{config.get('HOST') or 'localhost'}:{config.get('PORT') or 5432}"
        return f"no PostgreSQL at {where} ({str(error).strip().splitlines()[0]})"


@dataclass(frozen=True)
class Seed:
    reader_id: int
    writer_id: int
    visible: int
    total: int
    memberships: int
    last_organization_id: int  # the seed's; the writer's later ones are removed


def seed(*, organizations: int, other_members: int = SHAPES["A"].other_members) -> Seed:
    """Migrate, then create the reader, the writer, `organizations` they see, and members.

    The reader holds a role (OWNER, ADMIN or MEMBER in turn) in each of the
    `organizations`, beside `other_members` members from a pool of 200 users;
    one in ten more belong to the writer only, so scoping has something to leave
    out. Two more users sign in with the reader's password: one hashed by the
    configured hasher, one by PBKDF2 whatever the configured hasher.
    """
    from django.contrib.auth.hashers import PBKDF2PasswordHasher, make_password
    from django.core.management import call_command
    from django.db import connection, transaction

    from accounts.models import User
    from organization.models import Membership, Organization

    call_command("migrate", verbosity=0, interactive=False)
    if connection.vendor == "sqlite":
        # Readers never wait for the writer (persistent, a property of the file).
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA journal_mode=WAL")
    Role = Membership.Role
    roles = (Role.OWNER, Role.ADMIN, Role.MEMBER)
    with transaction.atomic():
        reader = User.objects.create_user(username=READER_USERNAME, password=READER_PASSWORD)
        writer = User.objects.create_user(username=WRITER_USERNAME, password=None)
        User.objects.create_user(username=SIGN_IN_USERNAME, password=READER_PASSWORD)
        # Django's PBKDF2 at its own iteration count, whatever PASSWORD_HASHERS lists;
        # stored as it is (create_user would hash the hash again).
        pbkdf2 = PBKDF2PasswordHasher()
        User.objects.create(
            username=PBKDF2_USERNAME, password=pbkdf2.encode(READER_PASSWORD, pbkdf2.salt())
        )
        unusable = make_password(None)
        pool = User.objects.bulk_create(
            User(username=f"member{number:04}", password=unusable) for number in range(MEMBER_POOL)
        )
        hidden = organizations // 10
        created = Organization.objects.bulk_create(
            Organization(
                name=_name(number),
                slug=f"bench-{number:06}",
                description=f"{_name(number)} is benchmark organization number {number}.",
                contact_email=f"team{number}@bench.example",
                website=f"https://bench{number}.example",
                is_active=number % 9 != 8,
                created_by=reader if number < organizations else writer,
            )
            for number in range(organizations + hidden)
        )
        memberships = []
        for number, organization in enumerate(created):
            if number < organizations:
                memberships.append(
                    Membership(organization=organization, user=reader, role=roles[number % 3])
                )
            else:
                memberships.append(
                    Membership(organization=organization, user=writer, role=Role.OWNER)
                )
            for other in range(other_members):
                memberships.append(
                    Membership(
                        organization=organization,
                        user=pool[(number * other_members + other) % MEMBER_POOL],
                        role=roles[(number + other + 1) % 3],
                    )
                )
        Membership.objects.bulk_create(memberships, batch_size=2000)
    _maintain()
    return Seed(
        reader_id=reader.pk,
        writer_id=writer.pk,
        visible=organizations,
        total=len(created),
        memberships=len(memberships),
        last_organization_id=max(organization.pk for organization in created),
    )


def _maintain() -> None:
    """What autovacuum would have done by now.

    Planner statistics, as a production database has them: PostgreSQL's
    autovacuum analyzes a table after enough writes (and may be off on a test
    server, as on this project's CI machines), SQLite's never. Without them
    PostgreSQL guessed 19 of the reader's 1000 memberships and sorted every
    visible organization for each page (2.3 ms a page query instead of 0.8 ms,
    for every case alike). PostgreSQL's VACUUM too, as autovacuum runs it after
    a bulk insert (PostgreSQL 13+): it sets the visibility map, without which no
    index-only scan skips the heap (the memberships scan of every page's count
    and of the deep page read 1000 heap rows instead of none).
    """
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")


def written_organizations_remove(seeded: Seed) -> int:
    """Remove what createOrganization wrote since the seed; how many organizations.

    So every round reads the seeded data. Thousands of the writer's organizations
    left behind made the reader's pages cost more round after round, and unevenly:
    named "Bench r1 ...", they sorted between the reader's 50th and 51st
    organization, which only GraphQL reads (the row past a page of 50 that tells
    hasNextPage), and after the deep page's cursor, which the deep page scans;
    with the statistics gone stale (the flat page fell from 1.90x to 0.96x DRF
    over five rounds on PostgreSQL). Then VACUUM ANALYZE, as after the seed.
    """
    from organization.models import Organization

    written = Organization.objects.filter(
        created_by_id=seeded.writer_id, pk__gt=seeded.last_organization_id
    )
    _, removed = written.delete()  # with their memberships (CASCADE)
    _maintain()
    return removed.get(Organization._meta.label, 0)


def _name(number: int) -> str:
    # Mixed case, so the case-insensitive ordering is exercised.
    adjective = ADJECTIVES[number % len(ADJECTIVES)]
    noun = NOUNS[(number // len(ADJECTIVES)) % len(NOUNS)]
    return f"{adjective} {noun} {number:05}"


REFRESHER_USERNAME = "bench-refresher"


def refresh_tokens_mint(*, user_id: int, count: int) -> list[str]:
    """`count` live refresh tokens, each the start of its own sign-in chain.

    One chain each, so a token spent twice by mistake ends only its own chain. They
    belong to a user of their own, not to `user_id` (the reader): a sign-in caps a
    user's sessions (SESSIONS_PER_USER_MAX), so the tokenAuth case signing the reader
    in would end thousands of minted chains, and with them every token of the reader.
    Nobody signs in as this user; refreshing does not cap.
    """
    from django.conf import settings
    from django.utils import timezone

    from accounts.models import RefreshToken, User
    from accounts.services import _refresh_token_digest
    from accounts.tokens import password_fingerprint

    reader = User.objects.get(pk=user_id)
    refresher, _ = User.objects.get_or_create(
        username=REFRESHER_USERNAME, defaults={"password": reader.password}
    )
    user_id = refresher.pk
    fingerprint = password_fingerprint(refresher)
    now = timezone.now()
    expires_at = now + settings.JWT_REFRESH_TOKEN_LIFETIME
    raw_tokens = [secrets.token_urlsafe(32) for _ in range(count)]
    RefreshToken.objects.bulk_create(
        (
            RefreshToken(
                user_id=user_id,
                token_hash=_refresh_token_digest(raw_token),
                family=uuid.uuid4(),
                signed_in_at=now,
                expires_at=expires_at,
                password_fingerprint=fingerprint,
            )
            for raw_token in raw_tokens
        ),
        batch_size=2000,
    )
    return raw_tokens
