"""Passwords are stored with bcrypt (SHA-256 prehash, cost 12) under the platform's own hashers; older Argon2 hashes
still sign in and are rewritten as bcrypt at that sign-in. The suite hashes with MD5 for speed, so these tests put
the base settings' hashers back."""

import pytest
from django.contrib.auth.hashers import check_password, get_hasher, identify_hasher, make_password

from accounts.models import User
from tests.accounts.factories import PASSWORD, BidderFactory
from tests.accounts.registration import registration

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def platform_hashers(settings):
    from config.settings import base

    settings.PASSWORD_HASHERS = base.PASSWORD_HASHERS


def test_the_default_hasher_is_bcrypt_with_a_sha256_prehash_at_cost_12():
    hasher = get_hasher("default")
    assert hasher.algorithm == "bcrypt_sha256"
    assert hasher.rounds == 12
    encoded = make_password("S3cure-Paddock!")
    # bcrypt_sha256$$2b$12$<salt+hash>: the cost is written into every hash
    assert encoded.startswith("bcrypt_sha256$$2b$12$")


def test_a_password_longer_than_bcrypts_72_bytes_still_counts_in_full():
    # The SHA-256 prehash is what makes this hold: plain bcrypt ignores everything after byte 72.
    long = "馬" * 30  # 90 bytes in UTF-8
    encoded = make_password(long)
    assert check_password(long, encoded)
    assert not check_password(long[:-1] + "鹿", encoded)


def test_an_argon2_hash_signs_in_and_is_rewritten_as_bcrypt(api):
    # Given a bidder whose password was stored by the old default, Argon2
    bidder = BidderFactory()
    User.objects.filter(pk=bidder.pk).update(password=make_password(PASSWORD, hasher="argon2"))
    assert identify_hasher(User.objects.get(pk=bidder.pk).password).algorithm == "argon2"

    # When they sign in through the API
    response = api.post("/api/auth/token/", {"username": bidder.username, "password": PASSWORD}, format="json")

    # Then the sign-in works and the stored hash is now bcrypt at cost 12
    assert response.status_code == 200, response.json()
    stored = User.objects.get(pk=bidder.pk).password
    assert stored.startswith("bcrypt_sha256$$2b$12$")
    assert check_password(PASSWORD, stored)


def test_an_argon2_hash_signing_in_to_the_admin_is_rewritten_as_bcrypt(client, admin_user):
    User.objects.filter(pk=admin_user.pk).update(password=make_password(PASSWORD, hasher="argon2"))
    response = client.post("/admin/login/?next=/admin/", {"username": admin_user.username, "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == "/admin/"
    assert User.objects.get(pk=admin_user.pk).password.startswith("bcrypt_sha256$$2b$12$")


def test_registration_stores_a_bcrypt_hash(api):
    response = api.post("/api/auth/register/", registration(), format="json")
    assert response.status_code == 201, response.json()
    assert User.objects.get(username="hanako").password.startswith("bcrypt_sha256$$2b$12$")
