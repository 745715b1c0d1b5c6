import pytest

from organization.models import Membership

Role = Membership.Role


@pytest.fixture
def people(make_user):
    """One user per role of the permission matrix."""
    return {
        "owner": make_user("owner"),
        "admin": make_user("admin"),
        "member": make_user("member"),
        "outsider": make_user("outsider"),
        "staff": make_user("staff", is_staff=True),
    }


@pytest.fixture
def acme(make_organization, people):
    return make_organization(
        people["owner"],
        name="Acme",
        description="Rockets and anvils",
        members={people["admin"]: Role.ADMIN, people["member"]: Role.MEMBER},
    )
