"""The persisted-query settings that a production start checks: registration and the allow-list.

Config-level on purpose: it reads only settings and the file they name, so
config/production.py checks them without importing the GraphQL layer, and
schema.core.persisted uses these same functions, as it uses settings.
"""

import hashlib
import json
from functools import cache
from pathlib import Path

from django.conf import settings
from django.core.signals import setting_changed


def registration_allowed() -> bool:
    """Whether this configuration registers documents at all."""
    return (
        not settings.GRAPHQL_PERSISTED_QUERIES_ONLY
        and settings.GRAPHQL_PERSISTED_QUERY_REGISTRATIONS_PER_USER > 0
    )


@cache
def allow_list() -> dict[str, str]:
    """The allowed documents by hash, read once per process from the configured file.

    Each hash must be Apollo's: the SHA-256 hex digest of the document's text
    (schema.core.documents.query_digest), else ValueError.
    """
    path = Path(settings.GRAPHQL_PERSISTED_QUERIES_FILE)
    documents = json.loads(path.read_text(encoding="utf-8"))
    for digest, query in documents.items():
        if hashlib.sha256(query.encode()).hexdigest() != digest:
            raise ValueError(f"{path}: the hash {digest} does not match its document")
    return documents


def _reload_allow_list_on_setting_change(**kwargs) -> None:
    allow_list.cache_clear()


# A named function: Django keeps receivers by weak reference, and a lambda
# would be collected at once and never called.
setting_changed.connect(_reload_allow_list_on_setting_change)
