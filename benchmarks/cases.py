"""The benchmark cases: one HTTP request each, and how to tell its answer is a success.

A request body may hold the placeholder VALUE, replaced per request: a fresh
refresh token (refreshToken rotates, so each is spent once) or a unique
organization name (createOrganization).
"""

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from benchmarks.conf import MEMBERS_PER_ORGANIZATION, PAGE_SIZE

VALUE = "@VALUE@"

FLAT_PAGE = """
query Flat($first: Int!) {
  organizations(first: $first) {
    totalCount
    edges { node { id name slug description contactEmail website isActive createdAt } }
  }
}
"""
NESTED_PAGE = """
query Nested($first: Int!, $members: Int!) {
  organizations(first: $first) {
    totalCount
    edges { node { id name slug description contactEmail website isActive createdAt
      members(first: $members) { edges { node { role user { username } } } }
    } }
  }
}
"""
TOKEN_AUTH = """
mutation SignIn($username: String!, $password: String!) {
  tokenAuth(username: $username, password: $password) {
    token tokenExpiresAt refreshToken refreshTokenExpiresAt
  }
}
"""
REFRESH_TOKEN = """
mutation Refresh($refreshToken: String!) {
  refreshToken(refreshToken: $refreshToken) {
    token tokenExpiresAt refreshToken refreshTokenExpiresAt
  }
}
"""
VERIFY_TOKEN = """
mutation Verify($token: String!) {
  verifyToken(token: $token) { claims { userId tokenId expiresAt } }
}
"""
CREATE_ORGANIZATION = """
mutation Create($name: String!) {
  createOrganization(name: $name) {
    organization { id name slug myRole }
    errors { field code messages }
  }
}
"""


@dataclass(frozen=True)
class Context:
    """What the seed made that the cases need."""

    username: str
    password: str
    access_token: str  # the reader's: every page case
    writer_access_token: str  # createOrganization's, so the reader's pages never change
    visible: int  # organizations the reader sees


@dataclass(frozen=True)
class Case:
    name: str
    description: str
    method: str
    path: str
    # The JSON body (may contain VALUE); None for a GET.
    body: Callable[[Context], str] | None
    # "reader", "writer" or None: whose access token goes in the Authorization header.
    auth: str | None
    # "static" (the same request each time), "values" (VALUE from a file of
    # one-use values) or "unique" (VALUE is a unique name).
    mode: str
    # The reason an answer is not the expected success, or None.
    check: Callable[[Context, Any], str | None]
    group: str  # "page", "reference" or "mutation"

    def authorization(self, context: Context) -> str:
        if self.auth is None:
            return ""
        token = context.access_token if self.auth == "reader" else context.writer_access_token
        return f"Bearer {token}"


def graphql_body(query: str, variables: dict[str, Any]) -> str:
    return json.dumps({"query": query, "variables": variables}, separators=(",", ":"))


def graphql_errors(result: Any) -> str | None:
    if not isinstance(result, dict):
        return f"not a JSON object: {result!r:.200}"
    if result.get("errors"):
        return f"GraphQL errors: {result['errors']!r:.300}"
    if not result.get("data"):
        return "no data"
    return None


def _page_check(nested: bool, *, first: int = PAGE_SIZE):
    def check(context: Context, result: Any) -> str | None:
        problem = graphql_errors(result)
        if problem:
            return problem
        page = result["data"]["organizations"]
        if page["totalCount"] != context.visible:
            return f"totalCount {page['totalCount']} != {context.visible}"
        if len(page["edges"]) != min(first, context.visible):
            return f"{len(page['edges'])} organizations on the page"
        if nested and not all(edge["node"]["members"]["edges"] for edge in page["edges"]):
            return "an organization without members"
        return None

    return check


def _reference_check(nested: bool):
    def check(context: Context, result: Any) -> str | None:
        if not isinstance(result, dict) or "results" not in result:
            return f"not a page: {result!r:.200}"
        if result["count"] != context.visible:
            return f"count {result['count']} != {context.visible}"
        if len(result["results"]) != min(PAGE_SIZE, context.visible):
            return f"{len(result['results'])} organizations on the page"
        if nested and not all(row["members"] for row in result["results"]):
            return "an organization without members"
        return None

    return check


def _mutation_check(field: str, *required: str):
    def check(context: Context, result: Any) -> str | None:
        problem = graphql_errors(result)
        if problem:
            return problem
        payload = result["data"][field]
        if payload is None:
            return f"{field} is null"
        if payload.get("errors"):
            return f"{field} errors: {payload['errors']!r:.300}"
        missing = [name for name in required if not payload.get(name)]
        return f"{field} lacks {missing}" if missing else None

    return check


