"""The compiled plan of `organizations` (schema/organization/plans.py): the same answer as
graphql-core, byte for byte, and taken when it should be (a plan silently not taken
would pass every equivalence test)."""

import base64
import itertools
import json
import tracemalloc

import pytest
from django.conf import settings
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from accounts.query_templates import fixed_query_templates, query_templates
from accounts.request_context import request_context
from benchmarks.cases import FLAT_PAGE, NESTED_PAGE
from organization.models import DESCRIPTION_MAX_LENGTH, Membership, Organization

Role = Membership.Role

ORGANIZATION_FIELDS = "id name slug description contactEmail website isActive createdAt updatedAt"
MEMBERS = (
    "members(first: 3) { totalCount edges { cursor node { id role createdAt "
    "user { id username displayName } } } }"
)


@pytest.fixture
def world(make_user, make_organization):
    """Organizations of every shape: big and small pages, each role, a deleted member."""
    owner = make_user("owner")
    admin = make_user("admin")
    member = make_user("member")
    staff = make_user("staff", is_staff=True)
    gone = make_user("gone")
    crowd = [make_user(f"crowd{number:02}") for number in range(12)]
    make_organization(owner, name="Acme", description="Rockets", members={admin: Role.ADMIN})
    make_organization(
        admin,
        name="beta",
        website="https://beta.example",
        members={owner: Role.MEMBER, member: Role.MEMBER, gone: Role.ADMIN},
    )
    big = make_organization(member, name="Crowd", members={owner: Role.ADMIN})
    Membership.objects.bulk_create(
        Membership(organization=big, user=user, role=Role.MEMBER) for user in crowd
    )
    for number in range(6):
        make_organization(crowd[number], name=f"Delta {number}", members={owner: Role.MEMBER})
    make_organization(staff, name="Hidden")  # owner, admin, member see none of it
    Organization.objects.filter(name="Delta 3").update(is_active=False)
    gone.delete()
    return {"owner": owner, "admin": admin, "member": member, "staff": staff, "crowd": crowd[0]}


def answered(api, query, variables=None):
    """(the response body's bytes, whether a plan answered it)."""
    response = api.post(query, variables)
    log = request_context(response.wsgi_request).graphql_log
    return response.content, bool(log and log.planned)


def both_ways(api, query, variables=None):
    """The planned answer, graphql-core's answer, and whether the plan was taken."""
    planned, taken = answered(api, query, variables)
    with override_settings(GRAPHQL_PLANS_ENABLED=False):
        executed, taken_without = answered(api, query, variables)
    assert not taken_without
    return planned, executed, taken


