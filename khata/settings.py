"""Settings for Khata.

One installation serves one agency. The embedded default keeps everything in one folder
(``var/`` unless ``KHATA_DATA_DIR`` says otherwise); production sets ``DATABASE_URL`` to PostgreSQL.
Every value a deployment may change comes from the environment.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from urllib.parse import parse_qsl, unquote, urlsplit

from django.utils.csp import CSP  # type: ignore[import-untyped,unused-ignore]
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(os.environ.get("KHATA_DATA_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def database_from_url(url: str) -> dict[str, object]:
    """Django's database settings from a ``postgres://`` or ``sqlite:///`` URL."""
    parts = urlsplit(url)
    options = dict(parse_qsl(parts.query))
    if parts.scheme in {"postgres", "postgresql", "pgsql"}:
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": unquote(parts.path.lstrip("/")) or "khata",
            "USER": unquote(parts.username or ""),
            "PASSWORD": unquote(parts.password or ""),
            "HOST": parts.hostname or "",
            "PORT": str(parts.port or ""),
            "CONN_MAX_AGE": int(os.environ.get("DATABASE_CONN_MAX_AGE", "60")),
            "CONN_HEALTH_CHECKS": True,
            "OPTIONS": options,
            "TEST": {"NAME": os.environ.get("DATABASE_TEST_NAME") or None},
        }
    if parts.scheme == "sqlite":
        return sqlite_database(Path(unquote(parts.path)) if parts.path not in {"", "/"} else None)
    raise ValueError(f"DATABASE_URL has an unsupported scheme: {parts.scheme!r}")


def sqlite_database(path: Path | None) -> dict[str, object]:
    # WAL and immediate transactions make concurrent writers queue instead of failing
    # with "database is locked".
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": path or DATA_DIR / "khata.sqlite3",
        "OPTIONS": {
            "transaction_mode": "IMMEDIATE",
            # Seconds a writer waits for the lock (many writers at once on a busy machine may need more).
            "timeout": int(os.environ.get("KHATA_SQLITE_TIMEOUT", "20")),
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
        },
    }


DEBUG = env_bool("KHATA_DEBUG", False)
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    # The embedded default keeps a generated key beside its data, never in the repository.
    key_file = DATA_DIR / "secret_key"
    if key_file.exists():
        SECRET_KEY = key_file.read_text().strip()
    else:
        DATA_DIR.mkdir(parents=True, exist_ok=True)
        SECRET_KEY = secrets.token_urlsafe(50)
        key_file.write_text(SECRET_KEY)
        key_file.chmod(0o600)

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "django_tasks_db",
    "khata.core",
    "khata.people",
    "khata.clients",
    "khata.plans",
    "khata.production",
    "khata.documents",
    "khata.billing",
    "khata.care",
    "khata.portal",
    "khata.insights",
    "khata.api",
    "khata.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "khata.people.middleware.RequireTwoFactorMiddleware",
    "khata.core.middleware.UserLanguageMiddleware",
]

ROOT_URLCONF = "khata.urls"
WSGI_APPLICATION = "khata.wsgi.application"
ASGI_APPLICATION = "khata.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "khata.core.context_processors.khata",
            ],
        },
    },
]

