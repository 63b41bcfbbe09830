"""Production runtime settings (portal/runtime.py): document storage options, the PostgreSQL
connection pool (used for real on PostgreSQL), and the Redis cache with cached_db sessions (on
a real Redis: a cache flush signs nobody out)."""

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.core import checks
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.urls import reverse

from portal import runtime
from tests.conftest import need_service

ROOT = Path(__file__).resolve().parents[1]
POSTGRES = {"ENGINE": "django.db.backends.postgresql", "NAME": "portal", "CONN_MAX_AGE": 0}


# --- Storage.


def test_without_a_bucket_documents_stay_on_the_local_disk_and_static_files_are_plain_in_debug():
    assert runtime.storages({}, debug=True) == {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    production = runtime.storages({}, debug=False)
    assert production["staticfiles"]["BACKEND"] == "whitenoise.storage.CompressedManifestStaticFilesStorage"


def test_a_bucket_means_private_encrypted_s3_objects_under_the_prefix():
    env = {
        "PORTAL_S3_BUCKET": "regulator-docs",
        "PORTAL_S3_ENDPOINT_URL": "https://s3.internal.example",
        "PORTAL_S3_REGION": "me-central-1",
        "PORTAL_S3_PREFIX": "/portal/",
        "PORTAL_S3_ENCRYPTION": "aws:kms",
        "PORTAL_S3_KMS_KEY_ID": "alias/portal",
        "PORTAL_S3_ADDRESSING_STYLE": "virtual",
    }
    storage = runtime.document_storage(env)
    options = storage["OPTIONS"]
    assert storage["BACKEND"] == "storages.backends.s3.S3Storage"
    assert options["bucket_name"] == "regulator-docs" and options["location"] == "portal"
    assert options["endpoint_url"] == "https://s3.internal.example"
    assert options["region_name"] == "me-central-1" and options["addressing_style"] == "virtual"
    assert options["default_acl"] == "private" and options["file_overwrite"] is False
    assert options["object_parameters"] == {"ServerSideEncryption": "aws:kms", "SSEKMSKeyId": "alias/portal"}


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("PORTAL_S3_ENCRYPTION", "rot13", "PORTAL_S3_ENCRYPTION must be empty, AES256 or aws:kms"),
        (
            "PORTAL_S3_ADDRESSING_STYLE",
            "sideways",
            "PORTAL_S3_ADDRESSING_STYLE must be auto, virtual or path",
        ),
    ],
)
def test_a_wrong_s3_option_stops_start_up_with_a_clear_message(name, value, message):
    with pytest.raises(ImproperlyConfigured, match=message):
        runtime.document_storage({"PORTAL_S3_BUCKET": "b", name: value})


# --- Connection pool.


def test_no_pool_unless_asked():
    assert "pool" not in runtime.database_pool({}, dict(POSTGRES)).get("OPTIONS", {})


def test_the_pool_takes_its_sizes_from_the_environment():
    database = runtime.database_pool(
        {"DB_POOL_MIN_SIZE": "1", "DB_POOL_MAX_SIZE": "8", "DB_POOL_TIMEOUT": "5"}, dict(POSTGRES)
    )
    assert database["OPTIONS"]["pool"] == {"min_size": 1, "max_size": 8, "timeout": 5}
    assert database["CONN_MAX_AGE"] == 0


@pytest.mark.parametrize(
    ("env", "database", "message"),
    [
        ({"DB_POOL_MAX_SIZE": "4"}, {**POSTGRES, "CONN_MAX_AGE": 60}, "DB_CONN_MAX_AGE must be 0"),
        ({"DB_POOL_MAX_SIZE": "4"}, {"ENGINE": "django.db.backends.sqlite3"}, "needs a PostgreSQL"),
        ({"DB_POOL_MAX_SIZE": "2", "DB_POOL_MIN_SIZE": "3"}, POSTGRES, "must be between 0 and"),
        ({"DB_POOL_MAX_SIZE": "many"}, POSTGRES, "DB_POOL_MAX_SIZE must be an integer"),
    ],
)
def test_an_impossible_pool_stops_start_up_with_a_clear_message(env, database, message):
    with pytest.raises(ImproperlyConfigured, match=message):
        runtime.database_pool(env, dict(database))


POOL_PROBE = """
import json
import django
django.setup()
from django.db import connection
pids = []
for _ in range(3):
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pids.append(cursor.fetchone()[0])
    connection.close()  # with a pool: the connection goes back to it, it is not closed
stats = connection.pool.get_stats()
print(json.dumps({"pool": connection.settings_dict["OPTIONS"]["pool"], "pids": pids,
                  "kind": type(connection.pool).__name__, "opened": stats.get("connections_num")}))
"""


