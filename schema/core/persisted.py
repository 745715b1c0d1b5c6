"""Apollo's automatic persisted queries, and an optional allow-list mode.

A client (Apollo Client, urql) first sends only `extensions.persistedQuery =
{version: 1, sha256Hash}`. If this server knows the document, it runs; if not,
it answers PERSISTED_QUERY_NOT_FOUND (message "PersistedQueryNotFound", as the
clients expect) and the client sends the hash again with the full `query`,
which registers it. Registered texts live in the document cache of the process
and in Django's cache (Redis in production), so every worker and instance knows
a hash once any of them has seen it.

Allow-list mode (GRAPHQL_PERSISTED_QUERIES_ONLY) executes only the documents in
GRAPHQL_PERSISTED_QUERIES_FILE, a JSON object of {sha256 hash: document}
generated at the client's build; nothing can be registered then.
"""

import json
import logging
import re
from functools import cache
from pathlib import Path

from django.conf import settings
from django.core.cache import cache as shared_cache
from django.core.signals import setting_changed
from graphql import GraphQLError

from schema.core.documents import document_cache, query_digest
from schema.core.errors import ErrorCode

logger = logging.getLogger("schema.persisted")

SHA256_HEX = re.compile(r"[0-9a-f]{64}")
SHARED_CACHE_PREFIX = "apq:"


def _error(message: str, code: ErrorCode) -> GraphQLError:
    return GraphQLError(message, extensions={"code": code.value})


@cache
def allow_list() -> dict[str, str]:
    """The allowed documents by hash, read once per process from the configured file."""
    path = Path(settings.GRAPHQL_PERSISTED_QUERIES_FILE)
    documents = json.loads(path.read_text(encoding="utf-8"))
    for digest, query in documents.items():
        if query_digest(query) != digest:
            raise ValueError(f"{path}: the hash {digest} does not match its document")
    return documents


setting_changed.connect(lambda **kwargs: allow_list.cache_clear())


def _registered_text(digest: str) -> str | None:
    cached = document_cache.get(digest)
    if cached is not None:
        return cached[0]
    try:
        return shared_cache.get(SHARED_CACHE_PREFIX + digest)
    except Exception:  # a cache outage only costs the client a resend
        logger.warning("persisted query lookup failed: the cache is unreachable", exc_info=True)
        return None


def _register(digest: str, query: str) -> None:
    try:
        shared_cache.set(
            SHARED_CACHE_PREFIX + digest, query, timeout=settings.GRAPHQL_PERSISTED_QUERY_TTL
        )
    except Exception:
        logger.warning("persisted query not shared: the cache is unreachable", exc_info=True)


def requested_document(
    query: str | None, extensions: dict | None
) -> tuple[str | None, str | None, GraphQLError | None]:
    """The document text to run and its hash, or the error that refuses the request."""
    persisted = (extensions or {}).get("persistedQuery")
    only_allowed = settings.GRAPHQL_PERSISTED_QUERIES_ONLY
    if persisted is None:
        if query is None:
            return None, None, _error("Must provide query string.", ErrorCode.BAD_REQUEST)
        digest = query_digest(query)
        if only_allowed and digest not in allow_list():
            return (
                None,
                None,
                _error(
                    "Only allow-listed documents run here.", ErrorCode.PERSISTED_QUERY_NOT_ALLOWED
                ),
            )
        return query, digest, None

    digest = persisted.get("sha256Hash") if isinstance(persisted, dict) else None
    if (
        not isinstance(persisted, dict)
        or persisted.get("version") != 1
        or not isinstance(digest, str)
        or not SHA256_HEX.fullmatch(digest)
    ):
        return (
            None,
            None,
            _error(
                "persistedQuery must be {version: 1, sha256Hash: <64 hex digits>}.",
                ErrorCode.PERSISTED_QUERY_NOT_SUPPORTED,
            ),
        )
    if query is not None and query_digest(query) != digest:
        return (
            None,
            None,
            _error("provided sha does not match query", ErrorCode.PERSISTED_QUERY_NOT_SUPPORTED),
        )
    if only_allowed:
        allowed = allow_list().get(digest)
        if allowed is None:
            return (
                None,
                None,
                _error(
                    "Only allow-listed documents run here.", ErrorCode.PERSISTED_QUERY_NOT_ALLOWED
                ),
            )
        return allowed, digest, None
    if query is None:
        query = _registered_text(digest)
        if query is None:
            return None, None, _error("PersistedQueryNotFound", ErrorCode.PERSISTED_QUERY_NOT_FOUND)
        return query, digest, None
    _register(digest, query)
    return query, digest, None
