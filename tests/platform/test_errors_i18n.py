"""Errors speak Japanese (the default) or English, chosen by Accept-Language; the `code` never changes.

Covers our own messages, DRF's, and SimpleJWT's (which ships no Japanese: ours are in locale/ja).
"""

import ast
import gettext
from datetime import timedelta
from pathlib import Path

import pytest
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.utils import translation
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import AccessToken, RefreshToken

from config.asgi import application
from config.errors import Conflict, NotAllowed, ServiceError, api_exception_handler
from tests.accounts.factories import PASSWORD
from tests.accounts.registration import registration

LANGUAGES = {"default": None, "ja": "ja", "en": "en", "ja-JP": "ja-JP,ja;q=0.9,en;q=0.5", "en-US": "en-US,en"}
JAPANESE = {"default", "ja", "ja-JP"}


def _client(accept_language: str | None) -> APIClient:
    client = APIClient()
    if accept_language:
        client.defaults["HTTP_ACCEPT_LANGUAGE"] = accept_language
    return client


def _bearer(client: APIClient, token: str) -> APIClient:
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client


def _expired(user) -> str:
    token = AccessToken.for_user(user)
    token.set_exp(lifetime=timedelta(seconds=-5))
    return str(token)


def _blacklisted_refresh(user) -> str:
    refresh = RefreshToken.for_user(user)
    refresh.blacklist()
    return str(refresh)


# name → (how to provoke it, expected status, expected code, Japanese detail, English detail)
CASES = {
    "not_signed_in": (
        lambda c, u: c.get("/api/auth/me/"),
        401,
        "not_authenticated",
        "認証情報が含まれていません。",
        "Authentication credentials were not provided.",
    ),
    "wrong_password": (
        lambda c, u: c.post("/api/auth/token/", {"username": u.username, "password": "wrong"}, format="json"),
        401,
        "no_active_account",
        "ユーザー名かパスワードが正しくないか、アカウントが無効です。",
        "No active account found with the given credentials",
    ),
    "garbage_token": (
        lambda c, u: _bearer(c, "not-a-token").get("/api/auth/me/"),
        401,
        "token_not_valid",
        "このトークンはどの種類のトークンとしても無効です。",
        "Given token not valid for any token type",
    ),
    "bad_authorization_header": (
        lambda c, u: _bearer(c, "one two").get("/api/auth/me/"),
        401,
        "bad_authorization_header",
        "Authorization ヘッダーは空白で区切られた 2 つの値にしてください。",
        "Authorization header must contain two space-delimited values",
    ),
    "refresh_token_blacklisted": (
        lambda c, u: c.post("/api/auth/token/refresh/", {"refresh": _blacklisted_refresh(u)}, format="json"),
        401,
        "token_not_valid",
        "このトークンは失効しています。",
        "Token is blacklisted",
    ),
    "refresh_token_is_garbage": (
        lambda c, u: c.post("/api/auth/token/refresh/", {"refresh": "garbage"}, format="json"),
        401,
        "token_not_valid",
        "トークンが無効です。",
        "Token is invalid",
    ),
    "username_taken": (
        lambda c, u: c.post(
            "/api/auth/register/",
            registration(username=u.username, email="x@example.jp"),
            format="json",
        ),
        400,
        "username_taken",
        "このユーザー名はすでに使われています。",
        "This username is already taken.",
    ),
    "required_field": (
        lambda c, u: _bearer(c, str(RefreshToken.for_user(u).access_token)).post(
            "/api/auth/logout/", {}, format="json"
        ),
        400,
        "required",
        "この項目は必須です。",
        "This field is required.",
    ),
    "not_a_string": (
        lambda c, u: c.post("/api/auth/token/", {"username": 42, "password": PASSWORD}, format="json"),
        400,
        "invalid",
        "文字列を入力してください。",
        "Not a valid string.",
    ),
    "unknown_api_path": (
        lambda c, u: c.get("/api/no-such-thing/"),
        404,
        "not_found",
        "見つかりません。",
        "Not found.",
    ),
    "method_not_allowed": (
        lambda c, u: c.get("/api/auth/register/"),
        405,
        "method_not_allowed",
        'メソッド "GET" は許されていません。',
        'Method "GET" not allowed.',
    ),
    "too_deeply_nested": (
        lambda c, u: c.generic(
            "POST", "/api/auth/token/", b"[" * 100_000 + b"]" * 100_000, content_type="application/json"
        ),
        400,
        "parse_error",
        "JSON の解析エラー: 入れ子が深すぎます。",
        "JSON parse error - the document is nested too deeply.",
    ),
}


