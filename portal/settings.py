"""One settings module for every environment, configured from the environment.

Embedded default (nothing set): SQLite under var/, in-memory channel layer, local-memory cache,
Celery tasks run eagerly in-process. ``DATABASE_URL`` and ``REDIS_URL`` switch to PostgreSQL and
Redis. With ``DEBUG=0`` the process refuses to start on an insecure configuration (fail closed).
"""

from __future__ import annotations

import sys
from datetime import timedelta
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()


def _refuse(message: str) -> None:
    """Stop with a sentence an operator can act on, not a traceback."""
    sys.stderr.write(f"\n*** Refusing to start: {message}\n\n")
    raise SystemExit(2)


DEBUG = env.bool("DEBUG", default=True)
TESTING = "pytest" in sys.modules or env.bool("TESTING", default=False)

_INSECURE_DEV_KEY = "embedded-dev-only-insecure-key-do-not-use-in-production-0123456789"
SECRET_KEY = env.str("SECRET_KEY", default="")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=[])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
CSRF_FAILURE_VIEW = "portal.core.errors.csrf_failure"  # the contract's JSON 403 under /api/

# Field encryption (MultiFernet: the first key encrypts, every key decrypts, so keys rotate by
# prepending a new one and running `manage.py rotate_encryption_keys`) and the blind-index key.
FIELD_ENCRYPTION_KEYS = env.list("FIELD_ENCRYPTION_KEYS", default=[])
BLIND_INDEX_KEY = env.str("BLIND_INDEX_KEY", default="")

if DEBUG:
    SECRET_KEY = SECRET_KEY or _INSECURE_DEV_KEY
    ALLOWED_HOSTS = ALLOWED_HOSTS or ["127.0.0.1", "localhost", "[::1]", "testserver"]
    # Embedded-mode keys, derived so a fresh checkout works; production must set its own.
    FIELD_ENCRYPTION_KEYS = FIELD_ENCRYPTION_KEYS or ["ZW1iZWRkZWQtZGV2LW9ubHktZmllbGQta2V5LTAwMDA="]
    BLIND_INDEX_KEY = BLIND_INDEX_KEY or "embedded-dev-only-blind-index-key"
else:
    if not SECRET_KEY:
        _refuse("DEBUG=0 needs SECRET_KEY (a long random string, e.g. `python -c "
                "'import secrets; print(secrets.token_urlsafe(50))'`).")
    if SECRET_KEY == _INSECURE_DEV_KEY or len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5:
        _refuse("SECRET_KEY is the embedded development key or too weak: use 50+ random characters.")
    if not ALLOWED_HOSTS:
        _refuse("DEBUG=0 needs ALLOWED_HOSTS (comma-separated host names this server answers to).")
    if not FIELD_ENCRYPTION_KEYS:
        _refuse("DEBUG=0 needs FIELD_ENCRYPTION_KEYS (comma-separated Fernet keys, newest first; "
                "make one with `python -c 'from cryptography.fernet import Fernet; "
                "print(Fernet.generate_key().decode())'`).")
    if not BLIND_INDEX_KEY or len(BLIND_INDEX_KEY) < 32:
        _refuse("DEBUG=0 needs BLIND_INDEX_KEY (32+ random characters) to index ID numbers.")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework_simplejwt.token_blacklist",
    "drf_spectacular",
    "channels",
    "corsheaders",
    "portal.core",
    "portal.accounts",
    "portal.connectors",
    "portal.chat",
    "portal.web",
    "services",
    "booking",
    "health",
]

# Under the WSGI server (granian) two answers come before this stack: the rush gate (booking/gate.py,
# a sold-out slot's 409) and the booking fast path (booking/fast.py, an ordinary POST /api/v1/bookings/). They add the
# headers these add (tests/booking/test_fast.py compares them with Django's); a middleware that does
# more than add headers (auditing, throttling) must be mirrored there, or BOOKING_FAST_PATH=0.
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "portal.core.middleware.CommonMiddleware",  # Django's, an API write missing its "/" answered, not redirected
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"
ASGI_APPLICATION = "portal.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "portal" / "templates"],
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

