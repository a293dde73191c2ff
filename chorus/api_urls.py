"""The REST API, version 1, mounted at /api/v1/ (its schema at /api/schema/)."""

from django.urls import path, register_converter

from accounts.api import TokenCreateApi
from flux.api import FluxDetailApi, FluxListApi
from invoices.api import actions
from invoices.api import views as invoices
from invoices.api.seals import SealDetailApi, SealLatestApi
from invoices.api.validation import InvoiceValidateApi
from invoices.bulk import api as bulk
from structures.api import (
    MeApi,
    StructureBankAccountsApi,
    StructureDetailApi,
    StructureListApi,
    StructureProfileApi,
    StructureServicesApi,
)


class IdConverter:
    """A database id: digits, at most 18 of them (the bigint range; more is a 404, not a 500)."""

    regex = "[0-9]{1,18}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: int) -> str:
        return str(value)


class SmallNumberConverter(IdConverter):
    regex = "[0-9]{1,4}"


class SiretConverter:
    regex = "[0-9]{14}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(IdConverter, "id")
register_converter(SmallNumberConverter, "n")
register_converter(SiretConverter, "siret")

app_name = "api"

urlpatterns = [
    path("auth/token/", TokenCreateApi.as_view(), name="auth-token"),
    path("me/", MeApi.as_view(), name="me"),
    path("seals/latest/", SealLatestApi.as_view(), name="seal-latest"),
    path("seals/<id:sequence>/", SealDetailApi.as_view(), name="seal-detail"),
    path("structures/", StructureListApi.as_view(), name="structure-list"),
    path("structures/<siret:siret>/", StructureDetailApi.as_view(), name="structure-detail"),
    path(
        "structures/<siret:siret>/bank-accounts/",
        StructureBankAccountsApi.as_view(),
        name="structure-bank-accounts",
    ),
    path(
        "structures/<siret:siret>/profile/",
        StructureProfileApi.as_view(),
        name="structure-profile",
    ),
    path(
        "structures/<siret:siret>/services/",
        StructureServicesApi.as_view(),
        name="structure-services",
    ),
    path(
        "structures/<siret:siret>/engagements/",
        invoices.EngagementsApi.as_view(),
        name="structure-engagements",
    ),
    path("rejection-reasons/", invoices.RejectionReasonsApi.as_view(), name="rejection-reasons"),
    path("flux/", FluxListApi.as_view(), name="flux-list"),
    path("flux/<id:pk>/", FluxDetailApi.as_view(), name="flux-detail"),
    path("invoices/", invoices.InvoicesApi.as_view(), name="invoice-list"),
    path("invoices/upload/", actions.InvoiceUploadApi.as_view(), name="invoice-upload"),
    path("invoices/validate/", InvoiceValidateApi.as_view(), name="invoice-validate"),
    path(
        "invoices/bulk-decisions/",
        bulk.BulkDecisionCreateApi.as_view(),
        name="bulk-decision-list",
    ),
    path(
        "invoices/bulk-decisions/<id:pk>/",
        bulk.BulkDecisionDetailApi.as_view(),
        name="bulk-decision-detail",
    ),
    path("invoices/<id:pk>/", invoices.InvoiceDetailApi.as_view(), name="invoice-detail"),
    path("invoices/<id:pk>/history/", invoices.InvoiceHistoryApi.as_view(), name="invoice-history"),
    path("invoices/<id:pk>/pdf/", invoices.InvoicePdfApi.as_view(), name="invoice-pdf"),
    path(
        "invoices/<id:pk>/certificate/",
        invoices.InvoiceCertificateApi.as_view(),
        name="invoice-certificate",
    ),
    path(
        "invoices/<id:pk>/attachments/<n:n>/",
        invoices.InvoiceAttachmentApi.as_view(),
        name="invoice-attachment",
    ),
    path("invoices/<id:pk>/submit/", actions.InvoiceSubmitApi.as_view(), name="invoice-submit"),
    path(
        "invoices/<id:pk>/duplicate/",
        invoices.InvoiceDuplicateApi.as_view(),
        name="invoice-duplicate",
    ),
    path("invoices/<id:pk>/recycle/", actions.InvoiceRecycleApi.as_view(), name="invoice-recycle"),
    path(
        "invoices/<id:pk>/complete/",
        actions.InvoiceCompleteApi.as_view(),
        name="invoice-complete",
    ),
    path(
        "invoices/<id:pk>/acknowledge-rejection/",
        actions.InvoiceAcknowledgeRejectionApi.as_view(),
        name="invoice-acknowledge-rejection",
    ),
    path("invoices/<id:pk>/process/", actions.InvoiceProcessApi.as_view(), name="invoice-process"),
    path(
        "invoices/<id:pk>/validation/",
        actions.InvoiceValidationApi.as_view(),
        name="invoice-validation",
    ),
    path(
        "invoices/<id:pk>/validator/",
        actions.InvoiceValidatorApi.as_view(),
        name="invoice-validator",
    ),
]
