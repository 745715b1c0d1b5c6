"""accounts/mail.py: rendering, queueing after commit, links; accounts/tasks.py backoff."""

from datetime import timedelta

import pytest
from django.core import mail
from django.db import transaction

from accounts.mail import frontend_link, mail_render, mail_send_on_commit
from accounts.tasks import MailMessage, mail_deliver, mail_retry_delay, mail_seal

CONTEXT = {
    "username": "alice",
    "email": "alice@example.com",
    "link": "https://app.example.com/verify#token=abc",
    "expires_hours": 48,
}


def test_mail_render_gives_a_one_line_subject_a_text_and_an_html_part():
    # when
    message = mail_render(template="verify_email", context=CONTEXT)

    # then
    assert message.subject == "Confirm your e-mail address"
    assert "https://app.example.com/verify#token=abc" in message.text
    assert '<a href="https://app.example.com/verify#token=abc">' in message.html


def test_the_html_part_escapes_the_context():
    # when
    message = mail_render(template="verify_email", context={**CONTEXT, "username": "<b>x</b>"})

    # then
    assert "&lt;b&gt;x&lt;/b&gt;" in message.html
    assert "<b>x</b>" not in message.html


def test_a_message_is_sent_only_after_the_transaction_commits(transactional_db):
    # given
    with transaction.atomic():
        mail_send_on_commit(to="alice@example.com", template="verify_email", context=CONTEXT)
        # then: nothing yet, inside the transaction
        assert mail.outbox == []

    # then: one message, text and HTML
    assert len(mail.outbox) == 1
    sent = mail.outbox[0]
    assert sent.to == ["alice@example.com"]
    assert sent.subject == "Confirm your e-mail address"
    assert CONTEXT["link"] in sent.body
    ((html, mimetype),) = sent.alternatives
    assert mimetype == "text/html"
    assert CONTEXT["link"] in html


def test_a_rolled_back_transaction_sends_nothing(transactional_db):
    # when
    with pytest.raises(RuntimeError), transaction.atomic():
        mail_send_on_commit(to="alice@example.com", template="verify_email", context=CONTEXT)
        raise RuntimeError("the action failed")

    # then
    assert mail.outbox == []


def test_frontend_link_puts_the_quoted_token_in_the_settings_template(settings):
    # given
    settings.FRONTEND_LINKS = {
        **settings.FRONTEND_LINKS,
        "reset_password": "https://app.example.com/reset?t={token}&from=mail",
    }

    # when
    link = frontend_link("reset_password", "a/b c+{token}:x")

    # then
    assert link == "https://app.example.com/reset?t=a%2Fb%20c%2B%7Btoken%7D:x&from=mail"


def test_every_kind_of_link_has_a_development_default():
    # then
    assert frontend_link("verify_email", "t1") == "http://localhost:3000/verify-email#token=t1"
    assert frontend_link("reset_password", "t2") == "http://localhost:3000/reset-password#token=t2"
    assert frontend_link("invitation", "t3") == "http://localhost:3000/invitation#token=t3"


def test_retry_delay_doubles_up_to_the_cap(settings):
    # given
    settings.MAIL_RETRY_DELAY = 60
    settings.MAIL_RETRY_MAX_DELAY = 3600

    # then
    delays = [mail_retry_delay(attempt) for attempt in range(1, 9)]
    assert delays[:4] == [timedelta(seconds=s) for s in (60, 120, 240, 480)]
    assert delays[-1] == timedelta(seconds=3600)


def test_the_queue_table_never_holds_a_message_in_clear(transactional_db, settings):
    # given: the production task backend (a row per message in the database)
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

    # when
    with transaction.atomic():
        mail_send_on_commit(to="alice@example.com", template="verify_email", context=CONTEXT)

    # then: the row keeps neither the link (its token) nor the text
    (row,) = DBTaskResult.objects.all()
    stored = str(row.args_kwargs)
    assert "token=abc" not in stored
    assert "confirm" not in stored.lower()
    # and the task opens it
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    mail_deliver.enqueue(**row.args_kwargs["kwargs"])
    assert CONTEXT["link"] in mail.outbox[0].body


@pytest.mark.parametrize("queued_with", ["old key", "plain dict"])
def test_messages_queued_before_a_key_rotation_or_sealing_are_delivered(db, settings, queued_with):
    # given: a message sealed with the previous SECRET_KEY, or queued before sealing
    message = MailMessage(template="verify_email", subject="S", text="T abc", html="<p>H</p>")
    if queued_with == "old key":
        sealed = mail_seal(message)
        settings.SECRET_KEY_FALLBACKS = [settings.SECRET_KEY]
        settings.SECRET_KEY = "a-new-secret-key-for-this-test-" + "x" * 20
    else:
        sealed = message.as_dict()

    # when
    mail_deliver.enqueue(to="alice@example.com", message=sealed, attempt=1)

    # then
    assert mail.outbox[0].body == "T abc"


def test_a_message_no_key_opens_fails_its_task(db, settings):
    # given
    sealed = mail_seal(MailMessage(template="verify_email", subject="S", text="T", html="H"))
    settings.SECRET_KEY = "a-new-secret-key-for-this-test-" + "x" * 20

    # when
    result = mail_deliver.enqueue(to="alice@example.com", message=sealed, attempt=1)

    # then
    assert result.status == "FAILED"
    assert mail.outbox == []
