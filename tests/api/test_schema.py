"""The OpenAPI schema and the documentation page."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from tests.api.schema import openapi

pytestmark = pytest.mark.django_db
OPERATIONS = [
    (path, method, operation)
    for path, item in openapi()["paths"].items()
    for method, operation in item.items()
    if method in ("get", "post", "delete")
]


def test_the_schema_is_served_as_openapi_3_to_anyone():
    response = Client().get("/api/schema/", {"format": "json"})

    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    assert "/api/v1/invoices/" in schema["paths"]


def test_every_operation_of_the_issue_is_documented():
    documented = {(method.upper(), path) for path, method, _op in OPERATIONS}

    assert documented == {
        ("POST", "/api/v1/auth/token/"),
        ("GET", "/api/v1/me/"),
        ("GET", "/api/v1/seals/latest/"),
        ("GET", "/api/v1/seals/{sequence}/"),
        ("GET", "/api/v1/structures/"),
        ("GET", "/api/v1/structures/{siret}/"),
        ("GET", "/api/v1/structures/{siret}/services/"),
        ("GET", "/api/v1/structures/{siret}/bank-accounts/"),
        ("POST", "/api/v1/structures/{siret}/bank-accounts/"),
        ("GET", "/api/v1/structures/{siret}/profile/"),
        ("POST", "/api/v1/structures/{siret}/profile/"),
        ("GET", "/api/v1/structures/{siret}/engagements/"),
        ("GET", "/api/v1/rejection-reasons/"),
        ("GET", "/api/v1/invoices/"),
        ("POST", "/api/v1/invoices/"),
        ("GET", "/api/v1/flux/"),
        ("POST", "/api/v1/flux/"),
        ("GET", "/api/v1/flux/{id}/"),
        ("POST", "/api/v1/invoices/upload/"),
        ("POST", "/api/v1/invoices/validate/"),
        ("GET", "/api/v1/invoices/{id}/"),
        ("DELETE", "/api/v1/invoices/{id}/"),
        ("POST", "/api/v1/invoices/{id}/duplicate/"),
        ("GET", "/api/v1/invoices/{id}/history/"),
        ("GET", "/api/v1/invoices/{id}/pdf/"),
        ("GET", "/api/v1/invoices/{id}/certificate/"),
        ("GET", "/api/v1/invoices/{id}/attachments/{n}/"),
        ("POST", "/api/v1/invoices/{id}/submit/"),
        ("POST", "/api/v1/invoices/{id}/recycle/"),
        ("POST", "/api/v1/invoices/{id}/complete/"),
        ("POST", "/api/v1/invoices/{id}/acknowledge-rejection/"),
        ("POST", "/api/v1/invoices/{id}/process/"),
        # Billing frames A9 / A12: the validator's decision, the supplier's change of validator.
        ("POST", "/api/v1/invoices/{id}/validation/"),
        ("POST", "/api/v1/invoices/{id}/validator/"),
        ("POST", "/api/v1/invoices/bulk-decisions/"),
        ("GET", "/api/v1/invoices/bulk-decisions/{id}/"),
    }


@pytest.mark.parametrize(("path", "method", "operation"), OPERATIONS)
def test_every_operation_documents_its_errors_in_the_one_shape(path, method, operation):
    responses = operation["responses"]
    errors = {code: r for code, r in responses.items() if not code.startswith("2")}

    assert "429" in errors
    if not path.startswith("/api/v1/seals/"):  # public, with no credentials to refuse
        assert "401" in errors  # the token endpoint too: a wrong password
    if "{" in path:
        assert "404" in errors
    for answer in errors.values():
        assert answer["content"]["application/json"]["schema"] == {
            "$ref": "#/components/schemas/Error"
        }


@pytest.mark.parametrize(("path", "method", "operation"), OPERATIONS)
def test_no_operation_is_described_by_the_base_views_words_to_developers(path, method, operation):
    """An operation without a docstring of its own has no description, not ``ApiView``'s."""
    from chorus.api.views import ApiView

    assert ApiView.__doc__.split("\n")[0] not in operation.get("description", "")


@pytest.mark.parametrize(
    ("path", "method", "operation"),
    # validate/ is a POST that stores nothing: repeating it is harmless, no key needed.
    [o for o in OPERATIONS if o[1] == "post" and "auth" not in o[0] and "validate" not in o[0]],
)
def test_every_write_takes_an_idempotency_key(path, method, operation):
    names = [p["name"] for p in operation.get("parameters", []) if p["in"] == "header"]

    assert names == ["Idempotency-Key"]
    assert {"409", "422"} <= set(operation["responses"])


def test_amounts_are_decimal_strings_in_the_schema():
    invoice = openapi()["components"]["schemas"]["Invoice"]["properties"]

    assert invoice["total_incl_tax"]["type"] == "string"
    assert invoice["total_incl_tax"]["format"] == "decimal"


def test_an_invoice_names_its_bank_account_and_an_upload_answers_its_warnings():
    schema = openapi()
    schemas = schema["components"]["schemas"]
    for name in ("InvoiceCreateInputRequest", "InvoiceUploadInputRequest"):
        assert schemas[name]["properties"]["bank_account"]["type"] == "integer"
    upload = schema["paths"]["/api/v1/invoices/upload/"]["post"]["responses"]["201"]
    ref = upload["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]
    warnings = schemas[ref]["properties"]["warnings"]
    assert warnings["type"] == "array" and "warnings" in schemas[ref]["required"]
    assert set(schemas["DepositWarning"]["properties"]) == {"code", "field", "message"}


def test_the_documentation_page_lists_every_operation_without_external_scripts():
    response = Client().get("/api/docs/")

    page = response.content.decode()
    assert response.status_code == 200
    for _path, _method, operation in OPERATIONS:
        assert f'id="{operation["operationId"]}"' in page
    assert "Idempotency-Key" in page and "Retry-After" in page
    external = re.findall(r'<script[^>]+src="(https?:)?//', page)
    assert external == []
