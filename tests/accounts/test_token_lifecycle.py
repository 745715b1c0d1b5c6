"""How access tokens and sign-in chains end, and what must not end them.

Deactivation by any path ends every token for good; a small clock skew, a
rotated DJANGO_SECRET_KEY (kept in its fallbacks) or a key rotation do not; a
token spelled other than in canonical base64url is refused.
"""

import time

import pytest
from jwt.utils import base64url_decode

from accounts.models import RefreshToken, User
from accounts.services import token_obtain
from accounts.tokens import access_token_issue
from tests.conftest import PASSWORD, error_codes
from tests.schema.accounts.queries import ME, REFRESH_TOKEN, VERIFY_TOKEN

ALICE = {"data": {"me": {"username": "alice"}}}


def refresh(api, refresh_token: str) -> dict:
    return api.execute(REFRESH_TOKEN, {"refreshToken": refresh_token})


# --- Deactivation, by whatever path, ends every token ---------------------------


def deactivate_by_save(user: User) -> None:
    user.is_active = False
    user.save()


def deactivate_by_save_of_that_field(user: User) -> None:
    user.is_active = False
    user.save(update_fields=["is_active"])


def deactivate_by_queryset_update(user: User) -> None:
    User.objects.filter(username=user.username).update(is_active=False)


def deactivate_by_bulk_update(user: User) -> None:
    user.is_active = False
    User.objects.bulk_update([user], ["is_active"])


@pytest.mark.parametrize(
    "deactivate",
    [
        deactivate_by_save,
        deactivate_by_save_of_that_field,
        deactivate_by_queryset_update,
        deactivate_by_bulk_update,
    ],
)
def test_a_reactivated_user_does_not_get_their_old_tokens_back(api, user, deactivate):
    # given: signed in, then deactivated without the admin
    pair = token_obtain(username="alice", password=PASSWORD)
    deactivate(User.objects.get(pk=user.pk))
    assert error_codes(api.execute(ME, token=pair.access.token)) == ["TOKEN_INVALID"]

    # when: active again, by a queryset update (no save() runs)
    User.objects.filter(pk=user.pk).update(is_active=True)

    # then: the old access and refresh tokens stay dead; a new sign-in works
    assert error_codes(api.execute(ME, token=pair.access.token)) == ["TOKEN_INVALID"]
    assert error_codes(refresh(api, pair.refresh_token)) == ["TOKEN_INVALID"]
    assert not RefreshToken.objects.filter(revoked_at__isnull=True).exists()
    fresh = token_obtain(username="alice", password=PASSWORD)
    assert api.execute(ME, token=fresh.access.token) == ALICE
    assert "errors" not in refresh(api, fresh.refresh_token)


def test_reactivation_by_save_brings_no_token_back(api, user):
    # given
    pair = token_obtain(username="alice", password=PASSWORD)
    deactivate_by_save(user)

    # when
    user.is_active = True
    user.save()

    # then
    assert error_codes(api.execute(ME, token=pair.access.token)) == ["TOKEN_INVALID"]
    assert error_codes(refresh(api, pair.refresh_token)) == ["TOKEN_INVALID"]


def test_a_stale_copy_saved_after_a_deactivation_cycle_revives_nothing(api, user):
    # given: a copy loaded while the user was active
    pair = token_obtain(username="alice", password=PASSWORD)
    stale = User.objects.get(pk=user.pk)
    deactivate_by_queryset_update(user)
    User.objects.filter(pk=user.pk).update(is_active=True)

    # when: the stale copy is saved (its token_version is the old one)
    stale.first_name = "Alice"
    stale.save()

    # then
    assert error_codes(api.execute(ME, token=pair.access.token)) == ["TOKEN_INVALID"]


def test_saving_or_updating_an_active_user_leaves_tokens_alone(api, user):
    # given
    pair = token_obtain(username="alice", password=PASSWORD)

    # when
    user.first_name = "Alice"
    user.save()
    User.objects.filter(pk=user.pk).update(last_name="Liddell", is_active=True)

    # then
    assert api.execute(ME, token=pair.access.token) == ALICE
    assert "errors" not in refresh(api, pair.refresh_token)


def test_a_deactivation_touches_only_the_rows_it_updates(api, user, make_user):
    # given
    bob = make_user("bob")
    alice_pair = token_obtain(username="alice", password=PASSWORD)

    # when
    User.objects.filter(pk=bob.pk).update(is_active=False)

    # then
    assert api.execute(ME, token=alice_pair.access.token) == ALICE
    assert User.objects.get(pk=bob.pk).token_version == 1
    assert User.objects.get(pk=user.pk).token_version == 0


# --- Clock skew: JWT_LEEWAY -------------------------------------------------------


@pytest.mark.parametrize(
    ("seconds_ahead", "leeway", "expected"),
    [
        (2, 5, None),
        (5, 5, None),
        (60, 5, "TOKEN_INVALID"),
        (2, 0, "TOKEN_INVALID"),
    ],
)
def test_a_token_from_a_clock_slightly_ahead_is_accepted_within_the_leeway(
    api, user, settings, signed_token, seconds_ahead, leeway, expected
):
    # given: issued by a server whose clock runs ahead
    settings.JWT_LEEWAY = leeway
    issued = int(time.time()) + seconds_ahead
    token = signed_token(user, iat=issued, origIat=issued, exp=issued + 300)

    # when
    results = [api.execute(ME, token=token), api.execute(VERIFY_TOKEN, {"token": token})]

    # then
    if expected is None:
        assert results[0] == ALICE
        assert "errors" not in results[1]
    else:
        assert [error_codes(result) for result in results] == [[expected], [expected]]


