"""Error tracking with Sentry, on only when SENTRY_DSN is set.

No personal data leaves the process: `send_default_pii` stays at its default (off), request bodies
(GraphQL documents and variables, which carry passwords and tokens) are never
attached, and the scrubber removes tokens, passwords, Authorization headers and
e-mail addresses wherever they appear.

Unexpected resolver exceptions reach Sentry through the logging integration:
schema/core/errors.py logs each one with its traceback, and only those (a wrong
password or an expired token is the client's business, not an incident).
graphene-django's view runs graphql-core directly, so sentry-sdk's Graphene
integration, which patches `graphene.Schema.execute`, only sees schema
executions made outside the view (management commands, scripts).
"""

import re
from typing import Any

import sentry_sdk
from sentry_sdk.integrations.django import DjangoIntegration
from sentry_sdk.integrations.graphene import GrapheneIntegration
from sentry_sdk.integrations.logging import LoggingIntegration
from sentry_sdk.scrubber import DEFAULT_DENYLIST, DEFAULT_PII_DENYLIST, EventScrubber

from accounts.request_context import current_request_id

SECRET_KEYS = [
    "refresh_token",
    "refreshtoken",
    "access_token",
    "accesstoken",
    "oldpassword",
    "newpassword",
    "old_password",
    "new_password",
    "email",
    "contact_email",
    "contactemail",
    "jwt",
]
EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+")
JWT = re.compile(r"eyJ[\w-]+\.[\w-]+\.[\w-]+")
FILTERED = "[Filtered]"


def _scrub_text(value: Any) -> Any:
    if isinstance(value, str):
        return JWT.sub(FILTERED, EMAIL.sub(FILTERED, value))
    if isinstance(value, dict):
        return {key: _scrub_text(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_scrub_text(item) for item in value]
    return value


def scrub_event(event: dict, hint: dict) -> dict:
    """Remove request bodies, and e-mails and JWTs from every text of the event.

    An event raised while a request is served (or a task it queued runs) is
    tagged `request_id`, the id its log lines and X-Request-ID carry.
    """
    request_id = current_request_id()
    if request_id is not None:
        tags = event.setdefault("tags", {})
        if isinstance(tags, dict):
            tags.setdefault("request_id", request_id)
    request = event.get("request")
    if isinstance(request, dict):
        request.pop("data", None)
        request.pop("cookies", None)
    return _scrub_text(event)


def sentry_init(
    *, dsn: str, environment: str, release: str | None, traces_sample_rate: float, **options
) -> None:
    """Start the Sentry SDK for this process."""
    sentry_sdk.init(
        dsn=dsn,
        environment=environment,
        release=release,
        traces_sample_rate=traces_sample_rate,
        max_request_body_size="never",
        event_scrubber=EventScrubber(
            denylist=DEFAULT_DENYLIST + SECRET_KEYS,
            pii_denylist=DEFAULT_PII_DENYLIST,
            recursive=True,
        ),
        before_send=scrub_event,
        integrations=[
            DjangoIntegration(),
            GrapheneIntegration(),
            LoggingIntegration(event_level="ERROR"),
        ],
        **options,
    )
