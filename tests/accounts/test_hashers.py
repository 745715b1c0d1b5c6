"""The production password hasher: Argon2id at OWASP's strength, upgrades, the dummy run.

The test settings hash with MD5 for speed; every test here sets production's
PASSWORD_HASHERS (config/settings/base.py) back.
"""

import argon2
import argon2._password_hasher
import argon2.low_level
import pytest
from django.contrib.auth.hashers import PBKDF2PasswordHasher, make_password

from accounts.hashers import Argon2idPasswordHasher
from accounts.models import User
from config.settings import base
from tests.conftest import PASSWORD, error_codes
from tests.schema.accounts.queries import REFRESH_TOKEN, TOKEN_AUTH

ME = "{ me { username } }"
# OWASP Password Storage Cheat Sheet: Argon2id, m=19456 KiB, t=2, p=1.
OWASP = {"type": argon2.low_level.Type.ID, "memory_cost": 19456, "time_cost": 2, "parallelism": 1}


@pytest.fixture
def production_hashers(settings):
    settings.PASSWORD_HASHERS = base.PASSWORD_HASHERS


@pytest.fixture
def argon2_runs(production_hashers, monkeypatch):
    """Every Argon2 run (hashing or verifying), with its parameters."""
    runs = []
    hash_secret, verify_secret = argon2.low_level.hash_secret, argon2._password_hasher.verify_secret

    def recording_hash(secret, salt, time_cost, memory_cost, parallelism, hash_len, type, **kw):
        runs.append(
            {
                "type": type,
                "memory_cost": memory_cost,
                "time_cost": time_cost,
                "parallelism": parallelism,
            }
        )
        return hash_secret(secret, salt, time_cost, memory_cost, parallelism, hash_len, type, **kw)

    def recording_verify(hash, secret, type):
        params = argon2.extract_parameters(hash.decode())
        runs.append(
            {
                "type": params.type,
                "memory_cost": params.memory_cost,
                "time_cost": params.time_cost,
                "parallelism": params.parallelism,
            }
        )
        return verify_secret(hash, secret, type)

    monkeypatch.setattr(argon2.low_level, "hash_secret", recording_hash)
    monkeypatch.setattr(argon2._password_hasher, "verify_secret", recording_verify)
    return runs


def sign_in(api, username="alice", password=PASSWORD):
    return api.execute(TOKEN_AUTH, {"username": username, "password": password})


def test_production_hashes_with_argon2id_at_owasp_parameters_and_still_knows_pbkdf2():
    # then
    assert base.PASSWORD_HASHERS[0] == "accounts.hashers.Argon2idPasswordHasher"
    assert "django.contrib.auth.hashers.PBKDF2PasswordHasher" in base.PASSWORD_HASHERS


def test_a_new_password_is_hashed_with_argon2id_at_owasp_parameters(production_hashers):
    # when
    encoded = make_password(PASSWORD)

    # then
    assert encoded.startswith("argon2$argon2id$")
    params = argon2.extract_parameters(encoded.removeprefix("argon2"))
    assert {key: getattr(params, key) for key in OWASP} == OWASP


def test_a_pbkdf2_hash_is_upgraded_to_argon2id_at_the_next_sign_in(api, db, production_hashers):
    # given: a user from before Argon2id, with a full-strength PBKDF2 hash
    pbkdf2 = PBKDF2PasswordHasher()
    user = User.objects.create_user(username="alice", email="alice@example.com")
    User.objects.filter(pk=user.pk).update(password=pbkdf2.encode(PASSWORD, pbkdf2.salt()))

    # when
    result = sign_in(api)

    # then
    assert "errors" not in result
    user.refresh_from_db()
    assert user.password.startswith("argon2$argon2id$v=19$m=19456,t=2,p=1$")
    assert "errors" not in sign_in(api)


def test_a_wrong_password_leaves_a_pbkdf2_hash_alone(api, db, production_hashers):
    # given
    pbkdf2 = PBKDF2PasswordHasher()
    user = User.objects.create_user(username="alice", email="alice@example.com")
    old_hash = pbkdf2.encode(PASSWORD, pbkdf2.salt())
    User.objects.filter(pk=user.pk).update(password=old_hash)

    # when
    result = sign_in(api, password="wrong-password")

    # then
    assert error_codes(result) == ["INVALID_CREDENTIALS"]
    user.refresh_from_db()
    assert user.password == old_hash


