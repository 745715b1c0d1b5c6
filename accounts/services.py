"""Writes of accounts data: signing in, rotating and revoking refresh tokens, sessions, passwords.

Lock order: a write that touches a user's refresh tokens first locks the user's
row, then its token rows. Sign-in, refresh, sign-out, logout-everywhere and
password change are thus serialised per user (none of them can leave a live
token behind a concurrent revocation) and cannot deadlock one another.
"""

import secrets
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.contrib.auth import authenticate, password_validation
from django.contrib.auth.models import update_last_login
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.http import HttpRequest
from django.utils import timezone

from accounts.audit import audit_record, audit_sign_in_failed, audit_sign_in_throttled
from accounts.dpop import dpop_bound_use, dpop_request_key
from accounts.exceptions import (
    AuthenticationError,
    InvalidCredentialsError,
    RateLimitedError,
    RefreshTokenReusedError,
    TokenExpiredError,
    TokenInvalidError,
)
from accounts.models import AuditAction, RefreshToken, User, refresh_token_digest
from accounts.refresh_reuse import SealedPair, successor_seal, successor_unseal
from accounts.removal import user_removal_check
from accounts.sessions import ended_sessions_record, ip_network_of, user_agent_of
from accounts.throttling import password_check_throttled
from accounts.tokens import (
    AccessToken,
    access_token_decode,
    access_token_issue,
    password_fingerprint,
    password_fingerprint_matches,
)
from accounts.validators import password_length_error


@dataclass(frozen=True)
class TokenPair:
    """What a sign-in or a refresh hands to the client."""

    user: User
    access: AccessToken
    refresh_token: str
    refresh_expires_at: datetime


def _refresh_token_digest(raw_token: str) -> str:
    return refresh_token_digest(raw_token)


def _refresh_token_create(
    *,
    user: User,
    family: uuid.UUID,
    signed_in_at: datetime,
    expires_at: datetime,
    request: HttpRequest | None,
    dpop_jkt: str = "",
) -> str:
    raw_token = secrets.token_urlsafe(32)
    RefreshToken.objects.create(
        user=user,
        token_hash=_refresh_token_digest(raw_token),
        family=family,
        signed_in_at=signed_in_at,
        expires_at=expires_at,
        password_fingerprint=password_fingerprint(user),
        token_version=user.token_version,
        # What mySessions shows of the client that last used the session.
        user_agent=user_agent_of(request),
        ip_network=ip_network_of(request),
        dpop_jkt=dpop_jkt,
    )
    return raw_token


def _live_chain_rows(*, user: User):
    # A live chain has exactly one live row: its newest (rotation revokes the
    # previous one in the same transaction).
    return RefreshToken.objects.filter(
        user=user, revoked_at__isnull=True, expires_at__gt=timezone.now()
    )


def _sessions_end(*, user: User, rows: list[RefreshToken]) -> None:
    """End the chains of `rows` (each its chain's newest row), access tokens included.

    The caller holds the lock on `user`'s row. The chains' refresh tokens are
    revoked; their access tokens are listed in `user.ended_sessions` while any
    may be unexpired. Past that list's cap, every session of the user ends.
    """
    if not rows:
        return
    _refresh_token_families_revoke(families=[row.family for row in rows])
    ended = ended_sessions_record(
        user.ended_sessions if isinstance(user.ended_sessions, dict) else {},
        # Each chain's last access token was signed when its newest row was written.
        sessions={row.family.hex: row.created_at.timestamp() for row in rows},
    )
    if ended is None:
        # Fails closed: bounded state, and nobody keeps a token of an ended session.
        user.token_version += 1
        user.ended_sessions = {}
        user.save(update_fields=["token_version", "ended_sessions"])
        _refresh_tokens_revoke_all(user=user)
        return
    user.ended_sessions = ended
    user.save(update_fields=["ended_sessions"])


