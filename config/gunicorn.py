"""gunicorn's configuration for the production start (`make serve`).

Every knob comes from the environment. A start is refused (gunicorn exits
non-zero before binding) when the settings are not fit for production; see
config/production.py.
"""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
# Synchronous workers: the schema and the ORM run synchronously anyway.
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
# A worker silent this long is killed and replaced (a stuck request, not a slow client).
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
# On SIGTERM, requests in flight get this long to finish: a graceful shutdown.
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "30"))
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE", "5"))
# Recycle workers now and then, jittered so they do not all restart at once.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "10000"))
max_requests_jitter = int(os.environ.get("GUNICORN_MAX_REQUESTS_JITTER", "1000"))
# The heartbeat file on a RAM disk, where one exists (Docker's /tmp may be slow).
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None  # noqa: S108
# The application logs one JSON line per GraphQL request; no access log twice.
accesslog = os.environ.get("GUNICORN_ACCESS_LOG") or None
errorlog = "-"
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1")
# gunicorn 25.1+ opens a control socket for `gunicornc` (worker counts, reload,
# shutdown) at one path per *user* ($XDG_RUNTIME_DIR/gunicorn.ctl or
# ~/.gunicorn/gunicorn.ctl): a second instance on the host silently takes it over,
# so commands meant for one reach another. Off, unless GUNICORN_CONTROL_SOCKET
# names a path of this instance's own (mode 0600).
_control_socket_path = os.environ.get("GUNICORN_CONTROL_SOCKET", "")
control_socket_disable = not _control_socket_path
if _control_socket_path:
    control_socket = _control_socket_path
wsgi_app = "config.wsgi:application"


def _metrics_directory_emptied() -> None:
    # prometheus-client's multiprocess files of an earlier run would be added to this
    # one's counts (and their dead workers' values never go away): start empty.
    directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if not directory:
        return
    os.makedirs(directory, exist_ok=True)
    for name in os.listdir(directory):
        if name.endswith(".db"):
            os.remove(os.path.join(directory, name))


def child_exit(server, worker) -> None:
    """A worker died: its live gauges leave /metrics (counters keep counting)."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)


def post_fork(server, worker) -> None:
    """Start tracing in the new worker when it is on (config/tracing.py): its own
    exporter thread, since a thread of the master would not survive the fork."""
    from config.tracing import tracing_setup

    tracing_setup()


def on_starting(server) -> None:
    """Empty the metrics directory; refuse to serve with settings not fit for production."""
    _metrics_directory_emptied()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
    import django

    django.setup()
    from config.production import production_problems, production_warnings

    for warning in production_warnings():
        server.log.warning("Check: %s", warning)
    problems = production_problems(workers=server.cfg.workers)
    if problems:
        for problem in problems:
            server.log.error("Refusing to start: %s", problem)
        raise SystemExit(1)
