"""Web security of every answer: Content-Security-Policy, frame, referrer and permissions
policies, no MIME sniffing; uploaded files only ever leave through views that check access and
force a download; the local Swagger UI needs nothing from outside."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from invoices import services
from invoices.models import Attachment
from invoices.workflow import Status
from tests.api.conftest import token_for
from tests.invoices.factories import deposited
from tests.support.factories import ticket_to_service, upload, visitor_ticket

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path: Path) -> Path:  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def policy(response) -> dict[str, list[str]]:  # type: ignore[no-untyped-def]
    header = response.headers["Content-Security-Policy"]
    directives = (part.split() for part in header.split(";") if part.strip())
    return {name: values for name, *values in directives}


def assert_strict_headers(response) -> None:  # type: ignore[no-untyped-def]
    csp = policy(response)
    assert csp["default-src"] == ["'self'"]
    assert csp["object-src"] == ["'none'"] and csp["frame-ancestors"] == ["'none'"]
    for directive in ("script-src", "style-src"):
        assert "'unsafe-inline'" not in csp[directive] and "'unsafe-eval'" not in csp[directive]
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    permissions = response.headers["Permissions-Policy"]
    assert "camera=()" in permissions and "geolocation=()" in permissions


@pytest.mark.parametrize(
    "path", ["/", "/compte/connexion/", "/aide/", "/api/docs/", "/api/docs/swagger/"]
)
def test_public_pages_send_the_security_headers(client, path):
    response = client.get(path)
    assert response.status_code == 200
    assert_strict_headers(response)


def test_the_signed_in_pages_send_the_security_headers(client, personas):
    client.force_login(personas.supplier_principal)
    for path in ["/factures/", "/factures/saisie/", "/structures/", "/compte/"]:
        assert_strict_headers(client.get(path))


@pytest.mark.parametrize("path", ["/api/v1/me/", "/api/v1/invoices/999999/", "/api/v1/flux/"])
def test_the_api_answers_load_nothing_and_are_framed_by_nothing(client, personas, path):
    """An API answer is data: a policy of its own, stricter than the pages' (and the same for
    its errors), with the other headers of every answer."""
    token = token_for(personas.supplier_principal)
    response = client.get(path, HTTP_AUTHORIZATION=f"Token {token}")
    assert response["Content-Type"] == "application/json"
    assert policy(response) == {"default-src": ["'none'"], "frame-ancestors": ["'none'"]}
    assert "nonce" not in response.headers["Content-Security-Policy"]
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "camera=()" in response.headers["Permissions-Policy"]


def test_the_design_system_script_carries_the_page_s_nonce(client):
    response = client.get("/")
    nonce = next(v for v in policy(response)["script-src"] if v.startswith("'nonce-"))
    html = response.content.decode()
    assert f'nonce="{nonce[7:-1]}"' in html
    assert "<script>" not in html and " onclick=" not in html and ' style="' not in html


def test_swagger_ui_comes_from_the_portal_s_own_static_files(client):
    html = client.get("/api/docs/swagger/").content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in html
    assert "cdn" not in html.lower() and "http" not in html.replace("http-equiv", "")
    script = client.get("/api/docs/swagger/?script=")
    assert script.status_code == 200 and script["Content-Type"].startswith("application/javascript")
    assert "/api/schema/" in script.content.decode()


# --- files ---------------------------------------------------------------------------------------
def test_uploaded_files_have_no_public_address(client, personas, media_root):
    invoice = deposited(personas)
    stored = invoice.attachments.first().file.name
    assert (media_root / stored).exists()
    for url in (f"{settings.MEDIA_URL}{stored}", f"/media/{stored}", f"/{stored}"):
        assert client.get(url).status_code == 404
    client.force_login(personas.supplier_principal)
    assert client.get(f"{settings.MEDIA_URL}{stored}").status_code == 404


def assert_download(response, name: str) -> None:  # type: ignore[no-untyped-def]
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert name in response.headers["Content-Disposition"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    b"".join(response.streaming_content)  # read to the end, as a server would


def test_every_invoice_download_is_an_attachment_that_is_not_sniffed(client, personas):
    invoice = deposited(personas)
    certificate = services.invoice_certificate(invoice)  # rendered on demand if not yet
    client.force_login(personas.supplier_principal)
    assert_download(client.get(reverse("invoices:download", args=[certificate.pk])), "accuse-depot")
    export = client.get(reverse("invoices:sent_export"))
    assert export.headers["Content-Disposition"].startswith("attachment;")
    assert export.headers["X-Content-Type-Options"] == "nosniff"
    headers = {"HTTP_AUTHORIZATION": f"Token {token_for(personas.supplier_principal)}"}
    for suffix, name in [
        ("pdf/", "facture-"),
        ("certificate/", "accuse-depot"),
        ("attachments/1/", ""),
    ]:
        assert_download(client.get(f"/api/v1/invoices/{invoice.pk}/{suffix}", **headers), name)


def test_the_pdf_preview_is_framed_only_by_the_portal_and_never_sniffed(client, personas):
    invoice = deposited(personas)
    services.invoice_route(invoice_id=invoice.pk, expected_status=Status.DEPOSEE)
    services.invoice_route(invoice_id=invoice.pk, expected_status=Status.EN_COURS_ACHEMINEMENT)
    xml = invoice.attachments.get(kind=Attachment.Kind.GENERATED_XML)
    pdf = services.invoice_render_facturx(certified_xml_id=xml.pk)  # the worker's task
    client.force_login(personas.agent)
    response = client.get(reverse("invoices:preview", args=[pdf.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.headers["X-Frame-Options"] == "SAMEORIGIN"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    b"".join(response.streaming_content)


def test_support_attachments_are_downloads_that_are_not_sniffed(client, personas):
    ticket = ticket_to_service(
        personas.supplier_principal,
        personas.service,
        attachment=upload("page.txt", b"<html><script>alert(1)</script></html>"),
    )
    attachment = ticket.attachments.get()
    client.force_login(personas.supplier_principal)
    assert_download(client.get(reverse("support:attachment", args=[attachment.pk])), "page.txt")
    visitor = visitor_ticket(attachment=upload("note.xml", b"<svg onload='alert(1)'/>"))
    visitor_file = visitor.attachments.get()
    url = reverse("support:follow-attachment", args=[visitor.follow_token, visitor_file.pk])
    assert_download(client.get(url), "note.xml")


# --- sessions, passwords, second factor -----------------------------------------------------------
def test_sessions_expire_and_passwords_follow_a_policy(settings):
    assert settings.SESSION_COOKIE_AGE <= 8 * 60 * 60 and settings.SESSION_EXPIRE_AT_BROWSER_CLOSE
    assert settings.SESSION_COOKIE_HTTPONLY and settings.CSRF_COOKIE_HTTPONLY
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError

    for weak in ("court", "123456789012", "motdepasse", "password1234"):
        with pytest.raises(ValidationError):
            validate_password(weak)


def test_two_factor_login_is_offered_to_every_user(client, personas):
    client.force_login(personas.supplier_member)
    page = client.get(reverse("accounts:two_factor"))
    assert page.status_code == 200
    assert "Activer la double authentification" in page.content.decode()


def test_an_answer_with_its_own_policy_does_not_build_the_portal_s(client, personas, monkeypatch):
    """The API's answers skip django-csp's building of the pages' policy (chorus/middleware.py):
    with that building broken, the API still answers, and a page still fails."""
    import csp.middleware

    def broken(**parts: object) -> str:
        raise AssertionError("the portal's policy was built")

    monkeypatch.setattr(csp.middleware, "build_policy", broken)
    token = token_for(personas.supplier_principal)
    assert client.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {token}").status_code == 200
    with pytest.raises(AssertionError, match="policy was built"):
        client.get("/aide/")
