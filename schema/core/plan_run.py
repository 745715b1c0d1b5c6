"""Running a query by its compiled plan (plans.py), or saying graphql-core must.

`plan_execute` returns the answer of a prepared query when a plan answers it
exactly, else None (and graphql-core runs the query as always). Plans are
kept in the document cache's entry of their document (document_cache.py,
`derived_put`), by operation name and the values of the variables that
`@skip`/`@include` read: at most DERIVED_PER_DOCUMENT of them a document,
counted in GRAPHQL_DOCUMENT_CACHE_BYTES (`plan_bytes`), evicted with their
document and cleared with it when a setting changes. A document the cache does
not hold gets no plan: compiling pays off over many requests, not one.

Plans answer signed-in callers only: every field a plan knows refuses an
anonymous caller (its resolver words the error), so an anonymous request
neither compiles a plan nor looks one up.

The answer's size is bounded as graphql-core's run bounds it
(response_size.py), from the answer's JSON and how many keys it has: when even
the most generous count of execution (each value 24 bytes more than it takes)
fits GRAPHQL_MAX_RESPONSE_BYTES, the plan answers; when even the most frugal
(each key 6 bytes less) passes it, the answer is RESPONSE_TOO_LARGE, as
execution's would be, without running the query twice; in between, execution
runs and counts. The answer is measured a part at a time (`json_size`: a page's
edges one by one) and the measure stops at twice the bound, leaving execution
to refuse the answer, so a plan never holds the JSON of an answer far past the
bound (15 aliases of 100 descriptions of 10,000 control characters, `\u0001`
each: 84 MB, where execution stops at the bound).

GRAPHQL_PLANS_ENABLED=false turns plans off (the tests compare both ways).
"""

import logging

import orjson
from django.conf import settings
from django.db import DatabaseError
from graphql import (
    DirectiveNode,
    ExecutionResult,
    GraphQLSchema,
    OperationType,
    VariableNode,
    get_operation_ast,
    visit,
)
from graphql.execution.values import get_variable_values
from graphql.language import Visitor

from schema.core.document_cache import document_cache
from schema.core.plans import Fallback, Plan, plan_compile
from schema.core.response_size import (
    ENVELOPE_BYTES,
    NON_STRING_BYTES,
    OBJECT_BYTES,
    ResponseTooLarge,
)

# Room for the answer's envelope besides `data`, on top of what execution keeps.
PLAN_ENVELOPE_BYTES = 64
# The most JSON per key that execution's count leaves out: a null's `null` and its
# comma, a list's brackets and comma.
UNCOUNTED_BYTES_PER_KEY = 6
logger = logging.getLogger(__name__)
# How far past GRAPHQL_MAX_RESPONSE_BYTES an answer is measured (json_size) before
# execution is left to refuse it: what a plan may hold, besides one part.
MEASURED_LIMITS = 2


# What a plan holds, measured with tracemalloc (tests/schema/core/test_plan_run.py):
# about 600-800 bytes per compiled selection, a few KB for the rest; rounded up.
PLAN_BYTES = 4096
PLAN_BYTES_PER_SELECTION = 1024


def plan_bytes(plan: Plan | None) -> int:
    """What a cached plan (None: no plan) is counted as in the document cache's bytes."""
    return PLAN_BYTES + PLAN_BYTES_PER_SELECTION * (plan.selections if plan else 0)


class _ConditionVariables(Visitor):
    def __init__(self) -> None:
        super().__init__()
        self.names: set[str] = set()

    def enter_directive(self, node: DirectiveNode, *args) -> None:
        if node.name.value in ("skip", "include"):
            for argument in node.arguments:
                if isinstance(argument.value, VariableNode):
                    self.names.add(argument.value.name.value)


def condition_variables(document) -> tuple[str, ...]:
    """The variables any `@skip`/`@include` of `document` reads, sorted."""
    visitor = _ConditionVariables()
    visit(document, visitor)
    return tuple(sorted(visitor.names))


def json_size(value, cap: int, depth: int = 3) -> tuple[int, int, bool]:
    """(bytes, colons, whole) of `value`'s JSON as orjson writes it; past `cap` bytes,
    those of the parts measured so far, and whole False.

    Encoded a part at a time (each entry and item of the top `depth` levels: a
    page's edges one by one) and stopped once past `cap`, so measuring holds no
    more than one part, never the whole answer at once."""
    kind = type(value)
    if depth <= 0 or kind not in (dict, list) or not value:
        encoded = orjson.dumps(value)
        return len(encoded), encoded.count(b":"), len(encoded) <= cap
    size, colons = 1 + len(value), 0  # brackets and commas
    for item in value.items() if kind is dict else value:
        if kind is dict:
            key, item = item
            size, colons = size + len(orjson.dumps(key)) + 1, colons + 1
        part_size, part_colons, whole = json_size(item, cap - size, depth - 1)
        size, colons = size + part_size, colons + part_colons
        if not whole or size > cap:
            return size, colons, False
    return size, colons, True


def plan_execute(
    schema: GraphQLSchema, document, digest: str, params, request
) -> ExecutionResult | None:
    """The answer of a query by its plan, or None: graphql-core must run it."""
    if not request.user.is_authenticated or not document_cache.contains(digest):
        return None
    operation = get_operation_ast(document, params.operation_name)
    if operation is None or operation.operation is not OperationType.QUERY:
        return None
    coerced = get_variable_values(
        schema, operation.variable_definitions or (), params.variables or {}
    )
    if isinstance(coerced, list):  # errors: graphql-core words them
        return None
    found, names = document_cache.derived_get(digest, ("conditions",))
    if not found:
        names = condition_variables(document)
        document_cache.derived_put(digest, ("conditions",), names, PLAN_BYTES)
    conditions = tuple(coerced.get(name) for name in names)
    if any(type(value) is not bool for value in conditions):
        return None
    key = ("plan", params.operation_name, conditions)
    found, plan = document_cache.derived_get(digest, key)
    if not found:
        plan = plan_compile(schema, document, operation, coerced)
        document_cache.derived_put(digest, key, plan, plan_bytes(plan))
    if plan is None:
        return None
    try:
        data = plan.run(request, coerced)
    except Fallback:
        return None
    except DatabaseError:
        # The database went away mid-plan (a restart, a failover): graphql-core runs
        # the query again and words SERVICE_UNAVAILABLE with its path, as always.
        return None
    except Exception:
        # graphql-core answers (and words any error); a plan that fails is a bug to see.
        logger.exception("A plan failed; graphql-core answers instead")
        return None
    limit = settings.GRAPHQL_MAX_RESPONSE_BYTES
    if limit > 0:
        room = limit - ENVELOPE_BYTES
        # Every key has a colon (values may add more: the bounds only widen).
        size, keys, whole = json_size(data, MEASURED_LIMITS * limit)
        if size - UNCOUNTED_BYTES_PER_KEY * keys - OBJECT_BYTES > room:
            raise ResponseTooLarge  # execution's count (of these parts alone) passes it too
        if not whole:
            return None  # far past the bound: execution counts as it writes, and stops
        if size + NON_STRING_BYTES * keys + PLAN_ENVELOPE_BYTES > room:
            return None  # near the bound: execution's own count decides
    return ExecutionResult(data=data)
