"""The task that delivers one e-mail, retried with backoff while the server fails."""

import base64
import json
import logging
import smtplib
from dataclasses import asdict, dataclass
from datetime import timedelta

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django_tasks import TaskContext, task

from accounts.request_context import current_request_id, request_id_bound

logger = logging.getLogger(__name__)

MAIL_SEAL_SALT = "accounts.tasks.mail_seal"
# An SMTP reply code from 500 up is a permanent refusal: trying again cannot help.
SMTP_PERMANENT_FAILURE = 500


@dataclass(frozen=True)
class MailMessage:
    """A rendered message; stored in the task's arguments (JSON), so plain strings only."""

    template: str
    subject: str
    text: str
    html: str

    def as_dict(self) -> dict:
        return asdict(self)


def _mail_fernet(secret: str) -> Fernet:
    digest = salted_hmac(MAIL_SEAL_SALT, "mail", secret=secret, algorithm="sha256").digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def mail_seal(message: MailMessage) -> str:
    """`message` encrypted for the task queue's table (Fernet, a key derived from SECRET_KEY).

    The messages carry live links (reset, verification, invitation tokens): in
    plain text, a copy of the task table would hand out accounts and invitations
    whose tokens the rest of the database keeps as digests only.
    """
    plain = json.dumps(message.as_dict()).encode()
    return _mail_fernet(settings.SECRET_KEY).encrypt(plain).decode()


def mail_unseal(message: str | dict) -> MailMessage:
    """The message `mail_seal` sealed (any key of SECRET_KEY_FALLBACKS too); a dict as is.

    A dict is a message queued before messages were sealed. InvalidToken if no key opens it.
    """
    if isinstance(message, dict):
        return MailMessage(**message)
    for secret in [settings.SECRET_KEY, *settings.SECRET_KEY_FALLBACKS]:
        try:
            plain = _mail_fernet(secret).decrypt(message.encode())
        except InvalidToken:
            continue
        return MailMessage(**json.loads(plain))
    raise InvalidToken()


def mail_retry_delay(attempt: int) -> timedelta:
    """How long to wait after failed attempt number `attempt` (1, 2, ...): doubling, capped."""
    seconds = settings.MAIL_RETRY_DELAY * 2 ** (attempt - 1)
    return timedelta(seconds=min(seconds, settings.MAIL_RETRY_MAX_DELAY))


def _is_permanent(error: Exception) -> bool:
    return (
        isinstance(error, smtplib.SMTPResponseException)
        and error.smtp_code >= SMTP_PERMANENT_FAILURE
    ) or isinstance(error, smtplib.SMTPRecipientsRefused)


@task(takes_context=True)
def mail_deliver(
    context: TaskContext,
    *,
    to: str,
    message: str | dict,
    attempt: int,
    request_id: str | None = None,
) -> None:
    """Send `message` (sealed) to `to`; on failure queue the next attempt, until
    MAIL_SEND_ATTEMPTS.

    `request_id`: the request that queued it, on the task's log lines.
    """
    with request_id_bound(request_id or current_request_id()):
        _deliver(context, to=to, message=message, attempt=attempt)


def _deliver(context: TaskContext, *, to: str, message: str | dict, attempt: int) -> None:
    try:
        mail = mail_unseal(message)
    except InvalidToken:
        logger.error(
            "Mail (task %s) cannot be opened: sealed under an unknown key", context.task_result.id
        )
        raise
    email = EmailMultiAlternatives(mail.subject, mail.text, to=[to])
    email.attach_alternative(mail.html, "text/html")
    try:
        email.send()
    except (OSError, smtplib.SMTPException) as error:
        # The address is personal data: the log names the message, not the person.
        details = (mail.template, context.task_result.id, attempt, settings.MAIL_SEND_ATTEMPTS)
        backend = mail_deliver.get_backend()
        if _is_permanent(error) or attempt >= settings.MAIL_SEND_ATTEMPTS:
            logger.error("Mail %s (task %s) failed, attempt %d of %d; giving up", *details)
            raise
        if not backend.supports_defer:
            logger.error(
                "Mail %s (task %s) failed, attempt %d of %d; the %s task backend cannot "
                "try again later (TASK_BACKEND=database can)",
                *details,
                settings.TASK_BACKEND,
            )
            raise
        delay = mail_retry_delay(attempt)
        logger.warning(
            "Mail %s (task %s) failed, attempt %d of %d (%s: %s); trying again in %s s",
            *details,
            type(error).__name__,
            error,
            delay.total_seconds(),
        )
        mail_deliver.using(run_after=timezone.now() + delay).enqueue(
            to=to, message=message, attempt=attempt + 1, request_id=current_request_id()
        )
        return
    logger.info(
        "Mail %s (task %s) sent, attempt %d", mail.template, context.task_result.id, attempt
    )
