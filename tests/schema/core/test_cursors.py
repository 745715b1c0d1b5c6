"""Keyset cursors: exact round trips, and clear refusals of anything else."""

import base64
import json
from datetime import UTC, datetime, timedelta, timezone

import pytest
from graphql_relay import offset_to_cursor

from organization.selectors import MEMBERSHIP_KEYSET, organization_keyset
from schema.core.cursors import (
    CURSOR_MAX_LENGTH,
    cursor_decode,
    cursor_encode,
    cursor_scope_check,
)
from schema.core.errors import ApiError

BY_NAME = organization_keyset([("name", False)])
BY_CREATED_DESC = organization_keyset([("created_at", True)])


def refusal(cursor: str, keyset=BY_NAME, *, scoped: bool = False) -> ApiError:
    with pytest.raises(ApiError) as refused:
        cursor_decode(cursor, keyset, argument="after", scoped=scoped)
    assert refused.value.extensions == {"code": "BAD_USER_INPUT"}
    return refused.value


def raw_cursor(payload) -> str:
    return base64.urlsafe_b64encode(json.dumps(payload).encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    ("keyset", "values"),
    [
        (BY_NAME, ('äpfel "quoted" \\ ünïcode 🍎', 7)),
        (BY_CREATED_DESC, (datetime(2024, 2, 29, 23, 59, 59, 999999, tzinfo=UTC), 12)),
        (BY_CREATED_DESC, (datetime(2024, 1, 1, tzinfo=timezone(timedelta(hours=-5))), 1)),
        (MEMBERSHIP_KEYSET, (datetime(2025, 6, 1, 8, 0, 0, 1, tzinfo=UTC), 2**62)),
    ],
)
def test_a_cursor_gives_back_its_values_exactly(keyset, values):
    # when
    cursor = cursor_encode(keyset, values)

    # then: microseconds and offsets survive; the cursor is URL-safe with no padding
    assert cursor_decode(cursor, keyset, argument="after") == (values, None)
    assert set(cursor) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


def test_an_offset_cursor_of_earlier_versions_is_refused_as_such():
    # when
    error = refusal(offset_to_cursor(40))

    # then
    assert error.message.startswith("`after` is an offset cursor from an earlier version")


def test_a_cursor_of_another_order_or_list_is_refused_as_such():
    # given
    by_name = cursor_encode(BY_NAME, ("acme", 3))
    member = cursor_encode(MEMBERSHIP_KEYSET, (datetime(2025, 1, 1, tzinfo=UTC), 3))

    # when
    errors = [
        refusal(by_name, BY_CREATED_DESC),
        refusal(by_name, organization_keyset([("name", True)])),
        refusal(member, BY_CREATED_DESC),
    ]

    # then
    for error in errors:
        assert "was made for another list or another `orderBy`" in error.message


JOINED = (datetime(2025, 6, 1, 8, 0, 0, 1, tzinfo=UTC), 2)


@pytest.mark.parametrize("scope", [1, 2**63 - 1, -(2**63)])
def test_a_cursor_of_an_objects_list_gives_back_that_objects_id(scope):
    # when
    cursor = cursor_encode(MEMBERSHIP_KEYSET, JOINED, scope=scope)

    # then
    assert cursor_decode(cursor, MEMBERSHIP_KEYSET, argument="after", scoped=True) == (
        JOINED,
        scope,
    )


def test_a_cursor_of_another_objects_list_is_refused_as_such():
    # given
    cursor = cursor_encode(MEMBERSHIP_KEYSET, JOINED, scope=7)
    _, scope = cursor_decode(cursor, MEMBERSHIP_KEYSET, argument="before", scoped=True)

    # when
    with pytest.raises(ApiError) as refused:
        cursor_scope_check(scope, 8, argument="before", owner="organization")

    # then
    assert refused.value.extensions == {"code": "BAD_USER_INPUT"}
    assert refused.value.message.startswith(
        "`before` was made for another organization's list: pass a cursor this "
        "organization's list gave out"
    )
    cursor_scope_check(scope, 7, argument="before", owner="organization")


def test_a_cursor_without_its_objects_id_is_refused_as_one_of_an_earlier_version():
    # given: a members cursor as given out before cursors named their organization
    cursor = raw_cursor([1, MEMBERSHIP_KEYSET.signature, ["2025-06-01T08:00:00+00:00", 2]])

    # when
    error = refusal(cursor, MEMBERSHIP_KEYSET, scoped=True)

    # then
    assert error.message.startswith("`after` is a cursor from an earlier version of this API")


