"""The structures' admin: lists and pages, and every change an administrator makes to a
structure, its services and members, made through ``structures.services_admin`` with its
checks, audit rows and e-mails; a refusal is a French error on the form and writes nothing."""

import re
from pathlib import Path

import pytest
from django import forms
from django.contrib import admin
from django.contrib.admin.models import LogEntry
from django.urls import reverse

from structures.admin import ThroughServicesAdmin
from structures.models import (
    MandateSignature,
    Membership,
    Service,
    SireneEstablishment,
    Structure,
    StructureEvent,
)
from tests.factories import PublicStructureFactory, ServiceFactory, UserFactory, valid_siret
from tests.structures.factories import SireneEstablishmentFactory
from tests.utils.two_factor import verified_login

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, personas):  # type: ignore[no-untyped-def]
    """The admin persona (who accepted the CGU, unlike pytest-django's admin user)."""
    verified_login(client, personas.admin)
    return client


MODELS = [SireneEstablishment, Structure, Service, Membership, MandateSignature]


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_every_model_has_a_searchable_filtered_admin_list(admin_client, personas, model):
    SireneEstablishmentFactory()
    url = reverse(f"admin:structures_{model._meta.model_name}_changelist")
    assert admin_client.get(url).status_code == 200
    assert admin_client.get(url, {"q": "acme"}).status_code == 200


def test_the_state_page_shows_its_services_and_agents(admin_client, personas):
    page = admin_client.get(reverse("admin:structures_structure_change", args=[personas.state.pk]))
    text = page.content.decode()
    assert page.status_code == 200 and "SFACT_MIN_INT" in text and personas.agent.email in text


# --- Changes through the services -----------------------------------------------------------
def form_data(client, url):  # type: ignore[no-untyped-def]
    """What the admin's change page posts back untouched: its form and inline forms."""
    page = client.get(url)
    assert page.status_code == 200
    bound = [page.context["adminform"].form]
    data = {}
    for inline in page.context["inline_admin_formsets"]:
        formset = inline.formset
        management = formset.management_form
        data.update({management.add_prefix(n): management[n].value() for n in management.fields})
        bound += formset.forms
    for form in bound:
        for name, field in form.fields.items():
            value = form[name].value()
            key = form.add_prefix(name)
            if isinstance(field, forms.BooleanField):
                if value:
                    data[key] = "on"
            elif isinstance(value, list | tuple):
                data[key] = [str(getattr(v, "pk", v)) for v in value]
            elif value is not None:
                data[key] = str(getattr(value, "pk", value))
    return data


def inline_row(data, prefix, membership):  # type: ignore[no-untyped-def]
    """The index of ``membership``'s row among the inline's forms."""
    for key, value in data.items():
        match = re.fullmatch(rf"{prefix}-(\d+)-id", key)
        if match and value == str(membership.pk):
            return int(match[1])
    raise AssertionError(f"no row for {membership}")


def errors(response):  # type: ignore[no-untyped-def]
    assert response.status_code == 200, response.get("Location")
    return " ".join(
        re.sub(r"<[^>]+>", " ", m)
        for m in re.findall(
            r'class="errorlist[^"]*"[^>]*>(.*?)</ul>', response.content.decode(), re.S
        )
    )


def events(structure):  # type: ignore[no-untyped-def]
    return list(
        StructureEvent.objects.filter(structure=structure)
        .order_by("id")
        .values_list("action", "user__email", "member__email", "detail")
    )


def change_url(obj):  # type: ignore[no-untyped-def]
    return reverse(f"admin:structures_{obj._meta.model_name}_change", args=[obj.pk])


@pytest.fixture
def post(admin_client, django_capture_on_commit_callbacks):  # type: ignore[no-untyped-def]
    """Posts to the admin and runs what waits for the commit (the e-mails)."""

    def send(url, data):  # type: ignore[no-untyped-def]
        with django_capture_on_commit_callbacks(execute=True):
            return admin_client.post(url, data)

    return send


