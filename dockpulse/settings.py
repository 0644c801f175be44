"""DockPulse settings, read from the environment (.env.example lists every variable)."""

from __future__ import annotations

import sys
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

# The test run, and the servers and commands it starts in other processes.
TESTING = "pytest" in sys.modules or env.bool("DOCKPULSE_TESTING", default=False)
DEBUG = env.bool("DJANGO_DEBUG", default=False)

SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="")
if not SECRET_KEY:
    if not (DEBUG or TESTING):
        raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is off.")
    SECRET_KEY = "dev-only-insecure-key-never-used-in-production"  # noqa: S105

# --- hosts ---------------------------------------------------------------------------
# <slug>.BASE_DOMAIN is a tenant; app.BASE_DOMAIN and BASE_DOMAIN are the platform.
BASE_DOMAIN = env.str("BASE_DOMAIN", default="localhost").lower().strip(".")
PLATFORM_SUBDOMAINS = ("app",)
ALLOWED_HOSTS = [BASE_DOMAIN, f".{BASE_DOMAIN}", *env.list("EXTRA_ALLOWED_HOSTS", default=[])]
# Same-origin form posts pass Django's Origin check without this list; a wildcard over
# BASE_DOMAIN would let every tenant's pages post to every other tenant. Only origins that
# really post from elsewhere belong here.
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
# Proxies in front of us that append to X-Forwarded-For (Caddy in deploy/: 1). The client
# address of lockouts and throttles is read through exactly this many (security/clientip).
NUM_PROXIES = env.int("NUM_PROXIES", default=0)

# --- applications --------------------------------------------------------------------
INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "django.forms",  # the form renderer loads widget templates through TEMPLATES
    "rest_framework",
    "rest_framework_simplejwt.token_blacklist",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "template_partials",
    "csp",
    # Platform admins' second factor (docs/platform.md): TOTP devices and recovery codes.
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "dockpulse.tenancy",
    "dockpulse.web",
    "dockpulse.events",
    "platform_app",
    "tenant_apps.accounts",
    "tenant_apps.configuration",
    "tenant_apps.customers",
    "tenant_apps.products",
    "tenant_apps.sales",
    "tenant_apps.stock",
    "tenant_apps.notifications",
    "tenant_apps.messaging",
    "tenant_apps.dashboard",
    "tenant_apps.reports",  # sales, funnel and stock reports with exports (issue 17)
    "tenant_apps.portal",  # the customers' portal: sign-in (issue 15)
    "tenant_apps.demo",  # seed_demo: realistic Polish data for make run and the benchmarks
]

# Where each app's tables live (docs/tenancy.md). Apps not listed in either set are
# tenant apps: their tables exist only in tenant databases and the template.
TENANCY_PLATFORM_APPS = frozenset({"platform_app"})
TENANCY_SHARED_APPS = frozenset(
    {"accounts", "auth", "contenttypes", "sessions", "admin", "token_blacklist",
     # The devices point at users: a user deleted in a tenant database must find their
     # (empty) tables there too, or the delete's cascade fails.
     "otp_totp", "otp_static"}
)  # fmt: skip

MIDDLEWARE = [
    "dockpulse.tenancy.middleware.RequestIdMiddleware",
    # A body too big to read is refused before anything reads it (dockpulse/web/limits.py).
    "dockpulse.web.limits.RequestSizeLimitMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # A database that does not answer (a restart): 503 page / API error, not a traceback.
    "dockpulse.web.unavailable.DatabaseUnavailableMiddleware",
    # Static files before any tenant lookup; behind Caddy (deploy/) they never get here.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "dockpulse.tenancy.middleware.TenantMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "dockpulse.tenancy.middleware.SessionTenantGuardMiddleware",
    # The tenant's time zone, then the signed-in user's own language over the cookie's.
    "dockpulse.tenancy.middleware.TenantTimezoneMiddleware",
    "tenant_apps.accounts.middleware.UserLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # A platform admin's impersonated session (tenant hosts): ended when expired or ended.
    "tenant_apps.accounts.impersonation.ImpersonationMiddleware",
    # The platform host only (docs/platform.md): the second factor, idle expiry (its
    # notice is a message), the audit's origin. A tenant host's request passes through.
    "platform_app.middleware.PlatformAccessMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

# The tenant middleware sets request.urlconf per host; this is the platform's.
ROOT_URLCONF = "dockpulse.urls_platform"
TENANT_URLCONF = "dockpulse.urls_tenant"
WSGI_APPLICATION = "dockpulse.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "dockpulse.tenancy.context_processors.tenant",
                "dockpulse.web.context_processors.panel",
                "tenant_apps.accounts.impersonation.impersonation_banner",
            ],
        },
    },
]

