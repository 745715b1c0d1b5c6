"""Relay global IDs: the `Node` interface every object type implements, and IDs from input."""

import graphene
from graphql_relay import from_global_id

from accounts.selectors import PRIMARY_KEY
from schema.core.errors import ApiError, ErrorCode, not_found_error


class Node(graphene.relay.Node):
    """graphene's Node with descriptions of ours instead of "The ID of the object"."""

    class Meta:
        name = "Node"
        description = (
            "An object with a global ID: `node(id:)` fetches any of them that you may see."
        )


# graphene writes the interface's `id` field itself, with its own description.
NODE_ID_DESCRIPTION = "The object's global ID: opaque and stable; `node(id:)` takes it."
Node._meta.fields["id"].description = NODE_ID_DESCRIPTION


def global_id_type(global_id: str) -> str:
    """The type name inside a global ID; BAD_USER_INPUT when it is not one."""
    kind, _ = from_global_id(global_id or "")
    if not kind:
        raise ApiError(f"'{global_id}' is not a valid ID.", ErrorCode.BAD_USER_INPUT)
    return kind


def pk_from_global_id(global_id: str, *, type_name: str) -> int:
    """The primary key inside a global ID of `type_name`; NOT_FOUND for another type."""
    kind = global_id_type(global_id)
    _, pk = from_global_id(global_id)
    if kind != type_name or not PRIMARY_KEY.fullmatch(pk):
        raise not_found_error(type_name)
    return int(pk)
