"""Who may do what, by role. Views combine these; the rules themselves stay in the services."""

from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import SAFE_METHODS, BasePermission

from .models import ORGANIZER_ROLES, Role


def _role(request) -> str | None:
    user = request.user
    return getattr(user, "role", None) if user and user.is_authenticated else None


class IsOrganizer(BasePermission):
    """Admins and auctioneers: they run sales."""

    message = _("Only organizers (admins and auctioneers) may do this.")

    def has_permission(self, request, view) -> bool:
        return _role(request) in ORGANIZER_ROLES


class IsStaffMember(BasePermission):
    """Staff (is_staff) pull reports."""

    message = _("Only staff may do this.")

    def has_permission(self, request, view) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and user.is_staff)


def may_read_vet_documents(user) -> bool:
    """Vet and X-ray reports are for organizers and for bidders an organizer has approved (DESIGN: documents are
    part of the catalogue, but a horse's health is told only to those who may buy it)."""
    if not (user and user.is_authenticated and user.is_active):
        return False
    return user.role in ORGANIZER_ROLES or (user.role == Role.BIDDER and user.is_approved_to_bid)


class MayReadVetDocuments(BasePermission):
    message = _("Veterinary documents are for approved bidders and organizers.")
    code = "documents_restricted"

    def has_permission(self, request, view) -> bool:
        return may_read_vet_documents(request.user)


class ReadOnlyOrOrganizer(BasePermission):
    """Everyone may read; only organizers may write."""

    message = IsOrganizer.message

    def has_permission(self, request, view) -> bool:
        return request.method in SAFE_METHODS or _role(request) in ORGANIZER_ROLES