# --- Database ---------------------------------------------------------------------------------
VAR_DIR.mkdir(exist_ok=True)
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'portal.sqlite3'}")}
DB_VENDOR = "postgresql" if "postgres" in DATABASES["default"]["ENGINE"] else "sqlite"
if DB_VENDOR == "sqlite":
    # WAL lets readers run beside the writer; IMMEDIATE takes the write lock at BEGIN so two
    # writers queue instead of failing half-way with "database is locked".
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        # How long a writer waits for the write lock (sqlite3's busy timeout; a PRAGMA busy_timeout
        # in init_command would silently shorten it): a second process loading the demo data waits
        # for the first's transaction, several seconds on a busy machine.
        "timeout": 20,
    }
    # Tests use a file too: in-memory shared-cache SQLite takes table locks that ignore
    # busy_timeout, so concurrent tests would fail where the embedded product would not.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test.sqlite3")}
else:
    DATABASES["default"].setdefault("OPTIONS", {})
    # Django's default test name, spelled out: Channels' live server (browser tests) re-derives
    # it from NAME in its child process, where NAME has already been switched to the test one.
    DATABASES["default"]["TEST"] = {"NAME": "test_" + DATABASES["default"]["NAME"]}
    # psycopg's connection pool (Django ≥ 5.1), one per process, sized per worker. Persistent
    # connections (CONN_MAX_AGE) are per thread and pile up under ASGI's thread executor
    # ("too many clients" in bench/wsgi_vs_asgi.py), so the pool is the default everywhere
    # but in tests, whose database is set up per test run.
    if env.bool("DB_POOL", default=not TESTING):
        DATABASES["default"]["OPTIONS"]["pool"] = {
            "min_size": env.int("DB_POOL_MIN", default=2),
            "max_size": env.int("DB_POOL_MAX", default=10),
            "timeout": env.int("DB_POOL_TIMEOUT", default=10),
        }
    else:
        DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=0)
        DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    DATABASES["default"]["OPTIONS"].setdefault("connect_timeout", 5)
    # psycopg prepares a statement after this many runs, or when asked: only the booking path's
    # fixed statements ask (portal/core/prepared.py), and no other query gets near 2**31.
    # DB_PREPARED_STATEMENTS=0 for a pooler that cannot keep prepared statements (PgBouncer in
    # transaction mode without max_prepared_statements): psycopg then prepares nothing.
    DATABASES["default"]["OPTIONS"]["prepare_threshold"] = (
        2**31 - 1 if env.bool("DB_PREPARED_STATEMENTS", default=True) else None)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis: channel layer, cache, Celery --------------------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [REDIS_URL], "prefix": env.str("CHANNELS_PREFIX", default="portal")},
        }
    }
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env.str("CACHE_PREFIX", default="portal"),
        }
    }
    CELERY_BROKER_URL = REDIS_URL
    CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "portal"}}
    CELERY_BROKER_URL = "memory://localhost/"  # with a host: kombu warned "No hostname was supplied" at each task
    CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TIMEZONE = "Asia/Shanghai"
CELERY_TASK_ACKS_LATE = True  # tasks are idempotent; a crashed worker's task runs again
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_BACKEND = None
CELERY_BEAT_SCHEDULE: dict = {
    "purge-idempotency-keys": {"task": "portal.core.tasks.idempotency_purge", "schedule": 3600.0},
    # Logouts whose tokens have all expired (portal/accounts/tasks.py, docs/privacy.md).
    "purge-revoked-sessions": {"task": "portal.accounts.tasks.revoked_sessions_purge", "schedule": 3600.0},
    # Expired refresh tokens simplejwt kept for rotation and logout (portal/accounts/tasks.py).
    "flush-expired-tokens": {"task": "portal.accounts.tasks.expired_tokens_flush", "schedule": 24 * 3600.0},
    # 一网通办: count open applications past their expected completion date (staff see the flag).
    "services-applications-overdue": {"task": "services.tasks.applications_overdue_report", "schedule": 3600.0},
    # 运动 (booking): see docs/booking.md for what each does and why this often.
    "booking-slots-generate": {"task": "booking.tasks.slots_generate", "schedule": 3600.0},
    "booking-reminders-send": {"task": "booking.tasks.reminders_send", "schedule": 300.0},
    "booking-no-shows-mark": {"task": "booking.tasks.no_shows_mark", "schedule": 300.0},
    "booking-bookings-complete": {"task": "booking.tasks.bookings_complete", "schedule": 900.0},
    "booking-waitlist-offers-expire": {"task": "booking.tasks.waitlist_offers_expire", "schedule": 60.0},
}

