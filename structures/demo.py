"""Demo data for structures: the sample SIRENE directory, a few public bodies, the supplier's
company with its mandate signed and its bank account, the State's agent on two services, the
State's principal manager (scoped to no service) with an agent's request waiting for them, and
a colleague's request waiting for the supplier to approve it. Runs after ``accounts.demo``;
idempotent."""

from __future__ import annotations

from pathlib import Path

from accounts import selectors as account_selectors
from accounts import services as account_services
from accounts.demo import demo_user
from accounts.models import User
from structures import selectors, services, services_admin, services_profile
from structures.models import BankAccount, Membership, Structure
from structures.public_csv import import_public_structures
from structures.sirene.importer import import_files

DATA = Path(__file__).resolve().parent / "data"
SIRENE_SAMPLE = DATA / "sirene_sample.csv"
SIRENE_UNITS_SAMPLE = DATA / "sirene_legal_units_sample.csv"
PUBLIC_SAMPLE = DATA / "public_structures_sample.csv"
SUPPLIER_SIRET = "81234567600017"  # ATELIER DUPONT, Lyon, in the sample
AGENT_SERVICES = ["FACTURES_PUBLIQUES", "SFACT_MIN_ECO"]
COLLEAGUE = ("collegue@demo.chorus.test", "Claude", "Collègue")
STATE_PRINCIPAL = "gestionnaire-etat@demo.chorus.test"
# An agent asking to join the State for one service: the principal manager's first decision.
NEWCOMER = ("nouvel-agent@demo.chorus.test", "Noé", "Nouvel-Agent")
NEWCOMER_SERVICES = ["SFACT_MIN_INT"]
DEMO_IBAN = "FR7630006000011234567890189"  # the demo invoices' (invoices/demo.py)


def seed(*, password: str) -> list[str]:
    summary = import_files([SIRENE_UNITS_SAMPLE, SIRENE_SAMPLE])
    import_public_structures(PUBLIC_SAMPLE)
    supplier = demo_user("fournisseur@demo.chorus.test")
    company = _supplier_company(supplier)
    services.mandate_sign(structure=company, user=supplier, ip_address=None)
    if not BankAccount.objects.filter(structure=company, iban=DEMO_IBAN).exists():
        services_profile.bank_account_add(
            structure=company, by=supplier, label="Compte courant", iban=DEMO_IBAN, bic="AGRIFRPP"
        )
    state = selectors.state_structure()
    services.agent_attach(
        structure=state,
        user=demo_user("agent@demo.chorus.test"),
        services=state.services.filter(code__in=AGENT_SERVICES),
    )
    principal = services.agent_attach(structure=state, user=demo_user(STATE_PRINCIPAL))
    if not principal.is_principal:
        services_admin.public_principal_appoint(
            by=demo_user("admin@demo.chorus.test"), membership_id=principal.pk
        )
    newcomer = _demo_member(NEWCOMER, password)
    request = selectors.user_membership(newcomer, state)
    if request is None or request.status in {
        Membership.Status.REFUSED,
        Membership.Status.DETACHED,
    }:
        request = services.attachment_request(
            user=newcomer,
            structure=state,
            services=state.services.filter(code__in=NEWCOMER_SERVICES),
            as_agent=True,
        )
    colleague = _demo_member(COLLEAGUE, password)
    membership = selectors.user_membership(colleague, company)
    if membership is None or membership.status in {
        Membership.Status.REFUSED,
        Membership.Status.DETACHED,
    }:
        membership = services.attachment_request(user=colleague, structure=company)
    return [
        f"{summary.imported} unités légales et établissements SIRENE de démonstration "
        f"({SIRENE_UNITS_SAMPLE.name}, {SIRENE_SAMPLE.name})",
        f"{company.name} (SIRET {company.identifier}) : fournisseur@demo.chorus.test "
        "gestionnaire principal, mandat signé, compte bancaire par défaut",
        f"agent@demo.chorus.test : agent de l'État, services {', '.join(AGENT_SERVICES)}",
        f"{STATE_PRINCIPAL} : gestionnaire principal de l'État (tous ses services), "
        "décide des demandes de rattachement des agents",
        f"{newcomer.email:<32} rattachement à l'État ({', '.join(NEWCOMER_SERVICES)}) : "
        f"{request.get_status_display()}",
        f"{colleague.email:<32} rattachement : {membership.get_status_display()}",
    ]


def _supplier_company(supplier: User) -> Structure:
    company = selectors.structure_by_siret(SUPPLIER_SIRET)
    if company is None:
        return services.structure_create_from_siret(user=supplier, siret=SUPPLIER_SIRET)
    return company


def _demo_member(who: tuple[str, str, str], password: str) -> User:
    email, first_name, last_name = who
    user, _created = User.objects.update_or_create(
        email=email,
        defaults={
            "first_name": first_name,
            "last_name": last_name,
            "contact_email": email,
            "is_active": True,
        },
    )
    user.set_password(password)
    user.save(update_fields=["password"])
    terms = account_selectors.current_terms()
    if terms is not None:
        account_services.terms_accept(user=user, terms=terms, ip_address=None)
    return user
