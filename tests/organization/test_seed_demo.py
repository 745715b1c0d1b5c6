import subprocess
import sys

import pytest
from django.contrib.auth import authenticate
from django.core.management import CommandError, call_command

from accounts.models import User
from config.settings.base import BASE_DIR
from organization.management.commands.seed_demo import DEMO_PASSWORD
from organization.models import Membership, Organization


def test_seed_demo_is_idempotent_and_covers_every_role(db, settings):
    # given: development
    settings.DEBUG = True

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


def test_seed_demo_refuses_without_debug_and_writes_nothing(db, settings):
    # given
    settings.DEBUG = False

    # when
    with pytest.raises(CommandError, match="DJANGO_DEBUG=true"):
        call_command("seed_demo")

    # then
    assert not User.objects.exists()
    assert not Organization.objects.exists()


def test_seed_demo_exits_non_zero_in_production(tmp_path):
    # when: as an operator would run it on a production host
    result = subprocess.run(
        [sys.executable, "manage.py", "seed_demo"],
        cwd=BASE_DIR,
        env={
            "PATH": "/usr/bin:/bin",
            "DJANGO_SETTINGS_MODULE": "config.settings.base",
            "DJANGO_DEBUG": "false",
            "DJANGO_SECRET_KEY": "prod-secret-" + "Zq8x-" * 12,
            "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        },
        capture_output=True,
        text=True,
        check=False,
    )

    # then
    assert result.returncode == 1
    assert "refuses otherwise" in result.stderr
