"""Settings for the licensing and AML registry portal.

Everything a deployment changes comes from environment variables, each documented in
`.env.example` and the README. The defaults suit a laptop: SQLite, files under `var/`,
a broker that needs no server. Production (`DJANGO_DEBUG=0`) refuses to start without a
real secret key.
"""

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from portal import runtime
from portal.env import env_bool, env_int, env_int_list, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("PORTAL_VAR_DIR", str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = env_bool("DJANGO_DEBUG", True)

_DEV_SECRET = "dev-only-insecure-secret-key-do-not-use-in-production"  # noqa: S105
SECRET_KEY = env_str("DJANGO_SECRET_KEY", _DEV_SECRET if DEBUG else "")
if not SECRET_KEY:
    raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set when DJANGO_DEBUG=0.")

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "rest_framework",
    "django_celery_beat",
    "portal.accounts",
    "portal.audit",
    "licensing",
    "licensing.staff",
    "aml",
    "portal.businessdays",
    "portal.notifications",
    "portal.deadlines",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "portal.api",
    "licensing.certificates",
    "csp",
    "django_countries",  # its catalogues name the countries (Urdu from CLDR: portal/countries.py)
]

MIDDLEWARE = [
    "portal.middleware.RequestIdMiddleware",  # first: every response and log line has an id
    "portal.middleware.RequestSizeLimitMiddleware",  # before anything reads the body
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",  # static files, hashed and compressed (ADR 0009)
    "csp.middleware.CSPMiddleware",
    "portal.middleware.PermissionsPolicyMiddleware",
    "portal.middleware.PrivateCacheMiddleware",  # signed-in people's pages: private, no-store
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "portal.accounts.language.PreferredLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "portal.accounts.return_to.ReturnToPageMiddleware",  # sign-in returns to a page, not a POST-only URL
    "portal.accounts.sessions.StaffSessionPolicyMiddleware",
    "portal.accounts.mfa.StaffMfaRequiredMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "portal.audit.context.AuditContextMiddleware",
]

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"
ASGI_APPLICATION = "portal.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "licensing.web.context.portal_context",
            ],
        },
    },
]

# Database: SQLite under var/ unless DATABASE_URL says otherwise (PostgreSQL in production).
DATABASE_URL = env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'portal.sqlite3'}")
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 0))}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # IMMEDIATE takes the write lock when a transaction starts, so two writers queue
    # instead of failing half-way with "database is locked".
    DATABASES["default"].setdefault("OPTIONS", {}).update({"transaction_mode": "IMMEDIATE", "timeout": 20})