DOCUMENTS = [
    # (document, variables)
    (f"{{ organizations {{ totalCount edges {{ node {{ {ORGANIZATION_FIELDS} }} }} }} }}", {}),
    (
        (
            f"{{ organizations(first: 3) {{ edges {{ cursor node {{ "
            f"{ORGANIZATION_FIELDS} myRole {MEMBERS} }} }} pageInfo {{ hasNextPage "
            f"hasPreviousPage startCursor endCursor }} }} }}"
        ),
        {},
    ),
    (
        (
            "{ organizations(last: 2) { pageInfo { hasNextPage hasPreviousPage "
            "startCursor endCursor __typename } edges { node { name } } } }"
        ),
        {},
    ),
    ("{ organizations(first: 4, offset: 2) { totalCount edges { node { name } } } }", {}),
    ("{ organizations(last: 2, offset: 1) { edges { node { name } } } }", {}),
    (
        (
            "{ organizations(first: 5, last: 2) { pageInfo { hasPreviousPage "
            "hasNextPage } edges { node { slug } } } }"
        ),
        {},
    ),
    (
        (
            "{ organizations(orderBy: [{field: CREATED_AT, direction: DESC}]) { "
            "edges { cursor node { name createdAt } } } }"
        ),
        {},
    ),
    (
        (
            "{ organizations(orderBy: [{field: UPDATED_AT}, {field: NAME, "
            "direction: DESC}], first: 3) { edges { node { name } } } }"
        ),
        {},
    ),
    (
        (
            "{ a: organizations(first: 1) { edges { node { n: name } } } b: "
            "organizations(first: 2) { c: totalCount } }"
        ),
        {},
    ),
    ("{ __typename organizations { __typename edges { __typename node { __typename id } } } }", {}),
    (
        (
            "query Q($s: Boolean!, $i: Boolean!) { organizations { edges { node { "
            "name @skip(if: $s) slug @include(if: $i) myRole } } } }"
        ),
        {"s": True, "i": False},
    ),
    (
        (
            "query Q($s: Boolean!, $i: Boolean!) { organizations { edges { node { "
            "name @skip(if: $s) slug @include(if: $i) myRole } } } }"
        ),
        {"s": False, "i": True},
    ),
    (
        (
            "query Q($first: Int, $m: Int) { organizations(first: $first) { edges { "
            "node { ...O } } } } fragment O on Organization { name members(first: "
            "$m) { ...M } } fragment M on MembershipConnection { totalCount edges { "
            "node { role user { ... on User { username } } } } }"
        ),
        {"first": 5, "m": 2},
    ),
    (
        "{ organizations { edges { node { ... on Organization { name } ... on Node { id } } } } }",
        {},
    ),
    (
        (
            "{ organizations { edges { node { members(last: 2) { pageInfo { "
            "hasPreviousPage hasNextPage startCursor endCursor } edges { node { "
            "role } } } } } } }"
        ),
        {},
    ),
    (
        (
            "{ organizations { edges { node { members(first: 20, last: 3) { "
            "pageInfo { hasPreviousPage hasNextPage } edges { node { user { "
            "username } } } } } } } }"
        ),
        {},
    ),
    (
        (
            "{ organizations { edges { node { a: members(first: 1) { totalCount } "
            "b: members(first: 1) { edges { node { id } } } c: members(first: 2) { "
            "edges { node { user { id __typename } } } } } } } }"
        ),
        {},
    ),
    ("{ organizations { edges { node { members { totalCount } } } } }", {}),
    (
        (
            "{ organizations(first: 0) { totalCount edges { node { name } } "
            "pageInfo { hasNextPage } } }"
        ),
        {},
    ),
    ("query { organizations(first: 2) { edges { node { name } } } }", {}),
    (
        (
            '{ organization(by: {slug: "acme"}) { id name myRole members { '
            "totalCount edges { node { role user { username } } } } } }"
        ),
        {},
    ),
    (
        (
            "query O($by: OrganizationLookup) { o: organization(by: $by) { ... on "
            "Organization { slug } m: members(last: 2) { pageInfo { startCursor } } "
            "} }"
        ),
        {"by": {"slug": "crowd"}},
    ),
    ('{ organization(slug: "beta") { name } organizations(first: 1) { totalCount } }', {}),
    (FLAT_PAGE, {"first": 50}),
    (NESTED_PAGE, {"first": 50, "members": 10}),
    (NESTED_PAGE, {"first": 2, "members": 1}),
]
VIEWERS = ["owner", "admin", "member", "staff", "crowd"]


@pytest.mark.parametrize(("document", "variables"), DOCUMENTS)
def test_plan_answers_as_graphql_core_does_for_every_viewer(api, world, document, variables):
    # Two rounds: the first viewers' requests make the query templates
    # (accounts/query_templates.py), so one viewer's template answers the others.
    for viewer in VIEWERS * 2:
        # given
        api.authenticate(world[viewer])

        # when
        planned, executed, taken = both_ways(api, document, variables)

        # then
        assert planned == executed, (viewer, planned, executed)
        # An organization the viewer may not see is NOT_FOUND: graphql-core words that.
        assert taken != (b'"errors"' in planned), (viewer, document)
    # Every organizations page is templated but keyset_page's two queries (`offset`, `last`).
    if "organizations" in document and "edges" in document and "offset: 1" not in document:
        assert query_templates.used["organizations"] > 0


def test_plan_answers_the_operation_named(api, world):
    # given
    api.authenticate(world["owner"])
    document = (
        "query Other { me { id } } query Named { organizations(first: 2) { "
        "edges { node { name } } } }"
    )

    def post(name):
        response = api.client.post(
            "/graphql/",
            {"query": document, "operationName": name},
            content_type="application/json",
            headers={"Authorization": f"Bearer {api.token}"},
        )
        return response.content, request_context(response.wsgi_request).graphql_log.planned

    # when
    planned, taken = post("Named")
    with override_settings(GRAPHQL_PLANS_ENABLED=False):
        executed, _ = post("Named")
    _, other_taken = post("Other")

    # then
    assert taken
    assert planned == executed
    assert not other_taken


