"""Idempotent demo data for `make run`, so GraphiQL has something to show.

Running it again resets the demo users' passwords and the demo organizations'
memberships to the values below; other data is left alone. It refuses to run
without DJANGO_DEBUG: it creates a superuser whose password is in the README.
"""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils.text import slugify

from accounts.models import User
from organization.models import Membership, Organization

# Stated in the README; for local development only.
DEMO_PASSWORD = "demo-password"
DEMO_USERS = (
    {"username": "demo", "email": "demo@example.com", "email_verified": True},
    {"username": "alice", "email": "alice@example.com", "email_verified": True},
    {"username": "bob", "email": "bob@example.com", "email_verified": True},
    {
        "username": "admin",
        "email": "admin@example.com",
        "is_staff": True,
        "is_superuser": True,
        "email_verified": True,
    },
)
ORGANIZATION_NAMES = (
    "Acme Rockets", "Blue Harbor Labs", "Cedar & Pine", "Delta Freight", "Evergreen Health",
    "Foxglove Studio", "Granite Works", "Helios Energy", "Indigo Books", "Juniper Farms",
    "Kestrel Aviation", "Lumen Analytics", "Maple Street Bakery", "Northwind Traders",
    "Orchid Design", "Pioneer Robotics", "Quartz Security", "Redwood Legal", "Summit Outdoor",
    "Tidewater Marine", "Umber Coffee", "Vertex Games", "Willow Care", "Xylo Music", "Zephyr Air",
)  # fmt: skip
Role = Membership.Role
# (demo's role, alice's role, bob's role) by position, so every role shows up.
ROLE_CYCLE = (
    (Role.OWNER, Role.ADMIN, Role.MEMBER),
    (Role.ADMIN, Role.OWNER, None),
    (Role.MEMBER, None, Role.OWNER),
    (None, Role.OWNER, Role.ADMIN),
    (Role.OWNER, None, None),
)


class Command(BaseCommand):
    help = "Create (or reset) the demo users and about 25 organizations; safe to run again."

    def handle(self, *args, **options) -> None:
        if not settings.DEBUG:
            raise CommandError(
                f"seed_demo creates the superuser 'admin' with the password "
                f"'{DEMO_PASSWORD}', for local development only; it runs with "
                "DJANGO_DEBUG=true and refuses otherwise (nothing was written)."
            )
        self._seed()

    @transaction.atomic
    def _seed(self) -> None:
        users = {}
        for attributes in DEMO_USERS:
            user, _ = User.objects.update_or_create(
                username=attributes["username"],
                defaults={key: value for key, value in attributes.items() if key != "username"},
            )
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
            users[user.username] = user

        for position, name in enumerate(ORGANIZATION_NAMES):
            cycle = ROLE_CYCLE[position % len(ROLE_CYCLE)]
            roles = dict(zip(("demo", "alice", "bob"), cycle, strict=True))
            owner = next(username for username, role in roles.items() if role == Role.OWNER)
            organization, _ = Organization.objects.update_or_create(
                slug=slugify(name),
                defaults={
                    "name": name,
                    "description": f"{name} is a demo organization.",
                    "contact_email": f"contact@{name.split()[0].lower()}.example",
                    "website": f"https://{name.split()[0].lower()}.example",
                    "is_active": position % 7 != 6,
                    "created_by": users[owner],
                },
            )
            for username, role in roles.items():
                if role is None:
                    Membership.objects.filter(
                        organization=organization, user=users[username]
                    ).delete()
                else:
                    Membership.objects.update_or_create(
                        organization=organization, user=users[username], defaults={"role": role}
                    )

        self.stdout.write(
            f"Demo data ready: users {', '.join(users)} (password '{DEMO_PASSWORD}'), "
            f"{len(ORGANIZATION_NAMES)} organizations."
        )
