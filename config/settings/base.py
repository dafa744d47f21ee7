"""Settings shared by every environment, read from the environment through django-environ.

With nothing set, the platform runs on SQLite with eager tasks and mail written to files under
var/. DATABASE_URL, CELERY_BROKER_URL, REDIS_URL and EMAIL_URL switch to real services.
"""

from datetime import date
from pathlib import Path

import django_stubs_ext
import environ

django_stubs_ext.monkeypatch()  # lets generic classes such as QuerySet["X"] run

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DJANGO_DEBUG", default=False)
SECRET_KEY = env("DJANGO_SECRET_KEY", default="")
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])

INSTALLED_APPS = [
    "config.apps.YuchuangAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "django_filters",
    "oauth2_provider",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "institutions",
    "accounts",
    "api",
    "partners",
    "courses",
    "notifications",
    "enrollment",
    "reports",
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "api.middleware.ApiLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
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
                "django.template.context_processors.i18n",
                "config.context_processors.language_links",
                "notifications.context_processors.inbox",
            ],
        },
    },
]

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'yuchuang.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False  # services own the transaction boundary
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["django.contrib.auth.backends.ModelBackend"]
SESSION_ENGINE = "accounts.sessions"  # database sessions, read with SQL written once
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
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "courses:home"  # after log-in without `next`: see accounts.views.LoginView
# Log-in throttling counts failures per client address. Behind a reverse proxy, name the
# request.META key holding the client's address as the proxy sets it, e.g. HTTP_X_REAL_IP.
CLIENT_IP_HEADER = env("DJANGO_CLIENT_IP_HEADER", default="REMOTE_ADDR")

# Languages: Simplified Chinese first, English second. Unprefixed URLs are Chinese; /en/ English.
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = VAR_DIR / "media"

CACHES = {
    "default": env.cache("REDIS_URL")
    if env("REDIS_URL", default="")
    else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
}
if CACHES["default"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache":
    CACHES["default"]["BACKEND"] = "config.cache.RedisCache"  # one client per pool, not per call
# Cached answers of the public offerings list (courses/api/cache.py). None: on when the cache
# is Redis, shared by every process (a per-process cache would keep entries nobody invalidates).
CATALOG_CACHE = env.bool("CATALOG_CACHE", default=None)
CATALOG_CACHE_MAX_AGE = env.int("CATALOG_CACHE_MAX_AGE", default=30)  # seconds, a safety net

if env("EMAIL_URL", default=""):
    globals().update(env.email("EMAIL_URL"))
else:
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = VAR_DIR / "mail"
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="渝创 Yuchuang <no-reply@yuchuang.local>")

# Celery: eager (in-process) when no broker is configured, so the default set-up needs nothing.
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default="")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TIMEZONE = TIME_ZONE
# A task is acknowledged only once done, and given back if its worker dies; a worker holds one
# message at a time. Messages are JSON only. Each kind of work has its own queue, so a slow
# partner endpoint or a 5,000-row batch never holds up mail (workers: see docs/deployment.md).
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TASK_ROUTES = {
    "notifications.deliver": {"queue": "email"},
    "notifications.drain": {"queue": "email"},  # publishers name their channel's queue anyway
    "partners.deliver_webhook": {"queue": "webhooks"},
    "enrollment.run_batch": {"queue": "heavy"},
}
CELERY_TASK_TIME_LIMIT = 15 * 60  # a hard stop for any task that names no limit of its own
CELERY_TASK_SOFT_TIME_LIMIT = 14 * 60
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A web request that publishes while the broker is down must not hang: no reconnect loop (kombu
# would wait 6 s a publish), short timeouts; the outbox sweep sends the message later. Workers
# reconnect by their own policy (broker_connection_retry).
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "socket_connect_timeout": 2,
    "socket_timeout": 5,
    "max_retries": 0,
}
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = True

# Results reporting (reports/): figures count from the project's first day; quarterly reports
# cover every quarter from the one it falls in.
REPORTS_PROJECT_START = date.fromisoformat(env("REPORTS_PROJECT_START", default="2025-01-01"))