# Structures
def test_a_structures_settings_change_is_audited(admin_client, personas, post):
    url = change_url(personas.state)
    data = form_data(admin_client, url)
    data.update(engagement_required="on", contact_phone="01 23 45 67 89")
    assert post(url, data).status_code == 302
    personas.state.refresh_from_db()
    assert personas.state.engagement_required and personas.state.contact_phone == "01 23 45 67 89"
    assert events(personas.state) == [
        (
            "STRUCTURE_UPDATED",
            "admin@chorus.test",
            None,
            "contact_phone, engagement_required",
        )
    ]
    assert StructureEvent.objects.get().detail_display == (
        "téléphone du contact, numéro d'engagement obligatoire"
    )
    assert LogEntry.objects.filter(object_id=str(personas.state.pk)).exists()


def test_a_refused_structure_change_is_a_french_error_and_writes_nothing(
    admin_client, personas, post
):
    url = change_url(personas.acme)
    data = form_data(admin_client, url)
    # A VAT number of another SIREN, along with a change that would pass alone.
    data.update(vat_number="FR40303265045", city="Lyon")
    assert "n’est pas celui du SIREN" in errors(post(url, data))
    personas.acme.refresh_from_db()
    assert (personas.acme.city, personas.acme.vat_number) == ("Paris", "")
    assert events(personas.acme) == [] and not LogEntry.objects.exists()


def test_a_structure_with_members_keeps_its_nature(admin_client, personas, post):
    url = change_url(personas.acme)
    data = form_data(admin_client, url)
    data["is_public"] = "on"
    assert "ne passe plus de publique à privée" in errors(post(url, data))
    personas.acme.refresh_from_db()
    assert not personas.acme.is_public


def _new_structure(**values):  # type: ignore[no-untyped-def]
    data = {
        "identifier_type": "SIRET",
        "country": "FR",
        "is_active": "on",
        "payment_status_reported": "on",
        **{
            f"{p}-{n}": "0"
            for p in ("services", "memberships", "bank_accounts")
            for n in ("TOTAL_FORMS", "INITIAL_FORMS")
        },
    }
    data.update(values)
    return data


def test_an_administrator_creates_a_public_structure_with_its_services(personas, post):
    siret = valid_siret(9001)
    data = _new_structure(identifier=siret, name="Commune de Trifouillis", is_public="on")
    data.update(
        {
            "services-TOTAL_FORMS": "1",
            "services-0-code": "MAIRIE",
            "services-0-name": "Mairie",
            "services-0-is_active": "on",
        }
    )
    assert post(reverse("admin:structures_structure_add"), data).status_code == 302
    commune = Structure.objects.get(identifier=siret)
    assert commune.is_public and list(commune.services.values_list("code", flat=True)) == ["MAIRIE"]
    assert events(commune) == [
        ("STRUCTURE_CREATED", "admin@chorus.test", None, f"SIRET {siret}"),
        ("SERVICE_ADDED", "admin@chorus.test", None, "MAIRIE — Mairie"),
    ]


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"identifier": "12345678901234", "is_public": "on"}, "clé de contrôle est fausse"),
        # A company's SIRET must be an open establishment of the directory, as on the portal.
        ({"identifier": valid_siret(9002)}, "inconnu du répertoire SIRENE"),
    ],
    ids=["check-digit", "unknown-company"],
)
def test_a_refused_creation_writes_nothing(personas, post, values, message):
    data = _new_structure(name="Nouvelle", **values)
    assert message in errors(post(reverse("admin:structures_structure_add"), data))
    assert not Structure.objects.filter(name="Nouvelle").exists()
    assert not StructureEvent.objects.exists()


# Services
def test_a_service_is_deactivated_never_deleted(admin_client, personas, post):
    url = change_url(personas.service)
    data = form_data(admin_client, url)
    del data["is_active"]
    assert post(url, data).status_code == 302
    personas.service.refresh_from_db()
    assert not personas.service.is_active
    assert events(personas.state) == [
        ("SERVICE_DEACTIVATED", "admin@chorus.test", None, "FACTURES_PUBLIQUES — is_active")
    ]
    delete = reverse("admin:structures_service_delete", args=[personas.service.pk])
    assert admin_client.post(delete, {"post": "yes"}).status_code == 403
    assert Service.objects.filter(pk=personas.service.pk).exists()


