"""Writes of organizations and memberships; each one atomic, each one checked.

Rules: any signed-in user can create an organization and becomes its OWNER;
OWNER and ADMIN can update it and manage members; only an OWNER can delete it,
make someone OWNER, transfer ownership or touch an OWNER's membership; an
organization always keeps at least one OWNER, and its only OWNER can be neither
deleted nor deactivated (`user_sole_owner_objections`). Nobody becomes a member
without consent: by accepting an invitation (`invitation_*` below); the
one exception is staff's support path, `membership_add`. Role changes apply to
existing members only. Staff see every organization (selectors) but change only
those they hold a role in. Callers fetch the organization through a selector
first, so one they cannot see is NOT_FOUND before any rule here runs.
"""

import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.text import slugify

from accounts.audit import audit_changes, audit_record
from accounts.exceptions import RateLimitedError
from accounts.mail import frontend_link, mail_send_on_commit
from accounts.models import AuditAction, User
from accounts.rate_limits import rate_limit_take
from accounts.selectors import user_get_by_username
from organization.models import Invitation, Membership, Organization
from organization.selectors import (
    email_normalised,
    invitation_token_digest,
    membership_get,
    membership_role,
    user_sees_all_organizations,
    user_verified_email,
    users_with_verified_email,
)

Role = Membership.Role
MANAGER_ROLES = (Role.OWNER, Role.ADMIN)
EDITABLE_FIELDS = ("name", "slug", "description", "contact_email", "website", "is_active")
# Text fields where an explicit null means "clear it".
CLEARABLE_FIELDS = ("description", "contact_email", "website")
SLUG_MAX_LENGTH = Organization._meta.get_field("slug").max_length
SLUG_ATTEMPTS = 20


def _require_role(*, user: User, organization: Organization, roles, action: str) -> str:
    role = membership_role(user=user, organization=organization)
    if role not in roles:
        allowed = " or ".join(str(r) for r in roles)
        raise PermissionDenied(f"Only an {allowed} of this organization can {action}.")
    return role


def _slug_taken_error() -> ValidationError:
    return ValidationError({"slug": ValidationError("This slug is already taken.", code="unique")})


def _slug_candidates(name: str):
    base = slugify(name)[: SLUG_MAX_LENGTH - 4].strip("-") or "organization"
    yield base
    for number in range(2, SLUG_ATTEMPTS + 1):
        yield f"{base}-{number}"


def _save_new(organization: Organization, *, owner, request: HttpRequest | None) -> None:
    with transaction.atomic():
        organization.save()
        Membership.objects.create(user=owner, organization=organization, role=Role.OWNER)
        _event(
            AuditAction.ORGANIZATION_CREATED,
            actor=owner,
            organization=organization,
            request=request,
        )


def _event(
    action: AuditAction,
    *,
    actor: User,
    organization: Organization,
    request: HttpRequest | None,
    target: Organization | User | Invitation | None = None,
    changes: dict | None = None,
) -> None:
    """Audit one change of `organization` (the target unless another is named), in the
    caller's transaction. A member is labelled by username, an invitation by its address."""
    target = organization if target is None else target
    if isinstance(target, Invitation):
        label = target.email
    elif isinstance(target, Organization):
        label = ""  # audit_record keeps str(organization)
    else:
        label = target.get_username()
    audit_record(
        action=action,
        actor=actor,
        organization=organization,
        target=target,
        target_label=label,
        changes=changes,
        request=request,
    )


def organization_create(
    *,
    user: User,
    name: str,
    slug: str | None = None,
    description: str = "",
    contact_email: str = "",
    website: str = "",
    request: HttpRequest | None = None,
) -> Organization:
    """Create an organization with `user` as its OWNER; the slug comes from the name if absent."""
    if not user.email_verified:
        raise ValidationError(
            "Verify your e-mail address (the link sent at sign-up, or resendVerificationEmail) "
            "before creating an organization.",
            code="email_not_verified",
        )
    organization = Organization(
        name=(name or "").strip(),
        slug=slug or "",
        description=description or "",
        contact_email=contact_email or "",
        website=website or "",
        created_by=user,
    )
    if slug:
        organization.full_clean()
        try:
            _save_new(organization, owner=user, request=request)
        except IntegrityError:
            # A concurrent request took the slug between the check and the insert.
            raise _slug_taken_error() from None
        return organization

    organization.full_clean(exclude=["slug"])
    for candidate in _slug_candidates(organization.name):
        if Organization.objects.filter(slug=candidate).exists():
            continue
        organization.slug = candidate
        try:
            _save_new(organization, owner=user, request=request)
        except IntegrityError:
            organization.pk = None
            continue
        return organization
    raise _slug_taken_error()


