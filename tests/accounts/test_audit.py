"""The audit trail: every listed action leaves exactly one event, in its transaction."""

import uuid
from dataclasses import dataclass
from datetime import timedelta
from io import StringIO

import pytest
from django.contrib.admin.sites import site as admin_site
from django.core.management import call_command
from django.db import transaction
from django.db.models import QuerySet
from django.test import RequestFactory
from django.utils import timezone

from accounts.audit import audit_record, audit_sign_in_throttled
from accounts.exceptions import InvalidCredentialsError, RateLimitedError, RefreshTokenReusedError
from accounts.models import (
    AuditAction,
    AuditEvent,
    AuditEventChangeRefused,
    RefreshToken,
    User,
)
from accounts.one_time_tokens import one_time_token_make
from accounts.password_reset import password_reset_confirm
from accounts.request_context import request_context
from accounts.services import (
    session_revoke,
    token_obtain,
    token_refresh,
    token_revoke,
    token_revoke_all,
    user_password_change,
)
from organization import services as org
from organization.models import Invitation, Membership, Organization
from tests.conftest import PASSWORD, rotations_aged_past_the_reuse_interval

Role = Membership.Role
NEW_PASSWORD = "another-long-passphrase"


@dataclass
class World:
    owner: object
    admin: object
    member: object
    outsider: object
    staff: object
    organization: object


@pytest.fixture
def world(make_user, make_organization, settings):
    settings.INVITATION_RESEND_INTERVAL_SECONDS = 0
    people = {
        name: make_user(name, email=f"{name}@example.com", email_verified=True, **extra)
        for name, extra in (
            ("owner", {}),
            ("admin", {}),
            ("member", {}),
            ("outsider", {}),
            ("staff", {"is_staff": True}),
        )
    }
    organization = make_organization(
        people["owner"],
        name="Acme",
        members={people["admin"]: Role.ADMIN, people["member"]: Role.MEMBER},
    )
    return World(organization=organization, **people)


def _invite_outsider(w: World):
    return org.invitation_create(
        actor=w.admin, organization=w.organization, email="outsider@example.com"
    ).invitation


def _sign_in(w: World):
    token_obtain(username="member", password=PASSWORD)
    return w.member, {}


def _sign_in_failed(w: World):
    with pytest.raises(InvalidCredentialsError):
        token_obtain(username="member", password="wrong-password")
    return None, {}


def _sign_in_throttled(w: World):
    from django.conf import settings

    settings.SIGN_IN_ATTEMPTS_PER_USERNAME = 1
    with pytest.raises(InvalidCredentialsError):
        token_obtain(username="member", password="wrong-password")
    for _ in range(3):
        with pytest.raises(RateLimitedError):
            token_obtain(username="member", password="wrong-password")
    return None, {}


def _refresh_reused(w: World):
    pair = token_obtain(username="member", password=PASSWORD)
    token_refresh(refresh_token=pair.refresh_token)
    rotations_aged_past_the_reuse_interval()
    with pytest.raises(RefreshTokenReusedError):
        token_refresh(refresh_token=pair.refresh_token)
    return None, {}


def _token_revoked(w: World):
    pair = token_obtain(username="member", password=PASSWORD)
    token_revoke(refresh_token=pair.refresh_token)
    return w.member, {}


def _all_tokens_revoked(w: World):
    token_revoke_all(user=w.member)
    return w.member, {}


def _session_revoked(w: World):
    pair = token_obtain(username="member", password=PASSWORD)
    family = RefreshToken.objects.get(user=w.member, revoked_at__isnull=True).family
    session_revoke(user=w.member, session_id=family)
    assert pair.access.payload["sid"] == family.hex
    return w.member, {"session": [family.hex, None]}


def _password_changed(w: World):
    user_password_change(user=w.member, old_password=PASSWORD, new_password=NEW_PASSWORD)
    return w.member, {}


