"""Signed, expiring, single-use tokens for links in e-mails (verification, password reset).

A token is signed (django.core.signing, DJANGO_SECRET_KEY with its fallbacks)
and names its user and a digest of the user's state for its purpose: the e-mail
address and whether it is verified; the password hash. Using the token changes
that state, so it works once; so does changing the password (reset) or the
address. Nothing is stored.
"""

from django.core import signing
from django.utils.crypto import constant_time_compare, salted_hmac

from accounts.models import User


class OneTimeTokenError(Exception):
    """The token is not valid for this purpose: forged, malformed, used or stale."""

    code = "token_invalid"


class OneTimeTokenExpiredError(OneTimeTokenError):
    code = "token_expired"


def _state(purpose: str, user: User) -> str:
    if purpose == "verify_email":
        state = f"{user.email}|{user.email_verified}|{user.is_active}"
    elif purpose == "reset_password":
        state = f"{user.email}|{user.password}|{user.is_active}"
    else:
        raise ValueError(f"unknown token purpose {purpose!r}")
    return salted_hmac(f"accounts.one_time_tokens.{purpose}", state, algorithm="sha256").hexdigest()


def one_time_token_make(*, purpose: str, user: User) -> str:
    """A token for `purpose` ("verify_email" or "reset_password") of `user`, valid for now."""
    return signing.dumps(
        [user.pk, _state(purpose, user)[:32]], salt=f"accounts.{purpose}", compress=False
    )


def one_time_token_user(*, purpose: str, token: str, max_age: int) -> User:
    """The user `token` was made for, if still valid; else OneTimeTokenError (or ...Expired)."""
    try:
        user_pk, state = signing.loads(token, salt=f"accounts.{purpose}", max_age=max_age)
    except signing.SignatureExpired:
        raise OneTimeTokenExpiredError() from None
    except (signing.BadSignature, ValueError, TypeError):
        raise OneTimeTokenError() from None
    user = User.objects.filter(pk=user_pk).first() if isinstance(user_pk, int) else None
    if user is None or not constant_time_compare(state, _state(purpose, user)[:32]):
        raise OneTimeTokenError()
    return user
