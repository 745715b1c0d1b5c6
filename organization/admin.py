from django import forms
from django.contrib import admin

from organization.models import Membership, Organization


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ("user",)


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "is_active", "created_at", "created_by")
    list_filter = ("is_active", "created_at")
    search_fields = ("name", "slug", "description", "contact_email")
    prepopulated_fields = {"slug": ("name",)}
    readonly_fields = ("created_at", "updated_at")
    raw_id_fields = ("created_by",)
    inlines = (MembershipInline,)

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        # A bounded CharField, but free text: edited in a text area, not one line.
        if db_field.name == "description":
            kwargs["widget"] = forms.Textarea
        return super().formfield_for_dbfield(db_field, request, **kwargs)


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ("organization", "user", "role", "created_at")
    list_filter = ("role",)
    search_fields = ("organization__name", "user__username")
    raw_id_fields = ("user", "organization")
