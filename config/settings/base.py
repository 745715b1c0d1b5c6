"""Every setting of the project, read from the environment.

Production differs from development only through environment variables; the
README lists each one. A production start (DJANGO_DEBUG off) with a missing or
weak secret fails here, at import time, before any request is served.
"""

import ipaddress
import os
from datetime import timedelta
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

from config.jwt_keys import jwt_keys_configure

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()

# --- Core -------------------------------------------------------------------

DEBUG = env.bool("DJANGO_DEBUG", default=False)

# Only ever used with DJANGO_DEBUG on; a production start refuses it below.
DEVELOPMENT_SECRET_KEY = "django-insecure-development-only-key-never-use-in-production-0123456789"
SECRET_KEY = env("DJANGO_SECRET_KEY", default=DEVELOPMENT_SECRET_KEY if DEBUG else "")


def is_weak_secret(secret: str) -> bool:
    """Django's security.W009 thresholds: under 50 characters, under 5 distinct, or insecure."""
    return len(secret) < 50 or len(set(secret)) < 5 or secret.startswith("django-insecure-")


if not DEBUG and is_weak_secret(SECRET_KEY):
    raise ImproperlyConfigured(
        "DJANGO_SECRET_KEY is missing or weak: production needs at least 50 random "
        "characters (python -c 'import secrets; print(secrets.token_urlsafe(64))')."
    )
# Rotation: the previous DJANGO_SECRET_KEY values (comma-separated) still verify
# what they signed (sessions, password fingerprints of tokens) but sign nothing.
# https://docs.djangoproject.com/en/5.2/ref/settings/#secret-key-fallbacks
SECRET_KEY_FALLBACKS = env.list("DJANGO_SECRET_KEY_FALLBACKS", default=[])
if not DEBUG and any(is_weak_secret(fallback) for fallback in SECRET_KEY_FALLBACKS):
    raise ImproperlyConfigured("DJANGO_SECRET_KEY_FALLBACKS holds a weak secret.")

ALLOWED_HOSTS = env.list(
    "DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"] if DEBUG else []
)

INSTALLED_APPS = [
    # django.contrib.admin, with its password doors throttled (accounts/admin_site.py).
    "accounts.apps.AccountsAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "corsheaders",
    "django_filters",
    "graphene_django",
    # GraphiQL's JavaScript and CSS, pinned and served from /static/: no CDN.
    "graphene_django_graphiql_static",
    # The task queue (Django 6's tasks framework, backported) and its database backend.
    "django_tasks",
    "django_tasks_db",
    "accounts",
    "organization",
]

MIDDLEWARE = [
    # First, so every response (even an early one) has its request id and log line.
    "config.middleware.RequestLogMiddleware",
    # Next, so it sees every error response of an API path, Django's HTML ones too.
    "config.middleware.ApiJsonErrorMiddleware",
    # Before the rest, so that even a preflight answered early gets its CORS headers.
    "corsheaders.middleware.CorsMiddleware",
    # An anonymous address over its query cost budget is answered here, cheaply.
    "config.middleware.BudgetRefusalMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Static files under gunicorn: https://whitenoise.readthedocs.io/en/stable/django.html
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        # GraphiQL's page (schema/templates/graphiql.html).
        "DIRS": [BASE_DIR / "schema" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- HTTPS and security headers ---------------------------------------------
# Secure by default when DJANGO_DEBUG is off, so `manage.py check --deploy` is
# clean; each is switchable for a deployment that needs otherwise.
# https://docs.djangoproject.com/en/5.2/howto/deployment/checklist/

SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=not DEBUG)
# Behind a TLS-terminating proxy that sets X-Forwarded-Proto (and strips a client's).
if env.bool("DJANGO_SECURE_PROXY_SSL_HEADER", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_SECURE = env.bool("DJANGO_SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("DJANGO_CSRF_COOKIE_SECURE", default=not DEBUG)
# Short until HTTPS is known to work everywhere; then raise it to 31536000.
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=0 if DEBUG else 60)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool(
    "DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", default=not DEBUG
)
SECURE_HSTS_PRELOAD = env.bool("DJANGO_SECURE_HSTS_PRELOAD", default=not DEBUG)
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

# --- CORS -------------------------------------------------------------------
# Browser clients on other origins: https://github.com/adamchainz/django-cors-headers
# Access tokens travel in the Authorization header. Credentials (cookies) are allowed
# for the listed origins only, never for any other (no wildcard is ever sent): the
# one cookie the API reads is the refresh cookie of cookie mode, and only
# refreshToken and revokeToken read it, behind an Origin and a CSRF header check.

# Development only (DJANGO_DEBUG on): the usual dev servers (React/Next, Vite, Vue CLI).
DEVELOPMENT_CORS_ORIGINS = [
    f"http://{host}:{port}" for host in ("localhost", "127.0.0.1") for port in (3000, 5173, 8080)
]
CORS_ALLOWED_ORIGINS = env.list(
    "CORS_ALLOWED_ORIGINS", default=DEVELOPMENT_CORS_ORIGINS if DEBUG else []
)
# /graphql/token/: the same endpoint, where the refresh cookie is sent (its Path).
CORS_URLS_REGEX = r"^/graphql(/token)?/?$"
CORS_ALLOW_METHODS = ("GET", "POST", "OPTIONS")
CORS_ALLOW_HEADERS = ("accept", "authorization", "content-type", "dpop", "x-csrf-token")
CORS_ALLOW_CREDENTIALS = True
# Response headers a browser app may read beyond the safelisted ones: when to retry
# (429, 503), a DPoP or Bearer challenge (401), and the id to quote in a bug report.
CORS_EXPOSE_HEADERS = ("retry-after", "www-authenticate", "x-request-id")
CORS_PREFLIGHT_MAX_AGE = env.int("CORS_PREFLIGHT_MAX_AGE", default=86400)

# --- Database ---------------------------------------------------------------
# https://django-environ.readthedocs.io/en/latest/types.html#environ-env-db-url

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
# Persistent connections in production (checked before reuse, so a restarted
# database costs one failed request at most, not a dead worker).
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DJANGO_CONN_MAX_AGE", default=0 if DEBUG else 60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Fail fast instead of hanging a worker: bounded connects and statements (ms).
    # https://www.postgresql.org/docs/current/runtime-config-client.html
    STATEMENT_TIMEOUT_MS = env.int("DATABASE_STATEMENT_TIMEOUT", default=10_000)
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "connect_timeout": env.int("DATABASE_CONNECT_TIMEOUT", default=5),
            "options": f"-c statement_timeout={STATEMENT_TIMEOUT_MS}",
        }
    )
