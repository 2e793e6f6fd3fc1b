"""Confide settings: one module, read from the environment.

With no configuration at all the product runs on the embedded default: SQLite in the local data
folder, Celery on kombu's file-system transport in the same folder, secrets generated there on
first use. ``CONFIDE_ENVIRONMENT=production`` turns on every deployment protection and refuses to
start without real secrets. The README lists every variable.
"""

from __future__ import annotations

import base64
import secrets
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
import django_stubs_ext
from cryptography.fernet import Fernet
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from config.env import (
    env_bool,
    env_choice,
    env_crontab,
    env_int,
    env_int_list,
    env_list,
    env_optional_str,
    env_secret,
    env_str,
    local_secret,
)

django_stubs_ext.monkeypatch()  # lets ModelAdmin[Model] and friends be written at run time

BASE_DIR = Path(__file__).resolve().parent.parent
ENVIRONMENT = env_choice("CONFIDE_ENVIRONMENT", "development", ("development", "production"))
PRODUCTION = ENVIRONMENT == "production"
DATA_DIR = Path(env_str("CONFIDE_DATA_DIR", str(BASE_DIR / "data"))).resolve()
_LOCAL_SECRETS = DATA_DIR / "secrets"


def _random_b64() -> str:
    return base64.b64encode(secrets.token_bytes(32)).decode()


def _secret(name: str, generate: Callable[[], str]) -> str:
    value = env_secret(name)
    if value is not None:
        return value
    if PRODUCTION:
        raise ImproperlyConfigured(f"{name} (or {name}_FILE) must be set in production")
    return local_secret(_LOCAL_SECRETS, name.lower(), generate)


DEBUG = env_bool("DJANGO_DEBUG", default=False)
if PRODUCTION and DEBUG:
    raise ImproperlyConfigured("DJANGO_DEBUG must be off in production")

SECRET_KEY = _secret("DJANGO_SECRET_KEY", lambda: secrets.token_urlsafe(64))
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", [] if PRODUCTION else ["127.0.0.1", "localhost"])
if PRODUCTION and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("DJANGO_ALLOWED_HOSTS must name the site's host(s) in production")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "config.apps.ConfideAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_otp",
    "axes",
    "guardian",
    "auditlog",
    "csp",
    "accounts",
    "records",
    "disclosures",
    "breaches",
    "retention",
    "monitoring",
    "reports",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "accounts.middleware.SessionUserOTPMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "accounts.middleware.SignInGateMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "auditlog.middleware.AuditlogMiddleware",
    # django-axes asks to be last: it turns a locked-out sign-in into its lock-out page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

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
                "accounts.context_processors.navigation",
            ],
        },
    },
]

# --- Database -----------------------------------------------------------------------------------
DATABASE_URL = env_str("DATABASE_URL", f"sqlite:///{DATA_DIR / 'confide.sqlite3'}")
try:
    _database = dj_database_url.parse(
        DATABASE_URL, conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60, minimum=0)
    )
except ValueError as exc:
    raise ImproperlyConfigured(
        f"DATABASE_URL is not a database URL this product knows: {exc}"
    ) from None