def _password_reset(w: World):
    token = one_time_token_make(purpose="reset_password", user=w.member)
    password_reset_confirm(token=token, new_password=NEW_PASSWORD)
    return w.member, {}


def _organization_created(w: World):
    org.organization_create(user=w.outsider, name="Globex")
    return w.outsider, {}


def _organization_updated(w: World):
    org.organization_update(
        user=w.admin, organization=w.organization, name="Acme Ltd", description=""
    )
    return w.admin, {"name": ["Acme", "Acme Ltd"]}


def _organization_deleted(w: World):
    org.organization_delete(user=w.owner, organization=w.organization)
    return w.owner, {}


def _member_added(w: World):
    org.membership_add(actor=w.staff, organization=w.organization, username="outsider")
    return w.staff, {"role": [None, "MEMBER"]}


def _member_role_changed(w: World):
    org.membership_change_role(
        actor=w.admin, organization=w.organization, username="member", role=Role.ADMIN
    )
    return w.admin, {"role": ["MEMBER", "ADMIN"]}


def _member_removed(w: World):
    org.membership_remove(actor=w.admin, organization=w.organization, username="member")
    return w.admin, {"role": ["MEMBER", None]}


def _member_left(w: World):
    org.membership_leave(user=w.member, organization=w.organization)
    return w.member, {"role": ["MEMBER", None]}


def _invitation_created(w: World):
    _invite_outsider(w)
    return w.admin, {"role": [None, "MEMBER"]}


def _invitation_resent(w: World):
    invitation = _invite_outsider(w)
    Invitation.objects.filter(pk=invitation.pk).update(sent_at=timezone.now() - timedelta(1))
    org.invitation_resend(actor=w.owner, invitation=invitation)
    return w.owner, {}


def _invitation_revoked(w: World):
    org.invitation_revoke(actor=w.owner, invitation=_invite_outsider(w))
    return w.owner, {}


def _invitation_accepted(w: World):
    org.invitation_accept(user=w.outsider, invitation=_invite_outsider(w))
    return w.outsider, {"role": [None, "MEMBER"]}


def _invitation_declined(w: World):
    org.invitation_decline(user=w.outsider, invitation=_invite_outsider(w))
    return w.outsider, {}


def _ownership_transferred(w: World):
    org.organization_transfer_ownership(
        actor=w.owner, organization=w.organization, username="admin"
    )
    return w.owner, {"role": ["ADMIN", "OWNER"], "previous_owner_role": ["OWNER", "ADMIN"]}


def _admin_request(w: World):
    # A superuser: the admin's forms leave out the fields a user may not change.
    request = RequestFactory().post("/")
    request.user = User.objects.get_or_create(
        username="root", defaults={"is_staff": True, "is_superuser": True}
    )[0]
    return request


def _admin_added(w: World):
    model_admin = admin_site._registry[Organization]
    request = _admin_request(w)
    form = model_admin.get_form(request, None, change=False, fields=["name", "slug"])(
        {"name": "Initech", "slug": "initech"}
    )
    assert form.is_valid(), form.errors
    model_admin.save_model(request, form.save(commit=False), form, change=False)
    return request.user, {"name": [None, "Initech"], "slug": [None, "initech"]}


def _admin_changed(w: World):
    model_admin = admin_site._registry[Organization]
    request = _admin_request(w)
    form = model_admin.get_form(request, w.organization, change=True, fields=["name"])(
        {"name": "Acme Corp"}, instance=w.organization
    )
    assert form.is_valid(), form.errors
    model_admin.save_model(request, form.save(commit=False), form, change=True)
    return request.user, {"name": ["Acme", "Acme Corp"]}


def _admin_deleted(w: World):
    request = _admin_request(w)
    admin_site._registry[Organization].delete_model(request, w.organization)
    return request.user, {}


