from django.core.exceptions import NON_FIELD_ERRORS, ValidationError

from schema.core.mutations import field_errors


def as_tuples(error: ValidationError) -> list[tuple]:
    return [(entry.field, entry.code, entry.messages) for entry in field_errors(error)]


def test_field_names_become_camel_case_and_codes_upper_case():
    # given
    error = ValidationError(
        {"new_password": [ValidationError("Too short: %(n)s.", code="too_short", params={"n": 8})]}
    )

    # then
    assert as_tuples(error) == [("newPassword", "TOO_SHORT", ["Too short: 8."])]


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
