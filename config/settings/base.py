"""Settings shared by every environment.

Values come from the environment (django-environ). A malformed value fails at start-up with
ImproperlyConfigured rather than surfacing later as odd behaviour.
"""

import ipaddress
import mimetypes
from datetime import timedelta
from pathlib import Path

import environ
from csp.constants import NONE, SELF, UNSAFE_INLINE
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _
from kombu import Queue

from config.logs import FORMATS, logging_config

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()


def env_positive_int(name: str, default: int) -> int:
    """An integer setting that must be > 0; anything else stops the start-up."""
    try:
        value = env.int(name, default=default)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be an integer, got {env.str(name)!r}") from exc
    if value <= 0:
        raise ImproperlyConfigured(f"{name} must be a positive integer, got {value}")
    return value


def env_rate(name: str, default: str) -> str:
    """A DRF throttle rate such as '100/min'; checked here so a typo fails at start-up."""
    value = env.str(name, default=default)
    count, _sep, period = value.partition("/")
    if not count.isdigit() or int(count) <= 0 or not period or period[0] not in "smhd":
        raise ImproperlyConfigured(f"{name} must look like '100/min' with a count above zero, got {value!r}")
    return value


_TRUE, _FALSE = {"1", "true", "yes", "on"}, {"0", "false", "no", "off", ""}


def env_strict_bool(name: str, default: bool) -> bool:
    """Like env.bool, but 'maybe' is an error rather than False."""
    raw = env.str(name, default=str(default)).strip().lower()
    if raw not in _TRUE | _FALSE:
        raise ImproperlyConfigured(f"{name} must be true or false, got {raw!r}")
    return raw in _TRUE


def env_choice(name: str, default: str, choices: tuple[str, ...]) -> str:
    value = env.str(name, default=default).strip().lower()
    if value not in choices:
        raise ImproperlyConfigured(f"{name} must be one of {', '.join(choices)}, got {value!r}")
    return value


def env_non_negative_int(name: str, default: int) -> int:
    try:
        value = env.int(name, default=default)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be an integer, got {env.str(name)!r}") from exc
    if value < 0:
        raise ImproperlyConfigured(f"{name} must not be negative, got {value}")
    return value


def env_networks(name: str, default: list[str]) -> list[str]:
    """A comma-separated list of addresses or CIDR networks; a typo stops the start-up."""
    values = [value.strip() for value in env.list(name, default=default) if value.strip()]
    for value in values:
        try:
            ipaddress.ip_network(value, strict=False)
        except ValueError as exc:
            raise ImproperlyConfigured(f"{name}: {value!r} is not an address or a network") from exc
    return values


SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="insecure-dev-key-change-me-" + "x" * 32)
DEBUG = env_strict_bool("DJANGO_DEBUG", default=False)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "channels",
    "rest_framework",
    "rest_framework_simplejwt.token_blacklist",
    "drf_spectacular",
    "django_prometheus",
    "drf_spectacular_sidecar",  # Swagger UI's files, served from /static/ rather than a CDN
    "csp",
    "axes",
    "accounts",
    "horses",
    "auctions",
    "bidding",
    "notifications",
]

# django-prometheus times each request by view (its Before/After pair wraps all the others) and counts statuses.
MIDDLEWARE = [
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    "config.logs.RequestIdMiddleware",  # early: every log line of a request carries its id
    "config.middleware.DateHeaderMiddleware",  # above the outage handler: its 503s are dated too
    "config.outage.OutageMiddleware",  # a dependency outage anywhere below is a JSON 503, never a 500
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "config.static.SpaWhiteNoiseMiddleware",  # WhiteNoise, with a year's cache for Vite's hashed files
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last of the platform's own, as django-axes asks: it turns a sign-in refused during a lockout into the lockout
    # page (only the metrics' timing wraps it).
    "axes.middleware.AxesMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",
]

ROOT_URLCONF = "config.urls"
ASGI_APPLICATION = "config.asgi.application"
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
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------------------
# PostgreSQL through psycopg 3 when DATABASE_URL is set; otherwise a local SQLite file so the platform runs on
# a bare machine. SQLite takes its write lock at BEGIN (IMMEDIATE) so concurrent writers queue instead of
# failing half-way with "database is locked".
DATABASE_URL = env.str("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")
if not DATABASE_URL.startswith(("postgres://", "postgresql://", "sqlite://")):
    # The URL itself is not echoed: it may hold a password, and start-up errors end up in logs.
    raise ImproperlyConfigured("DATABASE_URL must be a postgres:// or sqlite:// URL")
