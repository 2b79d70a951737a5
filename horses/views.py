"""The catalogue over REST: everyone reads; organizers create and edit horses and attach photos and documents."""

from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from accounts.models import is_organizer
from accounts.permissions import MayReadVetDocuments, ReadOnlyOrOrganizer
from config.media import protected_file_response
from config.schema import READ_ERRORS, READ_ONE_ERRORS, WRITE_ERRORS, error_responses

from . import catalogue_cache, services
from .models import Horse, HorseDocument
from .selectors import horse_list
from .serializers import (
    HorseDocumentSerializer,
    HorseDocumentUploadSerializer,
    HorsePhotoSerializer,
    HorsePhotoUploadSerializer,
    HorseSerializer,
    HorseWriteSerializer,
)


class HorseViewSet(viewsets.GenericViewSet):
    queryset = Horse.objects.all()
    serializer_class = HorseSerializer
    permission_classes = [ReadOnlyOrOrganizer]

    lookup_value_regex = r"\d+"

    def get_permissions(self):
        if self.action in ("list", "retrieve"):
            return [AllowAny()]
        return super().get_permissions()

    def get_queryset(self):
        return horse_list()

    def _page(self, horse: Horse) -> dict:
        return HorseSerializer(horse_list().get(pk=horse.pk), context={"request": self.request}).data

    @extend_schema(responses={200: HorseSerializer(many=True), **error_responses(*READ_ERRORS)})
    def list(self, request):
        def build() -> dict:
            page = self.paginate_queryset(self.get_queryset())
            return self.get_paginated_response(self.get_serializer(page, many=True).data).data

        if is_organizer(request.user):  # organizers also see consignors: never from the cache
            return Response(build())
        return Response(catalogue_cache.cached_page(request, build))

    @extend_schema(responses={200: HorseSerializer, **error_responses(*READ_ONE_ERRORS)})
    def retrieve(self, request, pk=None):
        return Response(self.get_serializer(self.get_object()).data)

    @extend_schema(request=HorseWriteSerializer, responses={201: HorseSerializer, **error_responses(*WRITE_ERRORS)})
    def create(self, request):
        serializer = HorseWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        horse = services.horse_create(actor=request.user, **serializer.validated_data)
        return Response(self._page(horse), status=status.HTTP_201_CREATED)

    @extend_schema(
        request=HorseWriteSerializer, responses={200: HorseSerializer, **error_responses(*WRITE_ERRORS, 404)}
    )
    def partial_update(self, request, pk=None):
        horse = self.get_object()
        serializer = HorseWriteSerializer(horse, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        horse = services.horse_update(horse_id=horse.pk, actor=request.user, **serializer.validated_data)
        return Response(self._page(horse))

    @extend_schema(
        request={"multipart/form-data": HorsePhotoUploadSerializer},
        responses={201: HorsePhotoSerializer, **error_responses(*WRITE_ERRORS, 404)},
    )
    @action(detail=True, methods=["post"], parser_classes=[MultiPartParser, FormParser])
    def photos(self, request, pk=None):
        """Attach a photo (JPEG, PNG, WebP…; checked by opening it as an image)."""
        horse = self.get_object()
        serializer = HorsePhotoUploadSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        photo = services.horse_photo_add(horse=horse, **serializer.validated_data)
        return Response(HorsePhotoSerializer(photo, context={"request": request}).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={204: None, **error_responses(401, 403, 404, 429)})
    @action(detail=True, methods=["delete"], url_path=r"photos/(?P<photo_id>\d+)")
    def photo_delete(self, request, pk=None, photo_id=None):
        photo = get_object_or_404(self.get_object().photos, pk=photo_id)
        services.horse_photo_delete(photo=photo)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        request={"multipart/form-data": HorseDocumentUploadSerializer},
        responses={201: HorseDocumentSerializer, **error_responses(*WRITE_ERRORS, 404)},
    )
    @action(detail=True, methods=["post"], parser_classes=[MultiPartParser, FormParser])
    def documents(self, request, pk=None):
        """Attach a veterinary or X-ray report: a PDF, checked by its extension and by its content."""
        horse = self.get_object()
        serializer = HorseDocumentUploadSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        document = services.horse_document_add(horse=horse, **serializer.validated_data)
        return Response(
            HorseDocumentSerializer(document, context={"request": request}).data, status=status.HTTP_201_CREATED
        )

    @extend_schema(
        request=None,
        responses={
            (200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY, description="The PDF."),
            **error_responses(401, 403, 404, 429),
        },
    )
    @action(
        detail=True,
        methods=["get"],
        url_path=r"documents/(?P<document_id>\d+)/file",
        url_name="document-file",
        permission_classes=[MayReadVetDocuments],
    )
    def document_file(self, request, pk=None, document_id=None):
        """A veterinary or X-ray report: for approved bidders and organizers (`documents_restricted` otherwise)."""
        document = get_object_or_404(HorseDocument, pk=document_id, horse_id=pk)
        return protected_file_response(document.file, content_type="application/pdf")

    @extend_schema(request=None, responses={204: None, **error_responses(401, 403, 404, 429)})
    @action(detail=True, methods=["delete"], url_path=r"documents/(?P<document_id>\d+)")
    def document_delete(self, request, pk=None, document_id=None):
        document = get_object_or_404(self.get_object().documents, pk=document_id)
        services.horse_document_delete(document=document)
        return Response(status=status.HTTP_204_NO_CONTENT)
