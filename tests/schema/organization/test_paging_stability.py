"""Keyset pages are stable: inserts and deletes between page loads neither repeat nor skip.

An independent oracle (Python sorting the rows' values) says where every
organization belongs; the API's pages must agree with it while the list
changes under them.
"""

import itertools
from datetime import timedelta

import pytest
from django.utils import timezone

from organization.models import Membership, Organization

PAGE = """
query Page($first: Int, $after: String, $last: Int, $before: String,
           $orderBy: [OrganizationOrder!]) {
  organizations(first: $first, after: $after, last: $last, before: $before, orderBy: $orderBy) {
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    edges { cursor node { slug } }
  }
}
"""

COLUMNS = {"NAME": "name", "CREATED_AT": "created_at", "UPDATED_AT": "updated_at"}
BASE = timezone.now().replace(microsecond=123456) - timedelta(days=100)

ORDERINGS = {
    "name": [("NAME", "ASC")],
    "name-desc": [("NAME", "DESC")],
    "created-desc": [("CREATED_AT", "DESC")],
    "created-asc-name-desc": [("CREATED_AT", "ASC"), ("NAME", "DESC")],
    "updated-desc-name-asc": [("UPDATED_AT", "DESC"), ("NAME", "ASC")],
}


def sort_value(organization: Organization, field: str):
    value = getattr(organization, COLUMNS[field])
    # ASCII names only here, so Python's lower() is the database's.
    return value.lower() if field == "NAME" else value


def oracle_sorted(organizations, ordering) -> list[Organization]:
    """The organizations in `ordering`, ties by id in the last key's direction (stable sorts)."""
    rows = sorted(organizations, key=lambda o: o.pk, reverse=ordering[-1][1] == "DESC")
    for field, direction in reversed(ordering):
        rows = sorted(rows, key=lambda o, f=field: sort_value(o, f), reverse=direction == "DESC")
    return rows


def comes_before(one: Organization, other: Organization, ordering) -> bool:
    return oracle_sorted([one, other], ordering)[0] == one


counter = itertools.count()


def organization_at(owner, make_organization, *, name: str, days: float) -> Organization:
    """A new organization of `owner`; created (and updated) `days` after BASE."""
    number = next(counter)
    organization = make_organization(owner, name=name, slug=f"org-{number}")
    moment = BASE + timedelta(days=days)
    # Queryset updates bypass auto_now(_add): the test sets the sort values.
    Organization.objects.filter(pk=organization.pk).update(
        created_at=moment, updated_at=moment + timedelta(seconds=(number % 3))
    )
    organization.refresh_from_db()
    return organization