def test_plan_answers_pages_by_cursor_as_graphql_core_does(api, world):
    # given: every cursor the first pages give out
    api.authenticate(world["owner"])
    first = api.execute("{ organizations { edges { cursor } } }")
    org_cursors = [edge["cursor"] for edge in first["data"]["organizations"]["edges"]]
    document = """query P($a: String, $b: String, $f: Int, $l: Int) {
      organizations(after: $a, before: $b, first: $f, last: $l) {
        pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
        edges { cursor node { name members(first: 3) { edges { cursor node { role } } }
                                   before: members(last: 1) { edges { cursor } } } }
      } }"""
    cases = [
        {"a": after, "b": before, "f": first, "l": last}
        for (after, before), first, last in itertools.product(
            [
                (None, None),
                (org_cursors[1], None),
                (None, org_cursors[-2]),
                (org_cursors[0], org_cursors[-1]),
            ],
            [None, 2],
            [None, 1],
        )
    ]
    for variables in cases:
        # when
        planned, executed, taken = both_ways(api, document, variables)

        # then
        assert planned == executed, variables
        assert taken


MEMBERS_BY_CURSOR = """query M($id: ID!, $ma: String, $mb: String) {
  organization(by: {id: $id}) { name
    members(first: 3, after: $ma) {
      pageInfo { hasNextPage endCursor } edges { cursor node { role } } }
    before: members(last: 1, before: $mb) { totalCount edges { cursor } } } }"""


def members_cursors(api) -> dict[str, list[str]]:
    """Each visible organization's id -> the cursors of its members."""
    data = api.execute("{ organizations { edges { node { id members { edges { cursor } } } } } }")
    return {
        edge["node"]["id"]: [member["cursor"] for member in edge["node"]["members"]["edges"]]
        for edge in data["data"]["organizations"]["edges"]
    }


def test_plan_answers_members_pages_by_their_organizations_cursors(api, world):
    # given: each organization's own members cursors
    api.authenticate(world["owner"])
    cursors = members_cursors(api)

    for global_id, own in cursors.items():
        for ma, mb in [(own[0], None), (None, own[-1]), (own[0], own[-1])]:
            # when
            planned, executed, taken = both_ways(
                api, MEMBERS_BY_CURSOR, {"id": global_id, "ma": ma, "mb": mb}
            )

            # then
            assert planned == executed, (global_id, ma, mb)
            assert taken
            assert b'"errors"' not in planned


def test_plan_answers_a_list_of_one_organization_by_its_members_cursors(api, world):
    # given: the first organization's members cursors, on a page of that organization only
    api.authenticate(world["owner"])
    page = api.execute(
        "{ organizations(first: 1) { edges { node { members(first: 1) { edges { cursor } } } } } }"
    )
    cursor = page["data"]["organizations"]["edges"][0]["node"]["members"]["edges"][0]["cursor"]
    document = """query L($ma: String) { organizations(first: 1) { edges { node { name
      members(first: 2, after: $ma) { totalCount edges { cursor node { role } } } } } } }"""

    # when
    planned, executed, taken = both_ways(api, document, {"ma": cursor})

    # then
    assert planned == executed
    assert taken
    assert b'"errors"' not in planned


@pytest.mark.parametrize("argument", ["ma", "mb"])
def test_a_members_cursor_of_another_organization_is_refused_both_ways(api, world, argument):
    # given: a cursor of one organization's members, sent for another organization's
    api.authenticate(world["owner"])
    cursors = members_cursors(api)
    (acme, acme_cursors), (beta, _) = list(cursors.items())[:2]
    foreign = {argument: acme_cursors[0]}
    name = "after" if argument == "ma" else "before"
    documents = [
        (MEMBERS_BY_CURSOR, {"id": beta, **foreign}),
        (
            "query T($id: ID!, $ma: String, $mb: String) { organization(by: {id: $id}) { "
            "members(after: $ma, before: $mb) { totalCount } } }",
            {"id": beta, **foreign},
        ),
    ]

    for document, variables in documents:
        # when
        planned, executed, taken = both_ways(api, document, variables)

        # then
        assert not taken
        assert planned == executed
        result = json.loads(planned)
        assert [error["extensions"]["code"] for error in result["errors"]] == ["BAD_USER_INPUT"]
        assert result["errors"][0]["message"].startswith(
            f"`{name}` was made for another organization's list"
        )
        assert result["data"] == {"organization": None}

    # and: its own organization still takes it
    _, _, taken = both_ways(api, MEMBERS_BY_CURSOR, {"id": acme, **foreign})
    assert taken