def page_variables(first: int = PAGE_SIZE) -> dict[str, int]:
    return {"first": first, "members": MEMBERS_PER_ORGANIZATION}


def page_body(query: str) -> Callable[[Context], str]:
    return lambda context: graphql_body(query, page_variables())


CASES: tuple[Case, ...] = (
    Case(
        name="graphql-flat",
        description="organizations(first: 50): 8 scalar fields and totalCount",
        method="POST",
        path="/graphql/",
        body=page_body(FLAT_PAGE),
        auth="reader",
        mode="static",
        check=_page_check(nested=False),
        group="page",
    ),
    Case(
        name="graphql-nested",
        description="the same page with members(first: 10) { role user { username } }",
        method="POST",
        path="/graphql/",
        body=page_body(NESTED_PAGE),
        auth="reader",
        mode="static",
        check=_page_check(nested=True),
        group="page",
    ),
    Case(
        name="drf-flat",
        description="DRF ListAPIView + simplejwt, ModelSerializer of the 8 fields, page of 50",
        method="GET",
        path="/bench/drf/organizations/",
        body=None,
        auth="reader",
        mode="static",
        check=_reference_check(nested=False),
        group="reference",
    ),
    Case(
        name="drf-nested",
        description="DRF, nested serializer of the first 10 members, prefetched",
        method="GET",
        path="/bench/drf/organizations-with-members/",
        body=None,
        auth="reader",
        mode="static",
        check=_reference_check(nested=True),
        group="reference",
    ),
    Case(
        name="floor-flat",
        description="plain Django view: decode JWT, load user, count, .values() page",
        method="GET",
        path="/bench/floor/organizations/",
        body=None,
        auth="reader",
        mode="static",
        check=_reference_check(nested=False),
        group="reference",
    ),
    Case(
        name="floor-nested",
        description="plain Django view, members by one .values_list() query",
        method="GET",
        path="/bench/floor/organizations-with-members/",
        body=None,
        auth="reader",
        mode="static",
        check=_reference_check(nested=True),
        group="reference",
    ),
    Case(
        name="tokenAuth",
        description="sign in with a password (Argon2id, m=19456 KiB t=2 p=1: accounts/hashers.py)",
        method="POST",
        path="/graphql/",
        body=lambda context: graphql_body(
            TOKEN_AUTH, {"username": context.username, "password": context.password}
        ),
        auth=None,
        mode="static",
        check=_mutation_check("tokenAuth", "token", "refreshToken"),
        group="mutation",
    ),
    Case(
        name="refreshToken",
        description="rotate a refresh token (a fresh one per request)",
        method="POST",
        path="/graphql/",
        body=lambda context: graphql_body(REFRESH_TOKEN, {"refreshToken": VALUE}),
        auth=None,
        mode="values",
        check=_mutation_check("refreshToken", "token", "refreshToken"),
        group="mutation",
    ),
    Case(
        name="verifyToken",
        description="verify an access token (decode + load the user)",
        method="POST",
        path="/graphql/",
        # The writer's token: the tokenAuth case signs the reader in past
        # SESSIONS_PER_USER_MAX, which ends the reader's first session and its token.
        body=lambda context: graphql_body(VERIFY_TOKEN, {"token": context.writer_access_token}),
        auth=None,
        mode="static",
        check=_mutation_check("verifyToken", "claims"),
        group="mutation",
    ),
    Case(
        name="createOrganization",
        description="create an organization with a unique name (a second user)",
        method="POST",
        path="/graphql/",
        body=lambda context: graphql_body(CREATE_ORGANIZATION, {"name": VALUE}),
        auth="writer",
        mode="unique",
        check=_mutation_check("createOrganization", "organization"),
        group="mutation",
    ),
)
CASES_BY_NAME = {case.name: case for case in CASES}
# The order of the runs within a round: each ratio's two cases next to each
# other, so a ratio taken within one round compares runs seconds apart.
RUN_ORDER = (
    "graphql-flat",
    "drf-flat",
    "floor-flat",
    "graphql-nested",
    "drf-nested",
    "floor-nested",
    "tokenAuth",
    "refreshToken",
    "verifyToken",
    "createOrganization",
)
# The ratios the targets are about: (case, reference).
RATIOS = (
    ("graphql-flat", "drf-flat"),
    ("graphql-flat", "floor-flat"),
    ("graphql-nested", "drf-nested"),
    ("graphql-nested", "floor-nested"),
    ("drf-flat", "floor-flat"),
)