if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Short OLTP queries: PostgreSQL's JIT costs more to compile than it saves here (it
    # kicked in on the queue counts at 100 000 applications). Off for the portal's sessions.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("options", "-c jit=off")

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# SQLite (the laptop default) cannot build the screening alerts' NULLS NOT DISTINCT unique
# constraint; PostgreSQL, the production database, enforces it, and the screening code checks
# for an existing alert before raising one on any database.
SILENCED_SYSTEM_CHECKS = ["models.W047"] if DATABASES["default"]["ENGINE"].endswith("sqlite3") else []
AUTH_USER_MODEL = "accounts.User"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Time is stored in UTC and shown in the regulator's zone.
USE_TZ = True
TIME_ZONE = env_str("PORTAL_TIME_ZONE", "Asia/Karachi")
USE_I18N = True
LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("ur", _("Urdu"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
# The language switcher's choice is remembered for a year; a signed-in person's is also saved
# on them (User.preferred_language, ADR 0010). Dates and amounts: portal/formats/<lang>/.
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600
LANGUAGE_COOKIE_SAMESITE = "Lax"
FORMAT_MODULE_PATH = ["portal.formats"]

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env_str("DJANGO_STATIC_ROOT", str(VAR_DIR / "staticfiles")))
MEDIA_ROOT = Path(env_str("DJANGO_MEDIA_ROOT", str(VAR_DIR / "media")))

# Sign-in: django-allauth, email address as the login, verified before first use.
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "dashboard"
ACCOUNT_ADAPTER = "portal.accounts.adapter.AccountAdapter"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = env_str("ACCOUNT_EMAIL_VERIFICATION", "mandatory")
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGOUT_REDIRECT_URL = "home"
ACCOUNT_SESSION_REMEMBER = False
ACCOUNT_PRESERVE_USERNAME_CASING = False
# The regulator's and the portal's names (portal.branding): the defaults are the seed's regulator
# (Pakistan's) and a neutral product name.
PORTAL_REGULATOR_NAME = env_str("PORTAL_REGULATOR_NAME", "Pakistan Virtual Assets Regulatory Authority")
PORTAL_REGULATOR_SHORT_NAME = env_str("PORTAL_REGULATOR_SHORT_NAME", "PVARA")
PORTAL_NAME = env_str("PORTAL_NAME", "Virtual-asset licensing portal")
ACCOUNT_EMAIL_SUBJECT_PREFIX = env_str(
    "ACCOUNT_EMAIL_SUBJECT_PREFIX", f"[{PORTAL_REGULATOR_SHORT_NAME} portal] "
)
ACCOUNT_RATE_LIMITS = {"login_failed": env_str("PORTAL_LOGIN_FAILED_RATE_LIMIT", "10/m/ip,5/15m/key")}

# --- Sign-in hardening (portal.accounts.security; docs/adr/0008) ---------------------------
# Argon2 first: new passwords use it, older hashes are upgraded at the next successful sign-in.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
# Staff sessions end after this long without a request, and this long after signing in.
PORTAL_STAFF_IDLE_MINUTES = env_int("PORTAL_STAFF_IDLE_MINUTES", 30)
PORTAL_STAFF_SESSION_HOURS = env_int("PORTAL_STAFF_SESSION_HOURS", 12)
# A decision (grant, refuse, send back, reverse, suspend, lift, revoke) needs a sign-in or a
# re-authentication (password or second factor) no older than this.
PORTAL_STAFF_REAUTH_MINUTES = env_int("PORTAL_STAFF_REAUTH_MINUTES", 15)
# Failed API token attempts per client address before that address is locked out (429).
PORTAL_API_TOKEN_FAILURE_LIMIT = env_int("PORTAL_API_TOKEN_FAILURE_LIMIT", 10)
PORTAL_API_TOKEN_LOCKOUT_MINUTES = env_int("PORTAL_API_TOKEN_LOCKOUT_MINUTES", 15)
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
CSRF_FAILURE_VIEW = "portal.error_views.csrf_failure"  # the portal's 403 page, with the request id

# Two-factor authentication (TOTP + recovery codes), mandatory for regulator staff.
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = env_str("MFA_TOTP_ISSUER", f"{PORTAL_REGULATOR_SHORT_NAME} portal")
MFA_RECOVERY_CODE_COUNT = 10

# Uploaded documents: size limit and accepted types (checked by content and extension).
PORTAL_UPLOAD_MAX_BYTES = env_int("PORTAL_UPLOAD_MAX_MB", 20) * 1024 * 1024
# Form fields other than files are kept in memory up to this; a larger non-file body is refused.
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
# A file larger than this is written to a temporary file as it arrives, never held in memory.
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
# A request whose Content-Length is larger is answered 413 before anything reads its body
# (portal.middleware.RequestSizeLimitMiddleware): the largest upload plus room for the form.
PORTAL_REQUEST_MAX_BYTES = env_int("PORTAL_REQUEST_MAX_BYTES", PORTAL_UPLOAD_MAX_BYTES + 1024 * 1024)
# Virus scanning of every upload by ClamAV's clamd (licensing.antivirus): tcp://HOST:PORT or
# unix:///path/to/socket; empty for none. When set, a file is accepted only if clamd says clean.
CLAMD_URL = env_str("CLAMD_URL", "")
CLAMD_TIMEOUT_SECONDS = env_int("CLAMD_TIMEOUT_SECONDS", 10)

# Email: written to files under var/mail in development; SMTP when EMAIL_HOST is set.
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "portal@regulator.example")
if env_str("EMAIL_HOST", ""):
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST = env_str("EMAIL_HOST", "")
    EMAIL_PORT = env_int("EMAIL_PORT", 587)
    EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
    EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
    EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
    # A send that hangs holds its outbox row: give up (and retry) after this many seconds.
    EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 60)
