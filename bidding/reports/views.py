"""Staff CSV reports over REST: validate the filters, build the report, stream it. Staff (is_staff) only.

The views are DRF views so that refusals and bad filters come back as the platform's JSON errors ({code, detail});
the reports themselves are StreamingHttpResponses, whatever the client's Accept header says.
"""

import re
from datetime import date, datetime

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.authentication import SessionAuthentication
from rest_framework.exceptions import NotFound
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.views import APIView
from rest_framework_simplejwt.authentication import JWTAuthentication

from accounts.models import Role
from accounts.permissions import IsStaffMember
from auctions.models import Auction, AuctionStatus
from config.errors import ServiceError
from config.schema import error_responses

from . import queries
from .streaming import report_response


class InvalidReportFilter(ServiceError):
    code = "invalid_filter"


class _JSONForErrors(BaseContentNegotiation):
    """A report is CSV whatever the Accept header says (`text/csv` must not be refused with 406); the only thing
    DRF renders here is an error, and that is always JSON."""

    def select_parser(self, request, parsers):
        return parsers[0]

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


# --- filters -----------------------------------------------------------------------------------------------

_OFFSET_WITHOUT_PLUS = re.compile(r" (\d{2}:?\d{2})$")  # "+09:00" sent unencoded arrives as " 09:00"


def _moment(params, name: str) -> date | datetime | None:
    raw = params.get(name, "").strip()
    if not raw:
        return None
    raw = _OFFSET_WITHOUT_PLUS.sub(r"+\1", raw)
    try:
        if "T" not in raw and ":" not in raw:
            return date.fromisoformat(raw)
        value = datetime.fromisoformat(raw)
    except ValueError:
        raise InvalidReportFilter(
            _("Use an ISO date or date and time, e.g. 2026-07-14 or 2026-07-14T10:00:00+09:00."),
            code="invalid_date",
            field=name,
        ) from None
    return value if timezone.is_aware(value) else value.replace(tzinfo=queries.REPORT_TZ)


def _period(params) -> queries.Period:
    period = queries.Period(since=_moment(params, "since"), until=_moment(params, "until"))
    if period.start is not None and period.end is not None and period.start >= period.end:
        raise InvalidReportFilter(_("The period ends before it starts."), code="invalid_period", field="until")
    return period


def _choices(params, name: str, allowed: list[str], code: str) -> list[str] | None:
    raw = params.get(name, "")
    if not raw.strip():
        return None
    values = [value.strip() for value in raw.split(",") if value.strip()]
    if not values or any(value not in allowed for value in values):
        raise InvalidReportFilter(
            _("Unknown %(name)s. Use one or more of: %(values)s.") % {"name": name, "values": ", ".join(allowed)},
            code=code,
            field=name,
        )
    return values


def _auction(params) -> Auction | None:
    raw = params.get("auction", "").strip()
    if not raw:
        return None
    if not raw.isascii() or not raw.isdigit():
        raise InvalidReportFilter(_("The auction must be an auction id."), code="invalid_auction", field="auction")
    auction = Auction.objects.select_related("horse").filter(pk=int(raw)).first()
    if auction is None:
        raise NotFound(_("This auction does not exist."))
    return auction


def _flag(params, name: str) -> bool:
    raw = params.get(name, "").strip().lower()
    if raw in ("", "0", "false", "no"):
        return False
    if raw in ("1", "true", "yes"):
        return True
    raise InvalidReportFilter(_("Use 1 or 0."), code="invalid_flag", field=name)


# --- views -------------------------------------------------------------------------------------------------

_CSV_OK = {
    (200, "text/csv"): OpenApiResponse(
        response=OpenApiTypes.STR,
        description="UTF-8 CSV with a BOM and CRLF line ends, streamed; yen as integers, times in Asia/Tokyo.",
    )
}
_PERIOD_PARAMETERS = [
    OpenApiParameter(
        "since",
        OpenApiTypes.STR,
        description="ISO date (from the start of that day in Tokyo) or date and time (inclusive).",
    ),
    OpenApiParameter(
        "until",
        OpenApiTypes.STR,
        description="ISO date (to the end of that day in Tokyo) or date and time (exclusive).",
    ),
]


