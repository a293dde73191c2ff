"""Every write about structures: creation from the SIRENE directory, attachment requests and
their decisions, the principal manager's role, the billing mandate, public structures.

Rules decided here (issue 3):
- The user who creates a structure becomes its principal manager. A structure without any
  approved member (created by an administrator, say) makes its first requester the principal
  manager at once, as if they had created it. A structure that still has approved members but
  lost its principal manager gets a new one through support (an administrator, with the admin
  action on the member's support request), as on Chorus Pro; requests meanwhile wait.
- An agent asks to join a public structure as a supplier joins theirs, naming the services they
  work for (none: the whole structure); its principal manager approves or refuses, and may later
  change the services a member is scoped to (``membership_set_services``). A public structure's
  first requester is never made its principal manager at once (an administrator names it, with
  the admin action on its memberships, ``services_admin.public_principal_appoint``). A request
  to join a public structure says it is an agent's (``as_agent``): a supplier asking to join
  their public client is told to join their own company instead.
- A refused or detached user may ask again; the request goes back to pending.
- Secondary managers (issue 17) take the same decisions as the principal manager on
  attachment requests and keep the profile and bank accounts (``services_profile``); the
  principal manager alone names them, sets members' rights, detaches members, hands the role
  over and signs or revokes the mandate. A refusal carries a reason the requester reads.
- Races: the database constraints (one structure per SIRET, one membership per user and
  structure, one approved principal per structure) have the last word; the structure row is
  locked while a membership decision is taken, and a lost race ends in the same state as a
  request that came second.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime
from functools import partial

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User
from accounts.services import AccountCloseRefused
from chorus.text import text_error
from structures import audit, notifications, selectors
from structures.errors import StructureError
from structures.models import (
    MANAGER_ROLES,
    MandateEvent,
    MandateSignature,
    Membership,
    Service,
    Structure,
    StructureEvent,
)
from structures.sirene import legal_units, loader
from structures.sirene.legal_units import LegalUnit
from structures.sirene.reader import Record

PUBLIC_STRUCTURE_REFUSAL = gettext_lazy(
    "« %(name)s » est une structure publique, destinataire de vos factures : on ne s’y rattache "
    "pas. Rattachez-vous à la structure de votre propre entreprise, celle qui émet les factures, "
    "et non à celle de votre client public. Si vous êtes agent de cette structure publique, "
    "confirmez-le sur sa page de demande de rattachement."
)


# --- The SIRENE directory -------------------------------------------------------------------
@transaction.atomic
def sirene_establishments_upsert(*, records: Sequence[Record], with_category: bool = True) -> int:
    """Writes one batch of the directory import (insert or update by SIRET)."""
    return loader.upsert(records, with_category=with_category)


@transaction.atomic
def sirene_legal_units_upsert(*, records: Sequence[LegalUnit]) -> int:
    """Writes one batch of legal units (insert or update by SIREN); their establishments
    follow."""
    return legal_units.upsert(records)


@transaction.atomic
def structures_follow_directory(*, since: datetime) -> int:
    """After an import: the structures whose establishment changed since ``since`` take its
    state (closed or open again) and, for a company, its new name (a public structure keeps
    the name its administrators gave it). Returns how many structures changed."""
    changed = []
    for structure in selectors.structures_changed_in_directory(since=since).iterator(2000):
        closed = not structure.directory_active
        renamed = (
            not structure.is_public
            and structure.directory_name
            and structure.directory_name != structure.name
        )
        if closed == structure.is_closed and not renamed:
            continue
        structure.is_closed = closed
        if renamed:
            structure.name = structure.directory_name
        changed.append(structure)
    Structure.objects.bulk_update(changed, ["is_closed", "name"], batch_size=500)
    return len(changed)


# --- Creating a structure -------------------------------------------------------------------
@transaction.atomic
def structure_create_from_siret(*, user: User, siret: str) -> Structure:
    """Creates the structure of an active establishment; its creator is principal manager."""
    siret = selectors.normalised_siret(siret)
    establishment = selectors.establishment_to_create(siret)
    try:
        # A savepoint: when a concurrent creation wins the unique constraint, the caller's
        # transaction stays usable and the user is offered to join the winner's structure.
        with transaction.atomic():
            structure = Structure.objects.create(
                identifier_type=Structure.IdentifierType.SIRET,
                identifier=siret,
                name=establishment.name or siret,
                address=establishment.address,
                postal_code=establishment.postal_code,
                city=establishment.city,
            )
    except IntegrityError:
        existing = selectors.structure_by_siret(siret)
        if existing is None:
            raise
        raise selectors.already_exists(existing) from None
    Membership.objects.create(
        user=user,
        structure=structure,
        role=Membership.Role.PRINCIPAL,
        status=Membership.Status.APPROVED,
        decided_at=timezone.now(),
        decided_by=user,
    )
    return structure


# --- Attachment requests --------------------------------------------------------------------
def _locked(structure: Structure) -> Structure:
    """The structure's row, locked until the end of the transaction (decisions serialise)."""
    return Structure.objects.select_for_update().get(pk=structure.pk)


