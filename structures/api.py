"""API of the structures directory: search, one structure, its services (``rechercherStructure``,
``consulterStructure``, ``rechercherServicesStructure``); and, for the members of a company,
its bank accounts (managers add them); who the caller is, with their structures (``MeApi``,
GET /api/v1/me)."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response

from accounts.http import AuthenticatedRequest
from accounts.models import ApiScope
from chorus.api import messages
from chorus.api.idempotency import idempotent
from chorus.api.pagination import PageNumberPagination
from chorus.api.views import ApiView
from structures import selectors, services_profile
from structures.errors import StructureError
from structures.models import BankAccount, Membership, Service, Structure

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
    def get(self, request: AuthenticatedRequest) -> Response:
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
    def get(self, request: AuthenticatedRequest, siret: str) -> Response:
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
    def get(self, request: AuthenticatedRequest, siret: str) -> Response:
        structure = structure_or_404(siret)
        services = selectors.services_open_today(structure, timezone.localdate()).select_related(
            "structure"
        )
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(services, request, view=self)
        return paginator.get_paginated_response(self.OutputSerializer(page, many=True).data)


class BankAccountSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    # Named like a serializer field's own ``label``: the account's name.
    label = serializers.CharField()  # type: ignore[assignment]
    iban = serializers.CharField()
    bic = serializers.CharField()
    is_default = serializers.BooleanField()
    is_active = serializers.BooleanField(
        help_text="Inactive accounts are kept (invoices carry them) but no longer offered."
    )

    class Meta:
        ref_name = "BankAccount"


def member_structure_or_404(request: AuthenticatedRequest, siret: str) -> Structure:
    """The company of this SIRET if the token's user is an approved member; 404 otherwise
    (whether it exists or not)."""
    structure = selectors.directory_structure(siret)
    if structure is None or structure.is_public:
        raise Http404
    if not selectors.is_approved_member(user=request.user, structure=structure):
        raise Http404
    return structure


class StructureBankAccountsApi(ApiView):
    """A company's bank accounts, for its members; its principal and secondary managers add
    one (IBAN and BIC checked, the first one becomes the default)."""

    token_scope = ApiScope.DEPOSIT  # its POST is a supplier's write; GET needs read

    class InputSerializer(serializers.Serializer):
        # Named like a serializer field's own ``label``: the account's name.
        label = serializers.CharField(max_length=100)  # type: ignore[assignment]
        iban = serializers.CharField(max_length=50, help_text="Spaces accepted.")
        bic = serializers.CharField(max_length=15, required=False, allow_blank=True, default="")
        default = serializers.BooleanField(required=False, default=False)

        class Meta:
            ref_name = "BankAccountInput"

    @extend_schema(
        operation_id="structures_bank_accounts_list",
        tags=["structures"],
        parameters=[SIRET_PATH],
        responses=BankAccountSerializer(many=True),
        summary="Bank accounts of one of your companies",
    )
    def get(self, request: AuthenticatedRequest, siret: str) -> Response:
        structure = member_structure_or_404(request, siret)
        accounts = selectors.bank_accounts(structure)
        return Response(BankAccountSerializer(accounts, many=True).data)

    @extend_schema(
        operation_id="structures_bank_accounts_create",
        tags=["structures"],
        parameters=[SIRET_PATH],
        request=InputSerializer,
        responses={201: BankAccountSerializer},
        summary="Add a bank account (principal and secondary managers)",
    )
    @idempotent
    def post(self, request: AuthenticatedRequest, siret: str) -> Response:
        structure = member_structure_or_404(request, siret)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            account: BankAccount = services_profile.bank_account_add(
                structure=structure, by=request.user, **data.validated_data
            )
        except StructureError as exc:
            raise exceptions.PermissionDenied(exc.message) from None
        except DjangoValidationError as exc:
            raise exceptions.ValidationError(exc.message_dict) from None
        return Response(BankAccountSerializer(account).data, status=status.HTTP_201_CREATED)


class StructureProfileSerializer(serializers.Serializer):
    address = serializers.CharField(max_length=255, allow_blank=True)
    postal_code = serializers.CharField(max_length=10, allow_blank=True)
    city = serializers.CharField(max_length=100, allow_blank=True)
    vat_number = serializers.CharField(
        max_length=20,
        allow_blank=True,
        help_text="Intra-community VAT number, checked (a French one against the SIREN).",
    )
    contact_name = serializers.CharField(max_length=150, allow_blank=True)
    contact_email = serializers.EmailField(allow_blank=True)
    contact_phone = serializers.CharField(max_length=30, allow_blank=True)

    class Meta:
        ref_name = "StructureProfile"


class StructureProfileApi(ApiView):
    """A company's profile, for its members; its principal and secondary managers change it
    (a POST of the fields to change; the others are kept)."""

    token_scope = ApiScope.DEPOSIT  # its POST is a supplier's write; GET needs read

    @extend_schema(
        operation_id="structures_profile_retrieve",
        tags=["structures"],
        parameters=[SIRET_PATH],
        responses=StructureProfileSerializer,
        summary="Profile of one of your companies",
    )
    def get(self, request: AuthenticatedRequest, siret: str) -> Response:
        structure = member_structure_or_404(request, siret)
        return Response(StructureProfileSerializer(structure).data)

    @extend_schema(
        operation_id="structures_profile_update",
        tags=["structures"],
        parameters=[SIRET_PATH],
        request=StructureProfileSerializer(partial=True),
        responses=StructureProfileSerializer,
        summary="Change the profile (principal and secondary managers)",
        description="Send only the fields to change; the others keep their values.",
    )
    @idempotent
    def post(self, request: AuthenticatedRequest, siret: str) -> Response:
        structure = member_structure_or_404(request, siret)
        data = StructureProfileSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        current = StructureProfileSerializer(structure).data
        try:
            structure = services_profile.structure_profile_update(
                structure=structure, by=request.user, **{**current, **data.validated_data}
            )
        except StructureError as exc:
            raise exceptions.PermissionDenied(exc.message) from None
        except DjangoValidationError as exc:
            raise exceptions.ValidationError(exc.message_dict) from None
        return Response(StructureProfileSerializer(structure).data)


# --- Who am I --------------------------------------------------------------------------------
class MeServiceSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()

    class Meta:
        ref_name = "MeService"


class MeMembershipSerializer(serializers.Serializer):
    siret = serializers.CharField(source="structure.identifier")
    identifier_type = serializers.CharField(source="structure.identifier_type")
    name = serializers.CharField(source="structure.name")
    is_public = serializers.BooleanField(source="structure.is_public")
    role = serializers.ChoiceField(choices=Membership.Role.choices)
    status = serializers.ChoiceField(choices=Membership.Status.choices)
    can_modify = serializers.BooleanField()
    services = MeServiceSerializer(many=True, help_text="For agents: the services they handle.")

    class Meta:
        ref_name = "MeMembership"


class MeApi(ApiView):
    """The caller, their attachments to structures, and the services they handle as agents."""

    class OutputSerializer(serializers.Serializer):
        email = serializers.EmailField()
        contact_email = serializers.EmailField()
        first_name = serializers.CharField()
        last_name = serializers.CharField()
        preferred_language = serializers.CharField()
        memberships = MeMembershipSerializer(many=True)

        class Meta:
            ref_name = "Me"

    @extend_schema(
        operation_id="me_retrieve",
        tags=["me"],
        responses=OutputSerializer,
        summary="Who am I",
    )
    def get(self, request: AuthenticatedRequest) -> Response:
        user = request.user
        memberships = selectors.memberships_of(user).prefetch_related("services")
        body = self.OutputSerializer(
            {
                "email": user.email,
                "contact_email": user.contact_email,
                "first_name": user.first_name,
                "last_name": user.last_name,
                "preferred_language": user.preferred_language,
                "memberships": memberships,
            }
        ).data
        return Response(body)