# --- databases -----------------------------------------------------------------------
if not env.str("DATABASE_URL", default=""):
    raise ImproperlyConfigured(
        "DATABASE_URL is not set. `make run` and `make test` start an embedded PostgreSQL "
        "and set it; otherwise point it at the platform database, e.g. "
        "postgresql://postgres@127.0.0.1:5432/dockpulse_platform"
    )
_default_db = env.db_url("DATABASE_URL")
# A unix-socket directory travels URL-encoded in the host part (the embedded server's).
_default_db["HOST"] = unquote(_default_db.get("HOST") or "")
_default_db["ENGINE"] = "django.db.backends.postgresql"
# Connections are kept and reused; the tenancy core bounds how many tenant connections a
# thread keeps open (TENANT_CONNECTIONS_PER_PROCESS), so persistence cannot run away.
_default_db["CONN_MAX_AGE"] = None
_default_db["CONN_HEALTH_CHECKS"] = True
_default_db.setdefault("OPTIONS", {})
# A server that is unreachable (not merely down: that is refused at once) costs a request
# or a task this long, not the kernel's minutes; a URL's ?connect_timeout= wins.
_default_db["OPTIONS"].setdefault("connect_timeout", 5)
_default_db["TEST"] = {"NAME": f"test_{_default_db['NAME']}"}
# Behind PgBouncer in transaction mode, prepared statements and server-side cursors
# would land on another server connection.
DATABASE_PGBOUNCER = env.bool("DATABASE_PGBOUNCER", default=False)
if DATABASE_PGBOUNCER:
    _default_db["OPTIONS"]["prepare_threshold"] = None
    _default_db["DISABLE_SERVER_SIDE_CURSORS"] = True
DATABASES: dict[str, dict[str, Any]] = {"default": _default_db}
# LISTEN, session advisory locks and CREATE/DROP DATABASE bypass PgBouncer.
DATABASE_DIRECT_URL = env.str("DATABASE_DIRECT_URL", default="")
DATABASE_ROUTERS = ["dockpulse.tenancy.router.TenantRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Tenant databases are named TENANT_DB_PREFIX + slug; the template TENANT_DB_PREFIX + "template".
TENANT_DB_PREFIX = env.str("TENANT_DB_PREFIX", default="dockpulse_tenant_")
# A tenant still `provisioning` after this long was left by a killed process: delete_tenant
# removes it (platform_app/services/consistency.py); a younger one may be running.
TENANT_PROVISIONING_STALE_MINUTES = env.int("TENANT_PROVISIONING_STALE_MINUTES", default=15)
TENANT_CONNECTIONS_PER_PROCESS = env.int("TENANT_CONNECTIONS_PER_PROCESS", default=32)

# --- cache and Redis -----------------------------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="redis://127.0.0.1:6379/0")
CACHES = {
    "default": {
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_FUNCTION": "dockpulse.tenancy.cache.make_key",
        "OPTIONS": {
            "CLIENT_CLASS": "django_redis.client.DefaultClient",
            # Redis down: a cache read is a miss and a write is skipped (logged), so pages
            # keep working from the databases; a dead server is given up on quickly.
            "IGNORE_EXCEPTIONS": True,
            "SOCKET_CONNECT_TIMEOUT": 2,
            "SOCKET_TIMEOUT": 2,
        },
    }
}
DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS = True

# --- auth ----------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
# Counts every login attempt against the lockout before the password is checked.
AUTHENTICATION_BACKENDS = ["tenant_apps.accounts.backends.LockoutModelBackend"]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
if TESTING:
    # PBKDF2 costs ~0.17 s a user here; tests create many.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# --- e-mail (password resets and notifications) --------------------------------------
EMAIL_BACKEND = env.str(
    "EMAIL_BACKEND",
    default="django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = env.str("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=30)
# The folder of EMAIL_BACKEND=django.core.mail.backends.filebased.EmailBackend (the browser
# tests' server writes its mail there: tests/support.py's subprocess_env).
EMAIL_FILE_PATH = env.str("EMAIL_FILE_PATH", default=str(BASE_DIR / "var" / "mail"))
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default=f"DockPulse <no-reply@{BASE_DOMAIN}>")
PASSWORD_RESET_TIMEOUT = 60 * 60 * 24

