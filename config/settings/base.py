"""Stockroom settings, read from the environment (a `.env` file is read when present).

Defaults run on one machine with nothing installed: SQLite, in-process Celery tasks, local-memory cache,
console e-mail. Production sets DATABASE_URL, REDIS_URL, SECRET_KEY and turns DEBUG off.
"""

from datetime import timedelta
from pathlib import Path

import environ
from celery.schedules import crontab

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
if (BASE_DIR / ".env").is_file():
    environ.Env.read_env(BASE_DIR / ".env")

# --- Core -------------------------------------------------------------------------------------------------------
DEBUG = env.bool("DEBUG", default=False)
_DEV_SECRET_KEY = "django-insecure-stockroom-development-key-do-not-use-in-production"
SECRET_KEY = env("SECRET_KEY", default=_DEV_SECRET_KEY)
if not DEBUG and SECRET_KEY == _DEV_SECRET_KEY and not env.bool("STOCKROOM_ALLOW_DEV_KEY", default=False):
    # One line that says what to do, instead of a traceback ending in ImproperlyConfigured (manage.py, gunicorn).
    raise SystemExit(
        "Stockroom: SECRET_KEY must be set when DEBUG is off. Set SECRET_KEY in the environment or .env "
        "(python3 -c 'import secrets; print(secrets.token_urlsafe(50))'), or STOCKROOM_ALLOW_DEV_KEY=true for "
        "one-off commands on a development machine, or DEBUG=true."
    )
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1"])
CORS_ALLOWED_ORIGINS = env.list("CORS_ALLOWED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework_simplejwt.token_blacklist",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "corsheaders",
    "django_guid",
    # Stockroom, floor by floor: a lower floor never imports a higher one. `seed_demo` runs each app's
    # `seed.py` in this order.
    "core",
    "users",
    "warehouses",
    "suppliers",
    "catalog",
    "stock",
    "purchases",
    "sales",
    "dashboard",
    "reports",
]

MIDDLEWARE = [
    # First, so every log line of the request, and its response, carry its X-Request-ID.
    "django_guid.middleware.guid_middleware",
    "django.middleware.security.SecurityMiddleware",
    "core.middleware.ApiErrorShapeMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    # Django's, skipped for an `/api/` request without a session cookie (a token client's): core.browser_middleware.
    "core.browser_middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "core.browser_middleware.AuthenticationMiddleware",
    "core.browser_middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
AUTH_USER_MODEL = "users.User"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- Database -----------------------------------------------------------------------------------------------------
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
# A new PostgreSQL connection costs more than a whole list request: keep them open. The health check (`SELECT 1`
# before a kept connection's first query in each request) is off by default: docs/decisions/0008 weighs its round
# trip against the failed request a dead connection costs without it.
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = env.bool("CONN_HEALTH_CHECKS", default=False)
IS_POSTGRES = DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"
# Statements sent often are prepared once per connection (server-side binding) instead of parsed and planned on
# every request. Behind a transaction-pooling proxy, DATABASE_PREPARE_THRESHOLD=0 turns this off (decision 0032).
PREPARE_THRESHOLD = env.int("DATABASE_PREPARE_THRESHOLD", default=5)
if IS_POSTGRES and PREPARE_THRESHOLD > 0:
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        server_side_binding=True, prepare_threshold=PREPARE_THRESHOLD
    )
# A streaming replica of the same data: dashboards, reports, report jobs and exports read there (`core.db`).
if env("DATABASE_REPLICA_URL", default=""):
    DATABASES["replica"] = env.db("DATABASE_REPLICA_URL")
    _replica, _primary = DATABASES["replica"], DATABASES["default"]
    _replica.update(CONN_MAX_AGE=_primary["CONN_MAX_AGE"], CONN_HEALTH_CHECKS=_primary["CONN_HEALTH_CHECKS"])
    _replica["OPTIONS"] = {**_primary.get("OPTIONS", {}), **_replica.get("OPTIONS", {})}  # prepared statements too
    # Tests create their database on the primary only; the replica receives it by replication.
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
DATABASE_ROUTERS = ["core.db.ReplicaRouter"]

