# ruff: noqa: N999 - gunicorn looks for a file of this name
"""gunicorn configuration for the portal: `gunicorn -c portal/gunicorn.conf.py portal.wsgi`.

Every value comes from a GUNICORN_* environment variable (docs/DEPLOY.md lists them), with
defaults for one machine behind a TLS-terminating reverse proxy on the same host.
"""

import multiprocessing
import os


def _int(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError:
        raise SystemExit(f"{name} must be an integer, not {raw!r}.") from None


def default_workers(cores: int, cap: int) -> int:
    """gunicorn's rule of thumb, 2 × cores + 1, capped (each worker holds its own database
    connections and memory)."""
    return max(1, min(2 * cores + 1, cap))


bind = [item.strip() for item in os.environ.get("GUNICORN_BIND", "127.0.0.1:8000").split(",") if item.strip()]
workers = _int("GUNICORN_WORKERS", 0) or default_workers(
    multiprocessing.cpu_count(), _int("GUNICORN_MAX_WORKERS", 8)
)
# Threads > 1 switches to the gthread worker: slow clients and file downloads hold a thread,
# not a whole process.
threads = _int("GUNICORN_THREADS", 2)
worker_class = "gthread" if threads > 1 else "sync"
timeout = _int("GUNICORN_TIMEOUT", 30)
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 30)
keepalive = _int("GUNICORN_KEEPALIVE", 5)
# Each worker restarts after this many requests (plus up to the jitter, so they do not all
# restart together): bounds the damage of any slow memory growth. 0 switches it off.
max_requests = _int("GUNICORN_MAX_REQUESTS", 1000)
max_requests_jitter = _int("GUNICORN_MAX_REQUESTS_JITTER", 100)

# The proxy's address(es) whose X-Forwarded-Proto/-For gunicorn trusts (comma-separated, or *).
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1,::1")

# Logs to standard output/error, for the process manager or container runtime to collect.
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-") or None
errorlog = os.environ.get("GUNICORN_ERROR_LOG", "-")
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
# The request id ends each access line, to match it with the application's log lines and the
# proxy's: the one the portal answered with (portal.middleware.RequestIdMiddleware), which is the
# proxy's when that is a plain token, else one the portal made.
_request_id_header = os.environ.get("GUNICORN_REQUEST_ID_HEADER", "X-Request-ID").strip().lower()
access_log_format = '%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s" %(M)sms' + (
    f" request_id=%({{{_request_id_header}}}o)s" if _request_id_header else ""
)

# Load the application in each worker after the fork (not in the master): database pools and
# Redis connections are never shared across processes.
preload_app = False
# Temporary files of the worker heartbeat in memory, not on a possibly slow disk.
_shm = "/dev/shm"  # noqa: S108 - gunicorn's own advice: heartbeat files in memory
worker_tmp_dir = os.environ.get("GUNICORN_WORKER_TMP_DIR", _shm if os.path.isdir(_shm) else None)
