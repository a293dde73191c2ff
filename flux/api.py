"""The flux API: deposit a flux (202, integrated by workers), follow it, list them.

``POST /api/v1/flux/`` takes a multipart ``file`` (a ZIP of Factur-X PDFs / CII / UBL files, or
one XML) with ``supplier_siret``, or a JSON array of invoices in the typed invoice's schema
(``POST /api/v1/invoices/``) with ``?supplier_siret=``. The body is stored byte for byte; the
same file for the same structure answers the first flux, as does the same ``Idempotency-Key``.
"""

from __future__ import annotations

import hashlib
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import exceptions, parsers, serializers, status
from rest_framework.response import Response

from accounts.http import AuthenticatedRequest
from accounts.models import ApiScope
from chorus.api.errors import FileTypeRefused, PayloadTooLarge
from chorus.api.idempotency import idempotent
from chorus.api.pagination import PageNumberPagination
from chorus.api.reversing import reverse_ids
from chorus.api.views import ApiView
from flux import selectors, services
from flux.judging import FluxInvoiceSerializer
from flux.models import Flux, FluxItem
from invoices.api.actions import supplier_for

FLUX_ID = OpenApiParameter("id", int, OpenApiParameter.PATH, description="The flux's id.")
REPLAYED_HEADER = "Flux-Already-Received"


class RawBody:
    """A JSON flux as received: its bytes, stored as they came (the idempotency key's
    fingerprint reads its digest)."""

    def __init__(self, content: bytes) -> None:
        self.content = content

    def __str__(self) -> str:
        return hashlib.sha256(self.content).hexdigest()


class RawJsonParser(parsers.BaseParser):
    media_type = "application/json"

    # The raw bytes and their size, not DRF's parsed data: FluxApi reads them itself.
    def parse(  # type: ignore[override]
        self, stream: Any, media_type: Any = None, parser_context: Any = None
    ) -> RawBody:
        limit = settings.FLUX_MAX_BYTES
        content = stream.read(limit + 1) if stream is not None else b""
        if len(content) > limit:
            raise PayloadTooLarge()
        return RawBody(content)


def flux_url(flux: Flux) -> str:
    return reverse_ids("api:flux-detail", pk=flux.pk)


class FluxSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.ChoiceField(choices=Flux.Status.choices)
    status_label = serializers.CharField(source="get_status_display")
    kind = serializers.ChoiceField(choices=Flux.Kind.choices)
    name = serializers.CharField(source="original_name")
    size = serializers.IntegerField()
    sha256 = serializers.CharField()
    supplier_siret = serializers.CharField(source="supplier.identifier")
    refusal = serializers.CharField(help_text="Why the flux was refused as a whole, if it was.")
    invoice_count = serializers.IntegerField(source="item_count")
    integrated_count = serializers.IntegerField()
    rejected_count = serializers.IntegerField()
    received_at = serializers.DateTimeField()
    started_at = serializers.DateTimeField(allow_null=True)
    finished_at = serializers.DateTimeField(allow_null=True)
    url = serializers.SerializerMethodField(help_text="Where to follow the flux.")

    class Meta:
        ref_name = "FluxSummary"

    def get_url(self, flux: Flux) -> str:
        return flux_url(flux)


class FluxErrorSerializer(serializers.Serializer):
    rule = serializers.CharField(help_text="CHORUS (the portal's rules), SCHEMA, FICHIER, FLUX, "
                                 "or the broken rule of the standard (BR-CO-15…).")  # fmt: skip
    field = serializers.CharField(allow_blank=True)
    message = serializers.CharField()


class FluxItemSerializer(serializers.ModelSerializer):
    invoice_id = serializers.IntegerField(allow_null=True)
    invoice_url = serializers.SerializerMethodField()
    # A field of the item named like the serializer's own ``errors`` property.
    errors = FluxErrorSerializer(many=True)  # type: ignore[assignment]

    class Meta:
        model = FluxItem
        fields = ["position", "name", "number", "result", "invoice_id", "invoice_url", "errors"]
        ref_name = "FluxItem"

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_invoice_url(self, item: FluxItem) -> str | None:
        if item.invoice_id is None:
            return None
        return reverse_ids("api:invoice-detail", pk=item.invoice_id)


