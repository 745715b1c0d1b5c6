"""The base of every mutation that takes input: invalid input becomes `errors`.

A service's ValidationError turns into `errors: [{field, code, messages}]` on
the payload (HTTP 200, no top-level error), so forms can show messages next to
fields. Authentication and permission failures stay top-level errors with codes.
"""

import graphene
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from graphene.utils.str_converters import to_camel_case


class FieldError(graphene.ObjectType):
    class Meta:
        description = "Why one input field (or the input as a whole) was refused."

    field = graphene.String(
        description="The argument at fault, as named in the API; null for the input as a whole."
    )
    code = graphene.String(
        required=True,
        description=(
            "A stable code: BLANK, MAX_LENGTH, INVALID, UNIQUE, NULL, NOT_FOUND, "
            "ALREADY_MEMBER, NOT_MEMBER, LAST_OWNER, ..."
        ),
    )
    messages = graphene.List(
        graphene.NonNull(graphene.String), required=True, description="Human-readable reasons."
    )


def field_errors(error: ValidationError) -> list[FieldError]:
    """Flatten a Django ValidationError into one FieldError per field and code."""
    by_field = error.error_dict if hasattr(error, "error_dict") else {NON_FIELD_ERRORS: [error]}
    result = []
    for field, errors in by_field.items():
        api_field = None if field == NON_FIELD_ERRORS else to_camel_case(field)
        by_code: dict[str, list[str]] = {}
        for item in ValidationError(errors).error_list:
            message = item.message % item.params if item.params else item.message
            by_code.setdefault((item.code or "invalid").upper(), []).append(str(message))
        result.extend(
            FieldError(field=api_field, code=code, messages=messages)
            for code, messages in by_code.items()
        )
    return result


class BaseMutation(graphene.Mutation):
    """Runs `perform_mutation`; a ValidationError becomes the payload's `errors`."""

    class Meta:
        abstract = True

    errors = graphene.List(
        graphene.NonNull(FieldError),
        required=True,
        description="Invalid input; empty when the mutation succeeded.",
    )

    @classmethod
    def mutate(cls, root, info, **arguments):
        try:
            payload = cls.perform_mutation(root, info, **arguments)
        except ValidationError as error:
            return cls(errors=field_errors(error))
        payload.errors = []
        return payload

    @classmethod
    def perform_mutation(cls, root, info, **arguments):
        raise NotImplementedError