# --- SMS and webhooks (dockpulse/notify; docs/events.md) -----------------------------
_SMS_BACKENDS = {
    "console": "dockpulse.notify.sms.ConsoleSmsBackend",
    "file": "dockpulse.notify.sms.FileSmsBackend",
    "http": "dockpulse.notify.sms.HttpSmsBackend",
}
# A short name above or a dotted path; production uses "http" with the provider's URL.
SMS_BACKEND = _SMS_BACKENDS.get(_sms := env.str("SMS_BACKEND", default="console"), _sms)
SMS_FILE_PATH = env.str("SMS_FILE_PATH", default=str(BASE_DIR / "var" / "sms.jsonl"))
SMS_PROVIDER_URL = env.str("SMS_PROVIDER_URL", default="")
SMS_PROVIDER_TOKEN = env.str("SMS_PROVIDER_TOKEN", default="")
SMS_CONNECT_TIMEOUT = env.float("SMS_CONNECT_TIMEOUT", default=3.0)
SMS_READ_TIMEOUT = env.float("SMS_READ_TIMEOUT", default=10.0)
WEBHOOK_CONNECT_TIMEOUT = env.float("WEBHOOK_CONNECT_TIMEOUT", default=3.0)
WEBHOOK_READ_TIMEOUT = env.float("WEBHOOK_READ_TIMEOUT", default=10.0)
# Private, loopback and link-local targets are refused (checked on the resolved address)
# unless this is on: only for development and tests, never for a shared server.
WEBHOOKS_ALLOW_PRIVATE_ADDRESSES = env.bool("WEBHOOKS_ALLOW_PRIVATE_ADDRESSES", default=False)

# --- i18n ----------------------------------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("pl", _("Polish"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
# Dates as Polish offices write them (01.12.2026); Django's own pl formats use dashes.
FORMAT_MODULE_PATH = ["dockpulse.formats"]
# Every form field renders through one template: label, control, help and errors tied
# together with aria-describedby (docs/panel.md).
FORM_RENDERER = "dockpulse.web.forms.PanelFormRenderer"

# --- Content-Security-Policy (django-csp) ----------------------------------------------
# Pages load scripts, styles and images from this host only and run no inline script:
# htmx comes from /static/ and its indicator styles are in app.css (docs/panel.md).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "font-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# --- static and media ----------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "var" / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
# WhiteNoise serves straight from the apps' and static/ folders: no collectstatic needed
# for make run or the tests (deploy/ collects them for Caddy).
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(BASE_DIR / "var" / "media")))
MEDIA_URL = "media/"
AWS_STORAGE_BUCKET_NAME = env.str("AWS_STORAGE_BUCKET_NAME", default="")
# Tenant backups (pg_dump + files, one tar each): <slug>/<slug>-<time>.tar
BACKUP_ROOT = Path(env.str("BACKUP_ROOT", default=str(BASE_DIR / "var" / "backups")))
if AWS_STORAGE_BUCKET_NAME:
    AWS_S3_ENDPOINT_URL = env.str("AWS_S3_ENDPOINT_URL", default="") or None
    AWS_DEFAULT_ACL = None
    _file_storage: dict[str, Any] = {"BACKEND": "dockpulse.tenancy.storage.TenantS3Storage"}
    _backup_storage: dict[str, Any] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {"location": "backups"},
    }
else:
    _file_storage = {"BACKEND": "dockpulse.tenancy.storage.TenantFileSystemStorage"}
    _backup_storage = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        # Backups hold password hashes: readable by the service's user only.
        "OPTIONS": {"location": BACKUP_ROOT, "file_permissions_mode": 0o600},
    }
