from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
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


class VettingStatus(models.TextChoices):
    EMAIL_UNCONFIRMED = "email_unconfirmed", _("E-mail address not confirmed")
    UNDER_REVIEW = "under_review", _("Under review")
    APPROVED = "approved", _("Approved to bid")
    NOT_APPLICABLE = "not_applicable", _("Not a bidder")


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

    # Vetting: who a self-registered bidder says they are, what they agreed to, and whether the address is theirs.
    full_name = models.CharField(_("full name"), max_length=100, blank=True)
    full_name_kana = models.CharField(_("full name (kana)"), max_length=100, blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    conditions_version = models.CharField(
        _("conditions of sale accepted"), max_length=32, blank=True, help_text=_("The version the user accepted.")
    )
    conditions_accepted_at = models.DateTimeField(_("conditions accepted at"), null=True, blank=True)
    email_confirmed_at = models.DateTimeField(_("e-mail confirmed at"), null=True, blank=True)

    objects = PlatformUserManager()

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        # Auctioneers approve bidders (with a credit limit) without the right to edit accounts.
        permissions = [("approve_user", _("Can approve bidders to bid"))]
        constraints = [
            models.CheckConstraint(condition=Q(role__in=[r.value for r in Role]), name="accounts_user_role_valid"),
            # One account per e-mail address, whatever its case (accounts made without one do not collide).
            models.UniqueConstraint(
                Lower("email"),
                condition=~Q(email=""),
                name="accounts_user_email_ci_unique",
                violation_error_message=_("An account with this e-mail address already exists."),
            ),
        ]

    @property
    def email_confirmed(self) -> bool:
        return self.email_confirmed_at is not None

    @property
    def vetting_status(self) -> str:
        """Where a bidder stands: `email_unconfirmed`, `under_review` (waiting for an organizer), `approved`;
        `not_applicable` for every other role."""
        if self.role != Role.BIDDER:
            return VettingStatus.NOT_APPLICABLE
        if self.is_approved_to_bid:
            return VettingStatus.APPROVED
        if not self.email_confirmed:
            return VettingStatus.EMAIL_UNCONFIRMED
        return VettingStatus.UNDER_REVIEW

    def get_vetting_status_display(self) -> str:
        return VettingStatus(self.vetting_status).label

    def get_full_name(self) -> str:
        return self.full_name or super().get_full_name()

    def __str__(self) -> str:
        if self.paddle_number:
            return f"{self.username} (#{self.paddle_number})"
        return self.username
