"""The error shape, and inputs that must never become a 500."""

from __future__ import annotations

import pytest

from invoices.models import Invoice
from tests.api.conftest import CheckedClient

pytestmark = pytest.mark.django_db


def assert_error_shape(body: dict) -> None:
    assert set(body) == {"code", "detail", "errors"}
    assert isinstance(body["code"], str) and isinstance(body["detail"], str)
    assert all(isinstance(m, list) for m in body["errors"].values())


def post_raw(client: CheckedClient, path: str, raw: bytes, content_type: str = "application/json"):  # type: ignore[no-untyped-def]
    return client.generic("POST", path, raw, content_type=content_type)


@pytest.mark.parametrize(
    "raw",
    [
        b"{",
        b'{"number": }',
        b"\xff\xfe\x00",
        b"NaN",
        b'{"lines": [1e400]}',
        b"[]",
        b'"just a string"',
        b'{"supplier_siret": "\\u0000\\u0000"}',
        b'{"supplier_siret": "\\ud800"}',
        b'{"number": "' + b"9" * 5000 + b'"}',
        b'{"lines": ' + b"[" * 3000 + b"]" * 3000 + b"}",
    ],
)
def test_malformed_bodies_are_400s_in_the_error_shape(personas, client_for, raw):
    response = post_raw(client_for(personas.supplier_member), "/api/v1/invoices/", raw)

    assert response.status_code == 400, response.content[:300]
    assert_error_shape(response.json())
    assert not Invoice.objects.exists()


def test_nested_field_errors_use_dotted_paths(personas, client_for):
    body = {"supplier_siret": personas.acme.identifier, "lines": [{}, {"quantity": "x"}]}

    response = client_for(personas.supplier_member).post("/api/v1/invoices/", body, format="json")

    errors = response.json()["errors"]
    assert "lines.0.description" in errors and "lines.1.quantity" in errors


def test_unicode_in_text_fields_is_kept(personas, client_for):
    body = {
        "supplier_siret": personas.acme.identifier,
        "draft": True,
        "comment": "Œuvre 🎻 — « guillemets » \u202e",
    }

    response = client_for(personas.supplier_member).post("/api/v1/invoices/", body, format="json")

    assert response.status_code == 201
    assert response.json()["comment"] == body["comment"]


def test_a_body_type_the_endpoint_does_not_read_is_415(personas, client_for):
    response = post_raw(
        client_for(personas.supplier_member), "/api/v1/invoices/", b"number=1", "text/plain"
    )

    assert response.status_code == 415
    assert response.json()["code"] == "unsupported_media_type"


def test_a_body_larger_than_allowed_is_413_before_it_is_read(personas, client_for, settings):
    client = client_for(personas.supplier_member)

    response = client.post(
        "/api/v1/invoices/",
        b"{}",
        content_type="application/json",
        CONTENT_LENGTH=str(50 * 1024 * 1024),
    )

    assert response.status_code == 413


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/invoices/99999999999999999999999/",
        "/api/v1/invoices/-1/",
        "/api/v1/invoices/abc/",
        "/api/v1/invoices/1/attachments/99999/",
        "/api/v1/structures/%00/",
        "/api/v1/nothing-here/",
        "/api/v1/invoices",
        "/api/v2/invoices/",
    ],
)
def test_unknown_paths_are_json_404s(personas, client_for, path):
    client = client_for(personas.supplier_member)
    client.check_schema = False  # these paths are, by definition, not in the schema

    for method in ("get", "post"):
        response = getattr(client, method)(path)
        assert response.status_code == 404, (method, path)
        assert_error_shape(response.json())


def test_an_existing_invoice_id_of_someone_else_looks_like_a_missing_one(personas, client_for):
    from tests.invoices.factories import invoice_in

    invoice = invoice_in(personas, "MISE_A_DISPOSITION")
    client = client_for(personas.outsider)

    theirs = client.get(f"/api/v1/invoices/{invoice.pk}/")
    missing = client.get(f"/api/v1/invoices/{invoice.pk + 1000}/")

    assert theirs.status_code == missing.status_code == 404
    assert theirs.json() == missing.json()


def test_a_method_that_the_operation_does_not_have_is_405(personas, client_for):
    client = client_for(personas.supplier_member)
    client.check_schema = False

    response = client.delete("/api/v1/invoices/")

    assert response.status_code == 405
    assert_error_shape(response.json())


def test_messages_are_french_by_default_and_english_on_request(personas, client_for):
    client = client_for(personas.supplier_member)

    french = client.post("/api/v1/invoices/", {}, format="json")
    english = client.post("/api/v1/invoices/", {}, format="json", HTTP_ACCEPT_LANGUAGE="en")

    assert french.json()["detail"] == "Les données envoyées ne sont pas valides."
    assert french.headers["Content-Language"] == "fr"
    assert english.json()["detail"] == "The data sent is not valid."
    assert english.json()["errors"]["supplier_siret"] == ["This field is required."]
    assert english.headers["Content-Language"] == "en"


def test_throttling_counts_per_token_and_answers_429_with_retry_after(personas, settings):
    from tests.api.conftest import token_for

    settings.API_THROTTLE_RATES = {**settings.API_THROTTLE_RATES, "token": "3/minute"}
    first = CheckedClient().as_token(token_for(personas.supplier_member, "one"))
    second = CheckedClient().as_token(token_for(personas.supplier_member, "two"))

    answers = [first.get("/api/v1/me/").status_code for _ in range(4)]

    assert answers == [200, 200, 200, 429]
    throttled = first.get("/api/v1/me/")
    assert throttled.json()["code"] == "throttled"
    assert int(throttled.headers["Retry-After"]) > 0
    assert second.get("/api/v1/me/").status_code == 200


def test_the_token_endpoint_is_throttled_per_address(personas, settings, anonymous):
    settings.API_THROTTLE_RATES = {**settings.API_THROTTLE_RATES, "auth": "2/minute"}
    body = {"email": "x@example.fr", "password": "x"}

    answers = [
        anonymous.post("/api/v1/auth/token/", body, format="json").status_code for _ in range(3)
    ]

    assert answers == [401, 401, 429]


def test_a_session_write_without_csrf_token_is_refused(personas):
    client = CheckedClient(enforce_csrf_checks=True)
    client.force_login(personas.supplier_member)
    client.check_schema = False  # 403 exists only for session clients that forget CSRF

    response = client.post("/api/v1/invoices/", {}, format="json")

    assert response.status_code == 403
    assert_error_shape(response.json())