def organization_update(
    *,
    user: User,
    organization: Organization,
    request: HttpRequest | None = None,
    **changes: Any,
) -> Organization:
    """Change the given fields only (partial update); OWNER or ADMIN."""
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"Not editable: {sorted(unknown)}")
    with transaction.atomic():
        # Locked, so a concurrent delete or demotion cannot slip in between the
        # role check and the write.
        organization = _locked(organization)
        _require_role(user=user, organization=organization, roles=MANAGER_ROLES, action="update it")
        before = {field: getattr(organization, field) for field in changes}
        for field, value in changes.items():
            if value is None and field in CLEARABLE_FIELDS:
                value = ""
            if field == "name" and isinstance(value, str):
                value = value.strip()
            setattr(organization, field, value)
        organization.full_clean()
        try:
            with transaction.atomic():
                organization.save(update_fields=[*changes, "updated_at"])
        except IntegrityError:
            raise _slug_taken_error() from None
        changed = audit_changes(before, {field: getattr(organization, field) for field in changes})
        if changed:
            _event(
                AuditAction.ORGANIZATION_UPDATED,
                actor=user,
                organization=organization,
                changes=changed,
                request=request,
            )
    return organization


def organization_delete(
    *, user: User, organization: Organization, request: HttpRequest | None = None
) -> None:
    """Delete an organization and its memberships; OWNER only."""
    with transaction.atomic():
        organization = _locked(organization)
        _require_role(user=user, organization=organization, roles=(Role.OWNER,), action="delete it")
        _event(
            AuditAction.ORGANIZATION_DELETED,
            actor=user,
            organization=organization,
            request=request,
        )
        organization.delete()


def _locked(organization: Organization) -> Organization:
    """The organization's row, locked until the transaction ends; DoesNotExist if deleted.

    Serialises the writes of one organization, so two concurrent removals can
    never leave it without an OWNER, and a delete cannot race an update.
    """
    return Organization.objects.select_for_update().get(pk=organization.pk)


def _role_check(role: str) -> None:
    if role not in Role.values:
        raise ValidationError(
            {"role": ValidationError(f"Choose one of {', '.join(Role.values)}.", code="invalid")}
        )


def _owner_count(organization: Organization) -> int:
    return Membership.objects.filter(organization=organization, role=Role.OWNER).count()


def _last_owner_error(field: str | None) -> ValidationError:
    message = ValidationError("An organization must keep at least one owner.", code="last_owner")
    return ValidationError({field: message}) if field else message


def _member_of(organization: Organization, username: str) -> Membership:
    try:
        return membership_get(organization=organization, username=username)
    except Membership.DoesNotExist:
        raise ValidationError(
            {"username": ValidationError("This user is not a member.", code="not_member")}
        ) from None


def membership_add(
    *,
    actor: User,
    organization: Organization,
    username: str,
    role: str = Role.MEMBER,
    request: HttpRequest | None = None,
) -> Membership:
    """Staff only (the support path): add an active user by username, with any role.

    Everyone else invites (`invitation_create`): membership needs consent.
    """
    _role_check(role)
    if not user_sees_all_organizations(actor):
        raise PermissionDenied("Only staff can add a member directly; invite them instead.")
    with transaction.atomic():
        organization = _locked(organization)
        user = user_get_by_username(username=username)
        if user is None:
            # Staff may know which accounts exist: the answer can say so.
            raise ValidationError(
                {"username": ValidationError("No active user has this username.", code="not_found")}
            )
        if Membership.objects.filter(organization=organization, user=user).exists():
            raise ValidationError(
                {
                    "username": ValidationError(
                        "This user is already a member.", code="already_member"
                    )
                }
            )
        membership = Membership.objects.create(organization=organization, user=user, role=role)
        _event(
            AuditAction.MEMBER_ADDED,
            actor=actor,
            organization=organization,
            target=user,
            request=request,
            changes={"role": [None, role]},
        )
        return membership