if _database["ENGINE"] == "django.db.backends.sqlite3":
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    _database["CONN_MAX_AGE"] = 0
    _database["OPTIONS"] = {
        # Writers take the lock when their transaction starts, so a reader that later writes
        # (the audit writer does) waits its turn instead of failing with "database is locked".
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
elif _database["ENGINE"] == "django.db.backends.postgresql":
    _database["CONN_HEALTH_CHECKS"] = True
else:
    raise ImproperlyConfigured("DATABASE_URL must be a postgres:// or sqlite:// URL")
DATABASES = {"default": _database}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache and jobs -----------------------------------------------------------------------------
REDIS_URL = env_optional_str("REDIS_URL")
if REDIS_URL:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Without a broker URL, Celery uses kombu's file-system transport in the data folder: a real
# queue that a worker (with its embedded beat) on the same machine consumes, so scheduled jobs
# run on the embedded default too.
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", REDIS_URL or "filesystem://")
if CELERY_BROKER_URL == "filesystem://":
    _queue = DATA_DIR / "celery" / "queue"
    _control = DATA_DIR / "celery" / "control"
    for _folder in (_queue, _control):
        _folder.mkdir(parents=True, exist_ok=True)  # kombu expects its folders to exist
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_queue),
        "data_folder_out": str(_queue),
        "control_folder": str(_control),
    }
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = "Europe/London"
CELERY_BEAT_SCHEDULE_FILENAME = str(DATA_DIR / "celery" / "beat-schedule")
# Beat keeps its schedule file there whatever the broker; it cannot start without the folder.
(DATA_DIR / "celery").mkdir(parents=True, exist_ok=True)
CELERY_BEAT_SCHEDULE = {
    "anchor-audit-chain": {
        "task": "accounts.tasks.anchor_audit_chain",
        "schedule": timedelta(seconds=env_int("CONFIDE_AUDIT_ANCHOR_SECONDS", 900, minimum=1)),
    },
    "verify-audit-chain": {
        "task": "accounts.tasks.verify_audit_chain",
        "schedule": timedelta(hours=env_int("CONFIDE_AUDIT_VERIFY_HOURS", 24, minimum=1)),
    },
    "ensure-audit-partitions": {
        "task": "accounts.tasks.ensure_audit_partitions",
        "schedule": timedelta(days=1),
    },
    "expire-break-glass": {
        "task": "records.tasks.expire_break_glass",
        "schedule": timedelta(minutes=15),
    },
    "sweep-key-shares": {
        "task": "records.tasks.sweep_key_shares",
        "schedule": timedelta(days=1),
    },
    "escalate-deadlines": {
        "task": "disclosures.tasks.escalate_deadlines",
        "schedule": timedelta(hours=1),
    },
    "escalate-guardian-waits": {
        "task": "disclosures.tasks.escalate_guardian_waits",
        "schedule": timedelta(hours=1),
    },
    "escalate-breach-ico-deadlines": {
        "task": "breaches.tasks.escalate_ico_deadlines",
        "schedule": timedelta(hours=1),
    },
}

# Months of audit trail kept in the live database; `audit_partitions detach` refuses younger ones.
# The default is the eight years of the retention schedule.
AUDIT_ONLINE_MONTHS = env_int("CONFIDE_AUDIT_ONLINE_MONTHS", 96, minimum=13)

# --- Keys kept outside the database --------------------------------------------------------------
# Field encryption: comma-separated Fernet keys, newest first; older ones still decrypt.
FIELD_ENCRYPTION_KEYS = env_list("CONFIDE_FIELD_KEYS", []) or [
    _secret("CONFIDE_FIELD_KEY", lambda: Fernet.generate_key().decode())
]
for _key in FIELD_ENCRYPTION_KEYS:
    try:
        Fernet(_key.encode())
    except ValueError:
        raise ImproperlyConfigured(
            "CONFIDE_FIELD_KEYS holds a value that is not a Fernet key"
        ) from None

# Audit chain: "id:secret" pairs, newest first; rows record which key id sealed them.
_audit_keys = env_list("CONFIDE_AUDIT_KEYS", []) or [
    "k1:" + _secret("CONFIDE_AUDIT_KEY", lambda: base64.b64encode(secrets.token_bytes(32)).decode())
]
AUDIT_HMAC_KEYS: dict[str, bytes] = {}
for _pair in _audit_keys:
    _id, _, _value = _pair.partition(":")
    if not _id or len(_value) < 32:
        raise ImproperlyConfigured(
            "CONFIDE_AUDIT_KEYS entries must be id:secret, secret ≥ 32 chars"
        )
    AUDIT_HMAC_KEYS[_id] = _value.encode()
AUDIT_CURRENT_KEY_ID = next(iter(AUDIT_HMAC_KEYS))
AUDIT_ANCHOR_DIR = Path(env_str("CONFIDE_AUDIT_ANCHOR_DIR", str(DATA_DIR / "audit-anchors")))

# Client records: AES-256 master keys as "id:base64", newest first. They wrap each client's own
# data key; older ones still unwrap until `manage.py rotate_master_key` has re-wrapped every key.
_master_keys = env_list("CONFIDE_MASTER_KEYS", []) or [
    "m1:" + _secret("CONFIDE_MASTER_KEY", _random_b64)
]
RECORD_MASTER_KEYS: dict[str, bytes] = {}
for _pair in _master_keys:
    _id, _, _value = _pair.partition(":")
    try:
        _raw = base64.b64decode(_value, validate=True)
    except ValueError:
        _raw = b""
    if not _id or len(_raw) != 32:
        raise ImproperlyConfigured(
            "CONFIDE_MASTER_KEYS entries must be id:key, the key 32 bytes in base64"
        )
    RECORD_MASTER_KEYS[_id] = _raw
