"""Settings of the Chorus portal, read from the environment.

A clone runs as it is: SQLite under ``var/``, a Celery broker on the file system, e-mails on
the console. Production sets ``DEBUG=0`` and must then give ``SECRET_KEY`` and
``ALLOWED_HOSTS``; every malformed value stops the start-up with a message naming it.
The README lists every variable.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import django_stubs_ext
from celery.schedules import crontab
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from chorus.env import (
    SupportSettings,
    env_bool,
    env_cache,
    env_database,
    env_decimal,
    env_float,
    env_int,
    env_json,
    env_list,
    env_rate,
    env_raw,
    env_str,
)

# Django's generic classes subscripted at run time as the type checker reads them
# (``ModelAdmin[IdempotencyKey]``).
django_stubs_ext.monkeypatch()

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("CHORUS_VAR_DIR", str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = env_bool("DEBUG", True)

SECRET_KEY = env_raw("SECRET_KEY") or ""
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = "dev-only-insecure-key-do-not-use-in-production-" + "x" * 16

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"] if DEBUG else [])
if not DEBUG and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS must be set when DEBUG is off.")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "widget_tweaks",
    "dsfr",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "csp",
    "chorus",
    "accounts",
    "structures",
    "invoices",
    "support",
    "dashboards",
    "flux",
    "digests",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "chorus.middleware.PermissionsPolicyMiddleware",
    "chorus.middleware.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "chorus.middleware.FrenchFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "accounts.middleware.SecondFactorMiddleware",
    "accounts.middleware.TermsAcceptanceMiddleware",
    # Axes last, as its documentation asks: it turns a lockout into a response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "chorus.urls"
WSGI_APPLICATION = "chorus.wsgi.application"
ASGI_APPLICATION = "chorus.asgi.application"

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
                "chorus.context_processors.portal",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
DATABASES = {"default": env_database("DATABASE_URL", f"sqlite:///{VAR_DIR / 'chorus.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL and immediate transactions let the web server and the worker share the file.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    # A file, not memory, so that a worker process started by a test sees the test data.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test.sqlite3")}
elif env_bool("DATABASE_POOL", True):
    # PostgreSQL through psycopg's pool, one per process: a process never holds more than
    # DATABASE_POOL_MAX_SIZE connections, and a request that finds them all busy waits up to
    # DATABASE_POOL_TIMEOUT seconds for one instead of opening another. The README sizes it
    # against the server's max_connections. Django refuses persistent connections with a pool.
    _pool = {
        "min_size": env_int("DATABASE_POOL_MIN_SIZE", 1, minimum=0),
        "max_size": env_int("DATABASE_POOL_MAX_SIZE", 4, minimum=1),
        "timeout": env_float("DATABASE_POOL_TIMEOUT", 30.0),
    }
    if _pool["min_size"] > _pool["max_size"] or _pool["timeout"] <= 0:
        raise ImproperlyConfigured(
            "DATABASE_POOL_MIN_SIZE must not exceed DATABASE_POOL_MAX_SIZE, and "
            "DATABASE_POOL_TIMEOUT must be a positive number of seconds."
        )
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = _pool
    # Django's check at checkout is an empty query, a round trip per request; the portal's
    # backend checks a connection without one unless the server spoke while it sat idle
    # (chorus/db/postgresql/base.py).
    DATABASES["default"]["ENGINE"] = "chorus.db.postgresql"
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = False
# The hot reads (chorus/prepared.py) run as statements prepared once per database session, so
# that PostgreSQL parses and plans them once instead of at every request. Off behind PgBouncer
# in transaction mode, whose server sessions are not the client's.
DATABASE_PREPARED_STATEMENTS = env_bool("DATABASE_PREPARED_STATEMENTS", True)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Accounts and authentication ------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
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
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"
ACCOUNT_ACTIVATION_MAX_AGE = env_int("ACCOUNT_ACTIVATION_MAX_AGE", 60 * 60, minimum=60)
PASSWORD_RESET_TIMEOUT = env_int("PASSWORD_RESET_TIMEOUT", 60 * 60, minimum=60)
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 8 * 60 * 60, minimum=300)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

# Lockout: 5 failed logins for an account lock it for one hour (Chorus Pro's rule).
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = timedelta(hours=env_float("AXES_COOLOFF_HOURS", 1.0))
# Per account, not per address: a whole office behind one NAT must not be locked out by
# five typing mistakes of its colleagues. Hence axes' advice to add the IP is silenced.
AXES_LOCKOUT_PARAMETERS = ["username"]
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_USERNAME_FORM_FIELD = "username"
# accounts: failures are counted per login e-mail, whatever its capitalisation
# (accounts/lockout.py); a wrong second-factor code counts as a failure too.
AXES_USERNAME_CALLABLE = "accounts.lockout.axes_username"

OTP_TOTP_ISSUER = "Chorus"
# Second factor (TOTP, with recovery codes): required of every account when on, which is the
# default in production (DEBUG off); `make run`, the demo and the tests relax it. Staff and the
# admin always require it, whatever this says (accounts/middleware.py).
TWO_FACTOR_REQUIRED = env_bool("TWO_FACTOR_REQUIRED", not DEBUG)
TWO_FACTOR_RECOVERY_CODES = env_int("TWO_FACTOR_RECOVERY_CODES", 10, minimum=1)

# --- Internationalisation -------------------------------------------------------------------
LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", _("Français")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
# English dates written day first with a 24-hour clock (chorus/formats/en/formats.py).
FORMAT_MODULE_PATH = ["chorus.formats"]
LANGUAGE_COOKIE_AGE = 365 * 24 * 60 * 60
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True

# --- Static and media files -----------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(VAR_DIR / "static")))
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))
MEDIA_URL = "/media-not-served/"  # uploads are streamed by views that check access, never served
STORAGES: dict[str, dict[str, Any]] = {
    "default": {
        "BACKEND": env_str("STORAGE_BACKEND", "django.core.files.storage.FileSystemStorage"),
        "OPTIONS": env_json("STORAGE_OPTIONS", {}),
    },
    # Production: hashed names and compressed copies, the design system's files byte for byte
    # (their templates check them with an integrity attribute: chorus/staticfiles.py).
    "staticfiles": {
        "BACKEND": "chorus.staticfiles.IntegrityPreservingStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage",
    },
}
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024

# --- E-mail ---------------------------------------------------------------------------------
EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    "chorus.mail.ConsoleAndFileBackend" if DEBUG else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_FILE_PATH = VAR_DIR / "mail"
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25, minimum=1)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10, minimum=1)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Chorus <ne-pas-repondre@chorus.localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# The outbox (chorus/outbox.py): e-mails are queued with their event and retried with an
# exponential back-off (seconds) until the server takes them; the sweep runs every INTERVAL.
EMAIL_OUTBOX_INTERVAL = env_int("EMAIL_OUTBOX_INTERVAL", 30, minimum=1)
EMAIL_OUTBOX_RETRY_BASE = env_int("EMAIL_OUTBOX_RETRY_BASE", 30, minimum=0)
EMAIL_OUTBOX_RETRY_MAX = env_int("EMAIL_OUTBOX_RETRY_MAX", 3600, minimum=1)
EMAIL_OUTBOX_MAX_ATTEMPTS = env_int("EMAIL_OUTBOX_MAX_ATTEMPTS", 20, minimum=1)
# An e-mail "being sent" for this long was claimed by a worker that died: it goes back.
EMAIL_OUTBOX_STALE_AFTER = env_int("EMAIL_OUTBOX_STALE_AFTER", 600, minimum=1)

# --- Celery ---------------------------------------------------------------------------------
# The default broker is kombu's file-system transport: a real worker with no server to run.
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", "filesystem://")
if CELERY_BROKER_URL.startswith("filesystem://"):
    # kombu's transport, with messages written whole before a consumer can see them.
    CELERY_BROKER_TRANSPORT = "chorus.broker:Transport"
    _broker_dir = VAR_DIR / "broker"
    for _sub in ("queue", "processed", "control"):
        (_broker_dir / _sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "processed_folder": str(_broker_dir / "processed"),
        "control_folder": str(_broker_dir / "control"),
        "store_processed": False,
    }
else:
    # A message not acknowledged within this time goes back to the queue (redis transport).
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT", 300, minimum=10)
    }
CELERY_TASK_DEFAULT_QUEUE = env_str("CELERY_QUEUE", "chorus")
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A broker that does not answer costs a write about a second, not the default several: the
# database is the source of truth and the sweeps recover what could not be enqueued.
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": env_int("CELERY_PUBLISH_MAX_RETRIES", 2, minimum=0),
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.5,
}
CELERY_BEAT_SCHEDULE: dict[str, dict[str, Any]] = {
    "chorus-deliver-due-emails": {
        "task": "chorus.deliver_due_emails",
        "schedule": float(EMAIL_OUTBOX_INTERVAL),
    },
}
if env_bool("CHORUS_BEAT_PROBE", False):
    # Lets a test prove that beat publishes on the configured broker.
    CELERY_BEAT_SCHEDULE["probe"] = {"task": "chorus.ping", "schedule": 1.0, "args": ("beat",)}

# --- Security -------------------------------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
# A form refused for its CSRF token gets the portal's page, not Django's English one.
CSRF_FAILURE_VIEW = "chorus.errors.csrf_failure"
if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    LANGUAGE_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000, minimum=0)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
    if env_bool("BEHIND_TLS_PROXY", True):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# --- Hardening: Content-Security-Policy (django-csp 4) ------------------------------------
# Scripts and styles come from the portal's own static files only; the few inline scripts
# carry the request's nonce (``request.csp_nonce``). No inline event handler, no inline style
# attribute in the templates; DSFR's icons and Swagger UI's use data: images.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, NONCE],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "frame-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        # The PDF preview (invoices:preview) is the only page framed, by the portal itself.
        "frame-ancestors": [NONE],
    }
}

# --- Django REST Framework and the API (/api/v1/) ---------------------------------------------
# Named, revocable tokens (accounts.ApiToken) or the portal's session; everything else is the
# API's own: one error shape, page-number pagination, throttling per token (chorus/api/).
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": [
        "rest_framework.permissions.IsAuthenticated",
        "chorus.api.permissions.TokenScopePermission",
    ],
    "DEFAULT_THROTTLE_CLASSES": ["chorus.api.throttling.TokenRateThrottle"],
    "DEFAULT_PAGINATION_CLASS": "chorus.api.pagination.PageNumberPagination",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["chorus.api.parsers.JSONParser"],
    "EXCEPTION_HANDLER": "chorus.api.errors.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "chorus.api.schema.AutoSchema",
    "COERCE_DECIMAL_TO_STRING": True,
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Chorus API",
    "DESCRIPTION": (
        "Dépôt et suivi des factures, traitement par les destinataires publics. "
        "See /api/docs/ for authentication, errors, idempotency and throttling."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "InvoiceStatusEnum": "invoices.workflow.Status",
        "FluxStatusEnum": "flux.models.Flux.Status",
        "LifecycleCodeEnum": "invoices.workflow.ReformCode",
    },
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums"],
    "GET_LIB_DOC_EXCLUDES": "chorus.api.schema.doc_excludes",
    # Swagger UI from the installed drf-spectacular-sidecar: no CDN (strict CSP, no internet).
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}
# Requests per token (or per session user) and, for the token endpoint, per client address.
# DRF's format: "<number>/<second|minute|hour|day>".
API_THROTTLE_RATES = {
    "token": env_rate("API_THROTTLE_RATE", "1200/minute"),
    "auth": env_rate("API_THROTTLE_AUTH_RATE", "30/minute"),
}
# How long an Idempotency-Key is remembered (hours, at least 24), and how long a request waits
# for another one with the same key to finish before answering 409 (seconds, PostgreSQL).
API_IDEMPOTENCY_TTL_HOURS = env_int("API_IDEMPOTENCY_TTL_HOURS", 24, minimum=24)
API_IDEMPOTENCY_WAIT = env_int("API_IDEMPOTENCY_WAIT", 30, minimum=1)
# A token's "last used" date is written at most this often (seconds): not one write per call.
API_TOKEN_TOUCH_INTERVAL = env_int("API_TOKEN_TOUCH_INTERVAL", 60, minimum=0)
# A token's scopes when none are asked for (comma-separated: read, deposit, process), its
# lifetime when no end date is given (days), and the longest lifetime a user may choose.
API_TOKEN_DEFAULT_SCOPES = env_list("API_TOKEN_DEFAULT_SCOPES", ["read", "deposit", "process"])
API_TOKEN_DEFAULT_DAYS = env_int("API_TOKEN_DEFAULT_DAYS", 365, minimum=1)
API_TOKEN_MAX_DAYS = env_int("API_TOKEN_MAX_DAYS", 730, minimum=1)
if not API_TOKEN_DEFAULT_SCOPES or set(API_TOKEN_DEFAULT_SCOPES) - {"read", "deposit", "process"}:
    raise ImproperlyConfigured("API_TOKEN_DEFAULT_SCOPES takes read, deposit and/or process.")
if API_TOKEN_DEFAULT_DAYS > API_TOKEN_MAX_DAYS:
    raise ImproperlyConfigured("API_TOKEN_DEFAULT_DAYS is above API_TOKEN_MAX_DAYS.")
CELERY_BEAT_SCHEDULE["api-purge-idempotency-keys"] = {
    "task": "chorus.purge_idempotency_keys",
    "schedule": 3600.0,
}

# --- Cache (throttling counters) ------------------------------------------------------------
# Throttling counts in the cache: with several processes or hosts they must share one, so
# production sets CACHE_URL=redis://host:6379/1. The default, local memory, is per process:
# right for development and tests only.
CACHES = {"default": env_cache("CACHE_URL", "locmem://")}

# --- Logging --------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        "weasyprint": {"level": "ERROR"},
        "fontTools": {"level": "ERROR"},
        "axes": {"level": "WARNING"},
        "factur-x": {"level": "WARNING"},
    },
}

# --- The portal -----------------------------------------------------------------------------
CHORUS = {
    "SITE_TITLE": "Chorus",
    "SITE_TAGLINE": _("Le portail de facturation des fournisseurs du secteur public"),
    "STATE_SIRET": "11000201100044",
}

# --- Structured invoices (Factur-X, CII, UBL) ---------------------------------------------------
INVOICE_FILE_MAX_BYTES = env_int("INVOICE_FILE_MAX_BYTES", 10 * 1024 * 1024, minimum=1024)


# --- Support (sollicitations) ----------------------------------------------------------------
SUPPORT: SupportSettings = {
    # "Nous contacter" takes at most this many submissions per client address and window.
    # Counted in the database, so every web process and host shares the count (see
    # support/throttle.py).
    "CONTACT_RATE_LIMIT": env_int("SUPPORT_CONTACT_RATE_LIMIT", 5, minimum=1),
    "CONTACT_RATE_WINDOW": env_int("SUPPORT_CONTACT_RATE_WINDOW", 3600, minimum=60),
    # Reverse proxies in front of the web server, each appending to X-Forwarded-For: the
    # client address is that many entries from the right. 0 trusts only REMOTE_ADDR.
    "PROXY_COUNT": env_int("SUPPORT_PROXY_COUNT", 0, minimum=0),
    # Who hears of tickets sent to the portal's support; empty: every active staff user.
    "TEAM_EMAILS": env_list("SUPPORT_TEAM_EMAILS", []),
    "PHONE": env_str("SUPPORT_PHONE", ""),
    # The ministry's dematerialisation team, for general questions on e-invoicing (not on the
    # portal): shown on the "Qui contacter ?" help page when set (chorus-demat@interieur.gouv.fr).
    "DEMATERIALISATION_EMAIL": env_str("SUPPORT_DEMATERIALISATION_EMAIL", ""),
    "ATTACHMENT_MAX_BYTES": 10 * 1024 * 1024,
}

# --- Invoices -------------------------------------------------------------------------------
# Seconds between two routing steps (deposit → routing → made available): a few seconds let
# a developer watch an invoice move under `make run`; the tests use none.
INVOICE_ROUTING_DELAY = env_float("INVOICE_ROUTING_DELAY", 3.0)
# An invoice still in DEPOSEE or EN_COURS_ACHEMINEMENT after this many seconds lost its
# message: the sweep, run every INVOICE_SWEEP_INTERVAL seconds, enqueues it again.
INVOICE_ROUTING_STUCK_AFTER = env_int("INVOICE_ROUTING_STUCK_AFTER", 300, minimum=1)
INVOICE_SWEEP_INTERVAL = env_int("INVOICE_SWEEP_INTERVAL", 60, minimum=1)
# Routing works in batches: a worker claims up to this many waiting invoices and commits once.
# As many as a flux may carry: a flux's invoices route together, and its depositor's digest of
# a routing event is one e-mail (measured: 500 routes 1.3-2x faster than 250, BENCHMARKS.md).
INVOICE_ROUTING_BATCH_SIZE = env_int("INVOICE_ROUTING_BATCH_SIZE", 500, minimum=1)
# Seconds a "work available" message stays coalesced (see services._enqueue.wake_routing): past
# them, if its message was lost, the next deposit sends another.
INVOICE_ROUTING_WAKE_TTL = env_int("INVOICE_ROUTING_WAKE_TTL", 30, minimum=1)
# The Celery queue of the PDFs rendered after a deposit (deposit certificates, Factur-X of the
# typed invoices): give it workers of its own (`celery worker -Q`), and routing and e-mails never
# wait behind a rendering. By default the one queue: one worker does it all.
RENDERING_QUEUE = env_str("RENDERING_QUEUE", CELERY_TASK_DEFAULT_QUEUE)
# The simulated payment system puts accounted invoices in payment after a delay (seconds).
INVOICE_PAYMENT_SIMULATION = env_bool("INVOICE_PAYMENT_SIMULATION", DEBUG)
INVOICE_PAYMENT_SIMULATION_DELAY = env_int("INVOICE_PAYMENT_SIMULATION_DELAY", 120, minimum=0)
# Received PDFs are read by a child process (invoices/pdf_sandbox.py) with these limits: past
# them the file is refused, and the web server or worker is never at risk.
INVOICE_PDF_CHECK_TIMEOUT = env_int("INVOICE_PDF_CHECK_TIMEOUT", 20, minimum=1)
INVOICE_PDF_CHECK_CPU_SECONDS = env_int("INVOICE_PDF_CHECK_CPU_SECONDS", 15, minimum=1)
INVOICE_PDF_CHECK_MEMORY_MB = env_int("INVOICE_PDF_CHECK_MEMORY_MB", 768, minimum=128)
# Legal payment delay from the deposit (days): 30 for the State (décret 2013-269).
INVOICE_PAYMENT_DELAY_DAYS = env_int("INVOICE_PAYMENT_DELAY_DAYS", 30, minimum=1)
if CELERY_BROKER_URL.startswith("filesystem://"):
    # The file-system broker polls once a second by default: with late acknowledgement that is
    # one message a second, and a burst of e-mails would hold routing back.
    CELERY_BROKER_TRANSPORT_OPTIONS["polling_interval"] = env_float("INVOICE_BROKER_POLLING", 0.1)
CELERY_BEAT_SCHEDULE["invoices-sweep-routing"] = {
    "task": "invoices.sweep_routing",
    "schedule": float(INVOICE_SWEEP_INTERVAL),
}
# The Factur-X PDF of a typed invoice is rendered by a task right after its deposit: the same
# sweep re-enqueues a rendering whose message was lost.
CELERY_BEAT_SCHEDULE["invoices-sweep-renderings"] = {
    "task": "invoices.sweep_renderings",
    "schedule": float(INVOICE_SWEEP_INTERVAL),
}
if INVOICE_PAYMENT_SIMULATION:
    CELERY_BEAT_SCHEDULE["invoices-simulate-payments"] = {
        "task": "invoices.simulate_payments",
        "schedule": float(max(10, min(INVOICE_PAYMENT_SIMULATION_DELAY, 60))),
    }

# Billing frames A9 / A12: days the titular company (mandatary) has to validate an invoice; past
# them the validation is tacit, and the sweep (every INVOICE_SWEEP_INTERVAL seconds) routes it on.
INVOICE_VALIDATION_DAYS = env_int("INVOICE_VALIDATION_DAYS", 15, minimum=1)
CELERY_BEAT_SCHEDULE["invoices-sweep-validations"] = {
    "task": "invoices.sweep_validations",
    "schedule": float(INVOICE_SWEEP_INTERVAL),
}
# Bulk decisions (invoices/bulk/): an agent decides on up to BULK_DECISION_MAX_INVOICES received
# invoices at once; a batch of at most BULK_DECISION_INLINE_MAX runs within the request, a longer
# one in a worker while its page shows the progress. A batch not done that has not moved for
# BULK_DECISION_STUCK_AFTER seconds lost its worker: the sweep enqueues it again.
BULK_DECISION_MAX_INVOICES = env_int("BULK_DECISION_MAX_INVOICES", 500, minimum=1)
BULK_DECISION_INLINE_MAX = env_int("BULK_DECISION_INLINE_MAX", 10, minimum=0)
BULK_DECISION_STUCK_AFTER = env_int("BULK_DECISION_STUCK_AFTER", 300, minimum=1)
CELERY_BEAT_SCHEDULE["invoices-sweep-bulk-decisions"] = {
    "task": "invoices.sweep_bulk_decisions",
    "schedule": float(INVOICE_SWEEP_INTERVAL),
}
# An agent downloads the files of several received invoices as one ZIP, streamed: at most this
# many invoices, and this many bytes of files in all (a clear message beyond).
BULK_ZIP_MAX_INVOICES = env_int("BULK_ZIP_MAX_INVOICES", 100, minimum=1)
BULK_ZIP_MAX_BYTES = env_int("BULK_ZIP_MAX_BYTES", 200 * 1024 * 1024, minimum=1024)

# The audit trail's seals (invoices/seals.py): every AUDIT_SEAL_INTERVAL seconds, beat seals the
# history rows and file records written since the last seal, and e-mails the new digest to
# AUDIT_SEAL_EMAILS (empty: every active superuser).
AUDIT_SEAL_INTERVAL = env_int("AUDIT_SEAL_INTERVAL", 3600, minimum=10)
AUDIT_SEAL_EMAILS = env_list("AUDIT_SEAL_EMAILS", [])
CELERY_BEAT_SCHEDULE["invoices-seal-audit-trail"] = {
    "task": "invoices.seal_audit_trail",
    "schedule": float(AUDIT_SEAL_INTERVAL),
}

# --- Flux (files of invoices deposited at once) ---------------------------------------------
FLUX_MAX_INVOICES = env_int("FLUX_MAX_INVOICES", 500, minimum=1)
FLUX_MAX_BYTES = env_int("FLUX_MAX_BYTES", 120 * 1024 * 1024, minimum=1024)
# What the entries of a ZIP flux may unpack to, all together, and how much each may grow.
FLUX_MAX_UNPACKED_BYTES = env_int("FLUX_MAX_UNPACKED_BYTES", 240 * 1024 * 1024, minimum=1024)
FLUX_MAX_RATIO = env_int("FLUX_MAX_RATIO", 100, minimum=1)
# Invoices judged and deposited per transaction: a worker killed loses at most one chunk's work,
# which the next run does again (the items are marked done in the chunk's transaction). 100:
# each chunk reads its facts and writes its rows once; at 50 that was a tenth of a JSON
# invoice's CPU, at 100 half that (250 saves little more, for a longer transaction to redo).
FLUX_CHUNK_SIZE = env_int("FLUX_CHUNK_SIZE", 100, minimum=1)
FLUX_QUEUE = env_str("FLUX_QUEUE", CELERY_TASK_DEFAULT_QUEUE)
# A flux in a transient status untouched for this long lost its worker: the sweep resumes it.
FLUX_STUCK_AFTER = env_int("FLUX_STUCK_AFTER", 300, minimum=1)
CELERY_BEAT_SCHEDULE["flux-sweep"] = {
    "task": "flux.sweep",
    "schedule": float(INVOICE_SWEEP_INTERVAL),
}

# --- EJ registers (files of legal commitments uploaded by agents) ---------------------------
ENGAGEMENT_FILE_MAX_BYTES = env_int("ENGAGEMENT_FILE_MAX_BYTES", 5 * 1024 * 1024, minimum=1024)
# Register rows written per transaction; each commit moves the page's progress bar, and a worker
# killed resumes after the last one.
ENGAGEMENT_CHUNK_SIZE = env_int("ENGAGEMENT_CHUNK_SIZE", 500, minimum=1)
# An upload whose message was lost (a broker down) is enqueued again by the routing's sweep
# period, once INVOICE_ROUTING_STUCK_AFTER has passed.
CELERY_BEAT_SCHEDULE["invoices-sweep-engagement-imports"] = {
    "task": "invoices.sweep_engagement_imports",
    "schedule": float(INVOICE_SWEEP_INTERVAL),
}

# --- Retention ------------------------------------------------------------------------------
# Invoices, their files and their history are kept this many years after the end of the year
# of their deposit (the French commercial code's 10 years for accounting records), then purged
# by `manage.py purge_expired_invoices`; the help pages say so.
RETENTION_YEARS = env_int("RETENTION_YEARS", 10, minimum=1)

# --- Dashboards: late-payment interest shown to suppliers -----------------------------------
# Interest owed on an invoice paid after the legal delay: the ECB's main refinancing rate plus
# a margin (percentage points, per year), and a fixed recovery fee per invoice (euros). The
# default ECB rate is the one in force since 11 June 2025; update it each semester.
LATE_PAYMENT = {
    "ECB_RATE": env_decimal("LATE_PAYMENT_ECB_RATE", "2.15", minimum="0"),
    "MARGIN_POINTS": env_decimal("LATE_PAYMENT_MARGIN_POINTS", "10", minimum="0"),
    "FIXED_FEE": env_decimal("LATE_PAYMENT_FIXED_FEE", "40", minimum="0"),
}
# The dashboards' summaries (dashboards/summaries.py, PostgreSQL): the deltas the triggers write
# are folded into the totals every DASHBOARDS_FOLD_INTERVAL seconds. A read adds the deltas not
# folded yet, so the figures are exact either way; folding keeps that read small.
DASHBOARDS_FOLD_INTERVAL = env_int("DASHBOARDS_FOLD_INTERVAL", 30, minimum=1)
# Off: the dashboards count the invoices themselves (the same figures, slower at scale).
DASHBOARDS_SUMMARIES = env_bool("DASHBOARDS_SUMMARIES", True)
CELERY_BEAT_SCHEDULE["dashboards-fold-summaries"] = {
    "task": "dashboards.fold_summaries",
    "schedule": float(DASHBOARDS_FOLD_INTERVAL),
}

# --- Digests --------------------------------------------------------------------------------
# Members who chose a daily or weekly digest instead of one e-mail per event get it at this
# local hour (the day before; the week before, on Mondays). digests/services.py.
DIGESTS_HOUR = env_int("DIGESTS_HOUR", 6, minimum=0)
if DIGESTS_HOUR > 23:
    raise ImproperlyConfigured("DIGESTS_HOUR is an hour of the day, from 0 to 23.")
CELERY_BEAT_SCHEDULE["digests-daily"] = {
    "task": "digests.send_daily",
    "schedule": crontab(minute=0, hour=DIGESTS_HOUR),
}
CELERY_BEAT_SCHEDULE["digests-weekly"] = {
    "task": "digests.send_weekly",
    "schedule": crontab(minute=15, hour=DIGESTS_HOUR, day_of_week="mon"),
}
