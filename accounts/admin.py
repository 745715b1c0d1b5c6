from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.forms import UserChangeForm
from django.core.exceptions import ValidationError
from django.db import transaction

from accounts.admin_audit import AuditedAdminMixin
from accounts.models import AuditAction, AuditEvent, RefreshToken, User
from accounts.removal import user_removal_objections
from accounts.services import user_deactivate, user_delete


class AccountsUserChangeForm(UserChangeForm):
    """Refuses to deactivate a user that a registered check protects (an only OWNER)."""

    def clean(self):
        cleaned_data = super().clean()
        deactivating = (
            self.instance.pk is not None
            and self.instance.is_active
            and cleaned_data.get("is_active") is False
        )
        if deactivating:
            objections = user_removal_objections(users=[self.instance])
            if objections:
                self.add_error("is_active", objections)
        return cleaned_data


@admin.register(User)
class AccountsUserAdmin(AuditedAdminMixin, UserAdmin):
    """Deleting and deactivating go through accounts.services: an only OWNER is refused.

    Every add, change, password set and delete is in the audit trail.
    """

    form = AccountsUserChangeForm

    def save_model(self, request, obj, form, change) -> None:
        if "email" in form.changed_data:
            # Staff typed the address; nobody proved the mailbox. Invitations to
            # it wait until its owner verifies it (resendVerificationEmail).
            obj.email_verified = False
        deactivating = change and "is_active" in form.changed_data and not obj.is_active
        if deactivating:
            # Everything else is saved as usual; the deactivation itself is the
            # service's (checked again under lock, every session ended).
            obj.is_active = True
        super().save_model(request, obj, form, change)
        if deactivating:
            user_deactivate(user=obj)

    def get_deleted_objects(self, objs, request):
        # The delete page and the bulk "delete selected" action both ask this; a
        # "protected" entry makes Django refuse and show why.
        deleted, counts, _, protected = super().get_deleted_objects(objs, request)
        objections = user_removal_objections(users=list(objs))
        protected = [*protected, *(message for error in objections for message in error.messages)]
        # What goes with a user (memberships, tokens) is shown read-only elsewhere;
        # the permission to delete users covers it.
        return deleted, counts, set(), protected

    def delete_model(self, request, obj) -> None:
        self._delete(request, [obj])

    def delete_queryset(self, request, queryset) -> None:
        self._delete(request, list(queryset))

    def _delete(self, request, users) -> None:
        try:
            with transaction.atomic():
                for user in users:
                    self.audit_admin_event(request, user, AuditAction.ADMIN_DELETED)
                user_delete(users=users)
        except ValidationError as refused:
            # Only when a removal raced the confirmation page: nothing was deleted.
            for message in refused.messages:
                messages.error(request, message)

    def log_change(self, request, obj, message):
        # The password page saves its form without save_model: its one change is here.
        if request.resolver_match and request.resolver_match.url_name.endswith("_password_change"):
            self.audit_admin_event(
                request, obj, AuditAction.ADMIN_CHANGED, {"password_set": [None, True]}
            )
        return super().log_change(request, obj, message)


@admin.register(RefreshToken)
class RefreshTokenAdmin(admin.ModelAdmin):
    """Read-only: rows hold digests, never usable tokens."""

    list_display = ("id", "user", "family", "signed_in_at", "expires_at", "revoked_at")
    list_filter = ("revoked_at",)
    search_fields = ("user__username",)
    readonly_fields = [f.name for f in RefreshToken._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Read-only: audit events are append-only (purge_audit_events is the only deletion)."""

    list_display = ("created_at", "action", "actor_username", "organization_name", "target_label")
    list_filter = ("action",)
    search_fields = ("actor_username", "organization_name", "target_label", "request_id")
    date_hierarchy = "created_at"

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in self.model._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
