import threading

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, connections

from organization.models import Membership, Organization
from organization.services import (
    membership_add,
    membership_change_role,
    membership_leave,
    membership_remove,
    organization_create,
    organization_delete,
    organization_update,
)

Role = Membership.Role


def codes(error: ValidationError) -> dict[str, list[str]]:
    return {field: [e.code for e in errors] for field, errors in error.error_dict.items()}


def test_create_makes_the_creator_owner_and_derives_the_slug(make_user):
    # given
    alice = make_user("alice")

    # when
    organization = organization_create(user=alice, name="  Acme Widgets  ")

    # then
    assert organization.name == "Acme Widgets"
    assert organization.slug == "acme-widgets"
    assert organization.created_by == alice
    assert Membership.objects.get(organization=organization).role == Role.OWNER


def test_derived_slug_gets_a_suffix_when_taken(make_user):
    # given
    alice = make_user("alice")
    organization_create(user=alice, name="Acme")

    # when
    second = organization_create(user=alice, name="ACME")

    # then
    assert second.slug == "acme-2"


def test_name_without_slug_characters_still_gets_a_slug(make_user):
    # when
    organization = organization_create(user=make_user("alice"), name="!!!")

    # then
    assert organization.slug == "organization"


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"name": ""}, {"name": ["blank"]}),
        ({"name": "   "}, {"name": ["blank"]}),
        ({"name": "x" * 201}, {"name": ["max_length"]}),
        ({"name": "Ok", "contact_email": "not-an-email"}, {"contact_email": ["invalid"]}),
        ({"name": "Ok", "website": "notaurl"}, {"website": ["invalid"]}),
        ({"name": "Ok", "slug": "has spaces"}, {"slug": ["invalid"]}),
    ],
)
def test_create_refuses_invalid_input_and_writes_nothing(make_user, fields, expected):
    # when
    with pytest.raises(ValidationError) as raised:
        organization_create(user=make_user("alice"), **fields)

    # then
    assert codes(raised.value) == expected
    assert not Organization.objects.exists()
    assert not Membership.objects.exists()


def test_explicit_duplicate_slug_is_a_field_error(make_user):
    # given
    alice = make_user("alice")
    organization_create(user=alice, name="Acme", slug="acme")

    # when
    with pytest.raises(ValidationError) as raised:
        organization_create(user=alice, name="Other", slug="acme")

    # then
    assert codes(raised.value) == {"slug": ["unique"]}
    assert Organization.objects.count() == 1


@pytest.fixture
def slug_taken_during_save(monkeypatch):
    """Insert a rival row with the same slug right before the INSERT: the race, replayed."""
    from organization import services

    save_new = services._save_new
    taken: list[str] = []

    def rival_first(organization, *, owner, request):
        if not taken:
            taken.append(organization.slug)
            Organization.objects.create(name="Rival", slug=organization.slug)
        save_new(organization, owner=owner, request=request)

    monkeypatch.setattr(services, "_save_new", rival_first)


def test_explicit_slug_lost_to_a_concurrent_insert_is_a_field_error(
    make_user, slug_taken_during_save
):
    # when
    with pytest.raises(ValidationError) as raised:
        organization_create(user=make_user("alice"), name="Acme", slug="acme")

    # then
    assert codes(raised.value) == {"slug": ["unique"]}
    assert list(Organization.objects.values_list("name", flat=True)) == ["Rival"]
    assert not Membership.objects.exists()


