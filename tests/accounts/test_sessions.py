"""accounts.sessions and the session services: bounded state, coarse addresses, integrity."""

import uuid

import pytest
from django.test import RequestFactory

from accounts.authentication import access_token_authenticate
from accounts.exceptions import TokenInvalidError
from accounts.models import RefreshToken, User
from accounts.selectors import session_list
from accounts.services import session_revoke, token_obtain
from accounts.sessions import (
    ENDED_SESSIONS_MAX,
    access_tokens_live_until,
    ended_sessions_record,
    ip_network_of,
    user_agent_of,
)
from tests.conftest import PASSWORD


@pytest.mark.parametrize(
    ("remote_addr", "network"),
    [
        ("203.0.113.77", "203.0.113.0/24"),
        ("::ffff:203.0.113.77", "203.0.113.0/24"),
        ("2001:db8:abcd:12::5", "2001:db8:abcd::/48"),
        ("not an address", ""),
        ("", ""),
    ],
)
def test_the_network_is_coarse(remote_addr, network):
    # given
    request = RequestFactory().get("/", REMOTE_ADDR=remote_addr)

    # when / then
    assert ip_network_of(request) == network


def test_without_a_request_nothing_is_recorded():
    # when / then
    assert (ip_network_of(None), user_agent_of(None)) == ("", "")


def test_the_ended_map_keeps_only_sessions_whose_access_tokens_may_live():
    # given: one entry past its time, one still live
    now = 1_000_000.0
    ended = {"old": int(now) - 1, "live": int(now) + 100}

    # when: one session used just now, one idle for an hour
    kept = ended_sessions_record(ended, sessions={"busy": now, "idle": now - 3600}, now=now)

    # then
    assert kept == {"live": int(now) + 100, "busy": access_tokens_live_until(now)}


def test_the_ended_map_is_capped():
    # given: a full map
    now = 1_000_000.0
    full = {uuid.uuid4().hex: int(now) + 100 for _ in range(ENDED_SESSIONS_MAX)}

    # when / then: one more does not fit
    assert ended_sessions_record(full, sessions={"one-more": now}, now=now) is None


def sign_in(user: User):
    return token_obtain(username=user.username, password=PASSWORD)


def test_ending_more_sessions_than_the_map_holds_ends_every_session(user, settings):
    # given: a hostile client signs in over and over; each sign-in beyond the
    # cap ends the least recently used session, which enters the map
    settings.SESSIONS_PER_USER_MAX = 5
    pairs = [sign_in(user) for _ in range(ENDED_SESSIONS_MAX + 5)]
    user.refresh_from_db()
    assert len(user.ended_sessions) == ENDED_SESSIONS_MAX

    # when: one more
    last = sign_in(user)

    # then: the map never outgrows its cap; every earlier token ends (fails closed)
    user.refresh_from_db()
    assert user.ended_sessions == {}
    for pair in pairs:
        with pytest.raises(TokenInvalidError):
            access_token_authenticate(pair.access.token)
    assert access_token_authenticate(last.access.token).user == user
    assert [row.family.hex for row in session_list(user=user)] == [last.access.payload["sid"]]


def test_a_stale_copy_of_the_user_saved_does_not_bring_an_ended_session_back(user):
    # given: a copy loaded before the session ended
    first, second = sign_in(user), sign_in(user)
    stale = User.objects.get(pk=user.pk)
    session_revoke(user=user, session_id=uuid.UUID(first.access.payload["sid"]))

    # when
    stale.first_name = "Alice"
    stale.save()

    # then
    with pytest.raises(TokenInvalidError):
        access_token_authenticate(first.access.token)
    assert access_token_authenticate(second.access.token).user.first_name == "Alice"


def test_revoking_another_users_session_raises_does_not_exist(user, make_user):
    # given
    bobs = sign_in(make_user("bob"))

    # when / then
    with pytest.raises(RefreshToken.DoesNotExist):
        session_revoke(user=user, session_id=uuid.UUID(bobs.access.payload["sid"]))
    assert access_token_authenticate(bobs.access.token).user.username == "bob"


def test_a_session_of_a_chain_ended_by_a_password_change_elsewhere_is_not_listed(user):
    # given: a session, then the password changed by the admin (no service)
    sign_in(user)
    user.set_password("another-long-passphrase")
    user.save()

    # when / then
    assert session_list(user=user) == []