DATABASES = {"default": env.db_url_config(DATABASE_URL)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
else:
    # Under ASGI every sync call runs in some worker thread; persistent per-thread connections pile up until
    # PostgreSQL refuses more ("too many clients"). A process-wide pool hands them back after each request.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    options = DATABASES["default"].setdefault("OPTIONS", {})
    # Fail fast when PostgreSQL is away (503 + Retry-After after a couple of seconds, never a 10-s hang), and
    # never let one statement or one lock wait hold a request or a worker for long.
    options["pool"] = DATABASE_POOL = {
        "min_size": 1,
        "max_size": env_positive_int("DATABASE_POOL_MAX_SIZE", 16),
        "timeout": env_positive_int("DATABASE_POOL_TIMEOUT", 2),
    }
    options.setdefault("connect_timeout", env_positive_int("DATABASE_CONNECT_TIMEOUT", 2))
    options.setdefault(
        "options",
        f"-c statement_timeout={env_positive_int('DATABASE_STATEMENT_TIMEOUT_MS', 15000)}"
        f" -c lock_timeout={env_positive_int('DATABASE_LOCK_TIMEOUT_MS', 5000)}",
    )
# django-prometheus' subclass of each backend counts and times the queries (the pool is Django's own, unchanged);
# PostgreSQL's adds a circuit breaker on top (config/db/postgresql: an outage answers at once, not after 2 s each).
DATABASES["default"]["ENGINE"] = (
    "config.db.postgresql"
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"
    else DATABASES["default"]["ENGINE"].replace("django.db.", "django_prometheus.db.")
)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis: channel layer, cache, throttling counters, Celery broker --------------------------------------
REDIS_URL = env.str("REDIS_URL", default="redis://127.0.0.1:6379/0")
if not REDIS_URL.startswith(("redis://", "rediss://", "unix://")):
    raise ImproperlyConfigured(f"REDIS_URL must be a redis:// URL, got {REDIS_URL!r}")

CACHES = {
    "default": {
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": env.str("CACHE_KEY_PREFIX", default="umaseri"),
        # A Redis that hangs must not hang every throttled request with it.
        "OPTIONS": {
            "CLIENT_CLASS": "django_redis.client.DefaultClient",
            "SOCKET_CONNECT_TIMEOUT": 2,
            "SOCKET_TIMEOUT": 2,
        },
    }
}
# The cache and the REST throttle fail open: with Redis away, reads go to PostgreSQL and requests are not
# counted, rather than every request answering 500. The bid rate limit has its own fallback. Each call passed over
# is counted (umaseri_cache_failures_total); the log has one line per 10 s of them (config.logs.CacheFailures).
DJANGO_REDIS_IGNORE_EXCEPTIONS = True
DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS = True
DJANGO_REDIS_LOGGER = "config.cache"

# The pub/sub variant of channels-redis: Redis pushes every group message to each subscribed process at once.
# The core (list-based) layer pulls one message per round trip per process and, under load, let its backlog
# outgrow the expiry and silently dropped most broadcasts (bench/RESULTS.md).
CHANNEL_LAYERS = {
    "default": {
        "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
        "CONFIG": {
            "hosts": [REDIS_URL],
            "prefix": env.str("CHANNEL_LAYER_PREFIX", default="asgi"),
        },
    }
}
# Watchers online per lot, summed over the socket servers (bidding/presence.py): the Redis keys' prefix.
PRESENCE_KEY_PREFIX = env.str("PRESENCE_KEY_PREFIX", default="presence")

CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL)
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = "UTC"
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Three queues: `lifecycle` (the close sweep, the scheduled starts, the timer tick: a late one is a late close),
# `email` (network I/O to a relay that may be slow) and the default `celery` (notices). A worker started without
# -Q consumes all three (development, the tests); in production the lifecycle has a worker of its own
# (Procfile `lifecycle`, compose `lifecycle`), so no e-mail backlog can ever delay a close.
CELERY_TASK_DEFAULT_QUEUE = "celery"

