"""The audit trail's seals, public: anyone may fetch and keep the latest digest (a third party
that keeps them can later tell whether the trail was rewritten; see ``invoices/seals.py``)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, permissions, serializers
from rest_framework.request import Request
from rest_framework.response import Response

from chorus.api.throttling import AuthRateThrottle
from chorus.api.views import ApiView
from invoices import seals
from invoices.models import Seal


class SealSerializer(serializers.ModelSerializer):
    class Meta:
        model = Seal
        fields = [
            "sequence",
            "sealed_at",
            "digest",
            "previous_digest",
            "history_count",
            "files_count",
            "removals_count",
        ]
        ref_name = "Seal"


class _PublicSealApi(ApiView):
    authentication_classes: list = []
    permission_classes = [permissions.AllowAny]
    # Per client address, as for the token endpoint: nobody may hammer the database.
    throttle_classes = [AuthRateThrottle]
    pagination_class = None
    error_codes = (404,)

    def answer(self, seal: Seal | None) -> Response:
        if seal is None:
            raise exceptions.NotFound()
        return Response(SealSerializer(seal).data)


class SealLatestApi(_PublicSealApi):
    @extend_schema(
        operation_id="seals_latest",
        tags=["audit"],
        responses=SealSerializer,
        auth=[],
        summary="The latest seal of the audit trail",
        description=(
            "No authentication. The digest of the newest seal, which chains every earlier one: "
            "keep it, and compare it later with `/api/v1/seals/{sequence}/`. 404 before the "
            "first seal."
        ),
    )
    def get(self, request: Request) -> Response:
        return self.answer(seals.latest_seal())


class SealDetailApi(_PublicSealApi):
    @extend_schema(
        operation_id="seals_retrieve",
        tags=["audit"],
        responses=SealSerializer,
        auth=[],
        summary="One seal of the audit trail, by its sequence number",
    )
    def get(self, request: Request, sequence: int) -> Response:
        return self.answer(Seal.objects.filter(sequence=sequence).first())