STORAGES = {
    "default": _file_storage,
    "backups": _backup_storage,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Where pg_dump/pg_restore of the servers' major version live, if not in the usual places
# (the embedded server's bundle, /usr/lib/postgresql/<major>/bin, PATH).
PG_BIN_DIR = env.str("PG_BIN_DIR", default="")

# --- API -----------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["dockpulse.api.authentication.StaffJWTAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": [
        "rest_framework.permissions.IsAuthenticated",
        "dockpulse.api.permissions.ModuleEnabled",
    ],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PAGINATION_CLASS": "dockpulse.api.pagination.Pagination",
    "EXCEPTION_HANDLER": "dockpulse.api.errors.exception_handler",
    # Throttle counters live in the cache, whose keys carry the tenant: per tenant and
    # user (or IP for anonymous calls).
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.UserRateThrottle",
        "rest_framework.throttling.AnonRateThrottle",
    ],
    # The test suite logs in hundreds of times a minute from one address.
    "DEFAULT_THROTTLE_RATES": {
        "user": env.str("API_RATE_USER", default="600/minute"),
        "anon": env.str("API_RATE_ANON", default="10000/minute" if TESTING else "60/minute"),
        "login": env.str("API_RATE_LOGIN", default="10000/minute" if TESTING else "20/minute"),
    },
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
}
REST_FRAMEWORK["NUM_PROXIES"] = NUM_PROXIES
# Lockout (dockpulse/security/lockout.py, docs/security.md): after this many wrong
# passwords for one e-mail on one tenant (or the platform), or from one address on any
# host, logins are refused until LOGIN_LOCKOUT_SECONDS pass without a counted attempt.
LOGIN_MAX_FAILURES = env.int("LOGIN_MAX_FAILURES", default=10)
# The test suite logs in from 127.0.0.1 all the time; tests that check it lower it.
LOGIN_MAX_FAILURES_PER_IP = env.int(
    "LOGIN_MAX_FAILURES_PER_IP", default=100_000 if TESTING else 100
)
LOGIN_LOCKOUT_SECONDS = env.int("LOGIN_LOCKOUT_SECONDS", default=15 * 60)
# Password-reset e-mails: at most this many per address and e-mail in the window.
PASSWORD_RESET_MAX_REQUESTS = env.int("PASSWORD_RESET_MAX_REQUESTS", default=5)
PASSWORD_RESET_MAX_REQUESTS_PER_IP = env.int(
    "PASSWORD_RESET_MAX_REQUESTS_PER_IP", default=100_000 if TESTING else 30
)
PASSWORD_RESET_WINDOW_SECONDS = env.int("PASSWORD_RESET_WINDOW_SECONDS", default=60 * 60)
LOCKOUT_KEY_PREFIX = "dockpulse:lockout"
# --- the platform host's sign-in (docs/platform.md) ------------------------------------
# A platform session ends after this many minutes without a request (staff panel: unchanged).
PLATFORM_SESSION_IDLE_MINUTES = env.int("PLATFORM_SESSION_IDLE_MINUTES", default=30)
# Wrong second-factor codes (TOTP or recovery) per admin, and per address, before the
# lockout refuses codes for LOGIN_LOCKOUT_SECONDS.
PLATFORM_OTP_MAX_FAILURES = env.int("PLATFORM_OTP_MAX_FAILURES", default=5)
PLATFORM_OTP_MAX_FAILURES_PER_IP = env.int("PLATFORM_OTP_MAX_FAILURES_PER_IP", default=20)
PLATFORM_RECOVERY_CODES = 10
# Times on the platform's pages (the audit log); stored in UTC.
PLATFORM_TIME_ZONE = env.str("PLATFORM_TIME_ZONE", default="Europe/Warsaw")
PLATFORM_AUDIT_PAGE_SIZE = 50
PLATFORM_TENANTS_PAGE_SIZE = 50
# Billing: a month's record is due this many days after the month starts; pending past
# the due date is overdue.
PLATFORM_BILLING_DUE_DAYS = env.int("PLATFORM_BILLING_DUE_DAYS", default=14)
# Impersonation: the one-time link is redeemable for seconds, the session lasts minutes.
PLATFORM_IMPERSONATION_REDEEM_SECONDS = 60
PLATFORM_IMPERSONATION_MINUTES = env.int("PLATFORM_IMPERSONATION_MINUTES", default=30)
# /healthz/deep answers platform admins with the second factor, or this bearer token.
PLATFORM_HEALTH_TOKEN = env.str("PLATFORM_HEALTH_TOKEN", default="")
OTP_TOTP_ISSUER = env.str("OTP_TOTP_ISSUER", default="DockPulse platform")
# One lockout for every way in (docs/security.md): django-otp's own per-device back-off
# would refuse a right code seconds after a wrong one and keep no per-address count.
OTP_TOTP_THROTTLE_FACTOR = 0
OTP_STATIC_THROTTLE_FACTOR = 0
SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=env.int("JWT_ACCESS_MINUTES", default=15)),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=env.int("JWT_REFRESH_DAYS", default=7)),
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
    "UPDATE_LAST_LOGIN": False,  # done by the token service, in the tenant's transaction
    "USER_ID_FIELD": "id",
    "USER_ID_CLAIM": "user_id",
}
# Rotation renews a refresh token, but never past this long after the login (password typed).
JWT_REFRESH_ABSOLUTE_LIFETIME = timedelta(days=env.int("JWT_REFRESH_ABSOLUTE_DAYS", default=30))
SPECTACULAR_SETTINGS = {
    "TITLE": "DockPulse API",
    "DESCRIPTION": "The staff API of one DockPulse tenant, served on the tenant's own host "
    "(`{slug}.BASE_DOMAIN/api/v1/`).",
    # One section per resource in Swagger UI (customers, orders, ...), not one "v1" for all.
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Triggers and deliveries share one choice set (their action is the delivery's channel).
    "ENUM_NAME_OVERRIDES": {"ActionTypeEnum": "tenant_apps.notifications.models.ActionType"},
}

# --- request size (dockpulse/web/limits.py) ---------------------------------------------
# The largest body any request may have (the CSV imports take 5 MB files); Caddy's
# `request_body max_size` in deploy/Caddyfile is the same.
REQUEST_MAX_BYTES = env.int("REQUEST_MAX_BYTES", default=10 * 1024 * 1024)

# --- reports (docs/reports.md) ----------------------------------------------------------
# A report's transaction: memory for its sorts and hash aggregates, and a time limit.
REPORTS_WORK_MEM = env.str("REPORTS_WORK_MEM", default="64MB")
REPORTS_STATEMENT_TIMEOUT_MS = env.int("REPORTS_STATEMENT_TIMEOUT_MS", default=20_000)
# An export of more rows than this is written by a Celery task and e-mailed as a link
# (the page shows its progress); smaller ones are written in the request and sent.
REPORTS_EXPORT_INLINE_ROWS = env.int("REPORTS_EXPORT_INLINE_ROWS", default=20_000)
REPORTS_EXPORT_TIMEOUT_MS = env.int("REPORTS_EXPORT_TIMEOUT_MS", default=600_000)
# How long a finished export file stays downloadable.
REPORTS_EXPORT_KEEP_DAYS = env.int("REPORTS_EXPORT_KEEP_DAYS", default=7)

# --- Celery --------------------------------------------------------------------------
CELERY_BROKER_URL = env.str(
    "CELERY_BROKER_URL",
    default=REDIS_URL.replace("unix://", "redis+socket://", 1),
)
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Redis redelivers an unacknowledged task only after this. It must exceed the longest
# task (a drain batch or a webhook: seconds) and the longest retry countdown (backoff is
# capped at 5 minutes), or a waiting retry would be delivered twice.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=15 * 60),
    # An unreachable Redis fails a publish (the listener's wake-up, beat's schedule) in
    # seconds instead of hanging it.
    "socket_connect_timeout": 2,
}
# Redis down (a restart, an outage): the worker and beat keep trying to reach it, forever
# and from the start, instead of exiting after 100 attempts (docs/operations.md).
CELERY_BROKER_CONNECTION_RETRY = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_CONNECTION_MAX_RETRIES = None
CELERY_TASK_DEFAULT_QUEUE = "events"
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
# Celery's Django fix-up closes every connection around every task unless this is set; it
# then recycles them every 2 x this many tasks. dockpulse/celery.py applies the requests'
# policy instead (broken or expired connections only, the per-process cap).
CELERY_DB_REUSE_MAX = 1_000_000
CELERY_BEAT_SCHEDULE = {
    # Re-drain events whose wake-up was lost and re-queue overdue deliveries.
    "events-sweep": {"task": "events.sweep", "schedule": env.float("EVENTS_SWEEP_SECONDS", 30.0)},
    "quotes-expire": {"task": "sales.expire_quotes_all", "schedule": 60 * 60.0},
    # Expired sessions and refresh tokens pile up in every database otherwise.
    "accounts-clear-expired": {
        "task": "platform.clear_expired_all",
        "schedule": env.float("CLEAR_EXPIRED_SECONDS", 6 * 60 * 60.0),
    },
    # The platform superadmin (docs/platform.md): the tenants list's usage figures, the
    # month's billing records (idempotent: hourly, it makes each record once), overdue
    # marking, and the workers' heartbeat the health page reads.
    "platform-usage-gather": {
        "task": "platform.usage_gather_all",
        "schedule": env.float("PLATFORM_USAGE_SECONDS", 15 * 60.0),
    },
    "platform-billing-month": {"task": "platform.billing_generate", "schedule": 60 * 60.0},
    "platform-worker-heartbeat": {"task": "platform.worker_heartbeat", "schedule": 60.0},
    # A tenant change made while Redis was down reaches every process (registry.py).
    "platform-registry-reconcile": {"task": "platform.registry_reconcile", "schedule": 60.0},
    # Report export files older than REPORTS_EXPORT_KEEP_DAYS are deleted (docs/reports.md).
    "reports-export-cleanup": {"task": "reports.export_cleanup_all", "schedule": 60 * 60.0},
}
CELERY_TASK_ALWAYS_EAGER = False

