"""Writes of organizations and memberships; each one atomic, each one checked.

Rules: any signed-in user can create an organization and becomes its OWNER;
OWNER and ADMIN can update it and manage members; only an OWNER can delete it,
make someone OWNER or touch an OWNER's membership; an organization always keeps
at least one OWNER. Staff see every organization (selectors) but change only
those they hold a role in. Callers fetch the organization through a selector
first, so one they cannot see is NOT_FOUND before any rule here runs.
"""

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils.text import slugify

from accounts.models import User
from accounts.selectors import user_get_by_username
from organization.models import Membership, Organization
from organization.selectors import membership_get, membership_role

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


def _save_new(organization: Organization, *, owner) -> None:
    with transaction.atomic():
        organization.save()
        Membership.objects.create(user=owner, organization=organization, role=Role.OWNER)


def organization_create(
    *,
    user: User,
    name: str,
    slug: str | None = None,
    description: str = "",
    contact_email: str = "",
    website: str = "",
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
            _save_new(organization, owner=user)
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
            _save_new(organization, owner=user)
        except IntegrityError:
            organization.pk = None
            continue
        return organization
    raise _slug_taken_error()


def organization_update(*, user: User, organization: Organization, **changes: Any) -> Organization:
    """Change the given fields only (partial update); OWNER or ADMIN."""
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"Not editable: {sorted(unknown)}")
    with transaction.atomic():
        # Locked, so a concurrent delete or demotion cannot slip in between the
        # role check and the write.
        organization = _locked(organization)
        _require_role(user=user, organization=organization, roles=MANAGER_ROLES, action="update it")
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
    return organization


def organization_delete(*, user: User, organization: Organization) -> None:
    """Delete an organization and its memberships; OWNER only."""
    with transaction.atomic():
        organization = _locked(organization)
        _require_role(user=user, organization=organization, roles=(Role.OWNER,), action="delete it")
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
    *, actor: User, organization: Organization, username: str, role: str = Role.MEMBER
) -> Membership:
    """Add an active user by username; OWNER or ADMIN, and only an OWNER adds an OWNER."""
    _role_check(role)
    with transaction.atomic():
        organization = _locked(organization)
        actor_role = _require_role(
            user=actor, organization=organization, roles=MANAGER_ROLES, action="add members"
        )
        if role == Role.OWNER and actor_role != Role.OWNER:
            raise PermissionDenied("Only an OWNER can make someone OWNER.")
        user = user_get_by_username(username=username)
        if user is None:
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
        return Membership.objects.create(organization=organization, user=user, role=role)


def membership_change_role(
    *, actor: User, organization: Organization, username: str, role: str
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
        membership.role = role
        membership.save(update_fields=["role"])
        return membership


def membership_remove(*, actor: User, organization: Organization, username: str) -> None:
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
        membership.delete()


def membership_leave(*, user: User, organization: Organization) -> None:
    """Leave an organization; its last OWNER cannot."""
    with transaction.atomic():
        organization = _locked(organization)
        membership = Membership.objects.filter(organization=organization, user=user).first()
        if membership is None:
            raise ValidationError("You are not a member of this organization.", code="not_member")
        if membership.role == Role.OWNER and _owner_count(organization) == 1:
            raise _last_owner_error(None)
        membership.delete()
