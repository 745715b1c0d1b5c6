"""Running a query by its compiled plan (plans.py), or saying graphql-core must.

`plan_execute` returns the answer of a prepared query when a plan answers it
exactly, else None (and graphql-core runs the query as always). Plans are
cached beside the documents: by the document's digest, the operation name and
the values of the variables that `@skip`/`@include` read, in an LRU bounded by
GRAPHQL_DOCUMENT_CACHE_SIZE entries and cleared when a setting changes.

The answer's size is bounded as graphql-core's run bounds it
(response_size.py), from the answer's JSON and how many keys it has: when even
the most generous count of execution (each value 24 bytes more than it takes)
fits GRAPHQL_MAX_RESPONSE_BYTES, the plan answers; when even the most frugal
(each key 6 bytes less) passes it, the answer is RESPONSE_TOO_LARGE, as
execution's would be, without running the query twice; in between, execution
runs and counts.

GRAPHQL_PLANS_ENABLED=false turns plans off (the tests compare both ways).
"""

import threading
from collections import OrderedDict
from typing import Any

import orjson
from django.conf import settings
from django.core.signals import setting_changed
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

from schema.core.plans import Fallback, plan_compile
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


class PlanCache:
    """An LRU of plans (None: no plan for that key) and of documents' condition variables."""

    def __init__(self) -> None:
        self._entries: OrderedDict[tuple, Any] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple) -> tuple[bool, Any]:
        with self._lock:
            if key not in self._entries:
                return False, None
            self._entries.move_to_end(key)
            return True, self._entries[key]

    def put(self, key: tuple, value: Any) -> None:
        with self._lock:
            self._entries[key] = value
            while len(self._entries) > max(settings.GRAPHQL_DOCUMENT_CACHE_SIZE, 0):
                self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)


plan_cache = PlanCache()


def _clear_on_setting_change(**kwargs) -> None:
    plan_cache.clear()


setting_changed.connect(_clear_on_setting_change)


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


def plan_execute(
    schema: GraphQLSchema, document, digest: str, params, request
) -> ExecutionResult | None:
    """The answer of a query by its plan, or None: graphql-core must run it."""
    operation = get_operation_ast(document, params.operation_name)
    if operation is None or operation.operation is not OperationType.QUERY:
        return None
    coerced = get_variable_values(
        schema, operation.variable_definitions or (), params.variables or {}
    )
    if isinstance(coerced, list):  # errors: graphql-core words them
        return None
    found, names = plan_cache.get(("conditions", digest))
    if not found:
        names = condition_variables(document)
        plan_cache.put(("conditions", digest), names)
    conditions = tuple(coerced.get(name) for name in names)
    if any(type(value) is not bool for value in conditions):
        return None
    key = (digest, params.operation_name, conditions)
    found, plan = plan_cache.get(key)
    if not found:
        plan = plan_compile(schema, document, operation, coerced)
        plan_cache.put(key, plan)
    if plan is None:
        return None
    try:
        data = plan.run(request, coerced)
    except Fallback:
        return None
    except Exception:
        return None
    limit = settings.GRAPHQL_MAX_RESPONSE_BYTES
    if limit > 0:
        encoded = orjson.dumps(data)
        room = limit - ENVELOPE_BYTES
        # Every key has a colon (values may add more: the bounds only widen).
        keys = encoded.count(b":")
        if len(encoded) - UNCOUNTED_BYTES_PER_KEY * keys - OBJECT_BYTES > room:
            raise ResponseTooLarge  # execution's count would pass the bound too
        if len(encoded) + NON_STRING_BYTES * keys + PLAN_ENVELOPE_BYTES > room:
            return None  # near the bound: execution's own count decides
    return ExecutionResult(data=data)