@pytest.mark.django_db
@pytest.mark.parametrize("case", CASES.keys())
def test_same_error_same_code_in_both_languages(case, bidder):
    provoke, status, code, japanese, english = CASES[case]
    answers = {}
    for name, header in LANGUAGES.items():
        response = provoke(_client(header), bidder)
        assert response.status_code == status, (name, response.content[:300])
        answers[name] = response.json()
        assert answers[name]["code"] == code, (name, answers[name])
        expected_language = "ja" if name in JAPANESE else "en"
        assert response["Content-Language"] == expected_language
    for name, body in answers.items():
        assert body["detail"] == (japanese if name in JAPANESE else english), (name, body)


@pytest.mark.django_db
def test_messages_of_each_failed_token_class_are_translated_too(bidder):
    ja = _bearer(_client("ja"), _expired(bidder)).get("/api/auth/me/").json()
    en = _bearer(_client("en"), _expired(bidder)).get("/api/auth/me/").json()
    assert ja["code"] == en["code"] == "token_not_valid"
    assert [m["message"] for m in ja["messages"]] == ["トークンの有効期限が切れています。"]
    assert [m["message"] for m in en["messages"]] == ["Token is expired"]


@pytest.mark.django_db
def test_validation_errors_per_field_are_translated(api):
    ja = _client("ja").post("/api/auth/register/", {"username": "x"}, format="json").json()
    en = _client("en").post("/api/auth/register/", {"username": "x"}, format="json").json()
    assert ja["code"] == en["code"] == "invalid"
    assert ja["detail"] == "入力内容に誤りがあります。"
    assert en["detail"] == "Some fields are not valid."
    assert ja["errors"]["email"] == ["この項目は必須です。"]
    assert en["errors"]["email"] == ["This field is required."]


@pytest.mark.parametrize(
    ("error", "japanese", "english"),
    [
        (ServiceError(), "リクエストを実行できませんでした。", "The request could not be carried out."),
        (NotAllowed(), "この操作を行う権限がありません。", "You are not allowed to do this."),
        (
            Conflict(),
            "リクエストが現在の状態と矛盾しています。",
            "The request conflicts with the current state.",
        ),
    ],
    ids=["service_error", "not_allowed", "conflict"],
)
def test_service_errors_default_messages_are_translated(error, japanese, english):
    with translation.override("ja"):
        ja = api_exception_handler(error, {}).data
    with translation.override("en"):
        en = api_exception_handler(error, {}).data
    assert ja["code"] == en["code"] == error.code
    assert (ja["detail"], en["detail"]) == (japanese, english)


# --- the catalogue itself -------------------------------------------------------------------------------

CATALOGUE = Path(settings.BASE_DIR) / "locale" / "ja" / "LC_MESSAGES"