# --- Auth ----------------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=env.int("JWT_ACCESS_MINUTES", default=15)),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=env.int("JWT_REFRESH_DAYS", default=14)),
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
    "UPDATE_LAST_LOGIN": True,
    "AUTH_HEADER_TYPES": ("Bearer",),
    "SIGNING_KEY": env.str("JWT_SIGNING_KEY", default=SECRET_KEY),
}

# External platforms: every base URL is a setting so tests point the real client at local fakes.
WECHAT_API_BASE = env.str("WECHAT_API_BASE", default="https://api.weixin.qq.com")
WECHAT_MINI_APPID = env.str("WECHAT_MINI_APPID", default="wx-demo-appid")
WECHAT_MINI_SECRET = env.str("WECHAT_MINI_SECRET", default="wx-demo-secret")
WECHAT_TIMEOUT = env.float("WECHAT_TIMEOUT", default=5.0)
ALIPAY_GATEWAY = env.str("ALIPAY_GATEWAY", default="https://openapi.alipay.com/gateway.do")
ALIPAY_APP_ID = env.str("ALIPAY_APP_ID", default="2021000000000000")
ALIPAY_APP_PRIVATE_KEY = env.str("ALIPAY_APP_PRIVATE_KEY", default="")
ALIPAY_PUBLIC_KEY = env.str("ALIPAY_PUBLIC_KEY", default="")
ALIPAY_TIMEOUT = env.float("ALIPAY_TIMEOUT", default=5.0)
SMS_BACKEND = env.str("SMS_BACKEND", default="portal.connectors.sms.ConsoleSmsBackend")
SMS_CODE_TTL_SECONDS = env.int("SMS_CODE_TTL_SECONDS", default=300)
SMS_CODE_MAX_ATTEMPTS = env.int("SMS_CODE_MAX_ATTEMPTS", default=5)
NOTIFY_BACKEND = env.str("NOTIFY_BACKEND", default="portal.connectors.notify.LogNotifyBackend")

# Rate limits (django-ratelimit: atomic cache counters, Redis when configured).
RATELIMIT_LOGIN = env.str("RATELIMIT_LOGIN", default="20/m")
# Where the client address is (a request.META key); read by portal.core.client, which django-ratelimit
# calls, so that a request without one is limited with the others instead of failing.
RATELIMIT_CLIENT_META_KEY = env.str("RATELIMIT_IP_META_KEY", default="REMOTE_ADDR")
RATELIMIT_IP_META_KEY = "portal.core.client.client_address"
RATELIMIT_VIEW = "portal.core.errors.ratelimited"
if not REDIS_URL:
    # Local-memory counters are per process: correct for the embedded single process only.
    SILENCED_SYSTEM_CHECKS = ["django_ratelimit.E003", "django_ratelimit.W001"]

# --- API -----------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["portal.accounts.authentication.BearerAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["portal.core.parsers.JSONParser"],
    "DEFAULT_PAGINATION_CLASS": "portal.core.pagination.Pagination",
    "PAGE_SIZE": 20,
    "EXCEPTION_HANDLER": "portal.core.errors.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    "DATETIME_FORMAT": "iso-8601",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "市民服务中台 API",
    "DESCRIPTION": "一网通办、运动场馆预约、家庭医生与健康档案、智能问答。错误统一为 "
    '`{"error": {"code", "message", "fields"}}`。',
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    # Row ids and keys in paths (portal.core.converters): what a row can have.
    "PATH_CONVERTER_OVERRIDES": {"id": {"type": "integer", "minimum": 0, "maximum": 2**63 - 1},
                                 "key": {"type": "string", "pattern": "^[A-Za-z0-9_-]{1,64}$"}},
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "portal.core.schema.add_error_responses",
    ],
}
IDEMPOTENCY_TTL = timedelta(hours=24)
DATA_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024

