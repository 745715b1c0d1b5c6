"""Slugs are public names, unique across the service (README, "Organizations")."""

from tests.conftest import error_codes

SLUG_QUERY = "query($slug: String!) { organization(slug: $slug) { id } }"
CREATE_WITH_SLUG = """
mutation($name: String!, $slug: String) {
  createOrganization(name: $name, slug: $slug) { organization { slug } errors { field code } }
}
"""


def test_slugs_are_public_names_but_what_they_name_stays_hidden(api, make_user, make_organization):
    # given: bob's organization, which alice cannot see
    make_organization(make_user("bob"), name="Bravo Inc")
    api.authenticate(make_user("alice"))

    # when
    derived = api.execute(CREATE_WITH_SLUG, {"name": "Bravo Inc"})
    explicit = api.execute(CREATE_WITH_SLUG, {"name": "Mine", "slug": "bravo-inc"})
    looked_up = api.execute(SLUG_QUERY, {"slug": "bravo-inc"})
    nobody_holds = api.execute(SLUG_QUERY, {"slug": "nobody-holds-this"})

    # then: the name is taken, as on GitHub (README, "Organizations") ...
    assert derived["data"]["createOrganization"]["organization"] == {"slug": "bravo-inc-2"}
    errors = explicit["data"]["createOrganization"]["errors"]
    assert errors == [{"field": "slug", "code": "UNIQUE"}]
    # ... and the organization behind it is as absent as one that does not exist
    assert error_codes(looked_up) == error_codes(nobody_holds) == ["NOT_FOUND"]
    assert looked_up["errors"][0]["message"] == nobody_holds["errors"][0]["message"]
