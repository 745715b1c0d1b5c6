"""The admin's edits in the audit trail: adds, changes, password sets and deletes."""

import json

import pytest
from django.contrib.admin.sites import site

from accounts.models import AuditAction, AuditEvent, User
from organization.models import Organization
from tests.conftest import PASSWORD

NEW_PASSWORD = "an-admin-set-passphrase-77"


@pytest.fixture
def root(db) -> User:
    return User.objects.create_user(
        username="root", password=PASSWORD, is_staff=True, is_superuser=True
    )


@pytest.fixture
def admin_client(client, root):
    client.force_login(root)
    return client


def only_event(action: AuditAction) -> AuditEvent:
    (event,) = AuditEvent.objects.filter(action=action)
    return event


def test_a_change_in_the_admin_records_old_and_new_values(rf, root, user, make_organization):
    # given: an organization, and the admin's form for two of its fields
    acme = make_organization(user, name="Acme", description="Rockets")
    model_admin = site._registry[Organization]
    request = rf.post("/")
    request.user = root
    form_class = model_admin.get_form(request, acme, change=True, fields=["name", "description"])
    form = form_class({"name": "Acme Corp", "description": "Rockets"}, instance=acme)
    assert form.is_valid(), form.errors

    # when
    model_admin.save_model(request, form.save(commit=False), form, change=True)

    # then: who, what, which organization, and only what changed
    event = only_event(AuditAction.ADMIN_CHANGED)
    assert event.actor == root
    assert (event.target_type, event.target_id) == ("Organization", str(acme.pk))
    assert event.organization_id == acme.pk
    assert event.changes == {"name": ["Acme", "Acme Corp"]}


def test_adding_a_user_records_that_a_password_was_set_but_never_the_password(admin_client):
    # when
    response = admin_client.post(
        "/admin/accounts/user/add/",
        {
            "username": "carol",
            "usable_password": "true",
            "password1": NEW_PASSWORD,
            "password2": NEW_PASSWORD,
        },
    )

    # then
    assert response.status_code == 302, response.content[:2000]
    event = only_event(AuditAction.ADMIN_ADDED)
    assert event.target_label == "carol"
    assert event.changes["username"] == [None, "carol"]
    assert event.changes["password_set"] == [None, True]
    assert NEW_PASSWORD not in json.dumps(event.changes)


def test_setting_a_password_on_the_admin_s_password_page_is_recorded(admin_client, user):
    # when
    response = admin_client.post(
        f"/admin/accounts/user/{user.pk}/password/",
        {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )

    # then
    assert response.status_code == 302
    event = only_event(AuditAction.ADMIN_CHANGED)
    assert (event.target_type, event.target_id) == ("User", str(user.pk))
    assert event.changes == {"password_set": [None, True]}


def test_deleting_an_organization_in_the_admin_is_recorded_and_the_event_outlives_it(
    admin_client, root, user, make_organization
):
    # given
    acme = make_organization(user, name="Acme")

    # when
    response = admin_client.post(
        f"/admin/organization/organization/{acme.pk}/delete/", {"post": "yes"}
    )

    # then
    assert response.status_code == 302
    assert not Organization.objects.filter(pk=acme.pk).exists()
    event = only_event(AuditAction.ADMIN_DELETED)
    assert (event.actor, event.organization_id, event.organization_name) == (root, acme.pk, "Acme")


def test_the_bulk_delete_action_records_each_user(admin_client, make_user):
    # given
    doomed = [make_user(f"doomed{n}") for n in range(2)]

    # when
    response = admin_client.post(
        "/admin/accounts/user/",
        {
            "action": "delete_selected",
            "_selected_action": [u.pk for u in doomed],
            "post": "yes",
        },
    )

    # then
    assert response.status_code == 302
    events = AuditEvent.objects.filter(action=AuditAction.ADMIN_DELETED)
    assert sorted(e.target_label for e in events) == ["doomed0", "doomed1"]
    assert not User.objects.filter(pk__in=[u.pk for u in doomed]).exists()


def test_an_address_typed_in_the_admin_is_not_verified(rf, root, make_user):
    # given: a user with a verified address
    carol = make_user("carol", email="carol@example.com", email_verified=True)
    model_admin = site._registry[User]
    request = rf.post("/")
    request.user = root
    form_class = model_admin.get_form(request, carol, change=True, fields=["email"])
    form = form_class({"email": "someone.else@example.com"}, instance=carol)
    assert form.is_valid(), form.errors

    # when: staff change it
    model_admin.save_model(request, form.save(commit=False), form, change=True)

    # then: the new address waits for its owner's proof; the change is in the trail
    carol.refresh_from_db()
    assert (carol.email, carol.email_verified) == ("someone.else@example.com", False)
    event = only_event(AuditAction.ADMIN_CHANGED)
    assert event.changes == {"email": ["carol@example.com", "someone.else@example.com"]}