elif DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # One file, several writers (runserver's threads, the task worker, live tests):
    # a transaction takes the write lock when it begins and waits up to `timeout`
    # seconds for it, instead of failing at once with "database is locked" when a
    # read turns into a write. https://docs.djangoproject.com/en/5.2/ref/databases/#sqlite-transaction-behavior
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"transaction_mode": "IMMEDIATE", "timeout": 20}
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache ------------------------------------------------------------------
# Shared state (sign-in throttling, ...) lives here: Redis when REDIS_URL is set.

REDIS_URL = env("REDIS_URL", default="")
CACHES = {
    "default": (
        {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            # Fail fast when Redis is unreachable instead of hanging a worker.
            "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
        }
        if REDIS_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    ),
}
# Apollo persisted queries live in their own cache, never in the one that holds
# the throttle counters: a Redis database number isolates no memory, so with
# allkeys-lru registrations would evict the counters. Set it to a Redis *server*
# of its own (memory cap, `maxmemory-policy allkeys-lru`) to share registrations
# across workers; the production start refuses the same server as REDIS_URL
# (config/production.py). Unset: each process keeps its own, at most
# PERSISTED_QUERY_LOCAL_ENTRIES documents.
PERSISTED_QUERY_CACHE_URL = env("PERSISTED_QUERY_CACHE_URL", default="")
PERSISTED_QUERY_LOCAL_ENTRIES = 500
CACHES["persisted_queries"] = (
    {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": PERSISTED_QUERY_CACHE_URL,
        "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
    }
    if PERSISTED_QUERY_CACHE_URL
    else {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "apq",
        "OPTIONS": {"MAX_ENTRIES": PERSISTED_QUERY_LOCAL_ENTRIES},
    }
)
GRAPHQL_PERSISTED_QUERY_CACHE = "persisted_queries"

# --- Authentication ---------------------------------------------------------

AUTH_USER_MODEL = "accounts.User"
# Argon2id at OWASP's recommended strength first (accounts/hashers.py, README
# "Security choices"); PBKDF2 after it, so older hashes still verify and are
# rehashed to Argon2id at the next successful sign-in.
# https://docs.djangoproject.com/en/5.2/topics/auth/passwords/#using-argon2-with-django
PASSWORD_HASHERS = [
    "accounts.hashers.Argon2idPasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    # Bounded data: no door (admin, manage.py) sets a password the API refuses.
    {"NAME": "accounts.validators.MaximumLengthValidator"},
]

# --- Invitations ----------------------------------------------------------------
# An invitation to join an organization (organization/services.py) is valid this
# long; resending it issues a new token and a new expiry.
INVITATION_EXPIRY_SECONDS = env.int("INVITATION_EXPIRY_SECONDS", default=7 * 86400)
# Invitations one user may send (inviteMember and resendInvitation), per hour.
INVITATIONS_PER_INVITER_PER_HOUR = env.int("INVITATIONS_PER_INVITER_PER_HOUR", default=50)
# Invitation mails one user may send to one address (all organizations, resends
# too), per day.
INVITATIONS_PER_ADDRESS_PER_INVITER_PER_DAY = env.int(
    "INVITATIONS_PER_ADDRESS_PER_INVITER_PER_DAY", default=5
)
# The least time between two sends of the same invitation.
INVITATION_RESEND_INTERVAL_SECONDS = env.int("INVITATION_RESEND_INTERVAL_SECONDS", default=60)
# acceptInvitation / declineInvitation by token, per signed-in user, per hour.
INVITATION_TOKEN_ATTEMPTS_PER_HOUR = env.int("INVITATION_TOKEN_ATTEMPTS_PER_HOUR", default=20)
if (
    min(
        INVITATION_EXPIRY_SECONDS,
        INVITATIONS_PER_INVITER_PER_HOUR,
        INVITATIONS_PER_ADDRESS_PER_INVITER_PER_DAY,
        INVITATION_TOKEN_ATTEMPTS_PER_HOUR,
    )
    <= 0
    or INVITATION_RESEND_INTERVAL_SECONDS < 0
):
    raise ImproperlyConfigured(
        "INVITATION_* must be positive integers (INVITATION_RESEND_INTERVAL_SECONDS may be 0)."
    )