# --- event bus (docs/events.md) -------------------------------------------------------
EVENTS_DRAIN_BATCH = env.int("EVENTS_DRAIN_BATCH", default=200)
# Batches per drain task; a longer backlog continues in the next task (tasks stay short).
EVENTS_DRAIN_ROUNDS = env.int("EVENTS_DRAIN_ROUNDS", default=10)
EVENT_HANDLER_MAX_ATTEMPTS = env.int("EVENT_HANDLER_MAX_ATTEMPTS", default=8)
# A queued delivery older than this is presumed lost and queued again by the sweep.
EVENTS_STALE_AFTER = env.float("EVENTS_STALE_AFTER", default=120.0)
# Undispatched events younger than this are left to the listener's drain.
EVENTS_SWEEP_GRACE = env.float("EVENTS_SWEEP_GRACE", default=10.0)
# Extra modules whose import registers event handlers (plug-ins; the tests use it).
EVENT_HANDLER_MODULES = env.list("EVENT_HANDLER_MODULES", default=[])
# Seconds before each retry of an SMS, e-mail or webhook send, with +-20 % jitter: a few
# seconds, then minutes, then hours, as Standard Webhooks and the big senders do, so an
# outage of a day costs a delay and nothing else (8 attempts over about 27 hours).
NOTIFICATION_RETRY_SCHEDULE = env.list(
    "NOTIFICATION_RETRY_SCHEDULE", cast=float, default=[5, 300, 1800, 7200, 18000, 36000, 36000]
)
# A webhook trigger switches itself off only after its deliveries have failed for this
# long (and at least WEBHOOK_DISABLE_AFTER_FAILURES of them finally): days, not minutes.
WEBHOOK_DISABLE_AFTER_DAYS = env.float("WEBHOOK_DISABLE_AFTER_DAYS", default=5.0)
WEBHOOK_DISABLE_AFTER_FAILURES = env.int("WEBHOOK_DISABLE_AFTER_FAILURES", default=5)