RECORD_MASTER_KEY_ID = next(iter(RECORD_MASTER_KEYS))
# Blind indexes (exact-match search on NHS number, surname + date of birth) and hashed search
# terms in the audit trail: a keyed hash, so the database alone cannot test guesses.
BLIND_INDEX_KEY = _secret("CONFIDE_BLIND_INDEX_KEY", _random_b64).encode()
if len(BLIND_INDEX_KEY) < 32:
    raise ImproperlyConfigured("CONFIDE_BLIND_INDEX_KEY must be at least 32 characters")

# --- Client records ------------------------------------------------------------------------------
# How long break-the-glass access lasts before the user must ask again.
BREAK_GLASS_MINUTES = env_int("CONFIDE_BREAK_GLASS_MINUTES", 240, minimum=5)
# Case documents: the largest upload, and where the (encrypted) files live, outside the web root.
ATTACHMENT_MAX_BYTES = env_int("CONFIDE_ATTACHMENT_MAX_MB", 10, minimum=1) * 1024 * 1024
ATTACHMENT_DIR = Path(env_str("CONFIDE_ATTACHMENT_DIR", str(DATA_DIR / "attachments")))
# Each client's key share (records.keystore): the other half of what opens a record's data key,
# kept outside the database so that a database dump alone opens nothing and a disposal destroys
# the share for good. Shared by the web and worker processes, like the attachments.
KEYSTORE_DIR = Path(env_str("CONFIDE_KEYSTORE_DIR", str(DATA_DIR / "keystore")))
# Uploads are held in memory only, never in a temporary file in clear; larger ones are refused.
FILE_UPLOAD_HANDLERS = ["django.core.files.uploadhandler.MemoryFileUploadHandler"]
FILE_UPLOAD_MAX_MEMORY_SIZE = ATTACHMENT_MAX_BYTES

# --- Disclosures ---------------------------------------------------------------------------------
# The local police form's name, shown where police requests are logged (e.g. "DP9").
POLICE_FORM_NAME = env_str("CONFIDE_POLICE_FORM_NAME", "DP9")
# Whose bank holidays move a data-subject request's due date: ENG, WLS, SCT or NIR.
BANK_HOLIDAY_REGION = env_str("CONFIDE_BANK_HOLIDAY_REGION", "ENG")
if BANK_HOLIDAY_REGION not in ("ENG", "WLS", "SCT", "NIR"):
    raise ImproperlyConfigured("CONFIDE_BANK_HOLIDAY_REGION must be one of ENG, WLS, SCT or NIR")
# How many days before a data-subject request's deadline the IG lead is notified (each mark
# once per deadline; an overdue request once more).
DEADLINE_ESCALATE_DAYS = sorted(
    {int(day) for day in env_list("CONFIDE_DEADLINE_ESCALATE_DAYS", ["7", "2"]) if day.strip()},
    reverse=True,
)
if not DEADLINE_ESCALATE_DAYS or min(DEADLINE_ESCALATE_DAYS) < 0:
    raise ImproperlyConfigured("CONFIDE_DEADLINE_ESCALATE_DAYS must be whole days, e.g. 7,2")
# How long a case may wait for the Caldicott Guardian before they are notified.
GUARDIAN_ESCALATE_HOURS = env_int("CONFIDE_GUARDIAN_ESCALATE_HOURS", 24, minimum=1)
# Fonts for the PDF bundles, copied from the npm registry's dejavu-fonts-ttf at set-up.
DISCLOSURE_FONT_DIR = BASE_DIR / "build" / "fonts"

