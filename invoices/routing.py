"""The checks a routed invoice goes through: pure functions on a snapshot of the facts.

The routing service gathers the facts from the database; ``decide`` says where the invoice
goes. Keeping the rules free of the database makes each one easy to read and to test.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.utils.translation import gettext_noop

from invoices.workflow import Status

# Codes of the reason catalogue (migration 0002) the routing worker cites.
REASON_SE_EJ = "SE_EJ_INCORRECT"
REASON_RECIPIENT = "DESTINATAIRE_ERRONE"
REASON_CREDITOR = "CREANCIER_INCONNU"


@dataclass(frozen=True)
class ServiceFacts:
    belongs_to_recipient: bool
    is_active: bool
    valid_from: date | None
    valid_until: date | None
    engagement_required: bool

    def is_valid_on(self, day: date) -> bool:
        return (
            self.is_active
            and (self.valid_from is None or self.valid_from <= day)
            and (self.valid_until is None or day <= self.valid_until)
        )


@dataclass(frozen=True)
class EngagementFacts:
    is_open: bool
    supplier_siret: str


@dataclass(frozen=True)
class RoutingFacts:
    today: date
    recipient_is_public: bool
    recipient_is_active: bool
    service_code_required: bool
    engagement_required: bool
    engagement_or_service_required: bool
    keeps_engagement_register: bool
    service_code: str
    service: ServiceFacts | None
    engagement_number: str
    # The register's entry for the invoice's EJ, when the recipient keeps a register.
    engagement: EngagementFacts | None
    supplier_siret: str | None


@dataclass(frozen=True)
class RoutingDecision:
    status: Status
    reason_code: str = ""
    # Stored in French in the history; shown in the reader's language (invoice_tags.comment).
    comment: str = ""


def check_recipient(facts: RoutingFacts) -> RoutingDecision | None:
    if not (facts.recipient_is_public and facts.recipient_is_active):
        return RoutingDecision(
            Status.A_RECYCLER, REASON_RECIPIENT, gettext_noop("Le destinataire n'est pas actif.")
        )
    return None


def check_service(facts: RoutingFacts) -> RoutingDecision | None:
    if facts.service_code and (
        facts.service is None
        or not facts.service.belongs_to_recipient
        or not facts.service.is_valid_on(facts.today)
    ):
        return RoutingDecision(
            Status.A_RECYCLER, REASON_SE_EJ, gettext_noop("Le code service est inconnu ou inactif.")
        )
    if not facts.service_code and facts.service_code_required:
        return RoutingDecision(
            Status.A_RECYCLER, REASON_SE_EJ, gettext_noop("Le destinataire exige un code service.")
        )
    return None


def _engagement_required(facts: RoutingFacts) -> bool:
    by_service = facts.service is not None and facts.service.engagement_required
    either = facts.engagement_or_service_required and not facts.service_code
    return facts.engagement_required or by_service or either


def check_engagement(facts: RoutingFacts) -> RoutingDecision | None:
    if not facts.engagement_number:
        if _engagement_required(facts):
            return RoutingDecision(
                Status.A_RECYCLER,
                REASON_SE_EJ,
                gettext_noop("Le numéro d'engagement est obligatoire."),
            )
        return None
    if not facts.keeps_engagement_register:
        return None
    if facts.engagement is None or not facts.engagement.is_open:
        return RoutingDecision(
            Status.A_RECYCLER,
            REASON_SE_EJ,
            gettext_noop("Le numéro d'engagement est inconnu ou clos chez le destinataire."),
        )
    if facts.engagement.supplier_siret != (facts.supplier_siret or ""):
        return RoutingDecision(
            Status.REJETEE,
            REASON_CREDITOR,
            gettext_noop("Le fournisseur n'est pas le créancier de cet engagement juridique."),
        )
    return None


CHECKS = (check_recipient, check_service, check_engagement)


def decide(facts: RoutingFacts) -> RoutingDecision:
    """The first check that fails decides; an invoice that passes them all is made available."""
    for check in CHECKS:
        decision = check(facts)
        if decision is not None:
            return decision
    return RoutingDecision(Status.MISE_A_DISPOSITION)
