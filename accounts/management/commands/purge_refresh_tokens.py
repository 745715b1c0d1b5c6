"""Delete refresh-token rows that can no longer be used; run it daily (cron)."""

from django.core.management.base import BaseCommand

from accounts.services import refresh_token_purge


class Command(BaseCommand):
    help = (
        "Delete the refresh tokens of expired sign-ins and of sign-ins with no live token "
        "left. Rotated tokens of live sign-ins are kept: they detect replays."
    )

    def handle(self, *args, **options) -> None:
        deleted = refresh_token_purge()
        self.stdout.write(f"Deleted {deleted} refresh token row(s).")
