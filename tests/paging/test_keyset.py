"""Keyset orderings: the SQL of a cut, and what a sort key may be."""

from datetime import UTC, datetime

import pytest
from django.db import connection
from django.db.models import F

from organization.models import Membership, Organization
from organization.selectors import (
    MEMBERSHIP_KEYSET,
    ORGANIZATION_SORT_KEYS,
    organization_keyset,
)
from paging.keyset import Keyset, SortKey, keyset_page
from schema.organization.filters import OrganizationOrderField


def where_clause(queryset) -> str:
    return str(queryset.query).split(" WHERE ", 1)[1]


def test_a_uniform_direction_is_one_row_comparison_on_postgresql(db):
    # given
    keyset = organization_keyset([("name", True)])

    # when
    rows = keyset.annotated(Organization.objects.all())
    after = rows.filter(keyset.beyond(("acme", 3)))
    before = rows.filter(keyset.beyond(("acme", 3), reverse=True))

    # then: (lower(name), id) < (...) going forward in a descending order
    if connection.features.supports_tuple_lookups:
        assert where_clause(after).startswith('(LOWER("organization_organization"."name"), ')
        assert ") < (" in where_clause(after)
        assert ") > (" in where_clause(before)
    else:  # SQLite: Django expands the same comparison into ORs
        assert " OR " in where_clause(after)


def test_a_mixed_direction_expands_into_ors(db):
    # given
    keyset = organization_keyset([("created_at", False), ("name", True)])

    # when
    rows = keyset.annotated(Organization.objects.all())
    sql = where_clause(rows.filter(keyset.beyond((datetime(2025, 1, 1, tzinfo=UTC), "acme", 3))))

    # then: created_at >, or created_at = and name <, or both = and id <
    assert sql.count(" OR ") == 2


def test_every_sort_key_is_a_not_null_column():
    # A NULL compares neither before nor after a value: its row would drop out of every page.
    columns = {"name": "name", "created_at": "created_at", "updated_at": "updated_at"}
    for name in ORGANIZATION_SORT_KEYS:
        assert not Organization._meta.get_field(columns[name]).null, name
    assert not Membership._meta.get_field("created_at").null
    assert [key.name for key in MEMBERSHIP_KEYSET.keys] == ["created_at", "id"]


def test_the_order_field_enum_names_every_sort_key_and_no_other():
    assert {member.value for member in OrganizationOrderField._meta.enum} == set(
        ORGANIZATION_SORT_KEYS
    )


def test_the_tie_break_follows_the_last_key():
    # when
    mixed = organization_keyset([("created_at", False), ("name", True)])

    # then
    assert mixed.signature == "Organization:created_at.asc,name.desc,id.desc"
    assert organization_keyset([]).signature == "Organization:name.asc,id.asc"


def test_a_key_named_twice_or_of_an_unknown_type_is_a_programming_error():
    with pytest.raises(ValueError, match="twice"):
        organization_keyset([("name", False), ("name", True)])
    with pytest.raises(ValueError, match="unsupported type"):
        Keyset("X", [SortKey("score", F("score"), float)])


def test_offset_with_last_alone_counts_from_the_front(make_user, make_organization):
    # given: a, b, c, d, e
    alice = make_user("alice")
    for name in "edcba":
        make_organization(alice, name=name)
    keyset = organization_keyset()

    # when: skip 2, then the last 2 of what is left
    page = keyset_page(Organization.objects.all(), keyset, offset=2, last=2)
    past_the_end = keyset_page(Organization.objects.all(), keyset, offset=9, last=2)

    # then
    assert [row.name for row in page.rows] == ["d", "e"]
    assert (page.has_previous, page.has_next) == (True, False)
    assert past_the_end.rows == []
