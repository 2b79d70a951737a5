"""API requests are limited per client address (API_RATE_LIMIT, 100/min by default), counted in Redis.

DRF binds SimpleRateThrottle.THROTTLE_RATES from the settings when the class is defined, so overriding
REST_FRAMEWORK in a test would not change the rate: the tests patch the class attribute instead.
"""

import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.core.cache import cache
from django_redis import get_redis_connection
from rest_framework.test import APIClient

from config.settings.base import REST_FRAMEWORK as BASE_REST_FRAMEWORK
from config.throttling import ClientAddressRateThrottle

pytestmark = pytest.mark.django_db

LIMIT = 3
# An endpoint open to anyone that runs the throttle before answering (a failed sign-in is still a request).
PATH = "/api/auth/token/"
BODY = {"username": "nobody", "password": "wrong-password"}


@pytest.fixture(autouse=True)
def small_rate(monkeypatch):
    monkeypatch.setattr(ClientAddressRateThrottle, "THROTTLE_RATES", {"client_address": f"{LIMIT}/min"})


def _hit(client: APIClient, times: int, **extra) -> list:
    return [client.post(PATH, BODY, format="json", **extra) for _ in range(times)]


def test_requests_over_the_limit_get_429_with_a_code_and_retry_after():
    # Given a client that has used up its allowance
    client = APIClient()
    allowed = _hit(client, LIMIT)
    assert [r.status_code for r in allowed] == [401] * LIMIT

    # When it sends one more request
    refused = client.post(PATH, BODY, format="json")

    # Then it is throttled, told so in JSON, and told when to come back
    assert refused.status_code == 429
    body = refused.json()
    assert body["code"] == "throttled"
    assert body["detail"]
    retry_after = int(refused["Retry-After"])
    assert 0 < retry_after <= 60


def test_throttled_detail_is_translated_but_the_code_is_not():
    client = APIClient()
    _hit(client, LIMIT)
    ja = client.post(PATH, BODY, format="json", HTTP_ACCEPT_LANGUAGE="ja").json()
    en = client.post(PATH, BODY, format="json", HTTP_ACCEPT_LANGUAGE="en").json()
    assert ja["code"] == en["code"] == "throttled"
    assert ja["detail"].startswith("リクエストが多すぎます。") and "秒後に再度お試しください。" in ja["detail"]
    assert en["detail"].startswith("Request was throttled. Expected available in")


def test_each_client_address_has_its_own_allowance():
    client = APIClient()
    _hit(client, LIMIT, REMOTE_ADDR="192.0.2.10")
    assert client.post(PATH, BODY, format="json", REMOTE_ADDR="192.0.2.10").status_code == 429
    # Another address is not affected
    assert client.post(PATH, BODY, format="json", REMOTE_ADDR="192.0.2.11").status_code == 401


def test_a_forged_forwarded_for_header_does_not_reset_the_allowance():
    """With NUM_PROXIES=0 (no trusted proxy) X-Forwarded-For is ignored, so a client cannot pose as many."""
    client = APIClient()
    _hit(client, LIMIT, REMOTE_ADDR="192.0.2.20")
    again = client.post(PATH, BODY, format="json", REMOTE_ADDR="192.0.2.20", HTTP_X_FORWARDED_FOR="198.51.100.7")
    assert again.status_code == 429


def test_behind_a_trusted_proxy_the_forwarded_address_is_the_client(settings):
    settings.REST_FRAMEWORK = {**BASE_REST_FRAMEWORK, **settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    client = APIClient()
    proxy = {"REMOTE_ADDR": "10.0.0.1"}
    _hit(client, LIMIT, HTTP_X_FORWARDED_FOR="203.0.113.5", **proxy)
    assert client.post(PATH, BODY, format="json", HTTP_X_FORWARDED_FOR="203.0.113.5", **proxy).status_code == 429
    # Another client behind the same proxy still gets through
    assert client.post(PATH, BODY, format="json", HTTP_X_FORWARDED_FOR="203.0.113.6", **proxy).status_code == 401


def test_counters_live_in_redis_with_an_expiry():
    # Given two requests from one address
    client = APIClient()
    _hit(client, 2, REMOTE_ADDR="192.0.2.30")

    # Then Redis (the shared cache every server process uses) holds the counter, expiring within the window
    redis = get_redis_connection("default")
    keys = redis.keys("*throttle_client_address_192.0.2.30")
    assert len(keys) == 1
    assert 0 < redis.ttl(keys[0]) <= 60
    assert len(cache.get("throttle_client_address_192.0.2.30")) == 2


def test_clearing_redis_resets_the_allowance():
    """The count is not kept in the process: another server process sharing Redis sees the same state."""
    client = APIClient()
    _hit(client, LIMIT, REMOTE_ADDR="192.0.2.40")
    assert client.post(PATH, BODY, format="json", REMOTE_ADDR="192.0.2.40").status_code == 429
    get_redis_connection("default").flushdb()
    assert client.post(PATH, BODY, format="json", REMOTE_ADDR="192.0.2.40").status_code == 401


def test_the_default_rate_is_100_a_minute_per_address():
    """Read in a fresh interpreter: the test settings raise the limit for the rest of the suite."""
    env = {k: v for k, v in os.environ.items() if k != "API_RATE_LIMIT"}
    script = (
        "from config.settings import base; rf = base.REST_FRAMEWORK; "
        "print(rf['DEFAULT_THROTTLE_RATES']['client_address'], *rf['DEFAULT_THROTTLE_CLASSES'])"
    )
    out = subprocess.run(
        [sys.executable, "-c", script],
        env=env,
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.split() == ["100/min", "config.throttling.ClientAddressRateThrottle"]