# Notifications (notifications/, partners/webhooks.py). Links in mail start with SITE_URL.
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000")
NOTIFICATION_CHANNELS = ["notifications.channels.EmailChannel"]
NOTIFICATIONS_QUIET_HOURS = (22, 8)  # Beijing time: reminders and digests wait for 08:00
NOTIFICATIONS_DELIVERY_RETENTION_DAYS = 90
NOTIFICATIONS_INBOX_RETENTION_DAYS = 365
# At most this many drain tasks of a channel wait in the broker at a time (each commit of email
# deliveries wakes one if a slot is free): the mail worker's concurrency (docs/deployment.md).
NOTIFICATIONS_DRAIN_SLOTS = env.int("NOTIFICATIONS_DRAIN_SLOTS", default=4)
EMAIL_MESSAGE_ID_DOMAIN = env("EMAIL_MESSAGE_ID_DOMAIN", default="yuchuang.local")
# A due row handed to the broker this long ago and still not done lost its message (a broker
# restart, a killed worker): the sweep hands it over again. Longer than any task runs.
OUTBOX_REDISPATCH_AFTER = env.int("OUTBOX_REDISPATCH_AFTER", default=600)
WEBHOOKS_TIMEOUT = (3.0, 10.0)  # seconds to connect, to read
WEBHOOKS_RETRY_BASE_SECONDS = 30
WEBHOOKS_RETRY_WINDOW_SECONDS = 24 * 3600
WEBHOOKS_EVENT_RETENTION_DAYS = 30
# Partner URLs must be public https addresses; a closed network (or the tests) may allow more.
WEBHOOKS_ALLOW_PRIVATE_TARGETS = env.bool("WEBHOOKS_ALLOW_PRIVATE_TARGETS", default=False)
WEBHOOKS_ALLOW_HTTP = env.bool("WEBHOOKS_ALLOW_HTTP", default=False)

# The API (/api/v1/): OAuth2 client credentials for partner systems, the session (with CSRF)
# for browsers. Errors have one shape; see api/errors.py and docs/api.md.
REST_FRAMEWORK = {
    "DEFAULT_VERSIONING_CLASS": "rest_framework.versioning.NamespaceVersioning",
    "ALLOWED_VERSIONS": ["v1"],
    "DEFAULT_VERSION": "v1",
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "api.authentication.BearerTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": [
        "api.parsers.JSONParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.SearchFilter",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_PAGINATION_CLASS": "api.pagination.Pagination",
    "EXCEPTION_HANDLER": "api.errors.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_THROTTLE_CLASSES": ["api.throttling.ClientRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env("API_RATE_ANON", default="120/min"),
        "user": env("API_RATE_USER", default="600/min"),
        "partner": env("API_RATE_PARTNER", default="1200/min"),
        "token": env("API_RATE_TOKEN", default="20/min"),
    },
    "NUM_PROXIES": env.int("API_NUM_PROXIES", default=0),
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}

OAUTH2_PROVIDER_APPLICATION_MODEL = "oauth2_provider.Application"
OAUTH2_PROVIDER = {
    "SCOPES_BACKEND_CLASS": "partners.scopes.PartnerScopes",
    "ACCESS_TOKEN_EXPIRE_SECONDS": 3600,
    "ALLOWED_REDIRECT_URI_SCHEMES": ["https"],
    "PKCE_REQUIRED": True,
    "REFRESH_TOKEN_REUSE_PROTECTION": True,
    # Follow the OAuth 2.0 Security BCP (RFC 9700) now rather than when the defaults change.
    **{
        f"COMPLIANT_BCP_RFC9700_{name}": True
        for name in (
            "ACCESS_TOKEN_TRANSPORT",
            "AUTHZ_RESPONSE_ISS",
            "IMPLICIT_GRANT",
            "PASSWORD_GRANT",
            "PKCE_METHOD",
            "PKCE_REQUIRED",
            "REDIRECT_URI_MATCHING",
            "REDIRECT_URI_SCHEME",
            "REFRESH_TOKEN",
            "TOKEN_STORAGE",
        )
    },
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Yuchuang API",
    "DESCRIPTION": (
        "The catalog, enrollments and learners of the Yuchuang platform, for partner systems "
        "and apps. Start with docs/api.md."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_URLCONF": "config.api_root_urls",
    # Its deploy check reads the whole urlconf (pages too) and trips on i18n_patterns; the
    # schema is validated with warnings as errors by `./dev lint` and in the tests instead.
    "ENABLE_DJANGO_DEPLOY_CHECK": False,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "api.schema.add_error_responses",
    ],
    "SECURITY": [{"oauth2": []}, {"session": []}],
}

API_MAX_PAGE_SIZE = 100
# Bulk enrollment uploads are up to 5 MB; the idempotency check reads the whole body.
DATA_UPLOAD_MAX_MEMORY_SIZE = 6 * 1024 * 1024
IDEMPOTENCY_KEY_TTL_HOURS = 48

# Catalog pages show this many courses per page.
CATALOG_PAGE_SIZE = 20

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
}