def test_the_upgrade_keeps_the_users_other_sessions(api, db, settings):
    # given: a session signed in while the hash was PBKDF2 (PBKDF2 preferred then)
    settings.PASSWORD_HASHERS = base.PASSWORD_HASHERS[1:]
    user = User.objects.create_user(username="alice", email="alice@example.com", password=PASSWORD)
    assert user.password.startswith("pbkdf2_sha256$")
    other_device = sign_in(api)["data"]["tokenAuth"]

    # when: Argon2id comes first, and a sign-in upgrades the hash
    settings.PASSWORD_HASHERS = base.PASSWORD_HASHERS
    assert "errors" not in sign_in(api)

    # then: the other device's access and refresh tokens still work
    user.refresh_from_db()
    assert user.password.startswith("argon2$")
    assert api.execute(ME, token=other_device["token"]) == {"data": {"me": {"username": "alice"}}}
    refreshed = api.execute(REFRESH_TOKEN, {"refreshToken": other_device["refreshToken"]})
    assert "errors" not in refreshed


def test_a_password_change_after_an_upgrade_ends_the_sessions_from_before_it(api, db, settings):
    # given: a session from the PBKDF2 days, then an upgrade
    settings.PASSWORD_HASHERS = base.PASSWORD_HASHERS[1:]
    user = User.objects.create_user(username="alice", email="alice@example.com", password=PASSWORD)
    other_device = sign_in(api)["data"]["tokenAuth"]
    settings.PASSWORD_HASHERS = base.PASSWORD_HASHERS
    sign_in(api)

    # when: the password is changed by a path that knows nothing of tokens
    user.refresh_from_db()
    user.set_password("another-Passw0rd-entirely")
    user.save()

    # then
    user.refresh_from_db()
    assert user.password_rehashed_from == ""
    assert error_codes(api.execute(ME, token=other_device["token"])) == ["TOKEN_INVALID"]
    refreshed = api.execute(REFRESH_TOKEN, {"refreshToken": other_device["refreshToken"]})
    assert error_codes(refreshed) == ["TOKEN_INVALID"]


def test_an_unknown_username_runs_the_same_argon2id_as_a_known_one(api, db, argon2_runs):
    # given: a known user (Argon2id hash), and one whose password is unusable
    User.objects.create_user(username="alice", email="alice@example.com", password=PASSWORD)
    User.objects.create_user(username="invited", email="invited@example.com", password=None)
    argon2_runs.clear()

    # when
    outcomes = {}
    for username in ("alice", "nobody", "invited"):
        result = sign_in(api, username=username, password="wrong-password")
        outcomes[username] = (error_codes(result), list(argon2_runs))
        argon2_runs.clear()

    # then: one Argon2id run each, with the same parameters, and the same answer
    assert outcomes["alice"] == (["INVALID_CREDENTIALS"], [OWASP])
    assert outcomes["nobody"] == outcomes["alice"]
    assert outcomes["invited"] == outcomes["alice"]


def test_a_right_password_runs_argon2id_once_at_the_same_parameters(api, db, argon2_runs):
    # given
    User.objects.create_user(username="alice", email="alice@example.com", password=PASSWORD)
    argon2_runs.clear()

    # when
    result = sign_in(api)

    # then
    assert "errors" not in result
    assert argon2_runs == [OWASP]


def test_a_wrong_password_against_a_weaker_argon2_hash_costs_the_missing_passes(
    api, db, argon2_runs
):
    # given: an Argon2id hash at a tiny memory cost (as a misconfiguration would leave)
    weak = argon2.PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    user = User.objects.create_user(username="alice", email="alice@example.com")
    User.objects.filter(pk=user.pk).update(password="argon2" + weak.hash(PASSWORD))
    argon2_runs.clear()

    # when
    result = sign_in(api, password="wrong-password")

    # then: the cheap check, then the passes it lacks at our memory
    assert error_codes(result) == ["INVALID_CREDENTIALS"]
    assert argon2_runs[0]["memory_cost"] == 8
    assert argon2_runs[1:] == [OWASP]


def test_a_stronger_argon2_hash_needs_no_extra_passes_and_is_rehashed_to_ours(api, db, argon2_runs):
    # given: Django's own Argon2 defaults (m=102400, t=2, p=8)
    user = User.objects.create_user(username="alice", email="alice@example.com")
    strong = argon2.PasswordHasher(time_cost=2, memory_cost=102400, parallelism=8)
    User.objects.filter(pk=user.pk).update(password="argon2" + strong.hash(PASSWORD))
    hasher = Argon2idPasswordHasher()

    # when
    wrong = sign_in(api, password="wrong-password")
    runs_of_wrong = len(argon2_runs)
    right = sign_in(api)

    # then
    assert error_codes(wrong) == ["INVALID_CREDENTIALS"]
    assert runs_of_wrong == 1
    assert "errors" not in right
    user.refresh_from_db()
    assert not hasher.must_update(user.password)
