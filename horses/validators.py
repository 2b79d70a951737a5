"""File checks for the catalogue: a document must really be a PDF, and uploads have a sensible size."""

from django.core.exceptions import ValidationError
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext_lazy as _

PDF_MAGIC = b"%PDF-"


def _is_new_upload(file) -> bool:
    """True for a file being uploaded now; False for one already in storage (checked when it was uploaded)."""
    return not getattr(file, "_committed", False)


def validate_pdf_content(file) -> None:
    """The extension alone proves nothing: a PDF starts with the bytes `%PDF-`."""
    if not _is_new_upload(file):
        return
    position = file.tell() if hasattr(file, "tell") else 0
    file.seek(0)
    head = file.read(len(PDF_MAGIC))
    file.seek(position)
    if head != PDF_MAGIC:
        raise ValidationError(_("The file is not a PDF document."), code="not_a_pdf")


@deconstructible
class MaxFileSizeValidator:
    def __init__(self, max_bytes: int):
        self.max_bytes = max_bytes

    def __call__(self, file) -> None:
        if _is_new_upload(file) and file.size > self.max_bytes:
            raise ValidationError(
                _("The file is too large (at most %(megabytes)d MB)."),
                code="file_too_large",
                params={"megabytes": self.max_bytes // (1024 * 1024)},
            )

    def __eq__(self, other) -> bool:
        return isinstance(other, MaxFileSizeValidator) and other.max_bytes == self.max_bytes


MAX_PHOTO_BYTES = 10 * 1024 * 1024
MAX_DOCUMENT_BYTES = 25 * 1024 * 1024


# The three generations of a pedigree, by position: s = sire, d = dam, then each parent's s and d. Fourteen
# ancestors: 2 parents, 4 grandparents, 8 great-grandparents.
PEDIGREE_POSITIONS = (
    "s",
    "d",
    "ss",
    "sd",
    "ds",
    "dd",
    "sss",
    "ssd",
    "sds",
    "sdd",
    "dss",
    "dsd",
    "dds",
    "ddd",
)
PEDIGREE_NAME_MAX = 100


def validate_pedigree(value) -> None:
    """{position: {"ja": name, "en": romaji or English name}}; every key and name optional, nothing else."""
    if not isinstance(value, dict):
        raise ValidationError(_("The pedigree is an object keyed by position (s, d, ss, … ddd)."), code="invalid")
    for position, names in value.items():
        if position not in PEDIGREE_POSITIONS:
            raise ValidationError(_("Unknown pedigree position: %(p)s.") % {"p": str(position)[:10]}, code="invalid")
        if not isinstance(names, dict) or set(names) - {"ja", "en"}:
            raise ValidationError(
                _('Each ancestor is {"ja": name, "en": name} (%(p)s).') % {"p": position}, code="invalid"
            )
        for name in names.values():
            if not isinstance(name, str) or len(name) > PEDIGREE_NAME_MAX:
                raise ValidationError(
                    _("A name is text of at most %(max)d characters (%(p)s).")
                    % {"max": PEDIGREE_NAME_MAX, "p": position},
                    code="invalid",
                )