# Rule 12: a silence of the closer or of the socket servers longer than this is an outage, and a lot whose last
# extension window it overlapped is extended instead of closed (auctions/availability.py).
OUTAGE_RULE_ENABLED = env.bool("OUTAGE_RULE_ENABLED", default=True)
OUTAGE_GAP_SECONDS = env_positive_int("OUTAGE_GAP_SECONDS", 5)
CELERY_TASK_QUEUES = [Queue("celery"), Queue("lifecycle"), Queue("email")]
CELERY_TASK_ROUTES = {
    "auctions.*": {"queue": "lifecycle"},
    "notifications.send_notification_email": {"queue": "email"},
}
# The once-a-second timer ticks leave spread over this many milliseconds, each stamped as it leaves, rather than in
# one burst: with 10,000 watchers a burst is 10,000 socket writes at once, and every bid update behind it waits
# (issue 14). 0 sends them all at once.
TIMER_SPREAD_MS = env_non_negative_int("TIMER_SPREAD_MS", 500)
# Beat must wake at least once a second for the tick and the close; its default loop interval is 300 s.
CELERY_BEAT_MAX_LOOP_INTERVAL = 1
# Celery's Django fix-up closes the worker's connections (and pool) around every task unless this is set; it then
# recycles them every this many tasks. config/celery.py hands the connection back to the pool after each task.
CELERY_DB_REUSE_MAX = 500

# --- Auth -------------------------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
# The first hasher makes every new hash; the others only verify older ones, which Django rewrites with the first
# at the user's next sign-in (Argon2 was the default before bcrypt).
PASSWORD_HASHERS = [
    "accounts.hashers.BCryptSHA256Cost12PasswordHasher",
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Sign-in throttling (django-axes), for the admin and the API token endpoint alike: after LOGIN_FAILURE_LIMIT failed
# sign-ins for one account name, or from one client address, every sign-in for it is refused (429) until
# LOGIN_COOLOFF_MINUTES have passed since the last attempt. Counted in the database, so every process shares them
# and organizers see (and may delete) them in the admin.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env_positive_int("LOGIN_FAILURE_LIMIT", 10)
AXES_COOLOFF_TIME = timedelta(minutes=env_positive_int("LOGIN_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]  # each on its own: per account, and per address
AXES_CLIENT_IP_CALLABLE = "config.throttling.client_address"  # the same address the API rate limit counts
AXES_LOCKOUT_CALLABLE = "accounts.login_throttle.lockout_response"
AXES_RESET_ON_SUCCESS = False  # a guesser's own successful sign-in must not wipe the address's count
AXES_VERBOSE = False

# Self-registration makes a bidder, who may bid only once they have confirmed their e-mail address and an organizer
# has approved them with a credit limit (in the admin). A sale that vets nobody may turn the approval off: then
# confirming the address is enough.
BIDDER_APPROVAL_REQUIRED = env_strict_bool("BIDDER_APPROVAL_REQUIRED", default=True)
# The conditions of sale a registering bidder accepts (the text: templates/accounts/conditions_of_sale.<lang>.txt).
# Change the version with the text: each bidder's record keeps the version they accepted, and when.
CONDITIONS_OF_SALE_VERSION = env.str("CONDITIONS_OF_SALE_VERSION", default="2025-1")
if not CONDITIONS_OF_SALE_VERSION or len(CONDITIONS_OF_SALE_VERSION) > 32:
    raise ImproperlyConfigured("CONDITIONS_OF_SALE_VERSION must be 1 to 32 characters")
# How long the link in the e-mail that confirms a new bidder's address stays valid.
EMAIL_CONFIRMATION_MAX_AGE_SECONDS = env_positive_int("EMAIL_CONFIRMATION_MAX_AGE_SECONDS", 3 * 24 * 3600)

SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(seconds=env_positive_int("JWT_ACCESS_SECONDS", 15 * 60)),
    "REFRESH_TOKEN_LIFETIME": timedelta(seconds=env_positive_int("JWT_REFRESH_SECONDS", 7 * 24 * 3600)),
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
    "UPDATE_LAST_LOGIN": True,
    "SIGNING_KEY": env.str("JWT_SIGNING_KEY", default=SECRET_KEY),
    "AUTH_HEADER_TYPES": ("Bearer",),
}

# --- REST API ---------------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["rest_framework_simplejwt.authentication.JWTAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": [
        "config.parsers.StrictJSONParser",  # over-deep nesting, NaN and lone surrogates are a 400, not a 500
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_THROTTLE_CLASSES": ["config.throttling.ClientAddressRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {"client_address": env_rate("API_RATE_LIMIT", "100/min")},
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "config.errors.api_exception_handler",
    "DEFAULT_PAGINATION_CLASS": "config.pagination.BoundedLimitOffsetPagination",
    "PAGE_SIZE": 50,
    # The proxies in front of daphne (nginx) that append to X-Forwarded-For; 0 trusts none.
    "NUM_PROXIES": env_non_negative_int("NUM_PROXIES", 0),
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Umaseri racehorse auction API",
    "DESCRIPTION": "REST side of the wire contract. Every error is JSON {code, detail}.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # Swagger UI from this site (drf-spectacular-sidecar), and no badge fetched from swagger.io's validator.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "validatorUrl": None},
}

# --- Content-Security-Policy (django-csp) -----------------------------------------------------------------------
# Scripts only from this site: the built SPA, its service worker, the Django admin and Swagger UI (its start-up
# script comes from /api/docs/?script=) all load theirs from files. Styles may be inline: Vuetify writes its theme
# into a <style> element at run time and Swagger UI sets style attributes. Images may be data: or blob: URIs
# (Vuetify's and Swagger UI's icons). 'self' in connect-src covers the site's own WebSocket (CSP level 3).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF, UNSAFE_INLINE],
        "img-src": [SELF, "data:", "blob:"],
        "font-src": [SELF, "data:"],
        "connect-src": [SELF],
        "worker-src": [SELF],
        "manifest-src": [SELF],
        "object-src": [NONE],
        # A lot's walk video is embedded from these two players only (privacy-enhanced YouTube, Vimeo).
        "frame-src": ["https://www.youtube-nocookie.com", "https://player.vimeo.com"],
        "frame-ancestors": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
    },
}