@pytest.mark.parametrize(
    ("payload", "scoped"),
    [
        ([1, MEMBERSHIP_KEYSET.signature, ["2025-06-01T08:00:00+00:00", 2], 7], False),
        ([1, MEMBERSHIP_KEYSET.signature, ["2025-06-01T08:00:00+00:00", 2], 7, 7], True),
        ([1, MEMBERSHIP_KEYSET.signature, ["2025-06-01T08:00:00+00:00", 2], "7"], True),
        ([1, MEMBERSHIP_KEYSET.signature, ["2025-06-01T08:00:00+00:00", 2], 7.0], True),
        ([1, MEMBERSHIP_KEYSET.signature, ["2025-06-01T08:00:00+00:00", 2], None], True),
        ([1, MEMBERSHIP_KEYSET.signature, ["2025-06-01T08:00:00+00:00", 2], 2**63], True),
        ([1, MEMBERSHIP_KEYSET.signature, ["2025-06-01T08:00:00+00:00", 2], True], True),
    ],
)
def test_a_malformed_scope_is_refused_with_a_clear_message(payload, scoped):
    # when
    error = refusal(raw_cursor(payload), MEMBERSHIP_KEYSET, scoped=scoped)

    # then
    assert error.message.startswith("`after` is not a cursor of this list")


@pytest.mark.parametrize(
    "cursor",
    [
        "",
        "not a cursor!",
        "bm90IGpzb24",  # "not json"
        raw_cursor({"v": 1}),
        raw_cursor([2, BY_NAME.signature, ["acme", 3]]),  # another version
        raw_cursor([1, BY_NAME.signature, ["acme"]]),  # a value short
        raw_cursor([1, BY_NAME.signature, ["acme", "3"]]),  # id as text
        raw_cursor([1, BY_NAME.signature, ["acme", True]]),
        raw_cursor([1, BY_NAME.signature, [None, 3]]),
        raw_cursor([1, BY_CREATED_DESC.signature, ["2025-01-01T00:00:00", 3]]),  # naive
        raw_cursor([1, BY_CREATED_DESC.signature, ["yesterday", 3]]),
        raw_cursor([1, BY_NAME.signature, ["a" * CURSOR_MAX_LENGTH, 3]]),  # too long
        base64.b64encode(b"\xff\xfe").decode(),  # not UTF-8
        # Values the database could not compare: each a 500 before they were checked.
        raw_cursor([1, BY_NAME.signature, ["acme", 2**63]]),  # past a 64-bit id
        raw_cursor([1, BY_NAME.signature, ["acme", -(2**63) - 1]]),
        raw_cursor([1, BY_NAME.signature, ["ac\x00me", 3]]),  # NUL: PostgreSQL refuses it
        raw_cursor([1, BY_NAME.signature, ["\ud800", 3]]),  # a lone surrogate
        raw_cursor([1, BY_CREATED_DESC.signature, ["0001-01-01T00:00:00+01:00", 3]]),
        raw_cursor([1, BY_CREATED_DESC.signature, ["9999-12-31T23:59:59-01:00", 3]]),
        base64.urlsafe_b64encode(b"[" * 1500).decode(),  # JSON nested past the recursion limit
    ],
)
def test_a_malformed_cursor_is_refused_with_a_clear_message(cursor):
    # given
    keyset = BY_CREATED_DESC if BY_CREATED_DESC.signature in _text(cursor) else BY_NAME

    # when
    error = refusal(cursor, keyset)

    # then
    assert error.message.startswith("`after` is not a cursor of this list")


def _text(cursor: str) -> str:
    try:
        return base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except ValueError:
        return ""


def test_the_extreme_values_a_database_can_compare_are_accepted():
    # given: the widest id and the first and last instants in UTC
    cursors = [
        (BY_NAME, ("acme", 2**63 - 1)),
        (BY_NAME, ("acme", -(2**63))),
        (BY_CREATED_DESC, (datetime(1, 1, 1, tzinfo=UTC), 1)),
        (BY_CREATED_DESC, (datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC), 1)),
    ]

    # when / then
    for keyset, values in cursors:
        assert cursor_decode(cursor_encode(keyset, values), keyset, argument="after") == (
            values,
            None,
        )
