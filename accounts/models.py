"""The user model and the refresh tokens that keep a sign-in alive."""

import uuid

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models


class User(AbstractUser):
    """A person who signs in; the project's custom user model from day one."""

    # Carried in every access token and compared when the request's user is
    # loaded: bumping it ends every access token already issued, at no extra query.
    token_version = models.PositiveIntegerField(
        default=0,
        editable=False,
        help_text="Bumped to end every access token issued so far (logout everywhere).",
    )

    def save(self, *args, update_fields=None, **kwargs):
        # Not business logic but an integrity rule: token_version only moves
        # forward, through the services' F() updates or an explicit update_fields.
        # A plain save() of a copy loaded earlier would otherwise write an old
        # value back and bring revoked access tokens back to life.
        if update_fields is None and not self._state.adding:
            update_fields = [
                field.name
                for field in self._meta.concrete_fields
                if not field.primary_key and field.name != "token_version"
            ]
        super().save(*args, update_fields=update_fields, **kwargs)


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

    class Meta:
        indexes = [models.Index(fields=["user", "revoked_at"], name="refresh_user_live_idx")]

    def __str__(self) -> str:
        return f"refresh token {self.pk} of {self.user_id}"

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None
