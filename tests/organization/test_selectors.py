"""Selectors: member pages cut in SQL, for one organization or many at once."""

import itertools

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.db.models import Prefetch
from django.test.utils import CaptureQueriesContext

from accounts.models import User
from organization.models import Membership, Organization
from organization.selectors import (
    MEMBERSHIP_KEYSET,
    membership_count,
    membership_page,
    membership_page_cut,
    organization_visible,
    organization_visible_count,
    organization_with_member_count,
    user_visible,
)

Role = Membership.Role


@pytest.fixture
def three_sizes(make_user):
    """Organizations of 0, 1 and 7 members, their memberships interleaved by id."""
    users = [make_user(f"user{number}") for number in range(7)]
    organizations = Organization.objects.bulk_create(
        Organization(name=f"Org {size}", slug=f"org-{size}") for size in (0, 1, 7)
    )
    for user_number, user in enumerate(users):
        for organization, size in zip(organizations, (0, 1, 7), strict=True):
            if user_number < size:
                Membership.objects.create(organization=organization, user=user)
    return organizations


def sort_values(membership: Membership) -> tuple:
    return (membership.created_at, membership.pk)


def reference_page(members, *, after, before, first, last):
    """Relay's rules on a Python list, bounds compared as tuples: (page, has_previous, has_next)."""
    window = [
        member
        for member in members
        if (after is None or sort_values(member) > after)
        and (before is None or sort_values(member) < before)
    ]
    has_next = has_previous = False
    if first is not None:
        has_next = len(window) > first
        window = window[:first]
    if last is not None:
        has_previous = len(window) > last
        window = window[max(len(window) - last, 0) :] if last else []
    return window, has_previous, has_next


# Bounds: positions in the 7-member organization whose sort values bound the
# window (of every organization at once, as one request's cursor does).
WINDOWS = [
    window
    for window in itertools.product(
        (None, 0, 2, 6),  # after
        (None, 0, 3, 6),  # before
        (None, 0, 1, 2, 6, 10),  # first
        (None, 0, 1, 2, 6, 10),  # last
    )
    if window[2] is not None or window[3] is not None
]


def test_member_pages_of_many_organizations_match_relay_rules_in_one_query(three_sizes):
    # given
    members = {
        o.pk: list(Membership.objects.filter(organization=o).order_by("created_at", "id"))
        for o in three_sizes
    }
    bounds = [sort_values(member) for member in members[three_sizes[2].pk]]

    for after_at, before_at, first, last in WINDOWS:
        after = None if after_at is None else bounds[after_at]
        before = None if before_at is None else bounds[before_at]
        # when
        with CaptureQueriesContext(connection) as captured:
            organizations = Organization.objects.filter(
                pk__in=[o.pk for o in three_sizes]
            ).prefetch_related(
                Prefetch(
                    "memberships",
                    queryset=membership_page(after=after, before=before, first=first, last=last),
                    to_attr="page",
                )
            )
            organizations = list(organizations)

        # then: two queries (the organizations, every page); at most the `first` (or
        # `last`) rows and one neighbour per organization
        assert len(captured.captured_queries) == 2
        size = first if first is not None else last
        window = (after_at, before_at, first, last)
        for organization in organizations:
            rows = organization.page
            expected = reference_page(
                members[organization.pk], after=after, before=before, first=first, last=last
            )
            assert len(rows) <= size + 1, window
            page = membership_page_cut(rows, first=first, last=last)
            assert (page.rows, page.has_previous, page.has_next) == expected, window
            assert [MEMBERSHIP_KEYSET.values(row) for row in page.rows] == [
                sort_values(row) for row in page.rows
            ]


def test_member_page_of_one_organization(three_sizes):
    # given
    seven = three_sizes[2]
    everyone = list(Membership.objects.filter(organization=seven))

    # when
    rows = list(membership_page(organization=seven, after=sort_values(everyone[1]), first=3))

    # then: the page and the one row that says there is more
    assert rows == everyone[2:6]
    page = membership_page_cut(rows, first=3)
    assert (page.rows, page.has_previous, page.has_next) == (everyone[2:5], False, True)


def test_member_page_loads_only_the_user_columns_asked_for(three_sizes):
    # given
    seven = three_sizes[2]

    # when
    with CaptureQueriesContext(connection) as captured:
        rows = list(membership_page(organization=seven, first=2, user_fields={"username"}))
        usernames = [row.user.username for row in rows]

    # then: one query, no password hash
    assert usernames == ["user0", "user1", "user2"]
    assert len(captured.captured_queries) == 1
    sql = captured.captured_queries[0]["sql"]
    assert "username" in sql
    assert "password" not in sql
    assert "email" not in sql


def test_member_page_without_user_fields_joins_no_user(three_sizes):
    # when
    with CaptureQueriesContext(connection) as captured:
        list(membership_page(organization=three_sizes[2], first=2))

    # then
    assert "accounts_user" not in captured.captured_queries[0]["sql"]


def test_member_page_refuses_the_password_column(three_sizes):
    # when / then
    with pytest.raises(ValueError, match="password"):
        membership_page(organization=three_sizes[2], first=2, user_fields={"password"})


def test_member_counts_in_one_query(three_sizes):
    # when
    with CaptureQueriesContext(connection) as captured:
        counts = {
            o.name: o.member_count
            for o in organization_with_member_count(Organization.objects.all())
        }

    # then
    assert counts == {"Org 0": 0, "Org 1": 1, "Org 7": 7}
    assert len(captured.captured_queries) == 1
    assert membership_count(organization=three_sizes[2]) == 7


def test_user_visible_is_self_fellow_members_or_everyone_for_staff(make_user, make_organization):
    # given
    alice, bob, carol = (make_user(name) for name in ("alice", "bob", "carol"))
    staff = make_user("staff", is_staff=True)
    make_organization(alice, name="Acme", members={bob: Membership.Role.ADMIN})
    make_organization(carol, name="Solo")

    def seen(viewer) -> set[str]:
        return set(user_visible(User.objects.all(), user=viewer).values_list("username", flat=True))

    # then
    assert seen(alice) == {"alice", "bob"}
    assert seen(bob) == {"alice", "bob"}
    assert seen(carol) == {"carol"}
    assert seen(staff) == {"alice", "bob", "carol", "staff"}
    assert seen(AnonymousUser()) == set()


def test_the_visible_count_agrees_with_the_visible_organizations(make_user, make_organization):
    # given: organizations of one and of several members, an inactive one, one the
    # viewers are not in, and viewers of every kind
    alice, bob, carol, dave = (make_user(name) for name in ("alice", "bob", "carol", "dave"))
    staff = make_user("staff", is_staff=True)
    superuser = make_user("root", is_superuser=True)
    make_organization(alice, name="Acme", members={bob: Role.ADMIN, carol: Role.MEMBER})
    Organization.objects.filter(pk=make_organization(alice, name="Dormant").pk).update(
        is_active=False
    )
    make_organization(bob, name="Beta", members={alice: Role.MEMBER})
    make_organization(carol, name="Solo")

    def counted(viewer) -> int:
        total = organization_visible_count(user=viewer)
        return Organization.objects.annotate(total=total).values_list("total", flat=True)[0]

    # then: the count is what organization_visible holds, for each viewer
    for viewer in (alice, bob, carol, dave, staff, superuser):
        visible = organization_visible(Organization.objects.all(), user=viewer).count()
        assert counted(viewer) == visible, viewer.username
    assert [counted(viewer) for viewer in (alice, bob, dave, staff)] == [3, 2, 0, 4]
