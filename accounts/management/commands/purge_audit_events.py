"""Delete audit events older than a retention period; the only way one is ever deleted."""

from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from accounts.models import AuditEvent


class Command(BaseCommand):
    help = (
        "Delete the audit events older than --older-than DAYS (the retention period). "
        "Audit events are otherwise append-only: this is the one deletion path."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--older-than",
            type=int,
            required=True,
            metavar="DAYS",
            help="Delete the events recorded more than DAYS days ago (at least 1).",
        )

    def handle(self, *args, **options) -> None:
        days = options["older_than"]
        if days < 1:
            raise CommandError("--older-than must be at least 1 day.")
        cutoff = timezone.now() - timedelta(days=days)
        # Bypasses the append-only guard on purpose: AuditEventQuerySet.purge_before.
        deleted = AuditEvent.objects.purge_before(cutoff)
        self.stdout.write(f"Deleted {deleted} audit event(s) older than {days} day(s).")
