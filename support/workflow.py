"""The life of a ticket: its statuses, the actions on it, and who may fire each.

Pure data and pure functions; ``services.ticket_act`` locks the ticket, checks the actor's
side against this table, applies it and records a message. The table reads as:

| action    | side     | from                                        | to           | text |
|-----------|----------|---------------------------------------------|--------------|------|
| SEND      | sender   | BROUILLON                                   | ENVOYEE      | no   |
| TAKE      | receiver | ENVOYEE, TRANSFEREE                         | EN_COURS     | no   |
| ANSWER    | receiver | ENVOYEE, EN_COURS, TRANSFEREE, ATTENTE_INFO | REPONDUE     | yes  |
| ASK_INFO  | receiver | ENVOYEE, EN_COURS, TRANSFEREE               | ATTENTE_INFO | yes  |
| TRANSFER  | receiver | ENVOYEE, EN_COURS, ATTENTE_INFO  (*)        | TRANSFEREE   | no   |
| ADD_INFO  | sender   | ATTENTE_INFO                                | EN_COURS     | yes  |
| ADD_INFO  | sender   | ENVOYEE, EN_COURS, TRANSFEREE               | (unchanged)  | yes  |
| REOPEN    | sender   | REPONDUE                                    | EN_COURS     | yes  |
| CLOSE     | sender   | every status but BROUILLON and CLOTUREE     | CLOTUREE     | no   |

(*) only a ticket addressed to a public recipient's service: support does not transfer to itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db import models
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


class TicketStatus(models.TextChoices):
    BROUILLON = "BROUILLON", _("Brouillon")
    ENVOYEE = "ENVOYEE", _("Envoyée")
    EN_COURS = "EN_COURS", _("En cours de traitement")
    ATTENTE_INFO = "ATTENTE_INFO", _("Complément demandé")
    TRANSFEREE = "TRANSFEREE", _("Transférée au support")
    REPONDUE = "REPONDUE", _("Répondue")
    CLOTUREE = "CLOTUREE", _("Clôturée")


class Side(models.TextChoices):
    SENDER = "SENDER", _("Demandeur")
    RECEIVER = "RECEIVER", _("Destinataire")


class Action(models.TextChoices):
    SEND = "SEND", _("Envoi")
    TAKE = "TAKE", _("Prise en charge")
    ANSWER = "ANSWER", _("Réponse")
    ASK_INFO = "ASK_INFO", _("Demande de complément")
    TRANSFER = "TRANSFER", _("Transfert au support")
    ADD_INFO = "ADD_INFO", _("Complément")
    REOPEN = "REOPEN", _("Renvoi (réponse insatisfaisante)")
    CLOSE = "CLOSE", _("Clôture")


@dataclass(frozen=True)
class Rule:
    side: Side
    needs_text: bool
    notifies: tuple[Side, ...]  # the side(s) e-mailed when the action is done
    button: StrOrPromise  # the label of the button that fires it


S = TicketStatus

RULES: dict[Action, Rule] = {
    Action.SEND: Rule(Side.SENDER, False, (Side.RECEIVER,), _("Envoyer")),
    Action.TAKE: Rule(Side.RECEIVER, False, (Side.SENDER,), _("Prendre en charge")),
    Action.ANSWER: Rule(Side.RECEIVER, True, (Side.SENDER,), _("Répondre")),
    Action.ASK_INFO: Rule(Side.RECEIVER, True, (Side.SENDER,), _("Demander un complément")),
    Action.TRANSFER: Rule(
        Side.RECEIVER, False, (Side.SENDER, Side.RECEIVER), _("Transférer au support")
    ),
    Action.ADD_INFO: Rule(Side.SENDER, True, (Side.RECEIVER,), _("Ajouter un complément")),
    Action.REOPEN: Rule(
        Side.SENDER, True, (Side.RECEIVER,), _("Renvoyer : réponse insatisfaisante")
    ),
    Action.CLOSE: Rule(Side.SENDER, False, (Side.RECEIVER,), _("Clôturer la sollicitation")),
}

OPEN_STATUSES = (S.ENVOYEE, S.EN_COURS, S.ATTENTE_INFO, S.TRANSFEREE, S.REPONDUE)

TRANSITIONS: dict[tuple[Action, TicketStatus], TicketStatus] = {
    (Action.SEND, S.BROUILLON): S.ENVOYEE,
    (Action.TAKE, S.ENVOYEE): S.EN_COURS,
    (Action.TAKE, S.TRANSFEREE): S.EN_COURS,
    **{
        (Action.ANSWER, s): S.REPONDUE
        for s in (S.ENVOYEE, S.EN_COURS, S.TRANSFEREE, S.ATTENTE_INFO)
    },
    **{(Action.ASK_INFO, s): S.ATTENTE_INFO for s in (S.ENVOYEE, S.EN_COURS, S.TRANSFEREE)},
    **{(Action.TRANSFER, s): S.TRANSFEREE for s in (S.ENVOYEE, S.EN_COURS, S.ATTENTE_INFO)},
    (Action.ADD_INFO, S.ATTENTE_INFO): S.EN_COURS,
    **{(Action.ADD_INFO, s): s for s in (S.ENVOYEE, S.EN_COURS, S.TRANSFEREE)},
    (Action.REOPEN, S.REPONDUE): S.EN_COURS,
    **{(Action.CLOSE, s): S.CLOTUREE for s in OPEN_STATUSES},
}

# The sender's tabs (Chorus Pro's: actions required, in progress, closed, drafts).
SENDER_TABS: dict[str, tuple[TicketStatus, ...]] = {
    "action": (S.ATTENTE_INFO, S.REPONDUE),
    "en-cours": (S.ENVOYEE, S.EN_COURS, S.TRANSFEREE),
    "cloturees": (S.CLOTUREE,),
    "brouillons": (S.BROUILLON,),
}
TAB_LABELS = {
    "action": _("Action requise"),
    "en-cours": _("En cours"),
    "cloturees": _("Clôturées"),
    "brouillons": _("Brouillons"),
}


def next_status(action: Action, status: str, *, to_support: bool) -> TicketStatus | None:
    """Where ``action`` takes a ticket in ``status``, or None when it does not apply.

    ``to_support`` says whether the ticket already sits with the portal's support, which
    cannot transfer it to itself.
    """
    if action == Action.TRANSFER and to_support:
        return None
    return TRANSITIONS.get((action, TicketStatus(status)))


def available_actions(status: str, sides: set[Side], *, to_support: bool) -> list[Action]:
    """The actions one may offer in a page, in the table's order; SEND is the draft form's."""
    return [
        action
        for action, rule in RULES.items()
        if action != Action.SEND
        and rule.side in sides
        and next_status(action, status, to_support=to_support) is not None
    ]
