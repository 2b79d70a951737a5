"""Settings come from the environment and a bad value stops the start-up, loudly, naming what is wrong.

Each case starts a fresh interpreter with a clean environment (the suite's own settings module sets some
variables in this process), so what is tested is exactly what daphne, Celery or manage.py would see.
"""

import json
import os
import secrets
import subprocess
import sys

import pytest
from django.conf import settings

SETUP = "import django; django.setup(); from django.conf import settings; print('DEBUG', settings.DEBUG)"
STRONG_KEY = secrets.token_urlsafe(50)


def _run(args: list[str], env: dict[str, str], settings_module: str = "config.settings.local"):
    clean = {key: os.environ[key] for key in ("PATH", "HOME", "LANG", "TZ") if key in os.environ}
    return subprocess.run(
        args,
        env={**clean, "DJANGO_SETTINGS_MODULE": settings_module, **env},
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=120,
    )


def _start(env: dict[str, str], settings_module: str = "config.settings.local"):
    return _run([sys.executable, "-c", SETUP], env, settings_module)


def _production(**env: str) -> dict[str, str]:
    return {"DJANGO_SECRET_KEY": STRONG_KEY, "DJANGO_ALLOWED_HOSTS": "sale.example.jp", **env}


def test_nothing_set_starts_with_the_embedded_defaults():
    result = _start({})
    assert result.returncode == 0, result.stderr[-2000:]
    assert "DEBUG True" in result.stdout


BAD_VALUES = {
    "rate_not_a_rate": ("API_RATE_LIMIT", "lots"),
    "rate_unknown_period": ("API_RATE_LIMIT", "100/fortnight"),
    "rate_of_zero": ("API_RATE_LIMIT", "0/min"),
    "bid_rate_negative": ("BID_RATE_LIMIT_PER_MINUTE", "-1"),
    "bid_rate_zero": ("BID_RATE_LIMIT_PER_MINUTE", "0"),
    "bid_rate_not_a_number": ("BID_RATE_LIMIT_PER_MINUTE", "ten"),
    "max_jump_float": ("BID_MAX_JUMP", "1e9"),
    "token_lifetime_with_unit": ("JWT_ACCESS_SECONDS", "15min"),
    "ws_message_size_zero": ("WS_MAX_MESSAGE_BYTES", "0"),
    "redis_url_not_redis": ("REDIS_URL", "http://x"),
    "debug_not_a_bool": ("DJANGO_DEBUG", "maybe"),
    "approval_not_a_bool": ("BIDDER_APPROVAL_REQUIRED", "maybe"),
    "proxies_negative": ("NUM_PROXIES", "-1"),
    "proxies_not_a_number": ("NUM_PROXIES", "two"),
    "database_url_nonsense": ("DATABASE_URL", "nonsense"),
    "log_level_unknown": ("LOG_LEVEL", "LOUD"),
    "metrics_network_not_a_network": ("METRICS_ALLOWED_NETWORKS", "10.0.0.0/8,intranet"),
    "worker_metrics_port_negative": ("WORKER_METRICS_PORT", "-1"),
    "log_format_unknown": ("LOG_FORMAT", "xml"),
    "login_limit_zero": ("LOGIN_FAILURE_LIMIT", "0"),
    "login_limit_not_a_number": ("LOGIN_FAILURE_LIMIT", "ten"),
    "login_cool_off_negative": ("LOGIN_COOLOFF_MINUTES", "-5"),
}


@pytest.mark.parametrize(("name", "value"), BAD_VALUES.values(), ids=BAD_VALUES.keys())
def test_bad_value_stops_the_start_up_naming_it(name, value):
    result = _start({name: value})
    assert result.returncode != 0, f"{name}={value!r} was accepted:\n{result.stdout}"
    assert "ImproperlyConfigured" in result.stderr or "ValueError" in result.stderr, result.stderr[-2000:]
    assert name in result.stderr or repr(value) in result.stderr, result.stderr[-2000:]


