"""What makes settings unfit for a production start, and what deserves a warning there.

Both are checked by config/gunicorn.py.
"""

import socket
from urllib.parse import urlsplit

from django.conf import settings

from config.persisted_queries import allow_list, registration_allowed
from config.settings.base import DEVELOPMENT_SECRET_KEY, is_weak_secret

REDIS_DEFAULT_PORT = 6379


def _redis_server(url: str) -> set[tuple]:
    """The addresses one Redis URL connects to: (address, port) pairs, or its socket path."""
    parts = urlsplit(url.strip())
    if parts.scheme == "unix":
        return {("unix", parts.path)}
    host = (parts.hostname or "localhost").lower()
    port = parts.port or REDIS_DEFAULT_PORT
    try:
        # Two names of one machine ("localhost", "127.0.0.1") are one server.
        return {
            (address[4][0], port)
            for address in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        }
    except OSError:
        return {(host, port)}


def redis_servers(cache: dict) -> set[tuple]:
    """Every Redis server a CACHES entry uses (LOCATION may list several); empty if not Redis."""
    if not cache["BACKEND"].endswith("RedisCache"):
        return set()
    location = cache["LOCATION"]
    urls = location.split(",") if isinstance(location, str) else location
    return set().union(*(_redis_server(url) for url in urls if url.strip()))


def persisted_queries_share_throttle_memory() -> bool:
    """Whether registrations could fill the memory that holds the throttle counters.

    The same Redis server, whatever the database number: databases share one
    `maxmemory`, and allkeys-lru evicts from all of them.
    """
    default = redis_servers(settings.CACHES["default"])
    persisted = redis_servers(settings.CACHES[settings.GRAPHQL_PERSISTED_QUERY_CACHE])
    return registration_allowed() and bool(default & persisted)


def production_problems(*, workers: int = 1) -> list[str]:
    """Every reason the current settings must not serve production traffic."""
    problems = []
    if workers > 1 and settings.CACHES["default"]["BACKEND"].endswith("LocMemCache"):
        problems.append(
            "REDIS_URL is not set: with several workers each would keep its own sign-in "
            "throttle counters, multiplying the attempts an attacker gets."
        )
    if persisted_queries_share_throttle_memory():
        problems.append(
            "PERSISTED_QUERY_CACHE_URL is the Redis server of REDIS_URL: a database number "
            "isolates no memory, so persisted-query registrations could evict the sign-in "
            "throttle counters. Give it a Redis server of its own, unset it (each process "
            "keeps its own), or turn registration off "
            "(GRAPHQL_PERSISTED_QUERY_REGISTRATIONS_PER_USER=0)."
        )
    if settings.GRAPHQL_PERSISTED_QUERIES_ONLY:
        try:
            allow_list()
        except (OSError, ValueError) as error:
            problems.append(f"GRAPHQL_PERSISTED_QUERIES_FILE is unusable: {error}")
    if settings.METRICS_ENABLED and not settings.METRICS_TOKEN:
        problems.append(
            "METRICS_ENABLED is on without METRICS_TOKEN: /metrics would be public. "
            "Set METRICS_TOKEN (the scraper sends it as a Bearer token)."
        )
    if settings.DEBUG:
        problems.append("DJANGO_DEBUG is on; it shows tracebacks and settings to anyone.")
    if settings.SECRET_KEY == DEVELOPMENT_SECRET_KEY or is_weak_secret(settings.SECRET_KEY):
        problems.append("DJANGO_SECRET_KEY is the development key or weak.")
    if not settings.ALLOWED_HOSTS:
        problems.append("DJANGO_ALLOWED_HOSTS is empty; set the host names this API serves.")
    return problems


def production_warnings() -> list[str]:
    """What a production start logs without refusing: e-mail set-up left at its defaults.

    Not refusals: an instance can serve everything but e-mail without them, and the
    operator may run the mail worker elsewhere (README, "Deployment").
    """
    warnings = []
    if not settings.EMAIL_URL:
        warnings.append(
            "EMAIL_URL is not set: e-mail goes to an SMTP server on localhost:25, if any."
        )
    development_links = sorted(
        kind
        for kind, link in settings.FRONTEND_LINKS.items()
        if link.startswith(settings.FRONTEND_DEVELOPMENT_URL)
    )
    if development_links:
        warnings.append(
            f"The links in e-mails ({', '.join(development_links)}) point at "
            f"{settings.FRONTEND_DEVELOPMENT_URL}: set FRONTEND_VERIFY_EMAIL_URL, "
            "FRONTEND_RESET_PASSWORD_URL and FRONTEND_INVITATION_URL."
        )
    if settings.TASK_BACKEND == "database":
        warnings.append(
            "E-mail is queued in the database: it goes out only while a worker runs "
            "(python manage.py db_worker)."
        )
    return warnings
