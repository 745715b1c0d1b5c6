import pytest

from organization.models import Membership

Role = Membership.Role


@pytest.fixture
def people(make_user):
    """One user per role of the permission matrix."""
    # Each with a verified e-mail address of their own.
    return {
        role: make_user(role, email=f"{role}@example.com", email_verified=True, **extra)
        for role, extra in (
            ("owner", {}),
            ("admin", {}),
            ("member", {}),
            ("outsider", {}),
            ("staff", {"is_staff": True}),
        )
    }


@pytest.fixture
def acme(make_organization, people):
    return make_organization(
        people["owner"],
        name="Acme",
        description="Rockets and anvils",
        members={people["admin"]: Role.ADMIN, people["member"]: Role.MEMBER},
    )
