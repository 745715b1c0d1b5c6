"""What may stop a user's deletion or deactivation: checks that other apps register.

accounts imports no other domain, yet an organization must never lose its only
OWNER to a deleted or deactivated account. So the organization app registers a
check here (in its AppConfig.ready); `user_delete`, `user_deactivate` and the
admin ask every registered check before they act. A check runs inside the
caller's transaction and may lock what it reads, so two removals cannot both pass.
"""

from collections.abc import Callable, Sequence

from django.core.exceptions import ValidationError

from accounts.models import User

# A check gets the users about to be removed and answers why not (empty: no objection).
RemovalCheck = Callable[[Sequence[User]], list[ValidationError]]

_checks: list[RemovalCheck] = []


def user_removal_check_register(check: RemovalCheck) -> RemovalCheck:
    """Make `check` part of every deletion or deactivation of users (once per check)."""
    if check not in _checks:
        _checks.append(check)
    return check


def user_removal_objections(*, users: Sequence[User]) -> list[ValidationError]:
    """Why `users` may not be deleted or deactivated; empty when nothing objects."""
    objections: list[ValidationError] = []
    for check in _checks:
        objections.extend(check(users))
    return objections


def user_removal_check(*, users: Sequence[User]) -> None:
    """Raise ValidationError (every objection) unless `users` may be removed."""
    objections = user_removal_objections(users=users)
    if objections:
        raise ValidationError(objections)