# --- Sign-in throttling --------------------------------------------------------
# Password attempts at every door (tokenAuth, changePassword, /admin/ login) are
# limited per username from one address, per username from all addresses (a much
# higher ceiling, so a stranger cannot lock a user out of their own address while
# a spray from many addresses still stops) and per client address, in fixed
# windows counted in the cache above (accounts/throttling.py). A correct password
# does not count.

SIGN_IN_ATTEMPTS_PER_USERNAME = env.int("SIGN_IN_ATTEMPTS_PER_USERNAME", default=10)
SIGN_IN_ATTEMPTS_PER_USERNAME_ALL_IPS = env.int(
    "SIGN_IN_ATTEMPTS_PER_USERNAME_ALL_IPS", default=100
)
SIGN_IN_ATTEMPTS_PER_IP = env.int("SIGN_IN_ATTEMPTS_PER_IP", default=100)
SIGN_IN_ATTEMPTS_WINDOW = env.int("SIGN_IN_ATTEMPTS_WINDOW", default=900)
# An address a user signed in from stays theirs this long: from it, the username's
# ceiling across all addresses does not apply (a spray cannot lock them out).
SIGN_IN_KNOWN_ADDRESS_SECONDS = env.int("SIGN_IN_KNOWN_ADDRESS_SECONDS", default=30 * 86400)
# Reverse proxies (addresses or CIDR networks, comma-separated) whose
# X-Forwarded-For is believed: only a request whose direct peer is one of them has
# its client address read from the header. Empty (the default): never.
TRUSTED_PROXIES = env.list("TRUSTED_PROXIES", default=[])

_sign_in_limits = (
    SIGN_IN_ATTEMPTS_PER_USERNAME,
    SIGN_IN_ATTEMPTS_PER_USERNAME_ALL_IPS,
    SIGN_IN_ATTEMPTS_PER_IP,
    SIGN_IN_ATTEMPTS_WINDOW,
)
if min(_sign_in_limits) < 1:
    raise ImproperlyConfigured("SIGN_IN_ATTEMPTS_* must be positive integers.")
if SIGN_IN_ATTEMPTS_PER_USERNAME_ALL_IPS < SIGN_IN_ATTEMPTS_PER_USERNAME:
    raise ImproperlyConfigured(
        "SIGN_IN_ATTEMPTS_PER_USERNAME_ALL_IPS must be at least SIGN_IN_ATTEMPTS_PER_USERNAME."
    )
for _proxy in TRUSTED_PROXIES:
    try:
        ipaddress.ip_network(_proxy.strip(), strict=False)
    except ValueError as _error:
        raise ImproperlyConfigured(
            f"TRUSTED_PROXIES: {_proxy!r} is not an IP address or network."
        ) from _error
# Replaced by TRUSTED_PROXIES: a count of proxies let any client that reached the
# server directly write its own address. Refused rather than ignored, since
# ignoring it behind a proxy would count every client as the proxy's address.
if env.int("TRUSTED_PROXY_COUNT", default=0):
    raise ImproperlyConfigured(
        "TRUSTED_PROXY_COUNT is no longer read: list the proxies' addresses in "
        "TRUSTED_PROXIES instead (e.g. TRUSTED_PROXIES=10.0.0.0/8), and unset it."
    )

# --- Sign-up, e-mail verification and password reset ---------------------------
# accounts/sign_up.py and accounts/password_reset.py; README "Sign-up and password reset".

# Off (the production default, until e-mail is set up): `register` answers
# SIGN_UP_DISABLED; verification and reset still work.
SIGN_UP_ENABLED = env.bool("SIGN_UP_ENABLED", default=DEBUG)
# Links in e-mails stop working after these many seconds.
EMAIL_VERIFICATION_TIMEOUT = env.int("EMAIL_VERIFICATION_TIMEOUT", default=2 * 86400)
# Django's own setting (its admin's reset views read it too).
PASSWORD_RESET_TIMEOUT = env.int("PASSWORD_RESET_TIMEOUT", default=3600)
# Requests that send e-mail or create accounts, counted in the cache above per
# window: sign-ups per client address; requestPasswordReset and
# resendVerificationEmail per e-mail address and per client address.
MAIL_REQUESTS_WINDOW = env.int("MAIL_REQUESTS_WINDOW", default=3600)
SIGN_UPS_PER_IP = env.int("SIGN_UPS_PER_IP", default=10)
MAIL_REQUESTS_PER_ADDRESS = env.int("MAIL_REQUESTS_PER_ADDRESS", default=3)
MAIL_REQUESTS_PER_IP = env.int("MAIL_REQUESTS_PER_IP", default=20)
if (
    min(
        EMAIL_VERIFICATION_TIMEOUT,
        PASSWORD_RESET_TIMEOUT,
        MAIL_REQUESTS_WINDOW,
        SIGN_UPS_PER_IP,
        MAIL_REQUESTS_PER_ADDRESS,
        MAIL_REQUESTS_PER_IP,
    )
    < 1
):
    raise ImproperlyConfigured(
        "EMAIL_VERIFICATION_TIMEOUT, PASSWORD_RESET_TIMEOUT, MAIL_REQUESTS_* and "
        "SIGN_UPS_PER_IP must be positive integers."
    )

