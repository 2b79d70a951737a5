"""Writes on the catalogue: horses, their photos and their documents.

Inputs arrive already shaped by a serializer or an admin form; here they are checked once more against the model
(field validators and database constraints) so that no caller can store what the catalogue must never hold.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext_lazy as _

from config.errors import ServiceError

from .models import Horse, HorseDocument, HorsePhoto

HORSE_FIELDS = (
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
)


class HorseInvalid(ServiceError):
    code = "invalid"
    default_message = _("Some fields are not valid.")


def _full_clean(instance, *, exclude=None) -> None:
    try:
        instance.full_clean(exclude=exclude)
    except ValidationError as exc:
        raise HorseInvalid(errors=exc.message_dict) from exc


def _assign(horse: Horse, data: dict) -> None:
    unknown = set(data) - set(HORSE_FIELDS)
    if unknown:
        raise HorseInvalid(_("Unknown fields: %(fields)s") % {"fields": ", ".join(sorted(unknown))})
    for field, value in data.items():
        setattr(horse, field, value)


@transaction.atomic
def horse_create(*, actor=None, **data) -> Horse:
    """Add a horse to the catalogue."""
    horse = Horse()
    _assign(horse, data)
    _full_clean(horse)
    horse.save()
    return horse


@transaction.atomic
def horse_update(*, horse_id: int, actor=None, **data) -> Horse:
    """Edit a horse's catalogue page. Takes the horse's row lock so two editors do not interleave."""
    horse = Horse.objects.select_for_update().get(pk=horse_id)
    _assign(horse, data)
    _full_clean(horse)
    horse.save()
    return horse


@transaction.atomic
def horse_photo_add(*, horse: Horse, image, caption: str = "", position: int | None = None) -> HorsePhoto:
    """Attach a photo; without a position it goes after the others."""
    if position is None:
        highest = horse.photos.aggregate(highest=Max("position"))["highest"]
        position = 0 if highest is None else highest + 1
    photo = HorsePhoto(horse=horse, image=image, caption=caption, position=position)
    _full_clean(photo)
    photo.save()
    return photo


def _delete_file_on_commit(field_file) -> None:
    """The stored file goes only once the row is gone for good; a rollback keeps both."""
    storage, name = field_file.storage, field_file.name
    if name:
        transaction.on_commit(lambda: storage.delete(name), robust=True)


@transaction.atomic
def horse_photo_delete(*, photo: HorsePhoto) -> None:
    _delete_file_on_commit(photo.image)
    photo.delete()


@transaction.atomic
def horse_document_add(*, horse: Horse, file, title: str, kind: str = "vet") -> HorseDocument:
    """Attach a veterinary or X-ray report (a PDF, checked by extension and by content)."""
    document = HorseDocument(horse=horse, file=file, title=title, kind=kind)
    _full_clean(document)
    document.save()
    return document


@transaction.atomic
def horse_document_delete(*, document: HorseDocument) -> None:
    _delete_file_on_commit(document.file)
    document.delete()