# --- Retention and disposal ---------------------------------------------------------------------
# The nightly sweep and the reviewers' reminder, as crontab lines in CELERY_TIMEZONE.
RETENTION_SWEEP_SCHEDULE = env_crontab("CONFIDE_RETENTION_SWEEP_CRON", "30 2 * * *")
RETENTION_REMINDER_SCHEDULE = env_crontab("CONFIDE_RETENTION_REMINDER_CRON", "0 8 * * 1-5")
# The sweep works in batches, each its own short transaction, pausing between them so it never
# holds locks long nor crowds out the day's work; a run whose heartbeat is older than the stale
# limit was killed, and the next run takes it over from where it stopped.
RETENTION_BATCH_SIZE = env_int("CONFIDE_RETENTION_BATCH_SIZE", 500, minimum=1)
RETENTION_BATCH_PAUSE_MS = env_int("CONFIDE_RETENTION_BATCH_PAUSE_MS", 0, minimum=0)
RETENTION_STALE_SECONDS = env_int("CONFIDE_RETENTION_STALE_SECONDS", 600, minimum=1)
# Destroying a record with more entries than this (or a restricted one) needs a second person.
DISPOSAL_SECOND_PERSON_ENTRIES = env_int("CONFIDE_DISPOSAL_SECOND_PERSON_ENTRIES", 100, minimum=0)
CELERY_BEAT_SCHEDULE["retention-sweep"] = {
    "task": "retention.tasks.sweep",
    "schedule": RETENTION_SWEEP_SCHEDULE,
}
CELERY_BEAT_SCHEDULE["retention-reminder"] = {
    "task": "retention.tasks.remind",
    "schedule": RETENTION_REMINDER_SCHEDULE,
}

# --- Access monitoring ---------------------------------------------------------------------------
# The data team's rules run nightly over each whole day of the audit trail not yet evaluated.
MONITORING_SCHEDULE = env_crontab("CONFIDE_MONITORING_CRON", "15 1 * * *")
# On the first run, how many days back to start.
MONITORING_FIRST_DAYS = env_int("CONFIDE_MONITORING_FIRST_DAYS", 7, minimum=1)
CELERY_BEAT_SCHEDULE["monitoring-evaluate"] = {
    "task": "monitoring.tasks.evaluate_rules",
    "schedule": MONITORING_SCHEDULE,
}
# The monthly access report to the IG lead, for the month just ended.
CELERY_BEAT_SCHEDULE["monitoring-monthly-report"] = {
    "task": "monitoring.tasks.monthly_report",
    "schedule": env_crontab("CONFIDE_MONITORING_REPORT_CRON", "0 6 1 * *"),
}

# --- Breaches ------------------------------------------------------------------------------------
# Hours left of the 72 to notify the ICO at which the IG leads and the investigating officer are
# notified (each mark once per breach; once more when the 72 hours have passed).
BREACH_ESCALATE_HOURS = env_int_list(
    "CONFIDE_BREACH_ESCALATE_HOURS", [24, 6], minimum=1, maximum=71, example="24,6"
)

# --- Statistics for funders and the IG group ---------------------------------------------------
# Counts from 1 to one less than this are shown as "<5" (with secondary suppression so they
# cannot be worked out from the totals); 1 suppresses nothing.
STATS_SUPPRESS_BELOW = env_int("CONFIDE_STATS_SUPPRESS_BELOW", 5, minimum=1)

# --- Accounts and sign-in -----------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    # ModelBackend, reading the session's user with its roles, teams and devices in one query.
    "accounts.backends.SessionUserBackend",
    "guardian.backends.ObjectPermissionBackend",
]
LOGIN_URL = "accounts:sign_in"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:sign_in"

PASSWORD_MIN_LENGTH = env_int("CONFIDE_PASSWORD_MIN_LENGTH", 12, minimum=8)
PASSWORD_HISTORY_COUNT = env_int("CONFIDE_PASSWORD_HISTORY", 5, minimum=0)
PASSWORD_MAX_AGE_DAYS = env_int("CONFIDE_PASSWORD_MAX_AGE_DAYS", 0, minimum=0)
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": PASSWORD_MIN_LENGTH},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "accounts.validators.CharacterClassValidator"},
    {"NAME": "accounts.validators.PasswordHistoryValidator"},
]

