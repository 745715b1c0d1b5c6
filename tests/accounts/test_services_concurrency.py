"""Races between requests, on real concurrent PostgreSQL transactions.

Each thread has its own database connection. SQLite's in-memory test database
is private to one connection, so these tests run on PostgreSQL only (CI's
PostgreSQL pass runs them).
"""

import threading
import time
from collections.abc import Callable

import pytest
from django.db import connection, connections

from accounts import services
from accounts.exceptions import RefreshTokenReusedError
from accounts.models import RefreshToken, User, refresh_token_digest
from accounts.services import token_obtain, token_refresh, token_revoke_all
from tests.conftest import PASSWORD, rotations_aged_past_the_reuse_interval

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _postgresql_only():
    if connection.vendor != "postgresql":
        pytest.skip(
            f"needs PostgreSQL for concurrent transactions on separate connections "
            f"(this run uses {connection.vendor}); CI's PostgreSQL pass runs it"
        )


def run_in_threads(*calls: Callable[[], object]) -> list[object]:
    """Run each call in its own thread (own connection); return results or exceptions."""
    results: list[object] = [None] * len(calls)

    def run(index: int, call: Callable[[], object]) -> None:
        try:
            results[index] = call()
        except Exception as error:  # the test inspects it
            results[index] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=item) for item in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not any(thread.is_alive() for thread in threads), "a thread hung"
    return results


@pytest.fixture
def hold_next_token_write_open(monkeypatch) -> Callable[[], threading.Event]:
    """Arm a pause: the next refresh-token write waits inside its transaction,
    after the write; the returned event is set once it is there."""

    def arm() -> threading.Event:
        inside = threading.Event()
        original = services._refresh_token_create

        def create_then_pause(**kwargs):
            raw_token = original(**kwargs)
            if not inside.is_set():
                inside.set()
                time.sleep(0.3)
            return raw_token

        monkeypatch.setattr(services, "_refresh_token_create", create_then_pause)
        return inside

    return arm


def outcome(result: object) -> str:
    if isinstance(result, RefreshTokenReusedError):
        return "reused"
    if isinstance(result, Exception):
        return repr(result)
    return "ok"


@pytest.fixture
def alice() -> User:
    return User.objects.create_user(username="alice", password=PASSWORD)


def test_two_refreshes_with_one_token_inside_each_other_exactly_one_succeeds(
    alice, hold_next_token_write_open, settings
):
    # given: the reuse interval off
    settings.JWT_REFRESH_TOKEN_REUSE_INTERVAL = 0
    rt1 = token_obtain(username="alice", password=PASSWORD).refresh_token
    first_is_inside = hold_next_token_write_open()

    def second_refresh():
        assert first_is_inside.wait(timeout=10)
        return token_refresh(refresh_token=rt1)

    # when: the second starts while the first is inside its transaction
    results = run_in_threads(lambda: token_refresh(refresh_token=rt1), second_refresh)

    # then
    assert [outcome(result) for result in results] == ["ok", "reused"]
    # The loser's replay ends the chain, the winner's new token included.
    assert not RefreshToken.objects.filter(revoked_at__isnull=True).exists()


def test_many_simultaneous_refreshes_with_one_token_exactly_one_succeeds(alice, settings):
    # given: the reuse interval off
    settings.JWT_REFRESH_TOKEN_REUSE_INTERVAL = 0
    rt1 = token_obtain(username="alice", password=PASSWORD).refresh_token
    start = threading.Barrier(6)

    def refresh():
        start.wait(timeout=10)
        return token_refresh(refresh_token=rt1)

    # when
    results = run_in_threads(*[refresh] * 6)

    # then
    assert sorted(outcome(result) for result in results) == ["ok"] + ["reused"] * 5


def test_five_parallel_refreshes_inside_the_reuse_interval_get_one_pair_and_the_chain_lives(
    alice,
):
    # given
    rt1 = token_obtain(username="alice", password=PASSWORD).refresh_token
    start = threading.Barrier(5)

    def refresh():
        start.wait(timeout=10)
        return token_refresh(refresh_token=rt1)

    # when
    results = run_in_threads(*[refresh] * 5)

    # then: the same pair for all five
    assert [outcome(result) for result in results] == ["ok"] * 5
    assert len({(pair.access.token, pair.refresh_token) for pair in results}) == 1
    # and: the chain lives, its one live token the pair's
    live = RefreshToken.objects.get(revoked_at__isnull=True)
    assert live.token_hash == refresh_token_digest(results[0].refresh_token)
    assert token_refresh(refresh_token=results[0].refresh_token).refresh_token


def test_five_parallel_repeats_after_the_reuse_interval_end_the_chain(alice):
    # given: rt1 rotated, longer ago than the interval
    rt1 = token_obtain(username="alice", password=PASSWORD).refresh_token
    rt2 = token_refresh(refresh_token=rt1).refresh_token
    rotations_aged_past_the_reuse_interval()
    start = threading.Barrier(5)

    def refresh():
        start.wait(timeout=10)
        return token_refresh(refresh_token=rt1)

    # when
    results = run_in_threads(*[refresh] * 5)

    # then
    assert [outcome(result) for result in results] == ["reused"] * 5
    assert not RefreshToken.objects.filter(revoked_at__isnull=True).exists()
    assert outcome(run_in_threads(lambda: token_refresh(refresh_token=rt2))[0]) == "reused"


def test_logout_everywhere_during_a_refresh_leaves_no_live_token(alice, hold_next_token_write_open):
    # given
    rt1 = token_obtain(username="alice", password=PASSWORD).refresh_token
    refresh_is_inside = hold_next_token_write_open()

    def logout_everywhere():
        assert refresh_is_inside.wait(timeout=10)
        token_revoke_all(user=User.objects.get(pk=alice.pk))

    # when: logout-everywhere starts while the refresh is inside its transaction
    results = run_in_threads(lambda: token_refresh(refresh_token=rt1), logout_everywhere)

    # then: the refresh finished first, and its new refresh token was revoked too
    assert outcome(results[0]) == "ok"
    assert results[1] is None
    assert not RefreshToken.objects.filter(revoked_at__isnull=True).exists()
    with pytest.raises(RefreshTokenReusedError):
        token_refresh(refresh_token=results[0].refresh_token)


def test_two_owners_deleted_at_once_leave_one_behind(monkeypatch, make_user, make_organization):
    # given: Acme has two OWNERs; the first deletion pauses after its check passed
    from django.core.exceptions import ValidationError

    from organization.models import Membership

    alice, carol = make_user("alice"), make_user("carol")
    make_organization(alice, members={carol: Membership.Role.OWNER})
    checked, release = threading.Event(), threading.Event()
    original = services.user_removal_check

    def check_then_pause(*, users):
        original(users=users)
        if users[0].username == "alice":
            checked.set()
            release.wait(timeout=10)

    monkeypatch.setattr(services, "user_removal_check", check_then_pause)

    def delete_carol_meanwhile():
        checked.wait(timeout=10)
        # Let carol's check reach the organization's lock, then let alice go on.
        threading.Timer(0.5, release.set).start()
        services.user_delete(users=[User.objects.get(username="carol")])

    # when
    results = run_in_threads(
        lambda: services.user_delete(users=[User.objects.get(username="alice")]),
        delete_carol_meanwhile,
    )

    # then: alice went; carol, now the only OWNER, was refused
    assert results[0] is None
    assert isinstance(results[1], ValidationError)
    assert [single.code for single in results[1].error_list] == ["sole_owner"]
    assert list(User.objects.values_list("username", flat=True)) == ["carol"]
