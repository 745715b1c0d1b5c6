"""What makes settings unfit for a production start (checked by config/gunicorn.py)."""

from django.conf import settings

from config.settings.base import DEVELOPMENT_SECRET_KEY, is_weak_secret
from schema.core.persisted import allow_list


def production_problems(*, workers: int = 1) -> list[str]:
    """Every reason the current settings must not serve production traffic."""
    problems = []
    if workers > 1 and settings.CACHES["default"]["BACKEND"].endswith("LocMemCache"):
        problems.append(
            "REDIS_URL is not set: with several workers each would keep its own sign-in "
            "throttle counters, multiplying the attempts an attacker gets."
        )
    if settings.GRAPHQL_PERSISTED_QUERIES_ONLY:
        try:
            allow_list()
        except (OSError, ValueError) as error:
            problems.append(f"GRAPHQL_PERSISTED_QUERIES_FILE is unusable: {error}")
    if settings.DEBUG:
        problems.append("DJANGO_DEBUG is on; it shows tracebacks and settings to anyone.")
    if settings.SECRET_KEY == DEVELOPMENT_SECRET_KEY or is_weak_secret(settings.SECRET_KEY):
        problems.append("DJANGO_SECRET_KEY is the development key or weak.")
    if not settings.ALLOWED_HOSTS:
        problems.append("DJANGO_ALLOWED_HOSTS is empty; set the host names this API serves.")
    return problems