class _ReportView(APIView):
    # Session too, so a member of staff signed in to the admin can open a report link in the browser.
    authentication_classes = [JWTAuthentication, SessionAuthentication]
    permission_classes = [IsStaffMember]
    content_negotiation_class = _JSONForErrors


class ResultsReportView(_ReportView):
    @extend_schema(
        operation_id="reports_results_csv",
        summary="Sale results as CSV (staff)",
        description="One row per lot: horse and pedigree, consignor, status, hammer price, winner, reserve met, "
        "bids, extensions, start and end. `since` / `until` bound the sale date.",
        parameters=[
            OpenApiParameter(
                "status",
                OpenApiTypes.STR,
                description="One or more statuses, comma-separated: " + ", ".join(AuctionStatus.values),
            ),
            *_PERIOD_PARAMETERS,
        ],
        responses={**_CSV_OK, **error_responses(400, 401, 403, 429)},
    )
    def get(self, request):
        params = request.query_params
        report = queries.results_report(
            statuses=_choices(params, "status", AuctionStatus.values, "invalid_status"),
            period=_period(params),
        )
        return report_response(request, report)


class BidsReportView(_ReportView):
    @extend_schema(
        operation_id="reports_bids_csv",
        summary="Bid history as CSV (staff)",
        description="Accepted bids with their audit fields, in the order they were placed; with `attempts=1`, "
        "every bid attempt from the audit log, refused ones too, with the outcome code.",
        parameters=[
            OpenApiParameter("auction", OpenApiTypes.INT, description="Only this auction's bids."),
            *_PERIOD_PARAMETERS,
            OpenApiParameter(
                "attempts",
                OpenApiTypes.BOOL,
                description="1: every attempt from the audit log (accepted and refused), for disputes.",
            ),
        ],
        responses={**_CSV_OK, **error_responses(400, 401, 403, 404, 429)},
    )
    def get(self, request):
        params = request.query_params
        report = queries.bids_report(
            auction=_auction(params), period=_period(params), attempts=_flag(params, "attempts")
        )
        return report_response(request, report)


class BiddersReportView(_ReportView):
    @extend_schema(
        operation_id="reports_bidders_csv",
        summary="Bidders as CSV (staff)",
        description="Paddle, username, name, e-mail, role, approval, credit limit, joined, bids, lots won. By "
        "default every bidder and anyone who has ever bid; `role` picks roles instead.",
        parameters=[
            OpenApiParameter(
                "role", OpenApiTypes.STR, description="One or more roles, comma-separated: " + ", ".join(Role.values)
            ),
        ],
        responses={**_CSV_OK, **error_responses(400, 401, 403, 429)},
    )
    def get(self, request):
        report = queries.bidders_report(roles=_choices(request.query_params, "role", Role.values, "invalid_role"))
        return report_response(request, report)


def _sale_id(params) -> int | None:
    raw = params.get("sale", "").strip()
    if not raw:
        return None
    if not raw.isascii() or not raw.isdigit():
        raise InvalidReportFilter(_("The sale must be a sale id."), code="invalid_sale", field="sale")
    return int(raw)


class InvoicesReportView(_ReportView):
    @extend_schema(
        operation_id="reports_invoices_csv",
        summary="Invoices as CSV (staff)",
        description="Every invoice issued (適格請求書): number, sale, lot, buyer, registration number, hammer price, "
        "premium and consumption tax with their rates, total. `since` / `until` bound the moment of issue.",
        parameters=[OpenApiParameter("sale", OpenApiTypes.INT, description="Only this sale's."), *_PERIOD_PARAMETERS],
        responses={**_CSV_OK, **error_responses(400, 401, 403, 429)},
    )
    def get(self, request):
        params = request.query_params
        return report_response(request, queries.invoices_report(sale_id=_sale_id(params), period=_period(params)))
