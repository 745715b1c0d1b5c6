"""The admin's edits in the audit trail: who added, changed or deleted what, from where.

The admin is the one door into the data that bypasses the services, so its
writes are recorded here, in the admin's own transaction (Django wraps the
change and delete pages in one; the bulk delete action is wrapped below).
`changes` holds the changed form fields' old and new values (never a password);
a password set on the admin's password page is recorded as `password_set`.
Edits from `manage.py shell` or SQL are outside any door and are not recorded.
"""

from typing import Any

from django.db import transaction

from accounts.audit import audit_changes, audit_record
from accounts.models import AuditAction


class AuditedAdminMixin:
    """Records every add, change and delete of a ModelAdmin (put it before the admin class)."""

    def audit_organization(self, obj) -> Any:
        """The organization an object's events belong to (shown in its auditEvents), or None."""
        return None

    def save_model(self, request, obj, form, change) -> None:
        # The add-user form's password1/password2 (and any other password field)
        # never reach the trail, only the fact that a password was set.
        names = [name for name in form.changed_data if "password" not in name]
        old = {name: form.initial.get(name) for name in names}
        super().save_model(request, obj, form, change)
        changes = audit_changes(old, {name: form.cleaned_data.get(name) for name in names})
        if len(names) < len(form.changed_data):
            changes["password_set"] = [None, True]
        self.audit_admin_event(
            request, obj, AuditAction.ADMIN_CHANGED if change else AuditAction.ADMIN_ADDED, changes
        )

    def delete_model(self, request, obj) -> None:
        with transaction.atomic():
            self.audit_admin_event(request, obj, AuditAction.ADMIN_DELETED)
            super().delete_model(request, obj)

    def delete_queryset(self, request, queryset) -> None:
        # The "delete selected" action runs outside a transaction: the events and
        # the deletion commit together or not at all.
        with transaction.atomic():
            for obj in queryset:
                self.audit_admin_event(request, obj, AuditAction.ADMIN_DELETED)
            super().delete_queryset(request, queryset)

    def audit_admin_event(self, request, obj, action: AuditAction, changes=None) -> None:
        audit_record(
            action=action,
            actor=request.user,
            organization=self.audit_organization(obj),
            target=obj,
            changes=changes,
            request=request,
        )
