"""Bulk decisions in the API: one request decides on many received invoices and answers one
result per invoice (``POST /api/v1/invoices/bulk-decisions/``); a long batch is run by a worker
and followed at its address (``GET …/bulk-decisions/<id>/``)."""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import exceptions, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.models import ApiScope
from chorus.api import messages
from chorus.api.idempotency import idempotent
from chorus.api.views import ApiView
from invoices.api import selectors as api_selectors
from invoices.api.actions import service_errors
from invoices.bulk import selectors, services
from invoices.bulk.models import BulkDecision, BulkDecisionItem
from invoices.workflow import BULK_TARGETS, Status

BULK_ID = OpenApiParameter("id", int, OpenApiParameter.PATH, description="The batch's id.")
RENAMES = {"invoices": "invoice_ids", "target": "status", "reason": "reason_code"}


class BulkItemSerializer(serializers.ModelSerializer):
    invoice_id = serializers.IntegerField()
    number = serializers.CharField(source="invoice.number")
    seen_status = serializers.ChoiceField(choices=Status.choices)
    result = serializers.ChoiceField(
        choices=BulkDecisionItem.Result.choices,
        help_text="PENDING (not yet judged), DONE (decided), REFUSED (see message).",
    )
    message = serializers.CharField(help_text="Why the decision was refused for this invoice.")

    class Meta:
        model = BulkDecisionItem
        fields = ["invoice_id", "number", "seen_status", "result", "message"]
        ref_name = "BulkDecisionItem"


class BulkDecisionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.ChoiceField(source="target", choices=Status.choices)
    reason_code = serializers.CharField(source="reason.code", allow_null=True, default=None)
    comment = serializers.CharField()
    state = serializers.ChoiceField(choices=BulkDecision.State.choices)
    invoice_count = serializers.IntegerField(source="item_count")
    done_count = serializers.SerializerMethodField()
    refused_count = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField()
    finished_at = serializers.DateTimeField(allow_null=True)
    url = serializers.SerializerMethodField(help_text="Where to follow the batch.")
    items = serializers.SerializerMethodField()

    class Meta:
        ref_name = "BulkDecision"

    def _progress(self, bulk: BulkDecision) -> selectors.Progress:
        if not hasattr(bulk, "_progress"):
            bulk._progress = selectors.progress_of(bulk)  # type: ignore[attr-defined]
        return bulk._progress  # type: ignore[attr-defined]

    def get_done_count(self, bulk: BulkDecision) -> int:
        return self._progress(bulk).done

    def get_refused_count(self, bulk: BulkDecision) -> int:
        return self._progress(bulk).refused

    def get_url(self, bulk: BulkDecision) -> str:
        return reverse("api:bulk-decision-detail", kwargs={"pk": bulk.pk})

    @extend_schema_field(BulkItemSerializer(many=True))
    def get_items(self, bulk: BulkDecision) -> list:
        return BulkItemSerializer(selectors.items_of(bulk), many=True).data  # type: ignore[return-value]


def bulk_response(bulk: BulkDecision) -> Response:
    """200 with every result once the batch is done; 202 while a worker runs it."""
    fresh = BulkDecision.objects.select_related("reason").get(pk=bulk.pk)
    data = BulkDecisionSerializer(fresh).data
    if fresh.is_done:
        return Response(data)
    return Response(data, status=status.HTTP_202_ACCEPTED, headers={"Location": data["url"]})


class BulkDecisionCreateApi(ApiView):
    """The recipient's agent applies one decision to many received invoices."""

    token_scope = ApiScope.PROCESS

    class InputSerializer(serializers.Serializer):
        invoice_ids = serializers.ListField(
            child=serializers.IntegerField(min_value=1, max_value=2**63 - 1),  # a bigint
            allow_empty=False,
            max_length=settings.BULK_DECISION_MAX_INVOICES,
            help_text="The invoices (received by your services) to decide on.",
        )
        status = serializers.ChoiceField(
            choices=[(s, Status(s).label) for s in BULK_TARGETS], help_text="The new status."
        )
        reason_code = serializers.CharField(
            max_length=40,
            required=False,
            allow_blank=True,
            default="",
            help_text="Required for REJETEE, SUSPENDUE and A_RECYCLER (GET rejection-reasons/); "
            "SUPPRESSION_MASSE (bulk deletion) is given by bulk rejections only.",
        )
        comment = serializers.CharField(
            max_length=2000, required=False, allow_blank=True, default=""
        )

        class Meta:
            ref_name = "BulkDecisionInput"

    @extend_schema(
        operation_id="invoices_bulk_decisions_create",
        tags=["invoices"],
        request=InputSerializer,
        responses={200: BulkDecisionSerializer, 202: BulkDecisionSerializer},
        summary="Decide on many received invoices at once (agent)",
        description=(
            "One decision (COMPTABILISEE, SUSPENDUE, REJETEE, A_RECYCLER, MISE_EN_PAIEMENT) "
            "with one reason and comment, for up to 500 invoices your services receive. Each "
            "invoice is judged on its own, from the status it had when the request came: "
            "`items` gives each one's `result`, DONE or REFUSED with its `message`. An id that "
            "is not one of your received invoices refuses the whole request (400, nothing "
            "done). A short batch answers 200 with every result; a longer one is run by a "
            "worker: 202, and `url` (the `Location`) gives the results as they come."
        ),
    )
    @idempotent
    def post(self, request: Request) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        reason = None
        if values["reason_code"]:
            reason = api_selectors.reason_by_code(values["reason_code"])
            if reason is None:
                raise exceptions.ValidationError({"reason_code": [messages.UNKNOWN_REASON]})
        with service_errors(RENAMES):
            bulk = services.bulk_decision_submit(
                user=request.user,
                invoice_ids=values["invoice_ids"],
                target=values["status"],
                reason=reason,
                comment=values["comment"],
            )
        return bulk_response(bulk)


class BulkDecisionDetailApi(ApiView):
    @extend_schema(
        operation_id="invoices_bulk_decisions_retrieve",
        tags=["invoices"],
        parameters=[BULK_ID],
        responses={200: BulkDecisionSerializer, 202: BulkDecisionSerializer},
        summary="One of your bulk decisions, with each invoice's result",
    )
    def get(self, request: Request, pk: int) -> Response:
        return bulk_response(selectors.bulk_decision_for(request.user, pk))