def _requested_services(
    structure: Structure, services: Iterable[Service], *, active_only: bool = True
) -> list[Service]:
    """The services an agent asks for (active ones) or is scoped to: the structure's own, of a
    public structure only."""
    wanted = list(services)
    if wanted and not structure.is_public:
        raise StructureError(_("Seule une structure publique a des services."))
    for service in wanted:
        if service.structure_id != structure.pk or (active_only and not service.is_active):
            raise StructureError(
                _("« %(code)s » n’est pas un service actif de cette structure.")
                % {"code": service.code}
            )
    return wanted


@transaction.atomic
def attachment_request(
    *,
    user: User,
    structure: Structure,
    services: Iterable[Service] = (),
    as_agent: bool = False,
) -> Membership:
    """Asks to join a structure. A private structure's first member is approved as its principal
    manager at once; everyone else waits for the principal manager. An agent asking to join a
    public structure (``as_agent``) names the services they work for (none: all of them)."""
    structure = _locked(structure)
    if structure.is_public and not as_agent:
        raise StructureError(PUBLIC_STRUCTURE_REFUSAL % {"name": structure.name})
    if not structure.is_active:
        raise StructureError(_("Cette structure est inactive."))
    wanted = _requested_services(structure, services)
    membership = Membership.objects.filter(user=user, structure=structure).first()
    if membership is not None and membership.status == Membership.Status.APPROVED:
        raise StructureError(_("Vous êtes déjà rattaché à cette structure."))
    if membership is not None and membership.status == Membership.Status.PENDING:
        raise StructureError(_("Votre demande de rattachement est déjà en attente."))
    first = (
        not structure.is_public
        and not Membership.objects.filter(
            structure=structure, status=Membership.Status.APPROVED
        ).exists()
    )
    membership = membership or Membership(user=user, structure=structure)
    try:
        with transaction.atomic():
            _ask(membership, user=user, as_principal=first)
    except IntegrityError:
        # Lost a race: a concurrent first request became principal (or the same user's
        # double click created the row). Ask again as an ordinary request.
        current = Membership.objects.filter(user=user, structure=structure).first()
        if current is not None and current.status in {
            Membership.Status.APPROVED,
            Membership.Status.PENDING,
        }:
            return current
        membership = current or Membership(user=user, structure=structure)
        _ask(membership, user=user, as_principal=False)
    if structure.is_public:
        membership.services.set(wanted)
    if membership.status == Membership.Status.PENDING:
        transaction.on_commit(partial(notifications.request_received, membership.pk))
    return membership


_ASKED_FIELDS = (
    "role",
    "status",
    "can_modify",
    "requested_at",
    "decided_at",
    "decided_by",
    "refusal_reason",
)


def _ask(membership: Membership, *, user: User, as_principal: bool) -> None:
    now = timezone.now()
    membership.role = Membership.Role.PRINCIPAL if as_principal else Membership.Role.MEMBER
    membership.status = Membership.Status.APPROVED if as_principal else Membership.Status.PENDING
    membership.can_modify = True
    membership.requested_at = now
    membership.decided_at = now if as_principal else None
    membership.decided_by = user if as_principal else None
    membership.refusal_reason = ""
    if membership.pk is None:
        membership.save()
    else:
        membership.save(update_fields=[*_ASKED_FIELDS])


