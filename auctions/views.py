"""Auctions over REST: everyone reads; organizers create, edit, schedule, start and cancel."""

from datetime import date

from django.http import HttpResponse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status, viewsets
from rest_framework.authentication import SessionAuthentication
from rest_framework.decorators import action
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework_simplejwt.authentication import JWTAuthentication

from accounts.models import is_organizer
from accounts.permissions import IsOrganizer, ReadOnlyOrOrganizer
from config.errors import ServiceError
from config.schema import READ_ONE_ERRORS, WRITE_ERRORS, error_responses

from . import selectors, services
from .errors import AuctionNotFound
from .invoice_pdf import invoice_pdf
from .models import Auction, AuctionStatus, Invoice, Sale
from .serializers import (
    AuctionSnapshotSerializer,
    AuctionWriteSerializer,
    CancelSerializer,
    InvoiceSerializer,
    MessageSerializer,
    SaleDetailSerializer,
    SaleSerializer,
    ScheduleSerializer,
)

LIFECYCLE_ERRORS = (401, 403, 404, 409, 429)


class InvalidFilter(ServiceError):
    code = "invalid_filter"


def _statuses(raw: str | None) -> list[str] | None:
    if raw is None or raw == "":
        return None
    statuses = [value.strip() for value in raw.split(",") if value.strip()]
    unknown = [value for value in statuses if value not in AuctionStatus.values]
    if unknown or not statuses:
        raise InvalidFilter(
            _("Unknown status. Use one or more of: %(values)s.") % {"values": ", ".join(AuctionStatus.values)},
            code="invalid_status",
            field="status",
        )
    return statuses


def _sale_date(raw: str | None) -> date | None:
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise InvalidFilter(
            _("The sale date must look like 2026-07-14."), code="invalid_sale_date", field="sale_date"
        ) from None


def _positive_int(raw: str | None, *, field: str, code: str, message) -> int | None:
    if raw is None or raw == "":
        return None
    if not raw.isascii() or not raw.isdigit() or not 1 <= int(raw) <= services.MAX_PRICE:
        raise InvalidFilter(message, code=code, field=field)
    return int(raw)