def test_a_services_validity_ends_after_it_starts(admin_client, personas, post):
    url = change_url(personas.state)
    data = form_data(admin_client, url)
    row = inline_row(data, "services", personas.service)
    data.update(
        {
            f"services-{row}-valid_from": "2026-06-01",
            f"services-{row}-valid_until": "2026-01-01",
            "city": "Lyon",
        }
    )
    assert "La fin de validité du service suit son début" in errors(post(url, data))
    personas.service.refresh_from_db()
    personas.state.refresh_from_db()
    assert personas.service.valid_until is None and personas.state.city != "Lyon"
    assert events(personas.state) == []


def test_a_company_has_no_service(personas, post):
    data = {"structure": personas.acme.pk, "code": "X", "name": "X", "is_active": "on"}
    assert errors(post(reverse("admin:structures_service_add"), data))
    assert not Service.objects.filter(structure=personas.acme).exists()


# Members
def test_an_administrator_attaches_an_agent_who_is_told(admin_client, personas, post, mailoutbox):
    newcomer = UserFactory(email="nouvel-agent@etat.test")
    url = change_url(personas.state)
    data = form_data(admin_client, url)
    row = int(data["memberships-TOTAL_FORMS"])
    data.update(
        {
            "memberships-TOTAL_FORMS": str(row + 1),
            f"memberships-{row}-user": str(newcomer.pk),
            f"memberships-{row}-status": "APPROVED",
            f"memberships-{row}-can_modify": "on",
            f"memberships-{row}-services": [str(personas.other_service.pk)],
        }
    )
    assert post(url, data).status_code == 302
    membership = Membership.objects.get(user=newcomer)
    assert (membership.status, membership.role, membership.decided_by) == (
        "APPROVED",
        "MEMBER",
        personas.admin,
    )
    assert list(membership.services.all()) == [personas.other_service]
    assert events(personas.state) == [
        ("MEMBER_ADDED", "admin@chorus.test", "nouvel-agent@etat.test", "SFACT_MIN_INT")
    ]
    [mail] = mailoutbox
    assert mail.to == [newcomer.contact_email]
    assert "Un administrateur du portail vous a rattaché(e)" in mail.body


def test_the_admin_never_adds_a_member_to_a_company(admin_client, personas, post, mailoutbox):
    """On a company, people ask to join from the portal; roles are read only in the admin (a
    new principal manager is named from a support request,
    tests/support/test_principal_appointment.py)."""
    page = admin_client.get(change_url(personas.acme))
    adding = {i.formset.model: i.has_add_permission for i in page.context["inline_admin_formsets"]}
    assert not adding[Membership] and not adding[Service]  # not offered on a company
    data = {
        "user": str(UserFactory().pk),
        "structure": str(personas.acme.pk),
        "status": "APPROVED",
        "can_modify": "on",
    }
    response = post(reverse("admin:structures_membership_add"), data)
    assert "l’administrateur rattache seulement les agents" in errors(response)
    assert Membership.objects.filter(structure=personas.acme).count() == 3
    assert events(personas.acme) == [] and mailoutbox == []


def test_an_administrator_approves_a_request(admin_client, personas, post, mailoutbox):
    membership = Membership.objects.get(user=personas.pending_requester)
    url = change_url(membership)
    data = form_data(admin_client, url)
    data["status"] = "APPROVED"
    assert post(url, data).status_code == 302
    membership.refresh_from_db()
    assert (membership.status, membership.decided_by) == ("APPROVED", personas.admin)
    assert events(personas.acme) == [
        ("REQUEST_APPROVED", "admin@chorus.test", "pending@acme.test", "")
    ]
    [mail] = mailoutbox
    assert mail.to == [personas.pending_requester.contact_email]
    assert "accepté" in mail.subject


def test_a_refusal_needs_its_reason_which_the_requester_reads(
    admin_client, personas, post, mailoutbox
):
    membership = Membership.objects.get(user=personas.pending_requester)
    url = change_url(membership)
    data = form_data(admin_client, url)
    data["status"] = "REFUSED"
    assert "Donnez le motif du refus" in errors(post(url, data))
    membership.refresh_from_db()
    assert membership.status == "PENDING" and mailoutbox == []

    data["refusal_reason"] = "Vous ne travaillez pas chez Acme."
    assert post(url, data).status_code == 302
    membership.refresh_from_db()
    assert membership.status == "REFUSED"
    assert events(personas.acme) == [
        (
            "REQUEST_REFUSED",
            "admin@chorus.test",
            "pending@acme.test",
            "Vous ne travaillez pas chez Acme.",
        )
    ]
    [mail] = mailoutbox
    assert "refusé" in mail.subject and "Vous ne travaillez pas chez Acme." in mail.body


