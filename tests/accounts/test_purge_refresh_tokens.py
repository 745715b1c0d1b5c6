from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from accounts.exceptions import RefreshTokenReusedError
from accounts.models import RefreshToken
from accounts.services import token_obtain, token_refresh, token_revoke, token_revoke_all
from tests.conftest import PASSWORD, rotations_aged_past_the_reuse_interval


def sign_in():
    return token_obtain(username="alice", password=PASSWORD)


def purge() -> str:
    out = StringIO()
    call_command("purge_refresh_tokens", stdout=out)
    return out.getvalue()


def test_purge_deletes_expired_chains(user):
    # given: one expired sign-in (rotated once) and one live one
    expired = sign_in()
    token_refresh(refresh_token=expired.refresh_token)
    RefreshToken.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    live = sign_in()

    # when
    output = purge()

    # then
    assert output == "Deleted 2 refresh token row(s).\n"
    assert RefreshToken.objects.count() == 1
    assert token_refresh(refresh_token=live.refresh_token).refresh_token


def test_purge_deletes_chains_with_no_live_token(user):
    # given: a signed-out chain, and a whole user signed out everywhere
    token_revoke(refresh_token=sign_in().refresh_token)
    sign_in()
    token_revoke_all(user=user)

    # when
    output = purge()

    # then
    assert output == "Deleted 2 refresh token row(s).\n"
    assert not RefreshToken.objects.exists()


def test_purge_keeps_rotated_tokens_of_a_live_chain_so_replays_are_still_caught(user):
    # given: rt1 rotated into rt2
    rt1 = sign_in().refresh_token
    token_refresh(refresh_token=rt1)
    rotations_aged_past_the_reuse_interval()

    # when
    output = purge()

    # then: nothing deleted, and a replay of rt1 still ends the chain
    assert output == "Deleted 0 refresh token row(s).\n"
    with pytest.raises(RefreshTokenReusedError):
        token_refresh(refresh_token=rt1)
    assert not RefreshToken.objects.filter(revoked_at__isnull=True).exists()