# --- Auth ---------------------------------------------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- I18n, static, media ------------------------------------------------------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
MEDIA_URL = "media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "media")
AVATAR_MAX_BYTES = env.int("AVATAR_MAX_BYTES", default=2 * 1024 * 1024)
FILE_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
# Finished report jobs' files, kept 7 days. Web and worker processes must see the same directory (a shared volume).
REPORTS_ROOT = env.path("REPORTS_ROOT", default=BASE_DIR / "media" / "reports")
# A running report job whose worker has not written progress for this long is presumed dead and run again.
REPORT_JOB_STALE_SECONDS = env.int("REPORT_JOB_STALE_SECONDS", default=10 * 60)

# --- Input limits (each a 400 or 413 naming the setting) ---------------------------------------------------------
# A request body outside files (JSON, form fields): 413 past it.
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("REQUEST_BODY_MAX_BYTES", default=2 * 1024 * 1024)
JSON_MAX_DEPTH = env.int("JSON_MAX_DEPTH", default=32)
# Lines of one purchase order, sales order or transfer (and of one receipt or return).
ORDER_MAX_LINES = env.int("ORDER_MAX_LINES", default=200)
# Free text (descriptions, notes, addresses, reasons) in characters.
TEXT_MAX_LENGTH = env.int("TEXT_MAX_LENGTH", default=5000)
CSV_IMPORT_MAX_BYTES = env.int("CSV_IMPORT_MAX_BYTES", default=5 * 1024 * 1024)
CSV_IMPORT_MAX_ROWS = env.int("CSV_IMPORT_MAX_ROWS", default=20000)
AVATAR_MAX_PIXELS = env.int("AVATAR_MAX_PIXELS", default=16_000_000)

# --- Cache and Celery ---------------------------------------------------------------------------------------------
REDIS_URL = env("REDIS_URL", default="")
# Redis is a cache, not a single point of failure: while it is unreachable the default alias is bypassed and the
# throttles count per process (core/failover_cache.py). The throttle alias has a key prefix of its own.
_CACHE_TIMEOUTS = {
    "socket_connect_timeout": env.float("REDIS_CONNECT_TIMEOUT", default=0.25),
    "socket_timeout": env.float("REDIS_SOCKET_TIMEOUT", default=0.5),
}
if REDIS_URL:
    _FAILOVER = "core.failover_cache.FailoverRedisCache"
    CACHES = {
        "default": {
            "BACKEND": _FAILOVER,
            "LOCATION": REDIS_URL,
            # Deployments (or test runs) sharing one Redis database keep apart by prefix.
            "KEY_PREFIX": env("CACHE_KEY_PREFIX", default=""),
            "OPTIONS": {**_CACHE_TIMEOUTS},
        },
        "throttle": {
            "BACKEND": _FAILOVER,
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "throttle",
            "OPTIONS": {**_CACHE_TIMEOUTS, "FALLBACK": "local"},
        },
    }
else:  # one local-memory store for both aliases (same LOCATION)
    _LOCAL = {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "stockroom"}
    CACHES = {"default": _LOCAL, "throttle": _LOCAL}

CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = None
# Without a broker, tasks run in-process so `make run` needs nothing else.
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "UTC"
CELERY_ENABLE_UTC = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 10 * 60
CELERY_TASK_SOFT_TIME_LIMIT = 9 * 60
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Publishing from a request must not hang on a dead broker: one quick retry, then the caller's error handling. The
# read timeout stays above the worker's 1-second BRPOP poll, or an idle worker would time out its own reads.
CELERY_BROKER_TRANSPORT_OPTIONS = {"socket_connect_timeout": 1, "socket_timeout": 5}
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.2}
# The outbox (core/outbox.py): a failed event is tried again after OUTBOX_RETRY_SECONDS, doubled each time (at most an
# hour), up to OUTBOX_MAX_ATTEMPTS tries; processed events are deleted after OUTBOX_KEEP_DAYS.
OUTBOX_SWEEP_SECONDS = env.int("OUTBOX_SWEEP_SECONDS", default=60)
OUTBOX_RETRY_SECONDS = env.int("OUTBOX_RETRY_SECONDS", default=30)
OUTBOX_MAX_ATTEMPTS = env.int("OUTBOX_MAX_ATTEMPTS", default=8)
OUTBOX_KEEP_DAYS = env.int("OUTBOX_KEEP_DAYS", default=7)
OUTBOX_BATCH_SIZE = 500
LOW_STOCK_ALERT_CRON = env("LOW_STOCK_ALERT_CRON", default="0 0 * * *")
CELERY_BEAT_SCHEDULE = {
    "low-stock-digest": {
        "task": "stock.tasks.send_low_stock_alerts",
        "schedule": crontab.from_string(LOW_STOCK_ALERT_CRON),
    },
    "kept-figures-compact": {
        "task": "stock.tasks.compact_kept_figures",
        "schedule": 60.0,  # seconds: the tally rows a day gains between two runs stay few
    },
    "stock-integrity-nightly": {
        "task": "stock.tasks.check_stock_integrity",
        "schedule": crontab(minute=30, hour=1),
    },
    "purge-idempotency-keys": {
        "task": "core.tasks.purge_expired_idempotency_keys",
        "schedule": crontab(minute=15, hour="*"),
    },
    "report-jobs-sweep": {
        "task": "reports.tasks.sweep_report_jobs",
        "schedule": crontab(minute="*/5"),
    },
    "report-jobs-expire": {
        "task": "reports.tasks.expire_report_jobs",
        "schedule": crontab(minute=45, hour="*"),
    },
    "flush-expired-tokens": {
        "task": "users.tasks.flush_expired_tokens",
        "schedule": crontab(minute=0, hour=3),
    },
    # Events whose on-commit task was lost (broker or worker down) or whose retry is due.
    "process-outbox": {
        "task": "core.tasks.process_outbox_events",
        "schedule": OUTBOX_SWEEP_SECONDS,
    },
    "purge-outbox": {
        "task": "core.tasks.purge_processed_outbox_events",
        "schedule": crontab(minute=45, hour=2),
    },
}

# --- E-mail -------------------------------------------------------------------------------------------------------
if "EMAIL_URL" in env:
    vars().update(env.email_url("EMAIL_URL"))
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Stockroom <stockroom@localhost>")

# --- REST framework -----------------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    # JWT first: its WWW-Authenticate header is what makes DRF answer 401 (not 403) without credentials.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "core.authentication.JWTAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["core.permissions.IsOrganizationMember"],
    "DEFAULT_PAGINATION_CLASS": "core.pagination.PageNumberPagination",
    "PAGE_SIZE": 20,
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "core.filters.SearchFilter",
        "core.filters.OrderingFilter",
    ],
    "DEFAULT_RENDERER_CLASSES": [
        "drf_orjson_renderer.renderers.ORJSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    "DEFAULT_PARSER_CLASSES": [
        "core.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "core.parsers.MultiPartParser",
    ],
    "DEFAULT_THROTTLE_CLASSES": [
        "core.throttles.AnonRateThrottle",
        "core.throttling.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env("THROTTLE_ANON_RATE", default="3000/min"),
        "user": env("THROTTLE_USER_RATE", default="6000/min"),
        "login": env("THROTTLE_LOGIN_RATE", default="10/min"),
        "login_address": env("THROTTLE_LOGIN_ADDRESS_RATE", default="100/min"),
    },
    "EXCEPTION_HANDLER": "core.exceptions.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "core.schema.AutoSchema",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
    "COERCE_DECIMAL_TO_STRING": True,
    "DATETIME_FORMAT": "iso-8601",
}

SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=env.int("JWT_ACCESS_MINUTES", default=5)),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=env.int("JWT_REFRESH_DAYS", default=7)),
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
    "UPDATE_LAST_LOGIN": True,
    # A key of its own, so rotating SECRET_KEY (sessions) and JWT_SIGNING_KEY (tokens) are separate decisions.
    "SIGNING_KEY": env("JWT_SIGNING_KEY", default=SECRET_KEY),
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Stockroom API",
    "DESCRIPTION": (BASE_DIR / "core" / "schema_description.md").read_text(),
    "SERVERS": [{"url": "/", "description": "The server that serves this document"}],
    # Clients use JWT; session authentication serves the browsable API and the admin only.
    "AUTHENTICATION_WHITELIST": ["core.authentication.JWTAuthentication"],
    "SWAGGER_UI_SETTINGS": {
        "deepLinking": True,
        "persistAuthorization": True,
        "displayRequestDuration": True,
        "filter": True,
    },
    # ReDoc's default theme asks Google for its web fonts: the page uses the system's instead (no third-party host).
    "REDOC_UI_SETTINGS": {
        "hideDownloadButton": False,
        "theme": {
            "typography": {
                "fontFamily": "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif",
                "headings": {"fontFamily": "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif"},
                "code": {"fontFamily": "ui-monospace, 'SFMono-Regular', Menlo, Consolas, monospace"},
            }
        },
    },
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": "/api/",
    "ENUM_NAME_OVERRIDES": {
        "PurchaseOrderStatusEnum": "purchases.models.PurchaseOrderStatus",
        "PurchaseOrderCreateStatusEnum": "purchases.models.CREATABLE_STATUS_CHOICES",
        "SalesOrderStatusEnum": "sales.models.SalesOrderStatus",
        "SalesOrderCreateStatusEnum": "sales.models.CREATABLE_STATUS_CHOICES",
        "MovementReasonEnum": "stock.models.Reason",
        "AdjustmentReasonEnum": "stock.models.AdjustmentReason",
        "TransferStatusEnum": "stock.models.TransferStatus",
        "UserStatusEnum": "users.models.UserStatus",
        "PromotionRequestStatusEnum": "users.models.PromotionRequestStatus",
    },
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums", "core.schema.describe_security"],
}

# --- Logging and request ids --------------------------------------------------------------------------------------
# Every response carries X-Request-ID: the proxy's when it sends a valid one (a UUID), else a new one. Every log
# line of the request has it, and a 500's body shows it so a user can quote it.
DJANGO_GUID = {"GUID_HEADER_NAME": "X-Request-ID", "VALIDATE_GUID": True, "RETURN_HEADER": True, "EXPOSE_HEADER": True}
LOG_FORMAT = env("LOG_FORMAT", default="plain")  # "json": one JSON object a line, for log collectors
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "django_guid.log_filters.CorrelationId", "correlation_id_field": "request_id"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s [%(request_id)s] %(name)s %(message)s"},
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "format": "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        },
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "json" if LOG_FORMAT == "json" else "plain",
            "filters": ["request_id"],
        }
    },
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {"django.request": {"level": "ERROR"}, "django_guid": {"level": "WARNING"}},
}

# --- Production hardening -----------------------------------------------------------------------------------------
# All off by default (plain HTTP on one machine); the README's production section turns them on behind HTTPS, and
# `manage.py check --deploy` is then clean.
if not DEBUG:
    SESSION_COOKIE_SECURE = env.bool("SECURE_COOKIES", default=False)
    CSRF_COOKIE_SECURE = env.bool("SECURE_COOKIES", default=False)
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=False)
# Load balancers probe health over plain HTTP.
SECURE_REDIRECT_EXEMPT = [r"^api/health/$"]
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=False)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
# Behind a proxy that terminates TLS: trust its X-Forwarded-Proto (only when the proxy always sets it).
if env.bool("SECURE_PROXY_SSL_HEADER", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
