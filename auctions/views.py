"""Auctions over REST: everyone reads; organizers create, edit, schedule, start and cancel."""

from datetime import date

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from accounts.permissions import IsOrganizer, ReadOnlyOrOrganizer
from config.errors import ServiceError
from config.schema import READ_ONE_ERRORS, WRITE_ERRORS, error_responses

from . import selectors, services
from .errors import AuctionNotFound
from .models import Auction, AuctionStatus
from .serializers import AuctionSnapshotSerializer, AuctionWriteSerializer, CancelSerializer, ScheduleSerializer

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


class AuctionViewSet(viewsets.GenericViewSet):
    queryset = Auction.objects.none()
    serializer_class = AuctionSnapshotSerializer
    permission_classes = [ReadOnlyOrOrganizer]
    lookup_value_regex = r"\d+"

    def get_permissions(self):
        if self.action in ("list", "retrieve"):
            return [AllowAny()]
        if self.action in ("start", "cancel", "schedule"):
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
            OpenApiParameter("sale_date", date, description="Only this sale day (YYYY-MM-DD)."),
        ],
        responses={200: AuctionSnapshotSerializer(many=True), **error_responses(400, 429)},
    )
    def list(self, request):
        queryset = selectors.auction_list(
            viewer=request.user,
            statuses=_statuses(request.query_params.get("status")),
            sale_date=_sale_date(request.query_params.get("sale_date")),
        )
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(
            [selectors.auction_snapshot(auction=auction, viewer=request.user) for auction in page]
        )

    @extend_schema(responses={200: AuctionSnapshotSerializer, **error_responses(*READ_ONE_ERRORS)})
    def retrieve(self, request, pk=None):
        return Response(self._snapshot(int(pk)))

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
