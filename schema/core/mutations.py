"""The base mutation: a service's ValidationError becomes the payload's `errors`.

Authentication and permission failures stay top-level errors with a code
(schema/core/errors.py); only input problems, which a form shows next to a field,
come back in `errors`. Each domain's base mutation declares its own error type,
whose `code` is that domain's enum (`OrganizationErrorCode`, `AccountErrorCode`).

A code its enum does not list (a validator added without updating the enum) is
never a 500: it becomes INVALID, with its messages, and a warning is logged so the
enum gets the new value. Each domain has a test that its enum lists every code.
"""

import logging
from collections.abc import Iterable
from enum import StrEnum

import graphene
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from graphene.utils.str_converters import to_camel_case

logger = logging.getLogger("schema.errors")

DEFAULT_ERROR_CODE = "INVALID"


def payload_error_code(code: str | None, codes: type[StrEnum]) -> StrEnum:
    """The member of `codes` for a Django validation code; INVALID (logged) when unlisted."""
    name = (code or DEFAULT_ERROR_CODE).upper()
    if name in codes.__members__:
        return codes[name]
    logger.warning("Validation code %r is not in %s; answered as INVALID.", code, codes.__name__)
    return codes[DEFAULT_ERROR_CODE]


def payload_errors(error: ValidationError, codes: type[StrEnum]) -> list[tuple]:
    """(field, code, messages) per (field, code) of `error`, in order, messages grouped."""
    entries: dict[tuple[str | None, StrEnum], list[str]] = {}
    fields: Iterable[tuple[str, list[ValidationError]]] = (
        error.error_dict.items() if hasattr(error, "error_dict") else [(NON_FIELD_ERRORS, [error])]
    )
    for field, errors in fields:
        name = None if field == NON_FIELD_ERRORS else to_camel_case(field)
        for single in ValidationError(errors).error_list:
            code = payload_error_code(single.code, codes)
            entries.setdefault((name, code), []).extend(single.messages)
    return [(field, code, messages) for (field, code), messages in entries.items()]


def payload_error_type(name: str, code_type: type[graphene.Enum], *, domain: str) -> type:
    """The `{field, code, messages}` type of one domain's payload `errors`."""
    return type(
        name,
        (graphene.ObjectType,),
        {
            "Meta": type(
                "Meta",
                (),
                {
                    "description": (
                        f"A problem with the input of {domain} mutation, returned in its "
                        "`errors` list (the mutation itself did nothing). Switch on `code`; "
                        "show `messages`."
                    )
                },
            ),
            "field": graphene.String(
                description=(
                    "The argument the problem is about, as named in the schema (camelCase); "
                    "null when it is about the input as a whole."
                )
            ),
            "code": graphene.Field(
                graphene.NonNull(code_type), description="What is wrong: switch on it."
            ),
            "messages": graphene.List(
                graphene.NonNull(graphene.String),
                required=True,
                description="Human-readable explanations, in the server's language.",
            ),
        },
    )


def errors_field(error_type: type) -> graphene.List:
    """The `errors` field of a payload whose problems are `error_type` objects."""
    return graphene.List(
        graphene.NonNull(error_type),
        required=True,
        description="Problems with the input; empty when the mutation succeeded.",
    )


class BaseMutation(graphene.Mutation):
    """Subclasses implement `perform_mutation`; a ValidationError it raises is
    returned as `errors` with every other field null. A domain's base subclass
    declares `errors = errors_field(...)` and sets `error_type` and `error_codes`."""

    class Meta:
        abstract = True

    error_type: type
    error_codes: type[StrEnum]

    @classmethod
    def mutate(cls, root, info, **data):
        try:
            payload = cls.perform_mutation(root, info, **data)
        except ValidationError as error:
            return cls(
                errors=[
                    cls.error_type(field=field, code=code, messages=messages)
                    for field, code, messages in payload_errors(error, cls.error_codes)
                ]
            )
        if payload.errors is None:
            payload.errors = []
        return payload

    @classmethod
    def perform_mutation(cls, root, info, **data):
        raise NotImplementedError
