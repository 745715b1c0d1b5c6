from datetime import timedelta

from django.utils import timezone

from accounts.models import RefreshToken
from tests.conftest import error_codes, rotations_aged_past_the_reuse_interval
from tests.schema.accounts.queries import ME, REFRESH_TOKEN


def test_refresh_returns_a_new_access_token_and_a_new_refresh_token(api, sign_in, user):
    # given
    signed_in = sign_in(user)

    # when
    result = api.execute(REFRESH_TOKEN, {"refreshToken": signed_in["refreshToken"]})

    # then
    assert "errors" not in result
    refreshed = result["data"]["refreshToken"]
    assert refreshed["refreshToken"] != signed_in["refreshToken"]
    assert refreshed["token"] != signed_in["token"]
    assert refreshed["payload"]["jti"] != signed_in["payload"]["jti"]
    assert refreshed["payload"]["origIat"] == signed_in["payload"]["origIat"]
    assert refreshed["refreshTokenExpiresAt"] == signed_in["refreshTokenExpiresAt"]
    assert api.execute(ME, token=refreshed["token"]) == {"data": {"me": {"username": "alice"}}}


def test_refresh_works_with_a_stale_access_token_in_the_header(api, sign_in, user, signed_token):
    # given
    signed_in = sign_in(user)
    stale = signed_token(user, iat=1_000_000, exp=1_000_300, origIat=1_000_000)

    # when
    result = api.execute(REFRESH_TOKEN, {"refreshToken": signed_in["refreshToken"]}, token=stale)

    # then
    assert "errors" not in result
    assert result["data"]["refreshToken"]["token"]


def test_refresh_works_with_a_garbage_header(api, sign_in, user):
    # given
    signed_in = sign_in(user)

    # when
    result = api.execute(
        REFRESH_TOKEN, {"refreshToken": signed_in["refreshToken"]}, authorization="JWT garbage"
    )

    # then
    assert "errors" not in result


def test_replaying_a_rotated_refresh_token_ends_the_whole_chain(api, sign_in, user):
    # given: sign in, then refresh (rt1 becomes rt2)
    rt1 = sign_in(user)["refreshToken"]
    rt2 = api.execute(REFRESH_TOKEN, {"refreshToken": rt1})["data"]["refreshToken"]["refreshToken"]
    rotations_aged_past_the_reuse_interval()

    # when: rt1 comes back
    replay = api.execute(REFRESH_TOKEN, {"refreshToken": rt1})

    # then
    assert error_codes(replay) == ["REFRESH_TOKEN_REUSED"]
    assert error_codes(api.execute(REFRESH_TOKEN, {"refreshToken": rt2})) == [
        "REFRESH_TOKEN_REUSED"
    ]
    assert not RefreshToken.objects.filter(user=user, revoked_at__isnull=True).exists()


def test_replay_leaves_other_sign_ins_alone(api, sign_in, user):
    # given: two sign-ins (two devices), one of them replayed
    phone = sign_in(user)["refreshToken"]
    laptop = sign_in(user)["refreshToken"]
    api.execute(REFRESH_TOKEN, {"refreshToken": phone})

    # when
    api.execute(REFRESH_TOKEN, {"refreshToken": phone})

    # then
    assert "errors" not in api.execute(REFRESH_TOKEN, {"refreshToken": laptop})


def test_unknown_refresh_token_is_invalid(api, db):
    # when
    result = api.execute(REFRESH_TOKEN, {"refreshToken": "not-a-refresh-token"})

    # then
    assert error_codes(result) == ["TOKEN_INVALID"]
    assert result["data"] == {"refreshToken": None}


def test_access_token_is_not_a_refresh_token(api, sign_in, user):
    # when
    result = api.execute(REFRESH_TOKEN, {"refreshToken": sign_in(user)["token"]})

    # then
    assert error_codes(result) == ["TOKEN_INVALID"]


def test_expired_refresh_token_says_token_expired(api, sign_in, user):
    # given
    refresh_token = sign_in(user)["refreshToken"]
    RefreshToken.objects.update(expires_at=timezone.now() - timedelta(seconds=1))

    # when
    result = api.execute(REFRESH_TOKEN, {"refreshToken": refresh_token})

    # then
    assert error_codes(result) == ["TOKEN_EXPIRED"]


def test_inactive_users_refresh_token_is_refused(api, sign_in, user):
    # given
    refresh_token = sign_in(user)["refreshToken"]
    user.is_active = False
    user.save()

    # when
    result = api.execute(REFRESH_TOKEN, {"refreshToken": refresh_token})

    # then
    assert error_codes(result) == ["TOKEN_INVALID"]


def test_deleted_users_refresh_token_is_refused(api, sign_in, user):
    # given
    refresh_token = sign_in(user)["refreshToken"]
    user.delete()

    # when
    result = api.execute(REFRESH_TOKEN, {"refreshToken": refresh_token})

    # then
    assert error_codes(result) == ["TOKEN_INVALID"]
    assert not RefreshToken.objects.exists()


def test_a_copy_of_the_database_yields_no_usable_refresh_token(api, sign_in, user):
    # given: everything stored about a live refresh token
    sign_in(user)
    row = RefreshToken.objects.get()
    stored_values = {str(getattr(row, field.attname)) for field in row._meta.fields}

    # when: each stored value is presented as a refresh token
    results = [api.execute(REFRESH_TOKEN, {"refreshToken": value}) for value in stored_values]

    # then
    assert [error_codes(result) for result in results] == [["TOKEN_INVALID"]] * len(results)


def test_rotation_never_extends_the_sign_in(api, sign_in, user):
    # given
    signed_in = sign_in(user)
    refresh_token = signed_in["refreshToken"]

    # when: rotated several times
    for _ in range(3):
        refreshed = api.execute(REFRESH_TOKEN, {"refreshToken": refresh_token})["data"]
        refresh_token = refreshed["refreshToken"]["refreshToken"]

    # then: every token of the chain ends when the sign-in does
    assert refreshed["refreshToken"]["refreshTokenExpiresAt"] == signed_in["refreshTokenExpiresAt"]
    assert refreshed["refreshToken"]["payload"]["origIat"] == signed_in["payload"]["origIat"]
    assert RefreshToken.objects.values("expires_at").distinct().count() == 1
    RefreshToken.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    expired = api.execute(REFRESH_TOKEN, {"refreshToken": refresh_token})
    assert error_codes(expired) == ["TOKEN_EXPIRED"]
