"""GET /healthz: is the database answering, is the broker reachable, does the virus scanner
answer (when CLAMD_URL is set)?

200 when the database answers (the broker's and the scanner's states are reported; a broker
outage degrades reminders, a scanner outage refuses uploads, but the portal still serves),
503 when the database does not.
"""

import time

from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from licensing import antivirus


def _check_database() -> dict:
    started = time.monotonic()
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # noqa: BLE001 - any failure means "down", reported by class
        return {"ok": False, "vendor": connection.vendor, "error": exc.__class__.__name__}
    return {"ok": True, "vendor": connection.vendor, "ms": round((time.monotonic() - started) * 1000, 1)}


def _check_broker() -> dict:
    url = settings.CELERY_BROKER_URL
    scheme = url.split("://", 1)[0]
    started = time.monotonic()
    if scheme in ("redis", "rediss"):
        import redis

        try:
            client = redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1)
            client.ping()
        except Exception as exc:  # noqa: BLE001
            return {"ok": False, "transport": scheme, "error": exc.__class__.__name__}
        finally:
            try:
                client.close()
            except Exception:  # noqa: BLE001, S110
                pass
        return {"ok": True, "transport": scheme, "ms": round((time.monotonic() - started) * 1000, 1)}
    if scheme == "filesystem":
        folder = settings.CELERY_BROKER_TRANSPORT_OPTIONS["data_folder_in"]
        import os

        os.makedirs(folder, exist_ok=True)
        return {"ok": os.access(folder, os.W_OK), "transport": scheme}
    return {"ok": True, "transport": scheme, "note": "not probed"}


@never_cache
@require_GET
def healthz(request):
    checks = {"database": _check_database(), "broker": _check_broker()}
    if antivirus.configured():
        checks["scanner"] = antivirus.ping()
    database_ok = checks["database"]["ok"]
    everything_ok = all(check["ok"] for check in checks.values())
    status = "ok" if everything_ok else ("degraded" if database_ok else "down")
    return JsonResponse({"status": status, **checks}, status=200 if database_ok else 503)
