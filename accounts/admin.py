from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from accounts.models import RefreshToken, User
from accounts.services import token_revoke_all


@admin.register(User)
class AccountsUserAdmin(UserAdmin):
    def save_model(self, request, obj, form, change) -> None:
        super().save_model(request, obj, form, change)
        # Saving the user inactive already bumped token_version (accounts/models.py),
        # which ends every token for good; this also marks the refresh rows revoked.
        if change and "is_active" in form.changed_data and not obj.is_active:
            token_revoke_all(user=obj)


@admin.register(RefreshToken)
class RefreshTokenAdmin(admin.ModelAdmin):
    """Read-only: rows hold digests, never usable tokens."""

    list_display = ("id", "user", "family", "signed_in_at", "expires_at", "revoked_at")
    list_filter = ("revoked_at",)
    search_fields = ("user__username",)
    readonly_fields = [f.name for f in RefreshToken._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False
