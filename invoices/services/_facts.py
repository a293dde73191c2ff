"""The facts a single deposit's checks read (``batch._read_facts`` for a batch of one: the API's
POST), in one round trip instead of one per fact: the numbers the supplier already used, the
depositor's membership (their right to deposit and to modify), the supplier's signature of the
mandate in force, the recipient, its service and the billing frames it accepts.

Each read is the batch's own, narrowed to one invoice and written so that none waits for
another's answer (the service and the frames found by the recipient's SIRET, the signature by
the mandate in force as a subquery): prepared once (chorus/prepared.py), sent together
(``read_together``); with them, on PostgreSQL, the ids its rows will take (``_rows.ids_read``),
so that they are written in one message too. The verdicts are those of the batch's reads, to
the letter (tests/invoices/test_deposit_batch.py judges the same inputs both ways). Private to
the services package."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from chorus.prepared import PreparedQuery, PreparedSQL, first_of, read_together
from invoices import checks
from invoices.models import AcceptedFrames, Invoice
from invoices.services import _rows
from invoices.services.common import RecipientDirectory
from invoices.workflow import Status
from structures.models import Service, Structure
from structures.selectors import MEMBERSHIP_IN, SIGNATURE_IN_FORCE, refusal_reason_of

if TYPE_CHECKING:
    from django.db.models import Model

    from accounts.models import User
    from invoices.inputs import InvoiceInput

SIRET = Structure.IdentifierType.SIRET

_TAKEN = PreparedQuery(
    lambda supplier_id, number: (
        Invoice.objects.filter(supplier_id=supplier_id, number=number)
        .exclude(status=Status.BROUILLON)
        .only("number", "issue_year")
    ),
    -1,
    "\x00number",
)
_RECIPIENT = PreparedQuery(
    lambda siret: Structure.objects.filter(identifier_type=SIRET, identifier=siret), "\x00siret"
)
_SERVICE = PreparedQuery(
    lambda siret, code: Service.objects.filter(
        structure__identifier_type=SIRET, structure__identifier=siret, code=code
    ),
    "\x00siret",
    "\x00code",
)
_FRAMES = PreparedQuery(
    lambda siret: first_of(
        AcceptedFrames.objects.filter(structure__identifier_type=SIRET, structure__identifier=siret)
    ),
    "\x00siret",
)


@dataclass(frozen=True)
class OneDeposit:
    """``batch._Facts``'s parts, for one deposit."""

    deposit: checks.DepositFacts
    directory: RecipientDirectory
    may_modify: bool
    # The ids reserved for its rows (``_rows.ids_of``), when asked.
    ids: list[list[int]] | None = None


def read_one(
    user: User,
    supplier: Structure,
    header: InvoiceInput | None,
    reserve: Sequence[tuple[type[Model], int]] = (),
) -> OneDeposit:
    """What ``batch._read_facts`` reads for this one deposit (``header``: its invoice's, None for
    a file without one), in one round trip; with ``reserve``, new ids of these tables (PostgreSQL
    only: ``_rows.ids_read``)."""
    siret = header.recipient_siret.replace(" ", "") if header else ""
    code = header.service_code.strip() if header else ""
    number = header.number if header else ""
    reads: list[tuple[str, PreparedQuery[Any] | PreparedSQL, tuple[Any, ...]]] = [
        ("membership", MEMBERSHIP_IN, (user.pk, supplier.pk)),
        ("signature", SIGNATURE_IN_FORCE, (supplier.pk,)),
    ]
    if number:
        reads.append(("taken", _TAKEN, (supplier.pk, number)))
    if siret:
        reads += [("recipient", _RECIPIENT, (siret,)), ("frames", _FRAMES, (siret,))]
        if code:
            reads.append(("services", _SERVICE, (siret, code)))
    if reserve:
        ids, values = _rows.ids_read(reserve)
        reads.append(("ids", ids, tuple(values)))
    found = dict(
        zip(
            [name for name, _query, _values in reads],
            read_together(*[(query, values) for _name, query, values in reads]),
            strict=True,
        )
    )
    membership = found["membership"][0] if found["membership"] else None
    recipients = {s.identifier: s for s in found.get("recipient", [])}
    services = {(s.structure_id, s.code): s for s in found.get("services", [])}
    facts = checks.DepositFacts(
        refusal=refusal_reason_of(supplier, membership, bool(found["signature"])),
        taken={(invoice.number, invoice.issue_year) for invoice in found.get("taken", [])},
    )
    frames = found.get("frames", [])
    for recipient in recipients.values():
        facts.frames[recipient.pk] = checks.frames_of(frames[0] if frames else None)
    return OneDeposit(
        deposit=facts,
        directory=RecipientDirectory(recipients, services),
        # ``may_modify_for``: an approved member with the right to modify.
        may_modify=membership is not None and membership.can_modify,
        ids=_rows.ids_of(found["ids"]) if reserve else None,
    )
