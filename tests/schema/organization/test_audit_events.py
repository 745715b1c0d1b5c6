"""`Organization.auditEvents` and `me.securityEvents`: who may read what, filters, paging."""

from datetime import timedelta

import pytest
from django.db import connection
from django.db.models import QuerySet
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from graphql_relay import to_global_id

from accounts.audit import audit_record
from accounts.models import AuditAction, AuditEvent
from organization.models import Membership
from tests.conftest import PASSWORD, error_codes
from tests.schema.accounts.queries import TOKEN_AUTH

Role = Membership.Role

AUDIT_EVENTS = """
query($id: ID!, $first: Int, $after: String, $action: AuditAction, $actor: String,
      $occurredAfter: DateTime, $occurredBefore: DateTime) {
  organization(id: $id) {
    auditEvents(first: $first, after: $after, action: $action, actor: $actor,
                occurredAfter: $occurredAfter, occurredBefore: $occurredBefore) {
      totalCount
      pageInfo { hasNextPage endCursor }
      edges { node { id action actorUsername organizationId organizationName targetType
                     targetId targetLabel changes { field oldValue newValue }
                     requestId clientNetwork userAgent createdAt } }
    }
  }
}
"""

SECURITY_EVENTS = """
query { me { securityEvents { totalCount edges { node { action actorUsername targetLabel
  clientNetwork userAgent } } } } }
"""


@pytest.fixture
def sign_in_api(api):
    """Sign in (or try to) through tokenAuth, as a stranger's client would."""

    def sign_in(username: str, password: str) -> dict:
        return api.execute(TOKEN_AUTH, {"username": username, "password": password})

    return sign_in


def _id(organization) -> str:
    return to_global_id("Organization", organization.pk)


def _actions(result) -> list[str]:
    return [
        edge["node"]["action"] for edge in result["data"]["organization"]["auditEvents"]["edges"]
    ]


@pytest.mark.parametrize("role", ["member", "outsider"])
def test_below_admin_nobody_reads_the_trail(api, people, acme, role):
    # given
    api.authenticate(people[role])

    # when
    result = api.execute(AUDIT_EVENTS, {"id": _id(acme)})

    # then: FORBIDDEN for a member; an outsider does not even see the organization
    if role == "member":
        assert error_codes(result) == ["FORBIDDEN"]
        assert result["data"]["organization"] == {"auditEvents": None}
    else:
        assert error_codes(result) == ["NOT_FOUND"]
        assert result["data"]["organization"] is None


def test_a_mutation_through_the_api_is_read_back_newest_first(api, people, acme):
    # given: the admin renames the organization, with a request id and a user agent
    api.authenticate(people["admin"])
    api.client.defaults["HTTP_USER_AGENT"] = "TestBrowser/2"
    api.client.defaults["HTTP_X_REQUEST_ID"] = "rename-1"
    renamed = api.execute(
        'mutation($id: ID!) { updateOrganization(id: $id, name: "Acme Ltd") { errors { code } } }',
        {"id": _id(acme)},
    )
    assert renamed["data"]["updateOrganization"]["errors"] == []

    # when
    result = api.execute(AUDIT_EVENTS, {"id": _id(acme)})

    # then
    assert "errors" not in result, result
    events = result["data"]["organization"]["auditEvents"]
    assert events["totalCount"] == 2
    newest = events["edges"][0]["node"]
    assert newest["action"] == "ORGANIZATION_UPDATED"
    assert newest["actorUsername"] == "admin"
    assert newest["changes"] == [{"field": "name", "oldValue": "Acme", "newValue": "Acme Ltd"}]
    assert (newest["requestId"], newest["userAgent"]) == ("rename-1", "TestBrowser/2")
    assert newest["clientNetwork"] == "127.0.0.0/24"
    assert newest["organizationId"] == newest["targetId"] == _id(acme)
    assert newest["organizationName"] == "Acme Ltd"
    assert _actions(result) == ["ORGANIZATION_UPDATED", "ORGANIZATION_CREATED"]


