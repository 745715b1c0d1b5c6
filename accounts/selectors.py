"""Reads of accounts data."""

import re

from django.db.models import Q, QuerySet
from django.utils import timezone

from accounts.audit import SECURITY_ACTIONS
from accounts.models import AuditEvent, RefreshToken, User, refresh_token_digest
from accounts.query_templates import fixed_query_templates
from accounts.tokens import password_fingerprint_matches

# A primary key as the database has it: plain ASCII digits, no sign, no padding.
PRIMARY_KEY = re.compile(r"[1-9][0-9]{0,18}")


def refresh_token_session_id(*, refresh_token: str) -> str | None:
    """The session id (`sid`) of the chain a refresh token belongs to, live or not; else None."""
    family = (
        RefreshToken.objects.filter(token_hash=refresh_token_digest(refresh_token))
        .values_list("family", flat=True)
        .first()
    )
    return None if family is None else family.hex


def _active_user_query(inputs: tuple) -> QuerySet:
    names = [field.attname for field in User._meta.concrete_fields]
    return User.objects.filter(pk=inputs[0], is_active=True).order_by().values(*names)[:1]


def user_get_active(*, user_id: str) -> User | None:
    """The active user with this primary key, or None.

    Every signed-in request asks, so its SQL is compiled once (query_templates.py);
    the user is built from the row as the ORM builds it (`from_db`)."""
    if not PRIMARY_KEY.fullmatch(str(user_id)):
        return None
    rows = fixed_query_templates.rows(("active-user",), _active_user_query, (int(user_id),))
    if not rows:
        return None
    return User.from_db(User.objects.db, list(rows[0]), list(rows[0].values()))


def user_get_by_username(*, username: str) -> User | None:
    """The active user with this username, or None."""
    if len(username) > User._meta.get_field("username").max_length:
        # No such user can exist; the database never sees the text.
        return None
    return User.objects.filter(username=username, is_active=True).first()


def session_list(*, user: User) -> list[RefreshToken]:
    """The user's live sessions, most recently used first: each chain's newest row.

    One query; at most SESSIONS_PER_USER_MAX rows (accounts.services caps them).
    A chain that a refresh would refuse (every session ended since it began, or
    the password changed) is not a session any more and is left out.
    """
    rows = RefreshToken.objects.filter(
        Q(token_version=user.token_version) | Q(token_version__isnull=True),
        user=user,
        revoked_at__isnull=True,
        expires_at__gt=timezone.now(),
    ).order_by("-created_at", "-pk")
    return [row for row in rows if password_fingerprint_matches(user, row.password_fingerprint)]


def security_event_list_for_user(*, user) -> QuerySet[AuditEvent]:
    """`user`'s own security events (sign-ins, sessions, passwords), any order."""
    if not user.is_authenticated:
        return AuditEvent.objects.none()
    return AuditEvent.objects.filter(
        target_type="User", target_id=str(user.pk), action__in=SECURITY_ACTIONS
    )