ACTIONS = {
    AuditAction.SIGN_IN_SUCCEEDED: _sign_in,
    AuditAction.SIGN_IN_FAILED: _sign_in_failed,
    AuditAction.SIGN_IN_THROTTLED: _sign_in_throttled,
    AuditAction.REFRESH_TOKEN_REUSED: _refresh_reused,
    AuditAction.TOKEN_REVOKED: _token_revoked,
    AuditAction.ALL_TOKENS_REVOKED: _all_tokens_revoked,
    AuditAction.SESSION_REVOKED: _session_revoked,
    AuditAction.PASSWORD_CHANGED: _password_changed,
    AuditAction.PASSWORD_RESET: _password_reset,
    AuditAction.ORGANIZATION_CREATED: _organization_created,
    AuditAction.ORGANIZATION_UPDATED: _organization_updated,
    AuditAction.ORGANIZATION_DELETED: _organization_deleted,
    AuditAction.MEMBER_ADDED: _member_added,
    AuditAction.MEMBER_ROLE_CHANGED: _member_role_changed,
    AuditAction.MEMBER_REMOVED: _member_removed,
    AuditAction.MEMBER_LEFT: _member_left,
    AuditAction.INVITATION_CREATED: _invitation_created,
    AuditAction.INVITATION_RESENT: _invitation_resent,
    AuditAction.INVITATION_REVOKED: _invitation_revoked,
    AuditAction.INVITATION_ACCEPTED: _invitation_accepted,
    AuditAction.INVITATION_DECLINED: _invitation_declined,
    AuditAction.OWNERSHIP_TRANSFERRED: _ownership_transferred,
    AuditAction.ADMIN_ADDED: _admin_added,
    AuditAction.ADMIN_CHANGED: _admin_changed,
    AuditAction.ADMIN_DELETED: _admin_deleted,
}


def test_every_action_has_a_case():
    # given / when / then: no action is left untested
    assert set(ACTIONS) == set(AuditAction)


@pytest.mark.parametrize("action", list(ACTIONS), ids=[action.value for action in ACTIONS])
def test_each_action_leaves_exactly_one_event_with_its_actor_and_changes(world, action):
    # given
    before = AuditEvent.objects.filter(action=action).count()

    # when
    actor, changes = ACTIONS[action](world)

    # then
    events = list(AuditEvent.objects.filter(action=action).order_by("id")[before:])
    assert len(events) == 1
    event = events[0]
    assert event.actor_id == (actor.pk if actor else None)
    assert event.actor_username == (actor.username if actor else "")
    assert event.changes == changes
    assert "password" not in str(event.changes)


@pytest.mark.parametrize(
    "action",
    [AuditAction.ORGANIZATION_UPDATED, AuditAction.MEMBER_REMOVED, AuditAction.PASSWORD_CHANGED],
)
def test_a_rolled_back_change_leaves_no_event(world, action):
    # given
    count = AuditEvent.objects.count()

    # when: the change runs inside a transaction that then fails
    with pytest.raises(RuntimeError), transaction.atomic():
        ACTIONS[action](world)
        raise RuntimeError("rolled back")

    # then
    assert AuditEvent.objects.count() == count


def test_a_refused_change_leaves_no_event(world):
    # given
    count = AuditEvent.objects.count()

    # when: a MEMBER may not remove anyone
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        org.membership_remove(actor=world.member, organization=world.organization, username="admin")

    # then
    assert AuditEvent.objects.count() == count


def test_throttled_sign_ins_are_recorded_once_per_window_and_key(world, settings):
    # given: a throttled pair already recorded in this window
    request = RequestFactory().post("/graphql/", REMOTE_ADDR="203.0.113.9")
    assert audit_sign_in_throttled(username="member", request=request)

    # when: the same pair, then another address
    again = audit_sign_in_throttled(username="member", request=request)
    elsewhere = audit_sign_in_throttled(
        username="member", request=RequestFactory().post("/graphql/", REMOTE_ADDR="198.51.100.7")
    )

    # then
    assert (again, elsewhere) == (False, True)
    assert AuditEvent.objects.filter(action=AuditAction.SIGN_IN_THROTTLED).count() == 2