def _lock_as_principal(structure: Structure, user: User) -> Structure:
    structure = _locked(structure)
    if not Membership.objects.filter(
        structure=structure,
        user=user,
        role=Membership.Role.PRINCIPAL,
        status=Membership.Status.APPROVED,
    ).exists():
        raise StructureError(
            _("Seul le gestionnaire principal de la structure peut faire cette opération.")
        )
    return structure


def _lock_as_manager(structure: Structure, user: User) -> Structure:
    structure = _locked(structure)
    if not Membership.objects.filter(
        structure=structure,
        user=user,
        role__in=MANAGER_ROLES,
        status=Membership.Status.APPROVED,
    ).exists():
        raise StructureError(
            _("Seuls les gestionnaires principal et secondaires de la structure le peuvent.")
        )
    return structure


REFUSAL_REASON_MAX = 1000


def refusal_reason(reason: str) -> str:
    """The reason of a refusal as the requester will read it, or why it cannot be sent."""
    unsafe = text_error(reason, multiline=True)
    if unsafe:
        raise StructureError(unsafe)
    reason = reason.strip()
    if not reason:
        raise StructureError(_("Donnez le motif du refus : le demandeur le lira."))
    if len(reason) > REFUSAL_REASON_MAX:
        raise StructureError(
            _("Le motif du refus compte %(max)d caractères au plus.") % {"max": REFUSAL_REASON_MAX}
        )
    return reason


def record_decision(
    membership: Membership, *, status: str, by: User, reason: str = "", by_admin: bool = False
) -> None:
    """Approves or refuses a pending request (the caller locked the structure and checked who
    decides): a refusal writes its audit row; the requester is e-mailed once committed."""
    membership.status = status
    membership.role = Membership.Role.MEMBER
    membership.decided_at = timezone.now()
    membership.decided_by = by
    membership.refusal_reason = reason
    membership.save(update_fields=["status", "role", "decided_at", "decided_by", "refusal_reason"])
    if status == Membership.Status.REFUSED:
        audit.record(
            membership.structure,
            StructureEvent.Action.REQUEST_REFUSED,
            user=by,
            member=membership.user,
            detail=reason,
        )
    transaction.on_commit(partial(notifications.request_decided, membership.pk, by_admin=by_admin))


def _decide(
    *,
    structure: Structure,
    decided_by: User,
    membership_ids: Iterable[int],
    status: str,
    reason: str = "",
) -> list[Membership]:
    structure = _lock_as_manager(structure, decided_by)
    pending = list(
        Membership.objects.filter(
            structure=structure, pk__in=list(membership_ids), status=Membership.Status.PENDING
        ).select_for_update()
    )
    for membership in pending:
        membership.structure = structure
        record_decision(membership, status=status, by=decided_by, reason=reason)
    return pending


@transaction.atomic
def attachment_request_approve(
    *, structure: Structure, decided_by: User, membership_ids: Iterable[int]
) -> list[Membership]:
    """Approves the pending requests among ``membership_ids`` (others are left alone, so a
    double submission decides nothing twice); each requester is e-mailed."""
    return _decide(
        structure=structure,
        decided_by=decided_by,
        membership_ids=membership_ids,
        status=Membership.Status.APPROVED,
    )


@transaction.atomic
def attachment_request_refuse(
    *, structure: Structure, decided_by: User, membership_ids: Iterable[int], reason: str
) -> list[Membership]:
    """Refuses the pending requests among ``membership_ids`` with a reason each requester
    reads on "Mes structures" and in the e-mail."""
    reason = refusal_reason(reason)
    return _decide(
        structure=structure,
        decided_by=decided_by,
        membership_ids=membership_ids,
        status=Membership.Status.REFUSED,
        reason=reason,
    )


def _approved_member(structure: Structure, membership_id: int) -> Membership:
    membership = (
        Membership.objects.select_for_update()
        .filter(pk=membership_id, structure=structure, status=Membership.Status.APPROVED)
        .first()
    )
    if membership is None:
        raise StructureError(_("Cet utilisateur n’est pas membre de la structure."))
    return membership


