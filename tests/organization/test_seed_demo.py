from django.contrib.auth import authenticate
from django.core.management import call_command

from organization.management.commands.seed_demo import DEMO_PASSWORD
from organization.models import Membership, Organization


def test_seed_demo_is_idempotent_and_covers_every_role(db):
    # when
    call_command("seed_demo")
    counts = (Organization.objects.count(), Membership.objects.count())
    call_command("seed_demo")

    # then
    assert (Organization.objects.count(), Membership.objects.count()) == counts
    assert counts[0] == 25
    assert set(Membership.objects.values_list("role", flat=True)) == {"OWNER", "ADMIN", "MEMBER"}
    assert set(Membership.objects.filter(user__username="demo").values_list("role", flat=True)) == {
        "OWNER",
        "ADMIN",
        "MEMBER",
    }
    for organization in Organization.objects.all():
        assert organization.memberships.filter(role="OWNER").exists(), organization
        organization.full_clean()
    assert authenticate(username="demo", password=DEMO_PASSWORD) is not None
