from django.conf import settings
from django.core.validators import FileExtensionValidator, MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .validators import (
    MAX_DOCUMENT_BYTES,
    MAX_PHOTO_BYTES,
    MaxFileSizeValidator,
    validate_pdf_content,
    validate_pedigree,
)


class Sex(models.TextChoices):
    COLT = "colt", _("Colt (牡)")
    FILLY = "filly", _("Filly (牝)")
    STALLION = "stallion", _("Stallion (牡)")
    MARE = "mare", _("Mare (牝)")
    GELDING = "gelding", _("Gelding (セン)")


class Colour(models.TextChoices):
    BAY = "bay", _("Bay (鹿毛)")
    DARK_BAY = "dark_bay", _("Dark bay (黒鹿毛)")
    BROWN = "brown", _("Brown (青鹿毛)")
    BLACK = "black", _("Black (青毛)")
    CHESTNUT = "chestnut", _("Chestnut (栗毛)")
    DARK_CHESTNUT = "dark_chestnut", _("Dark chestnut (栃栗毛)")
    GREY = "grey", _("Grey (芦毛)")
    WHITE = "white", _("White (白毛)")


class Horse(models.Model):
    """A horse and its catalogue page: what a buyer reads before the lot comes up."""

    name = models.CharField(_("name"), max_length=100)
    name_en = models.CharField(_("name (romaji / English)"), max_length=100, blank=True)
    sex = models.CharField(_("sex"), max_length=10, choices=Sex.choices)
    colour = models.CharField(_("colour"), max_length=16, choices=Colour.choices)
    foaling_year = models.PositiveSmallIntegerField(
        _("foaling year"), validators=[MinValueValidator(1990), MaxValueValidator(2100)]
    )
    sire = models.CharField(_("sire"), max_length=100)
    dam = models.CharField(_("dam"), max_length=100)
    dams_sire = models.CharField(_("dam's sire"), max_length=100, blank=True)
    # Three generations (14 ancestors) with their English names: {position: {"ja": …, "en": …}}. The columns
    # sire, dam and dams_sire stay the Japanese names of s, d and ds (the catalogue filters on them).
    pedigree = models.JSONField(
        _("pedigree"),
        default=dict,
        blank=True,
        validators=[validate_pedigree],
        help_text=_(
            '{"ss": {"ja": "サンデーサイレンス", "en": "Sunday Silence"}, …} for s, d, ss, sd, ds, dd, sss … ddd.'
        ),
    )
    breeder = models.CharField(_("breeder"), max_length=150, blank=True)
    consignor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("consignor"),
        on_delete=models.PROTECT,
        related_name="consigned_horses",
        null=True,
        blank=True,
    )
    location = models.CharField(_("location"), max_length=150, blank=True)
    description = models.TextField(_("description"), blank=True, max_length=10_000)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("horse")
        verbose_name_plural = _("horses")
        ordering = ["name", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(foaling_year__gte=1990) & Q(foaling_year__lte=2100),
                name="horses_foaling_year_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.foaling_year})"


class HorsePhoto(models.Model):
    horse = models.ForeignKey(Horse, on_delete=models.CASCADE, related_name="photos")
    image = models.ImageField(
        _("image"), upload_to="horses/photos/%Y/%m/", validators=[MaxFileSizeValidator(MAX_PHOTO_BYTES)]
    )
    caption = models.CharField(_("caption"), max_length=200, blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("photo")
        verbose_name_plural = _("photos")
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return self.caption or self.image.name


class DocumentKind(models.TextChoices):
    VET = "vet", _("Veterinary report")
    XRAY = "xray", _("X-ray report")
    OTHER = "other", _("Other")


class HorseDocument(models.Model):
    horse = models.ForeignKey(Horse, on_delete=models.CASCADE, related_name="documents")
    kind = models.CharField(_("kind"), max_length=10, choices=DocumentKind.choices, default=DocumentKind.VET)
    title = models.CharField(_("title"), max_length=200)
    file = models.FileField(
        _("file"),
        upload_to="horses/documents/%Y/%m/",
        validators=[
            FileExtensionValidator(["pdf"]),
            validate_pdf_content,
            MaxFileSizeValidator(MAX_DOCUMENT_BYTES),
        ],
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        ordering = ["kind", "pk"]

    def __str__(self) -> str:
        return self.title