@transaction.atomic
def membership_detach(*, structure: Structure, by: User, membership_id: int) -> Membership:
    """The principal manager detaches a member; a member may also leave by themselves. The
    principal manager hands the role over before leaving."""
    structure = _locked(structure)
    membership = _approved_member(structure, membership_id)
    if membership.user_id != by.pk:
        _lock_as_principal(structure, by)
    detach(membership, by=by)
    return membership


def detach(membership: Membership, *, by: User, by_admin: bool = False) -> None:
    """Detaches an approved member (the caller locked the structure and checked who may); the
    member is e-mailed once committed, unless they left by themselves."""
    if membership.is_principal:
        raise StructureError(
            _("Le gestionnaire principal transmet d’abord son rôle à un autre membre.")
        )
    membership.status = Membership.Status.DETACHED
    membership.decided_at = timezone.now()
    membership.decided_by = by
    membership.save(update_fields=["status", "decided_at", "decided_by"])
    transaction.on_commit(partial(notifications.member_detached, membership.pk, by_admin=by_admin))


@transaction.atomic
def membership_set_rights(
    *, structure: Structure, by: User, membership_id: int, can_modify: bool
) -> Membership:
    """Gives a member the right to deposit (modification) or consultation only."""
    structure = _lock_as_principal(structure, by)
    membership = _approved_member(structure, membership_id)
    check_rights(membership, can_modify)
    membership.can_modify = can_modify
    membership.save(update_fields=["can_modify"])
    return membership


def check_rights(membership: Membership, can_modify: bool) -> None:
    """Whether a member may be given these rights: managers keep the right to deposit."""
    if membership.is_principal:
        raise StructureError(_("Le gestionnaire principal garde tous les droits."))
    if membership.role == Membership.Role.SECONDARY and not can_modify:
        raise StructureError(_("Un gestionnaire secondaire garde le droit de modification."))


@transaction.atomic
def secondary_manager_set(
    *, structure: Structure, by: User, membership_id: int, secondary: bool
) -> Membership:
    """The principal manager names a member secondary manager (who then keeps the right to
    deposit), or takes the role back; the member is e-mailed, an audit row is written."""
    structure = _lock_as_principal(structure, by)
    membership = _approved_member(structure, membership_id)
    if membership.is_principal:
        raise StructureError(_("Le gestionnaire principal l’est déjà."))
    if not membership.user.is_active:
        raise StructureError(_("Le compte de cet utilisateur est fermé."))
    if (membership.role == Membership.Role.SECONDARY) == secondary:
        return membership
    membership.role = Membership.Role.SECONDARY if secondary else Membership.Role.MEMBER
    membership.can_modify = membership.can_modify or secondary
    membership.save(update_fields=["role", "can_modify"])
    action = (
        StructureEvent.Action.SECONDARY_NAMED
        if secondary
        else StructureEvent.Action.SECONDARY_REMOVED
    )
    audit.record(structure, action, user=by, member=membership.user)
    transaction.on_commit(partial(notifications.secondary_changed, membership.pk))
    return membership


@transaction.atomic
def principal_transfer(*, structure: Structure, by: User, membership_id: int) -> Membership:
    """Hands the principal manager's role to another approved member (the page asks for a
    confirmation first). The former principal becomes an ordinary member with the right to
    deposit; both are e-mailed and an audit row is written."""
    structure = _lock_as_principal(structure, by)
    target = _approved_member(structure, membership_id)
    if target.user_id == by.pk:
        raise StructureError(_("Vous êtes déjà le gestionnaire principal."))
    if not target.user.is_active:
        raise StructureError(_("Le compte de cet utilisateur est fermé."))
    # Demote first: the database allows one approved principal per structure at any moment.
    former = Membership.objects.get(structure=structure, user=by)
    former.role = Membership.Role.MEMBER
    former.save(update_fields=["role"])
    target.role = Membership.Role.PRINCIPAL
    target.can_modify = True
    target.save(update_fields=["role", "can_modify"])
    audit.record(
        structure, StructureEvent.Action.PRINCIPAL_HANDED_OVER, user=by, member=target.user
    )
    transaction.on_commit(partial(notifications.principal_received, target.pk))
    transaction.on_commit(partial(notifications.principal_handed_over, former.pk, target.pk))
    return target