def _sessions_cap(*, user: User) -> None:
    """Make room for one more session: end the least recently used beyond the cap."""
    keep = settings.SESSIONS_PER_USER_MAX - 1
    live = list(_live_chain_rows(user=user).order_by("-created_at", "-pk"))
    _sessions_end(user=user, rows=live[keep:])


def _user_lock(*, user_id: int) -> User | None:
    # SELECT ... FOR UPDATE on PostgreSQL; SQLite serialises writers anyway.
    return User.objects.select_for_update().filter(pk=user_id).first()


def _sign_in_chain_start(*, user: User, request: HttpRequest | None) -> TokenPair:
    """A new sign-in chain (session) for `user`, whose row the caller has locked.

    Bound to the key of the request's DPoP proof, when it carries one.
    """
    dpop_jkt = dpop_request_key(request)
    _sessions_cap(user=user)
    signed_in_at = timezone.now()
    refresh_expires_at = signed_in_at + settings.JWT_REFRESH_TOKEN_LIFETIME
    family = uuid.uuid4()
    refresh_token = _refresh_token_create(
        user=user,
        family=family,
        signed_in_at=signed_in_at,
        expires_at=refresh_expires_at,
        request=request,
        dpop_jkt=dpop_jkt or "",
    )
    return TokenPair(
        user=user,
        access=access_token_issue(
            user=user,
            orig_iat=int(signed_in_at.timestamp()),
            session_id=family.hex,
            dpop_jkt=dpop_jkt,
        ),
        refresh_token=refresh_token,
        refresh_expires_at=refresh_expires_at,
    )


_ACTOR_IS_USER = object()


def _audit_own(
    action: AuditAction,
    *,
    user: User,
    request: HttpRequest | None,
    actor: object = _ACTOR_IS_USER,
    changes: dict | None = None,
) -> None:
    """An event about `user`'s own account (me.securityEvents shows it), by `user` by default."""
    audit_record(
        action=action,
        actor=user if actor is _ACTOR_IS_USER else actor,
        target=user,
        target_label=user.get_username(),
        changes=changes,
        request=request,
    )


def _refresh_token_family_revoke(*, family: uuid.UUID) -> int:
    return _refresh_token_families_revoke(families=[family])


def _refresh_token_families_revoke(*, families: list[uuid.UUID]) -> int:
    return RefreshToken.objects.filter(family__in=families, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )


def _refresh_tokens_revoke_all(*, user: User) -> int:
    return RefreshToken.objects.filter(user=user, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )


def _sign_in_input_check(*, username: str, password: str) -> None:
    length_error = password_length_error("password", password)
    if length_error is not None:
        raise length_error
    username_max_length = User._meta.get_field("username").max_length
    if len(username) > username_max_length:
        raise ValidationError(
            {
                "username": ValidationError(
                    "Usernames have at most %(limit_value)d characters.",
                    code="max_length",
                    params={"limit_value": username_max_length},
                )
            }
        )


def token_obtain(*, username: str, password: str, request: HttpRequest | None = None) -> TokenPair:
    """Sign in with a password: a new access token and a new refresh-token chain.

    Throttled like every password check (accounts/throttling.py). A username
    or password longer than any that can exist is refused before either counter
    or the hasher sees it (ValidationError).
    """
    _sign_in_input_check(username=username, password=password)
    try:
        user = password_check_throttled(
            username=username,
            request=request,
            check=lambda: authenticate(request, username=username, password=password),
        )
    except RateLimitedError:
        audit_sign_in_throttled(username=username, request=request)
        raise
    if user is None:
        # ModelBackend runs the hasher for unknown usernames too, so timing and
        # message are the same whether or not the user exists.
        audit_sign_in_failed(username=username, request=request)
        raise InvalidCredentialsError()
    with transaction.atomic():
        locked = _user_lock(user_id=user.pk)
        # A password change or deactivation that committed after authenticate()
        # read the user wins over this sign-in.
        if locked is None or locked.password != user.password or not locked.is_active:
            raise InvalidCredentialsError()
        update_last_login(None, locked)
        pair = _sign_in_chain_start(user=locked, request=request)
        _audit_own(AuditAction.SIGN_IN_SUCCEEDED, user=locked, request=request)
        return pair


