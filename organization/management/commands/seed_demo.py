"""Idempotent demo data for `make run`, so GraphiQL has something to show."""

from django.core.management.base import BaseCommand
from django.db import transaction

from accounts.models import User

# Stated in the README; for local development only.
DEMO_PASSWORD = "demo-password"
DEMO_USERS = (
    {"username": "demo", "email": "demo@example.com", "is_staff": False},
    {"username": "admin", "email": "admin@example.com", "is_staff": True, "is_superuser": True},
)


class Command(BaseCommand):
    help = "Create (or reset) the demo users; safe to run again."

    @transaction.atomic
    def handle(self, *args, **options) -> None:
        for attributes in DEMO_USERS:
            user, _ = User.objects.update_or_create(
                username=attributes["username"],
                defaults={key: value for key, value in attributes.items() if key != "username"},
            )
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
        usernames = ", ".join(attributes["username"] for attributes in DEMO_USERS)
        self.stdout.write(f"Demo users ready ({usernames}), password '{DEMO_PASSWORD}'.")