def test_the_leeway_applies_to_expiry_too(api, user, settings, signed_token):
    # given
    settings.JWT_LEEWAY = 5
    now = int(time.time())

    # when
    just_expired = signed_token(user, iat=now - 300, origIat=now - 300, exp=now - 2)
    long_expired = signed_token(user, iat=now - 360, origIat=now - 360, exp=now - 60)

    # then
    assert api.execute(ME, token=just_expired) == ALICE
    assert error_codes(api.execute(ME, token=long_expired)) == ["TOKEN_EXPIRED"]


# --- DJANGO_SECRET_KEY rotation with SECRET_KEY_FALLBACKS ---------------------------

OLD_SECRET_KEY = "old-django-secret-" + "Pq8_Zr4-" * 6
NEW_SECRET_KEY = "new-django-secret-" + "Wd3-Kv7_" * 6


def test_rotating_the_secret_key_with_a_fallback_signs_nobody_out(api, user, settings):
    # given: signed in under the old key
    settings.SECRET_KEY, settings.SECRET_KEY_FALLBACKS = OLD_SECRET_KEY, []
    pair = token_obtain(username="alice", password=PASSWORD)

    # when: rotated, the old key kept as a fallback
    settings.SECRET_KEY, settings.SECRET_KEY_FALLBACKS = NEW_SECRET_KEY, [OLD_SECRET_KEY]

    # then: the access token and the sign-in chain keep working
    assert api.execute(ME, token=pair.access.token) == ALICE
    refreshed = refresh(api, pair.refresh_token)
    assert "errors" not in refreshed
    new_pair = refreshed["data"]["refreshToken"]

    # and once the fallback is dropped, what was issued after the rotation still works
    settings.SECRET_KEY_FALLBACKS = []
    assert api.execute(ME, token=new_pair["token"]) == ALICE
    assert "errors" not in refresh(api, new_pair["refreshToken"])


def test_rotating_the_secret_key_without_a_fallback_ends_sessions(api, user, settings):
    # given
    settings.SECRET_KEY, settings.SECRET_KEY_FALLBACKS = OLD_SECRET_KEY, []
    pair = token_obtain(username="alice", password=PASSWORD)

    # when
    settings.SECRET_KEY = NEW_SECRET_KEY

    # then
    assert error_codes(api.execute(ME, token=pair.access.token)) == ["TOKEN_INVALID"]
    assert error_codes(refresh(api, pair.refresh_token)) == ["TOKEN_INVALID"]


def test_a_fallback_key_does_not_excuse_a_changed_password(api, user, settings):
    # given
    settings.SECRET_KEY, settings.SECRET_KEY_FALLBACKS = OLD_SECRET_KEY, []
    pair = token_obtain(username="alice", password=PASSWORD)
    settings.SECRET_KEY, settings.SECRET_KEY_FALLBACKS = NEW_SECRET_KEY, [OLD_SECRET_KEY]

    # when: the password changes outside the API
    user.set_password("another-long-passphrase-7")
    user.save()

    # then
    assert error_codes(api.execute(ME, token=pair.access.token)) == ["TOKEN_INVALID"]
    assert error_codes(refresh(api, pair.refresh_token)) == ["TOKEN_INVALID"]


# --- Only canonical base64url -------------------------------------------------------

BASE64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"


def _same_bytes_other_last_character(segment: str) -> str:
    """The segment with its last character swapped for one that decodes the same."""
    for character in BASE64URL:
        candidate = segment[:-1] + character
        if character != segment[-1] and base64url_decode(candidate) == base64url_decode(segment):
            return candidate
    raise AssertionError(f"{segment!r} has no unused bits in its last character")


def _variants(token: str) -> dict[str, str]:
    header, payload, signature = token.split(".")
    return {
        "signature padded": f"{token}=",
        "signature padded twice": f"{token}==",
        "signature stray bits": f"{header}.{payload}.{_same_bytes_other_last_character(signature)}",
        "payload stray bits": (
            f"{header}.{_same_bytes_other_last_character(payload)}.{signature}"
            if len(payload) % 4
            else f"{header}.{payload}=.{signature}"
        ),
        "header padded": f"{header}=.{payload}.{signature}",
        "standard alphabet": token.replace("-", "+").replace("_", "/")
        if ("-" in token or "_" in token)
        else f"{token}+",
        "space inside": f"{header}.{payload}.{signature[:10]} {signature[10:]}",
        "fourth segment": f"{token}.",
    }


@pytest.fixture(params=["hs256", "rs256", "es256"])
def algorithm(request):
    """Sign with each supported algorithm: their signatures end on different bit counts."""
    if request.param != "hs256":
        request.getfixturevalue(request.param)
    return request.param


@pytest.mark.parametrize(
    "variant",
    [
        "signature padded",
        "signature padded twice",
        "signature stray bits",
        "payload stray bits",
        "header padded",
        "standard alphabet",
        "space inside",
        "fourth segment",
    ],
)
def test_a_non_canonical_spelling_of_a_valid_token_is_refused(api, user, algorithm, variant):
    # given: a valid token, and another spelling of it
    token = access_token_issue(user=user).token
    assert api.execute(ME, token=token) == ALICE
    spelled = _variants(token)[variant]
    assert spelled != token

    # when
    results = [api.execute(ME, token=spelled), api.execute(VERIFY_TOKEN, {"token": spelled})]

    # then
    assert [error_codes(result) for result in results] == [["TOKEN_INVALID"], ["TOKEN_INVALID"]]


def test_stray_bits_spell_the_same_signature(user):
    # given: the premise of the test above, that the variant is no other signature
    signature = access_token_issue(user=user).token.rsplit(".", 1)[1]

    # when
    variant = _same_bytes_other_last_character(signature)

    # then
    assert variant != signature
    assert base64url_decode(variant) == base64url_decode(signature)