def _po_entries() -> list[tuple[str, str, bool]]:
    """(msgid, msgstr, fuzzy) of every entry of django.po, header and obsolete entries left out. An entry with a
    msgctxt is keyed as gettext files it in the .mo: context, EOT, msgid."""
    entries = []
    for block in (CATALOGUE / "django.po").read_text(encoding="utf-8").split("\n\n"):
        lines = [line for line in block.splitlines() if not line.startswith("#~")]
        fuzzy = any(line.startswith("#,") and "fuzzy" in line for line in lines)
        fields, current = {}, None
        for line in lines:
            if line.startswith(("msgctxt ", "msgid ", "msgstr ")):
                current, _sep, rest = line.partition(" ")
                fields[current] = [rest]
            elif line.startswith('"') and current:
                fields[current].append(line)
        if "msgid" in fields:
            msgid, msgstr = (_unquote(fields[key]) for key in ("msgid", "msgstr"))
            if msgid and "msgctxt" in fields:
                msgid = f"{_unquote(fields['msgctxt'])}\x04{msgid}"
            if msgid:
                entries.append((msgid, msgstr, fuzzy))
    return entries


def _unquote(parts: list[str]) -> str:
    return "".join(ast.literal_eval(part) for part in parts)


def test_every_message_in_the_catalogue_is_translated():
    """A string extracted by makemessages but left untranslated (or fuzzy) shows up here by name."""
    untranslated = [msgid for msgid, msgstr, fuzzy in _po_entries() if not msgstr or fuzzy]
    assert not untranslated, f"translate these in locale/ja/LC_MESSAGES/django.po: {untranslated}"


def test_compiled_catalogue_matches_the_po():
    with (CATALOGUE / "django.mo").open("rb") as mo:
        compiled = gettext.GNUTranslations(mo)._catalog
    stale = [msgid for msgid, msgstr, fuzzy in _po_entries() if not fuzzy and compiled.get(msgid) != msgstr]
    assert not stale, f"run `manage.py compilemessages`; the .mo lacks: {stale[:5]}"


# --- the WebSocket speaks the handshake's language ------------------------------------------------------


async def _socket_error(path: str, accept_language: str | None, send: str | None = None) -> dict:
    headers = [(b"origin", b"http://localhost")]
    if accept_language:
        headers.append((b"accept-language", accept_language.encode()))
    communicator = WebsocketCommunicator(application, path, headers=headers)
    connected, _ = await communicator.connect()
    assert connected
    message = await communicator.receive_json_from(timeout=3)
    if send is not None:
        assert message["type"] == "session"
        await communicator.send_to(text_data=send)
        message = await communicator.receive_json_from(timeout=3)
    await communicator.disconnect()
    return message


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("path", "send", "code", "japanese", "english"),
    [
        (
            "/ws/auctions/?token=garbage",
            None,
            "token_not_valid",
            "アクセストークンが無効です。もう一度ログインしてください。",
            "The access token is not valid. Sign in again.",
        ),
        (
            "/ws/auctions/",
            "{not json",
            "invalid_json",
            "メッセージが正しい JSON ではありません。",
            "The message is not valid JSON.",
        ),
        (
            "/ws/auctions/",
            '{"type": "no-such-type"}',
            "unknown_type",
            "不明なメッセージ種別です。",
            "Unknown message type.",
        ),
    ],
    ids=["bad_token", "invalid_json", "unknown_type"],
)
async def test_socket_errors_follow_the_handshake_language(path, send, code, japanese, english):
    default = await _socket_error(path, None, send)
    ja = await _socket_error(path, "ja", send)
    en = await _socket_error(path, "en-GB,en;q=0.8", send)
    assert default["code"] == ja["code"] == en["code"] == code
    assert default["detail"] == ja["detail"] == japanese
    assert en["detail"] == english


@pytest.mark.django_db(transaction=True)
async def test_expired_token_on_the_socket_says_it_expired():
    from channels.db import database_sync_to_async

    from tests.accounts.factories import BidderFactory

    user = await database_sync_to_async(BidderFactory)()
    token = await database_sync_to_async(_expired)(user)
    ja = await _socket_error(f"/ws/auctions/?token={token}", "ja")
    en = await _socket_error(f"/ws/auctions/?token={token}", "en")
    assert ja["code"] == en["code"] == "token_expired"
    assert ja["detail"] == "アクセストークンの有効期限が切れました。新しいトークンで接続し直してください。"
    assert en["detail"] == "The access token has expired. Reconnect with a fresh one."
