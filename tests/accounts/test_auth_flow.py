"""Register → token → me; refresh rotation; logout blacklists."""

import pytest

from accounts.models import User
from tests.accounts.registration import registration

pytestmark = pytest.mark.django_db

NEW_BIDDER = registration()


def test_register_then_token_then_me(api):
    # Given a newcomer registers
    registered = api.post("/api/auth/register/", NEW_BIDDER, format="json")
    assert registered.status_code == 201, registered.json()
    assert registered.json()["user"]["role"] == "bidder"
    assert registered.json()["user"]["paddle_number"] >= 101
    assert "password" not in registered.json()["user"]

    # When they sign in with the same credentials
    tokens = api.post("/api/auth/token/", {"username": "hanako", "password": NEW_BIDDER["password"]}, format="json")
    assert tokens.status_code == 200
    assert set(tokens.json()) == {"access", "refresh"}

    # Then `me` describes them
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens.json()['access']}")
    me = api.get("/api/auth/me/")
    assert me.status_code == 200
    assert me.json()["username"] == "hanako"
    assert me.json()["role"] == "bidder"
    # Not yet: the e-mail address is to be confirmed and an organizer to approve (tests/accounts/test_vetting.py)
    assert me.json()["is_approved_to_bid"] is False
    assert me.json()["vetting_status"] == "email_unconfirmed"


def test_tokens_returned_by_registration_work(api):
    registered = api.post("/api/auth/register/", NEW_BIDDER, format="json").json()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {registered['access']}")
    assert api.get("/api/auth/me/").json()["username"] == "hanako"


def test_registered_bidders_get_distinct_paddle_numbers(api):
    first = api.post("/api/auth/register/", NEW_BIDDER, format="json").json()["user"]
    second = api.post(
        "/api/auth/register/", {**NEW_BIDDER, "username": "taro", "email": "taro@example.jp"}, format="json"
    ).json()["user"]
    assert first["paddle_number"] != second["paddle_number"]


def test_registration_awaits_approval(api):
    registered = api.post("/api/auth/register/", NEW_BIDDER, format="json")
    assert registered.json()["user"]["is_approved_to_bid"] is False


def test_registration_never_grants_an_organizer_role(api):
    api.post("/api/auth/register/", {**NEW_BIDDER, "role": "admin", "is_staff": True}, format="json")
    user = User.objects.get(username="hanako")
    assert user.role == "bidder"
    assert not user.is_staff


def test_refresh_rotates_and_the_old_refresh_token_is_refused(api, bidder):
    tokens = api.post("/api/auth/token/", {"username": bidder.username, "password": _pw()}, format="json").json()

    rotated = api.post("/api/auth/token/refresh/", {"refresh": tokens["refresh"]}, format="json")
    assert rotated.status_code == 200
    assert rotated.json()["refresh"] != tokens["refresh"]

    replayed = api.post("/api/auth/token/refresh/", {"refresh": tokens["refresh"]}, format="json")
    assert replayed.status_code == 401
    assert replayed.json()["code"] == "token_not_valid"

    # The new refresh token still works.
    again = api.post("/api/auth/token/refresh/", {"refresh": rotated.json()["refresh"]}, format="json")
    assert again.status_code == 200


def test_logout_blacklists_the_refresh_token(api, bidder):
    tokens = api.post("/api/auth/token/", {"username": bidder.username, "password": _pw()}, format="json").json()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens['access']}")

    logout = api.post("/api/auth/logout/", {"refresh": tokens["refresh"]}, format="json")
    assert logout.status_code == 205

    refused = api.post("/api/auth/token/refresh/", {"refresh": tokens["refresh"]}, format="json")
    assert refused.status_code == 401
    assert refused.json()["code"] == "token_not_valid"


def test_logout_refuses_someone_elses_refresh_token(api, bidder, viewer):
    others = api.post("/api/auth/token/", {"username": viewer.username, "password": _pw()}, format="json").json()
    mine = api.post("/api/auth/token/", {"username": bidder.username, "password": _pw()}, format="json").json()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {mine['access']}")
    response = api.post("/api/auth/logout/", {"refresh": others["refresh"]}, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "token_not_valid"


def test_wrong_password_is_refused_with_a_code(api, bidder):
    response = api.post("/api/auth/token/", {"username": bidder.username, "password": "nope"}, format="json")
    assert response.status_code == 401
    assert response.json()["code"] == "no_active_account"


def test_access_token_carries_the_role(api, auctioneer):
    from rest_framework_simplejwt.tokens import AccessToken

    tokens = api.post("/api/auth/token/", {"username": auctioneer.username, "password": _pw()}, format="json").json()
    assert AccessToken(tokens["access"])["role"] == "auctioneer"


def _pw():
    from tests.accounts.factories import PASSWORD

    return PASSWORD