def test_on_postgresql_the_pool_is_used_and_connections_are_reused(require_postgres, tmp_path):
    db = connection.settings_dict
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    url = f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "DB_CONN_MAX_AGE": "0",
        "DB_POOL_MIN_SIZE": "1",
        "DB_POOL_MAX_SIZE": "1",
        "DB_POOL_TIMEOUT": "5",
        "PORTAL_VAR_DIR": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "portal.settings",
    }
    result = subprocess.run(  # noqa: S603 - our own interpreter and script
        [sys.executable, "-c", POOL_PROBE], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    probe = json.loads(result.stdout.strip().splitlines()[-1])
    assert probe["kind"] == "ConnectionPool"
    assert probe["pool"] == {"min_size": 1, "max_size": 1, "timeout": 5}
    # Three "requests", one server connection: the pool handed the same one back each time.
    assert len(set(probe["pids"])) == 1
    assert probe["opened"] == 1


# --- Cache and sessions.


def test_without_a_cache_server_sessions_are_in_the_database_and_the_cache_in_memory():
    assert runtime.session_engine("") == "django.contrib.sessions.backends.db"
    assert runtime.caches("")["default"]["BACKEND"] == "django.core.cache.backends.locmem.LocMemCache"
    with pytest.raises(ImproperlyConfigured, match="CACHE_URL must be a redis"):
        runtime.caches("memcached://127.0.0.1:11211")


@pytest.mark.parametrize("backend", runtime.LOCAL_CACHE_BACKENDS)
def test_the_deploy_check_refuses_a_cache_each_process_keeps_to_itself(settings, backend, tmp_path):
    settings.CACHES = {"default": {"BACKEND": backend, "LOCATION": str(tmp_path)}}
    errors = runtime.shared_cache_check(None)
    assert [e.id for e in errors] == ["portal.E001"]
    assert errors[0].level == checks.ERROR and "CACHE_URL" in errors[0].hint


def test_the_deploy_check_accepts_the_shared_redis_cache_and_runs_only_with_deploy(settings):
    settings.CACHES = runtime.caches("redis://127.0.0.1:6379/1")
    assert runtime.shared_cache_check(None) == []
    settings.CACHES = runtime.caches("")
    registry = checks.registry.registry
    assert runtime.shared_cache_check in registry.get_checks(include_deployment_checks=True)
    assert runtime.shared_cache_check not in registry.get_checks(include_deployment_checks=False)


@pytest.fixture
def redis_cache(settings):
    """Django's Redis cache on the Redis of CACHE_URL (or REDIS_URL), under a key prefix of
    this test's own, and sessions configured as production does."""
    import redis

    url = os.environ.get("CACHE_URL") or os.environ.get("REDIS_URL")
    if not url:
        need_service("Redis", "neither CACHE_URL nor REDIS_URL is set")
    client = redis.Redis.from_url(url, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.RedisError as exc:
        need_service("Redis", str(exc))
    prefix = f"portal-test-{uuid.uuid4().hex[:8]}"
    caches = runtime.caches(url)
    caches["default"]["KEY_PREFIX"] = prefix
    settings.CACHES = caches
    settings.SESSION_ENGINE = runtime.session_engine(url)

    def flush():
        """Every key of the cache gone (as after FLUSHDB or an eviction), the broker's untouched."""
        for key in client.scan_iter(match=f"{prefix}:*"):
            client.delete(key)
        return client

    yield flush
    flush()
    client.close()


@pytest.mark.django_db
def test_with_redis_the_cache_is_shared_and_sessions_survive_a_cache_flush(redis_cache, client, principal):
    from django.core.cache import cache, caches

    assert caches["default"].__class__.__name__ == "RedisCache"
    client.force_login(principal)
    session_key = client.cookies["sessionid"].value
    cache_key = f"django.contrib.sessions.cached_db{session_key}"
    assert cache.get(cache_key) is not None  # the session is read from Redis ...
    raw = redis_cache()
    assert cache.get(cache_key) is None  # ... until the cache is flushed

    response = client.get(reverse("dashboard"))
    assert response.status_code == 200  # still signed in: read back from the database
    assert response.wsgi_request.user == principal
    assert cache.get(cache_key) is not None  # and cached again for the next request

    cache.set("shared-figure", 42)
    assert any(b"shared-figure" in key for key in raw.scan_iter(match="portal-test-*"))


SETTINGS_PROBE = """
import json
import django
django.setup()
from django.conf import settings
print(json.dumps({
    "storage": settings.STORAGES["default"]["BACKEND"],
    "bucket": settings.STORAGES["default"].get("OPTIONS", {}).get("bucket_name"),
    "static": settings.STORAGES["staticfiles"]["BACKEND"],
    "cache": settings.CACHES["default"]["BACKEND"],
    "sessions": settings.SESSION_ENGINE,
    "whitenoise": settings.MIDDLEWARE.index("whitenoise.middleware.WhiteNoiseMiddleware"),
    "security": settings.MIDDLEWARE.index("django.middleware.security.SecurityMiddleware"),
    "previous_keys": settings.PORTAL_SIGNING_PREVIOUS_KEYS,
}))
"""


def test_settings_take_the_production_runtime_from_the_environment(tmp_path):
    """The real settings module, loaded fresh in a process of its own with production variables."""
    env = {
        **{k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG")},
        "DJANGO_SETTINGS_MODULE": "portal.settings",
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": "test-secret-key-for-the-settings-probe-only-0123456789abcdef",
        "PORTAL_VAR_DIR": str(tmp_path),
        "PORTAL_S3_BUCKET": "regulator-docs",
        "CACHE_URL": "redis://127.0.0.1:6379/9",
        "PORTAL_SIGNING_PREVIOUS_KEYS": "/keys/retired, /keys/old.pem",
    }
    result = subprocess.run(  # noqa: S603 - our own interpreter and script
        [sys.executable, "-c", SETTINGS_PROBE], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    probe = json.loads(result.stdout.strip().splitlines()[-1])
    assert probe["storage"] == "storages.backends.s3.S3Storage" and probe["bucket"] == "regulator-docs"
    assert probe["static"] == "whitenoise.storage.CompressedManifestStaticFilesStorage"
    assert probe["cache"] == "django.core.cache.backends.redis.RedisCache"
    assert probe["sessions"] == "django.contrib.sessions.backends.cached_db"
    assert probe["whitenoise"] == probe["security"] + 1
    assert probe["previous_keys"] == ["/keys/retired", "/keys/old.pem"]


def test_in_development_static_files_are_served_straight_from_the_static_folder(client):
    """No collectstatic on a laptop or in tests: WhiteNoise finds the files in static/."""
    css = next((ROOT / "static" / "css").glob("*.css"))
    response = client.get(f"/static/css/{css.name}")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == css.read_bytes()
