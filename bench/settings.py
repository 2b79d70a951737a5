"""The platform's local settings, as served to the benchmark, plus what the bench needs to see and vary.

- The channels_redis logger at INFO: a group message dropped on a full channel is logged there and nowhere else.
- BENCH_CHANNEL_LAYER=pubsub swaps in channels_redis' RedisPubSubChannelLayer (the variant to compare against).
- BENCH_CHANNEL_MAX_CONNECTIONS=N gives the channel layer's Redis pool N connections per process; redis-py 8's
  asyncio pool defaults to 100 and raises "Too many connections" past that instead of waiting.
- BENCH_DB_POOL=N: psycopg's connection pool (up to N connections per process) instead of persistent
  connections. Django's ASGI handler runs each request in a thread of its own, so without a pool every REST
  request opens a new PostgreSQL connection.
Nothing else differs from config.settings.local.
"""

from config.settings.local import *  # noqa: F403
from config.settings.local import CHANNEL_LAYERS, DATABASES, LOGGING, REDIS_URL, env

LOGGING["loggers"]["channels_redis"] = {"level": "INFO"}

_max_connections = env.int("BENCH_CHANNEL_MAX_CONNECTIONS", default=0)
if _max_connections:
    CHANNEL_LAYERS["default"]["CONFIG"]["hosts"] = [{"address": REDIS_URL, "max_connections": _max_connections}]

if env.str("BENCH_CHANNEL_LAYER", default="core") == "pubsub":
    CHANNEL_LAYERS["default"] = {
        "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
        "CONFIG": {"hosts": [REDIS_URL], "prefix": CHANNEL_LAYERS["default"]["CONFIG"]["prefix"]},
    }

_pool = env.int("BENCH_DB_POOL", default=0)
if _pool:
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = False
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {"min_size": 2, "max_size": _pool, "timeout": 10}