def test_an_event_keeps_the_request_id_coarse_address_and_user_agent(world):
    # given
    request = RequestFactory().post(
        "/graphql/", REMOTE_ADDR="203.0.113.9", HTTP_USER_AGENT="Browser/1.0 " + "x" * 500
    )
    request_context(request).request_id = "req-123"

    # when
    event = audit_record(action=AuditAction.MEMBER_LEFT, actor=world.member, request=request)

    # then
    assert event.request_id == "req-123"
    assert event.ip_network == "203.0.113.0/24"
    assert event.user_agent.startswith("Browser/1.0 ") and len(event.user_agent) == 200


def test_a_deleted_organizations_events_remain_with_its_name(world):
    # given
    organization_id = world.organization.pk
    org.organization_update(user=world.owner, organization=world.organization, name="Acme 2")

    # when
    org.organization_delete(user=world.owner, organization=world.organization)

    # then
    events = AuditEvent.objects.filter(organization_id=organization_id)
    assert set(events.values_list("action", flat=True)) == {
        AuditAction.ORGANIZATION_CREATED,
        AuditAction.ORGANIZATION_UPDATED,
        AuditAction.ORGANIZATION_DELETED,
    }
    assert events.get(action=AuditAction.ORGANIZATION_DELETED).organization_name == "Acme 2"


def test_events_outlive_their_actor(world):
    # given
    event = AuditEvent.objects.get(action=AuditAction.ORGANIZATION_CREATED)

    # when
    world.owner.delete()

    # then
    event.refresh_from_db()
    assert (event.actor_id, event.actor_username) == (None, "owner")


def test_the_application_cannot_change_or_delete_an_event(world):
    # given
    event = AuditEvent.objects.first()

    # when / then
    event.action = AuditAction.MEMBER_LEFT
    with pytest.raises(AuditEventChangeRefused):
        event.save()
    with pytest.raises(AuditEventChangeRefused):
        event.delete()
    with pytest.raises(AuditEventChangeRefused):
        AuditEvent.objects.update(action=AuditAction.MEMBER_LEFT)
    with pytest.raises(AuditEventChangeRefused):
        AuditEvent.objects.all().delete()


def test_purge_deletes_only_events_older_than_the_retention(world):
    # given: one old event, one fresh
    old = audit_record(action=AuditAction.MEMBER_LEFT, actor=world.member)
    # The guard refuses updates: the test ages the row past it, as time would.
    QuerySet.update(
        AuditEvent.objects.filter(pk=old.pk), created_at=timezone.now() - timedelta(days=91)
    )
    fresh_count = AuditEvent.objects.count() - 1

    # when
    call_command("purge_audit_events", "--older-than", "90", stdout=StringIO())

    # then
    assert not AuditEvent.objects.filter(pk=old.pk).exists()
    assert AuditEvent.objects.count() == fresh_count


def test_purge_refuses_a_retention_under_a_day(db):
    # given / when / then
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("purge_audit_events", "--older-than", "0")


def test_the_admin_shows_events_read_only(world, rf):
    # given: a superuser in the admin
    from django.contrib.admin.sites import site

    model_admin = site._registry[AuditEvent]
    request = rf.get("/")
    request.user = world.staff
    world.staff.is_superuser = True
    event = AuditEvent.objects.first()

    # when / then: nothing may be added, changed or deleted; every field is read-only
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request, event)
    assert not model_admin.has_delete_permission(request, event)
    assert "changes" in model_admin.get_readonly_fields(request, event)


def test_unused_uuid_is_not_a_session(world):
    # given / when / then: revoking a session that is not the user's records nothing
    count = AuditEvent.objects.count()
    with pytest.raises(RefreshToken.DoesNotExist):
        session_revoke(user=world.member, session_id=uuid.uuid4())
    assert AuditEvent.objects.count() == count
