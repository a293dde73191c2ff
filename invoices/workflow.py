"""The invoice lifecycle (docs/architecture.md): statuses, the transitions between them, and who
fires each.

The ``@transition`` methods only move the status; the services around them lock the row, check
the actor, save, write the history and enqueue what follows. Sources are derived from the tables
below so that the model, the services and the pages agree on one picture.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Protocol, TypeVar

from django.db import models
from django.utils.translation import gettext_lazy as _
from django_fsm import transition


class Status(models.TextChoices):
    """Chorus Pro's status codes: stable strings in the database, the API and exports."""

    BROUILLON = "BROUILLON", _("Brouillon")
    DEPOSEE = "DEPOSEE", _("Déposée")
    EN_COURS_ACHEMINEMENT = "EN_COURS_ACHEMINEMENT", _("En cours d'acheminement")
    MISE_A_DISPOSITION = "MISE_A_DISPOSITION", _("Mise à disposition du destinataire")
    A_RECYCLER = "A_RECYCLER", _("À recycler")
    SUSPENDUE = "SUSPENDUE", _("Suspendue")
    COMPLETEE = "COMPLETEE", _("Complétée")
    SERVICE_FAIT = "SERVICE_FAIT", _("Service fait")
    MANDATEE = "MANDATEE", _("Mandatée")
    COMPTABILISEE = "COMPTABILISEE", _("Comptabilisée")
    REJETEE = "REJETEE", _("Rejetée")
    MISE_EN_PAIEMENT = "MISE_EN_PAIEMENT", _("Mise en paiement")
    # Billing frames A9 / A12: the titular company (or the mandatary) validates the invoice of
    # its sub-contractor (co-contractor) before it goes to the recipient. One validation level
    # (Chorus Pro's "_1"); a second level is out of the portal's scope.
    A_VALIDER_1 = "A_VALIDER_1", _("À valider par le titulaire ou le mandataire")
    VALIDEE_1 = "VALIDEE_1", _("Validée par le titulaire ou le mandataire")
    REFUSEE_1 = "REFUSEE_1", _("Refusée par le titulaire ou le mandataire")
    ABSENCE_VALIDATION_1_HORS_DELAI = (
        "ABSENCE_VALIDATION_1_HORS_DELAI",
        _("Validée tacitement (délai de validation dépassé)"),
    )


S = Status


class ReformCode(models.IntegerChoices):
    """The 2026 e-invoicing reform's lifecycle codes (the whole list, used or not by the portal)."""

    DEPOSEE = 200, _("Déposée")
    EMISE = 201, _("Émise par la plateforme")
    RECUE = 202, _("Reçue par la plateforme")
    MISE_A_DISPOSITION = 203, _("Mise à disposition")
    PRISE_EN_CHARGE = 204, _("Prise en charge")
    APPROUVEE = 205, _("Approuvée")
    APPROUVEE_PARTIELLEMENT = 206, _("Approuvée partiellement")
    EN_LITIGE = 207, _("En litige")
    SUSPENDUE = 208, _("Suspendue")
    COMPLETEE = 209, _("Complétée")
    REFUSEE = 210, _("Refusée")
    PAIEMENT_TRANSMIS = 211, _("Paiement transmis")
    ENCAISSEE = 212, _("Encaissée")
    REJETEE = 213, _("Rejetée")
    VISEE = 214, _("Visée")
    ANNULEE = 220, _("Annulée")
    ERREUR_ROUTAGE = 221, _("Erreur de routage")
    IRRECEVABLE = 501, _("Irrecevable")


R = ReformCode

