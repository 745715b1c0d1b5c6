"""What makes settings unfit for a production start (checked by config/gunicorn.py)."""

from django.conf import settings

from config.settings.base import DEVELOPMENT_SECRET_KEY, is_weak_secret


def production_problems() -> list[str]:
    """Every reason the current settings must not serve production traffic."""
    problems = []
    if settings.DEBUG:
        problems.append("DJANGO_DEBUG is on; it shows tracebacks and settings to anyone.")
    if settings.SECRET_KEY == DEVELOPMENT_SECRET_KEY or is_weak_secret(settings.SECRET_KEY):
        problems.append("DJANGO_SECRET_KEY is the development key or weak.")
    if not settings.ALLOWED_HOSTS:
        problems.append("DJANGO_ALLOWED_HOSTS is empty; set the host names this API serves.")
    return problems
