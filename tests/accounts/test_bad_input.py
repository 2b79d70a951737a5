"""Bad input on every auth endpoint gets a 4xx with a `code` and a `detail`, never a 500, and saves nothing.

The walk: bodies that are not JSON objects, each field missing, each field of the wrong type, over-long,
with NUL or unpaired-surrogate characters, and the wrong content type; for `me`, malformed Authorization
headers.
"""

import json
from datetime import timedelta

import pytest
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import AccessToken, RefreshToken

from accounts.models import User
from tests.accounts.factories import PASSWORD
from tests.accounts.registration import registration

pytestmark = pytest.mark.django_db

NEW_BIDDER = registration()

# Values that are wrong for every string field of every auth endpoint.
WRONG_VALUES = {
    "int": 12345678,
    "float": 1.5,
    "true": True,
    "false": False,
    "null": None,
    "object": {"a": 1},
    "list": ["hanako"],
    "empty_list": [],
    "10k_chars": "x" * 10_000,
    "10k_kanji": "馬" * 10_000,
    "nul_char": "hanako-\u0000-paddock",
    "lone_surrogate": "hanako-\ud800-paddock",
}

# Request bodies that are not a JSON object at all (sent as application/json).
RAW_BODIES = {
    "truncated": b'{"username": "hanako"',
    "single_quotes": b"{'username': 'hanako'}",
    "trailing_comma": b'{"username": "hanako",}',
    "list": b'["hanako", "secret"]',
    "string": b'"hanako"',
    "number": b"42",
    "null": b"null",
    "true": b"true",
    "not_utf8": b'{"username": "\xff\xfe"}',
    "nan": b'{"username": NaN}',
    "deeply_nested": b"[" * 100_000 + b"]" * 100_000,
    "bare_word": b"hello",
    "empty_object": b"{}",
    "whitespace": b"   ",
}

WRONG_CONTENT_TYPES = {
    "text/plain": "text/plain",
    "xml": "application/xml",
    "octet-stream": "application/octet-stream",
}


@pytest.fixture
def endpoints(bidder):
    """name → (path, a valid body for it, the client to send it with)."""
    refresh = RefreshToken.for_user(bidder)
    signed_in = APIClient()
    signed_in.credentials(HTTP_AUTHORIZATION=f"Bearer {refresh.access_token}")
    logout_refresh = RefreshToken.for_user(bidder)
    return {
        "register": ("/api/auth/register/", dict(NEW_BIDDER), APIClient()),
        "token": ("/api/auth/token/", {"username": bidder.username, "password": PASSWORD}, APIClient()),
        "refresh": ("/api/auth/token/refresh/", {"refresh": str(refresh)}, APIClient()),
        "logout": ("/api/auth/logout/", {"refresh": str(logout_refresh)}, signed_in),
    }


ENDPOINT_NAMES = ("register", "token", "refresh", "logout")
REQUIRED_FIELDS = {
    "register": (
        "username",
        "email",
        "password",
        "full_name",
        "full_name_kana",
        "phone",
        "address",
        "conditions_version",
    ),
    "token": ("username", "password"),
    "refresh": ("refresh",),
    "logout": ("refresh",),
}
OPTIONAL_FIELDS = {"register": ("first_name", "last_name", "language")}


def _assert_refused(response, users_before: int) -> dict:
    assert 400 <= response.status_code < 500, (response.status_code, response.content[:300])
    body = response.json()
    assert isinstance(body.get("code"), str) and body["code"], body
    assert isinstance(body.get("detail"), str) and body["detail"], body
    assert User.objects.count() == users_before, "a refused request must not leave a user behind"
    return body


def _post_raw(client, path: str, raw: bytes, content_type: str = "application/json"):
    return client.generic("POST", path, raw, content_type=content_type)


@pytest.mark.parametrize("endpoint", ENDPOINT_NAMES)
@pytest.mark.parametrize("raw", RAW_BODIES.values(), ids=RAW_BODIES.keys())
def test_body_that_is_not_a_json_object_is_refused(endpoints, endpoint, raw):
    path, _valid, client = endpoints[endpoint]
    users_before = User.objects.count()
    _assert_refused(_post_raw(client, path, raw), users_before)


