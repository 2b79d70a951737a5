"""Who may do what, by role. Views combine these; the rules themselves stay in the services."""

from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import SAFE_METHODS, BasePermission

from .models import ORGANIZER_ROLES


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


class ReadOnlyOrOrganizer(BasePermission):
    """Everyone may read; only organizers may write."""

    message = IsOrganizer.message

    def has_permission(self, request, view) -> bool:
        return request.method in SAFE_METHODS or _role(request) in ORGANIZER_ROLES
