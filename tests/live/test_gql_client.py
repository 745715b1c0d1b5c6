"""A real GraphQL client (gql over requests) against gunicorn, checked against schema.graphql."""

import pytest
from gql import Client, GraphQLRequest, gql
from gql.transport.exceptions import TransportQueryError
from gql.transport.requests import RequestsHTTPTransport
from graphql import GraphQLError

from config.settings.base import BASE_DIR
from tests.live.conftest import DEMO_PASSWORD, DEMO_USERNAME

pytestmark = pytest.mark.live

SCHEMA = (BASE_DIR / "schema.graphql").read_text(encoding="utf-8")

SIGN_IN = gql("""
mutation SignIn($username: String!, $password: String!) {
  tokenAuth(username: $username, password: $password) { token refreshToken }
}
""")
# The signed-in client's read and write.
READ = gql("""
query Organizations { organizations(first: 100) { totalCount edges { node { slug myRole } } } }
""")
WRITE = gql("""
mutation Create($name: String!) {
  createOrganization(name: $name) { organization { slug myRole } errors { field code } }
}
""")


def client(server, token: str | None = None) -> Client:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    transport = RequestsHTTPTransport(
        url=server.graphql_url, headers=headers, timeout=10, retries=0
    )
    # Documents are validated against the committed SDL before anything is sent.
    return Client(transport=transport, schema=SCHEMA)


def test_gql_client_signs_in_reads_and_writes(gunicorn_server):
    # given: signed in
    credentials = {"username": DEMO_USERNAME, "password": DEMO_PASSWORD}
    with client(gunicorn_server) as anonymous:
        signed_in = anonymous.execute(GraphQLRequest(SIGN_IN, variable_values=credentials))
    tokens = signed_in["tokenAuth"]

    # when
    with client(gunicorn_server, tokens["token"]) as session:
        before = session.execute(READ)["organizations"]
        written = session.execute(GraphQLRequest(WRITE, variable_values={"name": "Via gql"}))
        after = session.execute(READ)["organizations"]

    # then
    assert written["createOrganization"] == {
        "organization": {"slug": "via-gql", "myRole": "OWNER"},
        "errors": [],
    }
    assert before["totalCount"] > 0
    assert after["totalCount"] == before["totalCount"] + 1
    assert {"node": {"slug": "via-gql", "myRole": "OWNER"}} in after["edges"]


def test_gql_client_sees_coded_errors(gunicorn_server):
    # when: signed out, the read needs a sign-in
    with client(gunicorn_server) as anonymous, pytest.raises(TransportQueryError) as raised:
        anonymous.execute(READ)

    # then
    assert [error["extensions"]["code"] for error in raised.value.errors] == ["UNAUTHENTICATED"]


def test_gql_client_refuses_a_document_the_schema_file_does_not_allow(gunicorn_server):
    # when / then: checked on the client against schema.graphql, never sent
    with client(gunicorn_server) as anonymous, pytest.raises(GraphQLError):
        anonymous.execute(gql("query { noSuchField }"))
