"""Signing in is throttled per account and per client address (django-axes), for the API token endpoint and the
Django admin alike: past the limit even the right password is refused until the cool-off has passed, with a 429,
`Retry-After`, and the same words whether the account exists or not.

The limit here is small (LIMIT); the platform's default comes from LOGIN_FAILURE_LIMIT (see the last tests).
"""

import os
import subprocess
import sys
from datetime import timedelta

import pytest
from django.conf import settings as django_settings
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from tests.accounts.factories import PASSWORD

pytestmark = pytest.mark.django_db

LIMIT = 3
COOL_OFF = timedelta(minutes=7)
TOKEN = "/api/auth/token/"


@pytest.fixture(autouse=True)
def small_limit(settings):
    settings.AXES_FAILURE_LIMIT = LIMIT
    settings.AXES_COOLOFF_TIME = COOL_OFF


def _sign_in(username: str, password: str, address: str = "192.0.2.1", **extra):
    return APIClient().post(TOKEN, {"username": username, "password": password}, format="json", REMOTE_ADDR=address)


def _fail(username: str, times: int, address: str = "192.0.2.1") -> list[int]:
    return [_sign_in(username, "wrong-password", address).status_code for _ in range(times)]


def _assert_throttled(response) -> dict:
    assert response.status_code == 429, response.content[:300]
    body = response.json()
    assert body["code"] == "login_throttled"
    assert body["detail"]
    assert int(response["Retry-After"]) == COOL_OFF.total_seconds()
    return body


# --- the API -----------------------------------------------------------------------------------------------


def test_wrong_passwords_below_the_limit_are_ordinary_refusals(bidder):
    assert _fail(bidder.username, LIMIT - 1) == [401] * (LIMIT - 1)
    assert _sign_in(bidder.username, PASSWORD).status_code == 200


def test_past_the_limit_even_the_right_password_is_refused_with_429(bidder):
    # Given someone guessed wrong LIMIT times for the bidder's account
    statuses = _fail(bidder.username, LIMIT)
    assert statuses[:-1] == [401] * (LIMIT - 1)

    # When the right password arrives, it is refused too, saying when to come back
    _assert_throttled(_sign_in(bidder.username, PASSWORD))


def test_the_limit_counts_per_account_whatever_the_address(bidder):
    # Given wrong guesses for one account from many addresses (a botnet)
    for n in range(LIMIT):
        _fail(bidder.username, 1, address=f"198.51.100.{n + 1}")

    # Then the account is closed to a fresh address as well
    _assert_throttled(_sign_in(bidder.username, PASSWORD, address="203.0.113.99"))


def test_the_limit_counts_per_address_whatever_the_account(bidder, rival):
    # Given one address guessing at many accounts, once each (password spraying)
    for n in range(LIMIT):
        _fail(f"someone{n}", 1, address="192.0.2.50")

    # Then that address may not sign in to any account, while another address still may
    _assert_throttled(_sign_in(rival.username, PASSWORD, address="192.0.2.50"))
    assert _sign_in(rival.username, PASSWORD, address="192.0.2.51").status_code == 200


def test_the_refusal_does_not_tell_whether_the_account_exists(bidder):
    _fail(bidder.username, LIMIT, address="192.0.2.60")
    _fail("nobody-by-this-name", LIMIT, address="192.0.2.61")
    known = _assert_throttled(_sign_in(bidder.username, PASSWORD, address="192.0.2.60"))
    unknown = _assert_throttled(_sign_in("nobody-by-this-name", PASSWORD, address="192.0.2.61"))
    assert known == unknown
    assert bidder.username not in known["detail"]


def test_the_refusal_speaks_the_callers_language(bidder):
    _fail(bidder.username, LIMIT)
    ja = APIClient().post(TOKEN, {"username": bidder.username, "password": PASSWORD}, HTTP_ACCEPT_LANGUAGE="ja")
    en = APIClient().post(TOKEN, {"username": bidder.username, "password": PASSWORD}, HTTP_ACCEPT_LANGUAGE="en")
    assert ja.json()["code"] == en.json()["code"] == "login_throttled"
    assert ja.json()["detail"] != en.json()["detail"]
    assert "15" not in en.json()["detail"] or "minutes" in en.json()["detail"]