@pytest.mark.parametrize("endpoint", ENDPOINT_NAMES)
def test_body_in_a_compression_codec_is_refused(endpoints, endpoint):
    """A charset such as bz2_codec would let a tiny body expand without bound once decoded."""
    path, valid, client = endpoints[endpoint]
    users_before = User.objects.count()
    content_type = "application/json; charset=bz2_codec"
    _assert_refused(_post_raw(client, path, json.dumps(valid).encode(), content_type), users_before)


@pytest.mark.parametrize("endpoint", ENDPOINT_NAMES)
def test_body_larger_than_the_upload_limit_is_refused_with_413(endpoints, endpoint, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    path, valid, client = endpoints[endpoint]
    valid["padding"] = "x" * 20_000
    users_before = User.objects.count()
    response = _post_raw(client, path, json.dumps(valid).encode())
    assert response.status_code == 413
    assert _assert_refused(response, users_before)["code"] == "request_too_large"


def test_body_declared_in_another_charset_is_read_in_it(api):
    """Not bad input: a UTF-16 body that says so is decoded as UTF-16."""
    raw = json.dumps({**NEW_BIDDER, "first_name": "花子"}, ensure_ascii=False).encode("utf-16")
    response = _post_raw(api, "/api/auth/register/", raw, "application/json; charset=utf-16")
    assert response.status_code == 201, response.json()
    assert response.json()["user"]["first_name"] == "花子"


@pytest.mark.parametrize("endpoint", ENDPOINT_NAMES)
def test_empty_body_is_refused(endpoints, endpoint):
    path, _valid, client = endpoints[endpoint]
    users_before = User.objects.count()
    body = _assert_refused(_post_raw(client, path, b""), users_before)
    assert body["code"] in ("required", "invalid")


@pytest.mark.parametrize("endpoint", ENDPOINT_NAMES)
@pytest.mark.parametrize("content_type", WRONG_CONTENT_TYPES.values(), ids=WRONG_CONTENT_TYPES.keys())
def test_wrong_content_type_is_refused_with_415(endpoints, endpoint, content_type):
    path, valid, client = endpoints[endpoint]
    users_before = User.objects.count()
    response = _post_raw(client, path, json.dumps(valid).encode(), content_type)
    assert response.status_code == 415
    assert _assert_refused(response, users_before)["code"] == "unsupported_media_type"


@pytest.mark.parametrize(("endpoint", "field"), [(e, f) for e in ENDPOINT_NAMES for f in REQUIRED_FIELDS[e]])
def test_missing_required_field_is_refused_and_named(endpoints, endpoint, field):
    path, valid, client = endpoints[endpoint]
    del valid[field]
    users_before = User.objects.count()
    body = _assert_refused(client.post(path, valid, format="json"), users_before)
    assert field in body["errors"]


@pytest.mark.parametrize(
    ("endpoint", "field"),
    [(e, f) for e in ENDPOINT_NAMES for f in REQUIRED_FIELDS[e] + OPTIONAL_FIELDS.get(e, ())],
)
@pytest.mark.parametrize("value", WRONG_VALUES.values(), ids=WRONG_VALUES.keys())
def test_field_of_the_wrong_type_or_size_is_refused(endpoints, endpoint, field, value):
    # Given an otherwise valid request with one field spoiled
    path, valid, client = endpoints[endpoint]
    valid[field] = value
    users_before = User.objects.count()

    # When it is sent (as JSON text, so unpaired surrogates travel as \ud800 escapes)
    response = _post_raw(client, path, json.dumps(valid).encode())

    # Then it is refused with a code and nothing is saved
    _assert_refused(response, users_before)


@pytest.mark.parametrize("field", REQUIRED_FIELDS["register"])
def test_blank_required_field_is_refused(endpoints, field):
    path, valid, client = endpoints["register"]
    valid[field] = ""
    _assert_refused(client.post(path, valid, format="json"), User.objects.count())


def test_unicode_names_are_welcome(api):
    """Not bad input: Japanese names and emoji are ordinary text, and round-trip intact."""
    registered = api.post(
        "/api/auth/register/",
        {**NEW_BIDDER, "username": "はなこ", "first_name": "花子", "last_name": "山田 🐎"},
        format="json",
    )
    assert registered.status_code == 201, registered.json()
    assert registered.json()["user"]["username"] == "はなこ"
    assert registered.json()["user"]["last_name"] == "山田 🐎"
    assert (
        api.post(
            "/api/auth/token/", {"username": "はなこ", "password": NEW_BIDDER["password"]}, format="json"
        ).status_code
        == 200
    )


def test_failed_registration_with_a_taken_username_saves_nothing(api, bidder):
    users_before = User.objects.count()
    body = _assert_refused(
        api.post("/api/auth/register/", {**NEW_BIDDER, "username": bidder.username.upper()}, format="json"),
        users_before,
    )
    assert body["code"] == "username_taken"


def test_failed_registration_with_a_weak_password_saves_nothing(api):
    users_before = User.objects.count()
    body = _assert_refused(
        api.post("/api/auth/register/", {**NEW_BIDDER, "password": "hanako"}, format="json"), users_before
    )
    assert "password" in body["errors"]


@pytest.mark.parametrize("path", ["/api/auth/register/", "/api/auth/token/", "/api/auth/token/refresh/"])
def test_get_on_a_post_only_endpoint_is_405(api, path):
    response = api.get(path)
    assert response.status_code == 405
    _assert_refused(response, User.objects.count())
    assert response.json()["code"] == "method_not_allowed"


def test_refresh_field_holding_an_access_token_is_refused(api, bidder):
    access = str(RefreshToken.for_user(bidder).access_token)
    response = api.post("/api/auth/token/refresh/", {"refresh": access}, format="json")
    assert response.status_code == 401
    assert _assert_refused(response, User.objects.count())["code"] == "token_not_valid"


def test_logout_with_an_access_token_instead_of_a_refresh_token_is_refused(bidder):
    client = APIClient()
    access = str(RefreshToken.for_user(bidder).access_token)
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
    response = client.post("/api/auth/logout/", {"refresh": access}, format="json")
    assert _assert_refused(response, User.objects.count())["code"] == "token_not_valid"


def test_logout_twice_is_refused_the_second_time(bidder):
    client = APIClient()
    refresh = RefreshToken.for_user(bidder)
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {refresh.access_token}")
    assert client.post("/api/auth/logout/", {"refresh": str(refresh)}, format="json").status_code == 205
    again = client.post("/api/auth/logout/", {"refresh": str(refresh)}, format="json")
    assert _assert_refused(again, User.objects.count())["code"] == "token_not_valid"


def _expired_access(user) -> str:
    token = AccessToken.for_user(user)
    token.set_exp(lifetime=timedelta(seconds=-1))
    return str(token)


AUTH_HEADERS = {
    "bearer_without_token": ("Bearer", "bad_authorization_header"),
    "three_parts": ("Bearer a b", "bad_authorization_header"),
    "garbage_token": ("Bearer not-a-token", "token_not_valid"),
    "10k_token": ("Bearer " + "x" * 10_000, "token_not_valid"),
    # A server hands header bytes to Django decoded as latin-1; this is what UTF-8 "馬馬馬" arrives as.
    "non_ascii_token": ("Bearer " + "馬馬馬".encode().decode("latin-1"), "token_not_valid"),
    "other_scheme": ("Basic aGFuYWtvOnNlY3JldA==", "not_authenticated"),
}


@pytest.mark.parametrize(("header", "code"), AUTH_HEADERS.values(), ids=AUTH_HEADERS.keys())
@pytest.mark.parametrize("path", ["/api/auth/me/", "/api/auth/logout/"])
def test_malformed_authorization_header_is_refused_with_401(api, path, header, code):
    api.credentials(HTTP_AUTHORIZATION=header)
    response = api.get(path) if path.endswith("me/") else api.post(path, {"refresh": "x"}, format="json")
    assert response.status_code == 401
    assert _assert_refused(response, User.objects.count())["code"] == code


def test_expired_access_token_is_refused_with_401(api, bidder):
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {_expired_access(bidder)}")
    response = api.get("/api/auth/me/")
    assert response.status_code == 401
    assert _assert_refused(response, User.objects.count())["code"] == "token_not_valid"


@pytest.mark.parametrize("method", ["post", "put", "delete"])
def test_writing_to_me_is_405(bidder, method):
    # PATCH changes one's e-mail and language only (tests/accounts/test_account_edit.py).
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {RefreshToken.for_user(bidder).access_token}")
    response = getattr(client, method)("/api/auth/me/", {"role": "admin"}, format="json")
    assert response.status_code == 405
    assert _assert_refused(response, User.objects.count())["code"] == "method_not_allowed"
    bidder.refresh_from_db()
    assert bidder.role == "bidder"
