"""Settings for running the platform on a workstation (the README's run command)."""

from .base import *  # noqa: F403
from .base import env, env_networks, env_strict_bool

# On a workstation, curl http://127.0.0.1:8000/metrics works without a token.
METRICS_ALLOWED_NETWORKS = env_networks("METRICS_ALLOWED_NETWORKS", default=["127.0.0.1/32", "::1/128"])

DEBUG = env_strict_bool("DJANGO_DEBUG", default=True)
EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
