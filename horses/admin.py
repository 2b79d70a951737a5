from django.contrib import admin
from django.db.models import Count
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from .models import Horse, HorseDocument, HorsePhoto


class HorsePhotoInline(admin.TabularInline):
    model = HorsePhoto
    extra = 1
    fields = ("preview", "image", "caption", "position")
    readonly_fields = ("preview",)

    @admin.display(description=_("preview"))
    def preview(self, photo: HorsePhoto):
        if not photo.pk or not photo.image:
            return "—"
        return format_html('<img src="{}" alt="" style="height:64px;border-radius:4px">', photo.image.url)


class HorseDocumentInline(admin.TabularInline):
    model = HorseDocument
    extra = 1
    fields = ("kind", "title", "file", "uploaded_at")
    readonly_fields = ("uploaded_at",)


@admin.register(Horse)
class HorseAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "sex",
        "colour",
        "foaling_year",
        "sire",
        "dam",
        "dams_sire",
        "breeder",
        "location",
        "photo_count",
    )
    list_filter = ("sex", "colour", "foaling_year", "location")
    search_fields = ("name", "sire", "dam", "dams_sire", "breeder", "location")
    autocomplete_fields = ("consignor",)
    inlines = (HorsePhotoInline, HorseDocumentInline)
    fieldsets = (
        (None, {"fields": ("name", "sex", "colour", "foaling_year")}),
        (_("Pedigree"), {"fields": ("sire", "dam", "dams_sire")}),
        (_("Origin"), {"fields": ("breeder", "consignor", "location")}),
        (_("Catalogue"), {"fields": ("description",)}),
    )

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(photo_total=Count("photos"))

    @admin.display(description=_("photos"), ordering="photo_total")
    def photo_count(self, horse: Horse) -> int:
        return horse.photo_total
