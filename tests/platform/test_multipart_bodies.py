"""An empty or broken multipart body gets a JSON error with a code, from the real server (daphne) as from Django.

Twisted, under daphne, parses every multipart POST itself before the application sees it and answers one it cannot
parse with a bare "400 Bad Request" and no body; the platform turns that off, so Django's own parser decides.
"""

import json
import urllib.error
import urllib.request

import pytest

from tests.conftest import client_for
from tests.live_stack import LiveStack

BOUNDARY = "umaseriboundary"
BODIES = {
    "empty_with_boundary": (b"", f"multipart/form-data; boundary={BOUNDARY}"),
    "empty_without_boundary": (b"", "multipart/form-data"),
    "garbage": (b"garbage", f"multipart/form-data; boundary={BOUNDARY}"),
    "garbage_without_boundary": (b"garbage", "multipart/form-data"),
    "cut_short": (
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="image"; filename="a.jpg"\r\n\r\nJFIF'.encode(),
        f"multipart/form-data; boundary={BOUNDARY}",
    ),
    "only_the_closing_boundary": (f"--{BOUNDARY}--\r\n".encode(), f"multipart/form-data; boundary={BOUNDARY}"),
}


@pytest.fixture
def horse(db):
    from tests.horses.factories import HorseFactory

    return HorseFactory()


def _assert_json_error(status: int, content_type: str, body: bytes) -> None:
    assert status == 400
    assert content_type.startswith("application/json")
    data = json.loads(body)
    assert data["code"]
    assert data["detail"]


@pytest.mark.django_db
@pytest.mark.parametrize(("body", "content_type"), BODIES.values(), ids=BODIES.keys())
@pytest.mark.parametrize("upload", ["photos", "documents"])
def test_a_broken_multipart_upload_is_a_json_400_in_django(auctioneer, horse, upload, body, content_type):
    response = client_for(auctioneer).generic(
        "POST", f"/api/horses/{horse.pk}/{upload}/", body, content_type=content_type
    )
    _assert_json_error(response.status_code, response["Content-Type"], response.content)


@pytest.fixture(scope="module")
def server(django_db_setup, django_db_blocker):
    stack = LiveStack(servers=1, worker=False, beat=False)
    with stack.running():
        yield stack


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(("body", "content_type"), BODIES.values(), ids=BODIES.keys())
def test_a_broken_multipart_upload_is_a_json_400_from_daphne(server, auctioneer, horse, body, content_type):
    token = client_for(auctioneer)._credentials["HTTP_AUTHORIZATION"]
    request = urllib.request.Request(
        server.http_url(0, f"/api/horses/{horse.pk}/photos/"),
        data=body,
        method="POST",
        headers={"Authorization": token, "Content-Type": content_type},
    )
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=30)
    error = refused.value
    _assert_json_error(error.code, error.headers.get("Content-Type", ""), error.read())
    assert error.headers.get("Date")
