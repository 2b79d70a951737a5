from django.core.validators import FileExtensionValidator
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field, extend_schema_serializer
from rest_framework import serializers

from accounts.models import User, is_organizer

from .models import DocumentKind, Horse, HorseDocument, HorsePhoto
from .validators import MAX_DOCUMENT_BYTES, MAX_PHOTO_BYTES, MaxFileSizeValidator, validate_pdf_content


def viewer_is_organizer(context) -> bool:
    return is_organizer(getattr(context.get("request"), "user", None))


class HorsePhotoSerializer(serializers.ModelSerializer):
    class Meta:
        model = HorsePhoto
        fields = ["id", "image", "caption", "position"]
        read_only_fields = fields


class HorseDocumentSerializer(serializers.ModelSerializer):
    file = serializers.SerializerMethodField(
        help_text="Where to read the document: for approved bidders and organizers, with their access token."
    )

    class Meta:
        model = HorseDocument
        fields = ["id", "kind", "title", "file", "uploaded_at"]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.URI)
    def get_file(self, document: HorseDocument) -> str:
        # The guarded endpoint, never the file under /media/: the same link for everyone, so cached pages stay right.
        path = reverse("horse-document-file", kwargs={"pk": document.horse_id, "document_id": document.pk})
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request else path


class HorseSerializer(serializers.ModelSerializer):
    """A catalogue page. The consignor's account is shown to organizers only."""

    sex_display = serializers.CharField(source="get_sex_display", read_only=True)
    colour_display = serializers.CharField(source="get_colour_display", read_only=True)
    photos = HorsePhotoSerializer(many=True, read_only=True)
    documents = HorseDocumentSerializer(many=True, read_only=True)
    # Output only; not read_only, so that the schema can mark it optional (it is absent for non-organizers).
    consignor = serializers.IntegerField(
        source="consignor_id", required=False, allow_null=True, help_text="Organizers only: the consignor's user id."
    )

    class Meta:
        model = Horse
        fields = [
            "id",
            "name",
            "name_en",
            "sex",
            "sex_display",
            "colour",
            "colour_display",
            "foaling_year",
            "sire",
            "dam",
            "dams_sire",
            "pedigree",
            "breeder",
            "consignor",
            "location",
            "description",
            "photos",
            "documents",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def to_representation(self, instance):
        data = super().to_representation(instance)
        if not viewer_is_organizer(self.context):
            data.pop("consignor", None)
        return data


class HorseWriteSerializer(serializers.ModelSerializer):
    """What an organizer sends to create or edit a horse (photos and documents have their own endpoints)."""

    consignor = serializers.PrimaryKeyRelatedField(queryset=User.objects.all(), required=False, allow_null=True)

    class Meta:
        model = Horse
        fields = [
            "name",
            "name_en",
            "sex",
            "colour",
            "foaling_year",
            "sire",
            "dam",
            "dams_sire",
            "pedigree",
            "breeder",
            "consignor",
            "location",
            "description",
        ]


class HorsePhotoUploadSerializer(serializers.Serializer):
    image = serializers.ImageField(validators=[MaxFileSizeValidator(MAX_PHOTO_BYTES)])
    caption = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    position = serializers.IntegerField(min_value=0, max_value=32767, required=False)


# Named as the request side of HorseDocument, so the schema's `kind` enum is HorseDocumentKindEnum in both
# directions (a bare `kind` would collide with the notifications' own `kind`).
@extend_schema_serializer(component_name="HorseDocument")
class HorseDocumentUploadSerializer(serializers.Serializer):
    file = serializers.FileField(
        validators=[
            FileExtensionValidator(["pdf"]),
            validate_pdf_content,
            MaxFileSizeValidator(MAX_DOCUMENT_BYTES),
        ],
        help_text="A PDF (checked by extension and by content).",
    )
    title = serializers.CharField(max_length=200)
    kind = serializers.ChoiceField(choices=DocumentKind.choices, default=DocumentKind.VET)
