"""E-mail and task queue settings, read from the environment at start."""

import json

import pytest

from tests.config.test_settings import STRONG_SECRET, _import_settings_and_print

PRODUCTION = {"DJANGO_DEBUG": "false", "DJANGO_SECRET_KEY": STRONG_SECRET}


def _settings(expression: str, **environment: str):
    result = _import_settings_and_print(f"__import__('json').dumps({expression})", **environment)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_development_prints_mail_and_runs_tasks_at_once():
    # when
    backend, tasks = _settings("[s.EMAIL_BACKEND, s.TASKS]", DJANGO_DEBUG="true")

    # then
    assert backend == "django.core.mail.backends.console.EmailBackend"
    assert tasks == {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


def test_production_sends_by_smtp_from_email_url_through_the_database_queue():
    # when
    values = _settings(
        "[s.EMAIL_BACKEND, s.EMAIL_HOST, s.EMAIL_PORT, s.EMAIL_HOST_USER, "
        "s.EMAIL_HOST_PASSWORD, s.EMAIL_USE_TLS, s.DEFAULT_FROM_EMAIL, s.TASKS]",
        **PRODUCTION,
        EMAIL_URL="smtp+tls://mailer:s%40cret@smtp.example.com:587",
        DEFAULT_FROM_EMAIL="Acme <noreply@example.com>",
    )

    # then
    assert values == [
        "django.core.mail.backends.smtp.EmailBackend",
        "smtp.example.com",
        587,
        "mailer",
        "s@cret",
        True,
        "Acme <noreply@example.com>",
        {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}},
    ]


def test_frontend_links_come_from_the_environment():
    # when
    links = _settings(
        "s.FRONTEND_LINKS",
        **PRODUCTION,
        FRONTEND_VERIFY_EMAIL_URL="https://app.example.com/verify/{token}",
    )

    # then
    assert links["verify_email"] == "https://app.example.com/verify/{token}"


@pytest.mark.parametrize(
    ("environment", "message"),
    [
        ({"FRONTEND_RESET_PASSWORD_URL": "https://app.example.com/reset"}, "reset_password"),
        ({"FRONTEND_INVITATION_URL": "https://x/{token}/{token}"}, "invitation"),
        ({"TASK_BACKEND": "celery"}, "TASK_BACKEND must be"),
        ({"MAIL_SEND_ATTEMPTS": "0"}, "MAIL_SEND_ATTEMPTS must be"),
    ],
)
def test_bad_mail_settings_refuse_to_start(environment, message):
    # when
    result = _import_settings_and_print("'imported'", **PRODUCTION, **environment)

    # then
    assert result.returncode != 0
    assert message in result.stderr
