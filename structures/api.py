"""API of the structures directory: search, one structure, its services (``rechercherStructure``,
``consulterStructure``, ``rechercherServicesStructure``)."""

from __future__ import annotations

from django.http import Http404
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from chorus.api import messages
from chorus.api.pagination import PageNumberPagination
from chorus.api.views import ApiView
from structures import selectors
from structures.models import Service, Structure

SIRET_PATH = OpenApiParameter(
    "siret", str, OpenApiParameter.PATH, pattern="^[0-9]{14}$", description="14 digits."
)


class StructureSerializer(serializers.Serializer):
    siret = serializers.CharField(source="identifier")
    identifier_type = serializers.CharField()
    name = serializers.CharField()
    address = serializers.CharField()
    postal_code = serializers.CharField()
    city = serializers.CharField()
    country = serializers.CharField()
    vat_number = serializers.CharField()
    is_public = serializers.BooleanField()
    service_code_required = serializers.BooleanField()
    engagement_required = serializers.BooleanField()
    engagement_or_service_required = serializers.BooleanField()
    keeps_engagement_register = serializers.BooleanField()

    class Meta:
        ref_name = "Structure"


def structure_or_404(siret: str) -> Structure:
    structure = selectors.directory_structure(siret)
    if structure is None:
        raise Http404
    return structure


class StructureListApi(ApiView):
    """Search the directory of active structures."""

    pagination_class = PageNumberPagination

    class FilterSerializer(serializers.Serializer):
        siret = serializers.RegexField(
            r"^[0-9 ]{3,20}$",
            required=False,
            help_text="The SIRET or its first digits (3 at least); spaces ignored.",
            error_messages={"invalid": messages.SIRET_PREFIX},
        )
        name = serializers.CharField(
            required=False, min_length=3, max_length=100, help_text="Part of the name."
        )
        is_public = serializers.BooleanField(required=False, allow_null=True, default=None)

    @extend_schema(
        operation_id="structures_list",
        tags=["structures"],
        parameters=[FilterSerializer],
        responses=StructureSerializer(many=True),
        summary="Search structures",
    )
    def get(self, request: Request) -> Response:
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        values = filters.validated_data
        structures = selectors.directory_structures(
            siret_prefix=values.get("siret", "").replace(" ", ""),
            name=values.get("name", "").strip(),
            is_public=values.get("is_public"),
        )
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(structures, request, view=self)
        return paginator.get_paginated_response(StructureSerializer(page, many=True).data)


class StructureDetailApi(ApiView):
    @extend_schema(
        operation_id="structures_retrieve",
        tags=["structures"],
        parameters=[SIRET_PATH],
        responses=StructureSerializer,
        summary="One structure",
    )
    def get(self, request: Request, siret: str) -> Response:
        return Response(StructureSerializer(structure_or_404(siret)).data)


class StructureServicesApi(ApiView):
    """The services an invoice to this structure may be addressed to today."""

    pagination_class = PageNumberPagination

    class OutputSerializer(serializers.Serializer):
        code = serializers.CharField()
        name = serializers.CharField()
        valid_from = serializers.DateField(allow_null=True)
        valid_until = serializers.DateField(allow_null=True)
        engagement_required = serializers.SerializerMethodField(
            help_text="An EJ number must be given (the service's or the structure's rule)."
        )
        service_code_required = serializers.SerializerMethodField(
            help_text="The structure requires a service code on its invoices."
        )

        def get_engagement_required(self, service: Service) -> bool:
            return service.engagement_required or service.structure.engagement_required

        def get_service_code_required(self, service: Service) -> bool:
            return service.structure.service_code_required

    @extend_schema(
        operation_id="structures_services_list",
        tags=["structures"],
        parameters=[SIRET_PATH],
        responses=OutputSerializer(many=True),
        summary="Services of a structure",
    )
    def get(self, request: Request, siret: str) -> Response:
        structure = structure_or_404(siret)
        services = selectors.services_open_today(structure, timezone.localdate()).select_related(
            "structure"
        )
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(services, request, view=self)
        return paginator.get_paginated_response(self.OutputSerializer(page, many=True).data)
