"""Test settings: the base settings made fast (a cheap password hasher).

The cache stays as base.py sets it, so a run with REDIS_URL exercises Redis.
"""

import os

# Tests run with DJANGO_DEBUG off, like production, so they need a strong secret.
os.environ.setdefault("DJANGO_SECRET_KEY", "test-secret-key-" + "x7Kq2" * 10)

from .base import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
