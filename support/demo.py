"""Demo tickets in every state between the demo supplier, the support team (the demo
administrator is staff) and the State's service FACTURES_PUBLIQUES (the demo agent).

Idempotent: a ticket already there (same sender, same title) is left as it is. What it relies on
is looked up, and created only if missing (structures.demo may have made it already).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.conf import settings
from django.urls import reverse

from accounts.models import User
from structures.models import Membership, Structure
from structures.selectors import state_structure, supplier_structures_of
from support import services
from support.models import Ticket
from support.workflow import Action

SUPPLIER = "fournisseur@demo.chorus.test"
AGENT = "agent@demo.chorus.test"
ADMIN = "admin@demo.chorus.test"
VISITOR = "visiteur@demo.chorus.test"
DEMO_SUPPLIER_SIRET = "90000000100017"  # made up; passes the Luhn checks
SERVICE_CODE = "FACTURES_PUBLIQUES"


@dataclass(frozen=True)
class DemoTicket:
    title: str
    topic: tuple[str, str]
    description: str
    to_state: bool = False
    invoice_number: str = ""
    draft: bool = False
    steps: tuple[tuple[str, Action, str], ...] = field(default=())  # (who, action, text)


TICKETS = (
    DemoTicket(
        "Changer l’adresse de contact de notre compte",
        ("COMPTE", "DONNEES"),
        "Notre comptable change : les notifications doivent aller à compta@fournitures-demo.test.",
        steps=(
            (ADMIN, Action.TAKE, ""),
            (
                ADMIN,
                Action.ANSWER,
                "Vous pouvez la changer vous-même dans « Mon compte » → « Adresse de contact ». "
                "L’adresse de connexion, elle, ne change pas.",
            ),
        ),
    ),
    DemoTicket(
        "Rejet de la facture FAC-2026-0042",
        ("TRAITEMENT", "REJET"),
        "Notre facture a été rejetée pour « Montant de la facture erroné ». "
        "Le montant correspond pourtant au bon de commande : pouvez-vous préciser ?",
        to_state=True,
        invoice_number="FAC-2026-0042",
        steps=(
            (
                AGENT,
                Action.ASK_INFO,
                "Pouvez-vous joindre le bon de livraison signé ? Le montant facturé inclut des "
                "frais de port absents de l’engagement.",
            ),
        ),
    ),
    DemoTicket(
        "Délai de paiement de la facture FAC-2026-0017",
        ("TRAITEMENT", "PAIEMENT"),
        "La facture est « Comptabilisée » depuis plus de trente jours : quand sera-t-elle payée ?",
        to_state=True,
        invoice_number="FAC-2026-0017",
        steps=((AGENT, Action.TAKE, ""),),
    ),
    DemoTicket(
        "Taille maximale des pièces jointes",
        ("TRAITEMENT", "AUTRE"),
        "Notre annexe technique pèse 14 Mo : comment la joindre à la facture ?",
        to_state=True,
        steps=(
            (
                AGENT,
                Action.TRANSFER,
                "Question sur le portail plutôt que sur le traitement : je transfère au support.",
            ),
        ),
    ),
    DemoTicket(
        "Où trouver le code service ?",
        ("AUTRE", "QUESTION"),
        "Le bon de commande ne mentionne pas de code service. Que faut-il saisir ?",
        steps=(
            (
                ADMIN,
                Action.ANSWER,
                "Le code service (SE) figure sur le bon de commande ; à défaut, demandez-le à "
                "votre acheteur. Voir l’aide « Saisir une facture en ligne ».",
            ),
            (SUPPLIER, Action.CLOSE, "Merci, c’est clair."),
        ),
    ),
    DemoTicket(
        "Obtenir un jeton d’API",
        ("API", "ACCES"),
        "Nous voulons déposer nos factures depuis notre logiciel de gestion.",
        draft=True,
    ),
)


def _agent(state: Structure) -> User:
    agent = User.objects.get(email=AGENT)
    membership, _created = Membership.objects.get_or_create(
        user=agent, structure=state, defaults={"status": Membership.Status.APPROVED}
    )
    membership.services.add(state.services.get(code=SERVICE_CODE))
    return agent


def _supplier_structure(supplier: User) -> Structure:
    existing = supplier_structures_of(supplier).order_by("pk").first()
    if existing is not None:
        return existing
    structure, _created = Structure.objects.get_or_create(
        identifier_type=Structure.IdentifierType.SIRET,
        identifier=DEMO_SUPPLIER_SIRET,
        defaults={
            "name": "Fournitures Démo SARL",
            "address": "12 rue des Artisans",
            "postal_code": "69003",
            "city": "Lyon",
        },
    )
    principal_taken = structure.memberships.filter(
        role=Membership.Role.PRINCIPAL, status=Membership.Status.APPROVED
    ).exists()
    Membership.objects.get_or_create(
        user=supplier,
        structure=structure,
        defaults={
            "status": Membership.Status.APPROVED,
            "role": Membership.Role.MEMBER if principal_taken else Membership.Role.PRINCIPAL,
        },
    )
    return structure


def _create(spec: DemoTicket, supplier: User, structure: Structure, state: Structure) -> None:
    users = {email: User.objects.get(email=email) for email in (SUPPLIER, AGENT, ADMIN)}
    ticket = services.ticket_create(
        sender=supplier,
        category=spec.topic[0],
        subcategory=spec.topic[1],
        title=spec.title,
        description=spec.description,
        sender_structure=structure,
        recipient_structure=state if spec.to_state else None,
        recipient_service=state.services.get(code=SERVICE_CODE) if spec.to_state else None,
        invoice_number=spec.invoice_number,
        send=not spec.draft,
        notify=False,  # demo history: nobody is to be told of it now
    )
    for who, action, text in spec.steps:
        services.ticket_act(ticket=ticket, action=action, user=users[who], body=text, notify=False)


def _visitor_ticket() -> Ticket:
    existing = Ticket.objects.filter(email=VISITOR, sender__isnull=True).first()
    if existing is not None:
        return existing
    return services.ticket_contact_create(
        email=VISITOR,
        category="COMPTE",
        subcategory="ACTIVATION",
        title="Je n’ai pas reçu le courriel d’activation",
        description="J’ai créé mon compte hier ; aucun courriel reçu, même dans les indésirables.",
        notify=False,
    )


def seed(*, password: str) -> list[str]:
    supplier = User.objects.get(email=SUPPLIER)
    state = state_structure()
    _agent(state)
    structure = _supplier_structure(supplier)
    for spec in TICKETS:
        if not Ticket.objects.filter(sender=supplier, title=spec.title).exists():
            _create(spec, supplier, structure, state)
    visitor = _visitor_ticket()
    link = settings.SITE_URL + reverse("support:follow", args=[visitor.follow_token])
    return [f"Sollicitation d’un visiteur sans compte ({visitor.number}) : {link}"]
