"""The cache of parsed and validated documents (documents.py), and of what later stages
derive from each (plan_run.py: compiled plans), in the document's entry.

An LRU per process, bounded twice (GRAPHQL_DOCUMENT_CACHE_SIZE documents,
GRAPHQL_DOCUMENT_CACHE_BYTES bytes, each entry's and derived value's size counted
when it is put) and cleared when a setting changes, since validation and plans
depend on settings. A derived value lives no longer than its document.
"""

import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.signals import setting_changed
from graphql import DocumentNode

# What a cache entry may hold besides its document, derived from it (plan_run.py:
# the compiled plans of its operations and `@skip`/`@include` values): at most this
# many values, the least recently used dropped first.
DERIVED_PER_DOCUMENT = 8


@dataclass
class _Entry:
    document: DocumentNode
    size: int  # the document's bytes and those of `derived`
    derived: OrderedDict[tuple, tuple[Any, int]] = field(default_factory=OrderedDict)


class DocumentCache:
    """A thread-safe LRU of validated documents keyed by the SHA-256 of their text, and of
    what later stages derive from each (`derived_get`/`derived_put`), evicted with it.

    Bounded twice: at most GRAPHQL_DOCUMENT_CACHE_SIZE documents and at most
    GRAPHQL_DOCUMENT_CACHE_BYTES bytes (each entry's and each derived value's size
    counted when it is put), with at most DERIVED_PER_DOCUMENT derived values each.
    """

    def __init__(self) -> None:
        self._entries: OrderedDict[str, _Entry] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def get(self, digest: str) -> DocumentNode | None:
        with self._lock:
            entry = self._entries.get(digest)
            if entry is None:
                return None
            self._entries.move_to_end(digest)
            return entry.document

    def contains(self, digest: str) -> bool:
        """Whether the document is cached (without counting as a use)."""
        return digest in self._entries

    def _evict(self, byte_limit: int) -> None:
        while len(self._entries) > settings.GRAPHQL_DOCUMENT_CACHE_SIZE or self._bytes > byte_limit:
            _, evicted = self._entries.popitem(last=False)
            self._bytes -= evicted.size

    def put(self, digest: str, document: DocumentNode, size: int) -> None:
        limit = settings.GRAPHQL_DOCUMENT_CACHE_SIZE
        byte_limit = settings.GRAPHQL_DOCUMENT_CACHE_BYTES
        if limit <= 0 or size > byte_limit:
            return
        with self._lock:
            previous = self._entries.pop(digest, None)
            if previous is not None:
                self._bytes -= previous.size
            self._entries[digest] = _Entry(document, size)
            self._bytes += size
            self._evict(byte_limit)

    def derived_get(self, digest: str, key: tuple) -> tuple[bool, Any]:
        """(found, value) of what was derived from a cached document under `key`."""
        with self._lock:
            entry = self._entries.get(digest)
            if entry is None or key not in entry.derived:
                return False, None
            entry.derived.move_to_end(key)
            return True, entry.derived[key][0]

    def derived_put(self, digest: str, key: tuple, value: Any, size: int) -> bool:
        """Keep `value`, derived from a cached document, with it; counted as `size` bytes.

        False (nothing kept) when the document is not cached: what is derived from
        it lives no longer than it does."""
        byte_limit = settings.GRAPHQL_DOCUMENT_CACHE_BYTES
        with self._lock:
            entry = self._entries.get(digest)
            if entry is None:
                return False
            previous = entry.derived.pop(key, None)
            if previous is not None:
                entry.size -= previous[1]
                self._bytes -= previous[1]
            entry.derived[key] = (value, size)
            entry.size += size
            self._bytes += size
            while len(entry.derived) > DERIVED_PER_DOCUMENT:
                _, (_, dropped) = entry.derived.popitem(last=False)
                entry.size -= dropped
                self._bytes -= dropped
            self._entries.move_to_end(digest)
            self._evict(byte_limit)
            return digest in self._entries

    def derived_count(self) -> int:
        """How many derived values the cache holds, over every document."""
        with self._lock:
            return sum(len(entry.derived) for entry in self._entries.values())

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._bytes = 0

    @property
    def bytes(self) -> int:
        """The counted size of every entry held, derived values included."""
        return self._bytes

    def __len__(self) -> int:
        return len(self._entries)


document_cache = DocumentCache()


def _clear_on_setting_change(**kwargs) -> None:
    document_cache.clear()


setting_changed.connect(_clear_on_setting_change)
