"""DateTime: what the server emits, what it accepts, and what a bad value answers."""

import datetime

import pytest
from graphql import StringValueNode

from schema import schema
from schema.core.scalars import DATETIME_EXPECTED, DateTime
from tests.conftest import error_codes

FILTERED = "query ($after: DateTime) { organizations(createdAfter: $after) { totalCount } }"


def test_the_description_states_the_format():
    # given
    description = schema.graphql_schema.get_type("DateTime").description

    # then
    assert "ISO 8601" in description
    assert "2026-01-31T09:30:00+00:00" in description
    assert "read as UTC" in description


def test_the_server_emits_utc_with_an_offset():
    # given
    paris = datetime.timezone(datetime.timedelta(hours=1))
    instant = datetime.datetime(2026, 1, 31, 10, 30, tzinfo=paris)

    # then
    assert DateTime.serialize(instant) == "2026-01-31T09:30:00+00:00"
    assert DateTime.serialize(instant.replace(microsecond=250000)) == (
        "2026-01-31T09:30:00.250000+00:00"
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-01-31T09:30:00Z", datetime.datetime(2026, 1, 31, 9, 30, tzinfo=datetime.UTC)),
        ("2026-01-31T10:30:00+01:00", datetime.datetime(2026, 1, 31, 9, 30, tzinfo=datetime.UTC)),
        ("2026-01-31T09:30", datetime.datetime(2026, 1, 31, 9, 30, tzinfo=datetime.UTC)),
        ("2026-01-31", datetime.datetime(2026, 1, 31, tzinfo=datetime.UTC)),
    ],
)
def test_inputs_it_accepts(text, expected):
    # when
    parsed = DateTime.parse_literal(StringValueNode(value=text))

    # then
    assert parsed == expected
    assert parsed.tzinfo is not None


def test_a_bad_date_in_a_variable_says_the_format(api, make_user):
    # given
    api.authenticate(make_user("alice"))

    # when
    result = api.execute(FILTERED, {"after": "yesterday"})

    # then
    assert error_codes(result) == ["BAD_USER_INPUT"]
    assert DATETIME_EXPECTED in result["errors"][0]["message"]
    assert "'yesterday'" in result["errors"][0]["message"]


def test_a_bad_date_in_the_document_says_the_format(api, make_user):
    # given
    api.authenticate(make_user("alice"))

    # when
    result = api.execute('{ organizations(createdAfter: "31/01/2026") { totalCount } }')

    # then
    assert error_codes(result) == ["GRAPHQL_VALIDATION_FAILED"]
    assert DATETIME_EXPECTED in result["errors"][0]["message"]


def test_a_number_is_no_date(api, make_user):
    # given
    api.authenticate(make_user("alice"))

    # when
    result = api.execute(FILTERED, {"after": 1769851800})

    # then
    assert error_codes(result) == ["BAD_USER_INPUT"]
    assert DATETIME_EXPECTED in result["errors"][0]["message"]


def test_a_date_without_offset_filters_as_utc(api, make_user, make_organization):
    # given
    alice = make_user("alice")
    make_organization(alice, name="Acme")
    api.authenticate(alice)

    # when
    future = api.execute(FILTERED, {"after": "2999-01-01T00:00"})
    past = api.execute(FILTERED, {"after": "2000-01-01"})

    # then
    assert future["data"]["organizations"]["totalCount"] == 0
    assert past["data"]["organizations"]["totalCount"] == 1
