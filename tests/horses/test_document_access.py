"""Vet and X-ray reports are for approved bidders and organizers only; photos stay public.

The catalogue links each document to a guarded endpoint rather than to its file under /media/: the platform checks
the caller, then streams the file itself or, behind nginx, hands it to nginx with X-Accel-Redirect (the file's own
location under /media/ is not served at all).
"""

import pytest
from django.utils import timezone

from horses.models import HorseDocument
from tests.accounts.factories import BidderFactory
from tests.conftest import client_for
from tests.horses.factories import PDF_BYTES, HorseFactory, pdf_upload, png_upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def document(db):
    horse = HorseFactory()
    return HorseDocument.objects.create(horse=horse, title="獣医所見", kind="vet", file=pdf_upload())


@pytest.fixture
def applicant(db):
    """Registered, address confirmed, not (yet) approved to bid."""
    return BidderFactory(is_approved_to_bid=False, email_confirmed_at=timezone.now())


def _file_url(document) -> str:
    return f"/api/horses/{document.horse_id}/documents/{document.pk}/file/"


def test_the_catalogue_links_documents_to_the_guarded_endpoint_not_to_media(api, document):
    page = api.get(f"/api/horses/{document.horse_id}/").json()
    (listed,) = page["documents"]
    assert listed["file"] == f"http://testserver{_file_url(document)}"
    assert "/media/" not in listed["file"]


def test_photos_stay_public_under_media(auctioneer):
    horse = HorseFactory()
    client_for(auctioneer).post(f"/api/horses/{horse.pk}/photos/", {"image": png_upload()}, format="multipart")
    (photo,) = client_for(auctioneer).get(f"/api/horses/{horse.pk}/").json()["photos"]
    assert "/media/horses/photos/" in photo["image"]


@pytest.mark.parametrize("role", ["bidder", "auctioneer", "admin"])
def test_approved_bidders_and_organizers_read_a_document(cast, document, role):
    response = client_for(cast[role]).get(_file_url(document))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content) == PDF_BYTES
    assert "private" in response["Cache-Control"]
    assert "inline" in response["Content-Disposition"]


def test_anonymous_callers_are_asked_to_sign_in(api, document):
    response = api.get(_file_url(document))
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def test_viewers_and_bidders_not_yet_approved_are_refused(cast, applicant, document):
    for user in (cast["viewer"], applicant):
        response = client_for(user).get(_file_url(document))
        assert response.status_code == 403
        assert response.json()["code"] == "documents_restricted"
        assert response.json()["detail"]


def test_a_document_is_found_only_under_its_own_horse(bidder, document):
    other = HorseFactory()
    response = client_for(bidder).get(f"/api/horses/{other.pk}/documents/{document.pk}/file/")
    assert response.status_code == 404


def test_behind_nginx_the_file_is_handed_over_with_x_accel_redirect(settings, bidder, document):
    settings.MEDIA_ACCEL_REDIRECT_PREFIX = "/protected-media/"
    response = client_for(bidder).get(_file_url(document))
    assert response.status_code == 200
    assert response["X-Accel-Redirect"] == f"/protected-media/{document.file.name}"
    assert response["Content-Type"] == "application/pdf"
    assert response.content == b""  # nginx sends the file


def test_an_unapproved_caller_behind_nginx_gets_no_redirect(settings, applicant, document):
    settings.MEDIA_ACCEL_REDIRECT_PREFIX = "/protected-media/"
    response = client_for(applicant).get(_file_url(document))
    assert response.status_code == 403
    assert "X-Accel-Redirect" not in response
