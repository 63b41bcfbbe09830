"""Production runtime settings, built from the environment: static files, document storage,
the PostgreSQL connection pool, the cache and sessions (docs/adr/0009-production-runtime.md).

Settings calls these functions; each takes what it needs as arguments (an environment mapping
or values already read), so the tests can check every combination without reloading settings.
"""

from collections.abc import Mapping

from django.core.exceptions import ImproperlyConfigured

# Server-side encryption choices for documents on S3: off, S3-managed keys, or a KMS key.
S3_ENCRYPTION_CHOICES = ("", "AES256", "aws:kms")
S3_ADDRESSING_STYLES = ("auto", "virtual", "path")


def _int(env: Mapping[str, str], name: str, default: int | None) -> int | None:
    raw = env.get(name, "")
    if raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be an integer, not {raw!r}.") from None


def storages(env: Mapping[str, str], *, debug: bool) -> dict:
    """STORAGES: documents on the local disk or on S3; static files hashed and compressed
    (WhiteNoise) in production, plain in development and tests."""
    static = (
        "django.contrib.staticfiles.storage.StaticFilesStorage"
        if debug
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    )
    return {"default": document_storage(env), "staticfiles": {"BACKEND": static}}


def document_storage(env: Mapping[str, str]) -> dict:
    """Where uploaded documents and certificate PDFs go: MEDIA_ROOT, or an S3 bucket when
    PORTAL_S3_BUCKET is set. Objects are private: nothing ever hands out their URL, and every
    download goes through the portal's access-checked views."""
    bucket = env.get("PORTAL_S3_BUCKET", "").strip()
    if not bucket:
        return {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    encryption = env.get("PORTAL_S3_ENCRYPTION", "AES256").strip()
    if encryption not in S3_ENCRYPTION_CHOICES:
        raise ImproperlyConfigured(
            f"PORTAL_S3_ENCRYPTION must be empty, AES256 or aws:kms, not {encryption!r}."
        )
    style = env.get("PORTAL_S3_ADDRESSING_STYLE", "auto").strip() or "auto"
    if style not in S3_ADDRESSING_STYLES:
        raise ImproperlyConfigured(
            f"PORTAL_S3_ADDRESSING_STYLE must be auto, virtual or path, not {style!r}."
        )
    parameters = {}
    if encryption:
        parameters["ServerSideEncryption"] = encryption
        kms_key = env.get("PORTAL_S3_KMS_KEY_ID", "").strip()
        if encryption == "aws:kms" and kms_key:
            parameters["SSEKMSKeyId"] = kms_key
    options = {
        "bucket_name": bucket,
        "endpoint_url": env.get("PORTAL_S3_ENDPOINT_URL", "").strip() or None,
        "region_name": env.get("PORTAL_S3_REGION", "").strip() or None,
        "location": env.get("PORTAL_S3_PREFIX", "").strip().strip("/"),
        "addressing_style": None if style == "auto" else style,
        "default_acl": "private",
        "querystring_auth": True,  # if a URL were ever made, it would be signed and short-lived
        "querystring_expire": 60,
        "file_overwrite": False,  # never replace an existing object under the same name
        "object_parameters": parameters,
    }
    return {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": options}


def database_pool(env: Mapping[str, str], database: dict) -> dict:
    """Add psycopg's connection pool (Django 5.2 native) to a PostgreSQL `database` when
    DB_POOL_MAX_SIZE is set. A pool and persistent connections exclude each other."""
    max_size = _int(env, "DB_POOL_MAX_SIZE", None)
    if max_size is None:
        return database
    if database["ENGINE"] != "django.db.backends.postgresql":
        raise ImproperlyConfigured("DB_POOL_MAX_SIZE needs a PostgreSQL DATABASE_URL.")
    if database.get("CONN_MAX_AGE"):
        raise ImproperlyConfigured(
            "DB_CONN_MAX_AGE must be 0 when DB_POOL_MAX_SIZE is set: the pool keeps the connections."
        )
    min_size = _int(env, "DB_POOL_MIN_SIZE", min(2, max_size))
    timeout = _int(env, "DB_POOL_TIMEOUT", 10)
    if max_size < 1 or not 0 <= min_size <= max_size:
        raise ImproperlyConfigured(
            f"DB_POOL_MIN_SIZE ({min_size}) must be between 0 and DB_POOL_MAX_SIZE ({max_size}), "
            "which must be at least 1."
        )
    database["CONN_MAX_AGE"] = 0
    database.setdefault("OPTIONS", {})["pool"] = {
        "min_size": min_size,
        "max_size": max_size,
        "timeout": timeout,
    }
    return database


def caches(cache_url: str) -> dict:
    """Django's built-in Redis cache when `cache_url` is set, else an in-process memory cache."""
    if not cache_url:
        return {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "portal"}}
    if not cache_url.startswith(("redis://", "rediss://", "unix://")):
        raise ImproperlyConfigured(f"CACHE_URL must be a redis:// or rediss:// URL, not {cache_url!r}.")
    return {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": cache_url,
            "KEY_PREFIX": "portal",
        }
    }


def session_engine(cache_url: str) -> str:
    """Sessions in the database, read through the shared cache when there is one: a cache
    flush or eviction signs nobody out."""
    if cache_url:
        return "django.contrib.sessions.backends.cached_db"
    return "django.contrib.sessions.backends.db"


# Cache backends each process keeps to itself (or that keep nothing): used once-only TOTP codes,
# sign-in and API-token lockout counters and throttles would be counted per process.
LOCAL_CACHE_BACKENDS = (
    "django.core.cache.backends.locmem.LocMemCache",
    "django.core.cache.backends.dummy.DummyCache",
    "django.core.cache.backends.filebased.FileBasedCache",
)


def shared_cache_check(app_configs, **kwargs):
    """`check --deploy`: production needs a cache every web process shares (CACHE_URL)."""
    from django.conf import settings
    from django.core import checks

    backend = settings.CACHES.get("default", {}).get("BACKEND", "")
    if backend in LOCAL_CACHE_BACKENDS:
        return [
            checks.Error(
                f"The default cache ({backend.rsplit('.', 1)[-1]}) is not shared between processes: each "
                "web process would accept the same two-factor code once, and count failed sign-ins, "
                "API-token lockouts and throttles on its own.",
                hint="Set CACHE_URL to a Redis database of its own, e.g. redis://redis.internal:6379/1.",
                id="portal.E001",
            )
        ]
    return []
