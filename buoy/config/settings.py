"""Django settings: everything comes from the environment (see docs/deployment.md)."""

from __future__ import annotations

import functools
from pathlib import Path

from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _

from buoy.config.environment import (
    HOST_NAMES,
    IP_ADDRESSES,
    LOG_LEVELS,
    ORIGINS,
    buoy_home,
    database,
    env_choice,
    env_flag,
    env_list,
    env_whole_number,
    secret_key,
    time_zone,
)

# Only the path: the folder is made where something is first written into it (see
# buoy/core/domain/data_folder.py), so importing settings creates no folder.
BUOY_HOME = buoy_home()


@functools.cache
def _secret_key() -> str:
    return secret_key(BUOY_HOME)


# Read, or made, when a key is first needed (at the latest when `buoy serve` or the WSGI
# application starts), for the same reason.
SECRET_KEY = lazy(_secret_key, str)()
DEBUG = env_flag("DEBUG", default=False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"], each=HOST_NAMES)
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [], each=ORIGINS)
# Addresses of reverse proxies whose X-Forwarded-For is believed (for the audit trail).
BUOY_TRUSTED_PROXIES = env_list("BUOY_TRUSTED_PROXIES", [], each=IP_ADDRESSES)

INSTALLED_APPS = [
    # Before django.contrib.auth, so that its `changepassword` command replaces Django's: a
    # password changed at the command line goes through Buoy's audited service (ADR 0012).
    "buoy.access",
    # Before django.contrib.staticfiles, so that its `collectstatic` replaces Django's: it makes
    # a missing BUOY_HOME with mode 0700 before static files are collected into it.
    "buoy.core",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "drf_spectacular",
    "django_htmx",
    "template_partials",
    "buoy.audit",
    "buoy.cases",
    "buoy.instruments",
    "buoy.coding",
    "buoy.plans",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "buoy.core.middleware.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # After WhiteNoise: static files keep their caching, everything else is never stored.
    "buoy.core.middleware.NoStoreMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "buoy.audit.middleware.AuditSourceMiddleware",
]

ROOT_URLCONF = "buoy.config.urls"
WSGI_APPLICATION = "buoy.config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "buoy.access.context_processors.role",
            ],
        },
    }
]


def _database() -> dict[str, object]:
    config = database(BUOY_HOME)
    if config["ENGINE"] == "django.db.backends.sqlite3":
        # Django's SQLite, which makes BUOY_HOME before it opens a database file there.
        config["ENGINE"] = "buoy.core.sqlite"
        config["OPTIONS"] = {
            # WAL lets readers work while one writer writes; IMMEDIATE takes the write lock at
            # BEGIN so two writers queue on the busy timeout instead of failing mid-transaction.
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
            "PRAGMA foreign_keys=ON;",
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
        }
    return config


DATABASES = {"default": _database()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "access.User"
AUTHENTICATION_BACKENDS = ["buoy.access.backends.LockoutAwareBackend"]
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
LOGIN_URL = "access:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "access:login"

# Lock-out: after this many failed logins in a row the account waits this many minutes.
BUOY_LOCKOUT_FAILURES = env_whole_number("BUOY_LOCKOUT_FAILURES", 5)
BUOY_LOCKOUT_MINUTES = env_whole_number("BUOY_LOCKOUT_MINUTES", 15)

# Sessions end after this many idle minutes and when the browser closes.
SESSION_COOKIE_AGE = env_whole_number("BUOY_SESSION_MINUTES", 30) * 60
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Lax"

# Behind TLS (BUOY_HTTPS=true) cookies are Secure and browsers are told to stay on HTTPS.
BUOY_HTTPS = env_flag("BUOY_HTTPS", default=False)
SESSION_COOKIE_SECURE = BUOY_HTTPS
CSRF_COOKIE_SECURE = BUOY_HTTPS
SECURE_SSL_REDIRECT = BUOY_HTTPS
SECURE_HSTS_SECONDS = 31536000 if BUOY_HTTPS else 0
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if BUOY_HTTPS else None
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
BUOY_CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; "
    "base-uri 'none'; object-src 'none'"
)

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("zh-hans", _("Simplified Chinese"))]
LOCALE_PATHS = [Path(__file__).resolve().parent.parent / "locale"]
USE_I18N = True
TIME_ZONE = time_zone("Asia/Shanghai")
USE_TZ = True

# A safety alert still open after this many hours shows as overdue to the ward's supervisors
# (and to the workers on the case): on the safety alerts page and in the caseload banner.
BUOY_ALERT_OVERDUE_HOURS = env_whole_number("BUOY_ALERT_OVERDUE_HOURS", 24)

# A plan in force whose last review (or, before one, the day it was agreed) is more than this
# many weeks ago is due for review: on the worker's today page and the supervisor's overdue view.
BUOY_PLAN_REVIEW_WEEKS = env_whole_number("BUOY_PLAN_REVIEW_WEEKS", 4)

STATIC_URL = "/static/"
STATIC_ROOT = BUOY_HOME / "static"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
# Tests and development read static files straight from the apps, with no collectstatic step.
WHITENOISE_USE_FINDERS = DEBUG

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "buoy.access.api.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "EXCEPTION_HANDLER": "buoy.core.api.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Buoy API",
    "DESCRIPTION": "Cases, caregivers, children and notes, with the same permissions and audit "
    "as the web pages.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    # The schema names every route and field: signed-in users only (session or API key).
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "ClosingReasonEnum": "buoy.cases.models.ClosingReason",
        "PhaseEnum": "buoy.cases.models.PhaseChoice",
        # plans (buoy/plans/api/): choice lists whose field names (kind, status, mode) other
        # apps' serializers use too
        "FactorKindEnum": "buoy.plans.models.FactorKind",
        "FactorStatusEnum": "buoy.plans.models.FactorStatus",
        "ResourceKindEnum": "buoy.plans.models.ResourceKind",
        "ReferralStatusEnum": "buoy.plans.models.ReferralStatus",
        "SessionModeEnum": "buoy.plans.models.SessionMode",
        "AssessmentModeEnum": "buoy.instruments.models.AssessmentMode",
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_choice("BUOY_LOG_LEVEL", "WARNING", LOG_LEVELS)},
}