def membership_change_role(
    *,
    actor: User,
    organization: Organization,
    username: str,
    role: str,
    request: HttpRequest | None = None,
) -> Membership:
    """Give a member another role; an OWNER's membership and the OWNER role need an OWNER."""
    _role_check(role)
    with transaction.atomic():
        organization = _locked(organization)
        actor_role = _require_role(
            user=actor, organization=organization, roles=MANAGER_ROLES, action="change roles"
        )
        membership = _member_of(organization, username)
        if Role.OWNER in (role, membership.role) and actor_role != Role.OWNER:
            raise PermissionDenied("Only an OWNER can grant or take away the OWNER role.")
        if membership.role == Role.OWNER and role != Role.OWNER and _owner_count(organization) == 1:
            raise _last_owner_error("role")
        changes = audit_changes({"role": membership.role}, {"role": role})
        membership.role = role
        membership.save(update_fields=["role"])
        if changes:
            _event(
                AuditAction.MEMBER_ROLE_CHANGED,
                actor=actor,
                organization=organization,
                target=membership.user,
                request=request,
                changes=changes,
            )
        return membership


def membership_remove(
    *,
    actor: User,
    organization: Organization,
    username: str,
    request: HttpRequest | None = None,
) -> None:
    """Remove a member; OWNER or ADMIN, and only an OWNER removes an OWNER."""
    with transaction.atomic():
        organization = _locked(organization)
        actor_role = _require_role(
            user=actor, organization=organization, roles=MANAGER_ROLES, action="remove members"
        )
        membership = _member_of(organization, username)
        if membership.role == Role.OWNER:
            if actor_role != Role.OWNER:
                raise PermissionDenied("Only an OWNER can remove an OWNER.")
            if _owner_count(organization) == 1:
                raise _last_owner_error("username")
        _event(
            AuditAction.MEMBER_REMOVED,
            actor=actor,
            organization=organization,
            target=membership.user,
            request=request,
            changes={"role": [membership.role, None]},
        )
        membership.delete()


def membership_leave(
    *, user: User, organization: Organization, request: HttpRequest | None = None
) -> None:
    """Leave an organization; its last OWNER cannot."""
    with transaction.atomic():
        organization = _locked(organization)
        membership = Membership.objects.filter(organization=organization, user=user).first()
        if membership is None:
            raise ValidationError("You are not a member of this organization.", code="not_member")
        if membership.role == Role.OWNER and _owner_count(organization) == 1:
            raise _last_owner_error(None)
        _event(
            AuditAction.MEMBER_LEFT,
            actor=user,
            organization=organization,
            target=user,
            request=request,
            changes={"role": [membership.role, None]},
        )
        membership.delete()


def organization_transfer_ownership(
    *,
    actor: User,
    organization: Organization,
    username: str,
    request: HttpRequest | None = None,
) -> Membership:
    """Make a member OWNER in the actor's place (OWNER only); the actor becomes ADMIN.

    A transfer, not a grant: afterwards the former OWNER can leave. To share
    ownership instead, `membership_change_role` to OWNER. Returns the new OWNER's
    membership.
    """
    with transaction.atomic():
        organization = _locked(organization)
        _require_role(
            user=actor, organization=organization, roles=(Role.OWNER,), action="transfer ownership"
        )
        membership = _member_of(organization, username)
        if membership.user_id == actor.pk:
            raise ValidationError(
                {
                    "username": ValidationError(
                        "You already own it: name another member.", code="invalid"
                    )
                }
            )
        changes = audit_changes({"role": membership.role}, {"role": Role.OWNER})
        if membership.role != Role.OWNER:
            membership.role = Role.OWNER
            membership.save(update_fields=["role"])
        Membership.objects.filter(organization=organization, user=actor).update(role=Role.ADMIN)
        _event(
            AuditAction.OWNERSHIP_TRANSFERRED,
            actor=actor,
            organization=organization,
            target=membership.user,
            request=request,
            changes={**changes, "previous_owner_role": [Role.OWNER, Role.ADMIN]},
        )
        return membership