class FluxDetailSerializer(FluxSerializer):
    items = serializers.SerializerMethodField()

    class Meta:
        ref_name = "Flux"

    @extend_schema_field(FluxItemSerializer(many=True))
    def get_items(self, flux: Flux) -> list:
        # many=True gives a list (ReturnList), which the stubs type as the one-item dict.
        return FluxItemSerializer(selectors.items_of(flux), many=True).data  # type: ignore[return-value]


class FluxListApi(ApiView):
    """GET: the flux of the caller's structures. POST: deposit a flux."""

    token_scope = ApiScope.DEPOSIT  # its POST deposits invoices
    pagination_class = PageNumberPagination
    parser_classes = [parsers.MultiPartParser, RawJsonParser]
    max_body_size = settings.FLUX_MAX_BYTES + 1024 * 1024

    class FilterSerializer(serializers.Serializer):
        status = serializers.ChoiceField(choices=Flux.Status.choices, required=False)
        supplier_siret = serializers.CharField(required=False, max_length=14)

    class InputSerializer(serializers.Serializer):
        supplier_siret = serializers.RegexField(r"^[0-9]{14}$", help_text="One of your structures.")
        file = serializers.FileField(
            help_text="A ZIP of Factur-X PDFs / CII / UBL files, one XML invoice, or a JSON "
            "array of invoices."
        )

        class Meta:
            ref_name = "FluxUploadInput"

    class SupplierSerializer(serializers.Serializer):
        supplier_siret = serializers.RegexField(r"^[0-9]{14}$")

    @extend_schema(
        operation_id="flux_list",
        tags=["flux"],
        parameters=[FilterSerializer],
        responses=FluxSerializer(many=True),
        summary="List flux",
    )
    def get(self, request: AuthenticatedRequest) -> Response:
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        found = selectors.flux_for(request.user)
        if "status" in filters.validated_data:
            found = found.filter(status=filters.validated_data["status"])
        if "supplier_siret" in filters.validated_data:
            found = found.filter(supplier__identifier=filters.validated_data["supplier_siret"])
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(found, request, view=self)
        return paginator.get_paginated_response(FluxSerializer(page, many=True).data)

    @extend_schema(
        operation_id="flux_create",
        tags=["flux"],
        parameters=[
            OpenApiParameter("supplier_siret", str, description="With a JSON body: the structure.")
        ],
        request={
            "multipart/form-data": InputSerializer,
            "application/json": FluxInvoiceSerializer(many=True),
        },
        responses={202: FluxSerializer},
        summary="Deposit a flux (up to 500 invoices)",
        description=(
            "Stored as received and answered at once (202); workers integrate it: each invoice "
            "judged like a single deposit, the good ones deposited, the others rejected with "
            "their reasons (GET the status URL). The same file for the same structure answers "
            "the first flux."
        ),
    )
    @idempotent
    def post(self, request: AuthenticatedRequest) -> Response:
        if isinstance(request.data, RawBody):
            siret = self._siret(request.query_params)
            content: Any = ContentFile(request.data.content, name="flux.json")
            name = "flux.json"
        else:
            data = self.InputSerializer(data=request.data)
            data.is_valid(raise_exception=True)
            siret = data.validated_data["supplier_siret"]
            content = data.validated_data["file"]
            name = content.name or "flux"
        supplier = supplier_for(request.user, siret)
        try:
            received = services.flux_receive(
                user=request.user, supplier=supplier, content=content, name=name
            )
        except services.FluxError as exc:
            if exc.http_status == 413:
                raise PayloadTooLarge(exc.message) from None
            if exc.http_status == 415:
                raise FileTypeRefused(exc.message) from None
            raise exceptions.ValidationError({exc.field: [exc.message]}) from None
        headers = {"Location": flux_url(received.flux)}
        if not received.created:
            headers[REPLAYED_HEADER] = "true"
        body = FluxSerializer(received.flux).data
        return Response(body, status=status.HTTP_202_ACCEPTED, headers=headers)

    def _siret(self, params: Any) -> str:
        data = self.SupplierSerializer(data=params)
        data.is_valid(raise_exception=True)
        return data.validated_data["supplier_siret"]


class FluxDetailApi(ApiView):
    @extend_schema(
        operation_id="flux_retrieve",
        tags=["flux"],
        parameters=[FLUX_ID],
        responses=FluxDetailSerializer,
        summary="One flux: its status, counts and each invoice's result",
    )
    def get(self, request: AuthenticatedRequest, pk: int) -> Response:
        flux = selectors.flux_detail(request.user, pk)
        return Response(FluxDetailSerializer(flux).data)