def test_a_members_cursor_on_a_list_of_organizations_is_refused_by_the_others(api, world):
    # given: one organization's members cursor, on a page of every organization
    api.authenticate(world["owner"])
    cursors = members_cursors(api)
    document = """query L($ma: String) { organizations { edges { node { name
      members(after: $ma) { edges { cursor } } } } } }"""

    # when
    planned, executed, taken = both_ways(api, document, {"ma": next(iter(cursors.values()))[0]})

    # then: the first other organization refuses it; its null (`members` is non-null)
    # reaches the root
    assert not taken
    assert planned == executed
    result = json.loads(planned)
    assert [error["extensions"]["code"] for error in result["errors"]] == ["BAD_USER_INPUT"]
    assert "another organization's list" in result["errors"][0]["message"]
    assert result["data"] is None


def test_a_members_cursor_of_an_earlier_version_is_refused_both_ways(api, world):
    # given: a members cursor as given out before cursors named their organization
    api.authenticate(world["owner"])
    global_id, own = next(iter(members_cursors(api).items()))
    text = base64.urlsafe_b64decode(own[0] + "=" * (-len(own[0]) % 4)).decode()
    version, signature, values, _organization = json.loads(text)
    earlier = (
        base64.urlsafe_b64encode(json.dumps([version, signature, values]).encode())
        .decode()
        .rstrip("=")
    )

    # when
    planned, executed, taken = both_ways(api, MEMBERS_BY_CURSOR, {"id": global_id, "ma": earlier})

    # then
    assert not taken
    assert planned == executed
    result = json.loads(planned)
    assert [error["extensions"]["code"] for error in result["errors"]] == ["BAD_USER_INPUT"]
    assert result["errors"][0]["message"].startswith(
        "`after` is a cursor from an earlier version of this API"
    )


FALLBACKS = [
    # Fields a plan does not know, or that check permissions in their resolvers.
    "{ organizations { edges { node { createdBy { username } } } } }",
    "{ organizations { edges { node { members { edges { node { user { email } } } } } } } }",
    "{ organizations { edges { node { invitations { totalCount } } } } }",
    '{ organizations(nameContains: "a") { edges { node { name } } } }',
    "{ organizations(role: OWNER) { edges { node { name } } } }",
    "{ me { username } }",
    "{ organizations { totalCount } me { id } }",
    "{ __schema { queryType { name } } }",
    '{ organizations { edges { node { name } } } __type(name: "User") { name } }',
]


def test_organization_by_id_is_answered_by_its_plan(api, world):
    # given
    api.authenticate(world["owner"])
    ids = [
        edge["node"]["id"]
        for edge in api.execute("{ organizations { edges { node { id } } } }")["data"][
            "organizations"
        ]["edges"]
    ]
    document = (
        "query O($id: ID!) { organization(by: {id: $id}) { id slug "
        "members(first: 1) { edges { node { id } } } } }"
    )

    for global_id in ids:
        # when
        planned, executed, taken = both_ways(api, document, {"id": global_id})

        # then
        assert taken
        assert planned == executed


@pytest.mark.parametrize(
    ("document", "code"),
    [
        ('{ organization(by: {slug: "hidden"}) { name } }', "NOT_FOUND"),
        ('{ organization(by: {slug: "nope"}) { name } }', "NOT_FOUND"),
        ('{ organization(by: {id: "VXNlcjox"}) { name } }', "NOT_FOUND"),
        ('{ organization(by: {id: "???"}) { name } }', "BAD_USER_INPUT"),
        ('{ organization(by: {slug: "acme"}, slug: "acme") { name } }', "BAD_USER_INPUT"),
    ],
)
def test_organization_refusals_are_graphql_cores(api, world, document, code):
    # given
    api.authenticate(world["owner"])

    # when
    planned, executed, taken = both_ways(api, document)

    # then
    assert not taken
    assert planned == executed
    assert code.encode() in planned


