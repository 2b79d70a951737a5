"""Why an organizer's action on an auction was refused: one typed error per code (see config.errors)."""

from django.utils.translation import gettext_lazy as _
from rest_framework import status

from config.errors import Conflict, NotAllowed, ServiceError


class AuctionNotFound(ServiceError):
    code = "not_found"
    status_code = status.HTTP_404_NOT_FOUND
    default_message = _("This auction does not exist.")


class InvalidTransition(Conflict):
    """The auction's state does not allow this step (rule 1: draft → scheduled → active → sold | unsold,
    and cancelled from any state before the end)."""

    code = "invalid_transition"
    default_message = _("The auction cannot make this change in its current state.")


class AuctionPaused(InvalidTransition):
    code = "auction_paused"
    default_message = _("This auction is paused.")


class AuctionNotPaused(InvalidTransition):
    code = "auction_not_paused"
    default_message = _("This auction is not paused.")


class NotEditable(Conflict):
    code = "not_editable"
    default_message = _("Only draft and scheduled auctions can be edited.")


class LotNumberTaken(Conflict):
    code = "lot_number_taken"
    default_message = _("This lot number is already used in this sale.")


class HorseHasOpenAuction(Conflict):
    code = "horse_has_open_auction"
    default_message = _("This horse already has an auction that is not finished.")


class NotOrganizer(NotAllowed):
    default_message = _("Only organizers (admins and auctioneers) may do this.")


class InvalidTerms(ServiceError):
    """A term of the auction breaks a rule (400). `field` names the term; `code` says which rule."""

    code = "invalid"

    def __init__(self, message=None, *, code: str, field: str):
        super().__init__(message, code=code, field=field)
        self.field = field
