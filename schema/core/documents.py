"""Parsed and validated documents: parsing within budgets, and a cache bounded in bytes.

Parsing and validating cost a quarter of a small request, and clients send the
same few documents over and over; an LRU per process keeps the work to the
first time. Only documents that passed every check are kept, so a refused
document is checked (and refused) again each time. The cache is cleared when a
setting changes, since validation depends on settings (limits, introspection).

Bounds, whatever the documents look like:

- Parsing: the parser stops at GRAPHQL_MAX_TOKENS tokens or GRAPHQL_MAX_COMMENTS
  comments (DOCUMENT_TOO_COMPLEX), after the length check (DOCUMENT_TOO_LARGE).
- Memory: a parsed document keeps its token chain through every node's
  location, comments included (about 2 MB for 20,000 characters of `#`). Before
  a document is cached each location is replaced by a slim one (offsets and the
  source text: error locations still work), and the entry's bytes are counted;
  the cache (document_cache.py) holds at most GRAPHQL_DOCUMENT_CACHE_BYTES (and
  at most GRAPHQL_DOCUMENT_CACHE_SIZE entries). What later stages derive from a
  document (its compiled plans, plan_run.py) is kept in its entry, counted in
  those bytes and evicted with it.
"""

import hashlib
import sys

from django.conf import settings
from graphql import DocumentNode, GraphQLError, GraphQLSchema, GraphQLSyntaxError, Node, parse
from graphql.language import Location

from config.metrics import document_cache_looked_up
from schema.core.complexity import document_complexity_error
from schema.core.document_cache import document_cache
from schema.core.errors import ErrorCode
from schema.core.limits import document_size_error
from schema.core.validation import document_validate

# What the parser says when a budget stops it (graphql-core's wording, pinned by a test).
PARSER_BUDGET_MESSAGES = ("Document contains more than",)


def _slim_location(location: Location) -> Location:
    slim = Location.__new__(Location)
    slim.start, slim.end, slim.source = location.start, location.end, location.source
    slim.start_token = slim.end_token = None  # type: ignore[assignment]
    return slim


# What sys.getsizeof does not see, measured with tracemalloc on several document
# shapes: about 4 KB per cached entry whatever its size, and each node's
# lazily made instance dictionary.
ENTRY_OVERHEAD_BYTES = 4096
NODE_OVERHEAD_BYTES = 48


def document_compacted(document: DocumentNode) -> int:
    """Drop the token chain from `document`'s locations; return the bytes it then holds.

    The size is an honest estimate (sys.getsizeof of every node, list, location
    and string reached, the source text once), so the cache's bound holds for any
    document shape. Iterative: a deeply nested document cannot exhaust the stack.
    """
    size = ENTRY_OVERHEAD_BYTES
    seen: set[int] = set()
    pending: list[object] = [document]
    source = document.loc.source if document.loc else None
    if source is not None:
        size += sys.getsizeof(source) + sys.getsizeof(source.body) + sys.getsizeof(source.name)
    while pending:
        item = pending.pop()
        if id(item) in seen:
            continue
        seen.add(id(item))
        size += sys.getsizeof(item)
        if isinstance(item, Node):
            size += NODE_OVERHEAD_BYTES
            if item.loc is not None:
                item.loc = _slim_location(item.loc)
                size += sys.getsizeof(item.loc)
            pending.extend(getattr(item, key) for key in item.keys if key != "loc")
        elif isinstance(item, (list, tuple)):
            pending.extend(item)
    return size


def query_digest(query: str) -> str:
    """The SHA-256 hex digest of a document's text, as Apollo's persisted queries use."""
    return hashlib.sha256(query.encode()).hexdigest()


def document_parse(query: str) -> DocumentNode:
    """Parse within the token and comment budgets; a budget refusal is DOCUMENT_TOO_COMPLEX."""
    try:
        return parse(
            query,
            max_lexical_tokens=settings.GRAPHQL_MAX_TOKENS,
            max_comments=settings.GRAPHQL_MAX_COMMENTS,
        )
    except GraphQLSyntaxError as error:
        if any(text in error.message for text in PARSER_BUDGET_MESSAGES):
            raise GraphQLError(
                error.message.removeprefix("Syntax Error: "),
                extensions={"code": ErrorCode.DOCUMENT_TOO_COMPLEX.value},
            ) from None
        raise


def document_prepare(
    schema: GraphQLSchema, query: str, digest: str | None = None
) -> tuple[DocumentNode | None, list[GraphQLError]]:
    """The parsed document, or the errors that refuse it (size, syntax, cost, validation)."""
    digest = digest or query_digest(query)
    cached = document_cache.get(digest)
    document_cache_looked_up(hit=cached is not None)
    if cached is not None:
        return cached, []
    too_large = document_size_error(query)
    if too_large is not None:
        return None, [too_large]
    try:
        document = document_parse(query)
    except GraphQLError as error:
        return None, [error]
    too_complex = document_complexity_error(document)
    if too_complex is not None:
        return None, [too_complex]
    errors = document_validate(schema, document)
    if errors:
        return document, errors
    document_cache.put(digest, document, document_compacted(document))
    return document, []
