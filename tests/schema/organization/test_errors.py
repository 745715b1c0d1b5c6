"""OrganizationErrorCode lists every code the organization domain can put in `errors`."""

import re

import pytest
from django.core.exceptions import ValidationError

from config.settings.base import BASE_DIR
from organization.models import Organization
from organization.services import EDITABLE_FIELDS
from schema import schema
from schema.organization.errors import ORGANIZATION_ERROR_CODES, OrganizationErrorCode

# Values that break each rule a field's Django validation can apply.
BAD_VALUES = [None, "", " ", "not a slug or e-mail or url!", "x" * 20_000, "ftp://x", "a@"]


def codes_in_source() -> set[str]:
    """Every literal `code="..."` in the organization domain's modules."""
    return {
        code
        for path in (BASE_DIR / "organization").glob("*.py")
        for code in re.findall(r"""code=["']([a-z_]+)["']""", path.read_text(encoding="utf-8"))
    }


def codes_of_model_validation() -> set[str]:
    """Every code full_clean raises for a bad value of an editable field."""
    codes = set()
    taken = Organization(name="Taken", slug="taken")
    taken.save()
    for field in EDITABLE_FIELDS:
        for value in [*BAD_VALUES, "taken"]:
            organization = Organization(name="Acme", slug="acme")
            setattr(organization, field, value)
            try:
                organization.full_clean()
            except ValidationError as error:
                codes |= {single.code for errors in error.error_dict.values() for single in errors}
    return codes


@pytest.mark.django_db
def test_every_code_the_domain_raises_is_listed():
    # given
    raised = codes_in_source() | codes_of_model_validation()

    # then
    assert {"last_owner", "not_member", "unique", "max_length", "blank", "invalid"} <= raised
    assert {code.upper() for code in raised} <= set(OrganizationErrorCode.__members__)


def test_the_sdl_enum_is_the_python_enum_each_value_described():
    # given
    published = schema.graphql_schema.get_type("OrganizationErrorCode")

    # then
    assert list(published.values) == list(OrganizationErrorCode.__members__)
    assert {name: value.description for name, value in published.values.items()} == (
        ORGANIZATION_ERROR_CODES
    )


def test_a_payload_error_carries_the_enum_code(api, make_user, make_organization):
    # given
    alice = make_user("alice")
    make_organization(alice, name="Taken", slug="taken")
    api.authenticate(alice)

    # when
    result = api.execute(
        'mutation { createOrganization(name: "Other", slug: "taken") '
        "{ organization { name } errors { field code messages } } }"
    )

    # then
    payload = result["data"]["createOrganization"]
    assert payload["organization"] is None
    assert [(e["field"], e["code"]) for e in payload["errors"]] == [("slug", "UNIQUE")]
