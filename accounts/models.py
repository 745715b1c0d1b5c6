"""The user model and the refresh tokens that keep a sign-in alive."""

import hashlib
import uuid

from django.conf import settings
from django.contrib.auth.hashers import check_password
from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models import F

# Written only through explicit update_fields (accounts.services): see User.save.
_REVOCATION_FIELDS = frozenset({"token_version", "ended_sessions"})


def _ends_tokens(new_is_active) -> bool:
    # Anything but a literal True may deactivate (False, 0, an expression such
    # as bulk_update's CASE): better to end a reactivated user's tokens once too
    # many than to let a deactivated user's tokens survive.
    return new_is_active is not True


class UserQuerySet(models.QuerySet):
    def update(self, **kwargs):
        """QuerySet.update; setting is_active to false also ends every token of the rows.

        So `User.objects.filter(...).update(is_active=False)` (and bulk_update,
        which goes through here) cannot leave tokens to come back to life when
        the user is reactivated.
        """
        deactivates = "is_active" in kwargs and _ends_tokens(kwargs["is_active"])
        if deactivates and "token_version" not in kwargs:
            kwargs["token_version"] = F("token_version") + 1
        return super().update(**kwargs)


class AccountsUserManager(UserManager.from_queryset(UserQuerySet)):
    """Django's UserManager (create_user, ...) over UserQuerySet."""


class User(AbstractUser):
    """A person who signs in; the project's custom user model from day one."""

    objects = AccountsUserManager()

    # Carried in every access token and compared when the request's user is
    # loaded: bumping it ends every access token already issued, at no extra query.
    token_version = models.PositiveIntegerField(
        default=0,
        editable=False,
        help_text="Bumped to end every access token issued so far (logout everywhere).",
    )
    # Sessions (sign-in chains) ended while access tokens of theirs may still be
    # unexpired: {session id: unix time after which none can be}. Read with the
    # row every request loads anyway, so ending one session costs no extra query.
    # Bounded: see accounts.sessions.ended_session_record.
    ended_sessions = models.JSONField(
        default=dict,
        blank=True,
        editable=False,
        help_text="Sessions ended lately whose access tokens are refused until they expire.",
    )
    # True by default: accounts made by staff (admin, createsuperuser, the shell) are
    # trusted; only sign-up (accounts.services.user_register) creates unverified ones.
    email_verified = models.BooleanField(
        default=True,
        help_text="Whether the user proved they receive mail at their e-mail address.",
    )

    # The password fingerprint (accounts.tokens) of the hash before the last
    # rehash: the same password moved to a stronger hasher at sign-in
    # (check_password). The tokens the user's other sessions hold were issued
    # with that fingerprint and stay valid; any password change empties it.
    password_rehashed_from = models.CharField(
        max_length=32,
        blank=True,
        default="",
        editable=False,
        help_text="Fingerprint of the password hash before its last upgrade (same password).",
    )

    def set_password(self, raw_password):
        """Django's set_password; a new password also forgets the pre-upgrade fingerprint."""
        super().set_password(raw_password)
        self.password_rehashed_from = ""

    def check_password(self, raw_password):
        """Django's check_password; an upgraded hash keeps the user's sessions alive.

        Django rehashes a right password whose hash is of an older hasher or
        other parameters (PBKDF2 to Argon2id), and saves it. The stored hash
        changes, so the tokens' password fingerprint would no longer match and
        every other session would end; the old fingerprint is kept beside it.
        """
        from accounts.tokens import password_fingerprint

        def upgrade(raw: str) -> None:
            previous = password_fingerprint(self)
            self.set_password(raw)
            self._password = None
            self.password_rehashed_from = previous
            self.save(update_fields=["password"])

        return check_password(raw_password, self.password, upgrade)

    def save(self, *args, update_fields=None, **kwargs):
        # Not business logic but integrity rules on token_version.
        # 1. It only moves forward, through the services' F() updates or an
        # explicit update_fields: a plain save() of a copy loaded earlier would
        # otherwise write an old value back and bring revoked tokens back to life.
        # The same holds for ended_sessions.
        # 2. Saving a user as inactive ends every token (whatever path set
        # is_active: admin, shell, a script), so reactivating them later brings
        # none back.
        bump = False
        if not self._state.adding:
            if update_fields is None:
                update_fields = [
                    field.name
                    for field in self._meta.concrete_fields
                    if not field.primary_key and field.name not in _REVOCATION_FIELDS
                ]
            update_fields = list(update_fields)
            if "password" in update_fields and "password_rehashed_from" not in update_fields:
                # Written with the password, whoever saves it: a change empties it.
                update_fields.append("password_rehashed_from")
            if (
                not self.is_active
                and "is_active" in update_fields
                and "token_version" not in update_fields
            ):
                self.token_version = F("token_version") + 1
                update_fields.append("token_version")
                bump = True
        super().save(*args, update_fields=update_fields, **kwargs)
        if bump:
            self.refresh_from_db(fields=["token_version"])