CORS_ALLOWED_ORIGINS = env.list("CORS_ALLOWED_ORIGINS", default=[])
CORS_URLS_REGEX = r"^/api/.*$"

# --- i18n ------------------------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("简体中文")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "staticfiles"
STATIC_ROOT.mkdir(exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG or TESTING
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# --- Security (check --deploy clean with DEBUG=0) -----------------------------------------------
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
if not DEBUG:
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True

# --- Logging: personal data masked in every line --------------------------------------------------
LOG_LEVEL = env.str("LOG_LEVEL", default="INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"mask_pii": {"()": "portal.core.logging.MaskPersonalDataFilter"}},
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
                   "access": {"format": "%(message)s"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["mask_pii"], "formatter": "plain"},
        "access": {"class": "logging.StreamHandler", "filters": ["mask_pii"], "formatter": "access",
                   "stream": "ext://sys.stdout"},
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "jieba": {"level": "WARNING"},
        # Django (its unfiltered console and mail handlers), runserver, granian and uvicorn configure
        # handlers of their own before this runs; a request line they print carries the path and
        # query string a resident typed. Naming the loggers here replaces those handlers with ours.
        "django": {"handlers": [], "propagate": True},
        "django.server": {"handlers": [], "propagate": True},
        "_granian": {"handlers": [], "propagate": True},
        "granian.access": {"handlers": ["access"], "propagate": False},
        "uvicorn": {"handlers": [], "propagate": True},
        "uvicorn.access": {"handlers": ["access"], "propagate": False},
    },
}

# --- Chat ----------------------------------------------------------------------------------------
CHAT_MAX_TEXT = env.int("CHAT_MAX_TEXT", default=500)  # characters of one message
CHAT_RESUME_MINUTES = env.int("CHAT_RESUME_MINUTES", default=30)  # a signed-in resident continues their session
CHAT_RATELIMIT = env.str("CHAT_RATELIMIT", default="60/m")  # REST chat messages per client address
CHAT_ANONYMOUS_RETENTION_DAYS = env.int("CHAT_ANONYMOUS_RETENTION_DAYS", default=30)
CELERY_BEAT_SCHEDULE["purge-anonymous-chat-sessions"] = {
    "task": "portal.chat.tasks.chat_sessions_purge", "schedule": 24 * 3600.0,
}
# The services app's catalogue for service.search (a function returning portal.nlu.items.ItemMatcher).
CHAT_CATALOGUE_MATCHER = env.str("CHAT_CATALOGUE_MATCHER", default="services.search.matcher")
# Run in a background thread as a server process starts (portal/warmup.py; not for manage.py or tests).
# Tests import the ASGI/WSGI entry points (live servers) without wanting a warm-up thread racing them.
SERVER_WARM_UP = env.list("SERVER_WARM_UP", default=[] if TESTING else ["services.search.warm_up"])
# Meaning as a second opinion: embeddings reorder the catalogue matcher's matches (for the API and the
# chat alike; portal/nlu/semantic.py). On by default: +4.7 points right-first on unseen questions
# (eleven blind sets pooled, docs/benchmarks.md); the catalogue's names are embedded once per
# deployment (kept in the database).
ITEM_SEMANTIC = env.bool("ITEM_SEMANTIC", default=True)
ITEM_SEMANTIC_THREADS = env.int("ITEM_SEMANTIC_THREADS", default=1)  # OpenMP threads per process
# How a question meets the names: "sentence" embeds the whole question (one model run, 10–30 ms of one
# core, for the half of the questions whose lexical lead is small; a repeated question is remembered);
# "words" reads its words' and characters' vectors (each embedded once, ~4,000 at a deployment's first
# start) through a fitted map to where the model would put the sentence: no model run per question,
# 3.1 points fewer right first on the same unseen questions — for a deployment short of CPU.
ITEM_SEMANTIC_QUESTION = env.str("ITEM_SEMANTIC_QUESTION", default="sentence")
if ITEM_SEMANTIC_QUESTION not in ("words", "sentence"):
    raise ImproperlyConfigured("ITEM_SEMANTIC_QUESTION is 'words' or 'sentence'")
