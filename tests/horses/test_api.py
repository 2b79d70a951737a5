"""The catalogue over REST: everyone reads; organizers write; uploads are what they claim to be."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from horses.models import Horse, HorseDocument, HorsePhoto
from tests.accounts.factories import UserFactory
from tests.conftest import client_for
from tests.horses.factories import PDF_BYTES, HorseFactory, pdf_upload, png_upload

pytestmark = pytest.mark.django_db

NEW_HORSE = {
    "name": "ウラカワスピリット",
    "sex": "colt",
    "colour": "brown",
    "foaling_year": 2025,
    "sire": "ホッカイエンペラー",
    "dam": "カゼノウタ",
    "dams_sire": "ミラクルバンガード",
    "breeder": "浦河北斗ステーブル",
    "location": "北海道浦河郡浦河町",
    "description": "胸前の筋肉が発達し、歩様は力強い。",
}


def test_anyone_reads_the_catalogue(api):
    horse = HorseFactory(name="ミナモノヒカリ")
    listing = api.get("/api/horses/")
    assert listing.status_code == 200
    assert [row["name"] for row in listing.json()["results"]] == ["ミナモノヒカリ"]
    page = api.get(f"/api/horses/{horse.pk}/").json()
    assert (page["sire"], page["dam"], page["dams_sire"]) == ("サクラオウジャ", "ハルカゼヒメ", "ダイチノチカラ")
    assert page["photos"] == [] and page["documents"] == []


def test_consignor_account_is_shown_to_organizers_only(api, auctioneer, bidder):
    horse = HorseFactory(consignor=UserFactory(username="consigning_farm"))
    assert "consignor" not in api.get(f"/api/horses/{horse.pk}/").json()
    assert "consignor" not in client_for(bidder).get(f"/api/horses/{horse.pk}/").json()
    assert client_for(auctioneer).get(f"/api/horses/{horse.pk}/").json()["consignor"] == horse.consignor_id


def test_organizer_adds_and_edits_a_horse(auctioneer):
    client = client_for(auctioneer)
    created = client.post("/api/horses/", NEW_HORSE, format="json")
    assert created.status_code == 201, created.json()
    horse_id = created.json()["id"]

    edited = client.patch(f"/api/horses/{horse_id}/", {"location": "北海道新ひだか町三石"}, format="json")
    assert edited.status_code == 200
    assert Horse.objects.get(pk=horse_id).location == "北海道新ひだか町三石"


@pytest.mark.parametrize("role", ["bidder", "viewer"])
def test_bidders_and_viewers_cannot_write_the_catalogue(cast, role):
    horse = HorseFactory()
    client = client_for(cast[role])
    assert client.post("/api/horses/", NEW_HORSE, format="json").status_code == 403
    assert client.patch(f"/api/horses/{horse.pk}/", {"name": "X"}, format="json").status_code == 403
    response = client.post(f"/api/horses/{horse.pk}/photos/", {"image": png_upload()}, format="multipart")
    assert (response.status_code, response.json()["code"]) == (403, "permission_denied")
    assert Horse.objects.count() == 1 and not HorsePhoto.objects.exists()


def test_anonymous_cannot_write(api):
    response = api.post("/api/horses/", NEW_HORSE, format="json")
    assert (response.status_code, response.json()["code"]) == (401, "not_authenticated")


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"name": "ア" * 101}, "name"),
        ({"sire": "x" * 101}, "sire"),
        ({"foaling_year": 1800}, "foaling_year"),
        ({"sex": "unicorn"}, "sex"),
        ({"name": ""}, "name"),
    ],
)
def test_bad_horse_is_a_400_with_a_code_and_nothing_is_saved(auctioneer, change, field):
    response = client_for(auctioneer).post("/api/horses/", {**NEW_HORSE, **change}, format="json")
    assert response.status_code == 400
    assert response.json()["code"]
    assert field in response.json()["errors"]
    assert not Horse.objects.exists()


def test_overlong_name_on_edit_changes_nothing(auctioneer):
    horse = HorseFactory(name="ホクトノチカラ")
    response = client_for(auctioneer).patch(
        f"/api/horses/{horse.pk}/", {"name": "ホ" * 101, "location": "別の場所"}, format="json"
    )
    assert (response.status_code, response.json()["code"]) == (400, "max_length")
    horse.refresh_from_db()
    assert (horse.name, horse.location) == ("ホクトノチカラ", "北海道新ひだか町静内")


# --- photos -----------------------------------------------------------------------------------------------------


def test_organizer_uploads_a_photo(auctioneer, api):
    horse = HorseFactory()
    response = client_for(auctioneer).post(
        f"/api/horses/{horse.pk}/photos/", {"image": png_upload(), "caption": "立ち写真"}, format="multipart"
    )
    assert response.status_code == 201, response.json()
    assert response.json()["image"].endswith(".png")
    page = api.get(f"/api/horses/{horse.pk}/").json()
    assert [photo["caption"] for photo in page["photos"]] == ["立ち写真"]


def test_photos_queue_up_in_upload_order(auctioneer):
    horse = HorseFactory()
    client = client_for(auctioneer)
    for _ in range(3):
        client.post(f"/api/horses/{horse.pk}/photos/", {"image": png_upload()}, format="multipart")
    assert list(horse.photos.values_list("position", flat=True)) == [0, 1, 2]


@pytest.mark.parametrize(
    "upload",
    [
        SimpleUploadedFile("horse.png", b"this is not a picture", content_type="image/png"),
        SimpleUploadedFile("horse.png", PDF_BYTES, content_type="image/png"),
        SimpleUploadedFile("horse.jpg", b"\xff\xd8\xff\xe0 truncated jpeg", content_type="image/jpeg"),
    ],
    ids=["text", "pdf", "truncated-jpeg"],
)
def test_non_image_photo_is_a_400_and_nothing_is_saved(auctioneer, upload):
    horse = HorseFactory()
    response = client_for(auctioneer).post(f"/api/horses/{horse.pk}/photos/", {"image": upload}, format="multipart")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_image"
    assert "image" in response.json()["errors"]
    assert not HorsePhoto.objects.exists()


def test_organizer_removes_a_photo(auctioneer):
    horse = HorseFactory()
    client = client_for(auctioneer)
    photo_id = client.post(f"/api/horses/{horse.pk}/photos/", {"image": png_upload()}, format="multipart").json()["id"]
    assert client.delete(f"/api/horses/{horse.pk}/photos/{photo_id}/").status_code == 204
    assert not HorsePhoto.objects.exists()


# --- documents --------------------------------------------------------------------------------------------------


def test_organizer_uploads_a_vet_report(auctioneer):
    horse = HorseFactory()
    response = client_for(auctioneer).post(
        f"/api/horses/{horse.pk}/documents/",
        {"file": pdf_upload(), "title": "獣医所見", "kind": "xray"},
        format="multipart",
    )
    assert response.status_code == 201, response.json()
    document = HorseDocument.objects.get()
    assert (document.kind, document.title) == ("xray", "獣医所見")
    assert document.file.read(5) == b"%PDF-"


@pytest.mark.parametrize(
    ("upload", "code"),
    [
        (pdf_upload("report.pdf", b"MZ\x90\x00 not really a pdf"), "not_a_pdf"),
        (pdf_upload("report.txt", PDF_BYTES), "invalid_extension"),
        (pdf_upload("report.pdf", b""), "empty"),
    ],
    ids=["pdf-name-other-content", "pdf-content-other-name", "empty"],
)
def test_document_must_be_a_pdf_by_name_and_by_content(auctioneer, upload, code):
    horse = HorseFactory()
    response = client_for(auctioneer).post(
        f"/api/horses/{horse.pk}/documents/", {"file": upload, "title": "所見"}, format="multipart"
    )
    assert response.status_code == 400
    assert response.json()["code"] == code
    assert not HorseDocument.objects.exists()


def test_upload_to_a_missing_horse_is_a_404(auctioneer):
    response = client_for(auctioneer).post("/api/horses/999999/photos/", {"image": png_upload()}, format="multipart")
    assert (response.status_code, response.json()["code"]) == (404, "not_found")
