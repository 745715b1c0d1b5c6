import logging
from enum import StrEnum

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError

from schema.core.mutations import payload_errors


class Codes(StrEnum):
    INVALID = "INVALID"
    TOO_SHORT = "TOO_SHORT"
    UNIQUE = "UNIQUE"
    CLASH = "CLASH"


def as_tuples(error: ValidationError) -> list[tuple]:
    return [(field, code.value, messages) for field, code, messages in payload_errors(error, Codes)]


def test_field_names_become_camel_case_and_codes_enum_members():
    # given
    error = ValidationError(
        {"new_password": [ValidationError("Too short: %(n)s.", code="too_short", params={"n": 8})]}
    )

    # when
    entries = payload_errors(error, Codes)

    # then
    assert entries == [("newPassword", Codes.TOO_SHORT, ["Too short: 8."])]


def test_messages_of_one_field_and_code_are_grouped_in_order():
    # given
    error = ValidationError(
        {
            "name": [
                ValidationError("First.", code="invalid"),
                ValidationError("Taken.", code="unique"),
                ValidationError("Second.", code="invalid"),
            ]
        }
    )

    # then
    assert as_tuples(error) == [
        ("name", "INVALID", ["First.", "Second."]),
        ("name", "UNIQUE", ["Taken."]),
    ]


def test_errors_about_the_whole_input_have_no_field():
    # given
    keyed = ValidationError({NON_FIELD_ERRORS: [ValidationError("Clash.", code="clash")]})
    bare = ValidationError("Nope.")

    # then
    assert as_tuples(keyed) == [(None, "CLASH", ["Clash."])]
    assert as_tuples(bare) == [(None, "INVALID", ["Nope."])]


def test_a_code_the_enum_does_not_list_becomes_invalid_and_is_logged(caplog):
    # given: a validator added without its code in the enum
    error = ValidationError({"name": [ValidationError("Odd.", code="brand_new")]})

    # when
    with caplog.at_level(logging.WARNING, logger="schema.errors"):
        entries = as_tuples(error)

    # then: never a 500; the message kept, the code generic, a warning to fix the enum
    assert entries == [("name", "INVALID", ["Odd."])]
    assert any("brand_new" in record.getMessage() for record in caplog.records)
