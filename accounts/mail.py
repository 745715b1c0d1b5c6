"""E-mail: rendered from templates in the request, sent by the task queue after commit.

Any domain queues a message with `mail_send_on_commit`; nothing is sent inside the
request, and an SMTP server that is down fails no mutation (accounts/tasks.py
retries). Links in messages come from `frontend_link`.
"""

import logging
from functools import partial
from urllib.parse import quote

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string

from accounts.request_context import current_request_id
from accounts.tasks import MailMessage, mail_deliver, mail_seal

logger = logging.getLogger(__name__)


def mail_render(*, template: str, context: dict) -> MailMessage:
    """The subject, text and HTML of `mail/<template>*` rendered with `context`."""
    subject = render_to_string(f"mail/{template}_subject.txt", context)
    return MailMessage(
        template=template,
        # A header holds one line: a template's trailing newline must not break it.
        subject=" ".join(subject.split()),
        text=render_to_string(f"mail/{template}.txt", context),
        html=render_to_string(f"mail/{template}.html", context),
    )


def _enqueue(to: str, message: MailMessage) -> None:
    # The request's id goes with the task, onto its log lines in the worker.
    mail_deliver.enqueue(
        to=to, message=mail_seal(message), attempt=1, request_id=current_request_id()
    )


def mail_send_on_commit(*, to: str, template: str, context: dict) -> None:
    """Queue one message to `to`, sent by the task queue once the current transaction commits.

    Rendered now, so a template error shows in the request (and the request does the
    same work whatever happens next); queued only if the transaction commits, so a
    rolled-back action sends nothing. Failing to queue is logged, never raised.
    """
    message = mail_render(template=template, context=context)
    transaction.on_commit(partial(_enqueue, to, message), robust=True)


def frontend_link(kind: str, token: str) -> str:
    """The frontend URL of `kind` ("verify_email", "reset_password", "invitation") for `token`."""
    # ":" (the signed tokens' separator) is valid as is in a path, query or fragment.
    return settings.FRONTEND_LINKS[kind].replace("{token}", quote(token, safe=":"))
