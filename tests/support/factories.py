"""Tickets for the support tests, made through the services (so with their messages)."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile

from structures.models import Service
from support import services
from support.models import Ticket


def ticket_to_support(  # type: ignore[no-untyped-def]
    sender, *, title: str = "Connexion impossible", send: bool = True, **kw
) -> Ticket:
    return services.ticket_create(
        sender=sender,
        category="COMPTE",
        subcategory="CONNEXION",
        title=title,
        description="Le portail refuse mon mot de passe.",
        send=send,
        **kw,
    )


def ticket_to_service(  # type: ignore[no-untyped-def]
    sender, service: Service, *, title: str = "Rejet de ma facture", **kw
) -> Ticket:
    kw.setdefault("recipient_structure", service.structure)
    return services.ticket_create(
        sender=sender,
        category="TRAITEMENT",
        subcategory="REJET",
        title=title,
        description="Pourquoi ce rejet ?",
        recipient_service=service,
        **kw,
    )


def visitor_ticket(email: str = "visiteur@example.test", **kw) -> Ticket:  # type: ignore[no-untyped-def]
    return services.ticket_contact_create(
        email=email,
        category="COMPTE",
        subcategory="ACTIVATION",
        title="Pas de courriel d’activation",
        description="Rien reçu depuis hier.",
        **kw,
    )


def upload(name: str = "capture.png", content: bytes = b"\x89PNG fake image") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/octet-stream")
