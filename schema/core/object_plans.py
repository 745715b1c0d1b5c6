"""How a plan writes one object of its answer from a `.values()` row (plans.py).

An object's fields are compiled once into one generated function (`row -> dict`),
as `dataclasses` generates `__init__`: one dictionary display, no closure per
field, and for a `str` into a String or ID, or a `bool` into a Boolean, the
value itself (what graphql-core's serializers return for those); any other value
goes through the field type's own serializer. A null where the schema says
non-null raises Fallback. An enum's serialized names are remembered per value.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from graphql import GraphQLEnumType, get_nullable_type, is_non_null_type
from graphql.type.scalars import serialize_boolean, serialize_id, serialize_string
from graphql_relay import to_global_id

from schema.core.plans import Fallback, Selection

# graphql-core serializers that return a value of this exact type unchanged.
IDENTITY_FOR = {serialize_string: str, serialize_id: str, serialize_boolean: bool}


@dataclass(frozen=True)
class Column:
    """A leaf read from a row's column, through its field type's serializer."""

    column: str


@dataclass(frozen=True)
class GlobalId:
    """A Relay global ID of `type_name` made of a row's column, as graphene's `GlobalID`."""

    type_name: str
    column: str


@dataclass(frozen=True)
class Constant:
    """A value known when compiling (`__typename`)."""

    value: str


@dataclass(frozen=True)
class Nested:
    """A value written from the same row by another writer (an object, a connection)."""

    write: Callable[[dict], Any]


FieldSpec = Column | GlobalId | Constant | Nested
# An enum has few values: their serialized names are remembered (graphene's enum
# serializer looks the Python enum up on every call, 8% of a nested page).
ENUM_MEMO_ENTRIES = 64


def _remembered(serialize: Callable[[Any], Any]) -> Callable[[Any], Any]:
    memo: dict[Any, Any] = {}

    def remembered(value):
        try:
            return memo[value]
        except (KeyError, TypeError):  # TypeError: not hashable, not remembered
            serialized = serialize(value)
            if len(memo) < ENUM_MEMO_ENTRIES and type(value) in (str, int):
                memo[value] = serialized
            return serialized

    return remembered


def object_writer(fields: list[tuple[Selection, FieldSpec]]) -> Callable[[dict], dict[str, Any]]:
    """The generated `row -> answer` of one object's selected fields, in their order."""
    namespace: dict[str, Any] = {"Fallback": Fallback, "to_global_id": to_global_id}
    lines = ["def write(row):"]
    entries = []
    for index, (selection, spec) in enumerate(fields):
        value = f"v{index}"
        if isinstance(spec, Constant):
            entries.append(f"{selection.response_name!r}: {spec.value!r}")
            continue
        if isinstance(spec, Nested):
            namespace[f"n{index}"] = spec.write
            entries.append(f"{selection.response_name!r}: n{index}(row)")
            continue
        if isinstance(spec, GlobalId):
            lines.append(f"    {value} = to_global_id({spec.type_name!r}, row[{spec.column!r}])")
        else:
            lines.append(f"    {value} = row[{spec.column!r}]")
        field_type = selection.definition.type
        leaf_type = get_nullable_type(field_type)
        serialize = leaf_type.serialize
        identity = IDENTITY_FOR.get(serialize)
        if isinstance(leaf_type, GraphQLEnumType):
            serialize = _remembered(serialize)
        namespace[f"s{index}"] = serialize
        if identity is not None:
            namespace[f"t{index}"] = identity
            expression = f"({value} if type({value}) is t{index} else s{index}({value}))"
        else:
            expression = f"s{index}({value})"
        if is_non_null_type(field_type):
            lines.append(f"    if {value} is None: raise Fallback({selection.name!r})")
        else:
            expression = f"(None if {value} is None else {expression})"
        entries.append(f"{selection.response_name!r}: {expression}")
    lines.append("    return {" + ", ".join(entries) + "}")
    exec("\n".join(lines), namespace)  # noqa: S102 - our own text: names and reprs only
    return namespace["write"]
