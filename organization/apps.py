from django.apps import AppConfig


class OrganizationConfig(AppConfig):
    name = "organization"
    verbose_name = "Organizations"

    def ready(self) -> None:
        # accounts cannot import organization: it asks the checks registered with it.
        from accounts.removal import user_removal_check_register
        from organization.services import user_sole_owner_objections

        user_removal_check_register(user_sole_owner_objections)
