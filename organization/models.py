"""Organizations and the memberships that give users a role in them."""

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower

# Free text is bounded like every other input: a description is shown in lists,
# so its size multiplies into every page of results (README, "Limits").
DESCRIPTION_MAX_LENGTH = 10_000


class Organization(models.Model):
    """A group of users; visible only to its members (and to staff)."""

    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=220, unique=True)
    description = models.CharField(max_length=DESCRIPTION_MAX_LENGTH, blank=True)
    contact_email = models.EmailField(blank=True)
    website = models.URLField(blank=True)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        # Names sort case-insensitively; every ordering ends with the id, so
        # pages never overlap or skip on ties.
        ordering = [Lower("name"), "id"]
        indexes = [
            models.Index(Lower("name"), "id", name="org_name_lower_idx"),
            models.Index(fields=["created_at", "id"], name="org_created_idx"),
            models.Index(fields=["updated_at", "id"], name="org_updated_idx"),
            models.Index(fields=["is_active"], name="org_active_idx"),
        ]

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    """A user's role in one organization; at most one per pair."""

    class Role(models.TextChoices):
        OWNER = "OWNER", "Owner"
        ADMIN = "ADMIN", "Admin"
        MEMBER = "MEMBER", "Member"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.MEMBER)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "organization"], name="membership_one_per_user_and_org"
            ),
        ]
        indexes = [
            # Scoping ("my organizations") and the `role` filter.
            models.Index(fields=["user", "role"], name="membership_user_role_idx"),
            # Owner counts of one organization.
            models.Index(fields=["organization", "role"], name="membership_org_role_idx"),
            # Member pages of one organization in joining order: a keyset range.
            models.Index(
                fields=["organization", "created_at", "id"], name="membership_org_joined_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} is {self.role} of {self.organization}"


class Invitation(models.Model):
    """An offer of a role in an organization, sent to an e-mail address; the raw token
    (in the e-mail's link) is never stored, only its SHA-256 digest."""

    class Status(models.TextChoices):
        PENDING = "PENDING", "Pending"
        ACCEPTED = "ACCEPTED", "Accepted"
        DECLINED = "DECLINED", "Declined"
        REVOKED = "REVOKED", "Revoked"

    # Not stored: a PENDING invitation past `expires_at` (`Invitation.state`).
    EXPIRED = "EXPIRED"

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="invitations"
    )
    # Normalised (trimmed, lower-case) by the services, so one address has one row.
    email = models.EmailField()
    role = models.CharField(
        max_length=10, choices=Membership.Role.choices, default=Membership.Role.MEMBER
    )
    token_hash = models.CharField(max_length=64, unique=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    # Who accepted or declined it (their verified address matched).
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    expires_at = models.DateTimeField()
    sent_at = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "email"],
                condition=models.Q(status="PENDING"),
                name="invitation_one_pending_per_org_and_email",
            ),
        ]
        indexes = [
            # An organization's invitations, newest first: a keyset range.
            models.Index(
                fields=["organization", "-created_at", "-id"], name="invitation_org_created_idx"
            ),
            # "My invitations": the pending ones for an address.
            models.Index(fields=["email", "status"], name="invitation_email_status_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.email} invited to {self.organization} as {self.role}"

    def state(self, now) -> str:
        """The status a client sees: EXPIRED for a PENDING invitation past its expiry."""
        if self.status == self.Status.PENDING and self.expires_at <= now:
            return self.EXPIRED
        return self.status