@pytest.mark.parametrize("document", FALLBACKS)
def test_graphql_core_answers_what_no_plan_knows(api, world, document):
    # given
    api.authenticate(world["owner"])

    # when
    planned, executed, taken = both_ways(api, document)

    # then
    assert not taken
    assert planned == executed


@pytest.mark.parametrize(
    ("document", "variables", "code"),
    [
        ("{ organizations(first: 101) { totalCount } }", {}, "PAGE_SIZE_TOO_LARGE"),
        ("{ organizations(first: -1) { totalCount } }", {}, "BAD_USER_INPUT"),
        ('{ organizations(after: "nope") { totalCount } }', {}, "BAD_USER_INPUT"),
        ('{ organizations(offset: 1, before: "x") { totalCount } }', {}, "BAD_USER_INPUT"),
        (
            "{ organizations(orderBy: [{field: NAME}, {field: NAME}]) { totalCount } }",
            {},
            "BAD_USER_INPUT",
        ),
        (
            "{ organizations { edges { node { members(first: 500) { totalCount } } } } }",
            {},
            "PAGE_SIZE_TOO_LARGE",
        ),
        (
            "query Q($f: Int!) { organizations(first: $f) { totalCount } }",
            {"f": "x"},
            "BAD_USER_INPUT",
        ),
    ],
)
def test_refusals_are_graphql_cores(api, world, document, variables, code):
    # given
    api.authenticate(world["owner"])

    # when
    planned, executed, taken = both_ways(api, document, variables)

    # then
    assert not taken
    assert planned == executed
    assert code.encode() in planned


def test_anonymous_and_mutations_are_left_to_graphql_core(api, world):
    # when
    anonymous, executed, taken = both_ways(api, "{ organizations { totalCount } }")

    # then
    assert not taken
    assert anonymous == executed
    assert b"UNAUTHENTICATED" in anonymous

    # given
    api.authenticate(world["owner"])

    # when
    _, taken = answered(api, 'mutation { createOrganization(name: "Zeta") { errors { code } } }')

    # then
    assert not taken


def test_an_answer_near_the_size_limit_is_left_to_graphql_core(api, world):
    # given
    api.authenticate(world["owner"])
    document = f"{{ organizations {{ edges {{ node {{ {ORGANIZATION_FIELDS} }} }} }} }}"

    # when
    with override_settings(GRAPHQL_MAX_RESPONSE_BYTES=1500):
        planned, executed, taken = both_ways(api, document)

    # then
    assert not taken
    assert planned == executed
    assert b"RESPONSE_TOO_LARGE" in planned


def test_an_answer_far_past_the_size_limit_is_never_held_whole(api, make_user, make_organization):
    # given: 100 descriptions of control characters (6 bytes of JSON each), asked 15 times
    owner = make_user("owner")
    for number in range(100):
        make_organization(owner, name=f"Big {number:03}")
    Organization.objects.update(description="\x01" * DESCRIPTION_MAX_LENGTH)
    api.authenticate(owner)
    aliases = " ".join(f"d{index}: description" for index in range(14))
    document = f"{{ organizations(first: 100) {{ edges {{ node {{ description {aliases} }} }} }} }}"

    # when
    tracemalloc.start()
    try:
        body, taken = answered(api, document)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()

    # then: refused as execution refuses it, never 84 MB of JSON in memory at once
    assert b"RESPONSE_TOO_LARGE" in body
    assert not taken
    assert peak < settings.GRAPHQL_MAX_RESPONSE_BYTES