# --- JSON Web Tokens ----------------------------------------------------------
# Access tokens are signed JWTs; refresh tokens are random strings stored as
# hashes (see accounts/tokens.py and accounts/models.py).

# HS256 signs with JWT_SIGNING_KEY (default: DJANGO_SECRET_KEY); RS256 and ES256
# sign with JWT_PRIVATE_KEY and verify with JWT_PUBLIC_KEY (PEM text; "\n" escapes
# are accepted for one-line environments). config/jwt_keys.py refuses weak,
# missing or mismatched keys here, at start. Key rotation: the keys being retired
# stay in JWT_PREVIOUS_SIGNING_KEYS (HS256, comma-separated) or
# JWT_PREVIOUS_PUBLIC_KEYS (PEM, one after another): they verify, never sign.
# Every token names its key in a `kid` header (accounts/tokens.py).
_jwt_algorithm = env("JWT_ALGORITHM", default="HS256")
_jwt_previous_secrets = env.list("JWT_PREVIOUS_SIGNING_KEYS", default=[])
if _jwt_algorithm == "HS256" and "JWT_SIGNING_KEY" not in os.environ:
    # The HS256 key is DJANGO_SECRET_KEY: its fallbacks verify access tokens too,
    # so rotating DJANGO_SECRET_KEY signs nobody out.
    _jwt_previous_secrets += SECRET_KEY_FALLBACKS
_jwt_keys = jwt_keys_configure(
    algorithm=_jwt_algorithm,
    secret=env("JWT_SIGNING_KEY", default=SECRET_KEY),
    secret_is_explicit="JWT_SIGNING_KEY" in os.environ,
    private_pem=env.str("JWT_PRIVATE_KEY", default="", multiline=True),
    public_pem=env.str("JWT_PUBLIC_KEY", default="", multiline=True),
    production=not DEBUG,
    previous_secrets=_jwt_previous_secrets,
    previous_public_pems=env.str("JWT_PREVIOUS_PUBLIC_KEYS", default="", multiline=True),
)
JWT_ALGORITHM = _jwt_keys.algorithm
JWT_SIGNING_KEY = _jwt_keys.signing_key
JWT_VERIFYING_KEY = _jwt_keys.verifying_key
JWT_PREVIOUS_VERIFYING_KEYS = _jwt_keys.previous_verifying_keys
JWT_ACCESS_TOKEN_LIFETIME = timedelta(seconds=env.int("JWT_ACCESS_TOKEN_LIFETIME", default=300))
JWT_REFRESH_TOKEN_LIFETIME = timedelta(seconds=env.int("JWT_REFRESH_TOKEN_LIFETIME", default=86400))
# The reuse interval (accounts/refresh_reuse.py): a rotated refresh token presented
# again within this many seconds gets the same successor pair instead of ending the
# chain (parallel tabs or requests refreshing at once). 0 turns it off; at most 60.
JWT_REFRESH_TOKEN_REUSE_INTERVAL = env.int("JWT_REFRESH_TOKEN_REUSE_INTERVAL", default=5)
if not 0 <= JWT_REFRESH_TOKEN_REUSE_INTERVAL <= 60:
    raise ImproperlyConfigured("JWT_REFRESH_TOKEN_REUSE_INTERVAL must be between 0 and 60.")
# Cookie mode (accounts/refresh_cookie.py): the refresh cookie's SameSite attribute.
# Strict when the app and the API share a site (app.example.com and api.example.com,
# localhost:5173 and localhost:8000); None when they do not (then CORS and the CSRF
# header are the only guards, as they are anyway).
REFRESH_TOKEN_COOKIE_SAMESITE = env("REFRESH_TOKEN_COOKIE_SAMESITE", default="Strict")
if REFRESH_TOKEN_COOKIE_SAMESITE not in ("Strict", "Lax", "None"):
    raise ImproperlyConfigured("REFRESH_TOKEN_COOKIE_SAMESITE must be Strict, Lax or None.")
JWT_ISSUER = env("JWT_ISSUER", default="") or None
JWT_AUDIENCE = env("JWT_AUDIENCE", default="") or None
# Clock skew allowed on `iat`, `nbf` and `exp` (seconds), between the machines
# that issue and those that verify: a token "from the future" by less is accepted.
JWT_LEEWAY = env.int("JWT_LEEWAY", default=5)
if not 0 <= JWT_LEEWAY < JWT_ACCESS_TOKEN_LIFETIME.total_seconds():
    raise ImproperlyConfigured("JWT_LEEWAY must be 0 or more and below JWT_ACCESS_TOKEN_LIFETIME.")