DATABASES = {
    "default": database_from_url(os.environ["DATABASE_URL"])
    if os.environ.get("DATABASE_URL")
    else sqlite_database(None)
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "people.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "account_login"

# django-allauth: email sign-in, no self sign-up (the agency invites its people),
# login by code for client contacts, TOTP for staff.
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_ADAPTER = "khata.people.adapters.AccountAdapter"
ACCOUNT_LOGIN_BY_CODE_ENABLED = True
ACCOUNT_LOGIN_ON_PASSWORD_RESET = False
ACCOUNT_SESSION_REMEMBER = None
ACCOUNT_RATE_LIMITS = {
    "login": "30/m/ip",
    "login_failed": "10/m/ip,5/5m/key",
    "reset_password": "20/m/ip,5/m/key",
    "request_login_code": "20/m/ip,3/m/key",
}
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Khata"
# When on, a head of accounts must set up TOTP before using Khata.
KHATA_REQUIRE_2FA_FOR_HEADS = env_bool("KHATA_REQUIRE_2FA_FOR_HEADS", False)

# Rate limits are counted in the cache: the database cache is shared by every process.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "khata_cache",
    }
}

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("hi", _("Hindi")), ("ru", _("Russian"))]
FORMAT_MODULE_PATH = ["khata.formats"]
LOCALE_PATHS = [BASE_DIR / "locale"]
LANGUAGE_COOKIE_NAME = "khata_language"
TIME_ZONE = os.environ.get("KHATA_TIME_ZONE", "Asia/Kolkata")
USE_I18N = True
USE_TZ = True
# Money and numbers are formatted with Babel in this locale's conventions, per UI language.
KHATA_NUMBER_LOCALES = {"en": "en_IN", "hi": "hi_IN", "ru": "ru_RU"}
KHATA_DEFAULT_CURRENCY = os.environ.get("KHATA_DEFAULT_CURRENCY", "INR")
KHATA_AGENCY_NAME = os.environ.get("KHATA_AGENCY_NAME", "Khata Agency")

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # collectstatic fills it in production; WhiteNoise wants it
MEDIA_URL = "media/"
MEDIA_ROOT = Path(os.environ.get("KHATA_MEDIA_ROOT", DATA_DIR / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
# The largest file a person may attach (khata.core.uploads.upload_check).
KHATA_UPLOAD_MAX_BYTES = int(os.environ.get("KHATA_UPLOAD_MAX_BYTES", 10 * 1024 * 1024))

# Background work: tasks wait in the database until `khata worker` runs them; `khata scheduler`
# enqueues the periodic ones.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
# Where people open Khata: the links in emails sent by the background tasks.
KHATA_SITE_URL = os.environ.get("KHATA_SITE_URL", "http://127.0.0.1:8000")
# The account manager is reminded this many days before a contract ends and before its last day to
# give notice.
KHATA_CONTRACT_REMINDER_DAYS = int(os.environ.get("KHATA_CONTRACT_REMINDER_DAYS", "30"))

# Console email by default (messages are printed); SMTP when EMAIL_BACKEND says so.
EMAIL_BACKEND_PATH = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
MAILERS: dict[str, dict[str, object]] = {
    "default": {
        "BACKEND": EMAIL_BACKEND_PATH,
        "OPTIONS": {
            "host": os.environ.get("EMAIL_HOST", "localhost"),
            "port": int(os.environ.get("EMAIL_PORT", "25")),
            "username": os.environ.get("EMAIL_HOST_USER", ""),
            "password": os.environ.get("EMAIL_HOST_PASSWORD", ""),
            "use_tls": env_bool("EMAIL_USE_TLS", False),
        }
        if "smtp" in EMAIL_BACKEND_PATH
        else {},
    }
}
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "khata@localhost")

# Security headers. Every script and style is served from our own origin (htmx is vendored).
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = env_bool("KHATA_SECURE_COOKIES", not DEBUG and bool(os.environ.get("DATABASE_URL")))
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
    "base-uri": [CSP.SELF],
    "object-src": [CSP.NONE],
}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
        "rest_framework.filters.SearchFilter",
    ],
    "DEFAULT_PAGINATION_CLASS": "khata.api.pagination.KhataCursorPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_THROTTLE_RATES": {"anon": "60/min"},
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Khata API",
    "DESCRIPTION": (
        "The account managers' workspace.\n\n"
        "- **Clients** (`clients`), their **contacts** (`contacts`), **interactions** (`interactions`) "
        "and the **timeline** (`events`).\n"
        "- **Projects** (`projects`) and their work **plans**: versions (`plan-versions`) and items "
        "(`plan-items`).\n"
        "- Production: **tasks** (`tasks`), **time logs** (`time-logs`), **briefs** (`briefs`) and "
        "**brief templates** (`brief-templates`).\n"
        "- **Status reports** to the client (`status-reports`).\n"
        "- The document flow: **documents** (`documents`: contracts, acts of completed work, reports…), "
        "the lines of acts (`act-lines`), the versions of their files (`document-files`) and the "
        "**document kinds** with their numbering (`document-kinds`).\n"
        "- Billing: **invoices** and credit notes (`invoices`: drafts from accepted acts, PDF, Factur-X "
        "and UBL files), their lines (`invoice-lines`) and the **payments** received on them (`payments`; "
        "recorded with an `Idempotency-Key` header); receivables: **aging** (`aging`), days sales "
        "outstanding (`dso`) and the on-time payment rate (`on-time-rate`).\n"
        "- Care: **claims** (`claims`: filed, worked through their life cycle, with both SLA clocks), "
        "their **corrective actions** (`corrective-actions`), the **goodwill** given (`goodwill`), "
        "**surveys** (`surveys`) and their answers (`survey-answers`).\n"
        "- The **health** of each client relationship (`health`: the daily score, its trend and the "
        "factors that pull it down).\n\n"
        "Authenticate with a token (`Authorization: Token …`) or the signed-in session. "
        "A client contact sees only its own client's objects; any other answers 404."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Two different "role" choice sets: name them so the schema says which is which.
    "ENUM_NAME_OVERRIDES": {
        "StakeholderRoleEnum": "khata.clients.models.Contact.Role",
        "UserRoleEnum": "khata.people.models.User.Role",
        "ClientStatusEnum": "khata.clients.models.Client.Status",
        "PlanVersionStatusEnum": "khata.plans.models.PlanVersion.Status",
        "TaskStatusEnum": "khata.production.models.Task.Status",
        "BriefStatusEnum": "khata.production.models.Brief.Status",
        "BriefQuestionKindEnum": "khata.production.models.BriefQuestion.Kind",
        "InteractionKindEnum": "khata.clients.models.Interaction.Kind",
        "DocumentStatusEnum": "khata.documents.models.Document.Status",
        "DocumentDecisionEnum": "khata.documents.models.DocumentDecision.Decision",
        "ItemDecisionEnum": "khata.plans.models.ItemDecision.Decision",
        "DocumentBehaviourEnum": "khata.documents.models.Behaviour",
        "InvoiceKindEnum": "khata.billing.models.Invoice.Kind",
        "InvoiceStatusEnum": "khata.billing.models.Invoice.Status",
        "TaxCategoryEnum": "khata.billing.models.InvoiceLine.TaxCategory",
        "PaymentMethodEnum": "khata.billing.models.Payment.Method",
        "ClaimStatusEnum": "khata.care.models.Claim.Status",
        "GoodwillKindEnum": "khata.care.models.Goodwill.Kind",
        "SurveyKindEnum": "khata.care.models.Survey.Kind",
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("KHATA_LOG_LEVEL", "WARNING")},
}