@pytest.mark.parametrize(
    ("document", "variables", "queries", "templates"),
    [
        # Sign-in (the user), the page with its total; the nested page adds its members.
        (FLAT_PAGE, {"first": 50}, 2, {"active-user", "organizations"}),
        (NESTED_PAGE, {"first": 50, "members": 10}, 3, {"active-user", "organizations", "members"}),
    ],
)
def test_the_benchmark_pages_are_answered_by_their_plan(
    api, world, document, variables, queries, templates
):
    # given: the document cached, its query templates made, as in the benchmark
    api.authenticate(world["owner"])
    api.execute(document, variables)
    api.execute(document, variables)
    query_templates.used.clear()
    fixed_query_templates.used.clear()

    # when
    with CaptureQueriesContext(connection) as captured:
        body, taken = answered(api, document, variables)

    # then
    assert taken
    assert b'"errors"' not in body
    assert len(captured.captured_queries) == queries
    assert set(query_templates.used) | set(fixed_query_templates.used) == templates


ORDERS = [
    None,
    [{"field": "CREATED_AT", "direction": "DESC"}],
    [{"field": "UPDATED_AT"}, {"field": "NAME", "direction": "DESC"}],
]
PAGED = """query P($first: Int, $last: Int, $offset: Int, $after: String, $before: String,
  $order: [OrganizationOrder!]) {
  organizations(first: $first, last: $last, offset: $offset, after: $after, before: $before,
    orderBy: $order) {
    totalCount pageInfo { hasNextPage hasPreviousPage }
    edges { cursor node { name myRole members(first: 2) { totalCount edges { node {
      role user { username } } } } } } } }"""


def test_templates_answer_every_window_as_graphql_core_does_for_each_viewer(api, world):
    # given: the cursors of every ordering's list
    api.authenticate(world["owner"])
    cursors = []
    for order in ORDERS:
        data = api.execute(PAGED, {"order": order, "first": 50})["data"]
        cursors.append([edge["cursor"] for edge in data["organizations"]["edges"]])
    cases = []
    for index, order in enumerate(ORDERS):
        after, before = cursors[index][1], cursors[index][-2]
        for window in [{"first": 2}, {"last": 2}, {"first": 3, "last": 1}]:
            for bounds in [
                {"after": after},
                {"before": before},
                {"after": after, "before": before},
            ]:
                cases.append({"order": order, **window, **bounds})
        # `offset` takes no cursor
        cases += [
            {"order": order, "first": 3, "offset": 1},
            {"order": order, "first": 1, "offset": 2},
        ]
    for variables in cases:
        # Twice round: the first requests make the templates, the later ones use them
        for viewer in ["owner", "staff", "crowd"] * 2:
            api.authenticate(world[viewer])

            # when
            planned, executed, taken = both_ways(api, PAGED, variables)

            # then
            assert planned == executed, (viewer, variables)
            assert taken, (viewer, variables)
    assert query_templates.used["organizations"] > 0 and query_templates.used["members"] > 0


def test_a_cursor_holding_a_probe_s_value_spoils_no_template(api, world):
    # given: a page after a cursor, seen once
    api.authenticate(world["owner"])
    document = "query P($a: String) { organizations(first: 2, after: $a) { edges { cursor } } }"
    own = api.execute(document)["data"]["organizations"]["edges"][0]["cursor"]
    text = base64.urlsafe_b64decode(own + "=" * (-len(own) % 4)).decode()
    version, signature, (name, _pk) = json.loads(text)
    forged = base64.urlsafe_b64encode(
        json.dumps([version, signature, [name, -(10**12) - 2]]).encode()  # the id's probe
    ).decode()
    answered(api, document, {"a": own})

    # when: its second request carries the forged cursor, the next ones the page's own
    answered(api, document, {"a": forged})
    for _ in range(3):
        planned, executed, taken = both_ways(api, document, {"a": own})
        assert planned == executed and taken

    # then: the page's own cursor made the key's template, and it answered
    assert query_templates.used["organizations"] == 2


def test_a_viewer_made_staff_then_not_sees_as_each_kind(api, world):
    # given: the flat page's templates made for a member
    member = world["member"]
    api.authenticate(member)
    document = "{ organizations { totalCount edges { node { name myRole } } } }"
    for _ in range(3):
        api.execute(document)
    names = []
    for is_staff in [True, False, True]:
        # when
        type(member).objects.filter(pk=member.pk).update(is_staff=is_staff)
        for _ in range(3):
            planned, executed, taken = both_ways(api, document)

            # then
            assert planned == executed and taken
        names.append(len(json.loads(planned)["data"]["organizations"]["edges"]))
    assert names[0] == names[2] == Organization.objects.count() > names[1]