@transaction.atomic
def principal_appoint(
    *, structure: Structure, by: User, membership_id: int, ticket_number: str
) -> Membership:
    """An administrator names a new principal manager from a support request, when the
    principal manager has left. The member (or waiting requester, whose request is then
    approved) becomes principal; the former principal, if any, an ordinary member. Both are
    e-mailed; the audit row names the ticket."""
    if not (by.is_active and by.is_staff):
        raise StructureError(_("Seul un administrateur du portail nomme un gestionnaire."))
    structure = _locked(structure)
    if structure.is_public:
        raise StructureError(_("Une structure publique n’a pas de gestionnaire principal."))
    return appoint(structure, by=by, membership_id=membership_id, detail=ticket_number)


def appoint(
    structure: Structure, *, by: User, membership_id: int, detail: str, from_ticket: bool = True
) -> Membership:
    """Names ``membership_id`` principal manager of the (locked) structure for an
    administrator: a waiting request is approved, the former principal becomes an ordinary
    member; an audit row, then e-mails to both once committed."""
    target = (
        Membership.objects.select_for_update()
        .select_related("user")
        .filter(
            pk=membership_id,
            structure=structure,
            status__in=[Membership.Status.APPROVED, Membership.Status.PENDING],
        )
        .first()
    )
    if target is None:
        raise StructureError(_("Cet utilisateur n’est ni membre ni demandeur de la structure."))
    if target.is_principal:
        raise StructureError(_("Cet utilisateur est déjà le gestionnaire principal."))
    if not target.user.is_active:
        raise StructureError(_("Le compte de cet utilisateur est fermé."))
    former = (
        Membership.objects.select_for_update()
        .filter(
            structure=structure, role=Membership.Role.PRINCIPAL, status=Membership.Status.APPROVED
        )
        .first()
    )
    if former is not None:
        former.role = Membership.Role.MEMBER
        former.save(update_fields=["role"])
    now = timezone.now()
    if target.status == Membership.Status.PENDING:
        target.status = Membership.Status.APPROVED
        target.decided_at = now
        target.decided_by = by
    target.role = Membership.Role.PRINCIPAL
    target.can_modify = True
    target.save(update_fields=["role", "status", "can_modify", "decided_at", "decided_by"])
    audit.record(
        structure,
        StructureEvent.Action.PRINCIPAL_APPOINTED,
        user=by,
        member=target.user,
        detail=detail,
    )
    transaction.on_commit(
        partial(notifications.principal_appointed, target.pk, from_ticket=from_ticket)
    )
    if former is not None:
        transaction.on_commit(partial(notifications.principal_replaced, former.pk, target.pk))
    return target


@transaction.atomic
def membership_set_services(
    *, structure: Structure, by: User, membership_id: int, services: Iterable[Service]
) -> Membership:
    """The principal manager scopes an agent to some services of the public structure (they see
    only those services' invoices), or to none (the whole structure's)."""
    structure = _lock_as_principal(structure, by)
    if not structure.is_public:
        raise StructureError(_("Seule une structure publique a des services."))
    membership = _approved_member(structure, membership_id)
    membership.services.set(_requested_services(structure, services, active_only=False))
    return membership


# --- Billing mandate ------------------------------------------------------------------------
@transaction.atomic
def mandate_sign(
    *,
    structure: Structure,
    user: User,
    ip_address: str | None,
    version_id: int | None = None,
) -> MandateSignature:
    """The principal manager signs the mandate in force; signing twice keeps the first.

    ``version_id``: the version the signer read (the page sends it), refused unless it is the
    one in force — a signature is of the exact text shown, whose SHA-256 it keeps."""
    structure = _lock_as_principal(structure, user)
    mandate = selectors.current_mandate()
    if mandate is None:
        raise StructureError(_("Aucun mandat de facturation n’est publié."))
    if version_id is not None and version_id != mandate.pk:
        raise StructureError(
            _("Une nouvelle version du mandat vient d’être publiée : lisez-la avant de signer.")
        )
    signature, created = MandateSignature.objects.get_or_create(
        structure=structure,
        mandate=mandate,
        revoked_at=None,
        defaults={"signed_by": user, "ip_address": ip_address, "text_sha256": mandate.text_sha256},
    )
    if created:
        _mandate_event(signature, MandateEvent.Action.SIGNED, user=user, ip_address=ip_address)
    return signature


