"""Bounded data: every free-text field of an organization refuses one character too many."""

import pytest
from django.core.exceptions import ValidationError
from django.db import DataError, connection, transaction

from organization.models import DESCRIPTION_MAX_LENGTH, Organization
from organization.services import organization_create, organization_update


def codes(error: ValidationError) -> dict[str, list[str]]:
    return {field: [e.code for e in errors] for field, errors in error.error_dict.items()}


def email_of_length(length: int) -> str:
    domain = "@example.com"
    return "a" * (length - len(domain)) + domain


def url_of_length(length: int) -> str:
    prefix = "https://example.com/"
    return prefix + "p" * (length - len(prefix))


# (field, a valid value of the field's maximum length, its maximum)
AT_THE_LIMIT = [
    ("name", lambda n: "n" * n, 200),
    ("slug", lambda n: "s" * n, 220),
    ("description", lambda n: "d" * n, DESCRIPTION_MAX_LENGTH),
    ("contact_email", email_of_length, 254),
    ("website", url_of_length, 200),
]
FIELDS = [case[0] for case in AT_THE_LIMIT]


@pytest.mark.parametrize(("field", "value_of_length", "limit"), AT_THE_LIMIT, ids=FIELDS)
def test_create_takes_each_field_at_its_limit(make_user, field, value_of_length, limit):
    # given
    fields = {"name": "Acme", field: value_of_length(limit)}

    # when
    organization = organization_create(user=make_user("alice"), **fields)

    # then
    organization.refresh_from_db()
    assert len(getattr(organization, field)) == limit


@pytest.mark.parametrize(("field", "value_of_length", "limit"), AT_THE_LIMIT, ids=FIELDS)
def test_create_refuses_each_field_one_past_its_limit(make_user, field, value_of_length, limit):
    # given
    fields = {"name": "Acme", field: value_of_length(limit + 1)}

    # when
    with pytest.raises(ValidationError) as raised:
        organization_create(user=make_user("alice"), **fields)

    # then
    assert codes(raised.value) == {field: ["max_length"]}
    assert not Organization.objects.exists()


@pytest.mark.parametrize(("field", "value_of_length", "limit"), AT_THE_LIMIT, ids=FIELDS)
def test_update_refuses_each_field_one_past_its_limit(
    make_user, make_organization, field, value_of_length, limit
):
    # given
    alice = make_user("alice")
    organization = make_organization(alice, name="Acme")

    # when
    with pytest.raises(ValidationError) as raised:
        organization_update(
            user=alice, organization=organization, **{field: value_of_length(limit + 1)}
        )
    accepted = organization_update(
        user=alice, organization=organization, **{field: value_of_length(limit)}
    )

    # then
    assert codes(raised.value) == {field: ["max_length"]}
    assert len(getattr(accepted, field)) == limit


def test_postgresql_refuses_a_longer_description_written_past_validation(
    make_user, make_organization
):
    # given: a write that skips validation (a script, a bug)
    if connection.vendor != "postgresql":
        pytest.skip("SQLite does not enforce varchar lengths")
    organization = make_organization(make_user("alice"))

    # when / then: the column's own bound holds
    with pytest.raises(DataError), transaction.atomic():
        Organization.objects.filter(pk=organization.pk).update(
            description="d" * (DESCRIPTION_MAX_LENGTH + 1)
        )