class AuctionViewSet(viewsets.GenericViewSet):
    queryset = Auction.objects.none()
    serializer_class = AuctionSnapshotSerializer
    permission_classes = [ReadOnlyOrOrganizer]
    lookup_value_regex = r"\d+"

    def get_permissions(self):
        if self.action in ("list", "retrieve"):
            return [AllowAny()]
        if self.action in ("start", "cancel", "schedule", "pause", "resume", "withdraw", "message"):
            return [IsOrganizer()]
        return super().get_permissions()

    def _snapshot(self, auction_id: int) -> dict:
        auction = selectors.auction_get(auction_id=auction_id, viewer=self.request.user)
        if auction is None:
            raise AuctionNotFound()
        return selectors.auction_snapshot(auction=auction, viewer=self.request.user)

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "status",
                str,
                description="Only auctions in these states, comma-separated: "
                + ", ".join(AuctionStatus.values)
                + ". An unknown state is a 400 `invalid_status`.",
            ),
            OpenApiParameter("sale_date", date, description="Only lots of sales running on this day (YYYY-MM-DD)."),
            OpenApiParameter("sale", int, description="Only the lots of this sale."),
            OpenApiParameter(
                "consignor",
                int,
                description="Organizers only: the lots of horses this user (id) consigned. Ignored for anyone else.",
            ),
        ],
        responses={200: AuctionSnapshotSerializer(many=True), **error_responses(400, 429)},
    )
    def list(self, request):
        queryset = selectors.auction_list(
            viewer=request.user,
            statuses=_statuses(request.query_params.get("status")),
            sale_date=_sale_date(request.query_params.get("sale_date")),
            sale_id=_positive_int(
                request.query_params.get("sale"),
                field="sale",
                code="invalid_sale",
                message=_("The sale is given by its id, a whole number."),
            ),
            consignor_id=_positive_int(
                request.query_params.get("consignor"),
                field="consignor",
                code="invalid_consignor",
                message=_("The consignor is given by their user id, a whole number."),
            )
            if is_organizer(request.user)
            else None,
        )
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(
            [selectors.auction_snapshot(auction=auction, viewer=request.user) for auction in page]
        )

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "for_amount",
                int,
                description="A hammer price in yen: the detail then carries `buyer_total`, what the buyer would "
                "pay at that price (premium and consumption tax included).",
            )
        ],
        responses={200: AuctionSnapshotSerializer, **error_responses(400, *READ_ONE_ERRORS)},
    )
    def retrieve(self, request, pk=None):
        amount = _positive_int(
            request.query_params.get("for_amount"),
            field="for_amount",
            code="invalid_amount",
            message=_("The amount must be a whole number of yen greater than zero."),
        )
        auction = selectors.auction_get(auction_id=int(pk), viewer=request.user)
        if auction is None:
            raise AuctionNotFound()
        snapshot = selectors.auction_snapshot(auction=auction, viewer=request.user)
        if amount is not None:
            snapshot["buyer_total"] = selectors.buyer_total_for(auction=auction, amount=amount)
        return Response(snapshot)

    @extend_schema(
        request=AuctionWriteSerializer,
        responses={201: AuctionSnapshotSerializer, **error_responses(*WRITE_ERRORS, 409)},
    )
    def create(self, request):
        serializer = AuctionWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        auction = services.auction_create(actor=request.user, **serializer.validated_data)
        return Response(self._snapshot(auction.pk), status=status.HTTP_201_CREATED)

    @extend_schema(
        request=AuctionWriteSerializer,
        responses={200: AuctionSnapshotSerializer, **error_responses(*WRITE_ERRORS, 404, 409)},
    )
    def partial_update(self, request, pk=None):
        serializer = AuctionWriteSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        auction = services.auction_update(auction_id=int(pk), actor=request.user, **serializer.validated_data)
        return Response(self._snapshot(auction.pk))

    @extend_schema(
        request=ScheduleSerializer,
        responses={200: AuctionSnapshotSerializer, **error_responses(400, *LIFECYCLE_ERRORS)},
    )
    @action(detail=True, methods=["post"])
    def schedule(self, request, pk=None):
        """Draft → scheduled: it starts by itself at `starts_at`."""
        serializer = ScheduleSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.auction_schedule(
            auction_id=int(pk), actor=request.user, starts_at=serializer.validated_data.get("starts_at")
        )
        return Response(self._snapshot(int(pk)))

    @extend_schema(request=None, responses={200: AuctionSnapshotSerializer, **error_responses(*LIFECYCLE_ERRORS)})
    @action(detail=True, methods=["post"])
    def start(self, request, pk=None):
        """Start now: `ends_at` = now + duration (never past the hard stop)."""
        services.auction_start(auction_id=int(pk), actor=request.user)
        return Response(self._snapshot(int(pk)))

    @extend_schema(
        request=CancelSerializer,
        responses={200: AuctionSnapshotSerializer, **error_responses(400, *LIFECYCLE_ERRORS)},
    )
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        """Cancel before the end (draft, scheduled or active)."""
        serializer = CancelSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.auction_cancel(auction_id=int(pk), actor=request.user, reason=serializer.validated_data["reason"])
        return Response(self._snapshot(int(pk)))

    @extend_schema(request=None, responses={200: AuctionSnapshotSerializer, **error_responses(*LIFECYCLE_ERRORS)})
    @action(detail=True, methods=["post"])
    def pause(self, request, pk=None):
        """Stop the clock of an active lot: bids are refused (`auction_paused`) until it resumes."""
        services.auction_pause(auction_id=int(pk), actor=request.user)
        return Response(self._snapshot(int(pk)))

    @extend_schema(request=None, responses={200: AuctionSnapshotSerializer, **error_responses(*LIFECYCLE_ERRORS)})
    @action(detail=True, methods=["post"])
    def resume(self, request, pk=None):
        """Restart a paused clock with the time the lot had left at the pause."""
        services.auction_resume(auction_id=int(pk), actor=request.user)
        return Response(self._snapshot(int(pk)))

    @extend_schema(
        request=CancelSerializer,
        responses={200: AuctionSnapshotSerializer, **error_responses(400, *LIFECYCLE_ERRORS)},
    )
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        """Take a lot out of the sale before its start (it ends `cancelled`, `withdrawn: true`)."""
        serializer = CancelSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.auction_withdraw(auction_id=int(pk), actor=request.user, reason=serializer.validated_data["reason"])
        return Response(self._snapshot(int(pk)))

    @extend_schema(
        request=MessageSerializer,
        responses={204: None, **error_responses(400, *LIFECYCLE_ERRORS)},
    )
    @action(detail=True, methods=["post"])
    def message(self, request, pk=None):
        """Send a message to everyone watching the lot (`auction:message`)."""
        serializer = MessageSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.auction_message(auction_id=int(pk), actor=request.user, text=serializer.validated_data["text"])
        return Response(status=status.HTTP_204_NO_CONTENT)