# Each Chorus status's reform code: the one table the history, the API and the exports use.
# A draft has none (nothing was sent). REJETEE has two: the recipient's refusal of an invoice it
# received (210, a business reason) and the platform's rejection before anything was made
# available (213, non-compliance) — see ``reform_code``.
REFORM_CODES: dict[str, ReformCode] = {
    S.DEPOSEE: R.DEPOSEE,
    S.EN_COURS_ACHEMINEMENT: R.EMISE,
    S.MISE_A_DISPOSITION: R.MISE_A_DISPOSITION,
    S.A_RECYCLER: R.ERREUR_ROUTAGE,
    S.SUSPENDUE: R.SUSPENDUE,
    S.COMPLETEE: R.COMPLETEE,
    S.COMPTABILISEE: R.PRISE_EN_CHARGE,
    S.SERVICE_FAIT: R.APPROUVEE,
    S.MANDATEE: R.APPROUVEE,
    S.REJETEE: R.REFUSEE,
    S.MISE_EN_PAIEMENT: R.PAIEMENT_TRANSMIS,
    # The titular's (mandatary's) validation happens on the platform before the recipient sees
    # the invoice: waiting, validated or validated tacitly, it is received by the platform and
    # not yet made available (202). A refusal ends the invoice before it was ever made
    # available, as the platform's own rejection does (213), not as the recipient's (210).
    S.A_VALIDER_1: R.RECUE,
    S.VALIDEE_1: R.RECUE,
    S.ABSENCE_VALIDATION_1_HORS_DELAI: R.RECUE,
    S.REFUSEE_1: R.REJETEE,
}


def reform_code(status: str, *, made_available: bool = True) -> ReformCode | None:
    """The reform code of a status; ``made_available`` False marks a rejection by the platform
    (the routing worker rejects before the recipient ever sees the invoice)."""
    if status == S.REJETEE and not made_available:
        return R.REJETEE
    return REFORM_CODES.get(status)


# What an agent may do from each status (recipient moves are permissive, as in Chorus Pro).
# COMPLETEE is resumed as from MISE_A_DISPOSITION. Sending back for correction only makes sense
# before the invoice has been worked on; once accounted, only the payment remains.
_FROM_AVAILABLE = (
    S.SERVICE_FAIT,
    S.MANDATEE,
    S.COMPTABILISEE,
    S.SUSPENDUE,
    S.A_RECYCLER,
    S.REJETEE,
    S.MISE_EN_PAIEMENT,
)
AGENT_MOVES: dict[str, tuple[str, ...]] = {
    S.MISE_A_DISPOSITION: _FROM_AVAILABLE,
    S.COMPLETEE: _FROM_AVAILABLE,
    S.SERVICE_FAIT: (S.MANDATEE, S.COMPTABILISEE, S.SUSPENDUE, S.REJETEE, S.MISE_EN_PAIEMENT),
    S.MANDATEE: (S.COMPTABILISEE, S.SUSPENDUE, S.REJETEE, S.MISE_EN_PAIEMENT),
    S.COMPTABILISEE: (S.MISE_EN_PAIEMENT,),
}

# The routing worker's decision, from EN_COURS_ACHEMINEMENT.
ROUTING_OUTCOMES = (S.MISE_A_DISPOSITION, S.A_RECYCLER, S.REJETEE)

# Statuses an agent's decision needs a coded reason for; a comment is required for the first two.
REASON_REQUIRED = (S.REJETEE, S.SUSPENDUE, S.A_RECYCLER)
COMMENT_REQUIRED = (S.REJETEE, S.SUSPENDUE)
# Reason codes that only a bulk decision gives (invoices/bulk/): the reform's "suppression en
# masse" names a batch of invoices rejected at once, never a single one.
BULK_ONLY_REASONS = frozenset({"SUPPRESSION_MASSE"})
# The decisions an agent may apply to many invoices at once (accounting, suspending, rejecting,
# sending back, putting in payment); the optional steps stay one invoice at a time.
BULK_TARGETS = (S.COMPTABILISEE, S.SUSPENDUE, S.REJETEE, S.A_RECYCLER, S.MISE_EN_PAIEMENT)

