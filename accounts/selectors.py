"""Reads of accounts data."""

from accounts.models import User


def user_get_active(*, user_id: str) -> User | None:
    """The active user with this primary key, or None."""
    if not str(user_id).isdigit():
        return None
    return User.objects.filter(pk=int(user_id), is_active=True).first()
