"""One settings file, driven by environment variables; runs on SQLite out of the box.

Every variable is read and checked here, at start-up, and a bad value stops the app with a
message naming the variable (healthchecks' hc/settings.py is the model).

    NOF1_DEBUG              "1"/"0" (default 0). Debug pages; a development secret key.
    NOF1_SECRET_KEY         required unless NOF1_DEBUG=1
    NOF1_ALLOWED_HOSTS      comma-separated (default "127.0.0.1,localhost")
    NOF1_DATA_DIR           where the SQLite file and uploads live (default ./var)
    DATABASE_URL            e.g. postgres://user@127.0.0.1:5432/nof1 (default: SQLite in
                            NOF1_DATA_DIR)
    NOF1_STAFF_IDLE_MINUTES staff sessions end after this much inactivity (default 30)
    NOF1_SESSION_MAX_HOURS  a staff session ends this long after login (default 12)
    NOF1_PARTICIPANT_SESSION_MAX_DAYS  a participant's session ends this long after login
                            (default 30; participants have no idle time-out)
    NOF1_LOGIN_FAILURE_LIMIT, NOF1_LOGIN_COOLOFF_MINUTES  lock-out after this many failed
                            logins for this long (defaults 5 and 15)
    NOF1_KEY_ENCRYPTION_KEY server key that encrypts each participant's allocation key at rest
                            (default: derived from NOF1_SECRET_KEY; set it so that rotating the
                            secret key does not lock the allocations; see trials/keys.py)
    NOF1_EMAIL_BACKEND      Django e-mail backend (default: console)
    NOF1_SITE_URL           absolute base URL used in e-mails and calendar feeds
    NOF1_WEARABLE_MAX_MB    the largest wearable export a participant may upload, in MB
                            (default 2048). An upload larger than FILE_UPLOAD_MAX_MEMORY_SIZE
                            (Django's 2.5 MB) is written to a temporary file, never held in
                            memory; reading stops, keeping nothing, once it passes this size
"""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent


def _env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    if raw.lower() in ("1", "true", "yes", "on"):
        return True
    if raw.lower() in ("0", "false", "no", "off"):
        return False
    raise ImproperlyConfigured(f"{name} must be 1 or 0 (got {raw!r})")


def _env_int(name: str, default: int, minimum: int = 1) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number (got {raw!r})") from None
    if value < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum} (got {value})")
    return value


DEBUG = _env_bool("NOF1_DEBUG", False)
SECRET_KEY = os.environ.get("NOF1_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "NOF1_SECRET_KEY is not set; set it (50+ random characters) or set NOF1_DEBUG=1"
        )
    SECRET_KEY = "nof1-development-only-key-never-use-in-production-0123456789abcdef"
ALLOWED_HOSTS = [
    h.strip()
    for h in os.environ.get("NOF1_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",")
    if h.strip()
]
DATA_DIR = Path(os.environ.get("NOF1_DATA_DIR", "var")).resolve()
SITE_URL = os.environ.get("NOF1_SITE_URL", "http://127.0.0.1:8000").rstrip("/")

_db_url = os.environ.get("DATABASE_URL", "")
if _db_url:
    try:
        DATABASES = {"default": dj_database_url.parse(_db_url, conn_max_age=60)}
    except ValueError as exc:
        raise ImproperlyConfigured(f"DATABASE_URL is not a database URL: {exc}") from None
else:
    DATA_DIR.mkdir(parents=True, exist_ok=True)  # the SQLite file lives here
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(DATA_DIR / "nof1.sqlite3"),
        }
    }

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
    "django_htmx",
    "nof1.web.audit",
    "nof1.web.accounts",
    "nof1.web.trials",
    "nof1.web.diary",
    "nof1.web.clinician",
    "nof1.web.participant",
    "nof1.web.pharmacy",
    "nof1.web.research",
    "nof1.web.wearables",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",
    # session limits and the staff second-factor gate: after auth, OTP and messages
    "nof1.web.accounts.middleware.SessionLimitMiddleware",
    "nof1.web.accounts.middleware.StaffTwoFactorMiddleware",
]

AUTH_USER_MODEL = "accounts.User"
ROOT_URLCONF = "nof1.web.urls"
WSGI_APPLICATION = "nof1.web.wsgi.application"
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
            ],
        },
    }
]

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Lock-out after repeated failures (django-axes): per user name and address.
AXES_FAILURE_LIMIT = _env_int("NOF1_LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = _env_int("NOF1_LOGIN_COOLOFF_MINUTES", 15) / 60  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "nof1.web.accounts.views.locked_out"  # a calm page, not bare text
OTP_TOTP_ISSUER = "nof1"  # the name shown in authenticator apps

STAFF_IDLE_MINUTES = _env_int("NOF1_STAFF_IDLE_MINUTES", 30)
SESSION_MAX_HOURS = _env_int("NOF1_SESSION_MAX_HOURS", 12)
# Wearable exports: uploads above FILE_UPLOAD_MAX_MEMORY_SIZE (Django's default, 2.5 MB) go to
# a temporary file; the wearable views read this limit when a file arrives.
WEARABLE_MAX_MB = _env_int("NOF1_WEARABLE_MAX_MB", 2048)
# participants are never timed out while idle (a diary entry must not be lost), only after this
PARTICIPANT_SESSION_MAX_DAYS = _env_int("NOF1_PARTICIPANT_SESSION_MAX_DAYS", 30)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"

EMAIL_BACKEND = os.environ.get(
    "NOF1_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend"
)
DEFAULT_FROM_EMAIL = os.environ.get("NOF1_FROM_EMAIL", "nof1@localhost")

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "UTC"
USE_I18N = False
USE_TZ = True

STATIC_URL = "static/"
WHITENOISE_USE_FINDERS = True  # serve app static files without a collectstatic step
STATICFILES_DIRS = [BASE_DIR / "static"]  # site.css, htmx.min.js
STATIC_ROOT = DATA_DIR / "static"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {"nof1.security": {"handlers": ["console"], "level": "INFO"}},
}
