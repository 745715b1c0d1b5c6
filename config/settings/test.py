"""Test settings: the base settings made fast (a cheap password hasher) and plain HTTP.

The cache stays as base.py sets it, so a run with REDIS_URL exercises Redis.
"""

import os

# Tests run with DJANGO_DEBUG off, like production, so they need a strong secret.
os.environ.setdefault("DJANGO_SECRET_KEY", "test-secret-key-" + "x7Kq2" * 10)
# Django's test client speaks plain HTTP; production's redirect to HTTPS would
# answer every request with a 301.
os.environ.setdefault("DJANGO_SECURE_SSL_REDIRECT", "false")

from .base import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