def test_a_mutation_that_fails_after_recording_leaves_no_event(api, people, acme, monkeypatch):
    # given: the database fails on the row delete, after the event was written
    from django.db import DatabaseError

    def failing_delete(self, *args, **kwargs):
        raise DatabaseError("disk full")

    monkeypatch.setattr(Membership, "delete", failing_delete)
    api.authenticate(people["owner"])

    # when
    result = api.execute(
        'mutation($id: ID!) { removeMember(organizationId: $id, username: "member") '
        "{ errors { code } } }",
        {"id": _id(acme)},
    )

    # then: the mutation failed and its transaction, event included, rolled back
    assert error_codes(result) == ["INTERNAL_SERVER_ERROR"]
    assert not AuditEvent.objects.filter(action=AuditAction.MEMBER_REMOVED).exists()
    assert Membership.objects.filter(organization=acme, user=people["member"]).exists()


def test_a_refused_mutation_leaves_no_event(api, people, acme):
    # given: a name that fails validation after the role check
    api.authenticate(people["owner"])
    count = AuditEvent.objects.count()

    # when
    result = api.execute(
        'mutation($id: ID!) { updateOrganization(id: $id, name: "") { errors { code } } }',
        {"id": _id(acme)},
    )

    # then
    assert result["data"]["updateOrganization"]["errors"]
    assert AuditEvent.objects.count() == count


def test_filters_by_action_actor_and_time(api, people, acme):
    # given: three more events, one of them old
    for actor in ("admin", "owner"):
        audit_record(action=AuditAction.MEMBER_ROLE_CHANGED, actor=people[actor], organization=acme)
    old = audit_record(action=AuditAction.MEMBER_LEFT, actor=people["member"], organization=acme)
    # The guard refuses updates: the test ages the row as time would.
    QuerySet.update(
        AuditEvent.objects.filter(pk=old.pk), created_at=timezone.now() - timedelta(days=3)
    )
    api.authenticate(people["owner"])
    yesterday = (timezone.now() - timedelta(days=1)).isoformat()

    # when
    by_action = api.execute(AUDIT_EVENTS, {"id": _id(acme), "action": "MEMBER_ROLE_CHANGED"})
    by_actor = api.execute(AUDIT_EVENTS, {"id": _id(acme), "actor": "admin"})
    recent = api.execute(AUDIT_EVENTS, {"id": _id(acme), "occurredAfter": yesterday})
    earlier = api.execute(AUDIT_EVENTS, {"id": _id(acme), "occurredBefore": yesterday})

    # then
    assert _actions(by_action) == ["MEMBER_ROLE_CHANGED"] * 2
    assert _actions(by_actor) == ["MEMBER_ROLE_CHANGED"]
    assert "MEMBER_LEFT" not in _actions(recent) and len(_actions(recent)) == 3
    assert _actions(earlier) == ["MEMBER_LEFT"]


def test_pages_follow_each_other_without_gaps(api, people, acme):
    # given: 5 events in all
    for _ in range(4):
        audit_record(action=AuditAction.MEMBER_LEFT, actor=people["member"], organization=acme)
    api.authenticate(people["owner"])
    expected = list(
        AuditEvent.objects.filter(organization_id=acme.pk)
        .order_by("-created_at", "-id")
        .values_list("pk", flat=True)
    )

    # when
    seen, after = [], None
    while True:
        page = api.execute(AUDIT_EVENTS, {"id": _id(acme), "first": 2, "after": after})
        events = page["data"]["organization"]["auditEvents"]
        seen += [edge["node"]["id"] for edge in events["edges"]]
        if not events["pageInfo"]["hasNextPage"]:
            break
        after = events["pageInfo"]["endCursor"]

    # then
    assert seen == [to_global_id("AuditEvent", pk) for pk in expected]