# Live sessions (sign-in chains) per user: a new sign-in beyond it ends the least
# recently used one, so `mySessions` and the per-user revocation state stay bounded.
SESSIONS_PER_USER_MAX = env.int("SESSIONS_PER_USER_MAX", default=20)
if not 1 <= SESSIONS_PER_USER_MAX <= 100:
    raise ImproperlyConfigured("SESSIONS_PER_USER_MAX must be between 1 and 100.")
# How long a verifier may cache /.well-known/jwks.json (RS256/ES256; config/jwks.py):
# publish a new key (JWT_PREVIOUS_PUBLIC_KEYS) at least this long before it signs.
JWT_JWKS_MAX_AGE = env.int("JWT_JWKS_MAX_AGE", default=300)
if not 0 <= JWT_JWKS_MAX_AGE <= 86400:
    raise ImproperlyConfigured("JWT_JWKS_MAX_AGE must be between 0 and 86400 seconds.")

# DPoP (RFC 9449, accounts/dpop.py): sender-constrained tokens, opt-in per sign-in.
# A proof is accepted for DPOP_PROOF_MAX_AGE seconds after its `iat` (plus
# JWT_LEEWAY either side); its `jti` is remembered in the cache that long.
DPOP_PROOF_MAX_AGE = env.int("DPOP_PROOF_MAX_AGE", default=60)
if not 1 <= DPOP_PROOF_MAX_AGE <= 600:
    raise ImproperlyConfigured("DPOP_PROOF_MAX_AGE must be between 1 and 600 seconds.")
# Ed25519 is RFC 9864's name for EdDSA over Ed25519 (npm's `dpop` sends it).
_DPOP_SUPPORTED_ALGORITHMS = ["ES256", "RS256", "EdDSA", "Ed25519"]
DPOP_ALGORITHMS = tuple(env.list("DPOP_ALGORITHMS", default=_DPOP_SUPPORTED_ALGORITHMS))
if not DPOP_ALGORITHMS or not set(DPOP_ALGORITHMS) <= set(_DPOP_SUPPORTED_ALGORITHMS):
    raise ImproperlyConfigured("DPOP_ALGORITHMS must be a subset of ES256, RS256, EdDSA, Ed25519.")

# Only django-graphql-jwt's decorators are used (schema/core/auth.py); these keep
# the library's own defaults safe should any other part of it ever be reached.
GRAPHQL_JWT = {
    "JWT_VERIFY_EXPIRATION": True,
    "JWT_AUTH_HEADER_PREFIX": "Bearer",
    "JWT_EXPIRATION_DELTA": JWT_ACCESS_TOKEN_LIFETIME,
    "JWT_REFRESH_EXPIRATION_DELTA": JWT_REFRESH_TOKEN_LIFETIME,
    "JWT_LONG_RUNNING_REFRESH_TOKEN": True,
    "JWT_ALGORITHM": JWT_ALGORITHM,
    "JWT_LEEWAY": JWT_LEEWAY,
    **(
        {"JWT_SECRET_KEY": JWT_SIGNING_KEY}
        if JWT_ALGORITHM == "HS256"
        else {"JWT_PRIVATE_KEY": JWT_SIGNING_KEY, "JWT_PUBLIC_KEY": JWT_VERIFYING_KEY}
    ),
}

# --- E-mail and the task queue -----------------------------------------------
# Messages are rendered in the request and sent by a task after the transaction
# commits (accounts/mail.py, accounts/tasks.py), never inside the request.
# https://django-environ.readthedocs.io/en/latest/types.html#environ-env-email-url
# EMAIL_URL unset: the console in development; in production Django's default, an
# SMTP server on localhost:25 (the start logs a warning).

EMAIL_URL = env("EMAIL_URL", default="")
if EMAIL_URL:
    _email = env.email_url_config(EMAIL_URL)
    EMAIL_BACKEND = _email["EMAIL_BACKEND"]
    EMAIL_HOST = _email["EMAIL_HOST"] or "localhost"
    EMAIL_PORT = _email["EMAIL_PORT"] or 25
    EMAIL_HOST_USER = _email["EMAIL_HOST_USER"] or ""
    EMAIL_HOST_PASSWORD = _email["EMAIL_HOST_PASSWORD"] or ""
    EMAIL_USE_TLS = _email.get("EMAIL_USE_TLS", False)
    EMAIL_USE_SSL = _email.get("EMAIL_USE_SSL", False)
    EMAIL_FILE_PATH = _email["EMAIL_FILE_PATH"]
elif DEBUG:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
# A silent SMTP server costs a worker this long (seconds), then the send is retried.
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=10)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="noreply@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# "immediate" runs a task in the process that queues it (development: no worker to
# start); "database" stores it for `python manage.py db_worker` (production).
# https://github.com/RealOrangeOne/django-tasks-db
TASK_BACKEND = env("TASK_BACKEND", default="immediate" if DEBUG else "database")
_task_backends = {
    "immediate": "django_tasks.backends.immediate.ImmediateBackend",
    "database": "django_tasks_db.DatabaseBackend",
}
if TASK_BACKEND not in _task_backends:
    raise ImproperlyConfigured("TASK_BACKEND must be 'immediate' or 'database'.")
