"""The benchmark's data: seeded as a production database would hold it."""

from django.db import connection
from django.db.models.functions import Lower

from benchmarks.cases import WRITER_NAME_PREFIX
from benchmarks.seed import ADJECTIVES, seed
from organization.models import Organization


def planner_statistics_rows(table: str) -> int:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # last_analyze is set by a manual ANALYZE only (autovacuum's is
            # last_autoanalyze): the seed's, not a server's background run.
            cursor.execute(
                "SELECT count(*) FROM pg_stat_user_tables"
                " WHERE relname = %s AND last_analyze IS NOT NULL",
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

    # then: the planner knows the reader's memberships, as after autovacuum's ANALYZE
    assert seeded.visible == 30
    assert planner_statistics_rows("organization_membership") > 0
    assert planner_statistics_rows("organization_organization") > 0


def test_the_writers_organizations_sort_after_every_seeded_one(transactional_db):
    # given: every adjective of the seed's names, and one organization the
    # createOrganization case would make (wrk's tag, thread and counter)
    seed(organizations=len(ADJECTIVES), other_members=0)
    written = Organization.objects.create(
        name=f"{WRITER_NAME_PREFIX}Bench r1 createOrganization t0 n1", slug="written"
    )

    # when: the organizations in the order of the API's pages (case-insensitive name)
    names = list(Organization.objects.order_by(Lower("name"), "id").values_list("name", flat=True))

    # then: the writer's comes last, past every page the reader asks for
    assert names[-1] == written.name
