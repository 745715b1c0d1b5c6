"""`orderBy` arguments: a list of {field, direction} inputs turned into a keyset ordering."""

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import graphene

from organization.keyset import Keyset
from schema.core.errors import ApiError, ErrorCode


class OrderDirection(graphene.Enum):
    class Meta:
        description = "Which way a sort key sorts."

    ASC = "ASC"
    DESC = "DESC"

    @property
    def description(self):
        return {
            "ASC": "Ascending: A to Z, oldest first.",
            "DESC": "Descending: Z to A, newest first.",
        }[self.name]


def _enum_name(value) -> str:
    # graphene gives enum inputs as members of the Python enum; be lenient with raw values.
    return getattr(value, "name", value)


@dataclass(frozen=True)
class OrderingArgument:
    """The `orderBy` of one list: its input type (`field`, `direction`) and its keysets."""

    input_type: type[graphene.InputObjectType]
    field_enum: type[graphene.Enum]
    # (sort key name, descending) pairs, empty for the default -> the ordering.
    keyset: Callable[[Sequence[tuple[str, bool]]], Keyset]
    default: str

    @property
    def field_names(self) -> list[str]:
        return [member.name for member in self.field_enum._meta.enum]

    def argument(self) -> graphene.Argument:
        fields = ", ".join(self.field_names)
        return graphene.Argument(
            graphene.List(graphene.NonNull(self.input_type)),
            name="orderBy",
            description=(
                f"Sort keys, most significant first ({fields}), each at most once; ties are "
                f"broken by id in the direction of the last key. Empty or absent: {self.default}. "
                "A cursor only works with the `orderBy` of the page that gave it out."
            ),
        )

    def keyset_of(self, order_by: Sequence | None) -> Keyset:
        """The ordering `order_by` asks for; BAD_USER_INPUT when it names a field twice."""
        pairs = []
        seen: set[str] = set()
        for order in order_by or ():
            name = _enum_name(order.field)
            if name in seen:
                raise ApiError(
                    f"`orderBy` names {name} more than once; give each field at most once "
                    f"(fields: {', '.join(self.field_names)}).",
                    ErrorCode.BAD_USER_INPUT,
                )
            seen.add(name)
            direction = _enum_name(order.direction) if order.direction is not None else "ASC"
            pairs.append(
                (self.field_enum._meta.enum[name].value, direction == OrderDirection.DESC.name)
            )
        return self.keyset(pairs)