TASKS = {"default": {"BACKEND": _task_backends[TASK_BACKEND]}}
# A send that fails (the SMTP server down or refusing for now) is tried again after
# MAIL_RETRY_DELAY seconds, doubling each time up to MAIL_RETRY_MAX_DELAY, at most
# MAIL_SEND_ATTEMPTS times in all (defaults: 8 tries over about 2 hours).
MAIL_SEND_ATTEMPTS = env.int("MAIL_SEND_ATTEMPTS", default=8)
MAIL_RETRY_DELAY = env.float("MAIL_RETRY_DELAY", default=60.0)
MAIL_RETRY_MAX_DELAY = env.float("MAIL_RETRY_MAX_DELAY", default=3600.0)
if MAIL_SEND_ATTEMPTS < 1 or MAIL_RETRY_DELAY < 0 or MAIL_RETRY_MAX_DELAY < MAIL_RETRY_DELAY:
    raise ImproperlyConfigured(
        "MAIL_SEND_ATTEMPTS must be >= 1 and 0 <= MAIL_RETRY_DELAY <= MAIL_RETRY_MAX_DELAY."
    )

# Links in e-mails point at the frontend: each template's {token} is replaced by
# the URL-quoted token (accounts/mail.py). After "#", the token stays out of the
# frontend server's logs and of Referer headers.
FRONTEND_DEVELOPMENT_URL = "http://localhost:3000"
FRONTEND_LINKS = {
    "verify_email": env(
        "FRONTEND_VERIFY_EMAIL_URL",
        default=f"{FRONTEND_DEVELOPMENT_URL}/verify-email#token={{token}}",
    ),
    "reset_password": env(
        "FRONTEND_RESET_PASSWORD_URL",
        default=f"{FRONTEND_DEVELOPMENT_URL}/reset-password#token={{token}}",
    ),
    "invitation": env(
        "FRONTEND_INVITATION_URL", default=f"{FRONTEND_DEVELOPMENT_URL}/invitation#token={{token}}"
    ),
}
for _kind, _link in FRONTEND_LINKS.items():
    if _link.count("{token}") != 1:
        raise ImproperlyConfigured(
            f"The frontend link for {_kind} must hold the placeholder {{token}} exactly once."
        )

# --- GraphQL ----------------------------------------------------------------

# Validation stops after this many errors: a client needs the first few, and each
# costs time to make and bytes to send (a hostile document can make hundreds).
GRAPHENE = {"SCHEMA": "schema.schema", "MAX_VALIDATION_ERRORS": 20}
# Connections: the page size when a client gives neither `first` nor `last`,
# and the most it may ask for (more is an error, PAGE_SIZE_TOO_LARGE).
GRAPHQL_DEFAULT_PAGE_SIZE = env.int("GRAPHQL_DEFAULT_PAGE_SIZE", default=20)
GRAPHQL_MAX_PAGE_SIZE = env.int("GRAPHQL_MAX_PAGE_SIZE", default=100)
# The in-browser explorer at /graphql/; on in development, off in production.
# Its docs pane needs introspection on too.
GRAPHIQL_ENABLED = env.bool("GRAPHIQL_ENABLED", default=DEBUG)
# Production posture: what the API tells a stranger about itself.
GRAPHQL_INTROSPECTION_ENABLED = env.bool("GRAPHQL_INTROSPECTION_ENABLED", default=DEBUG)
# "Did you mean ...?" in error messages would rebuild the schema without introspection.
GRAPHQL_SUGGESTIONS_ENABLED = env.bool("GRAPHQL_SUGGESTIONS_ENABLED", default=DEBUG)
GRAPHQL_MASK_INTERNAL_ERRORS = env.bool("GRAPHQL_MASK_INTERNAL_ERRORS", default=not DEBUG)

