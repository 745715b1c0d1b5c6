from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts"


class AccountsAdminConfig(admin_apps.AdminConfig):
    """django.contrib.admin with accounts.admin_site.ThrottledAdminSite as `admin.site`."""

    # Listed in INSTALLED_APPS by its path; never the `accounts` app's own config.
    default = False
    default_site = "accounts.admin_site.ThrottledAdminSite"
