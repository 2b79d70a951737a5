from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    ADMIN = "admin", _("Admin")
    AUCTIONEER = "auctioneer", _("Auctioneer")
    BIDDER = "bidder", _("Bidder")
    VIEWER = "viewer", _("Viewer")


ORGANIZER_ROLES = frozenset({Role.ADMIN, Role.AUCTIONEER})


def is_organizer(user) -> bool:
    """An active, signed-in admin or auctioneer: someone who runs sales. Safe on None and AnonymousUser."""
    return bool(
        user is not None and user.is_authenticated and user.is_active and getattr(user, "role", None) in ORGANIZER_ROLES
    )


class Language(models.TextChoices):
    JAPANESE = "ja", "日本語"
    ENGLISH = "en", "English"


class PlatformUserManager(UserManager):
    def create_superuser(self, username, email=None, password=None, **extra_fields):
        extra_fields.setdefault("role", Role.ADMIN)
        return super().create_superuser(username, email, password, **extra_fields)


class User(AbstractUser):
    """A person on the platform. Bidders appear to others only by their paddle number."""

    role = models.CharField(_("role"), max_length=16, choices=Role.choices, default=Role.VIEWER, db_index=True)
    paddle_number = models.PositiveIntegerField(_("paddle number"), null=True, blank=True, unique=True)
    is_approved_to_bid = models.BooleanField(
        _("approved to bid"), default=False, help_text=_("Only approved bidders may place bids.")
    )
    credit_limit = models.PositiveBigIntegerField(
        _("credit limit (yen)"), null=True, blank=True, help_text=_("Empty means no limit.")
    )
    language = models.CharField(_("language"), max_length=2, choices=Language.choices, default=Language.JAPANESE)

    objects = PlatformUserManager()

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.CheckConstraint(condition=Q(role__in=[r.value for r in Role]), name="accounts_user_role_valid"),
        ]

    def __str__(self) -> str:
        if self.paddle_number:
            return f"{self.username} (#{self.paddle_number})"
        return self.username
