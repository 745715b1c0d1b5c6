"""Parsed and validated documents, cached by their text.

Parsing and validating cost a quarter of a small request, and clients send the
same few documents over and over; a bounded LRU per process keeps the work to
the first time. Only documents that passed every check are kept, so a refused
document is checked (and refused) again each time. The cache is cleared when a
setting changes, since validation depends on settings (limits, introspection).
"""

import hashlib
import threading
from collections import OrderedDict

from django.conf import settings
from django.core.signals import setting_changed
from graphql import DocumentNode, GraphQLError, GraphQLSchema, parse

from schema.core.limits import document_size_error
from schema.core.validation import document_validate


class DocumentCache:
    """A thread-safe LRU of validated documents keyed by the SHA-256 of their text."""

    def __init__(self) -> None:
        self._entries: OrderedDict[str, tuple[str, DocumentNode]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, digest: str) -> tuple[str, DocumentNode] | None:
        with self._lock:
            entry = self._entries.get(digest)
            if entry is not None:
                self._entries.move_to_end(digest)
            return entry

    def put(self, digest: str, query: str, document: DocumentNode) -> None:
        limit = settings.GRAPHQL_DOCUMENT_CACHE_SIZE
        if limit <= 0:
            return
        with self._lock:
            self._entries[digest] = (query, document)
            self._entries.move_to_end(digest)
            while len(self._entries) > limit:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)


document_cache = DocumentCache()


def _clear_on_setting_change(**kwargs) -> None:
    document_cache.clear()


setting_changed.connect(_clear_on_setting_change)


def query_digest(query: str) -> str:
    """The SHA-256 hex digest of a document's text, as Apollo's persisted queries use."""
    return hashlib.sha256(query.encode()).hexdigest()


def document_prepare(
    schema: GraphQLSchema, query: str, digest: str | None = None
) -> tuple[DocumentNode | None, list[GraphQLError]]:
    """The parsed document, or the errors that refuse it (size, syntax, validation)."""
    digest = digest or query_digest(query)
    cached = document_cache.get(digest)
    if cached is not None:
        return cached[1], []
    too_large = document_size_error(query)
    if too_large is not None:
        return None, [too_large]
    try:
        document = parse(query)
    except GraphQLError as error:
        return None, [error]
    errors = document_validate(schema, document)
    if errors:
        return document, errors
    document_cache.put(digest, query, document)
    return document, []