def test_derived_slug_lost_to_a_concurrent_insert_moves_on(make_user, slug_taken_during_save):
    # when
    organization = organization_create(user=make_user("alice"), name="Acme")

    # then
    assert organization.slug == "acme-2"
    assert Membership.objects.get(organization=organization).role == Role.OWNER


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_creates_with_one_slug_give_one_success_and_one_field_error(make_user):
    # given
    if connection.vendor != "postgresql":
        pytest.skip("real concurrency needs PostgreSQL; SQLite serialises writers")
    alice = make_user("alice")
    barrier = threading.Barrier(2)
    outcomes: list[object] = []

    def create(name: str) -> None:
        try:
            barrier.wait()
            outcomes.append(organization_create(user=alice, name=name, slug="same"))
        except ValidationError as error:
            outcomes.append(codes(error))
        finally:
            connections.close_all()

    # when
    threads = [threading.Thread(target=create, args=(name,)) for name in ("One", "Two")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    # then
    assert sorted(map(type, outcomes), key=str) == sorted([Organization, dict], key=str)
    assert {"slug": ["unique"]} in outcomes
    assert Organization.objects.filter(slug="same").count() == 1
    assert Membership.objects.count() == 1


def test_update_is_partial(make_user, make_organization):
    # given
    alice = make_user("alice")
    organization = make_organization(alice, description="Old", website="https://a.example")

    # when
    organization_update(user=alice, organization=organization, description="New")

    # then
    organization.refresh_from_db()
    assert (organization.name, organization.description) == ("Acme", "New")
    assert organization.website == "https://a.example"


def test_update_refuses_a_plain_member(make_user, make_organization):
    # given
    bob = make_user("bob")
    organization = make_organization(make_user("alice"), members={bob: Role.MEMBER})

    # when / then
    with pytest.raises(PermissionDenied):
        organization_update(user=bob, organization=organization, name="Mine")


def test_only_an_owner_deletes(make_user, make_organization):
    # given
    admin = make_user("admin")
    alice = make_user("alice")
    organization = make_organization(alice, members={admin: Role.ADMIN})

    # when / then
    with pytest.raises(PermissionDenied):
        organization_delete(user=admin, organization=organization)
    organization_delete(user=alice, organization=organization)
    assert not Organization.objects.exists()
    assert not Membership.objects.exists()


def test_last_owner_can_neither_leave_nor_be_demoted_nor_removed(make_user, make_organization):
    # given
    alice = make_user("alice")
    organization = make_organization(alice)

    # when / then
    with pytest.raises(ValidationError) as left:
        membership_leave(user=alice, organization=organization)
    assert left.value.code == "last_owner"
    with pytest.raises(ValidationError) as demoted:
        membership_change_role(
            actor=alice, organization=organization, username="alice", role=Role.ADMIN
        )
    assert codes(demoted.value) == {"role": ["last_owner"]}
    with pytest.raises(ValidationError) as removed:
        membership_remove(actor=alice, organization=organization, username="alice")
    assert codes(removed.value) == {"username": ["last_owner"]}
    assert Membership.objects.get().role == Role.OWNER


def test_an_owner_can_leave_once_another_owner_exists(make_user, make_organization):
    # given
    alice = make_user("alice")
    bob = make_user("bob")
    organization = make_organization(alice, members={bob: Role.OWNER})

    # when
    membership_leave(user=alice, organization=organization)

    # then
    assert list(Membership.objects.values_list("user__username", "role")) == [("bob", "OWNER")]


def test_add_member_refuses_unknown_and_duplicate_users(make_user, make_organization):
    # given
    alice = make_user("alice")
    staff = make_user("staff", is_staff=True)
    organization = make_organization(alice)

    # when / then
    with pytest.raises(ValidationError) as unknown:
        membership_add(actor=staff, organization=organization, username="ghost")
    assert codes(unknown.value) == {"username": ["not_found"]}
    with pytest.raises(ValidationError) as duplicate:
        membership_add(actor=staff, organization=organization, username="alice")
    assert codes(duplicate.value) == {"username": ["already_member"]}


def test_admin_cannot_grant_owner_or_touch_an_owner(make_user, make_organization):
    # given
    admin = make_user("admin")
    carol = make_user("carol")
    organization = make_organization(make_user("alice"), members={admin: Role.ADMIN})

    # when / then
    with pytest.raises(PermissionDenied):
        membership_change_role(
            actor=admin, organization=organization, username="alice", role=Role.MEMBER
        )
    with pytest.raises(PermissionDenied):
        membership_remove(actor=admin, organization=organization, username="alice")
    assert not Membership.objects.filter(user=carol).exists()


def test_only_staff_add_members_directly(make_user, make_organization):
    # given: membership needs consent; adding without it is staff's support path
    alice = make_user("alice")
    carol = make_user("carol")
    staff = make_user("staff", is_staff=True)
    organization = make_organization(alice)

    # when / then: not even the OWNER adds without an invitation
    with pytest.raises(PermissionDenied):
        membership_add(actor=alice, organization=organization, username="carol")
    membership_add(actor=staff, organization=organization, username="carol", role=Role.OWNER)
    assert Membership.objects.get(user=carol).role == Role.OWNER


def test_update_of_a_deleted_organization_raises_does_not_exist(make_user, make_organization):
    # given: a stale copy of an organization deleted meanwhile
    alice = make_user("alice")
    organization = make_organization(alice)
    Organization.objects.filter(pk=organization.pk).delete()

    # when / then
    with pytest.raises(Organization.DoesNotExist):
        organization_update(user=alice, organization=organization, name="Too late")


def test_a_role_outside_the_three_is_a_field_error(make_user, make_organization):
    # given
    alice = make_user("alice")
    make_user("bob")
    organization = make_organization(alice)

    # when / then
    with pytest.raises(ValidationError) as raised:
        membership_add(
            actor=make_user("staff", is_staff=True),
            organization=organization,
            username="bob",
            role="KING",
        )
    assert codes(raised.value) == {"role": ["invalid"]}
