from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from accounts.models import RefreshToken, User

admin.site.register(User, UserAdmin)


@admin.register(RefreshToken)
class RefreshTokenAdmin(admin.ModelAdmin):
    """Read-only: rows hold digests, never usable tokens."""

    list_display = ("id", "user", "family", "signed_in_at", "expires_at", "revoked_at")
    list_filter = ("revoked_at",)
    search_fields = ("user__username",)
    readonly_fields = [f.name for f in RefreshToken._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False
