"""E-mail through the real queue: the database task backend, a `db_worker` process, SMTP.

The worker and the SMTP server (aiosmtpd) are real; what the test commits, the
worker sends.
"""

import time

from django.db import transaction
from django_tasks_db.models import DBTaskResult

from accounts.mail import mail_send_on_commit
from accounts.request_context import request_id_bound
from tests.mail_services import wait_until

CONTEXT = {
    "username": "alice",
    "email": "alice@example.com",
    "link": "https://app.example.com/verify#token=abc",
    "expires_hours": 48,
}


def test_the_worker_sends_a_queued_message_by_smtp(smtp_server, start_mail_worker):
    # given
    start_mail_worker(smtp_server)

    # when
    with transaction.atomic():
        mail_send_on_commit(to="alice@example.com", template="verify_email", context=CONTEXT)

    # then: a multipart message with the text and the HTML part
    (message,) = smtp_server.wait_for_messages(1)
    assert message["To"] == "alice@example.com"
    assert message["Subject"] == "Confirm your e-mail address"
    assert CONTEXT["link"] in message.get_body(("plain",)).get_content()
    assert f'href="{CONTEXT["link"]}"' in message.get_body(("html",)).get_content()


def test_the_workers_lines_carry_the_id_of_the_request_that_queued_the_message(
    smtp_server, start_mail_worker
):
    # given
    worker = start_mail_worker(smtp_server)

    # when: queued while request "mail-req-1" is served
    with request_id_bound("mail-req-1"), transaction.atomic():
        mail_send_on_commit(to="alice@example.com", template="verify_email", context=CONTEXT)

    # then: the worker's line about it names that request
    smtp_server.wait_for_messages(1)
    worker.wait_for_log("sent, attempt 1")
    [line] = [line for line in worker.log().splitlines() if "sent, attempt 1" in line]
    assert "[mail-req-1]" in line


def test_smtp_down_the_message_is_retried_and_delivered_once_it_is_back(
    smtp_server, start_mail_worker
):
    # given: the SMTP server is down
    smtp_server.stop()
    worker = start_mail_worker(smtp_server)

    # when: a message is queued; the worker fails twice, logging each failure
    with transaction.atomic():
        mail_send_on_commit(to="alice@example.com", template="verify_email", context=CONTEXT)
    worker.wait_for_log("failed, attempt 2 of 8", timeout=30)
    smtp_server.start()

    # then: delivered once, and not again
    smtp_server.wait_for_messages(1, timeout=30)
    time.sleep(1.5)  # several retry delays: a duplicate would have arrived by now
    assert len(smtp_server.messages) == 1
    assert "ConnectionRefusedError" in worker.log()


def test_attempts_are_bounded(smtp_server, start_mail_worker):
    # given: the SMTP server is down for good
    smtp_server.stop()
    worker = start_mail_worker(smtp_server, MAIL_SEND_ATTEMPTS="3")

    # when
    with transaction.atomic():
        mail_send_on_commit(to="alice@example.com", template="verify_email", context=CONTEXT)

    # then: three attempts (each a task), the last one failed and given up
    def statuses():
        return sorted(DBTaskResult.objects.values_list("status", flat=True))

    wait_until(lambda: "FAILED" in statuses(), timeout=30, what="the last attempt to fail")
    assert statuses() == ["FAILED", "SUCCESSFUL", "SUCCESSFUL"]
    assert "failed, attempt 3 of 3; giving up" in worker.log()
    assert smtp_server.messages == []