# Statuses in which nothing more happens to the invoice.
FINAL = (S.REJETEE, S.MISE_EN_PAIEMENT, S.REFUSEE_1)
# Statuses the routing worker owns; a sweep recovers invoices stuck in them.
TRANSIENT = (S.DEPOSEE, S.EN_COURS_ACHEMINEMENT)


def agent_sources(target: str) -> list[str]:
    return [source for source, targets in AGENT_MOVES.items() if target in targets]


# Billing frame A2 (*facture déjà payée*): the supplier has been paid already, so the invoice's
# life ends once accounted; no payment step is offered nor accepted.
NO_PAYMENT_FRAMES = ("A2",)
# Billing frames A9 (sub-contractor) and A12 (co-contractor): the invoice names a titular company
# or a mandatary that validates it before the routing goes on (``A_VALIDER_1``).
VALIDATION_FRAMES = ("A9", "A12")


class _Framed(Protocol):
    status: str
    billing_frame: str


def agent_targets(invoice: _Framed | str) -> tuple[str, ...]:
    """The statuses an agent may move this invoice to: its status's moves, less the payment for
    an invoice already paid (A2). Every list of allowed moves (the decision form, the service,
    bulk decisions) asks here. A bare status (no frame known) gets the status's moves."""
    if isinstance(invoice, str):
        return AGENT_MOVES.get(invoice, ())
    targets = AGENT_MOVES.get(invoice.status, ())
    if invoice.billing_frame in NO_PAYMENT_FRAMES:
        targets = tuple(target for target in targets if target != S.MISE_EN_PAIEMENT)
    return targets


def is_paid_already(invoice: _Framed) -> bool:
    """An A2 invoice: shown as "déjà payée" wherever its status is."""
    return invoice.billing_frame in NO_PAYMENT_FRAMES


_Method = TypeVar("_Method", bound=Callable[..., None])


def _transition(
    *,
    source: str | Sequence[str],
    target: str,
    conditions: Sequence[Callable[[Any], bool]] = (),
) -> Callable[[_Method], _Method]:
    """django-fsm's ``@transition`` on the ``status`` field, keeping the method's type: a
    service calls ``invoice.deposit()``, and a misspelt transition fails in mypy."""
    decorate: Callable[[_Method], _Method] = transition(
        field="status", source=source, target=target, conditions=list(conditions)
    )
    return decorate