def user_sole_owner_objections(users) -> list[ValidationError]:
    """Why `users` may not be deleted or deactivated: the organizations only they own.

    Registered with accounts.removal (organization/apps.py). Locks the
    organizations concerned, as every membership write does, so a concurrent
    transfer or a second removal waits for this one.
    """
    user_ids = [user.pk for user in users]
    owned = Organization.objects.filter(
        memberships__user_id__in=user_ids, memberships__role=Role.OWNER
    ).values("pk")
    organizations = list(
        Organization.objects.select_for_update().filter(pk__in=owned).order_by("pk")
    )
    objections = []
    for organization in organizations:
        owners = Membership.objects.filter(organization=organization, role=Role.OWNER)
        if owners.exclude(user_id__in=user_ids).exists():
            continue
        names = ", ".join(sorted(owners.values_list("user__username", flat=True)))
        objections.append(
            ValidationError(
                "%(users)s: only OWNER of the organization “%(organization)s”. Transfer its "
                "ownership (or delete it) first.",
                code="sole_owner",
                params={"users": names, "organization": organization.name},
            )
        )
    return objections


# --- Invitations -----------------------------------------------------------------
# An ADMIN or OWNER invites an e-mail address; the person behind it, signed in
# with that address verified, accepts (becoming a member) or declines. The raw
# token travels only in the e-mail's link; the database keeps its digest.

Status = Invitation.Status
EMAIL_MAX_LENGTH = Invitation._meta.get_field("email").max_length


@dataclass(frozen=True)
class IssuedInvitation:
    """An invitation just (re)issued and its raw token, which only its e-mail carries."""

    invitation: Invitation
    token: str


def _token_issue() -> tuple[str, str]:
    raw_token = secrets.token_urlsafe(32)
    return raw_token, invitation_token_digest(raw_token)


def _invitation_email_check(email: str) -> str:
    email = email_normalised(email)
    if len(email) > EMAIL_MAX_LENGTH:
        raise ValidationError(
            {
                "email": ValidationError(
                    "At most %(limit_value)d characters.",
                    code="max_length",
                    params={"limit_value": EMAIL_MAX_LENGTH},
                )
            }
        )
    try:
        validate_email(email)
    except ValidationError:
        raise ValidationError(
            {"email": ValidationError("Enter a valid e-mail address.", code="invalid")}
        ) from None
    return email


def _inviter_budget_take(actor: User, email: str) -> None:
    """Count one invitation mail from `actor` to `email` (an invitation or a resend).

    Two budgets: the inviter's to one mailbox per UTC day, and the inviter's per
    hour, so nobody can mail the same stranger every
    INVITATION_RESEND_INTERVAL_SECONDS, or from every organization they run. The
    first is per inviter, not per mailbox alone: a per-mailbox budget would let a
    stranger spend it and so keep an address from being invited by anyone. It is
    checked first, so a refusal there spends nothing of the hourly budget.
    """
    rate_limit_take(
        scope="invitations-per-inviter-and-address",
        identity=f"{actor.pk}:{_mailbox(email)}",
        limit=settings.INVITATIONS_PER_ADDRESS_PER_INVITER_PER_DAY,
        window=86400,
        what="invitations sent to this address",
    )
    rate_limit_take(
        scope="invitations-per-inviter",
        identity=str(actor.pk),
        limit=settings.INVITATIONS_PER_INVITER_PER_HOUR,
        window=3600,
        what="invitations sent",
    )


def _mailbox(email: str) -> str:
    """The mailbox an (already lower-cased) address delivers to, for budgets only:
    without a `+tag`, which most providers ignore (target+1@, target+2@, ...)."""
    local, _, domain = email.rpartition("@")
    return f"{local.split('+', 1)[0]}@{domain}"