@transaction.atomic
def mandate_revoke(*, structure: Structure, user: User, ip_address: str | None) -> MandateSignature:
    """The principal manager revokes the structure's mandate: no deposit for the structure
    until it is signed again. The members are told by e-mail; an audit row records it."""
    structure = _lock_as_principal(structure, user)
    signature = selectors.mandate_signature(structure)
    if signature is None:
        raise StructureError(_("Le mandat de facturation de cette structure n’est pas signé."))
    signature.revoked_at = timezone.now()
    signature.revoked_by = user
    signature.save(update_fields=["revoked_at", "revoked_by"])
    event = _mandate_event(signature, MandateEvent.Action.REVOKED, user=user, ip_address=ip_address)
    notifications.mandate_revoked_queue(event)
    return signature


def _mandate_event(
    signature: MandateSignature, action: str, *, user: User, ip_address: str | None
) -> MandateEvent:
    return MandateEvent.objects.create(
        structure_id=signature.structure_id,
        mandate_id=signature.mandate_id,
        action=action,
        user=user,
        ip_address=ip_address,
        text_sha256=signature.mandate.text_sha256,
    )


# --- Public structures (administrators) -----------------------------------------------------
@transaction.atomic
def agent_attach(
    *,
    structure: Structure,
    user: User,
    services: Iterable[Service] = (),
    decided_by: User | None = None,
) -> Membership:
    """Attaches a public agent to a public structure and some services, without an audit row
    or an e-mail: the demo's and the tests' set-up. The admin calls
    ``services_admin.member_add``, which checks, audits and e-mails."""
    membership, _created = Membership.objects.get_or_create(user=user, structure=structure)
    membership.status = Membership.Status.APPROVED
    membership.decided_at = membership.decided_at or timezone.now()
    membership.decided_by = membership.decided_by or decided_by
    membership.save(update_fields=["status", "decided_at", "decided_by"])
    membership.services.add(*[s for s in services if s.structure_id == structure.pk])
    return membership


@transaction.atomic
def public_structure_upsert(*, siret: str, name: str, **settings: object) -> Structure:
    """Creates or updates a public structure from its SIRET (CSV import, administrators)."""
    siret = selectors.normalised_siret(siret)
    structure, _created = Structure.objects.update_or_create(
        identifier_type=Structure.IdentifierType.SIRET,
        identifier=siret,
        defaults={"name": name, "is_public": True, **settings},
    )
    return structure


@transaction.atomic
def service_upsert(
    *,
    structure: Structure,
    code: str,
    name: str,
    is_active: bool = True,
    engagement_required: bool = False,
    valid_from: date | None = None,
    valid_until: date | None = None,
) -> Service:
    """Creates or updates a public structure's service by its code (the CSV import); the same
    refusals as the admin's ``services_admin.service_save`` for what a file can get wrong."""
    if not structure.is_public:
        raise StructureError(_("Seule une structure publique a des services."))
    if valid_from and valid_until and valid_until < valid_from:
        raise StructureError(_("La fin de validité du service suit son début."))
    service, _created = Service.objects.update_or_create(
        structure=structure,
        code=code,
        defaults={
            "name": name,
            "is_active": is_active,
            "engagement_required": engagement_required,
            "valid_from": valid_from,
            "valid_until": valid_until,
        },
    )
    return service


# --- An account closed (``accounts.services.account_closing``) ------------------------------
def memberships_on_account_close(sender: object, user: User, **kwargs: object) -> None:
    """A closing account leaves its structures; a principal manager of a structure with other
    members hands the role over first, or the structure would be left without one."""
    principal_of = Membership.objects.filter(user=user, role=Membership.Role.PRINCIPAL)
    others = Membership.objects.filter(structure__in=principal_of.values("structure")).exclude(
        user=user
    )
    if others.exists():
        raise AccountCloseRefused(
            _(
                "Vous êtes gestionnaire principal d’une structure qui a d’autres membres : "
                "confiez d’abord ce rôle à l’un d’eux."
            )
        )
    Membership.objects.filter(user=user).delete()
