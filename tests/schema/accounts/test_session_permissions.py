"""Every caller against the session operations: the expected outcome and error code.

The session belongs to alice. Outcomes: "ok" (data, no errors of any kind) or a
top-level error code. Staff get no look at other users' sessions either.
"""

import pytest

from tests.conftest import error_codes
from tests.schema.accounts.queries import MY_SESSIONS

CALLERS = ("anonymous", "alice", "bob", "staff")

OPERATIONS = {
    "mySessions": MY_SESSIONS,
    "node": "query($id: ID!) { result: node(id: $id) { id } }",
    "revokeSession": (
        "mutation($id: ID!) { result: revokeSession(id: $id) { revokedId errors { code } } }"
    ),
}

U, NF = "UNAUTHENTICATED", "NOT_FOUND"
#                  anonymous alice bob staff
EXPECTED = {
    "mySessions": (U, "ok", "ok", "ok"),
    "node": (U, "ok", NF, NF),
    "revokeSession": (U, "ok", NF, NF),
}

CASES = [
    pytest.param(operation, caller, expected, id=f"{operation}-{caller}")
    for operation, outcomes in EXPECTED.items()
    for caller, expected in zip(CALLERS, outcomes, strict=True)
]


def outcome(result: dict) -> str:
    if "errors" in result:
        codes = error_codes(result)
        assert len(codes) == 1, result
        return codes[0]
    payload = next(iter(result["data"].values()))
    assert payload is not None, result
    assert not (isinstance(payload, dict) and payload.get("errors")), result
    return "ok"


@pytest.mark.parametrize(("operation", "caller", "expected"), CASES)
def test_session_permission_matrix(api, sign_in, user, make_user, operation, caller, expected):
    # given: alice's session, and a signed-in caller of each kind
    people = {"alice": user, "bob": make_user("bob"), "staff": make_user("staff", is_staff=True)}
    alices = sign_in(user)
    session_id = api.execute(MY_SESSIONS, token=alices["token"])["data"]["mySessions"][0]["id"]
    token = sign_in(people[caller])["token"] if caller != "anonymous" else None

    # when
    result = api.execute(OPERATIONS[operation], {"id": session_id}, token=token)

    # then
    assert outcome(result) == expected
