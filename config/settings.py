"""Django settings for the key-account CRM.

One database, one schema per tenant (django-tenants, multi-type). Three tenant types, each
with its own app list and URLconf: ``public`` (the tenant registry), ``hq`` and
``province``. New hq/province tenants are cloned from a per-type template schema that
``migrate_schemas`` keeps current (DESIGN.md §1, §7).
"""

from datetime import timedelta
from pathlib import Path

import dj_database_url
from celery.schedules import crontab

from config.env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(env_str("KACRM_DATA_DIR", str(BASE_DIR / ".data")))

SECRET_KEY = env_str("SECRET_KEY", "dev-only-insecure-key-change-me-in-production-0123456789")
DEBUG = env_bool("DEBUG", True)

# Tenants are reached by host name: bj.<BASE_DOMAIN>, hq.<BASE_DOMAIN>.
BASE_DOMAIN = env_str("BASE_DOMAIN", "localhost")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", [BASE_DOMAIN, f".{BASE_DOMAIN}", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

# --- Tenancy -------------------------------------------------------------------------------

PUBLIC_SCHEMA_NAME = "public"
TENANT_MODEL = "tenants.Tenant"
TENANT_DOMAIN_MODEL = "tenants.Domain"
HAS_MULTI_TYPE_TENANTS = True
MULTI_TYPE_DATABASE_FIELD = "type"
# Clone new tenants from their type's template schema instead of replaying migrations.
TENANT_CREATION_FAKES_MIGRATIONS = True

_TENANT_COMMON_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.admin",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "simple_history",
    "axes",
    "shared",
    "shared.accounts",
    "sync",
]

TENANT_TYPES = {
    "public": {
        "APPS": [
            "django_tenants",
            "tenants",
            "django.contrib.contenttypes",
            "django.contrib.staticfiles",
            "shared",
        ],
        "URLCONF": "config.urls_public",
    },
    "hq": {
        "APPS": [
            *_TENANT_COMMON_APPS,
            "hq.federation",
            "hq.console",
            "hq.club",
            "hq.indicators",
            "hq.standards",
            "hq.redemption",
        ],
        "URLCONF": "config.urls_hq",
        "BASE_SCHEMA": "template_hq",
    },
    "province": {
        "APPS": [
            *_TENANT_COMMON_APPS,
            "django.contrib.postgres",
            "province.org",
            "province.products",
            "province.customers",
            "province.levels",
            "province.credit",
            "province.analysis",
            "province.loyalty",
            "province.portal",
            "province.club",
            "province.indicators",
            "province.standards",
            "province.national",
        ],
        "URLCONF": "config.urls_province",
        "BASE_SCHEMA": "template_province",
    },
}

INSTALLED_APPS: list[str] = []
for _tenant_type in TENANT_TYPES.values():
    INSTALLED_APPS += [app for app in _tenant_type["APPS"] if app not in INSTALLED_APPS]

ROOT_URLCONF = "config.urls_public"
PUBLIC_SCHEMA_URLCONF = "config.urls_public"

MIDDLEWARE = [
    "django_tenants.middleware.main.TenantMainMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "shared.i18n.TenantLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "axes.middleware.AxesMiddleware",
]

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
                "shared.ui.context_processors.tenant",
            ],
        },
    },
]

WSGI_APPLICATION = "config.wsgi.application"

# --- Database ------------------------------------------------------------------------------

DATABASE_URL = env_str("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/kacrm")
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
DATABASES["default"]["ENGINE"] = "django_tenants.postgresql_backend"
DATABASES["default"]["TEST"] = {"NAME": env_str("TEST_DATABASE_NAME", "test_kacrm")}
DATABASE_ROUTERS = ["django_tenants.routers.TenantSyncRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Accounts, roles, login ------------------------------------------------------------------

AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Login throttling: five failures lock the username from that address for 15 minutes.
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
SESSION_COOKIE_AGE = 60 * 60 * 10

# --- Language and time ---------------------------------------------------------------------

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "Asia/Shanghai"
USE_TZ = True

# --- Static files --------------------------------------------------------------------------

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"

# --- API -----------------------------------------------------------------------------------

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Token first, so a bad token answers 401 with WWW-Authenticate, not 403.
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["shared.api.permissions.RolePermissions"],
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_PAGINATION_CLASS": "shared.api.pagination.OrderedCursorPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "shared.api.errors.api_exception_handler",
    "DEFAULT_VERSIONING_CLASS": None,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Key-account CRM API",
    "DESCRIPTION": "Provincial and HQ API of the key-account CRM. Every tenant serves its own "
    "copy of this API on its own host name.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Several apps have a "level" or "status" choice; name each enum after its meaning.
    "ENUM_NAME_OVERRIDES": {
        "CustomerLevelEnum": "province.customers.choices.CustomerLevel",
        "CustomerStatusEnum": "province.customers.choices.CustomerStatus",
        "BatchRunStatusEnum": "shared.models.RunStatus",
        "LevelProposalStatusEnum": "province.levels.choices.ProposalStatus",
        "MembershipCardStatusEnum": "province.levels.choices.CardStatus",
        "CreditGradeEnum": "province.credit.choices.CreditGrade",
        "CreditGrantStatusEnum": "province.credit.choices.GrantStatus",
        "CreditChangeRequestStatusEnum": "province.credit.choices.ChangeRequestStatus",
        "RewardKindEnum": "province.loyalty.choices.RewardKind",
        # HQ's and the province's StandardKind hold the same codes (the release keys).
        "StandardKindEnum": "hq.standards.choices.StandardKind",
        # The club's benefit kinds kept their published name when a second "kind" came.
        "KindEnum": "hq.club.choices.BenefitKind",
        "ClubStatusReasonEnum": "province.club.choices.StatusReason",
    },
}