def token_refresh(*, refresh_token: str, request: HttpRequest | None = None) -> TokenPair:
    """Rotate a refresh token: revoke it and issue a new pair in the same chain.

    A token that was already rotated or revoked is a replay, maybe of a stolen
    copy: the whole chain is revoked and RefreshTokenReusedError raised, unless
    it was rotated less than JWT_REFRESH_TOKEN_REUSE_INTERVAL seconds ago and
    its successor is unused: then the same successor pair comes back
    (accounts.refresh_reuse). A chain whose user changed password since the
    sign-in is ended too.
    """
    now = timezone.now()
    row = RefreshToken.objects.filter(token_hash=_refresh_token_digest(refresh_token)).first()
    if row is None:
        raise TokenInvalidError("The refresh token is invalid.")
    if row.expires_at <= now:
        raise TokenExpiredError("The refresh token has expired. Sign in again.")
    if row.dpop_jkt:
        # A DPoP-bound chain: only the key's holder refreshes it (refused, not ended).
        dpop_bound_use(request, jkt=row.dpop_jkt)
    # Refusals that revoke must commit their revocation: raised after the block.
    refusal: Exception | None = None
    with transaction.atomic():
        user = _user_lock(user_id=row.user_id)
        if user is None or not user.is_active:
            raise TokenInvalidError("The refresh token's user is inactive.")
        # The conditional UPDATE claims the token: of two concurrent refreshes
        # with the same token, exactly one sees a live row.
        claimed = RefreshToken.objects.filter(pk=row.pk, revoked_at__isnull=True).update(
            revoked_at=now
        )
        if not claimed:
            repeated = _rotation_repeat(user=user, row_pk=row.pk, presented=refresh_token, now=now)
            if repeated is not None:
                return repeated
            _refresh_token_family_revoke(family=row.family)
            # The presenter may be a thief: no actor, the chain's user is the target.
            _audit_own(AuditAction.REFRESH_TOKEN_REUSED, user=user, request=request, actor=None)
            refusal = RefreshTokenReusedError()
        elif row.token_version is not None and row.token_version != user.token_version:
            # Every session ended since this sign-in (the user was deactivated,
            # by whatever path, and is active again): the chain ends.
            _refresh_token_family_revoke(family=row.family)
            refusal = TokenInvalidError("Every session of this user was ended. Sign in again.")
        elif not password_fingerprint_matches(user, row.password_fingerprint):
            # Changed outside changePassword (admin, manage.py): the chain ends.
            # A fingerprint made with a DJANGO_SECRET_KEY_FALLBACKS key still matches.
            _refresh_token_family_revoke(family=row.family)
            refusal = TokenInvalidError("The password changed since this sign-in. Sign in again.")
        else:
            new_refresh_token = _refresh_token_create(
                user=user,
                family=row.family,
                signed_in_at=row.signed_in_at,
                expires_at=row.expires_at,
                request=request,
                dpop_jkt=row.dpop_jkt,
            )
            access = access_token_issue(
                user=user,
                orig_iat=int(row.signed_in_at.timestamp()),
                session_id=row.family.hex,
                dpop_jkt=row.dpop_jkt or None,
            )
            # Kept for a repeat of this token within the reuse interval.
            RefreshToken.objects.filter(pk=row.pk).update(
                successor_sealed=successor_seal(
                    presented_token=refresh_token,
                    pair=SealedPair(access_token=access.token, refresh_token=new_refresh_token),
                )
            )
    if refusal is not None:
        raise refusal
    return TokenPair(
        user=user, access=access, refresh_token=new_refresh_token, refresh_expires_at=row.expires_at
    )


