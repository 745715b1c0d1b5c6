"""The reuse interval, one request after another (the concurrent cases: PostgreSQL,
tests/accounts/test_services_concurrency.py)."""

import pytest

from accounts.exceptions import RefreshTokenReusedError
from accounts.models import RefreshToken, refresh_token_digest
from accounts.refresh_reuse import SealedPair, successor_seal, successor_unseal
from accounts.services import token_obtain, token_refresh, token_revoke
from tests.conftest import PASSWORD, rotations_aged_past_the_reuse_interval


def sign_in():
    return token_obtain(username="alice", password=PASSWORD)


def test_a_repeat_within_the_interval_gets_the_same_pair_and_the_chain_lives(user):
    # given
    first = sign_in().refresh_token
    rotated = token_refresh(refresh_token=first)

    # when
    repeated = token_refresh(refresh_token=first)

    # then
    assert repeated.refresh_token == rotated.refresh_token
    assert repeated.access.token == rotated.access.token
    assert repeated.access.payload == rotated.access.payload
    assert repeated.refresh_expires_at == rotated.refresh_expires_at
    assert token_refresh(refresh_token=rotated.refresh_token).refresh_token


def test_a_repeat_after_the_interval_ends_the_chain(user):
    # given
    first = sign_in().refresh_token
    rotated = token_refresh(refresh_token=first)
    rotations_aged_past_the_reuse_interval()

    # when / then
    with pytest.raises(RefreshTokenReusedError):
        token_refresh(refresh_token=first)
    with pytest.raises(RefreshTokenReusedError):
        token_refresh(refresh_token=rotated.refresh_token)


def test_interval_zero_turns_it_off_and_keeps_nothing(user, settings):
    # given
    settings.JWT_REFRESH_TOKEN_REUSE_INTERVAL = 0
    first = sign_in().refresh_token
    token_refresh(refresh_token=first)

    # when / then
    assert not RefreshToken.objects.exclude(successor_sealed="").exists()
    with pytest.raises(RefreshTokenReusedError):
        token_refresh(refresh_token=first)


def test_no_pair_once_the_successor_was_used(user):
    # given: rt1 -> rt2 -> rt3
    rt1 = sign_in().refresh_token
    rt2 = token_refresh(refresh_token=rt1).refresh_token
    token_refresh(refresh_token=rt2)

    # when / then: rt1's pair (rt2) is spent; a repeat of rt1 is a replay
    with pytest.raises(RefreshTokenReusedError):
        token_refresh(refresh_token=rt1)


def test_no_pair_after_a_sign_out(user):
    # given
    rt1 = sign_in().refresh_token
    rt2 = token_refresh(refresh_token=rt1).refresh_token
    token_revoke(refresh_token=rt2)

    # when / then
    with pytest.raises(RefreshTokenReusedError):
        token_refresh(refresh_token=rt1)


def test_the_database_holds_no_readable_token(user):
    # given
    rt1 = sign_in().refresh_token
    rotated = token_refresh(refresh_token=rt1)

    # when
    row = RefreshToken.objects.get(token_hash=refresh_token_digest(rt1))

    # then: sealed, and only the presented token opens it
    assert rotated.refresh_token not in row.successor_sealed
    assert rotated.access.token not in row.successor_sealed
    assert successor_unseal(presented_token=rt2_like(rt1), sealed=row.successor_sealed) is None
    assert successor_unseal(presented_token=rt1, sealed=row.successor_sealed) == SealedPair(
        access_token=rotated.access.token, refresh_token=rotated.refresh_token
    )


def rt2_like(token: str) -> str:
    return token[:-1] + ("A" if token[-1] != "A" else "B")


def test_a_seal_made_before_a_secret_rotation_opens_with_the_fallback(settings):
    # given
    pair = SealedPair(access_token="a", refresh_token="r")
    sealed = successor_seal(presented_token="t", pair=pair)

    # when
    settings.SECRET_KEY_FALLBACKS = [settings.SECRET_KEY]
    settings.SECRET_KEY = "another-secret-" + "x" * 50

    # then
    assert successor_unseal(presented_token="t", sealed=sealed) == pair
