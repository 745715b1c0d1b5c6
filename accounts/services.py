"""Writes of accounts data: signing in, rotating and revoking refresh tokens."""

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.models import update_last_login
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from accounts.exceptions import (
    InvalidCredentialsError,
    RefreshTokenReusedError,
    TokenExpiredError,
    TokenInvalidError,
)
from accounts.models import RefreshToken, User
from accounts.tokens import AccessToken, access_token_issue


@dataclass(frozen=True)
class TokenPair:
    """What a sign-in or a refresh hands to the client."""

    user: User
    access: AccessToken
    refresh_token: str
    refresh_expires_at: datetime


def _refresh_token_digest(raw_token: str) -> str:
    # 256 random bits need no salt or slow hash: a digest alone cannot be replayed.
    return hashlib.sha256(raw_token.encode()).hexdigest()


def _refresh_token_create(
    *, user: User, family: uuid.UUID, signed_in_at: datetime, expires_at: datetime
) -> str:
    raw_token = secrets.token_urlsafe(32)
    RefreshToken.objects.create(
        user=user,
        token_hash=_refresh_token_digest(raw_token),
        family=family,
        signed_in_at=signed_in_at,
        expires_at=expires_at,
    )
    return raw_token


def token_obtain(*, username: str, password: str, request: HttpRequest | None = None) -> TokenPair:
    """Sign in with a password: a new access token and a new refresh-token chain."""
    user = authenticate(request, username=username, password=password)
    if user is None:
        # ModelBackend runs the hasher for unknown usernames too, so timing and
        # message are the same whether or not the user exists.
        raise InvalidCredentialsError()
    with transaction.atomic():
        update_last_login(None, user)
        signed_in_at = timezone.now()
        refresh_expires_at = signed_in_at + settings.JWT_REFRESH_TOKEN_LIFETIME
        refresh_token = _refresh_token_create(
            user=user, family=uuid.uuid4(), signed_in_at=signed_in_at, expires_at=refresh_expires_at
        )
    return TokenPair(
        user=user,
        access=access_token_issue(user=user, orig_iat=int(signed_in_at.timestamp())),
        refresh_token=refresh_token,
        refresh_expires_at=refresh_expires_at,
    )


def _refresh_token_family_revoke(*, family: uuid.UUID) -> int:
    return RefreshToken.objects.filter(family=family, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )


def token_refresh(*, refresh_token: str) -> TokenPair:
    """Rotate a refresh token: revoke it and issue a new pair in the same chain.

    A token that was already rotated or revoked is a replay, maybe of a stolen
    copy: the whole chain is revoked and RefreshTokenReusedError raised.
    """
    now = timezone.now()
    row = (
        RefreshToken.objects.select_related("user")
        .filter(token_hash=_refresh_token_digest(refresh_token))
        .first()
    )
    if row is None:
        raise TokenInvalidError("The refresh token is invalid.")
    if row.expires_at <= now:
        raise TokenExpiredError("The refresh token has expired. Sign in again.")
    if not row.user.is_active:
        raise TokenInvalidError("The refresh token's user is inactive.")
    with transaction.atomic():
        # The conditional UPDATE is the lock: of two concurrent refreshes with the
        # same token, exactly one sees a live row.
        claimed = RefreshToken.objects.filter(pk=row.pk, revoked_at__isnull=True).update(
            revoked_at=now
        )
        if claimed:
            new_refresh_token = _refresh_token_create(
                user=row.user,
                family=row.family,
                signed_in_at=row.signed_in_at,
                expires_at=row.expires_at,
            )
    if not claimed:
        _refresh_token_family_revoke(family=row.family)
        raise RefreshTokenReusedError()
    return TokenPair(
        user=row.user,
        access=access_token_issue(user=row.user, orig_iat=int(row.signed_in_at.timestamp())),
        refresh_token=new_refresh_token,
        refresh_expires_at=row.expires_at,
    )


def token_revoke(*, refresh_token: str) -> None:
    """Sign out: end the sign-in chain that `refresh_token` belongs to."""
    row = RefreshToken.objects.filter(token_hash=_refresh_token_digest(refresh_token)).first()
    if row is None:
        raise TokenInvalidError("The refresh token is invalid.")
    _refresh_token_family_revoke(family=row.family)
