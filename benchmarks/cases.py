"""The benchmark cases: one HTTP request each, and how to tell its answer is a success.

A request body may hold the placeholder VALUE, replaced per request: a fresh
refresh token (refreshToken rotates, so each is spent once) or a unique
organization name (createOrganization).

The page cases run on both data shapes (benchmarks/conf.py, SHAPES); the deep
page and the mutations do not depend on the members, so they run on shape A only.
"""

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from benchmarks.conf import MEMBERS_PER_ORGANIZATION, PAGE_SIZE, SHAPES, Shape

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
# The flat page again, after a keyset cursor: the deep page.
DEEP_PAGE = """
query Deep($first: Int!, $after: String!) {
  organizations(first: $first, after: $after) {
    totalCount
    edges { node { id name slug description contactEmail website isActive createdAt } }
  }
}
"""
# How the harness finds the deep page's cursor: walking the pages before it.
PAGE_END_CURSOR = """
query Walk($first: Int!, $after: String) {
  organizations(first: $first, after: $after) { pageInfo { endCursor hasNextPage } }
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

    username: str  # who tokenAuth signs in (never the reader: sign-ins end old sessions)
    password: str
    access_token: str  # the reader's: every page case
    writer_access_token: str  # createOrganization's, so the reader's pages never change
    visible: int  # organizations the reader sees
    shape: Shape = SHAPES["A"]
    pbkdf2_username: str = ""  # tokenAuth-pbkdf2's user (the reader's password)
    deep_page: int = 1  # DRF's page number of the deep page
    deep_cursor: str = ""  # GraphQL's cursor of the same page


@dataclass(frozen=True)
class Case:
    name: str
    description: str
    method: str
    # A path, or the path for a context (the shape's DRF view, the deep page's number).
    path: str | Callable[[Context], str]
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
    # The data shapes it runs on.
    shapes: tuple[str, ...] = ("A", "B")
    # "main", or "pbkdf2": the second server, whose preferred hasher is PBKDF2.
    server: str = "main"
    # The shortest run worth measuring: a sign-in takes a large part of a second.
    min_seconds: int = 1
    # Its new organizations are removed after each run, so that every round reads
    # the seeded data (benchmarks.seed.written_organizations_remove).
    writes_organizations: bool = False

    def url_path(self, context: Context) -> str:
        return self.path(context) if callable(self.path) else self.path

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


def _page_check(nested: bool, *, first: int = PAGE_SIZE, deep: bool = False):
    def check(context: Context, result: Any) -> str | None:
        problem = graphql_errors(result)
        if problem:
            return problem
        page = result["data"]["organizations"]
        if page["totalCount"] != context.visible:
            return f"totalCount {page['totalCount']} != {context.visible}"
        before = (context.deep_page - 1) * PAGE_SIZE if deep else 0
        if len(page["edges"]) != min(first, context.visible - before):
            return f"{len(page['edges'])} organizations on the page"
        if nested and not all(edge["node"]["members"]["edges"] for edge in page["edges"]):
            return "an organization without members"
        return None

    return check


def _reference_check(nested: bool, *, deep: bool = False):
    def check(context: Context, result: Any) -> str | None:
        if not isinstance(result, dict) or "results" not in result:
            return f"not a page: {result!r:.200}"
        if result["count"] != context.visible:
            return f"count {result['count']} != {context.visible}"
        before = (context.deep_page - 1) * PAGE_SIZE if deep else 0
        if len(result["results"]) != min(PAGE_SIZE, context.visible - before):
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


def deep_page_body(context: Context) -> str:
    return graphql_body(DEEP_PAGE, {"first": PAGE_SIZE, "after": context.deep_cursor})


def _sign_in_body(username: Callable[[Context], str]) -> Callable[[Context], str]:
    return lambda context: graphql_body(
        TOKEN_AUTH, {"username": username(context), "password": context.password}
    )


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
        name="graphql-deep",
        description="the flat page after the first 900 organizations, by keyset cursor",
        method="POST",
        path="/graphql/",
        body=deep_page_body,
        auth="reader",
        mode="static",
        check=_page_check(nested=False, deep=True),
        group="page",
        shapes=("A",),
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
        description="DRF, nested serializer of the members, prefetched (the shape's own)",
        method="GET",
        path=lambda context: context.shape.drf_nested_path,
        body=None,
        auth="reader",
        mode="static",
        check=_reference_check(nested=True),
        group="reference",
    ),
    Case(
        name="drf-deep",
        description="DRF's flat page 19 by page number (?page=19)",
        method="GET",
        path=lambda context: f"/bench/drf/organizations/?page={context.deep_page}",
        body=None,
        auth="reader",
        mode="static",
        check=_reference_check(nested=False, deep=True),
        group="reference",
        shapes=("A",),
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
        name="strawberry-flat",
        description="strawberry-django + its optimizer: the graphql-flat document",
        method="POST",
        path="/bench/strawberry/",
        body=page_body(FLAT_PAGE),
        auth="reader",
        mode="static",
        check=_page_check(nested=False),
        group="reference",
    ),
    Case(
        name="strawberry-nested",
        description="strawberry-django + its optimizer: the graphql-nested document",
        method="POST",
        path="/bench/strawberry/",
        body=page_body(NESTED_PAGE),
        auth="reader",
        mode="static",
        check=_page_check(nested=True),
        group="reference",
    ),
    Case(
        name="tokenAuth",
        description="sign in with a password (the configured hasher: Argon2id, accounts/hashers)",
        method="POST",
        path="/graphql/",
        body=_sign_in_body(lambda context: context.username),
        auth=None,
        mode="static",
        check=_mutation_check("tokenAuth", "token", "refreshToken"),
        group="mutation",
        shapes=("A",),
        min_seconds=3,
    ),
    Case(
        name="tokenAuth-pbkdf2",
        description="the same sign-in on a server preferring PBKDF2 (1,000,000 iterations)",
        method="POST",
        path="/graphql/",
        body=_sign_in_body(lambda context: context.pbkdf2_username),
        auth=None,
        mode="static",
        check=_mutation_check("tokenAuth", "token", "refreshToken"),
        group="mutation",
        shapes=("A",),
        server="pbkdf2",
        min_seconds=3,
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
        shapes=("A",),
    ),
    Case(
        name="verifyToken",
        description="verify an access token (decode + load the user)",
        method="POST",
        path="/graphql/",
        # The writer's token: a user no case signs in as (a sign-in past
        # SESSIONS_PER_USER_MAX ends that user's oldest session and its tokens).
        body=lambda context: graphql_body(VERIFY_TOKEN, {"token": context.writer_access_token}),
        auth=None,
        mode="static",
        check=_mutation_check("verifyToken", "claims"),
        group="mutation",
        shapes=("A",),
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
        shapes=("A",),
        writes_organizations=True,
    ),
)
CASES_BY_NAME = {case.name: case for case in CASES}
# The order of the runs within a round: each ratio's two cases close together,
# so a ratio taken within one round compares runs seconds apart.
RUN_ORDER = (
    "floor-flat",
    "drf-deep",
    "drf-flat",
    "graphql-flat",
    "graphql-deep",
    "strawberry-flat",
    "floor-nested",
    "drf-nested",
    "graphql-nested",
    "strawberry-nested",
    "tokenAuth",
    "tokenAuth-pbkdf2",
    "refreshToken",
    "verifyToken",
    "createOrganization",
)
# The ratios of req/s the report gives: (case, the case it is measured against).
RATIOS = (
    ("graphql-flat", "drf-flat"),
    ("graphql-flat", "floor-flat"),
    ("graphql-flat", "strawberry-flat"),
    ("graphql-nested", "drf-nested"),
    ("graphql-nested", "floor-nested"),
    ("graphql-nested", "strawberry-nested"),
    ("graphql-deep", "graphql-flat"),
    ("graphql-deep", "drf-deep"),
    ("drf-deep", "drf-flat"),
    ("drf-flat", "floor-flat"),
    ("strawberry-flat", "drf-flat"),
    ("strawberry-nested", "drf-nested"),
    ("tokenAuth", "tokenAuth-pbkdf2"),
)
