"""Apollo's automatic persisted queries, and an optional allow-list mode.

A client (Apollo Client, urql) first sends only `extensions.persistedQuery =
{version: 1, sha256Hash}`. If this server knows the document, it runs; if not,
it answers PERSISTED_QUERY_NOT_FOUND (message "PersistedQueryNotFound", as the
clients expect) and the client sends the hash again with the full `query`,
which registers it. Registered texts live in their own cache
(PERSISTED_QUERY_CACHE_URL: a Redis server of their own, shared by every worker
and instance; process memory without it).

Registration is what strangers could use to fill memory, so it is bounded: only
a signed-in user registers, at most GRAPHQL_PERSISTED_QUERY_REGISTRATIONS_PER_USER
documents an hour, each at most GRAPHQL_MAX_DOCUMENT_SIZE bytes. Anyone may run a
registered hash. A request that may not register is answered as usual and stores
nothing: the client keeps sending the full text, which every APQ client handles.

Allow-list mode (GRAPHQL_PERSISTED_QUERIES_ONLY) executes only the documents in
GRAPHQL_PERSISTED_QUERIES_FILE, a JSON object of {sha256 hash: document}
generated at the client's build; nothing can be registered then. That file and
the registration switch are read by config.persisted_queries, which the
production start checks too.
"""

import logging
import re
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import caches
from graphql import GraphQLError

from accounts.counters import counter_add
from config.persisted_queries import allow_list, registration_allowed
from schema.core.documents import query_digest
from schema.core.errors import ErrorCode

logger = logging.getLogger("schema.persisted")

SHA256_HEX = re.compile(r"[0-9a-f]{64}")
SHARED_CACHE_PREFIX = "apq:"
# Registration quotas count in the default cache, shared by every worker: one
# small counter per registering user per window.
QUOTA_KEY_PREFIX = "apq-quota:"
QUOTA_WINDOW_SECONDS = 3600


def _error(message: str, code: ErrorCode) -> GraphQLError:
    return GraphQLError(message, extensions={"code": code.value})


def _store():
    return caches[settings.GRAPHQL_PERSISTED_QUERY_CACHE]


def _registered_text(digest: str) -> str | None:
    # Only documents registered through this protocol answer a hash: the general
    # document cache would confirm a guess at what other clients sent.
    try:
        return _store().get(SHARED_CACHE_PREFIX + digest)
    except Exception:  # a cache outage only costs the client a resend
        logger.warning("persisted query lookup failed: the cache is unreachable", exc_info=True)
        return None


def _quota_slot_taken(user) -> bool:
    """Take one of the user's registrations of this window; False once none is left."""
    window = int(time.time() // QUOTA_WINDOW_SECONDS)
    key = f"{QUOTA_KEY_PREFIX}{user.pk}:{window}"
    # One atomic increment, so parallel registrations cannot overshoot.
    taken = counter_add(caches["default"], key, 1, timeout=QUOTA_WINDOW_SECONDS + 60)
    return taken <= settings.GRAPHQL_PERSISTED_QUERY_REGISTRATIONS_PER_USER


def persisted_query_register(digest: str, query: str, *, user) -> bool:
    """Remember a document that passed every check, for hash-only requests to come.

    Only for a signed-in `user` within their hourly quota, and only a text of at
    most GRAPHQL_MAX_DOCUMENT_SIZE bytes; otherwise nothing is stored. Returns
    whether the document is registered now.
    """
    if not (user.is_authenticated and registration_allowed()):
        return False
    if len(query.encode()) > settings.GRAPHQL_MAX_DOCUMENT_SIZE:
        return False
    key = SHARED_CACHE_PREFIX + digest
    try:
        store = _store()
        if store.has_key(key):
            # Known already (another worker registered it): no quota spent.
            return True
        if not _quota_slot_taken(user):
            return False
        store.set(key, query, timeout=settings.GRAPHQL_PERSISTED_QUERY_TTL)
    except Exception:  # a cache outage only costs the client a resend
        logger.warning("persisted query not registered: a cache is unreachable", exc_info=True)
        return False
    return True


@dataclass(frozen=True)
class RequestedDocument:
    """What a request asks to run: its text and hash, or the error that refuses it."""

    query: str | None = None
    digest: str | None = None
    error: GraphQLError | None = None
    # Register the text for hash-only requests once it has passed every check.
    register: bool = False


def _refused(message: str, code: ErrorCode) -> RequestedDocument:
    return RequestedDocument(error=_error(message, code))


NOT_ALLOWED = "Only allow-listed documents run here."


def requested_document(query: str | None, extensions: dict | None) -> RequestedDocument:
    """The document a request asks to run, by text or by Apollo's persisted-query hash."""
    persisted = (extensions or {}).get("persistedQuery")
    only_allowed = settings.GRAPHQL_PERSISTED_QUERIES_ONLY
    if persisted is None:
        if query is None:
            return _refused("Must provide query string.", ErrorCode.BAD_REQUEST)
        digest = query_digest(query)
        if only_allowed and digest not in allow_list():
            return _refused(NOT_ALLOWED, ErrorCode.PERSISTED_QUERY_NOT_ALLOWED)
        return RequestedDocument(query=query, digest=digest)

    digest = persisted.get("sha256Hash") if isinstance(persisted, dict) else None
    if (
        not isinstance(persisted, dict)
        or persisted.get("version") != 1
        or not isinstance(digest, str)
        or not SHA256_HEX.fullmatch(digest)
    ):
        return _refused(
            "persistedQuery must be {version: 1, sha256Hash: <64 hex digits>}.",
            ErrorCode.PERSISTED_QUERY_NOT_SUPPORTED,
        )
    if query is not None and query_digest(query) != digest:
        return _refused(
            "provided sha does not match query", ErrorCode.PERSISTED_QUERY_NOT_SUPPORTED
        )
    if only_allowed:
        allowed = allow_list().get(digest)
        if allowed is None:
            return _refused(NOT_ALLOWED, ErrorCode.PERSISTED_QUERY_NOT_ALLOWED)
        return RequestedDocument(query=allowed, digest=digest)
    if query is None:
        query = _registered_text(digest)
        if query is None:
            return _refused("PersistedQueryNotFound", ErrorCode.PERSISTED_QUERY_NOT_FOUND)
        return RequestedDocument(query=query, digest=digest)
    return RequestedDocument(query=query, digest=digest, register=True)
