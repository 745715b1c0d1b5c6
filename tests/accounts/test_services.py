import pytest
from django.contrib.auth import authenticate as django_authenticate
from django.contrib.auth.hashers import check_password

from accounts.authentication import access_token_authenticate
from accounts.exceptions import InvalidCredentialsError, TokenInvalidError
from accounts.models import RefreshToken, User
from accounts.services import (
    token_obtain,
    token_refresh,
    token_revoke_all,
    user_password_change,
)
from tests.conftest import PASSWORD


def test_token_obtain_updates_last_login(user):
    # when
    pair = token_obtain(username="alice", password=PASSWORD)

    # then
    user.refresh_from_db()
    assert user.last_login is not None
    assert pair.user.last_login == user.last_login


@pytest.mark.parametrize(
    "change",
    [
        lambda user: user.set_password("changed-meanwhile-1") or user.save(),
        lambda user: setattr(user, "is_active", False) or user.save(),
        lambda user: user.delete(),
    ],
    ids=["password-changed", "deactivated", "deleted"],
)
def test_sign_in_racing_a_change_of_the_user_fails(monkeypatch, user, change):
    # given: the user changes between the password check and the token issue
    def authenticate_then_change(request, **credentials):
        authenticated = django_authenticate(request, **credentials)
        change(User.objects.get(pk=authenticated.pk))
        return authenticated

    monkeypatch.setattr("accounts.services.authenticate", authenticate_then_change)

    # then
    with pytest.raises(InvalidCredentialsError):
        token_obtain(username="alice", password=PASSWORD)
    assert not RefreshToken.objects.exists()


def test_token_revoke_all_bumps_the_version_in_memory_and_in_the_database(user):
    # given
    pair = token_obtain(username="alice", password=PASSWORD)

    # when
    token_revoke_all(user=user)

    # then
    assert user.token_version == 1
    assert User.objects.get(pk=user.pk).token_version == 1
    with pytest.raises(TokenInvalidError):
        access_token_authenticate(pair.access.token)


def test_refresh_carries_the_current_token_version(user):
    # given
    pair = token_obtain(username="alice", password=PASSWORD)

    # when
    refreshed = token_refresh(refresh_token=pair.refresh_token)

    # then
    assert refreshed.access.payload["token_version"] == user.token_version
    assert access_token_authenticate(refreshed.access.token).user == user


def test_password_change_with_a_stale_copy_of_the_user_is_refused(db):
    # given: a request loaded the user; then the password changed elsewhere
    User.objects.create_user(username="victim", password="old-password-1")
    stale = User.objects.get(username="victim")
    owner = User.objects.get(username="victim")
    user_password_change(user=owner, old_password="old-password-1", new_password="Fresh-pass-2026")

    # when / then: the stale request still knows the old password, and is refused
    with pytest.raises(TokenInvalidError):
        user_password_change(
            user=stale, old_password="old-password-1", new_password="Attacker-pass-2026"
        )
    assert check_password("Fresh-pass-2026", User.objects.get(username="victim").password)


def test_a_stale_save_does_not_bring_revoked_tokens_back(user):
    # given: a copy loaded before every session was ended
    pair = token_obtain(username=user.username, password=PASSWORD)
    stale = User.objects.get(pk=user.pk)
    token_revoke_all(user=user)

    # when
    stale.first_name = "Alice"
    stale.save()

    # then
    with pytest.raises(TokenInvalidError):
        access_token_authenticate(pair.access.token)
    assert User.objects.get(pk=user.pk).first_name == "Alice"


def test_a_password_set_outside_the_api_ends_every_session(user):
    # given
    pair = token_obtain(username=user.username, password=PASSWORD)

    # when: as `manage.py changepassword` and the admin's form do
    user.set_password("Set-elsewhere-2026")
    user.save()

    # then
    with pytest.raises(TokenInvalidError):
        access_token_authenticate(pair.access.token)
    with pytest.raises(TokenInvalidError):
        token_refresh(refresh_token=pair.refresh_token)
