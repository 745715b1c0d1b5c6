"""graphql-core's execution with a short path for plain scalar fields.

A page of 50 organizations with 8 scalar fields resolves about 500 fields, and
for each one graphql-core builds a resolve-info object and a path, looks up
arguments, calls graphene's default attribute resolver, checks for awaitables and
completes the value: most of a request's time. For a field that is a plain
attribute read (graphene's default resolver, no arguments, a scalar or enum
type, no middleware) whose value is an ordinary non-null Python value, this
reads the attribute and serializes it directly. Everything else (null values,
errors, objects, lists, custom resolvers, unusual values) takes graphql-core's
own path, so results and errors are exactly what graphql-core gives.

It also bounds the answer: a query's JSON is counted as it completes, and past
GRAPHQL_MAX_RESPONSE_BYTES execution stops at once (response_size.py).
"""

import datetime
import decimal
import functools
import uuid
from asyncio import gather
from typing import Any, NamedTuple

from django.conf import settings
from graphene.types.resolver import attr_resolver, dict_or_attr_resolver
from graphql import (
    ExecutionContext,
    GraphQLEnumType,
    GraphQLObjectType,
    GraphQLScalarType,
    OperationType,
    Undefined,
    get_nullable_type,
)
from graphql.pyutils import Path

from schema.core.response_size import (
    ENVELOPE_BYTES,
    ERROR_BYTES,
    KEY_BYTES,
    OBJECT_BYTES,
    ResponseTooLarge,
    json_length,
)

DEFAULT_RESOLVERS = (dict_or_attr_resolver, attr_resolver)
# Values whose serialization by a built-in or graphene scalar cannot surprise.
PLAIN_VALUE_TYPES = (
    str,
    int,
    float,
    bool,
    datetime.datetime,
    datetime.date,
    decimal.Decimal,
    uuid.UUID,
)


class LeafPlan(NamedTuple):
    attname: str
    default: Any
    serialize: Any


def _leaf_plan(parent_type: GraphQLObjectType, field_name: str) -> LeafPlan | None:
    field = parent_type.fields.get(field_name)
    if field is None or field.args:
        return None
    resolver = field.resolve
    if not (
        isinstance(resolver, functools.partial)
        and resolver.func in DEFAULT_RESOLVERS
        and len(resolver.args) == 2
        and not resolver.keywords
    ):
        return None
    leaf_type = get_nullable_type(field.type)
    if not isinstance(leaf_type, GraphQLScalarType | GraphQLEnumType):
        return None
    attname, default = resolver.args
    return LeafPlan(attname, default, leaf_type.serialize)


class FastLeafExecutionContext(ExecutionContext):
    """An ExecutionContext that reads plain scalar attributes without the full machinery."""

    # (parent type, field name) -> LeafPlan, or None when the field needs the full path.
    _plans: dict[tuple[GraphQLObjectType, str], LeafPlan | None] = {}

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        limit = settings.GRAPHQL_MAX_RESPONSE_BYTES
        counted = limit > 0 and self.operation.operation is OperationType.QUERY
        # Bytes the answer may still take; None when not counted.
        # Less room for the envelope and `extensions.cost`, which are not counted.
        self.response_bytes_left: int | None = limit - ENVELOPE_BYTES if counted else None

    def _spend(self, length: int) -> None:
        self.response_bytes_left -= length
        if self.response_bytes_left < 0:
            raise ResponseTooLarge

    def complete_leaf_value(self, return_type, result):
        serialized = super().complete_leaf_value(return_type, result)
        if self.response_bytes_left is not None:
            self._spend(json_length(serialized))
        return serialized

    def handle_field_error(self, error, return_type, path) -> None:
        if self.response_bytes_left is not None:
            self._spend(len(error.message) + ERROR_BYTES + 8 * len(path.as_list()))
        super().handle_field_error(error, return_type, path)

    def execute_fields(self, parent_type, source_value, path, fields):
        if self.response_bytes_left is not None:
            # The object's braces and every key, null or not; values as they complete.
            self._spend(OBJECT_BYTES + sum(len(name) + KEY_BYTES for name in fields))
        if self.middleware_manager is not None or isinstance(source_value, dict):
            return super().execute_fields(parent_type, source_value, path, fields)
        plans = self._plans
        results = {}
        slow_fields = {}
        for response_name, field_nodes in fields.items():
            key = (parent_type, field_nodes[0].name.value)
            try:
                plan = plans[key]
            except KeyError:
                plan = plans[key] = _leaf_plan(parent_type, key[1])
            if plan is not None:
                try:
                    value = getattr(source_value, plan.attname, plan.default)
                except Exception:  # a failing property: graphql-core's path reports it
                    value = Undefined
                if isinstance(value, PLAIN_VALUE_TYPES):
                    try:
                        serialized = plan.serialize(value)
                    except Exception:  # graphql-core's own path reports it properly
                        serialized = Undefined
                    if serialized is not Undefined and serialized is not None:
                        results[response_name] = serialized
                        if self.response_bytes_left is not None:
                            self._spend(json_length(serialized))
                        continue
            # Kept in order: the slow fields run below, then the response is reordered.
            results[response_name] = Undefined
            slow_fields[response_name] = field_nodes
        if slow_fields:
            return self._complete_slow_fields(parent_type, source_value, path, results, slow_fields)
        return results

    def _complete_slow_fields(self, parent_type, source_value, path, results, slow_fields):
        is_awaitable = self.is_awaitable
        awaitable_fields = []
        for response_name, field_nodes in slow_fields.items():
            result = self.execute_field(
                parent_type, source_value, field_nodes, Path(path, response_name, parent_type.name)
            )
            if result is Undefined:
                del results[response_name]
                continue
            results[response_name] = result
            if is_awaitable(result):
                awaitable_fields.append(response_name)
        if not awaitable_fields:
            return results

        # As graphql-core does: await the pending fields together, keep the order.
        async def get_results() -> dict[str, Any]:
            awaited = await gather(*(results[name] for name in awaitable_fields))
            results.update(zip(awaitable_fields, awaited, strict=True))
            return results

        return get_results()
