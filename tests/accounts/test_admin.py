from django.contrib.admin.sites import site

from accounts.models import RefreshToken, User
from accounts.services import token_obtain
from tests.conftest import PASSWORD, error_codes
from tests.schema.accounts.queries import ME


class _Form:
    def __init__(self, *changed):
        self.changed_data = list(changed)


def test_deactivating_in_the_admin_ends_sessions_for_good(api, rf, user):
    # given
    pair = token_obtain(username="alice", password=PASSWORD)
    model_admin = site._registry[User]

    # when: deactivated in the admin, then reactivated later
    user.is_active = False
    model_admin.save_model(rf.post("/"), user, _Form("is_active"), change=True)
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
    model_admin.save_model(rf.post("/"), user, _Form("first_name"), change=True)

    # then
    assert api.execute(ME, token=pair.access.token) == {"data": {"me": {"username": "alice"}}}
