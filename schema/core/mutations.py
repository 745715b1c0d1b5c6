"""The base mutation: a service's ValidationError becomes the payload's `errors`.

Authentication and permission failures stay top-level errors with a code
(schema/core/errors.py); only input problems, which a form shows next to a field,
come back in `errors`.
"""

from collections.abc import Iterable

import graphene
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from graphene.utils.str_converters import to_camel_case

from schema.core.types import FieldError

DEFAULT_ERROR_CODE = "invalid"


def field_errors(error: ValidationError) -> list[FieldError]:
    """One FieldError per (field, code) of `error`, in order, messages grouped."""
    entries: dict[tuple[str | None, str], list[str]] = {}
    fields: Iterable[tuple[str, list[ValidationError]]] = (
        error.error_dict.items() if hasattr(error, "error_dict") else [(NON_FIELD_ERRORS, [error])]
    )
    for field, errors in fields:
        name = None if field == NON_FIELD_ERRORS else to_camel_case(field)
        for single in ValidationError(errors).error_list:
            code = (single.code or DEFAULT_ERROR_CODE).upper()
            entries.setdefault((name, code), []).extend(single.messages)
    return [
        FieldError(field=field, code=code, messages=messages)
        for (field, code), messages in entries.items()
    ]


class BaseMutation(graphene.Mutation):
    """Subclasses implement `perform_mutation`; a ValidationError it raises is
    returned as `errors` with every other field null."""

    class Meta:
        abstract = True

    errors = graphene.List(
        graphene.NonNull(FieldError),
        required=True,
        description="Problems with the input; empty when the mutation succeeded.",
    )

    @classmethod
    def mutate(cls, root, info, **data):
        try:
            payload = cls.perform_mutation(root, info, **data)
        except ValidationError as error:
            return cls(errors=field_errors(error))
        if payload.errors is None:
            payload.errors = []
        return payload

    @classmethod
    def perform_mutation(cls, root, info, **data):
        raise NotImplementedError