def test_an_administrator_detaches_a_member_from_the_structures_page(
    admin_client, personas, post, mailoutbox
):
    membership = Membership.objects.get(user=personas.supplier_member)
    url = change_url(personas.acme)
    data = form_data(admin_client, url)
    data[f"memberships-{inline_row(data, 'memberships', membership)}-status"] = "DETACHED"
    assert post(url, data).status_code == 302
    membership.refresh_from_db()
    assert membership.status == "DETACHED"
    assert events(personas.acme) == [
        ("MEMBER_DETACHED", "admin@chorus.test", "member@acme.test", "")
    ]
    [mail] = mailoutbox
    assert "Un administrateur du portail vous a détaché(e)" in mail.body


@pytest.mark.parametrize(
    ("who", "change", "message"),
    [
        ("supplier_principal", {"status": "DETACHED"}, "transmet d’abord son rôle"),
        ("supplier_principal", {"can_modify": None}, "garde tous les droits"),
        ("pending_requester", {"status": "DETACHED"}, "ne passe pas à « Détaché »"),
        ("supplier_member", {"refusal_reason": "Non."}, "Le motif accompagne un refus"),
    ],
    ids=["detach-principal", "principal-rights", "detach-request", "reason-alone"],
)
def test_a_refused_membership_change_writes_nothing(
    admin_client, personas, post, mailoutbox, who, change, message
):
    membership = Membership.objects.get(user=getattr(personas, who))
    before = Membership.objects.filter(pk=membership.pk).values().get()
    url = change_url(membership)
    data = form_data(admin_client, url)
    for key, value in change.items():
        if value is None:
            del data[key]
        else:
            data[key] = value
    assert message in errors(post(url, data))
    assert Membership.objects.filter(pk=membership.pk).values().get() == before
    assert events(personas.acme) == [] and mailoutbox == []


def test_rights_and_services_of_an_agent_are_audited(admin_client, personas, post):
    membership = Membership.objects.get(user=personas.agent)
    url = change_url(membership)
    data = form_data(admin_client, url)
    del data["can_modify"]
    data["services"] = [str(personas.service.pk), str(personas.other_service.pk)]
    assert post(url, data).status_code == 302
    membership.refresh_from_db()
    assert not membership.can_modify and membership.services.count() == 2
    assert events(personas.state) == [
        ("RIGHTS_CHANGED", "admin@chorus.test", "agent@etat.test", "consultation seule"),
        (
            "SERVICES_CHANGED",
            "admin@chorus.test",
            "agent@etat.test",
            "FACTURES_PUBLIQUES, SFACT_MIN_INT",
        ),
    ]


def test_an_agent_is_never_given_another_structures_service(admin_client, personas, post):
    membership = Membership.objects.get(user=personas.agent)
    foreign = ServiceFactory(structure=PublicStructureFactory(), code="AILLEURS")
    # A member's page offers their structure's services only.
    url = change_url(membership)
    data = form_data(admin_client, url)
    data["services"] = [str(personas.service.pk), str(foreign.pk)]
    del data["can_modify"]
    assert "Sélectionnez un choix valide" in errors(post(url, data))
    # A new member's page offers every service: the service refuses another structure's.
    newcomer = UserFactory()
    data = {
        "user": str(newcomer.pk),
        "structure": str(personas.state.pk),
        "status": "APPROVED",
        "services": [str(personas.service.pk), str(foreign.pk)],
    }
    response = post(reverse("admin:structures_membership_add"), data)
    assert "« AILLEURS » n’est pas un service actif de cette structure" in errors(response)
    membership.refresh_from_db()
    assert membership.can_modify and list(membership.services.all()) == [personas.service]
    assert not Membership.objects.filter(user=newcomer).exists()
    assert events(personas.state) == []


