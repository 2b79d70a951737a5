"""Settings for the test suite: the real PostgreSQL and Redis on 127.0.0.1 unless told otherwise."""

import os

# Set before base reads them, so the suite talks to the real servers by default.
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/umaseri")
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/9")
# Redis pub/sub ignores the database number: runs side by side keep apart by their prefix (from TEST_DB_NAME).
os.environ.setdefault("CHANNEL_LAYER_PREFIX", f"asgi-{os.environ.get('TEST_DB_NAME', 'test')}")
os.environ.setdefault("CACHE_KEY_PREFIX", "umaseri-test")
os.environ.setdefault("PRESENCE_KEY_PREFIX", f"presence-{os.environ.get('TEST_DB_NAME', 'test')}")
# The suite sends far more than 100 requests a minute from 127.0.0.1; the throttle has its own tests.
os.environ.setdefault("API_RATE_LIMIT", "100000/min")

from .base import *  # noqa: F403
from .base import DATABASES, FRONTEND_DIST, env

DEBUG = False
# bcrypt is deliberately slow; the hasher choice itself is checked against base settings in a test.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
DATABASES["default"]["CONN_MAX_AGE"] = 0
# No pool: the concurrency tests give every bidder its own connection, more at once than a pool would lend.
DATABASES["default"].get("OPTIONS", {}).pop("pool", None)
# TEST_DB_NAME lets parallel runs (several checkouts on one machine) keep apart.
DATABASES["default"]["TEST"] = {"NAME": os.environ.get("TEST_DB_NAME", "test_umaseri")}
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# The browser tests serve the build itself: a copy collected by an earlier `make run` could be stale.
SPA_ROOT = FRONTEND_DIST
WHITENOISE_ROOT = FRONTEND_DIST if FRONTEND_DIST.is_dir() else None
WHITENOISE_AUTOREFRESH = True  # no scan of STATIC_ROOT at start-up: the suite never serves collected files
# The browser tests open the admin and the API docs: their files come from the apps (no collectstatic in the suite).
WHITENOISE_USE_FINDERS = True
# Unit tests run Celery tasks inline; the end-to-end stack turns this off for its real worker.
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=True)
CELERY_TASK_EAGER_PROPAGATES = True
# Off unless a test turns it on: a loaded test machine can stall a heartbeat for seconds, and an "outage" would
# then extend lots that the tests expect to close (tests/auctions/test_outage_rule.py turns it on).
OUTAGE_RULE_ENABLED = env.bool("OUTAGE_RULE_ENABLED", default=False)
# The ticks leave at once, so a test hears them as broadcast_timers returns (config/settings/base.py).
TIMER_SPREAD_MS = env.int("TIMER_SPREAD_MS", default=0)
