"""Who may open what: every URL of the portal and of the API, against every persona.

``MATRIX`` has one row per named URL. The walk of the URL resolver fails the suite when a route
has no row, so that a new page or endpoint cannot ship without saying who may use it. Each row
is checked for:

- anonymous visitors: the login page (pages) or 401 (API), unless the route is public;
- personas outside the row's ``allowed`` set: 404 for a route that carries an object (never 403:
  existence does not leak), or the route's refusal for a role-only page;
- personas inside it: neither 404 nor an error — the refusals above come from the scope, not
  from a broken URL.

Personas (tests/personas.py): owner = Acme's principal manager, colleague = an approved member
of Acme, pending = asked to join Acme, outsider = Globex's principal manager, agent = agent of
the invoice's service, other_agent = agent of another service of the State.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from accounts import services as account_services
from invoices import services as invoice_services
from invoices.models import Attachment
from invoices.services.seals import seal_create
from invoices.workflow import Status
from structures.models import Membership
from tests.api.conftest import token_for
from tests.invoices.factories import deposited, draft
from tests.invoices.structured_files import cii_to_the_state
from tests.support.factories import ticket_to_service, visitor_ticket

pytestmark = pytest.mark.django_db

PERSONAS = ("owner", "colleague", "pending", "outsider", "agent", "other_agent")
SUPPLIER = frozenset({"owner", "colleague"})
EVERYONE = frozenset(PERSONAS)
AGENTS = frozenset({"agent", "other_agent"})

PUBLIC = "public"  # anyone, signed in or not
LOGIN = "login"  # any signed-in user, in their own scope
SCOPED = "scoped"  # only ``allowed``; anyone else 404 (the route carries an object)
API_PUBLIC = "api-public"
API_LOGIN = "api-login"  # any token; 401 without
API_SCOPED = "api-scoped"  # only ``allowed``; 401 without a token, 404 for the others
DEBUG_ONLY = "debug-only"  # development pages: not routed, or 404, unless DEBUG
LOGIN_STEP = "login-step"  # the second step of a login: visitors without a first step go back


@dataclass(frozen=True)
class Route:
    access: str
    args: Callable[[Any], list[Any]] = lambda w: []
    allowed: frozenset[str] = EVERYONE
    method: str = "get"
    body: Callable[[Any], dict[str, Any]] = lambda w: {}
    # Personas outside ``allowed`` of a role-only page get this instead of 404 (e.g. a redirect).
    refusal: int = 404
    notes: str = field(default="", compare=False)


def _invoice(w: Any) -> list[Any]:
    return [w.invoice.pk]


def _to_validate(w: Any) -> list[Any]:
    return [w.to_validate.pk]


def _after_a_seal(w: Any) -> list[Any]:
    assert w.seal is not None  # the latest seal is a 404 before the first one
    return []


def _bulk(w: Any) -> list[Any]:
    return [w.bulk_decision.pk]


def _flux(w: Any) -> list[Any]:
    return [w.flux.pk]


def _ticket_message(w: Any) -> dict[str, Any]:
    return {"action": "ADD_INFO", "body": "Complément."}


MATRIX: dict[str, Route] = {
    # --- the portal's own pages ---
    "home": Route(PUBLIC),
    "health": Route(PUBLIC),
    "set_language": Route(PUBLIC, method="post", body=lambda w: {"language": "fr"}),
    "accessibility": Route(PUBLIC),
    "api-schema": Route(PUBLIC),
    "api-docs": Route(PUBLIC),
    "api-swagger": Route(PUBLIC),
    "dev-mailbox": Route(DEBUG_ONLY),
    "dev-mail": Route(DEBUG_ONLY, args=lambda w: ["nothing.log"]),
    # --- accounts ---
    "accounts:profile": Route(LOGIN),
    "digests:preferences": Route(LOGIN),
    "accounts:api_token_create": Route(LOGIN, method="post", body=lambda w: {"name": "ci"}),
    "accounts:api_token_revoke": Route(
        SCOPED, args=lambda w: [w.token.pk], allowed=frozenset({"owner"}), method="post"
    ),
    "accounts:register": Route(PUBLIC),
    "accounts:register_done": Route(PUBLIC),
    "accounts:resend_activation": Route(PUBLIC),
    "accounts:resend_activation_done": Route(PUBLIC),
    "accounts:activate": Route(PUBLIC, args=lambda w: ["not-a-token"]),
    "accounts:login": Route(PUBLIC),
    "accounts:login_otp": Route(LOGIN_STEP),
    "accounts:logout": Route(PUBLIC, method="post"),
    "accounts:terms": Route(PUBLIC),
    "accounts:password_change": Route(LOGIN),
    "accounts:password_change_done": Route(LOGIN),
    "accounts:password_reset": Route(PUBLIC),
    "accounts:password_reset_done": Route(PUBLIC),
    "accounts:password_reset_confirm": Route(PUBLIC, args=lambda w: ["MQ", "not-a-token"]),
    "accounts:password_reset_complete": Route(PUBLIC),
    "accounts:two_factor": Route(LOGIN),
    "accounts:two_factor_confirm": Route(LOGIN, method="post", body=lambda w: {"code": "1"}),
    "accounts:two_factor_disable": Route(LOGIN, method="post", body=lambda w: {"code": "1"}),
    "accounts:recovery_codes_renew": Route(LOGIN, method="post"),
    "accounts:personal_data_download": Route(LOGIN),
    "accounts:account_close": Route(LOGIN, method="post", body=lambda w: {"password": "x"}),
    # --- structures ---
    "structures:list": Route(LOGIN),
    "structures:create": Route(LOGIN),
    "structures:search": Route(LOGIN),
    "structures:detail": Route(SCOPED, args=lambda w: [w.acme.pk], allowed=SUPPLIER),
    "structures:join": Route(
        LOGIN, args=lambda w: [w.acme.pk], method="post", notes="anyone may ask to join"
    ),
    "structures:decide": Route(SCOPED, args=lambda w: [w.acme.pk], allowed=SUPPLIER, method="post"),
    "structures:detach": Route(
        SCOPED,
        args=lambda w: [w.acme.pk],
        allowed=SUPPLIER,
        method="post",
        body=lambda w: {"membership": w.pending_membership.pk},
    ),
    "structures:transfer": Route(
        SCOPED,
        args=lambda w: [w.acme.pk],
        allowed=SUPPLIER,
        method="post",
        body=lambda w: {"membership": w.pending_membership.pk},
    ),
    "structures:rights": Route(
        SCOPED,
        args=lambda w: [w.acme.pk],
        allowed=SUPPLIER,
        method="post",
        body=lambda w: {"membership": w.pending_membership.pk, "can_modify": "on"},
    ),
    "structures:secondary": Route(
        SCOPED,
        args=lambda w: [w.acme.pk],
        allowed=SUPPLIER,
        method="post",
        body=lambda w: {"membership": w.pending_membership.pk, "secondary": "on"},
        notes="a pending requester is no member: nothing changes",
    ),
    "support:principal_help": Route(
        SCOPED,
        args=lambda w: [w.acme.pk],
        allowed=SUPPLIER | {"pending"},
        notes="members and requesters; the form shows only once the principal has left",
    ),
    "structures:profile": Route(SCOPED, args=lambda w: [w.acme.pk], allowed=SUPPLIER),
    "structures:account_add": Route(
        SCOPED,
        args=lambda w: [w.acme.pk],
        allowed=SUPPLIER,
        method="post",
        notes="empty: the form's errors (400); managers only write",
    ),
    "structures:account_action": Route(
        SCOPED,
        args=lambda w: [w.acme.pk],
        allowed=SUPPLIER,
        method="post",
        body=lambda w: {"account": 1, "action": "default"},
        notes="an account of no structure: a message, nothing changes",
    ),
    "structures:member_services": Route(
        SCOPED,
        args=lambda w: [w.state.pk, w.agent_membership.pk],
        allowed=frozenset(),
        notes="the public structure's principal manager only (no persona is)",
    ),
    "structures:mandate": Route(SCOPED, args=lambda w: [w.acme.pk], allowed=SUPPLIER),
    "structures:mandate_revoke": Route(
        SCOPED,
        args=lambda w: [w.acme.pk],
        allowed=SUPPLIER,
        method="post",
        notes="without the confirmation box: revokes nothing",
    ),
    # --- invoices ---
    "invoices:sent": Route(LOGIN),
    "invoices:sent_export": Route(LOGIN),
    "invoices:received_export": Route(LOGIN),
    "invoices:received_zip": Route(
        LOGIN, method="post", notes="nothing ticked: back to the list with a message"
    ),
    "invoices:bulk_decisions": Route(LOGIN, notes="the user's own bulk decisions only"),
    "invoices:bulk_decision": Route(SCOPED, args=_bulk, allowed=frozenset({"agent"})),
    "invoices:bulk_progress": Route(SCOPED, args=_bulk, allowed=frozenset({"agent"})),
    "invoices:create": Route(LOGIN),
    "invoices:upload": Route(LOGIN),
    "flux:list": Route(LOGIN),
    "flux:upload": Route(LOGIN),
    "flux:detail": Route(SCOPED, args=_flux, allowed=SUPPLIER),
    "flux:rejects": Route(SCOPED, args=_flux, allowed=SUPPLIER),
    "invoices:validate": Route(LOGIN, notes="checks a file against the rules, stores nothing"),
    "invoices:upload_review": Route(
        SCOPED, args=lambda w: [w.structured_draft.pk], allowed=SUPPLIER
    ),
    "invoices:ubl": Route(SCOPED, args=_invoice, allowed=SUPPLIER | {"agent"}),
    "invoices:recipient_services": Route(LOGIN),
    "invoices:detail": Route(SCOPED, args=_invoice, allowed=SUPPLIER),
    "invoices:edit": Route(SCOPED, args=lambda w: [w.draft.pk], allowed=SUPPLIER),
    "invoices:delete": Route(SCOPED, args=lambda w: [w.draft.pk], allowed=SUPPLIER),
    "invoices:duplicate": Route(SCOPED, args=_invoice, allowed=SUPPLIER),
    "invoices:recycle": Route(SCOPED, args=_invoice, allowed=SUPPLIER),
    "invoices:complete": Route(SCOPED, args=_invoice, allowed=SUPPLIER),
    "invoices:acknowledge": Route(SCOPED, args=_invoice, allowed=SUPPLIER, method="post"),
    "invoices:received": Route(LOGIN),
    "invoices:received_detail": Route(SCOPED, args=_invoice, allowed=frozenset({"agent"})),
    # Billing frame A9: Acme's invoice names Globex (the outsider's company) as titular company.
    "invoices:to_validate": Route(LOGIN, notes="each member sees their structures' own"),
    "invoices:to_validate_detail": Route(
        SCOPED, args=_to_validate, allowed=frozenset({"outsider"})
    ),
    "invoices:change_validator": Route(
        SCOPED, args=_to_validate, allowed=SUPPLIER, method="post", notes="empty form: 400"
    ),
    "invoices:registers": Route(LOGIN),
    "invoices:register": Route(SCOPED, args=lambda w: [w.state.pk], allowed=AGENTS),
    "invoices:register_engagement": Route(
        SCOPED, args=lambda w: [w.state.pk, w.engagement.pk], allowed=AGENTS
    ),
    "invoices:register_engagement_state": Route(
        SCOPED,
        args=lambda w: [w.state.pk, w.engagement.pk],
        allowed=AGENTS,
        method="post",
        body=lambda w: {"state": "OPEN"},
        notes="opens an open EJ: changes nothing",
    ),
    "invoices:register_import": Route(
        SCOPED, args=lambda w: [w.state.pk, w.engagement_import.pk], allowed=AGENTS
    ),
    "invoices:register_import_progress": Route(
        SCOPED, args=lambda w: [w.state.pk, w.engagement_import.pk], allowed=AGENTS
    ),
    "invoices:download": Route(
        SCOPED, args=lambda w: [w.certificate.pk], allowed=SUPPLIER | {"agent"}
    ),
    "invoices:preview": Route(
        SCOPED, args=lambda w: [w.certificate.pk], allowed=SUPPLIER | {"agent"}
    ),
    # --- dashboards: each shows its user's own scope ---
    "dashboards:index": Route(LOGIN),
    "dashboards:supplier": Route(LOGIN),
    "dashboards:agent": Route(LOGIN),
    # --- support ---
    "support:list": Route(LOGIN),
    "support:create": Route(LOGIN),
    "support:received": Route(
        SCOPED, allowed=frozenset({"agent", "other_agent"}), notes="receivers only"
    ),
    "support:detail": Route(
        SCOPED, args=lambda w: [w.ticket.pk], allowed=frozenset({"owner", "agent"})
    ),
    "support:edit": Route(SCOPED, args=lambda w: [w.draft_ticket.pk], allowed=frozenset({"owner"})),
    "support:delete": Route(
        SCOPED, args=lambda w: [w.draft_ticket.pk], allowed=frozenset({"owner"}), method="post"
    ),
    "support:attachment": Route(
        SCOPED, args=lambda w: [w.ticket_file.pk], allowed=frozenset({"owner", "agent"})
    ),
    "support:contact": Route(PUBLIC),
    "support:contact-done": Route(PUBLIC),
    "support:follow": Route(PUBLIC, args=lambda w: [w.visitor.follow_token]),
    "support:follow-attachment": Route(
        PUBLIC, args=lambda w: [w.visitor.follow_token, w.visitor_file.pk]
    ),
    # --- help pages ---
    "help:guide": Route(PUBLIC, args=lambda w: ["mandat"]),
    **{
        f"help:{name}": Route(PUBLIC)
        for name in (
            "index",
            "account",
            "structures",
            "mandate",
            "manual-entry",
            "pdf-deposit",
            "follow-up",
            "rejections",
            "api",
            "faq",
            "contact",
        )
    },
    # --- the API ---
    "api:auth-token": Route(API_PUBLIC, method="post"),
    "api:me": Route(API_LOGIN),
    "api:seal-latest": Route(API_PUBLIC, args=_after_a_seal),
    "api:seal-detail": Route(API_PUBLIC, args=lambda w: [w.seal.sequence]),
    "api:structure-list": Route(API_LOGIN),
    "api:structure-detail": Route(API_LOGIN, args=lambda w: [w.state.siret]),
    "api:structure-services": Route(API_LOGIN, args=lambda w: [w.state.siret]),
    "api:structure-profile": Route(
        API_SCOPED, args=lambda w: [w.acme.siret], allowed=SUPPLIER, notes="members only"
    ),
    "api:structure-bank-accounts": Route(
        API_SCOPED, args=lambda w: [w.acme.siret], allowed=SUPPLIER, notes="members only"
    ),
    "api:structure-engagements": Route(API_LOGIN, args=lambda w: [w.state.siret]),
    "api:rejection-reasons": Route(API_LOGIN),
    "api:invoice-list": Route(API_LOGIN),
    "api:flux-list": Route(API_LOGIN),
    "api:flux-detail": Route(API_SCOPED, args=_flux, allowed=SUPPLIER),
    "api:invoice-upload": Route(API_LOGIN, method="post"),
    "api:bulk-decision-list": Route(
        API_LOGIN, method="post", notes="an empty body: the 400 of its fields, nothing decided"
    ),
    "api:bulk-decision-detail": Route(API_SCOPED, args=_bulk, allowed=frozenset({"agent"})),
    "api:invoice-validate": Route(API_LOGIN, method="post"),
    "api:invoice-detail": Route(API_SCOPED, args=_invoice, allowed=SUPPLIER | {"agent"}),
    "api:invoice-history": Route(API_SCOPED, args=_invoice, allowed=SUPPLIER | {"agent"}),
    "api:invoice-pdf": Route(API_SCOPED, args=_invoice, allowed=SUPPLIER | {"agent"}),
    "api:invoice-certificate": Route(API_SCOPED, args=_invoice, allowed=SUPPLIER | {"agent"}),
    "api:invoice-attachment": Route(
        API_SCOPED, args=lambda w: [w.invoice.pk, 1], allowed=SUPPLIER | {"agent"}
    ),
    "api:invoice-submit": Route(API_SCOPED, args=_invoice, allowed=SUPPLIER, method="post"),
    "api:invoice-duplicate": Route(
        API_SCOPED,
        args=_invoice,
        allowed=SUPPLIER,
        method="post",
        notes="empty: the new number is asked for (400); nothing is copied",
    ),
    "api:invoice-recycle": Route(API_SCOPED, args=_invoice, allowed=SUPPLIER, method="post"),
    "api:invoice-complete": Route(API_SCOPED, args=_invoice, allowed=SUPPLIER, method="post"),
    "api:invoice-acknowledge-rejection": Route(
        API_SCOPED, args=_invoice, allowed=SUPPLIER, method="post"
    ),
    "api:invoice-process": Route(
        API_SCOPED, args=_invoice, allowed=frozenset({"agent"}), method="post"
    ),
    "api:invoice-validation": Route(
        API_SCOPED, args=_to_validate, allowed=frozenset({"outsider"}), method="post"
    ),
    "api:invoice-validator": Route(API_SCOPED, args=_to_validate, allowed=SUPPLIER, method="post"),
}

# Routes without a name, by pattern: the API's JSON 404 for unknown paths, the admin's fallback.
UNNAMED = {"^api/", "admin/(?P<url>.*)$"}


def walk(
    patterns: list[Any], prefix: str = "", namespace: str = ""
) -> Iterator[tuple[str, str, list[str]]]:
    """(name with its namespaces, pattern, names of its parameters) of every route."""
    for entry in patterns:
        if isinstance(entry, URLResolver):
            inner = namespace
            if entry.namespace:
                inner = f"{namespace}:{entry.namespace}" if namespace else entry.namespace
            yield from walk(entry.url_patterns, prefix + str(entry.pattern), inner)
        elif isinstance(entry, URLPattern):
            name = f"{namespace}:{entry.name}" if namespace and entry.name else entry.name
            params = list(entry.pattern.regex.groupindex)
            yield name or "", prefix + str(entry.pattern), params


def all_routes() -> list[tuple[str, str, list[str]]]:
    return list(walk(get_resolver().url_patterns))


def test_every_route_has_a_row_in_the_matrix():
    named = {name for name, _, _ in all_routes() if name and not name.startswith("admin:")}
    unnamed = {pattern for name, pattern, _ in all_routes() if not name}
    admin_objects = {p for p in unnamed if p.startswith("admin/") and "<path:object_id>" in p}
    debug_only = {name for name, route in MATRIX.items() if route.access == DEBUG_ONLY}
    assert named - MATRIX.keys() == set(), "routes without a row in MATRIX"
    assert MATRIX.keys() - debug_only - named == set(), "rows for routes that do not exist"
    assert unnamed - admin_objects - UNNAMED == set(), "unnamed routes without a row"


# --- the world every row is checked in -----------------------------------------------------------
class World:
    """The objects the rows speak of, each built the first time a row asks for it: a row about a
    help page costs no invoice."""

    def __init__(self, personas: Any) -> None:
        self.personas = personas
        self.acme = personas.acme
        self.state = personas.state

    @cached_property
    def invoice(self) -> Any:
        invoice = deposited(self.personas)
        for status in (Status.DEPOSEE, Status.EN_COURS_ACHEMINEMENT):
            invoice_services.invoice_route(invoice_id=invoice.pk, expected_status=status)
        return invoice

    @cached_property
    def to_validate(self) -> Any:
        globex = self.personas.globex
        invoice = deposited(self.personas, billing_frame="A9", validator_siret=globex.identifier)
        for status in (Status.DEPOSEE, Status.EN_COURS_ACHEMINEMENT):
            invoice_services.invoice_route(invoice_id=invoice.pk, expected_status=status)
        invoice.refresh_from_db()
        assert invoice.status == Status.A_VALIDER_1
        return invoice

    @cached_property
    def bulk_decision(self) -> Any:
        from invoices.bulk.services import bulk_decision_submit

        return bulk_decision_submit(
            user=self.personas.agent, invoice_ids=[self.invoice.pk], target=Status.COMPTABILISEE
        )

    @cached_property
    def flux(self) -> Any:
        from django.core.files.base import ContentFile

        from flux import services as flux_services
        from tests.flux.files import json_flux

        content = json_flux(self.acme.identifier, 1)
        return flux_services.flux_receive(
            user=self.personas.supplier_principal,
            supplier=self.acme,
            content=ContentFile(content, name="flux.json"),
            name="flux.json",
        ).flux

    @cached_property
    def draft(self) -> Any:
        return draft(self.personas)

    @cached_property
    def seal(self) -> Any:
        self.invoice  # noqa: B018 (something to seal)
        return seal_create()

    @cached_property
    def structured_draft(self) -> Any:
        return invoice_services.invoice_draft_structured_file(
            user=self.personas.supplier_principal,
            supplier=self.acme,
            content=cii_to_the_state(seller_siret=self.acme.siret),
            filename="facture.xml",
        )

    @cached_property
    def certificate(self) -> Attachment:
        return invoice_services.invoice_certificate(self.invoice)

    @cached_property
    def token(self) -> Any:
        owner = self.personas.supplier_principal
        return account_services.api_token_create(user=owner, name="x")[0]

    @cached_property
    def pending_membership(self) -> Membership:
        return Membership.objects.get(user=self.personas.pending_requester)

    @cached_property
    def ticket(self) -> Any:
        attachment = SimpleUploadedFile("bon.pdf", b"%PDF-1.4 bon de commande")
        owner, service = self.personas.supplier_principal, self.personas.service
        return ticket_to_service(owner, service, attachment=attachment)

    @cached_property
    def ticket_file(self) -> Any:
        return self.ticket.attachments.get()

    @cached_property
    def draft_ticket(self) -> Any:
        return ticket_to_service(
            self.personas.supplier_principal, self.personas.service, send=False
        )

    @cached_property
    def agent_membership(self) -> Membership:
        return Membership.objects.get(user=self.personas.agent)

    @cached_property
    def engagement(self) -> Any:
        from invoices.models import EngagementRecord

        return EngagementRecord.objects.create(
            recipient=self.state, number="EJ-1", supplier_siret=self.acme.identifier
        )

    @cached_property
    def engagement_import(self) -> Any:
        from invoices.models import EngagementImport

        return EngagementImport.objects.create(
            recipient=self.state, original_name="ej.csv", sha256="0" * 64, content=""
        )

    @cached_property
    def visitor(self) -> Any:
        return visitor_ticket(attachment=SimpleUploadedFile("note.txt", b"note"))

    @cached_property
    def visitor_file(self) -> Any:
        return self.visitor.attachments.get()


@pytest.fixture
def world(personas, settings, tmp_path) -> World:  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = tmp_path / "media"
    return World(personas)


def user_of(world: World, persona: str) -> Any:
    p = world.personas
    return {
        "owner": p.supplier_principal,
        "colleague": p.supplier_member,
        "pending": p.pending_requester,
        "outsider": p.outsider,
        "agent": p.agent,
        "other_agent": p.other_agent,
    }[persona]


def request(world: World, name: str, route: Route, persona: str | None) -> Any:
    client = Client()
    headers: dict[str, str] = {}
    if persona is not None:
        user = user_of(world, persona)
        if route.access.startswith("api"):
            headers["HTTP_AUTHORIZATION"] = f"Token {token_for(user)}"
        else:
            client.force_login(user)
    url = reverse(name, args=route.args(world))
    response = getattr(client, route.method)(url, route.body(world), **headers)
    if response.streaming:
        b"".join(response.streaming_content)
    return response


def is_login_redirect(response: Any) -> bool:
    return response.status_code == 302 and response["Location"].startswith(
        reverse("accounts:login")
    )


def assert_served(response: Any, who: str) -> None:
    assert response.status_code != 404, f"{who}: 404"
    assert response.status_code < 500, f"{who}: {response.status_code}"
    assert not is_login_redirect(response), f"{who}: sent to the login page"


@pytest.mark.parametrize("name", sorted(MATRIX))
def test_the_route_answers_each_persona_as_the_matrix_says(world, name, settings):
    route = MATRIX[name]
    if route.access == DEBUG_ONLY:
        settings.DEBUG = False
        if name in {n for n, _, _ in all_routes()}:
            assert request(world, name, route, None).status_code == 404
        return
    anonymous = request(world, name, route, None)
    if route.access == LOGIN_STEP:
        assert is_login_redirect(anonymous)
    elif route.access in (PUBLIC, API_PUBLIC):
        assert anonymous.status_code < 500 and anonymous.status_code != 404
        assert not is_login_redirect(anonymous)
    elif route.access.startswith("api"):
        assert anonymous.status_code == 401
        assert anonymous.json()["code"] == "not_authenticated"
    else:
        assert is_login_redirect(anonymous), anonymous.status_code
    # Outsiders first: their requests must change nothing for the allowed ones after them.
    for persona in sorted(EVERYONE - route.allowed):
        response = request(world, name, route, persona)
        assert response.status_code == route.refusal, f"{persona}: {response.status_code}"
        if route.access.startswith("api"):
            assert response.json()["code"] == "not_found"
    for persona in sorted(route.allowed, key=lambda p: p == "owner"):
        response = request(world, name, route, persona)
        if route.access == LOGIN_STEP:  # no first step behind this session: back to the login
            assert response.status_code < 500 and response.status_code != 404
        else:
            assert_served(response, persona)


def test_the_admin_is_for_staff_only(client, personas):
    """Every admin page, for every non-staff persona and visitors: the admin's login page."""
    admin = {name: params for name, _, params in all_routes() if name.startswith("admin:")}
    assert "admin:invoices_invoice_changelist" in admin
    kwargs_for = {"object_id": "1", "app_label": "invoices", "content_type_id": "1"}
    for name in sorted(admin.keys() - {"admin:login", "admin:logout"}):
        url = reverse(name, kwargs={p: kwargs_for.get(p, "1") for p in admin[name]})
        for user in (None, personas.supplier_principal, personas.agent):
            client.logout()
            if user is not None:
                client.force_login(user)
            response = client.get(url)
            assert response.status_code == 302, (name, user, response.status_code)
            assert response["Location"].startswith(reverse("admin:login")), name