# --- Celery and sync -----------------------------------------------------------------------

REDIS_URL = env_str("REDIS_URL", "redis://127.0.0.1:6379/0")
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", REDIS_URL)
CELERY_BROKER_TRANSPORT_OPTIONS: dict = {}
if CELERY_BROKER_URL.startswith("filesystem://"):
    # Embedded fallback broker (no Redis on the machine): kombu's filesystem transport.
    _broker_dir = DATA_DIR / "broker"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "processed_folder": str(_broker_dir / "processed"),
        "store_processed": False,
    }
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_DEFAULT_QUEUE = env_str("CELERY_QUEUE", "kacrm")
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE = {
    "sync-sweep": {
        "task": "sync.tasks.sweep_task",
        "schedule": env_int("SYNC_SWEEP_SECONDS", 30),
    },
    # R2.2: monthly re-grading proposals, 02:30 Beijing time on the 1st.
    "levels-monthly-regrading": {
        "task": "province.levels.tasks.regrade_all_provinces_task",
        "schedule": crontab(day_of_month="1", hour="2", minute="30"),
    },
    # R2.3: credit assessment on the 2nd (after re-grading: the level feeds the score).
    "credit-assessment-monthly": {
        "task": "province.credit.tasks.assess_credit_all_provinces_task",
        "schedule": crontab(day_of_month="2", hour="2", minute="30"),
    },
    # R2.4.6: points for the previous month's paid bills, after levels and credit.
    "loyalty-accrual-monthly": {
        "task": "province.loyalty.tasks.accrue_points_all_provinces_task",
        "schedule": crontab(day_of_month="3", hour="2", minute="0"),
    },
    # R2.4.5: lapsed lots expire nightly.
    "loyalty-expiry-daily": {
        "task": "province.loyalty.tasks.expire_points_all_provinces_task",
        "schedule": crontab(hour="1", minute="30"),
    },
    # R2.4.8: points about to lapse are redeemed by the automatic rules, after the expiry.
    "loyalty-auto-redemption-daily": {
        "task": "province.loyalty.tasks.auto_redeem_all_provinces_task",
        "schedule": crontab(hour="2", minute="15"),
    },
    # R2.4.5: account managers are warned of points about to lapse, after the expiry run.
    "loyalty-expiry-notices-daily": {
        "task": "province.loyalty.tasks.notify_expiring_points_all_provinces_task",
        "schedule": crontab(hour="2", minute="30"),
    },
    # Appendix 1: the previous month's indicators to HQ, after the month's runs (4th).
    "indicators-monthly": {
        "task": "province.indicators.tasks.compute_indicators_all_provinces_task",
        "schedule": crontab(day_of_month="4", hour="3", minute="0"),
    },
    # R6.5.3: national redemptions not committed in time are released.
    "national-redemption-timeouts": {
        "task": "hq.redemption.tasks.release_overdue_redemptions_task",
        "schedule": env_int("NATIONAL_REDEMPTION_SWEEP_SECONDS", 60),
    },
    # Emergency reconnections expire by the hour.
    "credit-expire-grants": {
        "task": "province.credit.tasks.expire_credit_grants_all_provinces_task",
        "schedule": crontab(minute="5"),
    },
}
# Retry backoff of failed sync messages: base * 2**attempts seconds, capped.
SYNC_RETRY_BASE_SECONDS = env_int("SYNC_RETRY_BASE_SECONDS", 30)
SYNC_RETRY_MAX_SECONDS = env_int("SYNC_RETRY_MAX_SECONDS", 3600)
SYNC_BATCH_SIZE = env_int("SYNC_BATCH_SIZE", 500)
# Keys re-published per transaction by a full resync (issue 5 item 6).
SYNC_RESYNC_CHUNK_SIZE = env_int("SYNC_RESYNC_CHUNK_SIZE", 2000)
# Rows per message of a bulk topic (``club.roster``): the protocol's rows are per message.
SYNC_BULK_MESSAGE_ROWS = env_int("SYNC_BULK_MESSAGE_ROWS", 1000)
# An unanswered resync request stops blocking a new one after this long.
SYNC_RESYNC_STALE_SECONDS = env_int("SYNC_RESYNC_STALE_SECONDS", 3600)
# Key of the member directory's phone hashes (HMAC): the same in every tenant, kept secret,
# never changed without re-publishing the club roster (docs/club.md).
SYNC_DIRECTORY_KEY = env_str("SYNC_DIRECTORY_KEY", SECRET_KEY)
# R6.5.3: a national redemption not committed this long after its request is released.
NATIONAL_REDEMPTION_TIMEOUT_SECONDS = env_int("NATIONAL_REDEMPTION_TIMEOUT_SECONDS", 600)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
