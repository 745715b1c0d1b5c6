"""A real SMTP server (aiosmtpd, in a thread) and a real task worker (a process), for tests."""

import email
import email.policy
import os
import socket
import subprocess
import sys
import time
from email.message import EmailMessage
from pathlib import Path

from aiosmtpd.controller import Controller
from django.conf import settings
from django.db import connection


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until(condition, *, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.05)


class SmtpServer:
    """An SMTP server on a fixed port that can be stopped and started again; keeps what it got."""

    def __init__(self) -> None:
        self.port = free_port()
        self.messages: list[EmailMessage] = []
        self._controller: Controller | None = None

    async def handle_DATA(self, server, session, envelope) -> str:
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.messages.append(message)
        return "250 Message accepted for delivery"

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def start(self) -> None:
        self._controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def wait_for_messages(self, count: int, *, timeout: float = 20) -> list[EmailMessage]:
        wait_until(lambda: len(self.messages) >= count, timeout=timeout, what=f"{count} e-mails")
        return self.messages


def current_database_url() -> str:
    """The URL of the database this test uses (pytest-django's test database), for a subprocess."""
    database = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{database['NAME']}"
    credentials = database["USER"] + (f":{database['PASSWORD']}" if database["PASSWORD"] else "")
    return (
        f"postgres://{credentials}@{database['HOST'] or '127.0.0.1'}:"
        f"{database['PORT'] or 5432}/{database['NAME']}"
    )


WORKER_COMMAND = (sys.executable, "manage.py", "db_worker")


class TaskWorker:
    """`manage.py db_worker` in a process of its own, on the test database, sending by SMTP."""

    def __init__(self, *, smtp: SmtpServer, log_path: Path, **environment: str) -> None:
        self.log_path = log_path
        env = dict(
            os.environ,
            DJANGO_SETTINGS_MODULE="config.settings.test",
            DATABASE_URL=current_database_url(),
            TASK_BACKEND="database",
            EMAIL_URL=smtp.url,
            MAIL_RETRY_DELAY="0.2",
            MAIL_RETRY_MAX_DELAY="0.5",
            DJANGO_LOG_FORMAT="plain",
        )
        env.update(environment)
        self._log = log_path.open("w")
        self.process = subprocess.Popen(  # noqa: S603 (our own manage.py)
            [*WORKER_COMMAND, "--interval", "0.05", "--no-startup-delay", "--no-reload"],
            cwd=settings.BASE_DIR,
            env=env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )

    def log(self) -> str:
        return self.log_path.read_text()

    def wait_for_log(self, text: str, *, count: int = 1, timeout: float = 20) -> None:
        wait_until(
            lambda: self.log().count(text) >= count, timeout=timeout, what=f"{text!r} in the log"
        )

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        finally:
            self.process.kill()
            self._log.close()
