"""The benchmark's data: seeded as a production database would hold it."""

from django.db import connection
from django.utils.text import slugify

from accounts.models import User
from benchmarks.seed import seed, written_organizations_remove
from organization.models import Membership, Organization


def planner_statistics_rows(table: str) -> int:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # last_analyze and last_vacuum are set by a manual run only (autovacuum's
            # are last_auto*): the seed's, not a server's background run.
            cursor.execute(
                "SELECT count(*) FROM pg_stat_user_tables"
                " WHERE relname = %s AND last_analyze IS NOT NULL AND last_vacuum IS NOT NULL",
                [table],
            )
        else:
            cursor.execute("SELECT count(*) FROM sqlite_stat1 WHERE tbl = %s", [table])
        return cursor.fetchone()[0]


def test_the_seed_leaves_planner_statistics_behind(transactional_db):
    # given: a database whose tables were never analyzed (autovacuum may be off);
    # transactional, as SQLite switches to WAL outside a transaction

    # when
    seeded = seed(organizations=30, other_members=2)

    # then: the planner knows the reader's memberships, as after autovacuum's
    # ANALYZE (and, on PostgreSQL, its VACUUM)
    assert seeded.visible == 30
    assert planner_statistics_rows("organization_membership") > 0
    assert planner_statistics_rows("organization_organization") > 0


def test_what_the_writer_wrote_is_removed_and_the_seed_kept(transactional_db):
    # given: a seed, then two organizations the writer made (createOrganization's user)
    seeded = seed(organizations=20, other_members=1)
    writer = User.objects.get(pk=seeded.writer_id)
    for name in ("Bench r1 createOrganization t0 n1", "Bench r1 createOrganization t1 n1"):
        organization = Organization.objects.create(name=name, slug=slugify(name), created_by=writer)
        Membership.objects.create(organization=organization, user=writer, role="OWNER")

    # when
    removed = written_organizations_remove(seeded)

    # then: the seed's organizations are all there, the writer's own seeded ones too
    assert removed == 2
    assert Organization.objects.count() == seeded.total
    assert Organization.objects.filter(created_by=writer).count() == seeded.total - 20
    assert not Membership.objects.filter(organization__name__startswith="Bench r1").exists()