# --- security (production values; `manage.py check --deploy` is clean with them) -----
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG and not TESTING)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
# Production (DEBUG off, not a test run) insists on HTTPS by default: Caddy redirects plain
# HTTP already, and Django does too behind any other proxy. HSTS starts at an hour (raise
# it to a year once every host has its certificate: docs/deployment.md). `make run` and the
# tests run with DEBUG or TESTING and keep plain HTTP; the benchmarks turn both off.
_PRODUCTION = not DEBUG and not TESTING
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=_PRODUCTION)
SECURE_REDIRECT_EXEMPT = [r"^healthz"]  # load balancers and monitors probe over plain HTTP
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=3600 if _PRODUCTION else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_HSTS_SECONDS > 0
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# HSTS preload (W021) is consent to browsers' built-in HTTPS-only list, hard to undo for
# every subdomain: the owner's decision (SECURE_HSTS_PRELOAD=true), not a default that
# `check --deploy` should force on.
SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]

# --- logging: every record carries the tenant slug and the request id ----------------
LOG_LEVEL = env.str("LOG_LEVEL", default="INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"tenant": {"()": "dockpulse.tenancy.logging.TenantLogFilter"}},
    "formatters": {
        "plain": {
            "format": "%(asctime)s %(levelname)s %(name)s [%(tenant)s %(request_id)s] %(message)s"
        }
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["tenant"],
            "formatter": "plain",
        }
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        # WeasyPrint reports every rendering step at INFO: a line per PDF and stylesheet.
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}
