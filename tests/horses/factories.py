"""Catalogue factories and real tiny files to upload."""

import io

import factory
from django.core.files.uploadedfile import SimpleUploadedFile

from horses.models import Horse

# A one-page PDF: starts with the %PDF- magic, as every PDF does.
PDF_BYTES = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)


def png_bytes(size=(4, 3), colour=(139, 84, 45)) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, format="PNG")
    return buffer.getvalue()


def png_upload(name="horse.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, png_bytes(), content_type="image/png")


def pdf_upload(name="vet-report.pdf", content=PDF_BYTES) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")


class HorseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Horse

    name = factory.Sequence(lambda n: f"カタログホース{n}")
    sex = "filly"
    colour = "chestnut"
    foaling_year = 2025
    sire = "サクラオウジャ"
    dam = "ハルカゼヒメ"
    dams_sire = "ダイチノチカラ"
    breeder = "静内白樺牧場"
    location = "北海道新ひだか町静内"
