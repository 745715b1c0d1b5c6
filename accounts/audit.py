"""The audit trail: `audit_record` writes one append-only AuditEvent.

Where it lives: in accounts, beside the request context it reads, because the
top level is fixed and imports run one way (schema -> organization -> accounts
-> Django). organization's services call `audit_record` and pass the
organization in (any object with `pk` and `name`): accounts never imports
organization or schema. The model is accounts.models.AuditEvent.

Recorded in the caller's transaction: a service calls `audit_record` inside its
own `transaction.atomic()`, so a rolled-back change leaves no event and a
committed change always has its event. Failed and throttled sign-ins have no
transaction to join and are recorded on their own. What a stranger can make us
write is bounded: a failed sign-in takes a throttle slot (accounts.throttling),
so at most the limit of failures per window and key are recorded; a throttled
sign-in is recorded at most once per SIGN_IN_ATTEMPTS_WINDOW per (username,
client address) pair (a cache marker), however many attempts the window sees.
"""

from __future__ import annotations

import hashlib
import logging
import time
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest

from accounts.models import AuditAction, AuditEvent, User
from accounts.request_context import request_context
from accounts.sessions import ip_network_of, user_agent_of
from accounts.throttling import client_ip

logger = logging.getLogger(__name__)

# The actions `me.securityEvents` shows: a user's own sign-ins, sessions, passwords.
SECURITY_ACTIONS = (
    AuditAction.SIGN_IN_SUCCEEDED,
    AuditAction.SIGN_IN_FAILED,
    AuditAction.SIGN_IN_THROTTLED,
    AuditAction.REFRESH_TOKEN_REUSED,
    AuditAction.TOKEN_REVOKED,
    AuditAction.ALL_TOKENS_REVOKED,
    AuditAction.SESSION_REVOKED,
    AuditAction.PASSWORD_CHANGED,
    AuditAction.PASSWORD_RESET,
)
# Field names whose values never go into `changes`.
_SECRET_FIELDS = frozenset({"password", "token", "token_hash", "successor_sealed"})


def _text(value: Any, limit: int) -> str:
    return str(value or "")[:limit]


def audit_changes(old: dict[str, Any], new: dict[str, Any]) -> dict[str, list]:
    """{field: [old, new]} for the fields whose value differs (secrets left out)."""
    return {
        name: [_plain(old.get(name)), _plain(value)]
        for name, value in new.items()
        if name not in _SECRET_FIELDS and old.get(name) != value
    }


def _plain(value: Any) -> Any:
    return value if value is None or isinstance(value, (str, int, float, bool)) else str(value)


def audit_record(
    *,
    action: AuditAction,
    actor: User | None = None,
    actor_username: str | None = None,
    organization: Any = None,
    target: Any = None,
    target_type: str = "",
    target_id: Any = "",
    target_label: str = "",
    changes: dict[str, list] | None = None,
    request: HttpRequest | None = None,
) -> AuditEvent:
    """Write one audit event (in the caller's transaction, if any).

    `target` is a model instance (its class name, pk and str() are kept) unless
    `target_type`/`target_id`/`target_label` are given. `organization` is any
    object with `pk` and `name`: its id and a snapshot of its name are kept.
    """
    if target is not None:
        target_type = target_type or type(target).__name__
        target_id = target_id or target.pk
        target_label = target_label or str(target)
    actor = actor if actor is not None and getattr(actor, "pk", None) is not None else None
    if actor_username is None:
        actor_username = actor.get_username() if actor is not None else ""
    return AuditEvent.objects.create(
        action=action,
        actor=actor,
        actor_username=_text(actor_username, 150),
        organization_id=organization.pk if organization is not None else None,
        organization_name=_text(getattr(organization, "name", ""), 200),
        target_type=_text(target_type, 40),
        target_id=_text(target_id, 64),
        target_label=_text(target_label, 254),
        changes={k: v for k, v in (changes or {}).items() if k not in _SECRET_FIELDS},
        request_id=_text(request_context(request).request_id if request else "", 64),
        ip_network=_text(ip_network_of(request), 64),
        user_agent=user_agent_of(request),
    )


def _user_target(username: str) -> dict[str, Any]:
    # The account a failed sign-in aimed at, if it exists: its owner sees it.
    user = User.objects.filter(username=username).only("pk", "username").first()
    if user is None:
        return {"target_type": "User", "target_id": "", "target_label": username}
    return {"target_type": "User", "target_id": user.pk, "target_label": user.username}


def audit_sign_in_failed(*, username: str, request: HttpRequest | None) -> None:
    """A wrong username or password (bounded by the throttle: each took a slot)."""
    audit_record(
        action=AuditAction.SIGN_IN_FAILED,
        actor_username="",
        request=request,
        **_user_target(username[:150]),
    )


def audit_sign_in_throttled(*, username: str, request: HttpRequest | None) -> bool:
    """A throttled sign-in: recorded at most once per window per (username, address)."""
    window = settings.SIGN_IN_ATTEMPTS_WINDOW
    window_index = int(time.time() // window)
    digest = hashlib.sha256(f"{username}\0{client_ip(request)}".encode()).hexdigest()[:32]
    try:
        first = cache.add(f"audit:throttled:{digest}:{window_index}", 1, timeout=window + 5)
    except Exception:
        logger.exception("Throttled sign-in not audited: the cache failed.")
        return False
    if not first:
        return False
    audit_record(
        action=AuditAction.SIGN_IN_THROTTLED,
        actor_username="",
        request=request,
        **_user_target(username[:150]),
    )
    return True
