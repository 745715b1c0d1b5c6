"""Test settings: the base settings made fast (a cheap password hasher) and plain HTTP.

The cache stays as base.py sets it, so a run with REDIS_URL exercises Redis. Tasks
run in the process that queues them, and a SQLite test database is a file.
"""

import os
import tempfile
from pathlib import Path

# Tests run with DJANGO_DEBUG off, like production, so they need a strong secret.
os.environ.setdefault("DJANGO_SECRET_KEY", "test-secret-key-" + "x7Kq2" * 10)
# Django's test client speaks plain HTTP; production's redirect to HTTPS would
# answer every request with a 301.
os.environ.setdefault("DJANGO_SECURE_SSL_REDIRECT", "false")
from .base import *  # noqa: F403

# Tasks run where they are queued (after commit), unless TASK_BACKEND says otherwise
# (the worker processes that tests/accounts/test_mail_worker.py starts). Not through
# os.environ: the servers other tests start must keep production's default.
if "TASK_BACKEND" not in os.environ:
    TASK_BACKEND = "immediate"
    TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}

# On SQLite the test database is a file (one per test process), not memory, so that
# another process (the task worker started by a test) can open it.
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    DATABASES["default"]["TEST"] = {  # noqa: F405
        "NAME": str(Path(tempfile.gettempdir()) / f"graphql-api-test-{os.getpid()}.sqlite3")
    }

# Fast; tests/accounts/test_hashers.py puts production's (Argon2id first) back for
# the tests of the hasher itself, its parameters, upgrades and the dummy run.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
