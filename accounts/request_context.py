"""One typed context per HTTP request: what the middleware, the GraphQL view and resolvers share.

The stages of a request learn things the later ones need: the request log
middleware gives the request its id, the view learns why a Bearer token was
refused (which a resolver's login check reports) and what the operation was
and which error codes it answered (which the middleware logs). They share them
here, through `request_context(request)`, an import every reader shows, and
never through attributes hung on the request by one module and read by another.
Django's own request attributes (`request.user`, which graphql_jwt's decorators
read) stay where Django puts them.

Where it lives: in accounts, because every module that shares it may import
accounts (imports run schema -> accounts/organization -> Django, and config's
middleware may import any of them), and what it carries is accounts' own
(AuthenticationError) or plain values. It imports nothing of schema/ or
graphene. tests/accounts/test_request_context.py fails if an attribute is set on a request
anywhere else.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from django.http import HttpRequest

from accounts.exceptions import AuthenticationError

if TYPE_CHECKING:
    from accounts.dpop import DpopProof

# The one request attribute this module owns; nothing else reads it.
_ATTRIBUTE = "_request_context"

# The id of the request (or of the request that queued the task) this thread or
# task is working for: config.logging.RequestIdFilter puts it on every log line,
# config.sentry on every event. A context variable, not a thread-local, so that
# it also holds per asyncio task; empty outside a request.
_current_request_id: ContextVar[str | None] = ContextVar("request_id", default=None)


def current_request_id() -> str | None:
    """The id of the request being served (or that queued the running task), if any."""
    return _current_request_id.get()


@contextmanager
def request_id_bound(request_id: str | None) -> Iterator[None]:
    """Make `request_id` the current one inside the block; the previous one after it."""
    token = _current_request_id.set(request_id)
    try:
        yield
    finally:
        _current_request_id.reset(token)


@dataclass
class GraphQLLog:
    """What the request log line says about a GraphQL request."""

    operation_name: str | None = None
    operation_type: str | None = None
    error_codes: list[str] = field(default_factory=list)
    # Answered by a compiled plan (schema/core/plans.py), not by graphql-core's execution.
    planned: bool = False


@dataclass(frozen=True)
class RefreshCookieChange:
    """The refresh cookie a token mutation wants on the response (accounts.refresh_cookie)."""

    # The refresh token to set; None clears the cookie.
    value: str | None
    expires_at: datetime | None = None


@dataclass
class RequestContext:
    """What the stages of one request share."""

    # From X-Request-ID when it is plain, else new: set by config.middleware.
    request_id: str | None = None
    # Why a Bearer token that came was refused (the caller is anonymous then).
    authentication_failure: AuthenticationError | None = None
    # The session the request's access token belongs to (its `sid`), if signed in.
    session_id: str | None = None
    # Set by tokenAuth/refreshToken/revokeToken in cookie mode; the view writes it.
    refresh_cookie: RefreshCookieChange | None = None
    # Set once the request reached the GraphQL endpoint: a log line is written.
    graphql_log: GraphQLLog | None = None
    # The DPoP proof header (accounts.dpop): checked once, its `jti` recorded once.
    dpop_checked: bool = False
    dpop_proof: DpopProof | None = None
    dpop_failure: AuthenticationError | None = None
    dpop_recorded: bool = False
    # Why the request was refused for DPoP's sake: its answer gets WWW-Authenticate.
    dpop_refusal: AuthenticationError | None = None
    # accounts.throttling.client_ip's answer, worked out once: the budget refusal
    # middleware, the view's budget checks and the throttles all ask it.
    client_address: str | None = None
    client_address_known: bool = False
    # schema.core.budget's counter key for a caller (its identity, the key):
    # a keyed hash, computed once per request rather than at every check.
    budget_counter: tuple | None = None

    def graphql(self) -> GraphQLLog:
        """This GraphQL request's log entry, started on first use."""
        if self.graphql_log is None:
            self.graphql_log = GraphQLLog()
        return self.graphql_log


def request_context(request: HttpRequest) -> RequestContext:
    """The context of `request`, created on first use (the first middleware uses it)."""
    context = getattr(request, _ATTRIBUTE, None)
    if context is None:
        context = RequestContext()
        setattr(request, _ATTRIBUTE, context)
    return context
