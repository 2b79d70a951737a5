"""The platform's local settings, as served to the benchmark, plus what the bench needs to see and vary.

- The channels_redis logger at INFO: a group message dropped on a full channel is logged there and nowhere else.
- BENCH_CHANNEL_LAYER=pubsub swaps in channels_redis' RedisPubSubChannelLayer (the variant to compare against).
Nothing else differs from config.settings.local.
"""

from config.settings.local import *  # noqa: F403
from config.settings.local import CHANNEL_LAYERS, LOGGING, REDIS_URL, env

LOGGING["loggers"]["channels_redis"] = {"level": "INFO"}

if env.str("BENCH_CHANNEL_LAYER", default="core") == "pubsub":
    CHANNEL_LAYERS["default"] = {
        "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
        "CONFIG": {"hosts": [REDIS_URL], "prefix": CHANNEL_LAYERS["default"]["CONFIG"]["prefix"]},
    }
