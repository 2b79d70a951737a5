"""Bidder vetting: who registers, what they agree to, proving the e-mail address, and an organizer's approval with a
credit limit before the first bid.

Cast: a newcomer who registers through the API (hanako), the fixed cast of tests/conftest.py for the rest.
"""

import os
import re
import subprocess
import sys
import uuid

import pytest
from django.conf import settings as django_settings
from django.core import mail, signing
from django.db import IntegrityError, transaction
from django.test import Client
from django.utils import timezone

from accounts.models import User
from tests.accounts.factories import BidderFactory, UserFactory
from tests.accounts.registration import registration
from tests.conftest import client_for

pytestmark = pytest.mark.django_db

REGISTER = "/api/auth/register/"
CONFIRM = "/api/auth/confirm-email/"


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Runs what the request left for after its commit (the confirmation e-mail) as the request ends."""

    def run(call):
        with django_capture_on_commit_callbacks(execute=True):
            return call()

    return run


@pytest.fixture
def register(api, committed):
    return lambda **overrides: committed(lambda: api.post(REGISTER, registration(**overrides), format="json"))


def _confirmation_token(message) -> str:
    match = re.search(r"confirm_email=([\w:.\-]+)", message.body)
    assert match, message.body
    return match.group(1)


# --- the setting --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("module", ["config.settings.base", "config.settings.local", "config.settings.production"])
def test_approval_is_required_by_default_in_every_environment(module):
    env = {k: v for k, v in os.environ.items() if k not in ("BIDDER_APPROVAL_REQUIRED", "DJANGO_SETTINGS_MODULE")}
    env.update(DJANGO_SECRET_KEY="k" + uuid.uuid4().hex * 2, DJANGO_ALLOWED_HOSTS="sale.example.jp")
    script = f"import {module} as s; print(s.BIDDER_APPROVAL_REQUIRED)"
    result = subprocess.run(
        [sys.executable, "-c", script], env=env, cwd=django_settings.BASE_DIR, capture_output=True, text=True
    )
    assert result.stdout.strip() == "True", result.stderr[-1500:]


def test_the_suite_runs_with_approval_required():
    assert django_settings.BIDDER_APPROVAL_REQUIRED is True


# --- what registration asks for -----------------------------------------------------------------------------------


def test_registration_stores_the_bidders_particulars_and_the_conditions_they_accepted(register):
    before = timezone.now()
    response = register()
    assert response.status_code == 201, response.json()

    user = User.objects.get(username="hanako")
    assert (user.full_name, user.full_name_kana) == ("佐藤 花子", "サトウ ハナコ")
    assert (user.phone, user.address) == ("03-1234-5678", "東京都港区芝公園4-2-8")
    assert user.conditions_version == django_settings.CONDITIONS_OF_SALE_VERSION
    assert before <= user.conditions_accepted_at <= timezone.now()
    assert user.email_confirmed_at is None
    assert user.is_approved_to_bid is False
    assert user.credit_limit is None


@pytest.mark.parametrize("field", ["full_name", "full_name_kana", "phone", "address", "conditions_version", "email"])
def test_each_particular_is_required(api, field):
    body = registration()
    del body[field]
    response = api.post(REGISTER, body, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "required"
    assert field in response.json()["errors"]
    assert not User.objects.exists()


@pytest.mark.parametrize("field", ["full_name", "full_name_kana", "phone", "address"])
def test_a_blank_particular_is_refused(field, register):
    response = register(**{field: "   "})
    assert response.status_code == 400
    assert field in response.json()["errors"]


@pytest.mark.parametrize("kana", ["佐藤 花子", "Sato Hanako", "サトウ1", "<script>"])
def test_the_kana_reading_must_be_kana(kana, register):
    response = register(full_name_kana=kana)
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_kana"


@pytest.mark.parametrize("kana", ["サトウ ハナコ", "さとう はなこ", "サトウ　ハナコ", "ヴァン・デル・ヴェーン"])
def test_katakana_hiragana_and_the_usual_marks_are_kana(kana, register):
    assert register(full_name_kana=kana).status_code == 201


@pytest.mark.parametrize("phone", ["12", "call me", "03-1234-5678-9999-0000-1", "+81 3 1234 5678 ext"])
def test_the_phone_number_must_look_like_one(phone, register):
    response = register(phone=phone)
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_phone"


@pytest.mark.parametrize("phone", ["03-1234-5678", "090 1234 5678", "+81-90-1234-5678", "(03) 1234-5678"])
def test_usual_phone_numbers_are_accepted(phone, register):
    assert register(phone=phone).status_code == 201


@pytest.mark.parametrize("version", ["", "1999-01", "latest"])
def test_only_the_current_conditions_of_sale_can_be_accepted(version, register):
    response = register(conditions_version=version)
    assert response.status_code == 400
    assert response.json()["code"] == "conditions_not_accepted"
    assert not User.objects.exists()


def test_the_conditions_of_sale_are_published_with_their_version(api):
    ja = api.get("/api/auth/conditions/", HTTP_ACCEPT_LANGUAGE="ja").json()
    en = api.get("/api/auth/conditions/", HTTP_ACCEPT_LANGUAGE="en").json()
    assert ja["version"] == en["version"] == django_settings.CONDITIONS_OF_SALE_VERSION
    assert "落札" in ja["text"]
    assert "hammer" in en["text"]


# --- one account per e-mail address -------------------------------------------------------------------------------


@pytest.mark.parametrize("email", ["hanako@example.jp", "Hanako@Example.JP", "HANAKO@EXAMPLE.JP"])
def test_an_email_address_already_registered_is_refused_whatever_its_case(email, register):
    UserFactory(username="first", email="hanako@example.jp")
    response = register(email=email)
    assert response.status_code == 400
    assert response.json()["code"] == "email_taken"
    assert User.objects.count() == 1


def test_the_database_refuses_a_second_account_with_the_same_address_whatever_its_case():
    UserFactory(username="first", email="hanako@example.jp")
    with pytest.raises(IntegrityError), transaction.atomic():
        UserFactory(username="second", email="HANAKO@example.jp")


def test_accounts_without_an_email_address_do_not_collide():
    UserFactory(username="first", email="")
    UserFactory(username="second", email="")
    assert User.objects.count() == 2


# --- proving the e-mail address -------------------------------------------------------------------------------------


def test_registration_sends_a_confirmation_link_in_the_bidders_language(register):
    register(language="en", username="james", email="james@example.com")
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["james@example.com"]
    assert "confirm" in message.subject.lower()
    assert f"{django_settings.SITE_URL}/auctions?confirm_email=" in message.body

    register()
    assert "確認" in mail.outbox[1].subject


def test_the_confirmation_link_confirms_the_address(api, register):
    register()
    token = _confirmation_token(mail.outbox[0])

    response = api.post(CONFIRM, {"token": token}, format="json")

    assert response.status_code == 200, response.json()
    assert response.json()["email_confirmed"] is True
    assert User.objects.get(username="hanako").email_confirmed_at is not None


def test_confirming_twice_is_harmless(api, register):
    register()
    token = _confirmation_token(mail.outbox[0])
    api.post(CONFIRM, {"token": token}, format="json")
    first = User.objects.get(username="hanako").email_confirmed_at
    assert api.post(CONFIRM, {"token": token}, format="json").status_code == 200
    assert User.objects.get(username="hanako").email_confirmed_at == first


@pytest.mark.parametrize("token", ["", "garbage", "1:abc:def", "x" * 300])
def test_a_forged_or_garbled_token_is_refused(token, api, register):
    register()
    response = api.post(CONFIRM, {"token": token}, format="json")
    assert response.status_code == 400
    assert response.json()["code"] in ("confirmation_invalid", "required", "blank", "max_length")
    assert User.objects.get(username="hanako").email_confirmed_at is None


def test_a_token_signed_with_another_key_is_refused(api, register):
    register()
    user = User.objects.get(username="hanako")
    forged = signing.TimestampSigner(key="not-the-key-" + "x" * 40, salt="accounts.email-confirmation").sign_object(
        {"user": user.pk, "email": user.email}
    )
    response = api.post(CONFIRM, {"token": forged}, format="json")
    assert response.json()["code"] == "confirmation_invalid"


def test_an_expired_token_is_refused_and_says_so(settings, monkeypatch, api, register):
    settings.EMAIL_CONFIRMATION_MAX_AGE_SECONDS = 3600
    register()
    token = _confirmation_token(mail.outbox[0])
    real_time = signing.time.time
    monkeypatch.setattr(signing.time, "time", lambda: real_time() + 3601)

    response = api.post(CONFIRM, {"token": token}, format="json")

    assert response.status_code == 400
    assert response.json()["code"] == "confirmation_expired"


def test_a_token_for_an_address_since_changed_is_refused(api, register):
    register()
    token = _confirmation_token(mail.outbox[0])
    User.objects.filter(username="hanako").update(email="other@example.jp")
    assert api.post(CONFIRM, {"token": token}, format="json").json()["code"] == "confirmation_invalid"


def test_a_signed_in_bidder_may_ask_for_another_link(api, register, committed):
    registered = register().json()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {registered['access']}")

    response = committed(lambda: api.post(CONFIRM + "resend/", {}, format="json"))

    assert response.status_code == 202
    assert len(mail.outbox) == 2
    assert api.post(CONFIRM, {"token": _confirmation_token(mail.outbox[1])}, format="json").status_code == 200
    again = api.post(CONFIRM + "resend/", {}, format="json")
    assert again.status_code == 409
    assert again.json()["code"] == "email_already_confirmed"


def test_asking_for_another_link_needs_a_sign_in(api):
    assert api.post(CONFIRM + "resend/", {}, format="json").status_code == 401


# --- who may bid ----------------------------------------------------------------------------------------------------


def _bid(client, lot):
    return client.post(
        f"/api/auctions/{lot.pk}/bids/",
        {"amount": lot.start_price, "idempotency_key": str(uuid.uuid4())},
        format="json",
    )


@pytest.fixture
def lot(db):
    from tests.auctions.factories import ActiveAuctionFactory

    return ActiveAuctionFactory()


def test_a_newcomer_can_neither_bid_before_confirming_nor_after_until_approved(lot, admin_user, api, register):
    registered = register().json()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {registered['access']}")

    # Unconfirmed: refused, and `me` says what is missing
    assert _bid(api, lot).status_code == 403
    assert api.get("/api/auth/me/").json()["vetting_status"] == "email_unconfirmed"

    # Confirmed: still refused, under review
    api.post(CONFIRM, {"token": _confirmation_token(mail.outbox[0])}, format="json")
    assert _bid(api, lot).json()["code"] == "not_allowed"
    assert api.get("/api/auth/me/").json()["vetting_status"] == "under_review"

    # Approved by an organizer with a credit limit: the bid goes through
    from accounts.services import user_approve_to_bid

    user_approve_to_bid(user=User.objects.get(username="hanako"), credit_limit=30_000_000, actor=admin_user)
    me = api.get("/api/auth/me/").json()
    assert me["vetting_status"] == "approved"
    assert me["credit_limit"] == 30_000_000
    assert _bid(api, lot).status_code == 201


def test_without_required_approval_confirming_the_address_is_enough(lot, settings, api, register):
    settings.BIDDER_APPROVAL_REQUIRED = False
    registered = register().json()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {registered['access']}")
    assert _bid(api, lot).status_code == 403  # not before the address is confirmed

    api.post(CONFIRM, {"token": _confirmation_token(mail.outbox[0])}, format="json")

    assert api.get("/api/auth/me/").json()["vetting_status"] == "approved"
    assert _bid(api, lot).status_code == 201


def test_me_tells_the_spa_the_vetting_state_of_every_role(cast):
    assert client_for(cast["viewer"]).get("/api/auth/me/").json()["vetting_status"] == "not_applicable"
    assert client_for(cast["auctioneer"]).get("/api/auth/me/").json()["vetting_status"] == "not_applicable"
    assert client_for(cast["bidder"]).get("/api/auth/me/").json()["vetting_status"] == "approved"
    me = client_for(cast["bidder"]).get("/api/auth/me/").json()
    for field in ("full_name", "full_name_kana", "phone", "address", "email_confirmed", "conditions_version"):
        assert field in me


# --- the organizer's approval ---------------------------------------------------------------------------------------


def test_approval_needs_a_confirmed_address_and_a_credit_limit(admin_user):
    from accounts.services import user_approve_to_bid
    from config.errors import ServiceError

    unconfirmed = BidderFactory(is_approved_to_bid=False)
    with pytest.raises(ServiceError) as refused:
        user_approve_to_bid(user=unconfirmed, credit_limit=10_000_000, actor=admin_user)
    assert refused.value.code == "email_not_confirmed"

    confirmed = BidderFactory(is_approved_to_bid=False, email_confirmed_at=timezone.now())
    for limit in (None, 0, -5):
        with pytest.raises(ServiceError) as refused:
            user_approve_to_bid(user=confirmed, credit_limit=limit, actor=admin_user)
        assert refused.value.code == "credit_limit_required"

    viewer = UserFactory(email_confirmed_at=timezone.now())
    with pytest.raises(ServiceError) as refused:
        user_approve_to_bid(user=viewer, credit_limit=10_000_000, actor=admin_user)
    assert refused.value.code == "not_a_bidder"

    confirmed.refresh_from_db()
    assert not confirmed.is_approved_to_bid


def _admin_client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_admin_approves_with_the_credit_limit_it_asks_for(admin_user):
    # Given two confirmed applicants and one who never confirmed the address
    ready = [BidderFactory(is_approved_to_bid=False, email_confirmed_at=timezone.now()) for _ in range(2)]
    unconfirmed = BidderFactory(is_approved_to_bid=False)
    ids = [str(u.pk) for u in [*ready, unconfirmed]]
    client = _admin_client(admin_user)

    # When the organizer picks the action, the admin first asks for the credit limit
    asked = client.post("/admin/accounts/user/", {"action": "approve_to_bid", "_selected_action": ids}, follow=True)
    assert asked.status_code == 200
    assert b'name="credit_limit"' in asked.content
    assert not User.objects.filter(is_approved_to_bid=True, pk__in=ids).exists()

    # And with the limit given, approves the confirmed ones and names the one it could not approve
    done = client.post(
        "/admin/accounts/user/",
        {"action": "approve_to_bid", "_selected_action": ids, "credit_limit": "50000000", "apply": "1"},
        follow=True,
    )
    assert done.status_code == 200
    for user in ready:
        user.refresh_from_db()
        assert (user.is_approved_to_bid, user.credit_limit) == (True, 50_000_000)
    unconfirmed.refresh_from_db()
    assert not unconfirmed.is_approved_to_bid
    assert unconfirmed.username in done.content.decode()


def test_the_admin_does_not_approve_without_a_credit_limit(admin_user):
    applicant = BidderFactory(is_approved_to_bid=False, email_confirmed_at=timezone.now())
    response = _admin_client(admin_user).post(
        "/admin/accounts/user/",
        {"action": "approve_to_bid", "_selected_action": [str(applicant.pk)], "credit_limit": "", "apply": "1"},
    )
    assert response.status_code == 200  # the form again, with its error
    assert b"errorlist" in response.content
    applicant.refresh_from_db()
    assert not applicant.is_approved_to_bid


def test_the_change_form_cannot_tick_approval_past_the_vetting(admin_user):
    applicant = BidderFactory(is_approved_to_bid=False)
    client = _admin_client(admin_user)
    page = client.get(f"/admin/accounts/user/{applicant.pk}/change/")
    assert page.status_code == 200
    assert b'name="is_approved_to_bid"' not in page.content  # shown, not editable: approval is the action's


def test_revoking_approval_keeps_the_record(admin_user, bidder):
    client = _admin_client(admin_user)
    client.post("/admin/accounts/user/", {"action": "revoke_approval", "_selected_action": [str(bidder.pk)]})
    bidder.refresh_from_db()
    assert not bidder.is_approved_to_bid


# --- the demo -------------------------------------------------------------------------------------------------------


def test_the_demo_bidders_are_approved_and_confirmed():
    from accounts.demo import seed_users

    users = seed_users()
    for name in ("bidder1", "bidder2"):
        assert users[name].is_approved_to_bid
        assert users[name].email_confirmed_at is not None