def _invitation_manager_check(*, actor: User, invitation: Invitation, action: str) -> None:
    actor_role = _require_role(
        user=actor, organization=invitation.organization, roles=MANAGER_ROLES, action=action
    )
    if invitation.role == Role.OWNER and actor_role != Role.OWNER:
        raise PermissionDenied("Only an OWNER can manage an invitation to become OWNER.")


def _pending_check(invitation: Invitation, now) -> None:
    """ValidationError (INVITATION_EXPIRED, _ACCEPTED, _DECLINED, _REVOKED) unless pending."""
    state = invitation.state(now)
    if state != Status.PENDING:
        raise ValidationError(
            f"This invitation is {state.lower()}.", code=f"invitation_{state.lower()}"
        )


def _expiry(now):
    return now + timedelta(seconds=settings.INVITATION_EXPIRY_SECONDS)


def invitation_send(*, issued: IssuedInvitation) -> None:
    """Queue the invitation's e-mail, with its link, to be sent once the transaction commits."""
    invitation = issued.invitation
    mail_send_on_commit(
        to=invitation.email,
        template="invitation",
        context={
            "email": invitation.email,
            "organization_name": invitation.organization.name,
            "inviter_name": invitation.invited_by.username if invitation.invited_by else None,
            "role": invitation.role,
            "expires_at": invitation.expires_at,
            "link": frontend_link("invitation", issued.token),
        },
    )


def invitation_create(
    *,
    actor: User,
    organization: Organization,
    email: str,
    role: str = Role.MEMBER,
    request: HttpRequest | None = None,
) -> IssuedInvitation:
    """Invite an e-mail address (OWNER or ADMIN; only an OWNER invites an OWNER).

    The answer is the same whether or not an account has the address. One
    pending invitation per address and organization: a live one is
    ALREADY_INVITED (resend or revoke it); an expired one is issued anew.
    """
    _role_check(role)
    email = _invitation_email_check(email)
    with transaction.atomic():
        organization = _locked(organization)
        actor_role = _require_role(
            user=actor, organization=organization, roles=MANAGER_ROLES, action="invite members"
        )
        if role == Role.OWNER and actor_role != Role.OWNER:
            raise PermissionDenied("Only an OWNER can invite someone to become OWNER.")
        if Membership.objects.filter(
            organization=organization, user__in=users_with_verified_email(email)
        ).exists():
            raise ValidationError(
                {
                    "email": ValidationError(
                        "This address is a member's already.", code="already_member"
                    )
                }
            )
        now = timezone.now()
        invitation = Invitation.objects.filter(
            organization=organization, email=email, status=Status.PENDING
        ).first()
        if invitation is not None and invitation.state(now) == Status.PENDING:
            raise ValidationError(
                {
                    "email": ValidationError(
                        "This address has a pending invitation: resend or revoke it.",
                        code="already_invited",
                    )
                }
            )
        _inviter_budget_take(actor, email)
        raw_token, digest = _token_issue()
        if invitation is None:
            invitation = Invitation(organization=organization, email=email)
        invitation.role, invitation.invited_by, invitation.token_hash = role, actor, digest
        invitation.expires_at, invitation.sent_at = _expiry(now), now
        invitation.save()
        issued = IssuedInvitation(invitation=invitation, token=raw_token)
        invitation_send(issued=issued)
        _event(
            AuditAction.INVITATION_CREATED,
            actor=actor,
            organization=organization,
            target=invitation,
            request=request,
            changes={"role": [None, role]},
        )
        return issued


