"""Production settings: secrets and hosts must come from the environment; nothing insecure by default.

`manage.py check --deploy --fail-level WARNING` is clean with DJANGO_SECRET_KEY and DJANGO_ALLOWED_HOSTS set.
A missing or weak secret stops the start-up here, since daphne and Celery never run the deploy checks.
"""

from django.core.exceptions import ImproperlyConfigured

from config.logs import FORMATS, logging_config

from .base import *  # noqa: F403
from .base import LOG_LEVEL, SIMPLE_JWT, env, env_choice, env_strict_bool

# The development fallback of base settings, and anything short enough to guess, is refused outright.
SECRET_KEY = env.str("DJANGO_SECRET_KEY")
MIN_SECRET_KEY_LENGTH = 50
INSECURE_PREFIXES = ("insecure-", "django-insecure-")
weak = len(SECRET_KEY) < MIN_SECRET_KEY_LENGTH or len(set(SECRET_KEY)) < 5
if weak or SECRET_KEY.startswith(INSECURE_PREFIXES):
    raise ImproperlyConfigured(
        f"DJANGO_SECRET_KEY must be a random string of at least {MIN_SECRET_KEY_LENGTH} characters, e.g. "
        "python3 -c 'import secrets; print(secrets.token_urlsafe(50))'"
    )
# Tokens are signed with HS256: a separate JWT_SIGNING_KEY, when given, must be as strong as the secret key.
signing_key = SIMPLE_JWT["SIGNING_KEY"]
if len(signing_key) < MIN_SECRET_KEY_LENGTH or signing_key.startswith(INSECURE_PREFIXES):
    raise ImproperlyConfigured(
        f"JWT_SIGNING_KEY must be a random string of at least {MIN_SECRET_KEY_LENGTH} characters"
    )

# The metrics token guards what an outsider must not read (bid volumes, who is connected): no short one.
METRICS_TOKEN = env.str("METRICS_TOKEN", default="")
MIN_METRICS_TOKEN_LENGTH = 32
if METRICS_TOKEN and len(METRICS_TOKEN) < MIN_METRICS_TOKEN_LENGTH:
    raise ImproperlyConfigured(
        f"METRICS_TOKEN must be a random string of at least {MIN_METRICS_TOKEN_LENGTH} characters, e.g. "
        "python3 -c 'import secrets; print(secrets.token_urlsafe(32))'"
    )

ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS")
if not ALLOWED_HOSTS:
    raise ImproperlyConfigured("DJANGO_ALLOWED_HOSTS must name the host(s) the site is served on")
DEBUG = False

# JSON lines for the log collector unless told otherwise (LOG_FORMAT=text).
LOG_FORMAT = env_choice("LOG_FORMAT", "json", FORMATS)
LOGGING = logging_config(LOG_LEVEL, LOG_FORMAT)

# TLS ends at the proxy in front of daphne; it must set X-Forwarded-Proto and overwrite any the client sent.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_strict_bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # load balancers probe over plain HTTP
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True

# seed_demo would reset any 'admin' account to a public password.
DEMO_DATA_ALLOWED = False

EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = env.str("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="noreply@example.com")