def test_memberships_are_never_deleted_in_the_admin(admin_client, personas):
    membership = Membership.objects.get(user=personas.supplier_member)
    delete = reverse("admin:structures_membership_delete", args=[membership.pk])
    assert admin_client.post(delete, {"post": "yes"}).status_code == 403
    changelist = reverse("admin:structures_membership_changelist")
    response = admin_client.post(
        changelist, {"action": "delete_selected", "_selected_action": [membership.pk]}
    )
    assert response.status_code in (200, 302)
    assert Membership.objects.filter(pk=membership.pk).exists()


# A public structure's principal manager
def _appoint(admin_client, membership):  # type: ignore[no-untyped-def]
    return admin_client.post(
        reverse("admin:structures_membership_changelist"),
        {"action": "appoint_public_principal", "_selected_action": [membership.pk]},
        follow=True,
    )


def messages_of(response):  # type: ignore[no-untyped-def]
    return " ".join(str(m) for m in response.context["messages"])


def test_an_administrator_names_a_public_structures_principal_manager_once(
    admin_client, personas, mailoutbox, django_capture_on_commit_callbacks
):
    agent = Membership.objects.get(user=personas.agent)
    with django_capture_on_commit_callbacks(execute=True):
        response = _appoint(admin_client, agent)
    assert "agent@etat.test est le gestionnaire principal de « État »" in messages_of(response)
    agent.refresh_from_db()
    assert agent.is_principal
    assert events(personas.state) == [
        ("PRINCIPAL_APPOINTED", "admin@chorus.test", "agent@etat.test", "")
    ]
    [mail] = mailoutbox
    assert "gestionnaire principal de la structure publique « État »" in mail.body

    # A second one is refused: the principal manager hands over from the portal.
    other = Membership.objects.get(user=personas.other_agent)
    response = _appoint(admin_client, other)
    assert "a déjà un gestionnaire principal, agent@etat.test" in messages_of(response)
    other.refresh_from_db()
    assert other.role == "MEMBER" and len(events(personas.state)) == 1


def test_a_companys_principal_manager_is_named_from_a_support_request(admin_client, personas):
    response = _appoint(admin_client, Membership.objects.get(user=personas.supplier_member))
    assert "depuis la sollicitation" in messages_of(response)
    assert Membership.objects.get(user=personas.supplier_principal).is_principal


# --- No admin page writes these rows but through the services -------------------------------
GUARDED = {Structure, Service, Membership}
HOOKS = ("save_model", "save_related", "save_formset", "delete_model", "delete_queryset")


def test_every_admin_of_structures_services_and_members_saves_through_the_services(rf):
    request = rf.get("/")
    request.user = UserFactory.build(is_staff=True, is_superuser=True)
    for model, model_admin in admin.site._registry.items():
        if model in GUARDED:
            assert isinstance(model_admin, ThroughServicesAdmin), model
            own = type(model_admin)
            assert own.save_model is not ThroughServicesAdmin.save_model, model
            for hook in HOOKS[1:]:
                assert getattr(own, hook) is getattr(ThroughServicesAdmin, hook), (model, hook)
            assert not model_admin.has_delete_permission(request)
        for inline in model_admin.get_inline_instances(request):
            if inline.model not in GUARDED or not inline.has_change_permission(request):
                continue
            # An editable inline of these rows sits on an admin that hands it to a service.
            assert isinstance(model_admin, ThroughServicesAdmin), (model, inline)
            assert inline.model in model_admin.formset_savers, (model, inline)
            assert not inline.can_delete, (model, inline)


def test_the_structures_admin_module_writes_no_row_itself():
    source = (Path(__file__).parents[2] / "structures" / "admin.py").read_text()
    writes = re.findall(
        r"\.(save|delete|create|update|get_or_create|update_or_create|bulk_create|"
        r"bulk_update|set|add|remove|clear|save_m2m)\(",
        source,
    )
    assert writes == []


@pytest.mark.parametrize("model", [Structure, Service, Membership], ids=lambda m: m.__name__)
def test_the_add_pages_open(admin_client, model):
    url = reverse(f"admin:structures_{model._meta.model_name}_add")
    assert admin_client.get(url).status_code == 200