# Limits, checked before a document runs (schema/core/limits.py). A real client
# stays far below them; an abusive document does not.
GRAPHQL_MAX_DOCUMENT_SIZE = env.int("GRAPHQL_MAX_DOCUMENT_SIZE", default=20_000)
# The request body of a POST to /graphql/ (413 past it), and the values its
# variables may hold (BAD_USER_INPUT past it); no argument takes a list.
GRAPHQL_MAX_BODY_BYTES = env.int("GRAPHQL_MAX_BODY_BYTES", default=256 * 1024)
GRAPHQL_MAX_VARIABLE_VALUES = env.int("GRAPHQL_MAX_VARIABLE_VALUES", default=1_000)
GRAPHQL_MAX_DEPTH = env.int("GRAPHQL_MAX_DEPTH", default=15)
GRAPHQL_MAX_ALIASES = env.int("GRAPHQL_MAX_ALIASES", default=15)
GRAPHQL_MAX_ROOT_FIELDS = env.int("GRAPHQL_MAX_ROOT_FIELDS", default=20)
GRAPHQL_MAX_MUTATIONS = env.int("GRAPHQL_MAX_MUTATIONS", default=5)
# The most a query's answer may weigh, counted while it runs (schema/core/execution.py);
# past it execution stops with RESPONSE_TOO_LARGE. 0 turns the bound off.
GRAPHQL_MAX_RESPONSE_BYTES = env.int("GRAPHQL_MAX_RESPONSE_BYTES", default=8 * 1024 * 1024)
# Compiled plans answer the queries they know (organizations and their members)
# from rows, without graphql-core's per-field execution, with the same answer
# (schema/core/plans.py). Off: every query runs through graphql-core.
GRAPHQL_PLANS_ENABLED = env.bool("GRAPHQL_PLANS_ENABLED", default=True)
# Query templates (accounts/query_templates.py): the SQL of the plans' queries and of
# the signed-in user's lookup, compiled once by Django and run with each request's
# values. Off: Django builds and compiles every query, as anywhere else.
QUERY_TEMPLATES_ENABLED = env.bool("QUERY_TEMPLATES_ENABLED", default=True)
# Query cost (schema/core/cost.py, budget.py): an operation priced above the maximum is
# refused (COST_LIMIT_EXCEEDED); what runs is charged to a budget of points per
# window, per signed-in user or per anonymous client address, kept in the cache
# above (RATE_LIMITED over it). A budget of 0 turns that budget off.
GRAPHQL_MAX_QUERY_COST = env.int("GRAPHQL_MAX_QUERY_COST", default=5_000)
GRAPHQL_COST_BUDGET_PER_USER = env.int("GRAPHQL_COST_BUDGET_PER_USER", default=50_000)
GRAPHQL_COST_BUDGET_PER_IP = env.int("GRAPHQL_COST_BUDGET_PER_IP", default=5_000)
GRAPHQL_COST_BUDGET_WINDOW = env.int("GRAPHQL_COST_BUDGET_WINDOW", default=60)
# Points charged to that budget for parsing and validating a document the process
# has not cached (schema/core/cost_checks.py); 0 charges nothing.
GRAPHQL_DOCUMENT_PREPARATION_COST = env.int("GRAPHQL_DOCUMENT_PREPARATION_COST", default=50)
# New documents that all anonymous callers together may have one worker prepare
# per second (a token bucket per process); 0 turns it off.
GRAPHQL_ANONYMOUS_PREPARATIONS_PER_SECOND = env.int(
    "GRAPHQL_ANONYMOUS_PREPARATIONS_PER_SECOND", default=10
)
if GRAPHQL_MAX_QUERY_COST < 1 or GRAPHQL_COST_BUDGET_WINDOW < 1:
    raise ImproperlyConfigured(
        "GRAPHQL_MAX_QUERY_COST and GRAPHQL_COST_BUDGET_WINDOW must be >= 1."
    )
for _budget in (GRAPHQL_COST_BUDGET_PER_USER, GRAPHQL_COST_BUDGET_PER_IP):
    # A budget below the maximum would refuse the largest allowed query forever.
    if _budget and _budget < GRAPHQL_MAX_QUERY_COST:
        raise ImproperlyConfigured(
            "GRAPHQL_COST_BUDGET_PER_USER and _PER_IP must be 0 (off) or at least "
            "GRAPHQL_MAX_QUERY_COST."
        )
# A JSON array of operations in one POST; 0 turns batching off.
GRAPHQL_MAX_BATCH_SIZE = env.int("GRAPHQL_MAX_BATCH_SIZE", default=0)
# Before validation (schema/core/documents.py, complexity.py): the parser's
# budgets, then one cheap walk; a document over any of them is DOCUMENT_TOO_COMPLEX.
GRAPHQL_MAX_TOKENS = env.int("GRAPHQL_MAX_TOKENS", default=800)
GRAPHQL_MAX_COMMENTS = env.int("GRAPHQL_MAX_COMMENTS", default=200)
GRAPHQL_MAX_SELECTIONS = env.int("GRAPHQL_MAX_SELECTIONS", default=300)
GRAPHQL_MAX_SAME_NAME_FIELDS = env.int("GRAPHQL_MAX_SAME_NAME_FIELDS", default=25)
GRAPHQL_MAX_FRAGMENT_SPREADS = env.int("GRAPHQL_MAX_FRAGMENT_SPREADS", default=30)
GRAPHQL_MAX_OPERATIONS = env.int("GRAPHQL_MAX_OPERATIONS", default=20)
GRAPHQL_MAX_FIELD_COMPARISONS = env.int("GRAPHQL_MAX_FIELD_COMPARISONS", default=2_000)
GRAPHQL_MAX_VARIABLES = env.int("GRAPHQL_MAX_VARIABLES", default=50)
# Parsed and validated documents kept per process (schema/core/documents.py),
# bounded in entries and in bytes (counted per entry, its compiled plans included);
# 0 entries turns it off, and the plans with it.
GRAPHQL_DOCUMENT_CACHE_SIZE = env.int("GRAPHQL_DOCUMENT_CACHE_SIZE", default=500)
GRAPHQL_DOCUMENT_CACHE_BYTES = env.int("GRAPHQL_DOCUMENT_CACHE_BYTES", default=32 * 1024 * 1024)
# Apollo's automatic persisted queries (schema/core/persisted.py): how long a
# registered document stays in the shared cache, in seconds.
GRAPHQL_PERSISTED_QUERY_TTL = env.int("GRAPHQL_PERSISTED_QUERY_TTL", default=86_400)
# Only signed-in users register new documents, at most this many an hour each
# (counted in the default cache); 0 turns registration off. Anyone runs a known hash.
GRAPHQL_PERSISTED_QUERY_REGISTRATIONS_PER_USER = env.int(
    "GRAPHQL_PERSISTED_QUERY_REGISTRATIONS_PER_USER", default=100
)
# Allow-list mode: run only the documents of this JSON file ({sha256: document}).
GRAPHQL_PERSISTED_QUERIES_ONLY = env.bool("GRAPHQL_PERSISTED_QUERIES_ONLY", default=False)
GRAPHQL_PERSISTED_QUERIES_FILE = env(
    "GRAPHQL_PERSISTED_QUERIES_FILE", default=str(BASE_DIR / "persisted_queries.json")
)