def test_an_audit_trail_cursor_pages_its_own_organization_only(
    api, people, acme, make_organization
):
    # given: two trails the owner reads, and a cursor of acme's
    beta = make_organization(people["owner"], name="Beta")
    for organization in (acme, beta, acme, beta):
        audit_record(
            action=AuditAction.MEMBER_LEFT, actor=people["member"], organization=organization
        )
    api.authenticate(people["owner"])
    page = api.execute(AUDIT_EVENTS, {"id": _id(acme), "first": 1})
    cursor = page["data"]["organization"]["auditEvents"]["pageInfo"]["endCursor"]

    # when
    own = api.execute(AUDIT_EVENTS, {"id": _id(acme), "after": cursor})
    foreign = api.execute(AUDIT_EVENTS, {"id": _id(beta), "after": cursor})

    # then
    assert "errors" not in own
    assert own["data"]["organization"]["auditEvents"]["edges"]
    assert error_codes(foreign) == ["BAD_USER_INPUT"]
    assert foreign["errors"][0]["message"].startswith(
        "`after` was made for another organization's list"
    )
    assert foreign["data"]["organization"]["auditEvents"] is None


def test_a_page_of_events_costs_the_same_queries_for_2_and_50(api, people, acme):
    # given
    for _ in range(60):
        audit_record(action=AuditAction.MEMBER_LEFT, actor=people["member"], organization=acme)
    api.authenticate(people["owner"])
    for _ in range(2):  # the signed-in user's query template is made (query_templates.py)
        api.execute(AUDIT_EVENTS, {"id": _id(acme), "first": 1})

    # when
    counts = []
    for first in (2, 50):
        with CaptureQueriesContext(connection) as captured:
            result = api.execute(AUDIT_EVENTS, {"id": _id(acme), "first": first})
        assert len(_actions(result)) == first
        counts.append(len(captured.captured_queries))

    # then
    assert counts[0] == counts[1]


def test_my_security_events_are_mine_only(api, people, acme, sign_in_api):
    # given: the member signs in, fails once; the admin signs in
    sign_in_api("member", PASSWORD)
    sign_in_api("member", "wrong-password")
    sign_in_api("admin", PASSWORD)
    api.authenticate(people["member"])

    # when
    result = api.execute(SECURITY_EVENTS)

    # then: newest first, and not the admin's sign-in nor the organization's events
    events = [edge["node"] for edge in result["data"]["me"]["securityEvents"]["edges"]]
    assert [event["action"] for event in events] == ["SIGN_IN_FAILED", "SIGN_IN_SUCCEEDED"]
    assert events[0]["actorUsername"] is None and events[0]["targetLabel"] == "member"
    assert events[1]["actorUsername"] == "member"


def test_nobody_reads_another_users_security_events(api, people, acme):
    # given: the admin sees the member in the member list
    audit_record(
        action=AuditAction.SIGN_IN_SUCCEEDED, actor=people["member"], target=people["member"]
    )
    api.authenticate(people["admin"])

    # when
    result = api.execute(
        "query($id: ID!) { organization(id: $id) { members { edges { node { user { username "
        "securityEvents { totalCount } } } } } } }",
        {"id": _id(acme)},
    )

    # then
    assert set(error_codes(result)) == {"FORBIDDEN"}
    users = [edge["node"]["user"] for edge in result["data"]["organization"]["members"]["edges"]]
    assert [user["securityEvents"] for user in users if user["username"] != "admin"] == [
        None,
        None,
    ]


def test_node_finds_only_events_the_caller_may_read(api, people, acme):
    # given: a security event of the member
    event = audit_record(
        action=AuditAction.SIGN_IN_SUCCEEDED, actor=people["member"], target=people["member"]
    )
    created = AuditEvent.objects.get(action=AuditAction.ORGANIZATION_CREATED)
    query = "query($id: ID!) { node(id: $id) { ... on AuditEvent { action } } }"

    # when
    results = {}
    for role, pk in (("member", event.pk), ("admin", event.pk), ("member", created.pk)):
        api.authenticate(people[role])
        results[(role, pk)] = api.execute(query, {"id": to_global_id("AuditEvent", pk)})

    # then: the member reads their own; the admin not the member's; the member not the org's
    assert results[("member", event.pk)]["data"]["node"] == {"action": "SIGN_IN_SUCCEEDED"}
    assert error_codes(results[("admin", event.pk)]) == ["NOT_FOUND"]
    assert error_codes(results[("member", created.pk)]) == ["NOT_FOUND"]