# Lock-out counts failures per username *and* address: someone elsewhere guessing a user's
# password locks only themselves out, never the real user at their own desk.
AXES_FAILURE_LIMIT = env_int("CONFIDE_SIGNIN_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("CONFIDE_SIGNIN_LOCKOUT_MINUTES", 30, minimum=1))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_DISABLE_ACCESS_LOG = True
AXES_VERBOSE = False
AXES_IPWARE_PROXY_COUNT = env_int("CONFIDE_TRUSTED_PROXY_COUNT", 0, minimum=0) or None
AXES_IPWARE_META_PRECEDENCE_ORDER = (
    ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"] if AXES_IPWARE_PROXY_COUNT else ["REMOTE_ADDR"]
)

OTP_TOTP_ISSUER = env_str("CONFIDE_TOTP_ISSUER", "Confide")
OTP_THROTTLE_FACTOR = env_int("CONFIDE_OTP_THROTTLE_FACTOR", 1, minimum=0)
BACKUP_CODE_COUNT = 10

IDLE_TIMEOUT_MINUTES = env_int("CONFIDE_IDLE_TIMEOUT_MINUTES", 15, minimum=1)
# With Redis, sessions are read from the cache and written through to the database; without it
# (the embedded default) from the database alone: a per-process cache would let a session
# ended in one process live on in another.
SESSION_ENGINE = (
    "django.contrib.sessions.backends.cached_db"
    if REDIS_URL
    else "django.contrib.sessions.backends.db"
)
SESSION_COOKIE_AGE = env_int("CONFIDE_SESSION_MAX_HOURS", 10, minimum=1) * 3600
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True

GUARDIAN_USER_OBJ_PERMS_MODEL = "guardian.UserObjectPermission"
ANONYMOUS_USER_NAME = None  # guardian: no anonymous user; nothing is open to the public

AUDITLOG_DISABLE_REMOTE_ADDR = False

ORGANISATION_NAME = env_str("CONFIDE_ORGANISATION_NAME", "Confide demo organisation")

# --- Security headers ---------------------------------------------------------------------------
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [SELF],
        "object-src": [NONE],
    }
}
if PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SESSION_COOKIE_NAME = "__Host-sessionid"
    CSRF_COOKIE_NAME = "__Host-csrftoken"
    SECURE_SSL_REDIRECT = env_bool("CONFIDE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = env_int("CONFIDE_HSTS_SECONDS", 31536000, minimum=0)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("CONFIDE_HSTS_PRELOAD", True)
    if env_bool("CONFIDE_BEHIND_TLS_PROXY", False):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

# --- Static files -------------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(env_str("CONFIDE_STATIC_ROOT", str(BASE_DIR / "staticfiles")))
# build/static is made at set-up from the npm registry's nhsuk-frontend (see package.json).
STATICFILES_DIRS = [BASE_DIR / "static", BASE_DIR / "build" / "static"]
# In development WhiteNoise serves straight from the source folders; production serves the
# hashed, compressed copies that collectstatic makes.
WHITENOISE_USE_FINDERS = not PRODUCTION
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}

# --- E-mail: links only, never personal data ----------------------------------------------------
EMAIL_BACKEND = env_str(
    "DJANGO_EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if PRODUCTION
    else "django.core.mail.backends.console.EmailBackend",
)
EMAIL_HOST = env_str("DJANGO_EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("DJANGO_EMAIL_PORT", 25, minimum=1)
EMAIL_HOST_USER = env_str("DJANGO_EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_secret("DJANGO_EMAIL_HOST_PASSWORD") or ""
EMAIL_USE_TLS = env_bool("DJANGO_EMAIL_USE_TLS", PRODUCTION)
DEFAULT_FROM_EMAIL = env_str("DJANGO_DEFAULT_FROM_EMAIL", "confide@localhost")
# The site's address as staff reach it, for the links in e-mails (which carry nothing else).
SITE_URL = env_str("CONFIDE_SITE_URL", "http://localhost:8000").rstrip("/")
_site = urlsplit(SITE_URL)
if _site.scheme not in ("http", "https") or not _site.hostname or _site.query or _site.fragment:
    raise ImproperlyConfigured(
        "CONFIDE_SITE_URL must be the site's address, e.g. https://confide.example.org, "
        f"not {SITE_URL!r}"
    )

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("CONFIDE_LOG_LEVEL", "INFO")},
    "loggers": {
        # Axes logs usernames and addresses of failed sign-ins; the audit trail keeps those.
        "axes": {"level": "WARNING"},
        # fontTools, subsetting a disclosure bundle's font, logs the glyphs the text uses.
        "fontTools": {"level": "WARNING"},
        "fpdf": {"level": "WARNING"},
    },
}
