"""The admin site: Django's, with its password doors under the sign-in limits.

Installed as the default site by accounts.apps.AccountsAdminConfig (in place of
django.contrib.admin in INSTALLED_APPS), so `admin.site` and `@admin.register`
work as usual. A login or password change refused for being over a limit is
re-rendered with the form's error, HTTP 429 and a Retry-After header.
"""

from django.contrib import admin
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.views import PasswordChangeView
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.views.decorators.cache import never_cache

HTTP_TOO_MANY_REQUESTS = 429


def _answer_429_when_rate_limited(response):
    # LoginView and PasswordChangeView re-render an invalid form as a TemplateResponse.
    form = (getattr(response, "context_data", None) or {}).get("form")
    retry_after = getattr(form, "retry_after", None)
    if retry_after is not None:
        response.status_code = HTTP_TOO_MANY_REQUESTS
        response["Retry-After"] = str(retry_after)
    return response


class _ThrottledPasswordChangeView(PasswordChangeView):
    def get_form_kwargs(self):
        # The form needs the request for the client's address.
        return {**super().get_form_kwargs(), "request": self.request}


class ThrottledAdminSite(admin.AdminSite):
    """Django's admin site whose login and password change are throttled."""

    @property
    def login_form(self):
        # Imported late: the forms import the user model, not ready when the site is built.
        from accounts.forms import ThrottledAdminAuthenticationForm

        return ThrottledAdminAuthenticationForm

    @method_decorator(never_cache)
    @login_not_required
    def login(self, request, extra_context=None):
        """Django's admin login, answering 429 with the form's error over the limit."""
        return _answer_429_when_rate_limited(super().login(request, extra_context))

    def password_change(self, request, extra_context=None):
        """Django's admin password change with a throttled check of the old password."""
        from accounts.forms import ThrottledAdminPasswordChangeForm

        defaults = {
            "form_class": ThrottledAdminPasswordChangeForm,
            "success_url": reverse("admin:password_change_done", current_app=self.name),
            "extra_context": {**self.each_context(request), **(extra_context or {})},
        }
        if self.password_change_template is not None:
            defaults["template_name"] = self.password_change_template
        request.current_app = self.name
        response = _ThrottledPasswordChangeView.as_view(**defaults)(request)
        return _answer_429_when_rate_limited(response)