def test_bad_database_setting_stops_the_start_up_with_postgresql():
    result = _start({"DATABASE_URL": "postgres://u@127.0.0.1:5432/x", "DATABASE_POOL_MAX_SIZE": "lots"})
    assert result.returncode != 0
    assert "ValueError" in result.stderr or "ImproperlyConfigured" in result.stderr


# --- production ---------------------------------------------------------------------------------------------


def test_deploy_checks_are_clean_under_production_settings():
    result = _run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        _production(),
        "config.settings.production",
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "System check identified no issues" in result.stdout


def test_production_debug_is_off_whatever_the_environment_says():
    result = _start(_production(DJANGO_DEBUG="true"), "config.settings.production")
    assert result.returncode == 0, result.stderr[-2000:]
    assert "DEBUG False" in result.stdout


def test_production_logs_json_lines_and_local_readable_text():
    probe = "import django; django.setup(); import logging; logging.getLogger('probe').warning('lot %s closed', 7)"
    result = _run([sys.executable, "-c", probe], _production(), "config.settings.production")
    assert result.returncode == 0, result.stderr[-2000:]
    line = json.loads(result.stderr.strip().splitlines()[-1])
    assert (line["level"], line["logger"], line["message"]) == ("WARNING", "probe", "lot 7 closed")
    assert {"time", "request_id", "user_id", "auction_id"} <= line.keys()
    result = _run([sys.executable, "-c", probe], {})
    assert result.stderr.strip().splitlines()[-1].endswith("WARNING probe lot 7 closed")


def test_production_refuses_an_unknown_log_format_too():
    result = _start(_production(LOG_FORMAT="yaml"), "config.settings.production")
    assert result.returncode != 0
    assert "LOG_FORMAT" in result.stderr


def test_production_without_a_secret_key_refuses_to_start():
    env = _production()
    del env["DJANGO_SECRET_KEY"]
    result = _start(env, "config.settings.production")
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "DJANGO_SECRET_KEY" in result.stderr


WEAK_KEYS = {
    "short": "s3cret",
    "the_development_default": "insecure-dev-key-change-me-" + "x" * 32,
    "djangos_startproject_default": "django-insecure-" + secrets.token_urlsafe(40),
    "one_character_repeated": "a" * 64,
}


@pytest.mark.parametrize("key", WEAK_KEYS.values(), ids=WEAK_KEYS.keys())
def test_production_with_a_weak_secret_key_refuses_to_start(key):
    result = _start(_production(DJANGO_SECRET_KEY=key), "config.settings.production")
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


def test_production_with_a_short_metrics_token_refuses_to_start():
    result = _start(_production(METRICS_TOKEN="metrics"), "config.settings.production")
    assert result.returncode != 0
    assert "METRICS_TOKEN" in result.stderr


def test_production_with_a_weak_jwt_signing_key_refuses_to_start():
    result = _start(_production(JWT_SIGNING_KEY="short"), "config.settings.production")
    assert result.returncode != 0
    assert "JWT_SIGNING_KEY" in result.stderr


@pytest.mark.parametrize("hosts", [None, ""], ids=["unset", "empty"])
def test_production_without_allowed_hosts_refuses_to_start(hosts):
    env = _production()
    if hosts is None:
        del env["DJANGO_ALLOWED_HOSTS"]
    else:
        env["DJANGO_ALLOWED_HOSTS"] = hosts
    result = _start(env, "config.settings.production")
    assert result.returncode != 0
    assert "DJANGO_ALLOWED_HOSTS" in result.stderr


def test_production_with_a_non_boolean_ssl_redirect_refuses_to_start():
    result = _start(_production(DJANGO_SECURE_SSL_REDIRECT="sometimes"), "config.settings.production")
    assert result.returncode != 0
    assert "DJANGO_SECURE_SSL_REDIRECT" in result.stderr