else:
    EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.filebased.EmailBackend")
    EMAIL_FILE_PATH = VAR_DIR / "mail"

# Cache: in-process by default; a shared Redis cache (give it its own database number, apart
# from the Celery broker's) when CACHE_URL is set, e.g. redis://127.0.0.1:6379/1. Production
# with several web processes should set it: dashboard figures and used 2FA codes live here.
CACHE_URL = env_str("CACHE_URL", "")
CACHES = runtime.caches(CACHE_URL)
# How long the staff dashboard's figures are reused (seconds; 0 computes them on every view).
PORTAL_DASHBOARD_CACHE_SECONDS = env_int("PORTAL_DASHBOARD_CACHE_SECONDS", 60)
# The longest a rendered page of public register results is reused (seconds; 0: never). Any
# change to the register replaces them at once (licensing/register/cache.py).
PORTAL_REGISTER_CACHE_SECONDS = env_int("PORTAL_REGISTER_CACHE_SECONDS", 300)

# Celery: Redis when REDIS_URL is set; otherwise kombu's filesystem transport, which needs
# no server, so `make run` works on a bare laptop.
REDIS_URL = env_str("REDIS_URL", "")
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", REDIS_URL or "filesystem://")
if CELERY_BROKER_URL == "filesystem://":
    _queue_dir = VAR_DIR / "celery-queue"
    _queue_dir.mkdir(exist_ok=True)  # the transport needs the folder; a fresh var/ has none
    (VAR_DIR / "celery-processed").mkdir(exist_ok=True)
    (VAR_DIR / "celery-control").mkdir(exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_queue_dir),
        "data_folder_out": str(_queue_dir),
        "processed_folder": str(VAR_DIR / "celery-processed"),
        "store_processed": False,
        # Broadcast (worker control) messages; kombu's default is ./control in the working folder.
        "control_folder": str(VAR_DIR / "celery-control"),
    }
