"""Settings of the benchmark server: the project's, plus the two reference endpoints.

One gunicorn process serves /graphql/, the DRF reference and the raw floor view
over the same models and database. Production-like: DEBUG off (the harness
generates a strong DJANGO_SECRET_KEY), persistent database connections.
"""

import os

from django.conf import global_settings

from benchmarks.conf import pbkdf2_first, simple_jwt_settings
from config.settings.base import *  # noqa: F403
from config.settings.base import (
    DATABASES,
    INSTALLED_APPS,
    JWT_ALGORITHM,
    JWT_AUDIENCE,
    JWT_ISSUER,
    JWT_SIGNING_KEY,
)

DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
# Plain HTTP on loopback, as behind a TLS-terminating proxy.
SECURE_SSL_REDIRECT = False
INSTALLED_APPS = [*INSTALLED_APPS, "rest_framework"]
ROOT_URLCONF = "benchmarks.urls"

# --- Database ---------------------------------------------------------------
# Persistent connections, as a production server runs
# (https://docs.djangoproject.com/en/5.2/ref/databases/#persistent-connections).
DATABASES["default"]["CONN_MAX_AGE"] = None
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Two workers write (tokenAuth, refreshToken, createOrganization): wait for
    # the lock instead of failing, and take it when a transaction begins.
    DATABASES["default"]["OPTIONS"] = {"timeout": 30, "transaction_mode": "IMMEDIATE"}

# --- The references -----------------------------------------------------------
# The DRF views name their authentication, permission, renderer and pagination
# classes themselves (benchmarks/references.py), so they behave the same under
# the test settings; simplejwt reads its configuration only from here.
# https://django-rest-framework-simplejwt.readthedocs.io/en/latest/settings.html
SIMPLE_JWT = simple_jwt_settings(
    signing_key=JWT_SIGNING_KEY, algorithm=JWT_ALGORITHM, issuer=JWT_ISSUER, audience=JWT_AUDIENCE
)

# --- Query cost ---------------------------------------------------------------
# One reader sends thousands of pages a minute, far past any real user's budget:
# every request is still priced and charged (so its cost is in the figures), but
# the budgets are out of reach.
GRAPHQL_COST_BUDGET_PER_USER = 10**12
GRAPHQL_COST_BUDGET_PER_IP = 10**12

# --- The sign-in of before (the tokenAuth-pbkdf2 case) ------------------------
# A second server of the run prefers PBKDF2 (1,000,000 iterations, Django's), so
# a PBKDF2 hash signs in as it did before the hasher changed and is never
# upgraded; the main server uses the project's hashers as they are.
if os.environ.get("BENCH_PREFERRED_HASHER") == "pbkdf2":
    PASSWORD_HASHERS = pbkdf2_first(
        list(globals().get("PASSWORD_HASHERS", global_settings.PASSWORD_HASHERS))
    )
