"""PATCH /api/auth/me/ and POST /api/auth/password/: a user changes their own e-mail, language and password."""

import pytest

from tests.accounts.factories import PASSWORD
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


def test_a_user_changes_their_email_and_language(bidder, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(bidder).patch(
            "/api/auth/me/", {"email": "bob@example.jp", "language": "en"}, format="json"
        )

    assert response.status_code == 200, response.json()
    assert (response.json()["email"], response.json()["language"]) == ("bob@example.jp", "en")
    bidder.refresh_from_db()
    assert (bidder.email, bidder.language) == ("bob@example.jp", "en")
    # The new address is unconfirmed until the link sent to it is followed; approval to bid stays.
    assert bidder.email_confirmed_at is None and bidder.is_approved_to_bid
    assert [message.to for message in mailoutbox] == [["bob@example.jp"]]


def test_an_address_someone_else_has_is_refused(bidder, rival):
    response = client_for(bidder).patch("/api/auth/me/", {"email": rival.email.upper()}, format="json")
    assert (response.status_code, response.json()["code"]) == (409, "email_taken")


@pytest.mark.parametrize(
    "body",
    [{"email": "not-an-address"}, {"language": "fr"}, {"email": 12}],
)
def test_a_bad_profile_change_is_refused_with_a_code_and_changes_nothing(bidder, body):
    before = (bidder.email, bidder.language)
    response = client_for(bidder).patch("/api/auth/me/", body, format="json")
    assert response.status_code == 400 and response.json()["code"]
    bidder.refresh_from_db()
    assert (bidder.email, bidder.language) == before


def test_nothing_else_about_the_account_can_be_changed_this_way(bidder):
    response = client_for(bidder).patch(
        "/api/auth/me/", {"role": "admin", "credit_limit": None, "is_approved_to_bid": True}, format="json"
    )
    assert response.status_code == 200
    bidder.refresh_from_db()
    assert bidder.role == "bidder"


def test_a_password_is_changed_given_the_current_one(bidder, api):
    client = client_for(bidder)
    wrong = client.post(
        "/api/auth/password/", {"current_password": "nope", "new_password": "a-new-long-phrase-42"}, format="json"
    )
    weak = client.post("/api/auth/password/", {"current_password": PASSWORD, "new_password": "123"}, format="json")
    done = client.post(
        "/api/auth/password/", {"current_password": PASSWORD, "new_password": "a-new-long-phrase-42"}, format="json"
    )

    assert (wrong.status_code, wrong.json()["code"]) == (400, "wrong_password")
    assert (weak.status_code, weak.json()["code"]) == (400, "weak_password")
    assert done.status_code == 204
    signed_in = api.post("/api/auth/token/", {"username": bidder.username, "password": "a-new-long-phrase-42"})
    assert signed_in.status_code == 200
    assert api.post("/api/auth/token/", {"username": bidder.username, "password": PASSWORD}).status_code == 401


def test_anonymous_cannot_change_anything(api):
    assert api.patch("/api/auth/me/", {"language": "en"}, format="json").status_code == 401
    assert api.post("/api/auth/password/", {}, format="json").status_code == 401
