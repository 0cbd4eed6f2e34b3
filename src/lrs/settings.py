"""Django settings for LRS, read from the environment.

Production is the default: DEBUG off, secure cookies, a SECRET_KEY required.
``LRS_LOCAL_DEMO=true`` (the README's start command sets it) serves the demo on this
machine over plain HTTP, still without DEBUG. ``DEBUG=true`` is for developers only: it
also allows an insecure built-in key and shows Django's debug pages.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import dj_database_url
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from lrs.core.dbpool import reset_pooled_connection


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


BASE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = Path(os.environ.get("LRS_PROJECT_DIR", BASE_DIR.parent.parent))
DATA_DIR = Path(os.environ.get("LRS_DATA_DIR", PROJECT_DIR / "var"))

DEBUG = env_bool("DEBUG")
# The demo on this machine (scripts/start): plain-HTTP cookies, 127.0.0.1 and localhost,
# email on the console. Never DEBUG's debug pages: a newcomer must not meet one.
LOCAL_DEMO = env_bool("LRS_LOCAL_DEMO")
_LOCAL = DEBUG or LOCAL_DEMO

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set: set it to a long random value, such as the output of "
            "python3 -c 'import secrets; print(secrets.token_urlsafe(50))'"
        )
    SECRET_KEY = "development-only-insecure-key-do-not-use-in-production"  # noqa: S105

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost" if _LOCAL else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "csp",
    "django.contrib.staticfiles",
    "django_tasks",
    "django_tasks_db",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "ninja",
    "lrs.core",
    "lrs.audit",
    "lrs.organisations",
    "lrs.users",
    "lrs.portal",
    "lrs.demo",
    "lrs.learners",
    "lrs.batches",
    "lrs.records",
    "lrs.misuse",
    "lrs.challenges",
    "lrs.duplicates",
    "lrs.publications",
    "lrs.servicedesk",
    "lrs.soap",
    "lrs.guidance",
    "lrs.support",
    "lrs.credentials",
    "lrs.learnerportal",
    "lrs.twofactor",
    "lrs.dfesignin",
]

MIDDLEWARE = [
    "lrs.core.middleware.RequestContextMiddleware",
    "lrs.core.observability.RequestLogMiddleware",
    "lrs.api.middleware.ApiJsonErrorsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "lrs.core.middleware.PermissionsPolicyMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "lrs.learnerportal.middleware.LearnerSessionMiddleware",
    "lrs.core.middleware.RequestUserContextMiddleware",
    "lrs.core.replica.ReplicaRoutingMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "lrs.urls"
WSGI_APPLICATION = "lrs.wsgi.application"

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
                "lrs.portal.context_processors.portal",
                "lrs.guidance.context_help.context_help",
                # {{ CSP_NONCE }}: the nonce of the one inline script left (GOV.UK Frontend's
                # initAll, which needs the static file's hashed address).
                "csp.context_processors.nonce",
            ],
        },
    },
]

# --- Databases -----------------------------------------------------------------------
DATABASE_URL = os.environ.get("DATABASE_URL", "")
# DATABASE_POOL=true (PostgreSQL only; recommended in production): each web or worker
# process keeps a psycopg pool of connections (DATABASE_POOL_MIN_SIZE to
# DATABASE_POOL_MAX_SIZE, at least the web server's --threads) instead of one persistent
# connection a thread; docs/deployment.md says how to size it against max_connections.
DATABASE_POOL = env_bool("DATABASE_POOL")
# However SQLite is named (no DATABASE_URL, or DATABASE_URL=sqlite:///…), it gets the same
# hardening: without it, concurrent clients fail with "database is locked".
SQLITE_OPTIONS = {
    # IMMEDIATE takes the write lock when a transaction starts, so two writers
    # queue up instead of one failing with "database is locked" mid-way.
    "transaction_mode": "IMMEDIATE",
    "timeout": 30,
    "init_command": (
        "PRAGMA journal_mode=WAL;"
        "PRAGMA synchronous=NORMAL;"
        "PRAGMA foreign_keys=ON;"
        "PRAGMA busy_timeout=30000;"
    ),
}
if DATABASE_URL:
    DATABASES = {
        "default": dj_database_url.parse(DATABASE_URL, conn_max_age=0 if DATABASE_POOL else 60)
    }
    if DATABASE_POOL and DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
            "min_size": int(os.environ.get("DATABASE_POOL_MIN_SIZE", "2")),
            "max_size": int(os.environ.get("DATABASE_POOL_MAX_SIZE", "10")),
            # A request waits this long for a free connection before failing.
            "timeout": float(os.environ.get("DATABASE_POOL_TIMEOUT", "10")),
            "reset": reset_pooled_connection,
        }
else:
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": os.environ.get("SQLITE_PATH", str(DATA_DIR / "lrs.sqlite3")),
        }
    }
# DATABASE_REPLICA_URL (PostgreSQL, a streaming replica of DATABASE_URL): reads that may
# be a second stale (find, PLR view, published lists, dashboards) go there, with
# read-your-writes kept after a client's registration or update (lrs.core.replica;
# docs/deployment.md).
DATABASE_REPLICA_URL = os.environ.get("DATABASE_REPLICA_URL", "")
if DATABASE_REPLICA_URL:
    if not DATABASE_URL:
        raise ImproperlyConfigured("DATABASE_REPLICA_URL needs DATABASE_URL (the primary)")
    DATABASES["replica"] = dj_database_url.parse(
        DATABASE_REPLICA_URL, conn_max_age=DATABASES["default"]["CONN_MAX_AGE"]
    )
    if "pool" in DATABASES["default"].get("OPTIONS", {}):
        DATABASES["replica"].setdefault("OPTIONS", {})["pool"] = dict(
            DATABASES["default"]["OPTIONS"]["pool"]
        )
    # Never created or migrated by the tests: it is the primary seen through replication.
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
LRS_READ_REPLICA = bool(DATABASE_REPLICA_URL)
DATABASE_ROUTERS = ["lrs.core.replica.PrimaryReplicaRouter"]
# After a client's write its reads wait for the replica to replay it, for at most this
# long; past it, reads are as stale as the replica is behind (docs/operations.md: watch
# the replication lag).
LRS_REPLICA_PIN_SECONDS = float(os.environ.get("LRS_REPLICA_PIN_SECONDS", "30"))
# The requests whose reads may be stale (URL patterns as Django resolves them) ...
LRS_REPLICA_ROUTES = frozenset(
    {
        "api/v1/learners/search",
        "api/v1/learners/learning-events",
        "learners/find",
        "plr/",
        "lists/",
        "lists/<slug:kind>/",
        "lists/<slug:kind>/editions/",
        "lists/<slug:kind>/editions/<int:number>/",
        "service-desk/",
    }
)
# ... and the models those reads may take from the replica. Never users, tokens,
# sessions, organisations or access grants: what decides access is read fresh.
# Model labels in lower case (Model._meta.label_lower), as the router compares them.
LRS_REPLICA_MODELS = frozenset(
    {
        "learners.learner",
        "learners.learnerchange",
        "records.qualification",
        "records.learningevent",
        "records.learningeventchange",
        "publications.listedition",
        "audit.auditentry",
    }
)
# Writes every routed read makes itself (a find's audit entry): they pin no one.
LRS_REPLICA_WRITES_THAT_DO_NOT_PIN = frozenset({"audit.auditentry"})

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        **SQLITE_OPTIONS,
        **DATABASES["default"].get("OPTIONS", {}),
    }
    # Each web thread keeps its connection, as on PostgreSQL: a new one every request
    # starts with an empty page cache, so every find read the key indexes' upper pages
    # from the file again (about 2 ms of a find over HTTP at ten million learners).
    DATABASES["default"].setdefault("CONN_MAX_AGE", 60)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Background tasks ----------------------------------------------------------------
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
WORKER_HEARTBEAT_SECONDS = int(os.environ.get("LRS_WORKER_HEARTBEAT_SECONDS", "10"))

# --- Matching ---------------------------------------------------------------------------
# How long a process keeps the register's name frequencies and size before counting them
# again (see lrs.learners.scoring).
LRS_MATCHING_STATS_SECONDS = float(os.environ.get("LRS_MATCHING_STATS_SECONDS", "600"))
# Where calibrated parameter sets are kept (lrs.learners.calibration); how often a worker
# recalibrates (0: never); the smallest register calibrated (smaller: shipped defaults).
LRS_MATCHING_DIR = Path(os.environ.get("LRS_MATCHING_DIR", DATA_DIR / "matching"))
LRS_MATCHING_CALIBRATE_HOURS = float(os.environ.get("LRS_MATCHING_CALIBRATE_HOURS", "24"))
LRS_MATCHING_MIN_REGISTER = int(os.environ.get("LRS_MATCHING_MIN_REGISTER", "10000"))

# --- Caches (throttling and sign-in lockout counters) -----------------------------------
# The counters must be shared by every process that serves requests, or each of
# `lrs serve`'s web processes would allow the whole rate again. Files in the data
# directory are shared by the processes of one machine; several machines need Redis.
CACHE_URL = os.environ.get("CACHE_URL", "")
CACHES: dict[str, dict[str, Any]]
if CACHE_URL.startswith("redis"):
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_URL}
    }
elif CACHE_URL == "locmem":
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(DATA_DIR / "cache"),
            # Every write lists the folder (to cull it past this many files), so it is kept
            # small: a busy public service counts in Redis instead.
            "OPTIONS": {"MAX_ENTRIES": 5_000},
        }
    }

# --- Authentication ----------------------------------------------------------------------
AUTH_USER_MODEL = "users.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "lrs.users.backends.OrganisationAwareBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "portal:sign-in"
LOGIN_REDIRECT_URL = "portal:home"
LOGOUT_REDIRECT_URL = "portal:sign-in"

AXES_FAILURE_LIMIT = int(os.environ.get("LRS_SIGN_IN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = float(os.environ.get("LRS_SIGN_IN_LOCKOUT_HOURS", "0.5"))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "lrs.users.views.locked_out"
AXES_VERBOSE = False

# Two-factor sign-in (an authenticator app and recovery codes): always required for super
# users and service desk users; true here requires it of every password user.
LRS_TWO_FACTOR_REQUIRED_FOR_ALL = env_bool("LRS_TWO_FACTOR_REQUIRED_FOR_ALL")
# Wrong codes in a row before signing in is locked (for LRS_SIGN_IN_LOCKOUT_HOURS).
LRS_TWO_FACTOR_FAILURE_LIMIT = int(os.environ.get("LRS_TWO_FACTOR_FAILURE_LIMIT", "5"))
# The name authenticator apps show beside the code.
OTP_TOTP_ISSUER = os.environ.get("LRS_TWO_FACTOR_ISSUER", "LRS")
# LRS counts wrong codes itself (above); django-otp's growing per-device delay would
# refuse a right code typed just after a wrong one.
OTP_TOTP_THROTTLE_FACTOR = 0
OTP_STATIC_THROTTLE_FACTOR = 0

# --- Sessions, cookies and headers -------------------------------------------------------
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", not _LOCAL)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", not _LOCAL)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = int(os.environ.get("LRS_SESSION_SECONDS", str(8 * 3600)))
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# Every powerful browser feature is off: the service uses none of them.
LRS_PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()"
    for feature in (
        "accelerometer",
        "autoplay",
        "camera",
        "display-capture",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "publickey-credentials-get",
        "screen-wake-lock",
        "serial",
        "usb",
        "xr-spatial-tracking",
    )
)
X_FRAME_OPTIONS = "DENY"
# A Content-Security-Policy on every answer (django-csp): scripts, styles, images and
# fonts from LRS itself only; the one inline script carries the request's nonce; no
# inline style attributes, no plugins, no framing, no <base> and no eval. form-action is
# not set: signing in posts a form that redirects to the identity provider (GOV.UK One
# Login, DfE Sign-in), whose address is the operator's to configure, and Chromium applies
# form-action to that redirect. docs/security.md explains each directive.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF],
        # data: for the empty favicon (<link rel="icon" href="data:,">).
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "frame-ancestors": [NONE],
    },
}
CSRF_FAILURE_VIEW = "lrs.portal.views.csrf_failure"
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", False)
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "0" if _LOCAL else "31536000"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = not _LOCAL
if env_bool("BEHIND_HTTPS_PROXY"):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# The client address the audit log records; only trust X-Forwarded-For behind a proxy.
LRS_TRUST_X_FORWARDED_FOR = env_bool("LRS_TRUST_X_FORWARDED_FOR")
# The addresses of the reverse proxies in front of `lrs serve`. Requests from them (and
# only from them) set the scheme and the client's address with X-Forwarded-Proto and
# X-Forwarded-For, in gunicorn and waitress alike: HSTS is sent, SECURE_SSL_REDIRECT does
# not loop, CSRF accepts the https origin and the audit log records the client.
LRS_TRUSTED_PROXIES = env_list("LRS_TRUSTED_PROXIES")

# --- Email -------------------------------------------------------------------------------
EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend"
    if _LOCAL
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "LRS <no-reply@lrs.invalid>")
# GOV.UK Notify instead of SMTP: EMAIL_BACKEND=lrs.core.notify.NotifyEmailBackend, an API key,
# and a template id for each kind of email (lrs.core.notify.EMAIL_TYPES) as JSON, e.g.
# {"sign_in_link": "<id>", "general": "<id>"}; a kind with no template uses "general".
LRS_NOTIFY_API_KEY = os.environ.get("LRS_NOTIFY_API_KEY", "")
LRS_NOTIFY_BASE_URL = os.environ.get(
    "LRS_NOTIFY_BASE_URL", "https://api.notifications.service.gov.uk"
).rstrip("/")
LRS_NOTIFY_TEMPLATES: dict[str, str] = json.loads(os.environ.get("LRS_NOTIFY_TEMPLATES") or "{}")
LRS_NOTIFY_REPLY_TO_ID = os.environ.get("LRS_NOTIFY_REPLY_TO_ID", "")

# --- Static files (GOV.UK Frontend from npm, built by `npm run build`) ------------------
STATIC_URL = "/static/"
# Optional: only needed to run `lrs collectstatic` for a separate web server or CDN.
STATIC_ROOT = os.environ.get("LRS_STATIC_ROOT") or None
NODE_MODULES_DIR = Path(os.environ.get("LRS_NODE_MODULES", PROJECT_DIR / "node_modules"))
ASSETS_BUILD_DIR = Path(os.environ.get("LRS_ASSETS_DIR", PROJECT_DIR / "build" / "static"))
# Only directories that exist: before `npm run build` the portal is unstyled, not broken.
_GOVUK_FRONTEND_DIR = NODE_MODULES_DIR / "govuk-frontend" / "dist" / "govuk"
STATICFILES_DIRS: list[tuple[str, Path] | Path] = []
if _GOVUK_FRONTEND_DIR.is_dir():
    STATICFILES_DIRS.append(("govuk", _GOVUK_FRONTEND_DIR))
if ASSETS_BUILD_DIR.is_dir():
    STATICFILES_DIRS.append(ASSETS_BUILD_DIR)
# Serving straight from the finders means no collectstatic step to forget; the files are
# few and WhiteNoise caches them in memory after the first request.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

# --- API ----------------------------------------------------------------------------------
LRS_API_RATE = os.environ.get("LRS_API_RATE", "600/m")
# Application forms sent from one address to the public /organisations/apply.
LRS_APPLY_RATE = os.environ.get("LRS_APPLY_RATE", "20/h")
NINJA_PAGINATION_PER_PAGE = 50

# One JSON object a line (docs/operations.md), or plain text for people reading a terminal:
# LRS_LOG_FORMAT=json|plain (plain by default for the local demo and DEBUG).
LRS_LOG_FORMAT = os.environ.get("LRS_LOG_FORMAT", "plain" if _LOCAL else "json")
if LRS_LOG_FORMAT not in {"json", "plain"}:
    raise ImproperlyConfigured("LRS_LOG_FORMAT must be json or plain")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "json": {"()": "lrs.core.observability.LrsJsonFormatter"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": LRS_LOG_FORMAT}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "axes": {"level": "WARNING"},
        # WeasyPrint and its font library narrate every step of every PDF at INFO.
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}

# Prometheus metrics at /metrics, for a scraper sending "Authorization: Bearer <token>" or
# calling from one of the networks (CIDR, comma-separated). Neither set: /metrics is a 404.
LRS_METRICS_TOKEN = os.environ.get("LRS_METRICS_TOKEN", "")
LRS_METRICS_ALLOWED_NETWORKS = env_list("LRS_METRICS_ALLOWED_NETWORKS")

# --- Batch files -----------------------------------------------------------------------
LRS_UPLOADS_DIR = Path(os.environ.get("LRS_UPLOADS_DIR", DATA_DIR / "uploads"))
# Where file jobs (batch and achievement files) keep their files: an alias of STORAGES.
# The "file_jobs" backend is a private folder on disk (LRS_UPLOADS_DIR) unless
# LRS_FILE_STORAGE_BACKEND names another (an object store, with its options as JSON in
# LRS_FILE_STORAGE_OPTIONS).
LRS_FILE_STORAGE = os.environ.get("LRS_FILE_STORAGE", "file_jobs")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    "file_jobs": {
        "BACKEND": os.environ.get("LRS_FILE_STORAGE_BACKEND", "lrs.core.filejobs.UploadsStorage"),
        "OPTIONS": json.loads(os.environ.get("LRS_FILE_STORAGE_OPTIONS", "{}")),
    },
}
LRS_BATCH_MAX_RECORDS = int(os.environ.get("LRS_BATCH_MAX_RECORDS", "100000"))
LRS_BATCH_MAX_BYTES = int(os.environ.get("LRS_BATCH_MAX_MB", "50")) * 1024 * 1024
LRS_BATCH_CHUNK_SIZE = int(os.environ.get("LRS_BATCH_CHUNK_SIZE", "1000"))
# How many workers may process one batch file at once (lrs.batches.planning): 1 decides
# its records in chunks, in file order; more splits the file into units of about
# LRS_BATCH_CHUNK_SIZE records that the worker running the file and up to this many - 1
# helpers claim. Run at least as many `lrs worker` processes to use them.
LRS_BATCH_WORKERS = int(os.environ.get("LRS_BATCH_WORKERS", "1"))
# A batch whose worker has shown no progress for this long is taken over by another.
LRS_BATCH_STALL_SECONDS = int(os.environ.get("LRS_BATCH_STALL_SECONDS", "120"))
# Run by every worker when it starts and then with each heartbeat.
LRS_WORKER_RECOVERY = [
    # Task results a dead worker left RUNNING are marked failed (docs/operations.md).
    "lrs.core.services.task_results_fail_orphaned",
    "lrs.batches.services.batches_resume_stalled",
    "lrs.records.services.achievement_jobs_resume_stalled",
    "lrs.misuse.services.misuse_check_if_due",
    "lrs.challenges.services.challenges_check_deadlines_if_due",
    "lrs.publications.services.list_editions_publish_if_due",
    "lrs.duplicates.services.duplicate_scan_start_if_due",
    "lrs.learners.calibration.matching_calibrate_if_due",
    "lrs.audit.partitions.audit_partitions_ensure_if_due",
]

# --- Audit log ---------------------------------------------------------------------------
# PostgreSQL keeps the log in monthly partitions (lrs.audit.partitions): this many months
# are made ahead of time, hourly by a worker or by `lrs audit_partitions`.
LRS_AUDIT_PARTITIONS_AHEAD = int(os.environ.get("LRS_AUDIT_PARTITIONS_AHEAD", "3"))
# Retention (docs/operations.md): months kept in the database before `lrs audit_archive`
# (with no --before) writes them to LRS_AUDIT_ARCHIVE_DIR and removes them.
LRS_AUDIT_RETENTION_MONTHS = int(os.environ.get("LRS_AUDIT_RETENTION_MONTHS", "24"))
LRS_AUDIT_ARCHIVE_DIR = Path(os.environ.get("LRS_AUDIT_ARCHIVE_DIR", DATA_DIR / "audit-archive"))

# --- Onboarding ----------------------------------------------------------------------------
# How long the sign-in link sent to a new super user works (it also stops working once
# used). Django's password reset tokens carry this.
PASSWORD_RESET_TIMEOUT = int(os.environ.get("LRS_SIGN_IN_LINK_SECONDS", str(3 * 24 * 3600)))
# The portal's public address, for links in emails sent from the console or the worker;
# a change made in the portal uses the address the request came to.
LRS_PORTAL_URL = os.environ.get("LRS_PORTAL_URL", "").rstrip("/")

# --- SOAP facade ---------------------------------------------------------------------------
LRS_SOAP_MAX_BYTES = int(os.environ.get("LRS_SOAP_MAX_BYTES", str(10 * 1024 * 1024)))
LRS_SOAP_FAILURE_LIMIT = int(os.environ.get("LRS_SOAP_FAILURE_LIMIT", str(AXES_FAILURE_LIMIT)))
LRS_SOAP_STATEMENT_TIMEOUT_MS = int(os.environ.get("LRS_SOAP_STATEMENT_TIMEOUT_MS", "30000"))

# --- Misuse watch ------------------------------------------------------------------------
# A user whose searches and PLR views in one day exceed this is suspended automatically.
LRS_MISUSE_DAILY_LIMIT = int(os.environ.get("LRS_MISUSE_DAILY_LIMIT", "1000"))
# How often (at most, across all workers) the check runs.
LRS_MISUSE_CHECK_SECONDS = int(os.environ.get("LRS_MISUSE_CHECK_SECONDS", "300"))
# Walking through ULNs: a user, or a whole organisation, that verifies, retrieves or looks
# up more distinct ULNs than this in one day is suspended at once...
LRS_ENUMERATION_USER_DAILY_ULNS = int(os.environ.get("LRS_ENUMERATION_USER_DAILY_ULNS", "10000"))
LRS_ENUMERATION_ORGANISATION_DAILY_ULNS = int(
    os.environ.get("LRS_ENUMERATION_ORGANISATION_DAILY_ULNS", "50000")
)
# ...and so is one that has touched at least LRS_ENUMERATION_MIN_ULNS distinct ULNs today
# of which at least this share were unknown or invalid (a real cohort has few of those).
LRS_ENUMERATION_MIN_ULNS = int(os.environ.get("LRS_ENUMERATION_MIN_ULNS", "200"))
LRS_ENUMERATION_UNKNOWN_SHARE = float(os.environ.get("LRS_ENUMERATION_UNKNOWN_SHARE", "0.5"))

# --- Duplicate learners -------------------------------------------------------------------
# How often the worker scans the whole register for probable duplicates (0: never; the
# service desk can still start a scan from the portal).
LRS_DUPLICATE_SCAN_HOURS = float(os.environ.get("LRS_DUPLICATE_SCAN_HOURS", "24"))
# A running scan with no progress for this long is taken to have lost its worker.
LRS_DUPLICATE_SCAN_STALL_SECONDS = int(os.environ.get("LRS_DUPLICATE_SCAN_STALL_SECONDS", "1800"))

# --- Event data challenges -----------------------------------------------------------------
LRS_CHALLENGE_ACKNOWLEDGE_DAYS = int(os.environ.get("LRS_CHALLENGE_ACKNOWLEDGE_DAYS", "10"))
LRS_CHALLENGE_RESOLVE_DAYS = int(os.environ.get("LRS_CHALLENGE_RESOLVE_DAYS", "25"))
# Working days before a deadline when the owner is reminded.
LRS_CHALLENGE_REMINDER_DAYS = int(os.environ.get("LRS_CHALLENGE_REMINDER_DAYS", "2"))
LRS_CHALLENGE_CHECK_SECONDS = int(os.environ.get("LRS_CHALLENGE_CHECK_SECONDS", "300"))
LRS_EVIDENCE_MAX_BYTES = int(os.environ.get("LRS_EVIDENCE_MAX_MB", "10")) * 1024 * 1024
LRS_EVIDENCE_TYPES = ["application/pdf", "image/png", "image/jpeg", "text/plain"]

# --- Support requests ------------------------------------------------------------------------
# Where new support requests and users' replies are announced (the email never holds the
# request itself, only its reference and a link). Attachments follow LRS_EVIDENCE_*.
LRS_SERVICE_DESK_EMAIL = os.environ.get("LRS_SERVICE_DESK_EMAIL", "servicedesk@lrs.invalid")

# --- Verifiable credentials -------------------------------------------------------------------
# The signing key (Ed25519, multibase secretKeyMultibase: `lrs credential new-key`). Rotate
# by setting a new one: the old key stays in the DID document and what it signed verifies.
LRS_ISSUER_KEY = os.environ.get("LRS_ISSUER_KEY", "")
# The public address credentials name as their issuer: did:web of this address, with the
# DID document at /.well-known/did.json and the status lists under /credentials/status/.
LRS_ISSUER_URL = os.environ.get("LRS_ISSUER_URL", LRS_PORTAL_URL).rstrip("/")
LRS_ISSUER_NAME = os.environ.get("LRS_ISSUER_NAME", "Learning Records Service")
# --- Learners' own records (GOV.UK One Login) -------------------------------------------------
# Learners sign in with GOV.UK One Login (OpenID Connect): README "Learners signing in" and
# docs/learners.md. Nothing here names a provider in code: lrs.oidc reads it all from here.
LRS_OIDC_PROVIDERS: dict[str, dict] = {}
if os.environ.get("LRS_ONE_LOGIN_ISSUER"):
    from lrs.oidc.profiles import one_login_provider

    _key_file = os.environ.get("LRS_ONE_LOGIN_PRIVATE_KEY_FILE", "")
    LRS_OIDC_PROVIDERS["one_login"] = one_login_provider(
        issuer=os.environ["LRS_ONE_LOGIN_ISSUER"],
        client_id=os.environ.get("LRS_ONE_LOGIN_CLIENT_ID", ""),
        private_key=(
            Path(_key_file).read_text(encoding="utf-8")
            if _key_file
            else os.environ.get("LRS_ONE_LOGIN_PRIVATE_KEY", "")
        ),
        identity_issuer=os.environ.get(
            "LRS_ONE_LOGIN_IDENTITY_ISSUER", "https://identity.account.gov.uk/"
        ),
        identity_did_url=os.environ.get(
            "LRS_ONE_LOGIN_IDENTITY_DID_URL", "https://identity.account.gov.uk/.well-known/did.json"
        ),
        scopes=os.environ.get("LRS_ONE_LOGIN_SCOPES", "openid email"),
    )
# --- Organisation users signing in with DfE Sign-in ----------------------------------------
# An option beside the username and password (docs/operations.md). The organisation it
# returns is found by UKPRN, else URN; its role codes map to LRS roles by this JSON object.
if os.environ.get("LRS_DFE_SIGN_IN_ISSUER"):
    from lrs.oidc.profiles import dfe_sign_in_provider

    _dfe_key_file = os.environ.get("LRS_DFE_SIGN_IN_PRIVATE_KEY_FILE", "")
    LRS_OIDC_PROVIDERS["dfe_sign_in"] = dfe_sign_in_provider(
        issuer=os.environ["LRS_DFE_SIGN_IN_ISSUER"],
        client_id=os.environ.get("LRS_DFE_SIGN_IN_CLIENT_ID", ""),
        private_key=(
            Path(_dfe_key_file).read_text(encoding="utf-8")
            if _dfe_key_file
            else os.environ.get("LRS_DFE_SIGN_IN_PRIVATE_KEY", "")
        ),
        scopes=os.environ.get("LRS_DFE_SIGN_IN_SCOPES", "openid email profile organisation"),
    )
# Where real DfE Sign-in serves a person's roles: its public API (lrs.dfesignin.roles_api),
# asked with a JWT signed with the service's API secret. Unset, roles are read from a
# `roles` claim, as only the local stand-in provider of the demo and tests gives them.
LRS_DFE_SIGN_IN_API_URL = os.environ.get("LRS_DFE_SIGN_IN_API_URL", "")
LRS_DFE_SIGN_IN_API_SECRET = os.environ.get("LRS_DFE_SIGN_IN_API_SECRET", "")
LRS_DFE_SIGN_IN_SERVICE_ID = os.environ.get("LRS_DFE_SIGN_IN_SERVICE_ID", "")
LRS_DFE_SIGN_IN_API_TIMEOUT = float(os.environ.get("LRS_DFE_SIGN_IN_API_TIMEOUT", "5"))
if LRS_DFE_SIGN_IN_API_URL and not (LRS_DFE_SIGN_IN_API_SECRET and LRS_DFE_SIGN_IN_SERVICE_ID):
    raise ImproperlyConfigured(
        "LRS_DFE_SIGN_IN_API_URL needs LRS_DFE_SIGN_IN_API_SECRET and LRS_DFE_SIGN_IN_SERVICE_ID"
    )
LRS_DFE_SIGN_IN_ROLES: dict[str, str] = json.loads(
    os.environ.get("LRS_DFE_SIGN_IN_ROLES")
    or json.dumps(
        {
            "LRS_SUPER_USER": "super_user",
            "LRS_BATCH_USER": "batch_user",
            "LRS_ONLINE_USER": "online_user",
            "LRS_VIEW_LEARNER_ONLY": "view_learner_only",
            "LRS_AWARDING_ORGANISATION_USER": "awarding_organisation_user",
        }
    )
)

# Longest a learner's share may last, and wrong access codes before a share locks.
LRS_SHARE_MAX_DAYS = int(os.environ.get("LRS_SHARE_MAX_DAYS", "90"))
LRS_SHARE_CODE_ATTEMPTS = int(os.environ.get("LRS_SHARE_CODE_ATTEMPTS", "5"))
# Access codes and PDF references tried from one address (shares, checks), per period.
LRS_SHARE_GUESS_RATE = os.environ.get("LRS_SHARE_GUESS_RATE", "30/h")
# Paper requests one address may send, and how long the emailed link to the PDF works.
LRS_PAPER_REQUEST_RATE = os.environ.get("LRS_PAPER_REQUEST_RATE", "10/h")
LRS_PAPER_LINK_DAYS = int(os.environ.get("LRS_PAPER_LINK_DAYS", "7"))
# Longest life of a learner's API token for an app.
LRS_LEARNER_TOKEN_MAX_DAYS = int(os.environ.get("LRS_LEARNER_TOKEN_MAX_DAYS", "90"))