elif CELERY_BROKER_URL.startswith(("redis://", "rediss://")):
    # A task whose worker vanished without acknowledging it (acks_late) is delivered again
    # after this many seconds. The deadline sweep re-queues pending work from the database
    # anyway, so this only bounds how soon the broker itself retries.
    _visibility = env_int("CELERY_VISIBILITY_TIMEOUT", 3600)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": _visibility,
        "unacked_restore_interval": max(1, min(10, _visibility)),
        "unacked_restore_throttle": 1 if _visibility < 60 else 10,
    }
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["rest_framework.authentication.SessionAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "EXCEPTION_HANDLER": "portal.api_errors.exception_handler",
    # JSON refused when nested too deep or holding a lone surrogate (portal.api.parsers).
    "DEFAULT_PARSER_CLASSES": [
        "portal.api.parsers.StrictJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_SCHEMA_CLASS": "portal.api.schema.PortalAutoSchema",
}

# How deeply an API request's JSON may nest (arrays and objects); deeper is a 400 problem.
PORTAL_API_JSON_MAX_DEPTH = env_int("PORTAL_API_JSON_MAX_DEPTH", 32)

# Behind a reverse proxy that sets X-Forwarded-For, trust it for the client IP in the audit trail.
PORTAL_TRUST_X_FORWARDED_FOR = env_bool("PORTAL_TRUST_X_FORWARDED_FOR", False)

# Security settings that hold in every environment (docs/DEPLOY.md, "Security headers").
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = env_str("DJANGO_SECURE_REFERRER_POLICY", "same-origin")
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# Browser features no page of the portal uses, refused to every page (portal.middleware).
PORTAL_PERMISSIONS_POLICY = env_str(
    "PORTAL_PERMISSIONS_POLICY",
    "camera=(), microphone=(), geolocation=(), payment=(), usb=(), serial=(), bluetooth=()",
)
# Content-Security-Policy (django-csp): scripts, styles, fonts and images only from the portal
# itself, never inline ('unsafe-inline' is not allowed anywhere; tests/test_security_headers.py
# scans the templates). data: images for the two-factor QR code and Swagger UI's icons.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}
if not DEBUG:
    SESSION_COOKIE_SECURE = env_bool("DJANGO_SESSION_COOKIE_SECURE", True)
    CSRF_COOKIE_SECURE = env_bool("DJANGO_CSRF_COOKIE_SECURE", True)
    SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = env_int("DJANGO_SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("DJANGO_SECURE_HSTS_PRELOAD", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Logs: one JSON object per line in production (portal/logs.py), text for a developer; every
# record carries the request id (RequestIdMiddleware).
LOG_FORMAT = env_str("LOG_FORMAT", "text" if DEBUG else "json")
if LOG_FORMAT not in ("json", "text"):
    raise ImproperlyConfigured(f"LOG_FORMAT must be json or text, not {LOG_FORMAT!r}.")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "portal.logs.RequestIdFilter"}},
    "formatters": {
        "json": {"()": "portal.logs.JsonFormatter"},
        "text": {
            "()": "portal.logs.TextFormatter",
            "format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s",
        },
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT, "filters": ["request_id"]}
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    # One line per signed audit checkpoint, whatever LOG_LEVEL says: a copy that leaves the server.
    "loggers": {"portal.audit.checkpoint": {"level": "INFO"}},
}
# With JSON logs, Celery workers and beat log through the handler above too (one JSON object
# per line on standard error) instead of replacing it with their own text format.
CELERY_WORKER_HIJACK_ROOT_LOGGER = LOG_FORMAT != "json"

# --- Regulatory policy (DOMAIN.md: every figure configurable) -------------------------------
# Formats use str.format with {year} and {seq}.
PORTAL_FIRM_REFERENCE_FORMAT = env_str("PORTAL_FIRM_REFERENCE_FORMAT", "VASP-{year}-{seq:04d}")
PORTAL_APPLICATION_REFERENCE_FORMAT = env_str(
    "PORTAL_APPLICATION_REFERENCE_FORMAT", "APP-{kind}-{year}-{seq:05d}"
)
PORTAL_NOC_NUMBER_FORMAT = env_str("PORTAL_NOC_NUMBER_FORMAT", "NOC/{year}/{seq:04d}")
PORTAL_LICENCE_NUMBER_FORMAT = env_str("PORTAL_LICENCE_NUMBER_FORMAT", "LIC/{year}/{seq:04d}")
PORTAL_NOC_VALIDITY_MONTHS = env_int("PORTAL_NOC_VALIDITY_MONTHS", 6)
PORTAL_LICENCE_VALIDITY_MONTHS = env_int("PORTAL_LICENCE_VALIDITY_MONTHS", 12)
PORTAL_INFORMATION_REQUEST_DAYS = env_int("PORTAL_INFORMATION_REQUEST_DAYS", 14)

