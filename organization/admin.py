"""The admin of organizations: memberships and invitations are read-only here.

Every rule about roles (an organization keeps an OWNER, only an OWNER makes an
OWNER, membership needs consent) lives in organization.services; an inline that
edits rows directly would bypass them all. Staff change memberships through the
API (`addMember`, staff only, and the members' own mutations).
"""

from django import forms
from django.contrib import admin

from accounts.admin_audit import AuditedAdminMixin
from organization.models import Invitation, Membership, Organization


class ReadOnlyAdminMixin:
    """Shows rows, never adds, changes or deletes them."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class MembershipInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = Membership
    extra = 0
    fields = ("user", "role", "created_at")
    readonly_fields = fields


class InvitationInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = Invitation
    extra = 0
    fields = ("email", "role", "status", "expires_at", "invited_by", "created_at")
    readonly_fields = fields


@admin.register(Organization)
class OrganizationAdmin(AuditedAdminMixin, admin.ModelAdmin):
    """Every add, change and delete is in the audit trail, and in the organization's
    `auditEvents` (a deleted organization's events remain)."""

    list_display = ("name", "slug", "is_active", "created_at", "created_by")
    list_filter = ("is_active", "created_at")
    search_fields = ("name", "slug", "description", "contact_email")
    prepopulated_fields = {"slug": ("name",)}
    readonly_fields = ("created_at", "updated_at")
    raw_id_fields = ("created_by",)
    inlines = (MembershipInline, InvitationInline)

    def get_deleted_objects(self, objs, request):
        # Memberships and invitations are read-only, yet go with their organization.
        deleted, counts, perms_needed, protected = super().get_deleted_objects(objs, request)
        perms_needed -= {Membership._meta.verbose_name, Invitation._meta.verbose_name}
        return deleted, counts, perms_needed, protected

    def audit_organization(self, obj):
        return obj

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        # A bounded CharField, but free text: edited in a text area, not one line.
        if db_field.name == "description":
            kwargs["widget"] = forms.Textarea
        return super().formfield_for_dbfield(db_field, request, **kwargs)


@admin.register(Membership)
class MembershipAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("organization", "user", "role", "created_at")
    list_filter = ("role",)
    search_fields = ("organization__name", "user__username")


@admin.register(Invitation)
class InvitationAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Read-only: rows hold token digests, never usable tokens."""

    list_display = ("organization", "email", "role", "status", "expires_at", "created_at")
    list_filter = ("status", "role")
    search_fields = ("organization__name", "email")
    exclude = ("token_hash",)
