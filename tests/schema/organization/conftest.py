import pytest

from accounts.models import User
from organization.models import Membership

Role = Membership.Role
# The field arrives with the e-mail mechanism (accounts/mail.py); until then every
# address counts as verified.
verified = {"email_verified": True} if hasattr(User, "email_verified") else {}


@pytest.fixture
def people(make_user):
    """One user per role of the permission matrix."""
    # Each with a verified e-mail address of their own.
    return {
        role: make_user(role, email=f"{role}@example.com", **verified, **extra)
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
