"""Settings for running the platform on a workstation (the README's run command)."""

from .base import *  # noqa: F403
from .base import env, env_strict_bool

DEBUG = env_strict_bool("DJANGO_DEBUG", default=True)
EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
