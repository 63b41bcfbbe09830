import pytest
from django.db import OperationalError

pytestmark = pytest.mark.django_db


def test_healthz_reports_database_and_broker(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"]["ok"] is True
    assert body["broker"]["ok"] is True
    assert response["Cache-Control"].startswith("max-age=0")


def test_healthz_is_503_when_the_database_is_down(client, monkeypatch):
    from portal import health

    class BrokenConnection:
        vendor = "postgresql"

        def cursor(self):
            raise OperationalError("connection refused")

    monkeypatch.setattr(health, "connection", BrokenConnection())
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "down"
    assert body["database"] == {"ok": False, "vendor": "postgresql", "error": "OperationalError"}


def test_healthz_degraded_but_serving_when_the_broker_is_down(client, settings):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "degraded"
    assert body["broker"]["ok"] is False
    assert body["broker"]["transport"] == "redis"


@pytest.mark.redis
def test_healthz_pings_real_redis_when_configured(client, settings):
    import os

    from tests.conftest import need_service

    url = os.environ.get("REDIS_URL")
    if not url:
        need_service("Redis", "REDIS_URL is not set")
    settings.CELERY_BROKER_URL = url
    body = client.get("/healthz").json()
    assert body["broker"]["ok"] is True, body
    assert body["broker"]["transport"] == "redis"


def test_healthz_refuses_post(client):
    assert client.post("/healthz").status_code == 405