def _rotation_repeat(*, user: User, row_pk: int, presented: str, now: datetime) -> TokenPair | None:
    """The pair a rotation of `presented` gave, if it is repeated within the reuse interval.

    Only while that successor is unused and the chain alive; the caller holds
    the user's lock, so the rotation it repeats has committed.
    """
    interval = settings.JWT_REFRESH_TOKEN_REUSE_INTERVAL
    if interval <= 0:
        return None
    # Read again under the lock: the row read before it may predate the rotation.
    row = RefreshToken.objects.filter(pk=row_pk).first()
    if row is None or row.revoked_at is None or now - row.revoked_at > timedelta(seconds=interval):
        return None
    pair = successor_unseal(presented_token=presented, sealed=row.successor_sealed)
    if pair is None:
        return None  # Revoked by a sign-out, not rotated; or sealed under another key.
    successor = RefreshToken.objects.filter(
        token_hash=_refresh_token_digest(pair.refresh_token),
        family=row.family,
        revoked_at__isnull=True,
        expires_at__gt=now,
    ).first()
    if successor is None or successor.token_version != user.token_version:
        return None
    if not password_fingerprint_matches(user, successor.password_fingerprint):
        return None
    try:
        claims = access_token_decode(pair.access_token)
    except AuthenticationError:
        return None
    return TokenPair(
        user=user,
        access=AccessToken(
            token=pair.access_token,
            payload=claims,
            expires_at=datetime.fromtimestamp(claims["exp"], tz=UTC),
        ),
        refresh_token=pair.refresh_token,
        refresh_expires_at=successor.expires_at,
    )


def token_revoke(*, refresh_token: str, request: HttpRequest | None = None) -> None:
    """Sign out: end the session that `refresh_token` belongs to, access tokens included."""
    row = RefreshToken.objects.filter(token_hash=_refresh_token_digest(refresh_token)).first()
    if row is None:
        raise TokenInvalidError("The refresh token is invalid.")
    with transaction.atomic():
        user = _user_lock(user_id=row.user_id)
        if user is None:
            return  # Deleted meanwhile: its chains went with it.
        newest = RefreshToken.objects.filter(family=row.family).order_by("-created_at").first()
        _sessions_end(user=user, rows=[newest])
        _audit_own(AuditAction.TOKEN_REVOKED, user=user, request=request)


def session_revoke(
    *, user: User, session_id: uuid.UUID, request: HttpRequest | None = None
) -> None:
    """End one live session of `user`, its access tokens included.

    RefreshToken.DoesNotExist when `user` has no live session with this id
    (another user's, an ended or an expired one alike).
    """
    with transaction.atomic():
        locked = _user_lock(user_id=user.pk)
        if locked is None or not locked.is_active:
            raise TokenInvalidError("The token's user is inactive or no longer exists.")
        row = _live_chain_rows(user=locked).filter(family=session_id).first()
        if row is None:
            raise RefreshToken.DoesNotExist()
        _sessions_end(user=locked, rows=[row])
        _audit_own(
            AuditAction.SESSION_REVOKED,
            user=locked,
            request=request,
            changes={"session": [session_id.hex, None]},
        )
    user.ended_sessions, user.token_version = locked.ended_sessions, locked.token_version


def token_revoke_all(
    *, user: User, request: HttpRequest | None = None, audit: AuditAction | None = None
) -> None:
    """Sign out everywhere: end every refresh token and every access token of `user`.

    Audited as `audit` (ALL_TOKENS_REVOKED when not given; a password reset
    passes PASSWORD_RESET).
    """
    with transaction.atomic():
        # The UPDATE takes the user's row lock, first, as everywhere else.
        User.objects.filter(pk=user.pk).update(token_version=F("token_version") + 1)
        _refresh_tokens_revoke_all(user=user)
        _audit_own(audit or AuditAction.ALL_TOKENS_REVOKED, user=user, request=request)
    user.refresh_from_db(fields=["token_version"])


