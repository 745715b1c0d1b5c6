"""Scalars with their exact formats in their descriptions.

graphene-django turns every form `DateTimeField` (django-filter's date filters
included) into graphene's DateTime; it is registered here to use ours instead,
so the schema has one `DateTime` with one format and one error message.
"""

import datetime

import graphene
from dateutil.parser import isoparse
from django import forms
from graphene_django.forms.converter import convert_form_field, get_form_field_description
from graphql import GraphQLError, StringValueNode, print_ast

DATETIME_EXAMPLE = "2026-01-31T09:30:00Z"
DATETIME_EXPECTED = f"Expected an ISO 8601 date-time such as {DATETIME_EXAMPLE}"


def datetime_error(value: object) -> GraphQLError:
    """The error for an input that is not a date-time; it says the format expected."""
    return GraphQLError(f"{DATETIME_EXPECTED}; got {value}.")


class DateTime(graphene.Scalar):
    class Meta:
        name = "DateTime"
        description = (
            "An instant, as an ISO 8601 / RFC 3339 string. The server emits it in UTC with "
            "the offset `+00:00`, and microseconds when they are not zero: "
            "`2026-01-31T09:30:00+00:00`, `2026-01-31T09:30:00.250000+00:00`. As input it "
            f"accepts any ISO 8601 date-time (`{DATETIME_EXAMPLE}`, "
            "`2026-01-31T10:30:00+01:00`, `2026-01-31T09:30`, `2026-01-31`); one without an "
            "offset is read as UTC. Anything else is refused with a message that names this "
            "format: GRAPHQL_VALIDATION_FAILED when written in the document, BAD_USER_INPUT "
            "when sent in a variable."
        )

    @staticmethod
    def serialize(value: datetime.datetime) -> str:
        if not isinstance(value, datetime.datetime):
            raise GraphQLError(f"DateTime cannot represent {value!r}.")
        if value.tzinfo is not None:
            value = value.astimezone(datetime.UTC)
        return value.isoformat()

    @classmethod
    def parse_literal(cls, node, _variables=None) -> datetime.datetime:
        if not isinstance(node, StringValueNode):
            raise datetime_error(print_ast(node))
        return cls.parse_value(node.value)

    @staticmethod
    def parse_value(value: object) -> datetime.datetime:
        if not isinstance(value, str):
            raise datetime_error(repr(value))
        try:
            parsed = isoparse(value)
        except (ValueError, OverflowError):
            raise datetime_error(repr(value)) from None
        return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=datetime.UTC)


@convert_form_field.register(forms.DateTimeField)
def _form_datetime_field(field: forms.DateTimeField) -> DateTime:
    return DateTime(description=get_form_field_description(field), required=field.required)