# --- Internationalisation ---------------------------------------------------------------------------------
LANGUAGE_CODE = "ja"
LANGUAGES = [("ja", _("Japanese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Tokyo"
USE_I18N = True
USE_TZ = True

# --- Static files and the SPA -----------------------------------------------------------------------------
mimetypes.add_type("application/manifest+json", ".webmanifest")
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
FRONTEND_DIST = BASE_DIR / "frontend" / "dist"
# collectstatic copies the built SPA (frontend/dist) to STATIC_ROOT/spa with the rest, and WhiteNoise's storage
# writes a .gz and (with the brotli package) a .br beside every file; WhiteNoise serves that copy at the site
# root, picking the encoding the browser accepts. Until collectstatic has run, the build itself is served.
STATICFILES_DIRS = [BASE_DIR / "static"]
if FRONTEND_DIST.is_dir():
    STATICFILES_DIRS.append(("spa", FRONTEND_DIST))
MEDIA_URL = "/media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "media")
# Vet documents are served by a view that checks the reader. Behind nginx, set this to the `internal` location that
# serves MEDIA_ROOT (deploy/nginx: "/protected-media/"): the view then answers with X-Accel-Redirect and nginx sends
# the file. Empty: the view streams the file itself.
MEDIA_ACCEL_REDIRECT_PREFIX = env.str("MEDIA_ACCEL_REDIRECT_PREFIX", default="")
if MEDIA_ACCEL_REDIRECT_PREFIX and not (
    MEDIA_ACCEL_REDIRECT_PREFIX.startswith("/") and MEDIA_ACCEL_REDIRECT_PREFIX.endswith("/")
):
    raise ImproperlyConfigured(
        f"MEDIA_ACCEL_REDIRECT_PREFIX must start and end with '/', got {MEDIA_ACCEL_REDIRECT_PREFIX!r}"
    )
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}


def served_spa_root(static_root: Path, frontend_dist: Path) -> Path:
    """The collected (compressed) copy of the SPA once collectstatic has made one, else the build itself."""
    collected = static_root / "spa"
    return collected if (collected / "index.html").is_file() else frontend_dist


SPA_ROOT = served_spa_root(STATIC_ROOT, FRONTEND_DIST)
# index.html is also the history-mode fallback (config/spa.py); config/static.py sets the cache headers.
WHITENOISE_ROOT = SPA_ROOT if SPA_ROOT.is_dir() else None

# --- WebSocket --------------------------------------------------------------------------------------------
WS_MAX_MESSAGE_BYTES = env_positive_int("WS_MAX_MESSAGE_BYTES", 64 * 1024)
# Processes of its own in which a socket server places its sockets' bids, away from the GIL of its event loop
# (bidding/bid_processes.py); 0: in its thread pool.
WS_BID_PROCESSES = env_non_negative_int("WS_BID_PROCESSES", 0)
# Threads of its own in which a socket server places its sockets' bids when it has no bid processes: not the
# loop's default pool, where a join burst's user lookups and snapshots would make a bid wait. Each holds a
# database connection while it bids: with the default pool's 6 this stays within DATABASE_POOL_MAX_SIZE (16).
WS_BID_THREADS = env_positive_int("WS_BID_THREADS", 8)

# --- Metrics (config/metrics.py; README, "Metrics and alerts") -------------------------------------------------
# /metrics answers a scrape that carries "Authorization: Bearer METRICS_TOKEN", or one from an address in
# METRICS_ALLOWED_NETWORKS (CIDRs of the Prometheus servers; never the proxy's). With neither, it is a 404 to all.
METRICS_TOKEN = env.str("METRICS_TOKEN", default="")
METRICS_ALLOWED_NETWORKS = env_networks("METRICS_ALLOWED_NETWORKS", default=[])
# A Celery worker serves its metrics on this port (0: it does not), on WORKER_METRICS_HOST; it then needs
# PROMETHEUS_MULTIPROC_DIR, a directory of its own, where its pool's child processes record.
WORKER_METRICS_PORT = env_non_negative_int("WORKER_METRICS_PORT", 0)
WORKER_METRICS_HOST = env.str("WORKER_METRICS_HOST", default="127.0.0.1")

# --- Logging ----------------------------------------------------------------------------------------------
LOG_LEVEL = env.str("LOG_LEVEL", default="INFO").upper()
if LOG_LEVEL not in ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"):
    raise ImproperlyConfigured(f"LOG_LEVEL must be DEBUG, INFO, WARNING, ERROR or CRITICAL, got {LOG_LEVEL!r}")
# One line per event. LOG_FORMAT=json (production's default) writes JSON objects; text is for a terminal.
LOG_FORMAT = env_choice("LOG_FORMAT", "text", FORMATS)
LOGGING = logging_config(LOG_LEVEL, LOG_FORMAT)

# --- Demo data ----------------------------------------------------------------------------------------------
# seed_demo (public passwords) runs only where this is true; the production settings turn it off.
DEMO_DATA_ALLOWED = True

# --- Auction rules (DESIGN.md rules 3 and 4) ---------------------------------------------------------------
# A bid may exceed the current price by at most this much, unless the auction sets its own (fat-finger guard).
BID_MAX_JUMP = env_positive_int("BID_MAX_JUMP", 50_000_000)
# Bids one user may place in a rolling minute, across all auctions.
BID_RATE_LIMIT_PER_MINUTE = env_positive_int("BID_RATE_LIMIT_PER_MINUTE", 10)

# --- Notifications and e-mail -----------------------------------------------------------------------------
# EMAIL_BACKEND: console or SMTP, or an Anymail ESP: "anymail.backends.sendgrid.EmailBackend" (SENDGRID_API_KEY)
# or "anymail.backends.amazon_ses.EmailBackend" (AWS credentials from the usual boto3 environment).
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Umaseri <noreply@umaseri.example>")
ANYMAIL = {"SENDGRID_API_KEY": env.str("SENDGRID_API_KEY", default="")}
# Where links in e-mails point: the public address of the SPA.
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")
# Followers of a lot hear once when this many seconds are left.
NOTIFY_CLOSING_SOON_SECONDS = env_positive_int("NOTIFY_CLOSING_SOON_SECONDS", 60)
# An outbid is e-mailed only if the same lot outbid the same bidder no more recently than this (one mail per run).
OUTBID_EMAIL_QUIET_SECONDS = env_non_negative_int("OUTBID_EMAIL_QUIET_SECONDS", 600)