class InvoiceWorkflow:
    """Mixed into ``Invoice``: one method per transition, named after what happens. A service
    calls one through ``services._history.fire(invoice.deposit)``, which turns a transition that
    does not apply to the status into ``InvoiceStateError``."""

    # --- supplier ----------------------------------------------------------------------------
    @_transition(source=S.BROUILLON, target=S.DEPOSEE)
    def deposit(self) -> None:
        """The supplier sends a draft."""

    @_transition(source=S.A_RECYCLER, target=S.DEPOSEE)
    def redeposit(self) -> None:
        """The supplier sends again, with corrected recipient data, an invoice sent back."""

    @_transition(source=S.SUSPENDUE, target=S.COMPLETEE)
    def complete(self) -> None:
        """The supplier answers a suspension with documents or a comment."""

    # --- routing worker ----------------------------------------------------------------------
    @_transition(source=S.DEPOSEE, target=S.EN_COURS_ACHEMINEMENT)
    def start_routing(self) -> None:
        pass

    @_transition(source=S.EN_COURS_ACHEMINEMENT, target=S.MISE_A_DISPOSITION)
    def make_available(self) -> None:
        pass

    @_transition(source=S.EN_COURS_ACHEMINEMENT, target=S.A_RECYCLER)
    def routing_send_back(self) -> None:
        pass

    @_transition(source=S.EN_COURS_ACHEMINEMENT, target=S.REJETEE)
    def routing_reject(self) -> None:
        pass

    @_transition(source=S.EN_COURS_ACHEMINEMENT, target=S.A_VALIDER_1)
    def await_validation(self) -> None:
        """An A9 / A12 invoice waits for its titular's (mandatary's) validation."""

    @_transition(source=S.A_VALIDER_1, target=S.ABSENCE_VALIDATION_1_HORS_DELAI)
    def validation_lapse(self) -> None:
        """Nobody validated within the delay: the validation is tacit (beat's sweep)."""

    @_transition(
        source=(S.VALIDEE_1, S.ABSENCE_VALIDATION_1_HORS_DELAI), target=S.EN_COURS_ACHEMINEMENT
    )
    def resume_routing(self) -> None:
        """Validated (or tacitly): the routing to the recipient goes on as usual."""

    # --- validator (titular company of an A9, mandatary of an A12) -------------------------------
    @_transition(source=S.A_VALIDER_1, target=S.VALIDEE_1)
    def validate(self) -> None:
        pass

    @_transition(source=S.A_VALIDER_1, target=S.REFUSEE_1)
    def refuse_validation(self) -> None:
        pass

    # --- supplier, while it waits ------------------------------------------------------------
    @_transition(source=S.A_VALIDER_1, target=S.A_VALIDER_1)
    def change_validator(self) -> None:
        """The supplier names another validator (a mistake): the wait starts again."""

    # --- agent of the recipient --------------------------------------------------------------
    @_transition(source=agent_sources(S.SERVICE_FAIT), target=S.SERVICE_FAIT)
    def certify_service(self) -> None:
        pass

    @_transition(source=agent_sources(S.MANDATEE), target=S.MANDATEE)
    def mandate(self) -> None:
        pass

    @_transition(source=agent_sources(S.COMPTABILISEE), target=S.COMPTABILISEE)
    def account(self) -> None:
        pass

    @_transition(source=agent_sources(S.SUSPENDUE), target=S.SUSPENDUE)
    def suspend(self) -> None:
        pass

    @_transition(source=agent_sources(S.A_RECYCLER), target=S.A_RECYCLER)
    def send_back(self) -> None:
        pass

    @_transition(source=agent_sources(S.REJETEE), target=S.REJETEE)
    def reject(self) -> None:
        pass

    @_transition(
        source=agent_sources(S.MISE_EN_PAIEMENT),
        target=S.MISE_EN_PAIEMENT,
        conditions=[lambda invoice: not is_paid_already(invoice)],
    )
    def put_in_payment(self) -> None:
        """Not for an invoice already paid (A2), whoever asks (agent, payment system)."""


Transition = Callable[[InvoiceWorkflow], None]

# The agent's decision, by target status: the transition method that fires it.
AGENT_TRANSITIONS: dict[str, Transition] = {
    S.SERVICE_FAIT: InvoiceWorkflow.certify_service,
    S.MANDATEE: InvoiceWorkflow.mandate,
    S.COMPTABILISEE: InvoiceWorkflow.account,
    S.SUSPENDUE: InvoiceWorkflow.suspend,
    S.A_RECYCLER: InvoiceWorkflow.send_back,
    S.REJETEE: InvoiceWorkflow.reject,
    S.MISE_EN_PAIEMENT: InvoiceWorkflow.put_in_payment,
}
# The routing worker's decision, by target status.
ROUTING_TRANSITIONS: dict[str, Transition] = {
    S.MISE_A_DISPOSITION: InvoiceWorkflow.make_available,
    S.A_RECYCLER: InvoiceWorkflow.routing_send_back,
    S.REJETEE: InvoiceWorkflow.routing_reject,
    S.A_VALIDER_1: InvoiceWorkflow.await_validation,
}
# The validator's decision, by target status.
VALIDATION_TRANSITIONS: dict[str, Transition] = {
    S.VALIDEE_1: InvoiceWorkflow.validate,
    S.REFUSEE_1: InvoiceWorkflow.refuse_validation,
}
