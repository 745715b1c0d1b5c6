"""Reads of accounts data."""

import re

from accounts.models import User

# A primary key as the database has it: plain ASCII digits, no sign, no padding.
PRIMARY_KEY = re.compile(r"[1-9][0-9]{0,18}")


def user_get_active(*, user_id: str) -> User | None:
    """The active user with this primary key, or None."""
    if not PRIMARY_KEY.fullmatch(str(user_id)):
        return None
    return User.objects.filter(pk=int(user_id), is_active=True).first()


def user_get_by_username(*, username: str) -> User | None:
    """The active user with this username, or None."""
    if len(username) > User._meta.get_field("username").max_length:
        # No such user can exist; the database never sees the text.
        return None
    return User.objects.filter(username=username, is_active=True).first()