CHAT_WS_TICKET_SECONDS = env.int("CHAT_WS_TICKET_SECONDS", default=60)
CHAT_WS_MAX_BYTES = env.int("CHAT_WS_MAX_BYTES", default=4096)
CHAT_WS_RATE = env.int("CHAT_WS_RATE", default=10)  # messages per CHAT_WS_RATE_SECONDS per connection
CHAT_WS_RATE_SECONDS = env.float("CHAT_WS_RATE_SECONDS", default=10.0)
# Web pages allowed to open /ws/chat/ (their Origin); mini-programs send no Origin (see consumers.py).
CHAT_WS_ALLOWED_ORIGINS = env.list(
    "CHAT_WS_ALLOWED_ORIGINS",
    default=CORS_ALLOWED_ORIGINS + (["http://127.0.0.1:8000", "http://localhost:8000"] if DEBUG else []),
)
CHAT_WS_WECHAT_APPIDS = env.list("CHAT_WS_WECHAT_APPIDS", default=[WECHAT_MINI_APPID])
CHAT_WS_ALIPAY_APPIDS = env.list("CHAT_WS_ALIPAY_APPIDS", default=[ALIPAY_APP_ID])
CHAT_WS_ALLOW_NO_ORIGIN = env.bool("CHAT_WS_ALLOW_NO_ORIGIN", default=True)
# The chat's channel choices have their own name in the OpenAPI schema (other apps have a "channel" too).
SPECTACULAR_SETTINGS.setdefault("ENUM_NAME_OVERRIDES", {})["ChatChannelEnum"] = "portal.chat.models.Channel"

# --- 运动 (booking) -------------------------------------------------------------------------------
# Per-venue rules (window, limits, cancellation deadline, check-in window, offer time) live on the
# Venue row; these are the platform-wide ones.
BOOKING_SLOT_DAYS_AHEAD = env.int("BOOKING_SLOT_DAYS_AHEAD", default=7)
BOOKING_NOSHOW_LIMIT = env.int("BOOKING_NOSHOW_LIMIT", default=3)
BOOKING_NOSHOW_WINDOW_DAYS = env.int("BOOKING_NOSHOW_WINDOW_DAYS", default=30)
BOOKING_SUSPENSION_DAYS = env.int("BOOKING_SUSPENSION_DAYS", default=7)
BOOKING_REMINDER_MINUTES = env.int("BOOKING_REMINDER_MINUTES", default=120)
BOOKING_CHECKIN_TOKEN_STEP_SECONDS = env.int("BOOKING_CHECKIN_TOKEN_STEP_SECONDS", default=30)
BOOKING_LOCK_TIMEOUT_MS = env.int("BOOKING_LOCK_TIMEOUT_MS", default=3000)
BOOKING_WALKING_RADIUS_M = env.int("BOOKING_WALKING_RADIUS_M", default=1200)
# How long a slot seen sold out is refused without a database read (booking/soldout.py); 0: off.
BOOKING_SOLDOUT_CACHE_SECONDS = env.float("BOOKING_SOLDOUT_CACHE_SECONDS", default=30.0)
# Availability changes of one venue-day within this many ms go out as one WebSocket message
# (booking/realtime.py; with a Redis channel layer). 0: each as soon as the one before is sent.
BOOKING_PUSH_COALESCE_MS = env.int("BOOKING_PUSH_COALESCE_MS", default=50)
# Under the WSGI server, answer ordinary booking attempts in front of the middleware stack with the view's
# own calls (booking/fast.py); off: every attempt the rush gate does not refuse goes through Django.
BOOKING_FAST_PATH = env.bool("BOOKING_FAST_PATH", default=True)
# On PostgreSQL, the fast path books a plain attempt in two statements (booking/lane.py).
BOOKING_LANE = env.bool("BOOKING_LANE", default=True)

# Demo data (idempotent) loaded by `make run` unless DEMO_DATA=0.
DEMO_DATA = env.bool("DEMO_DATA", default=DEBUG)

if TESTING:
    # Password hashing is deliberately slow; tests exercise logic, not the hash cost.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