def test_after_the_cool_off_the_account_may_sign_in_again(bidder):
    from axes.models import AccessAttempt

    _fail(bidder.username, LIMIT)
    _assert_throttled(_sign_in(bidder.username, PASSWORD))

    # When the cool-off has passed since the last attempt
    AccessAttempt.objects.update(attempt_time=timezone.now() - COOL_OFF - timedelta(seconds=1))

    # Then the right password works again
    assert _sign_in(bidder.username, PASSWORD).status_code == 200


def test_behind_a_trusted_proxy_the_forwarded_address_is_counted(settings, bidder, rival):
    from config.settings.base import REST_FRAMEWORK

    settings.REST_FRAMEWORK = {**REST_FRAMEWORK, **settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    proxy = {"REMOTE_ADDR": "10.0.0.1"}
    for n in range(LIMIT):
        APIClient().post(
            TOKEN,
            {"username": f"x{n}", "password": "wrong"},
            format="json",
            HTTP_X_FORWARDED_FOR="203.0.113.7",
            **proxy,
        )
    # The client behind the proxy is locked out; another client behind the same proxy is not
    locked = APIClient().post(
        TOKEN, {"username": rival.username, "password": PASSWORD}, HTTP_X_FORWARDED_FOR="203.0.113.7", **proxy
    )
    _assert_throttled(locked)
    other = APIClient().post(
        TOKEN, {"username": rival.username, "password": PASSWORD}, HTTP_X_FORWARDED_FOR="203.0.113.8", **proxy
    )
    assert other.status_code == 200


# --- the Django admin -------------------------------------------------------------------------------------------


def _admin_sign_in(client: Client, username: str, password: str, address: str = "192.0.2.80"):
    return client.post("/admin/login/?next=/admin/", {"username": username, "password": password}, REMOTE_ADDR=address)


def test_the_admin_login_refuses_the_right_password_past_the_limit(admin_user):
    client = Client()
    for _ in range(LIMIT - 1):
        assert _admin_sign_in(client, admin_user.username, "wrong-password").status_code == 200  # the form again
    _admin_sign_in(client, admin_user.username, "wrong-password")

    refused = _admin_sign_in(client, admin_user.username, PASSWORD)

    assert refused.status_code == 429
    assert int(refused["Retry-After"]) == COOL_OFF.total_seconds()
    assert "_auth_user_id" not in client.session
    assert client.get("/admin/").status_code == 302  # still sent to the login page


def test_the_admin_refusal_does_not_tell_whether_the_account_exists(admin_user):
    for _ in range(LIMIT):
        _admin_sign_in(Client(), admin_user.username, "wrong", address="192.0.2.81")
        _admin_sign_in(Client(), "no-such-admin", "wrong", address="192.0.2.82")
    known = _admin_sign_in(Client(), admin_user.username, PASSWORD, address="192.0.2.81")
    unknown = _admin_sign_in(Client(), "no-such-admin", PASSWORD, address="192.0.2.82")
    assert known.status_code == unknown.status_code == 429
    assert known.content == unknown.content
    assert admin_user.username.encode() not in known.content


def test_api_and_admin_share_one_count(admin_user):
    _fail(admin_user.username, LIMIT, address="192.0.2.90")
    assert _admin_sign_in(Client(), admin_user.username, PASSWORD, address="192.0.2.91").status_code == 429


# --- configuration --------------------------------------------------------------------------------------------


def _base_settings(**env: str) -> list[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("LOGIN_")}
    script = (
        "from config.settings import base; "
        "print(base.AXES_FAILURE_LIMIT, int(base.AXES_COOLOFF_TIME.total_seconds()), base.AXES_LOCKOUT_PARAMETERS)"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        env={**clean, **env},
        cwd=django_settings.BASE_DIR,
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout.split(maxsplit=2)


def test_the_default_limit_is_10_failures_then_15_minutes_per_account_and_per_address():
    assert _base_settings() == ["10", "900", "['username', 'ip_address']\n"]


def test_the_limit_and_cool_off_come_from_the_environment():
    assert _base_settings(LOGIN_FAILURE_LIMIT="4", LOGIN_COOLOFF_MINUTES="30")[:2] == ["4", "1800"]
