"""The platform's local settings, as served to the benchmark, plus what the bench needs to see and vary.

- The channels_redis logger at INFO: a group message dropped on a full channel is logged there and nowhere else.
- BENCH_CHANNEL_LAYER=core swaps channels_redis' list-based RedisChannelLayer (capacity CHANNEL_LAYER_CAPACITY,
  default 100) in for the platform's RedisPubSubChannelLayer, to compare the two.
- BENCH_CHANNEL_MAX_CONNECTIONS=N gives the channel layer's Redis pool N connections per process; redis-py 8's
  asyncio pool defaults to 100 and raises "Too many connections" past that instead of waiting.
- BENCH_DB_POOL=N: psycopg's connection pool of up to N connections per process (the platform's default is
  DATABASE_POOL_MAX_SIZE, 16).
Nothing else differs from config.settings.local.
"""

from config.settings.local import *  # noqa: F403
from config.settings.local import CHANNEL_LAYERS, DATABASES, LOGGING, REDIS_URL, env

LOGGING["loggers"]["channels_redis"] = {"level": "INFO"}

_prefix = CHANNEL_LAYERS["default"]["CONFIG"]["prefix"]
if env.str("BENCH_CHANNEL_LAYER", default="pubsub") == "core":
    CHANNEL_LAYERS["default"] = {
        "BACKEND": "channels_redis.core.RedisChannelLayer",
        "CONFIG": {
            "hosts": [REDIS_URL],
            "prefix": _prefix,
            "capacity": env.int("CHANNEL_LAYER_CAPACITY", default=100),
            "expiry": 10,
        },
    }

_max_connections = env.int("BENCH_CHANNEL_MAX_CONNECTIONS", default=0)
if _max_connections:
    CHANNEL_LAYERS["default"]["CONFIG"]["hosts"] = [{"address": REDIS_URL, "max_connections": _max_connections}]

_pool = env.int("BENCH_DB_POOL", default=0)
if _pool:
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = False
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {"min_size": 2, "max_size": _pool, "timeout": 10}