def invitation_resend(
    *, actor: User, invitation: Invitation, request: HttpRequest | None = None
) -> IssuedInvitation:
    """Send a pending (or expired) invitation again, with a new token and a new expiry;
    the old link dies. OWNER or ADMIN; at most once per INVITATION_RESEND_INTERVAL_SECONDS."""
    with transaction.atomic():
        organization = _locked(invitation.organization)
        invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
        _invitation_manager_check(actor=actor, invitation=invitation, action="resend invitations")
        now = timezone.now()
        if invitation.status != Status.PENDING:
            _pending_check(invitation, now)
        wait = (
            invitation.sent_at
            + timedelta(seconds=settings.INVITATION_RESEND_INTERVAL_SECONDS)
            - now
        )
        if wait.total_seconds() > 0:
            raise RateLimitedError(
                retry_after=max(1, int(wait.total_seconds()) + 1), what="sends of this invitation"
            )
        _inviter_budget_take(actor, invitation.email)
        raw_token, invitation.token_hash = _token_issue()
        invitation.expires_at, invitation.sent_at = _expiry(now), now
        invitation.save(update_fields=["token_hash", "expires_at", "sent_at", "updated_at"])
        issued = IssuedInvitation(invitation=invitation, token=raw_token)
        invitation_send(issued=issued)
        _event(
            AuditAction.INVITATION_RESENT,
            actor=actor,
            organization=organization,
            target=invitation,
            request=request,
            changes=None,
        )
        return issued


def invitation_revoke(
    *, actor: User, invitation: Invitation, request: HttpRequest | None = None
) -> Invitation:
    """Withdraw a pending (or expired) invitation; its link dies. OWNER or ADMIN."""
    with transaction.atomic():
        organization = _locked(invitation.organization)
        invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
        _invitation_manager_check(actor=actor, invitation=invitation, action="revoke invitations")
        if invitation.status != Status.PENDING:
            _pending_check(invitation, timezone.now())
        invitation.status = Status.REVOKED
        invitation.save(update_fields=["status", "updated_at"])
        _event(
            AuditAction.INVITATION_REVOKED,
            actor=actor,
            organization=organization,
            target=invitation,
            request=request,
        )
        return invitation


def _invitee_check(*, user: User, invitation: Invitation) -> None:
    """The invitation is addressed to `user`'s verified e-mail address, else ValidationError."""
    verified = user_verified_email(user)
    if verified is None:
        raise ValidationError(
            "Verify your e-mail address first: an invitation goes to a verified address.",
            code="email_not_verified",
        )
    if verified != invitation.email:
        raise ValidationError(
            "This invitation is for another e-mail address than your verified one.",
            code="email_mismatch",
        )


def invitation_accept(
    *, user: User, invitation: Invitation, request: HttpRequest | None = None
) -> Membership:
    """Join the organization with the invitation's role; the invitee's verified e-mail
    address must be the invited one."""
    with transaction.atomic():
        organization = _locked(invitation.organization)
        invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
        _pending_check(invitation, timezone.now())
        _invitee_check(user=user, invitation=invitation)
        if Membership.objects.filter(organization=organization, user=user).exists():
            raise ValidationError("You are a member already.", code="already_member")
        membership = Membership.objects.create(
            organization=organization, user=user, role=invitation.role
        )
        invitation.status, invitation.answered_by = Status.ACCEPTED, user
        invitation.save(update_fields=["status", "answered_by", "updated_at"])
        _event(
            AuditAction.INVITATION_ACCEPTED,
            actor=user,
            organization=organization,
            target=invitation,
            request=request,
            changes={"role": [None, invitation.role]},
        )
        return membership


def invitation_decline(
    *, user: User, invitation: Invitation, request: HttpRequest | None = None
) -> Invitation:
    """Say no to a pending invitation addressed to the user's verified e-mail address."""
    with transaction.atomic():
        organization = _locked(invitation.organization)
        invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
        _pending_check(invitation, timezone.now())
        _invitee_check(user=user, invitation=invitation)
        invitation.status, invitation.answered_by = Status.DECLINED, user
        invitation.save(update_fields=["status", "answered_by", "updated_at"])
        _event(
            AuditAction.INVITATION_DECLINED,
            actor=user,
            organization=organization,
            target=invitation,
            request=request,
        )
        return invitation


def invitation_token_attempt(*, user: User) -> None:
    """Count one use of an invitation token by `user`; RateLimitedError over the budget."""
    rate_limit_take(
        scope="invitation-token",
        identity=str(user.pk),
        limit=settings.INVITATION_TOKEN_ATTEMPTS_PER_HOUR,
        window=3600,
        what="invitation tokens tried",
    )