# --- Deadlines, reminders and the business-day calendar --------------------------------------
# The periods, reminder offsets, escalation and lapse policy of each kind of deadline are in the
# admin-edited DeadlineRule table (seeded with DOMAIN.md's defaults), not here.
PORTAL_HOLIDAY_COUNTRY = env_str("PORTAL_HOLIDAY_COUNTRY", "PK")  # `holidays` package code; "" for none
PORTAL_WEEKEND_DAYS = env_int_list("PORTAL_WEEKEND_DAYS", [5, 6])  # Monday is 0: Saturday, Sunday
PORTAL_REMINDER_HOUR = env_int("PORTAL_REMINDER_HOUR", 9)  # local hour reminders fall due
PORTAL_SWEEP_BATCH_SIZE = env_int("PORTAL_SWEEP_BATCH_SIZE", 500)
PORTAL_REQUEUE_AFTER_SECONDS = env_int("PORTAL_REQUEUE_AFTER_SECONDS", 900)
PORTAL_TASK_MAX_RETRIES = env_int("PORTAL_TASK_MAX_RETRIES", 5)
PORTAL_TASK_RETRY_BACKOFF_SECONDS = env_int("PORTAL_TASK_RETRY_BACKOFF_SECONDS", 60)
# An e-mail left "sending" this long, by a sender no longer at work on it and which recorded
# nothing, is taken as never handed to the mail server and sent again (ADR 0006). Keep it
# well above EMAIL_TIMEOUT and PORTAL_TASK_RETRY_BACKOFF_SECONDS.
PORTAL_EMAIL_RECONCILE_AFTER_SECONDS = env_int("PORTAL_EMAIL_RECONCILE_AFTER_SECONDS", 600)
PORTAL_SITE_URL = env_str("PORTAL_SITE_URL", "http://127.0.0.1:8000")  # for links in e-mails

# Tests and CI: when set, a test that needs an unreachable service fails instead of skipping.
REQUIRE_SERVICES = env_bool("REQUIRE_SERVICES", False)