def refresh_token_digest(raw_token: str) -> str:
    """What a RefreshToken row stores of its token: the SHA-256, in hex."""
    # 256 random bits need no salt or slow hash: a digest alone cannot be replayed.
    return hashlib.sha256(raw_token.encode()).hexdigest()


class RefreshToken(models.Model):
    """One refresh token of a sign-in chain, stored as a SHA-256 digest only.

    Every rotation adds a row to the chain (`family`); every row of a chain
    shares the chain's expiry, fixed at sign-in, so rotation never extends it.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="refresh_tokens"
    )
    token_hash = models.CharField(max_length=64, unique=True)
    family = models.UUIDField(default=uuid.uuid4, db_index=True)
    # When the chain began (the password sign-in): the access tokens' `origIat`.
    signed_in_at = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(db_index=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    # accounts.tokens.password_fingerprint at sign-in: a password changed by any
    # means (admin, manage.py) ends the chain.
    password_fingerprint = models.CharField(max_length=32, default="")
    # The user's token_version when the chain began: a bump (logout everywhere,
    # deactivation by any path) ends the chain, even once the user is active
    # again. Null only for rows written by code older than this column.
    token_version = models.PositiveIntegerField(null=True, editable=False)
    # Who used this token's request (sign-in or refresh): shown by mySessions.
    # Coarse and bounded on purpose (accounts.sessions): a /24 or /48 network,
    # never the full address; the User-Agent header cut to a fixed length.
    # Once rotated: the successor pair, encrypted under a key derived from this
    # (unstored) token, so a repeat within JWT_REFRESH_TOKEN_REUSE_INTERVAL gets the
    # same pair (accounts.refresh_reuse). Useless without the token itself.
    successor_sealed = models.TextField(blank=True, default="", editable=False)
    user_agent = models.CharField(max_length=200, blank=True, default="")
    ip_network = models.CharField(max_length=50, blank=True, default="")
    # DPoP (accounts.dpop): the thumbprint of the key the chain is bound to, or
    # empty for a Bearer chain. Fixed at sign-in; a refresh needs a proof by it.
    dpop_jkt = models.CharField(max_length=43, blank=True, default="")

    class Meta:
        indexes = [models.Index(fields=["user", "revoked_at"], name="refresh_user_live_idx")]

    def __str__(self) -> str:
        return f"refresh token {self.pk} of {self.user_id}"

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None


class AuditAction(models.TextChoices):
    """What an audit event records (accounts.audit); the GraphQL enum `AuditAction` mirrors it."""

    SIGN_IN_SUCCEEDED = "SIGN_IN_SUCCEEDED", "Signed in with a password."
    SIGN_IN_FAILED = "SIGN_IN_FAILED", "A sign-in with a wrong username or password."
    SIGN_IN_THROTTLED = "SIGN_IN_THROTTLED", "Sign-ins refused: too many attempts."
    REFRESH_TOKEN_REUSED = "REFRESH_TOKEN_REUSED", "A used refresh token came again: session ended."
    TOKEN_REVOKED = "TOKEN_REVOKED", "Signed out of one session (revokeToken)."
    ALL_TOKENS_REVOKED = "ALL_TOKENS_REVOKED", "Signed out everywhere (revokeAllTokens)."
    SESSION_REVOKED = "SESSION_REVOKED", "One session ended (revokeSession)."
    PASSWORD_CHANGED = "PASSWORD_CHANGED", "The password was changed."
    PASSWORD_RESET = "PASSWORD_RESET", "The password was reset through an e-mailed link."
    ORGANIZATION_CREATED = "ORGANIZATION_CREATED", "An organization was created."
    ORGANIZATION_UPDATED = "ORGANIZATION_UPDATED", "An organization's fields changed."
    ORGANIZATION_DELETED = "ORGANIZATION_DELETED", "An organization was deleted."
    MEMBER_ADDED = "MEMBER_ADDED", "A member was added (by staff)."
    MEMBER_ROLE_CHANGED = "MEMBER_ROLE_CHANGED", "A member's role changed."
    MEMBER_REMOVED = "MEMBER_REMOVED", "A member was removed."
    MEMBER_LEFT = "MEMBER_LEFT", "A member left."
    INVITATION_CREATED = "INVITATION_CREATED", "An invitation was sent."
    INVITATION_RESENT = "INVITATION_RESENT", "An invitation was sent again."
    INVITATION_REVOKED = "INVITATION_REVOKED", "An invitation was withdrawn."
    INVITATION_ACCEPTED = "INVITATION_ACCEPTED", "An invitation was accepted."
    INVITATION_DECLINED = "INVITATION_DECLINED", "An invitation was declined."
    OWNERSHIP_TRANSFERRED = "OWNERSHIP_TRANSFERRED", "Ownership passed to another member."
    ADMIN_ADDED = "ADMIN_ADDED", "Staff added an object in the admin site."
    ADMIN_CHANGED = "ADMIN_CHANGED", "Staff changed an object in the admin site."
    ADMIN_DELETED = "ADMIN_DELETED", "Staff deleted an object in the admin site."


class AuditEventChangeRefused(Exception):
    """An audit event was to be changed or deleted: they are append-only."""


class AuditEventQuerySet(models.QuerySet):
    """Refuses bulk updates and deletes; `purge_before` is the one deletion path."""

    def update(self, **kwargs):
        raise AuditEventChangeRefused("Audit events are append-only.")

    def delete(self):
        raise AuditEventChangeRefused("Audit events are append-only; see purge_audit_events.")

    def purge_before(self, cutoff) -> int:
        """Delete the events older than `cutoff` (the retention command's only path)."""
        deleted, _ = models.QuerySet.delete(self.filter(created_at__lt=cutoff))
        return deleted


class AuditEvent(models.Model):
    """One append-only audit event (written by accounts.audit.audit_record only)."""

    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    action = models.CharField(max_length=40, choices=AuditAction.choices)
    # The account that acted; null for a stranger, or once the account is deleted.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_constraint=True,
    )
    actor_username = models.CharField(max_length=150, blank=True)
    # Plain values, not a foreign key: the events outlive the organization.
    organization_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    organization_name = models.CharField(max_length=200, blank=True)
    target_type = models.CharField(max_length=40, blank=True)
    target_id = models.CharField(max_length=64, blank=True)
    target_label = models.CharField(max_length=254, blank=True)
    # For updates: {field: [old, new]}; never a secret.
    changes = models.JSONField(default=dict, blank=True)
    request_id = models.CharField(max_length=64, blank=True)
    ip_network = models.CharField(max_length=64, blank=True)
    user_agent = models.CharField(max_length=200, blank=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        indexes = [
            models.Index(fields=["organization_id", "-created_at", "-id"], name="audit_org_time"),
            models.Index(fields=["target_type", "target_id", "-created_at"], name="audit_target"),
            models.Index(fields=["actor", "-created_at"], name="audit_actor_time"),
        ]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M:%S} {self.action} {self.actor_username}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AuditEventChangeRefused("Audit events are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AuditEventChangeRefused("Audit events are append-only; see purge_audit_events.")