# --- Internationalization and static files ----------------------------------

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
# Where collectstatic puts the files that WhiteNoise serves under gunicorn.
STATIC_ROOT = Path(env("DJANGO_STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Compressed, not manifest-hashed: GraphiQL's bundles name source maps that
    # are not shipped, which the manifest storage refuses at collectstatic.
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}

# --- Metrics ----------------------------------------------------------------
# Prometheus at /metrics (config/metrics.py; README, "Observability"): off unless
# METRICS_ENABLED; a scrape sends `Authorization: Bearer $METRICS_TOKEN` when it is
# set (production refuses metrics without one). Operation-name labels: the first
# METRICS_OPERATION_NAMES distinct names per process, the rest "other".
# PROMETHEUS_MULTIPROC_DIR (read by prometheus-client itself too): where gunicorn's
# workers keep their values; empty, each process counts alone.
METRICS_ENABLED = env.bool("METRICS_ENABLED", default=False)
METRICS_TOKEN = env("METRICS_TOKEN", default="")
METRICS_OPERATION_NAMES = env.int("METRICS_OPERATION_NAMES", default=200)
PROMETHEUS_MULTIPROC_DIR = env("PROMETHEUS_MULTIPROC_DIR", default="")
if METRICS_OPERATION_NAMES < 0:
    raise ImproperlyConfigured("METRICS_OPERATION_NAMES must be >= 0.")

# --- Traces -----------------------------------------------------------------
# OpenTelemetry (config/tracing.py; README, "Observability", "Traces"): off unless
# TRACING_ENABLED, and then nothing of OpenTelemetry is even imported. On, the
# standard OTEL_* variables configure it (OTEL_SERVICE_NAME, the OTLP/HTTP
# endpoint OTEL_EXPORTER_OTLP_ENDPOINT or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT,
# OTEL_TRACES_SAMPLER and _ARG, ...); OTEL_SDK_DISABLED=true turns it off again.
# https://opentelemetry.io/docs/languages/sdk-configuration/
# A resolver (a field not on execution.py's short path) gets its own span only
# when it took at least TRACING_RESOLVER_THRESHOLD_MS milliseconds (0: every one,
# at most 50 per operation).
TRACING_ENABLED = env.bool("TRACING_ENABLED", default=False)
TRACING_RESOLVER_THRESHOLD_MS = env.float("TRACING_RESOLVER_THRESHOLD_MS", default=100.0)
if TRACING_RESOLVER_THRESHOLD_MS < 0:
    raise ImproperlyConfigured("TRACING_RESOLVER_THRESHOLD_MS must be >= 0.")

# --- Error tracking ---------------------------------------------------------
# https://docs.sentry.io/platforms/python/integrations/django/ ; see config/sentry.py.

SENTRY_DSN = env("SENTRY_DSN", default="")
if SENTRY_DSN:
    from config.sentry import sentry_init

    sentry_init(
        dsn=SENTRY_DSN,
        environment=env("SENTRY_ENVIRONMENT", default="development" if DEBUG else "production"),
        release=env("SENTRY_RELEASE", default="") or None,
        traces_sample_rate=env.float("SENTRY_TRACES_SAMPLE_RATE", default=0.0),
    )

# --- Logging ----------------------------------------------------------------

# JSON lines in production (for log shippers), readable text in development.
LOG_FORMAT = env("DJANGO_LOG_FORMAT", default="plain" if DEBUG else "json")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"()": "config.logging.PlainFormatter"},
        "json": {"()": "config.logging.JsonFormatter"},
    },
    # The id of the request being served goes on every line (config/logging.py).
    "filters": {
        "request_id": {"()": "config.logging.RequestIdFilter"},
        "answered_request": {"()": "config.logging.AnsweredRequestFilter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": LOG_FORMAT,
            "filters": ["request_id"],
        }
    },
    "root": {"handlers": ["console"], "level": env("DJANGO_LOG_LEVEL", default="INFO")},
    # A 4xx of a GraphQL request is in its own request line already (config/logging.py).
    "loggers": {"django.request": {"filters": ["answered_request"]}},
}
