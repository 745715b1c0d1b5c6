"""Production posture: what the API shows a stranger when DJANGO_DEBUG is off (as in tests)."""

import pytest

from tests.conftest import error_codes


def test_introspection_is_off_by_default(api, db):
    # when
    result = api.execute("{ __schema { queryType { name } } }")

    # then: graphql-core's rule flags the field and the introspection type under it
    assert error_codes(result) == ["INTROSPECTION_DISABLED", "INTROSPECTION_DISABLED"]
    assert "data" not in result


def test_type_introspection_is_off_by_default(api, db):
    # when
    result = api.execute('{ __type(name: "User") { name } }')

    # then
    assert error_codes(result) == ["INTROSPECTION_DISABLED"]


def test_typename_works_with_introspection_off(api, db):
    # when: what Apollo and Relay add to every selection
    result = api.execute("{ __typename }")

    # then
    assert result == {"data": {"__typename": "Query"}}


def test_introspection_can_be_switched_on(api, db, settings):
    # given
    settings.GRAPHQL_INTROSPECTION_ENABLED = True

    # when
    result = api.execute("{ __schema { queryType { name } } }")

    # then
    assert result == {"data": {"__schema": {"queryType": {"name": "Query"}}}}


@pytest.mark.parametrize(
    ("query", "suggestion"),
    [
        ("{ mee { username } }", "Did you mean 'me'?"),
        ("{ me { usernam } }", "Did you mean 'username'?"),
        ('mutation { verifyToken(tokn: "x") { payload } }', "Did you mean 'token'?"),
        ("query($t: Strin!) { __typename }", "Did you mean 'String'?"),
    ],
)
def test_suggestions_are_hidden_by_default_and_shown_when_on(api, db, settings, query, suggestion):
    # when
    hidden = api.execute(query)
    settings.GRAPHQL_SUGGESTIONS_ENABLED = True
    shown = api.execute(query)

    # then
    assert error_codes(hidden)[:1] == ["GRAPHQL_VALIDATION_FAILED"]
    assert error_codes(shown) == error_codes(hidden)
    assert not any("Did you mean" in error["message"] for error in hidden["errors"])
    assert any(suggestion in error["message"] for error in shown["errors"])


def test_graphiql_is_off_by_default(client, db):
    # when: a browser opens /graphql/
    response = client.get("/graphql/", headers={"Accept": "text/html,*/*;q=0.8"})

    # then: no page, only the JSON answer to a request without a query
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/json")
    assert error_codes(response.json()) == ["BAD_REQUEST"]


def test_graphiql_when_on_loads_every_asset_from_static(client, db, settings):
    # given
    settings.GRAPHIQL_ENABLED = True

    # when
    response = client.get("/graphql/", headers={"Accept": "text/html"})

    # then
    assert response.status_code == 200
    page = response.content.decode()
    assert "/static/graphene_django_graphiql_static/graphiql.min.js" in page
    assert "/static/graphene_django/graphiql.js" in page
    assert "graphiqlHeaderEditorEnabled: true" in page
    for cdn in ("http://", "https://", "//cdn", "unpkg", "jsdelivr"):
        assert cdn not in page


def test_graphiql_raw_parameter_answers_json(client, db, settings):
    # given
    settings.GRAPHIQL_ENABLED = True

    # when
    browser_accept = "text/html,application/xhtml+xml,*/*;q=0.8"
    response = client.get("/graphql/?raw&query={__typename}", headers={"Accept": browser_accept})

    # then
    assert response.status_code == 200
    assert response.json() == {"data": {"__typename": "Query"}}
