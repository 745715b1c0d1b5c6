"""The only OWNER of an organization can be neither deleted nor deactivated, anywhere."""

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from accounts.models import User
from accounts.services import user_deactivate, user_delete
from organization.models import Membership, Organization
from organization.services import organization_transfer_ownership
from tests.conftest import PASSWORD

Role = Membership.Role


@pytest.fixture
def owned(make_user, make_organization):
    """alice owns Acme alone; bob is a MEMBER of it."""
    alice, bob = make_user("alice"), make_user("bob")
    organization = make_organization(alice, members={bob: Role.MEMBER})
    return alice, bob, organization


def codes(error: ValidationError) -> list[str]:
    return [single.code for single in error.error_list]


def test_deleting_a_sole_owner_is_refused(owned):
    # given
    alice, _, organization = owned

    # when
    with pytest.raises(ValidationError) as refused:
        user_delete(users=[alice])

    # then
    assert codes(refused.value) == ["sole_owner"]
    assert "Acme" in refused.value.messages[0]
    assert User.objects.filter(pk=alice.pk).exists()
    assert Membership.objects.filter(organization=organization).count() == 2


def test_deactivating_a_sole_owner_is_refused(owned):
    # given
    alice, _, _ = owned

    # when
    with pytest.raises(ValidationError) as refused:
        user_deactivate(user=alice)

    # then
    assert codes(refused.value) == ["sole_owner"]
    alice.refresh_from_db()
    assert alice.is_active


def test_after_a_transfer_the_former_owner_can_be_deleted(owned):
    # given
    alice, bob, organization = owned
    organization_transfer_ownership(actor=alice, organization=organization, username="bob")

    # when
    user_delete(users=[alice])

    # then
    assert not User.objects.filter(pk=alice.pk).exists()
    assert Membership.objects.get(organization=organization).user == bob


def test_deleting_every_owner_at_once_is_refused(make_user, make_organization):
    # given: two OWNERs, both in one bulk delete
    alice, carol = make_user("alice"), make_user("carol")
    make_organization(alice, members={carol: Role.OWNER})

    # when
    with pytest.raises(ValidationError) as refused:
        user_delete(users=[alice, carol])

    # then
    assert codes(refused.value) == ["sole_owner"]
    assert User.objects.count() == 2


def test_one_of_two_owners_can_be_deleted(make_user, make_organization):
    # given
    alice, carol = make_user("alice"), make_user("carol")
    make_organization(alice, members={carol: Role.OWNER})

    # when
    user_delete(users=[alice])

    # then
    assert list(User.objects.values_list("username", flat=True)) == ["carol"]


# --- In the admin ------------------------------------------------------------------


@pytest.fixture
def admin_client(db) -> Client:
    User.objects.create_superuser(username="root", password=PASSWORD, email="root@example.com")
    client = Client()
    assert client.login(username="root", password=PASSWORD)
    return client


def test_the_admin_refuses_to_delete_a_sole_owner(admin_client, owned):
    # given
    alice, _, _ = owned
    url = f"/admin/accounts/user/{alice.pk}/delete/"

    # when
    page = admin_client.get(url)
    posted = admin_client.post(url, {"post": "yes"})

    # then: the confirmation page says why, and a POST deletes nothing
    text = page.content.decode()
    assert "only OWNER of the organization “Acme”" in text
    assert "Transfer its ownership" in text
    assert posted.status_code == 200
    assert User.objects.filter(pk=alice.pk).exists()


def test_the_admins_bulk_delete_refuses_a_sole_owner(admin_client, owned):
    # given
    alice, bob, _ = owned

    # when
    answer = admin_client.post(
        "/admin/accounts/user/",
        {"action": "delete_selected", "_selected_action": [alice.pk, bob.pk], "post": "yes"},
    )

    # then
    assert "only OWNER of the organization" in answer.content.decode()
    assert User.objects.filter(pk__in=[alice.pk, bob.pk]).count() == 2


def test_the_admin_refuses_to_deactivate_a_sole_owner(admin_client, owned):
    # given
    alice, _, _ = owned
    form = admin_client.get(f"/admin/accounts/user/{alice.pk}/change/").context["adminform"].form
    data = {
        name: value
        for name, value in form.initial.items()
        if value is not None and name not in ("password", "groups", "user_permissions")
    }
    data.update(
        {
            "is_active": "",
            "date_joined_0": alice.date_joined.strftime("%Y-%m-%d"),
            "date_joined_1": alice.date_joined.strftime("%H:%M:%S"),
        }
    )
    data.pop("is_active")
    data.pop("last_login", None)

    # when
    answer = admin_client.post(f"/admin/accounts/user/{alice.pk}/change/", data)

    # then
    assert answer.status_code == 200
    assert "only OWNER of the organization" in answer.content.decode()
    alice.refresh_from_db()
    assert alice.is_active


def test_the_admin_shows_memberships_read_only(admin_client, owned):
    # given
    _, _, organization = owned

    # when
    page = admin_client.get(f"/admin/organization/organization/{organization.pk}/change/")
    add_membership = admin_client.get("/admin/organization/membership/add/")

    # then: listed, not editable
    text = page.content.decode()
    assert "alice" in text
    assert 'name="memberships-0-role"' not in text
    assert add_membership.status_code == 403


def test_the_admin_still_deletes_an_organization_with_its_members(admin_client, owned):
    # given
    _, _, organization = owned

    # when
    admin_client.post(
        f"/admin/organization/organization/{organization.pk}/delete/", {"post": "yes"}
    )

    # then
    assert not Organization.objects.exists()
    assert not Membership.objects.exists()
