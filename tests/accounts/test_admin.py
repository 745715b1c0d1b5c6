import pytest
from django.contrib.admin.sites import site
from django.contrib.auth.hashers import get_hasher
from django.test import Client

from accounts.models import RefreshToken, User
from accounts.services import token_obtain
from tests.conftest import PASSWORD, GraphQLClient, error_codes
from tests.schema.accounts.queries import ME, TOKEN_AUTH


class _Form:
    """The part of a ModelForm that save_model reads: which fields changed, from what to what."""

    def __init__(self, user, *changed):
        self.changed_data = list(changed)
        self.initial = {}
        self.cleaned_data = {name: getattr(user, name) for name in changed}


def _admin_request(rf):
    request = rf.post("/")
    request.user = User.objects.create_user(username="root", is_staff=True, is_superuser=True)
    return request


def test_deactivating_in_the_admin_ends_sessions_for_good(api, rf, user):
    # given
    pair = token_obtain(username="alice", password=PASSWORD)
    model_admin = site._registry[User]

    # when: deactivated in the admin, then reactivated later
    user.is_active = False
    model_admin.save_model(_admin_request(rf), user, _Form(user, "is_active"), change=True)
    user.is_active = True
    user.save()

    # then
    assert error_codes(api.execute(ME, token=pair.access.token)) == ["TOKEN_INVALID"]
    assert not RefreshToken.objects.filter(revoked_at__isnull=True).exists()


def test_other_admin_edits_leave_sessions_alone(api, rf, user):
    # given
    pair = token_obtain(username="alice", password=PASSWORD)
    model_admin = site._registry[User]

    # when
    user.first_name = "Alice"
    model_admin.save_model(_admin_request(rf), user, _Form(user, "first_name"), change=True)

    # then
    assert api.execute(ME, token=pair.access.token) == {"data": {"me": {"username": "alice"}}}


# --- Sign-in throttling at /admin/login/ and /admin/password_change/ ----------


@pytest.fixture
def staff(db) -> User:
    return User.objects.create_user(username="boss", password=PASSWORD, is_staff=True)


@pytest.fixture
def limits(settings):
    settings.SIGN_IN_ATTEMPTS_PER_USERNAME = 3
    settings.SIGN_IN_ATTEMPTS_PER_USERNAME_ALL_IPS = 9
    settings.SIGN_IN_ATTEMPTS_PER_IP = 100
    settings.SIGN_IN_ATTEMPTS_WINDOW = 900
    return settings


@pytest.fixture
def hasher_runs(monkeypatch):
    """Count runs of the configured password hasher."""
    hasher_class = type(get_hasher())
    runs = []
    original = hasher_class.encode

    def counting_encode(self, password, salt, *args, **kwargs):
        runs.append(hasher_class.algorithm)
        return original(self, password, salt, *args, **kwargs)

    monkeypatch.setattr(hasher_class, "encode", counting_encode)
    return runs


def admin_login(client: Client, password: str, username: str = "boss"):
    return client.post("/admin/login/?next=/admin/", {"username": username, "password": password})


def form_errors(response) -> list[tuple[str, str]]:
    """(code, message) of each non-field error of the re-rendered form."""
    form = response.context["form"]
    return [
        (error.code, message)
        for error, message in zip(
            form.errors.as_data().get("__all__", []), form.non_field_errors(), strict=True
        )
    ]


def test_admin_login_over_the_limit_is_refused_with_429_and_no_hasher_run(
    staff, limits, hasher_runs
):
    # given: three wrong passwords at the admin
    client = Client(REMOTE_ADDR="203.0.113.7")
    for _ in range(3):
        assert admin_login(client, "wrong").status_code == 200
    hasher_runs.clear()

    # when: the right password
    response = admin_login(client, PASSWORD)

    # then
    assert response.status_code == 429
    assert 1 <= int(response["Retry-After"]) <= 900
    assert form_errors(response) == [
        (
            "rate_limited",
            f"Too many failed password attempts. Try again in {response['Retry-After']} seconds.",
        )
    ]
    assert hasher_runs == []
    assert "_auth_user_id" not in client.session


def test_admin_login_and_token_auth_share_their_counters(api, staff, limits):
    # given: two wrong passwords at the admin, one through tokenAuth, same address
    client = Client()
    admin_login(client, "wrong")
    admin_login(client, "wrong")
    result = api.execute(TOKEN_AUTH, {"username": "boss", "password": "wrong"})
    assert error_codes(result) == ["INVALID_CREDENTIALS"]

    # when: the right password at either door
    by_token = api.execute(TOKEN_AUTH, {"username": "boss", "password": PASSWORD})
    at_admin = admin_login(client, PASSWORD)

    # then
    assert error_codes(by_token) == ["RATE_LIMITED"]
    assert at_admin.status_code == 429


def test_admin_login_spares_the_admins_own_address(staff, limits):
    # given: a stranger uses up the budget from their address
    stranger = Client(REMOTE_ADDR="203.0.113.66")
    for _ in range(3):
        admin_login(stranger, "wrong")

    # when
    at_office = admin_login(Client(REMOTE_ADDR="198.51.100.1"), PASSWORD)

    # then
    assert admin_login(stranger, PASSWORD).status_code == 429
    assert at_office.status_code == 302
    assert at_office["Location"] == "/admin/"


def test_a_right_admin_password_does_not_count(staff, limits):
    # given
    client = Client()
    for _ in range(5):
        assert admin_login(client, PASSWORD).status_code == 302
        client.logout()

    # then: the three wrong passwords are still allowed
    for _ in range(3):
        response = admin_login(client, "wrong")
        assert response.status_code == 200
        assert [code for code, _ in form_errors(response)] == ["invalid_login"]


def test_admin_password_change_counts_in_the_same_counters(staff, limits):
    # given: a signed-in admin session (a stolen cookie, say) guessing the password
    client = Client()
    client.force_login(staff)
    guess = {
        "old_password": "guess",
        "new_password1": "N3w-passphrase!",
        "new_password2": "N3w-passphrase!",
    }
    for _ in range(3):
        response = client.post("/admin/password_change/", guess)
        assert response.status_code == 200
        assert response.context["form"].errors.as_data()["old_password"][0].code == (
            "password_incorrect"
        )

    # when
    right = client.post("/admin/password_change/", {**guess, "old_password": PASSWORD})

    # then
    assert right.status_code == 429
    assert right.context["form"].errors.as_data()["old_password"][0].code == "rate_limited"
    staff.refresh_from_db()
    assert staff.check_password(PASSWORD)
    assert error_codes(
        GraphQLClient(Client()).execute(TOKEN_AUTH, {"username": "boss", "password": PASSWORD})
    ) == ["RATE_LIMITED"]


def test_admin_password_change_with_the_right_old_password_works(staff, limits):
    # given
    client = Client()
    client.force_login(staff)

    # when
    response = client.post(
        "/admin/password_change/",
        {
            "old_password": PASSWORD,
            "new_password1": "N3w-passphrase!",
            "new_password2": "N3w-passphrase!",
        },
    )

    # then
    assert response.status_code == 302
    staff.refresh_from_db()
    assert staff.check_password("N3w-passphrase!")