class SaleNotFound(ServiceError):
    code = "not_found"
    status_code = status.HTTP_404_NOT_FOUND
    default_message = _("This sale does not exist.")


class SaleViewSet(viewsets.GenericViewSet):
    """Sales and their lots in lot order; everyone may read."""

    queryset = Sale.objects.none()
    serializer_class = SaleSerializer
    permission_classes = [AllowAny]
    lookup_value_regex = r"\d+"

    @extend_schema(responses={200: SaleSerializer(many=True), **error_responses(429)})
    def list(self, request):
        page = self.paginate_queryset(selectors.sale_list())
        return self.get_paginated_response([selectors.sale_summary(sale=sale) for sale in page])

    @extend_schema(responses={200: SaleDetailSerializer, **error_responses(*READ_ONE_ERRORS)})
    def retrieve(self, request, pk=None):
        detail = selectors.sale_detail(sale_id=int(pk), viewer=request.user)
        if detail is None:
            raise SaleNotFound()
        return Response(detail)


class InvoiceNotFound(ServiceError):
    code = "not_found"
    status_code = status.HTTP_404_NOT_FOUND
    default_message = _("This invoice does not exist.")


class InvoiceViewSet(viewsets.GenericViewSet):
    """A buyer's invoices (staff: everyone's), and each as a PDF."""

    def perform_content_negotiation(self, request, force=False):
        # The PDF is PDF whatever the Accept header says (`application/pdf` must not be a 406); errors are JSON.
        if self.action == "pdf":
            renderer = self.get_renderers()[0]
            return renderer, renderer.media_type
        return super().perform_content_negotiation(request, force)

    queryset = Invoice.objects.none()
    serializer_class = InvoiceSerializer
    permission_classes = [IsAuthenticated]
    lookup_value_regex = r"\d+"

    def _invoice(self, pk) -> Invoice:
        invoice = selectors.invoice_list(viewer=self.request.user).filter(pk=int(pk)).first()
        if invoice is None:
            raise InvoiceNotFound()
        return invoice

    @extend_schema(responses={200: InvoiceSerializer(many=True), **error_responses(401, 429)})
    def list(self, request):
        page = self.paginate_queryset(selectors.invoice_list(viewer=request.user))
        return self.get_paginated_response([selectors.invoice_data(invoice=invoice) for invoice in page])

    @extend_schema(responses={200: InvoiceSerializer, **error_responses(401, 404, 429)})
    def retrieve(self, request, pk=None):
        return Response(selectors.invoice_data(invoice=self._invoice(pk)))

    @extend_schema(
        parameters=[OpenApiParameter("lang", str, description="ja or en; default: the user's language.")],
        responses={(200, "application/pdf"): bytes, **error_responses(401, 404, 429)},
    )
    # Session too (GET only, so no CSRF question), so that staff signed in to the admin open the invoice page's
    # PDF link in the browser, as they do the reports' links.
    @action(detail=True, methods=["get"], authentication_classes=[JWTAuthentication, SessionAuthentication])
    def pdf(self, request, pk=None):
        """The invoice as a PDF (適格請求書)."""
        invoice = self._invoice(pk)
        language = request.query_params.get("lang") or getattr(request.user, "language", "ja")
        response = HttpResponse(invoice_pdf(invoice, language=language), content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="invoice-{invoice.display_number}.pdf"'
        return response
