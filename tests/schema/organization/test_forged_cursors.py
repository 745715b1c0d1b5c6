"""Forged cursors through the API: BAD_USER_INPUT on both lists, never a 500 from the database.

Each value here passed the cursor's shape checks once and then failed in SQL
(an id past 64 bits, a NUL, a lone surrogate, an instant that overflows in
UTC, JSON nested past Python's recursion limit).
"""

import base64
import json

import pytest
from graphql_relay import to_global_id

from organization.selectors import MEMBERSHIP_KEYSET, organization_keyset
from tests.conftest import error_codes

BY_NAME = organization_keyset()

ORGANIZATIONS = """
query($after: String, $before: String) {
  organizations(first: 5, after: $after, before: $before) { edges { node { name } } }
}
"""
MEMBERS = """
query($id: ID!, $after: String, $before: String) {
  organization(by: {id: $id}) {
    members(first: 5, after: $after, before: $before) { edges { node { role } } }
  }
}
"""


def forged(payload: list | str) -> str:
    text = payload if isinstance(payload, str) else json.dumps(payload)
    return base64.urlsafe_b64encode(text.encode("utf-8", "surrogatepass")).decode().rstrip("=")


def organization_cursors(signature: str) -> list[str]:
    return [
        forged([1, signature, ["acme", 2**63]]),
        forged([1, signature, ["acme", 10**30]]),
        forged([1, signature, ["ac\x00me", 1]]),  # NUL
        forged(f'[1, "{signature}", ["\\ud800", 1]]'),
        "[" * 1500,
        forged("[" * 1500),
    ]


def member_cursors(signature: str) -> list[str]:
    # The last value is the organization's id (its scope): checked like the others.
    return [
        forged([1, signature, ["0001-01-01T00:00:00+01:00", 1], 1]),
        forged([1, signature, ["9999-12-31T23:59:59-14:00", 1], 1]),
        forged([1, signature, ["2025-01-01T00:00:00+00:00", 2**64], 1]),
        forged([1, signature, ["2025-01-01T00:00:00+00:00", 1], 2**64]),
        forged([1, signature, ["2025-01-01T00:00:00+00:00", 1], "1"]),
        forged([1, signature, ["2025-01-01T00:00:00+00:00", 1], None]),
        forged([1, signature, ["2025-01-01T00:00:00+00:00", 1], 1, 1]),
    ]


@pytest.mark.parametrize("argument", ["after", "before"])
@pytest.mark.parametrize("cursor", organization_cursors(BY_NAME.signature))
def test_a_forged_organizations_cursor_is_bad_user_input(
    api, make_user, make_organization, argument, cursor
):
    # given
    alice = make_user("alice")
    make_organization(alice, name="Acme")
    api.authenticate(alice)

    # when
    result = api.execute(ORGANIZATIONS, {argument: cursor})

    # then
    assert error_codes(result) == ["BAD_USER_INPUT"]
    assert result["errors"][0]["message"].startswith(f"`{argument}` is not a cursor of this list")


@pytest.mark.parametrize("argument", ["after", "before"])
@pytest.mark.parametrize("cursor", member_cursors(MEMBERSHIP_KEYSET.signature))
def test_a_forged_members_cursor_is_bad_user_input(
    api, make_user, make_organization, argument, cursor
):
    # given
    alice = make_user("alice")
    acme = make_organization(alice, name="Acme")
    api.authenticate(alice)

    # when
    result = api.execute(MEMBERS, {"id": to_global_id("Organization", acme.pk), argument: cursor})

    # then
    assert error_codes(result) == ["BAD_USER_INPUT"]
    assert result["errors"][0]["message"].startswith(f"`{argument}` is not a cursor of this list")