# --- Public register, REST API and certificates (portal.api, licensing.certificates) --------
# Requests per period (DRF syntax: N/second|minute|hour|day), per client IP for anonymous
# callers, per token for firm API tokens, per person for signed-in sessions.
PORTAL_API_THROTTLE_RATES = {
    "anon": env_str("PORTAL_API_THROTTLE_ANON", "120/minute"),
    "token": env_str("PORTAL_API_THROTTLE_TOKEN", "600/minute"),
    "user": env_str("PORTAL_API_THROTTLE_USER", "600/minute"),
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Licensing and AML registry API",
    "DESCRIPTION": (
        "The public register (no credentials), the firm's own data (firm API token or a signed-in "
        "firm member) and the regulator's casework (signed-in staff with two-factor "
        "authentication). Every error is an RFC 7807 problem document."
    ),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "ENUM_NAME_OVERRIDES": {
        "FirmStageEnum": "licensing.models.firms.FirmStage",
        "AmlStatusEnum": "aml.models.AmlStatus",
        "ApplicationStatusEnum": "licensing.models.applications.ApplicationStatus",
        "ApplicationKindEnum": "licensing.models.applications.ApplicationKind",
        "InformationRequestStatusEnum": "licensing.models.applications.InformationRequestStatus",
        "RecommendationOutcomeEnum": "licensing.models.applications.RecommendationOutcome",
        "DecisionOutcomeEnum": "licensing.models.applications.DecisionOutcome",
        "DeadlineStatusEnum": "portal.deadlines.models.DeadlineStatus",
        "DeadlineKindEnum": "portal.deadlines.models.DeadlineKind",
        "NotificationKindEnum": "portal.notifications.models.NotificationKind",
        "CertificateKindEnum": "licensing.certificates.models.CertificateKind",
    },
    "DISABLE_ERRORS_AND_WARNINGS": False,
    # Swagger UI served from static files (drf-spectacular-sidecar): no CDN in a closed network.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}
# The regulator's Ed25519 key that signs certificates (PEM, PKCS#8). Required in production;
# in development a key is made under var/ on first use. Never commit a private key.
PORTAL_SIGNING_KEY_PATH = env_str(
    "PORTAL_SIGNING_KEY_PATH", str(VAR_DIR / "certificate-signing-key.pem") if DEBUG else ""
)
PORTAL_SIGNING_KEY_AUTOCREATE = DEBUG  # development only: create the key above if missing

# --- Audit checkpoints (portal.audit.checkpoints; docs/adr/0008) ----------------------------
# Every few minutes (beat) the chain's row count and head are signed with a key of their own
# (Ed25519, PEM, PKCS#8; required in production, made under var/ in development) and published:
# the database (for /transparency/audit-checkpoints), the checkpoint storage below and the log.
PORTAL_AUDIT_CHECKPOINT_KEY_PATH = env_str(
    "PORTAL_AUDIT_CHECKPOINT_KEY_PATH", str(VAR_DIR / "audit-checkpoint-key.pem") if DEBUG else ""
)
PORTAL_AUDIT_CHECKPOINT_KEY_AUTOCREATE = DEBUG  # development only: create the key above if missing
# Public keys (PEM files or folders of them) of retired checkpoint keys: old checkpoints verify.
PORTAL_AUDIT_CHECKPOINT_PREVIOUS_KEYS = env_list("PORTAL_AUDIT_CHECKPOINT_PREVIOUS_KEYS", [])
# A checkpoint is written when the chain has grown, and at least this often when it has not.
PORTAL_AUDIT_CHECKPOINT_HEARTBEAT_MINUTES = env_int("PORTAL_AUDIT_CHECKPOINT_HEARTBEAT_MINUTES", 60)
# verify_audit fails when rows older than this are covered by no checkpoint (checkpoints stopped).
PORTAL_AUDIT_CHECKPOINT_MAX_AGE_MINUTES = env_int("PORTAL_AUDIT_CHECKPOINT_MAX_AGE_MINUTES", 20)
# Where the checkpoint files go (Django storage): a folder by default; a write-once (object
# lock) bucket in production (docs/DEPLOY.md).
PORTAL_AUDIT_CHECKPOINT_DIR = Path(env_str("PORTAL_AUDIT_CHECKPOINT_DIR", str(VAR_DIR / "audit-checkpoints")))
PORTAL_AUDIT_CHECKPOINT_STORAGE = {
    "BACKEND": "django.core.files.storage.FileSystemStorage",
    "OPTIONS": {"location": str(PORTAL_AUDIT_CHECKPOINT_DIR)},
}
# Only the API benchmark (bench/api_register.py) sets this: it adds a bare comparison view.
PORTAL_BENCH_URLS = env_bool("PORTAL_BENCH_URLS", False)

# --- Production runtime (portal/runtime.py, docs/DEPLOY.md, ADR 0009) -----------------------
# Static files: WhiteNoise serves them; hashed and compressed when DJANGO_DEBUG=0 (run
# `manage.py collectstatic` first). Documents and certificate PDFs: MEDIA_ROOT, or a private S3
# bucket when PORTAL_S3_BUCKET is set (credentials from AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY
# or the machine's role, as boto3 finds them).
STORAGES = runtime.storages(os.environ, debug=DEBUG)
WHITENOISE_USE_FINDERS = DEBUG  # development: straight from static/, no collectstatic needed
if DEBUG:
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # WhiteNoise warns about a missing folder
# PostgreSQL connection pool (psycopg_pool, per process) when DB_POOL_MAX_SIZE is set.
DATABASES["default"] = runtime.database_pool(os.environ, DATABASES["default"])
# Sessions: in the database, cached in Redis when CACHE_URL is set (a cache flush signs nobody out).
SESSION_ENGINE = runtime.session_engine(CACHE_URL)
# Certificate signing keys retired by a rotation: their public keys (PEM files, or folders of
# them, comma-separated) so certificates they signed still verify (`manage.py signing_key`).
PORTAL_SIGNING_PREVIOUS_KEYS = env_list("PORTAL_SIGNING_PREVIOUS_KEYS", [])