def user_password_change(
    *, user: User, old_password: str, new_password: str, request: HttpRequest | None = None
) -> TokenPair:
    """Change a signed-in user's password; every session ends, a new one is returned.

    Proving the old password is a fresh sign-in, so the caller gets a new chain;
    every other session (refresh and access tokens alike) ends at once. Raises
    ValidationError keyed by `old_password` / `new_password`. Checking the old
    password is throttled like a sign-in, in the same counters, so a stolen
    access token buys no extra guesses.
    """
    errors: dict[str, list[ValidationError]] = {}
    # Over-long passwords are refused unhashed and unvalidated, and take no
    # throttle slot: no password that long can be right.
    for field, password in (("old_password", old_password), ("new_password", new_password)):
        length_error = password_length_error(field, password)
        if length_error is not None:
            errors.update(length_error.error_dict)
    if "old_password" not in errors and not password_check_throttled(
        username=user.get_username(),
        request=request,
        check=lambda: user.check_password(old_password),
    ):
        errors["old_password"] = [
            ValidationError("Your old password was entered incorrectly.", code="password_incorrect")
        ]
    if "new_password" not in errors:
        try:
            password_validation.validate_password(new_password, user)
        except ValidationError as error:
            errors["new_password"] = error.error_list
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        locked = _user_lock(user_id=user.pk)
        if locked is None or not locked.is_active:
            raise TokenInvalidError("The token's user is inactive or no longer exists.")
        if locked.password != user.password or locked.token_version != user.token_version:
            # The password changed (or every session ended) since this request
            # loaded the user: the old password it proved is no longer the password.
            raise TokenInvalidError("The password changed meanwhile; sign in again.")
        locked.set_password(new_password)
        locked.token_version += 1
        locked.save(update_fields=["password", "token_version"])
        _refresh_tokens_revoke_all(user=locked)
        pair = _sign_in_chain_start(user=locked, request=request)
        _audit_own(AuditAction.PASSWORD_CHANGED, user=locked, request=request)
    user.password, user.token_version = locked.password, locked.token_version
    return pair


def refresh_token_purge(*, now: datetime | None = None) -> int:
    """Delete the refresh-token rows that can no longer matter; return how many.

    That is every row of an expired chain, and every row of a chain with no live
    token left. Rotated rows of a live chain are kept until the chain expires:
    they are what detects a replay of a stolen copy (REFRESH_TOKEN_REUSED).
    """
    now = now or timezone.now()
    live_families = RefreshToken.objects.filter(revoked_at__isnull=True, expires_at__gt=now).values(
        "family"
    )
    deleted, _ = RefreshToken.objects.filter(
        Q(expires_at__lte=now) | ~Q(family__in=live_families)
    ).delete()
    return deleted


def user_delete(*, users: Sequence[User]) -> None:
    """Delete users, unless a registered check objects (the only OWNER of an organization).

    Raises ValidationError with every objection; then nobody is deleted.
    """
    with transaction.atomic():
        locked = list(
            User.objects.select_for_update()
            .filter(pk__in=[user.pk for user in users])
            .order_by("pk")
        )
        user_removal_check(users=locked)
        User.objects.filter(pk__in=[user.pk for user in locked]).delete()


def user_deactivate(*, user: User) -> None:
    """Deactivate a user and end every session, unless a registered check objects."""
    with transaction.atomic():
        locked = _user_lock(user_id=user.pk)
        if locked is None:
            raise User.DoesNotExist
        user_removal_check(users=[locked])
        locked.is_active = False
        # The model's save() bumps token_version: every access token ends.
        locked.save(update_fields=["is_active"])
        _refresh_tokens_revoke_all(user=locked)
    user.is_active, user.token_version = False, locked.token_version
