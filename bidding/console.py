"""The auctioneer's console for one sale session, in the Django admin (issue 16).

The session's lots in lot order with their state, price, watchers online and time left, refreshed by the page
every few seconds; from it the auctioneer pauses and resumes a lot, withdraws one before its start and sends a
message to the room. Every act goes through the lifecycle services (auctions.services), which check the rules,
audit and announce; nothing here decides anything.

It lives in `bidding` because the watcher counts do (bidding.presence, summed over the socket servers); the admin
page is wired in bidding/admin.py. Who: organizers (admins and auctioneers), as for the services themselves.
"""

from dataclasses import dataclass
from datetime import datetime

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import is_organizer
from auctions import services
from auctions.models import Auction, AuctionStatus, SaleSession
from auctions.wire import ms, server_time_ms
from config.errors import ServiceError

from . import presence

# How often the page asks for fresh rows (the countdowns tick every second in between).
REFRESH_SECONDS = 2

ACTIONS = ("pause", "resume", "withdraw", "message")
# A message "to the room" of the whole session goes to every lot still to be sold or selling.
MESSAGE_ALL = "all"
LIVE_STATUSES = (AuctionStatus.SCHEDULED, AuctionStatus.ACTIVE)


@dataclass(frozen=True)
class LotRow:
    auction: Auction
    watchers: int | None
    clock: str  # "running" | "paused" | "opens" | "due" | "closing" | "over" | ""
    clock_ms: int | None  # running / opens: the deadline (ms since the epoch); paused: the time it has left
    may_pause: bool
    may_resume: bool
    may_withdraw: bool

    @property
    def price(self) -> int | None:
        return self.auction.hammer_price or self.auction.current_price


def format_left(milliseconds: int) -> str:
    """4:05, or 1:02:03 past the hour (the page's own countdown writes the same)."""
    seconds = max(0, (milliseconds + 999) // 1000)
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{seconds:02d}" if hours else f"{minutes}:{seconds:02d}"


def _clock(auction: Auction, now: datetime) -> tuple[str, int | None]:
    if auction.status == AuctionStatus.ACTIVE:
        if auction.paused_at is not None:
            return "paused", max(0, int((auction.ends_at - auction.paused_at).total_seconds() * 1000))
        if auction.ends_at > now:
            return "running", ms(auction.ends_at)
        return "closing", None  # its end has passed: the close sweep is taking it
    if auction.status == AuctionStatus.SCHEDULED and auction.starts_at is not None:
        return ("opens", ms(auction.starts_at)) if auction.starts_at > now else ("due", None)
    if auction.status in (AuctionStatus.SOLD, AuctionStatus.UNSOLD, AuctionStatus.CANCELLED):
        return "over", None
    return "", None


def session_lots(session: SaleSession):
    return (
        Auction.objects.filter(session=session)
        .select_related("horse", "high_bidder", "winner")
        .order_by("lot_number", "pk")
    )


def console_rows(session: SaleSession, *, now: datetime | None = None) -> tuple[list[LotRow], bool]:
    """The session's lots as the console shows them, and whether the watcher counts are known."""
    now = now or timezone.now()
    lots = list(session_lots(session))
    watchers = presence.watchers_online(lot.pk for lot in lots)
    rows = []
    for lot in lots:
        clock, clock_ms = _clock(lot, now)
        rows.append(
            LotRow(
                auction=lot,
                watchers=None if watchers is None else watchers.get(lot.pk, 0),
                clock=clock,
                clock_ms=clock_ms,
                may_pause=clock == "running",
                may_resume=clock == "paused",
                may_withdraw=lot.status in (AuctionStatus.DRAFT, AuctionStatus.SCHEDULED),
            )
        )
    return rows, watchers is not None


# --- the pages ---------------------------------------------------------------------------------------------------


def _session_for(request, object_id) -> SaleSession:
    if not is_organizer(request.user):
        raise PermissionDenied(gettext_lazy("Only organizers (admins and auctioneers) may do this."))
    try:
        return SaleSession.objects.select_related("sale").get(pk=int(object_id))
    except (SaleSession.DoesNotExist, ValueError, TypeError):
        raise Http404(_("No such session.")) from None


def _context(request, session: SaleSession, model_admin) -> dict:
    rows, watchers_known = console_rows(session)
    return {
        "session": session,
        "sale": session.sale,
        "rows": rows,
        "watchers_known": watchers_known,
        "server_time_ms": server_time_ms(),
        "refresh_seconds": REFRESH_SECONDS,
        "message_all": MESSAGE_ALL,
        "message_lots": [row.auction for row in rows if row.auction.status != AuctionStatus.DRAFT],
        "max_message": services.MAX_ROOM_MESSAGE,
    }


def console_page(request, object_id, *, model_admin):
    session = _session_for(request, object_id)
    if request.method == "POST":
        _act(request, session)
        return HttpResponseRedirect(request.path)
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.model._meta,
        "title": _("Auctioneer's console: %(session)s") % {"session": session},
        **_context(request, session, model_admin),
    }
    return TemplateResponse(request, "admin/auctions/salesession/console.html", context)


def console_live(request, object_id, *, model_admin):
    """The part of the page that the page itself fetches again every REFRESH_SECONDS."""
    session = _session_for(request, object_id)
    # Never cached: admin_view marks every admin page so.
    return TemplateResponse(
        request, "admin/auctions/salesession/console_live.html", _context(request, session, model_admin)
    )


def _act(request, session: SaleSession) -> None:
    """One act of the auctioneer, through its service; the outcome is shown as an admin message."""
    action = request.POST.get("action")
    if action not in ACTIONS:
        messages.error(request, _("Unknown action."))
        return
    target = request.POST.get("auction", "")
    lots = session_lots(session)
    if action == "message" and target == MESSAGE_ALL:
        targets = list(lots.filter(status__in=LIVE_STATUSES))
        if not targets:
            messages.error(request, _("No lot of this session is scheduled or running: nobody to tell."))
            return
    else:
        lot = lots.filter(pk=int(target)).first() if target.isascii() and target.isdigit() else None
        if lot is None:
            messages.error(request, _("That lot is not in this session."))
            return
        targets = [lot]
    done, refused = [], {}
    for lot in targets:
        try:
            if action == "pause":
                services.auction_pause(auction_id=lot.pk, actor=request.user)
            elif action == "resume":
                services.auction_resume(auction_id=lot.pk, actor=request.user)
            elif action == "withdraw":
                services.auction_withdraw(auction_id=lot.pk, actor=request.user, reason=request.POST.get("reason", ""))
            else:
                services.auction_message(auction_id=lot.pk, actor=request.user, text=request.POST.get("text", ""))
            done.append(lot)
        except ServiceError as exc:
            refused.setdefault(str(exc.message), []).append(str(lot.lot_number))
    if done:
        numbers = ", ".join(str(lot.lot_number) for lot in done)
        text = {
            "pause": _("Paused lot %(lots)s: its clock stands still."),
            "resume": _("Resumed lot %(lots)s: its clock runs again with the time it had left."),
            "withdraw": _("Withdrew lot %(lots)s from the sale."),
            "message": _("Message sent to the room of lot(s) %(lots)s."),
        }[action]
        messages.success(request, text % {"lots": numbers})
    for reason, numbers in refused.items():
        messages.error(request, _("Lot %(lots)s: %(reason)s") % {"lots": ", ".join(numbers), "reason": reason})