@pytest.fixture
def twelve(make_user, make_organization):
    """alice's twelve organizations, with ties: names that differ only in case, equal times."""
    alice = make_user("alice")
    names = ["alpha", "Alpha", "bravo", "Charlie", "charlie", "delta"] * 2
    for index, name in enumerate(names):
        organization_at(alice, make_organization, name=f"{name} {index % 3}", days=index // 4)
    return alice


@pytest.mark.parametrize("backward", [False, True], ids=["first-after", "last-before"])
@pytest.mark.parametrize("ordering", ORDERINGS.values(), ids=ORDERINGS.keys())
def test_pages_neither_repeat_nor_skip_under_inserts_and_deletes(
    api, twelve, make_organization, ordering, backward
):
    # given
    api.authenticate(twelve)
    order_by = [{"field": field, "direction": direction} for field, direction in ordering]
    survivors = set(Organization.objects.values_list("slug", flat=True))
    expected_seen, expected_unseen, seen = set(), set(), []
    cursor = None
    step = 0

    while True:
        # when: a page, then the list changes before the next one
        variables = {"orderBy": order_by}
        if backward:
            variables.update(last=3, before=cursor)
        else:
            variables.update(first=3, after=cursor)
        result = api.execute(PAGE, variables)
        assert "errors" not in result, result
        connection = result["data"]["organizations"]
        page = [edge["node"]["slug"] for edge in connection["edges"]]
        seen += reversed(page) if backward else page
        more = connection["pageInfo"]["hasPreviousPage" if backward else "hasNextPage"]
        if not more:
            break
        cursor = connection["pageInfo"]["startCursor" if backward else "endCursor"]
        edge_slug = page[0] if backward else page[-1]
        at_cursor = Organization.objects.get(slug=edge_slug)

        def is_ahead(organization, at_cursor=at_cursor):
            # Still to come: past the cursor in the direction of the walk.
            if backward:
                return comes_before(organization, at_cursor, ordering)
            return comes_before(at_cursor, organization, ordering)

        inserted = [
            organization_at(twelve, make_organization, name=f"0000 new {step}", days=-1 - step),
            organization_at(twelve, make_organization, name=f"zzzz new {step}", days=50 + step),
            # A tie with the cursor's row on every sort key but the id.
            organization_at(twelve, make_organization, name=at_cursor.name.swapcase(), days=0),
        ]
        Organization.objects.filter(pk=inserted[-1].pk).update(
            created_at=at_cursor.created_at, updated_at=at_cursor.updated_at
        )
        inserted[-1].refresh_from_db()
        for organization in inserted:
            (expected_seen if is_ahead(organization) else expected_unseen).add(organization.slug)
        # Delete one row still to come, and every other time the cursor's own row.
        still_to_come = [o for o in Organization.objects.exclude(slug__in=seen) if is_ahead(o)]
        deleted = still_to_come[:1] + ([at_cursor] if step % 2 else [])
        for organization in deleted:
            survivors.discard(organization.slug)
            expected_seen.discard(organization.slug)
            if organization.slug not in seen:
                expected_unseen.add(organization.slug)
            organization.delete()
        step += 1

    # then: each item once, in the order the oracle gives the rows that remain
    assert step >= 3
    assert len(seen) == len(set(seen)), "an item appeared twice"
    assert survivors <= set(seen), f"skipped: {survivors - set(seen)}"
    assert expected_seen <= set(seen), f"skipped: {expected_seen - set(seen)}"
    assert not (expected_unseen & set(seen)), f"seen behind the cursor: {expected_unseen}"
    remaining = {o.slug: o for o in Organization.objects.all()}
    still_there = [slug for slug in seen if slug in remaining]
    if backward:
        still_there.reverse()  # seen from the end
    oracle = [o.slug for o in oracle_sorted(remaining.values(), ordering)]
    assert still_there == [slug for slug in oracle if slug in set(still_there)]


@pytest.mark.parametrize("direction", ["ASC", "DESC"])
def test_paging_one_by_one_through_non_ascii_names_follows_the_database_order(
    api, make_user, make_organization, direction
):
    # given: names the database lowers differently from Python, and case-only twins
    alice = make_user("alice")
    names = ["Äpfel", "äpfel", "apfel", "Zebra", "ÉCOLE", "école", "ecole", "İstanbul", "ß", "SS"]
    for number, name in enumerate(names):
        make_organization(alice, name=name, slug=f"n-{number}")
    api.authenticate(alice)
    order_by = [{"field": "NAME", "direction": direction}]

    # when: one page of everything, then pages of one, forward and backward
    whole = api.execute(PAGE, {"first": 100, "orderBy": order_by})["data"]["organizations"]
    forward, backward, after, before = [], [], None, None
    for _ in names:
        page = api.execute(PAGE, {"first": 1, "after": after, "orderBy": order_by})
        edges = page["data"]["organizations"]["edges"]
        forward += [edge["node"]["slug"] for edge in edges]
        after = edges[-1]["cursor"] if edges else after
        page = api.execute(PAGE, {"last": 1, "before": before, "orderBy": order_by})
        edges = page["data"]["organizations"]["edges"]
        backward = [edge["node"]["slug"] for edge in edges] + backward
        before = edges[0]["cursor"] if edges else before

    # then: the cursors compare as the database sorts
    expected = [edge["node"]["slug"] for edge in whole["edges"]]
    assert len(expected) == len(names)
    assert forward == expected
    assert backward == expected


MEMBERS = """
query Members($slug: String!, $after: String) {
  organization(slug: $slug) {
    members(first: 3, after: $after) {
      pageInfo { hasNextPage endCursor }
      edges { node { user { username } } }
    }
  }
}
"""


def test_member_pages_neither_repeat_nor_skip_under_joins_and_leaves(make_user, api):
    # given: ten members who joined a minute apart
    owner = make_user("owner")
    acme = Organization.objects.create(name="Acme", slug="acme")
    for number in range(10):
        user = owner if number == 0 else make_user(f"m{number}")
        membership = Membership.objects.create(organization=acme, user=user, role="OWNER")
        Membership.objects.filter(pk=membership.pk).update(
            created_at=BASE + timedelta(minutes=number)
        )
    api.authenticate(owner)
    present = set(Membership.objects.values_list("user__username", flat=True))
    seen, expected_unseen, after, step = [], set(), None, 0

    while True:
        # when: a page, then one member joins behind the cursor and one ahead of it,
        # the cursor's member leaves, and so does the next one
        result = api.execute(MEMBERS, {"slug": "acme", "after": after})
        members = result["data"]["organization"]["members"]
        seen += [edge["node"]["user"]["username"] for edge in members["edges"]]
        if not members["pageInfo"]["hasNextPage"]:
            break
        after = members["pageInfo"]["endCursor"]
        at_cursor = Membership.objects.get(organization=acme, user__username=seen[-1])
        for name, moment in (
            (f"behind{step}", at_cursor.created_at - timedelta(seconds=1)),
            (f"ahead{step}", BASE + timedelta(hours=1, minutes=step)),
        ):
            joined = Membership.objects.create(organization=acme, user=make_user(name))
            Membership.objects.filter(pk=joined.pk).update(created_at=moment)
        expected_unseen.add(f"behind{step}")
        present.add(f"ahead{step}")
        leaving = list(
            Membership.objects.filter(organization=acme, created_at__gte=at_cursor.created_at)
            .exclude(user__username__in=seen[:-1])
            .order_by("created_at", "id")[:2]
        )
        for membership in leaving:
            present.discard(membership.user.username)
            membership.delete()
        step += 1

    # then
    assert step >= 2
    assert len(seen) == len(set(seen)), "a member appeared twice"
    assert present <= set(seen), f"skipped: {present - set(seen)}"
    assert not (expected_unseen & set(seen))
