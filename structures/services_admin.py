"""Every write an administrator makes in Django admin on structures, their services and their
members: the admin's forms and actions call these functions, never ``Model.save``.

Rules decided here (issue 16):
- Only an active staff account calls them. Each change writes a ``StructureEvent`` with the
  administrator as its author, in the change's own transaction; a refusal
  (``StructureError`` or ``ValidationError``) leaves nothing written.
- A structure is created with a valid SIRET (its check digit), once; a company's SIRET must
  be an open establishment of the SIRENE directory, as on the portal. Its identifier does not
  change afterwards, nor does its nature (public or not) once it has members or services. Its
  texts pass the portal's checks (hidden characters, VAT number of its SIREN, telephone).
- Services belong to public structures only; a service is deactivated, never deleted.
- The administrator attaches agents to a public structure and some of its services. On a
  company, people ask to join from the portal and its managers decide; the administrator may
  decide on a pending request, detach a member and set their rights, with the portal's
  checks (the principal manager keeps every right and is never detached, a secondary manager
  keeps the right to deposit, services of the structure only). Roles change through the portal
  and through ``public_principal_appoint`` (a public structure) or the support ticket
  (``principal_appoint``, a company): one approved principal manager per structure.
- The member is e-mailed as on the portal: an approval, an attachment, a refusal (with its
  reason), a detachment, an appointment.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from functools import partial

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from structures import audit, notifications, selectors
from structures.errors import StructureError
from structures.models import Membership, Service, Structure, StructureEvent
from structures.services import (
    _locked,
    _requested_services,
    appoint,
    check_rights,
    detach,
    record_decision,
    refusal_reason,
)
from structures.services_profile import _line, _phone, normalised_vat

TEXT_FIELDS = ("name", "address", "postal_code", "city", "contact_name", "contact_email")
FLAG_FIELDS = (
    "is_public",
    "is_active",
    "is_closed",
    "service_code_required",
    "engagement_required",
    "engagement_or_service_required",
    "payment_status_reported",
    "keeps_engagement_register",
)
# What an administrator may set on a structure (its identifier only at creation).
STRUCTURE_FIELDS = (*TEXT_FIELDS, "country", "vat_number", "contact_phone", *FLAG_FIELDS)

Status = Membership.Status
Action = StructureEvent.Action


def _require_admin(by: User) -> None:
    if not (by.is_active and by.is_staff):
        raise StructureError(_("Seul un administrateur du portail le peut."))


# --- Structures -----------------------------------------------------------------------------
def _structure_values(values: Mapping[str, object], structure: Structure) -> dict[str, object]:
    """The values given among ``STRUCTURE_FIELDS``, checked as the portal checks them."""
    cleaned: dict[str, object] = {}
    for name in STRUCTURE_FIELDS:
        if name not in values:
            continue
        value = values[name]
        if name in FLAG_FIELDS:
            cleaned[name] = bool(value)
        elif name == "vat_number":
            cleaned[name] = normalised_vat(str(value or ""), structure)
        elif name == "contact_phone":
            cleaned[name] = _phone(str(value or ""))
        elif name == "country":
            country = _line(name, str(value or "")).upper()
            if not (len(country) == 2 and country.isascii() and country.isalpha()):
                raise ValidationError({name: _("Le pays s’écrit en deux lettres (FR, BE…).")})
            cleaned[name] = country
        else:
            cleaned[name] = _line(name, str(value or ""))
    if "name" in cleaned and not cleaned["name"]:
        raise ValidationError({"name": _("Saisissez la raison sociale.")})
    return cleaned


@transaction.atomic
def structure_create(
    *, by: User, identifier_type: str, identifier: str, values: Mapping[str, object]
) -> Structure:
    """Creates a structure (a public one, usually; a company from an open establishment)."""
    _require_admin(by)
    if identifier_type == Structure.IdentifierType.SIRET:
        identifier = selectors.normalised_siret(identifier)
        existing = selectors.structure_by_siret(identifier)
        if existing is not None:
            raise selectors.already_exists(existing)
        if not values.get("is_public"):
            selectors.establishment_to_create(identifier)
    else:
        identifier = _line("identifier", identifier)
        if not identifier:
            raise ValidationError({"identifier": _("Saisissez l’identifiant de la structure.")})
    structure = Structure(identifier_type=identifier_type, identifier=identifier)
    for name, value in _structure_values(values, structure).items():
        setattr(structure, name, value)
    try:
        with transaction.atomic():
            structure.save()
    except IntegrityError:
        raise StructureError(_("Une structure porte déjà cet identifiant.")) from None
    audit.record(
        structure, Action.STRUCTURE_CREATED, user=by, detail=f"{identifier_type} {identifier}"
    )
    return structure


@transaction.atomic
def structure_update(*, by: User, structure: Structure, values: Mapping[str, object]) -> Structure:
    """Changes a structure's fields and reception settings; the audit row names the fields
    that changed (none: nothing done)."""
    _require_admin(by)
    structure = _locked(structure)
    cleaned = _structure_values(values, structure)
    changed = [name for name, value in cleaned.items() if getattr(structure, name) != value]
    if not changed:
        return structure
    if "is_public" in changed and (structure.services.exists() or structure.memberships.exists()):
        raise StructureError(
            _(
                "Cette structure a déjà des membres ou des services : elle ne passe plus de "
                "publique à privée, ni l’inverse."
            )
        )
    for name in changed:
        setattr(structure, name, cleaned[name])
    structure.save(update_fields=changed)
    audit.record(structure, Action.STRUCTURE_UPDATED, user=by, detail=", ".join(changed))
    return structure


# --- Services -------------------------------------------------------------------------------
@transaction.atomic
def service_save(
    *,
    by: User,
    structure: Structure,
    service_id: int | None,
    code: str,
    name: str,
    is_active: bool = True,
    engagement_required: bool = False,
    valid_from: date | None = None,
    valid_until: date | None = None,
) -> Service:
    """Adds a service to a public structure (``service_id`` None) or changes one of its own;
    a service is deactivated (``is_active``), never deleted: invoices name it."""
    _require_admin(by)
    structure = _locked(structure)
    if not structure.is_public:
        raise StructureError(_("Seule une structure publique a des services."))
    values: dict[str, object] = {
        "code": _line("code", code),
        "name": _line("name", name),
        "is_active": is_active,
        "engagement_required": engagement_required,
        "valid_from": valid_from,
        "valid_until": valid_until,
    }
    if not values["code"]:
        raise ValidationError({"code": _("Saisissez le code du service.")})
    if not values["name"]:
        raise ValidationError({"name": _("Saisissez le libellé du service.")})
    if valid_from and valid_until and valid_until < valid_from:
        raise ValidationError({"valid_until": _("La fin de validité du service suit son début.")})
    if service_id is None:
        service = Service(structure=structure)
        changed = list(values)
    else:
        found = (
            Service.objects.select_for_update().filter(pk=service_id, structure=structure).first()
        )
        if found is None:
            raise StructureError(_("Ce service n’est pas celui de la structure."))
        service = found
        changed = [key for key, value in values.items() if getattr(service, key) != value]
        if not changed:
            return service
    for key in changed:
        setattr(service, key, values[key])
    try:
        with transaction.atomic():
            service.save()
    except IntegrityError:
        raise StructureError(
            _("La structure a déjà un service de code « %(code)s ».") % {"code": values["code"]}
        ) from None
    if service_id is None:
        action, detail = Action.SERVICE_ADDED, f"{service.code} — {service.name}"
    else:
        deactivated = "is_active" in changed and not is_active
        action = Action.SERVICE_DEACTIVATED if deactivated else Action.SERVICE_UPDATED
        detail = f"{service.code} — {', '.join(changed)}"
    audit.record(structure, action, user=by, detail=detail)
    return service


# --- Members --------------------------------------------------------------------------------
def _codes(services: Iterable[Service]) -> str:
    return ", ".join(sorted(service.code for service in services)) or _("toute la structure")


def _attach(membership: Membership, *, by: User, services: list[Service]) -> None:
    """Approves ``membership`` as an agent of its (locked, public) structure."""
    now = timezone.now()
    membership.role = Membership.Role.MEMBER
    membership.status = Status.APPROVED
    membership.decided_at = now
    membership.decided_by = by
    membership.refusal_reason = ""
    if membership.pk is None:
        membership.save()
    else:
        membership.save(
            update_fields=["role", "status", "decided_at", "decided_by", "refusal_reason"]
        )
    membership.services.set(services)
    audit.record(
        membership.structure,
        Action.MEMBER_ADDED,
        user=by,
        member=membership.user,
        detail=_codes(services),
    )
    transaction.on_commit(partial(notifications.request_decided, membership.pk, by_admin=True))


def _refuse_on_a_company(structure: Structure) -> None:
    if not structure.is_public:
        raise StructureError(
            _(
                "On rejoint une entreprise en le demandant depuis le portail, et ses "
                "gestionnaires en décident : l’administrateur rattache seulement les agents des "
                "structures publiques."
            )
        )


@transaction.atomic
def member_add(
    *,
    by: User,
    structure: Structure,
    user: User,
    can_modify: bool = True,
    services: Iterable[Service] = (),
) -> Membership:
    """Attaches an agent to a public structure and some of its active services (none: the
    whole structure); the agent is e-mailed."""
    _require_admin(by)
    structure = _locked(structure)
    _refuse_on_a_company(structure)
    if not structure.is_active:
        raise StructureError(_("Cette structure est inactive."))
    if not user.is_active:
        raise StructureError(_("Le compte de cet utilisateur est fermé."))
    wanted = _requested_services(structure, services)
    membership = (
        Membership.objects.select_for_update().filter(user=user, structure=structure).first()
    )
    if membership is not None and membership.status in (Status.APPROVED, Status.PENDING):
        raise StructureError(_("Cet utilisateur est déjà rattaché à la structure ou l’a demandé."))
    membership = membership or Membership(user=user, structure=structure)
    membership.structure = structure
    membership.can_modify = can_modify
    if membership.pk is not None:
        membership.save(update_fields=["can_modify"])
    _attach(membership, by=by, services=wanted)
    return membership


@transaction.atomic
def member_change(
    *,
    by: User,
    membership_id: int,
    status: str | None = None,
    can_modify: bool | None = None,
    services: Iterable[Service] | None = None,
    reason: str | None = None,
) -> Membership:
    """Changes what the administrator changed on a membership (None: unchanged), in this
    order: its status (approve or refuse a request, detach a member, attach an agent again),
    then its rights, then its services. Each step writes its audit row."""
    _require_admin(by)
    found = Membership.objects.filter(pk=membership_id).select_related("structure").first()
    if found is None:
        raise StructureError(_("Ce rattachement n’existe plus."))
    structure = _locked(found.structure)
    membership = (
        Membership.objects.select_for_update()
        .select_related("user")
        .get(pk=membership_id, structure=structure)
    )
    membership.structure = structure
    refusing = status == Status.REFUSED and membership.status != Status.REFUSED
    if reason is not None and reason.strip() != membership.refusal_reason and not refusing:
        raise StructureError(
            _("Le motif accompagne un refus : choisissez le statut « Refusé » pour le donner.")
        )
    if status is not None and status != membership.status:
        _change_status(membership, by=by, status=status, reason=reason or "")
    if can_modify is not None and can_modify != membership.can_modify:
        if membership.status != Status.APPROVED:
            raise StructureError(_("Les droits se règlent sur un membre validé."))
        check_rights(membership, can_modify)
        membership.can_modify = can_modify
        membership.save(update_fields=["can_modify"])
        audit.record(
            structure,
            Action.RIGHTS_CHANGED,
            user=by,
            member=membership.user,
            detail=_("dépôt et modification") if can_modify else _("consultation seule"),
        )
    if services is not None:
        wanted = list(services)
        if {s.pk for s in wanted} != set(membership.services.values_list("pk", flat=True)):
            if membership.status != Status.APPROVED:
                raise StructureError(_("Les services se règlent sur un membre validé."))
            membership.services.set(_requested_services(structure, wanted, active_only=False))
            audit.record(
                structure,
                Action.SERVICES_CHANGED,
                user=by,
                member=membership.user,
                detail=_codes(wanted),
            )
    return membership


def _change_status(membership: Membership, *, by: User, status: str, reason: str) -> None:
    current = membership.status
    if (current, status) == (Status.PENDING, Status.APPROVED):
        record_decision(membership, status=status, by=by, by_admin=True)
        audit.record(membership.structure, Action.REQUEST_APPROVED, user=by, member=membership.user)
    elif (current, status) == (Status.PENDING, Status.REFUSED):
        record_decision(
            membership, status=status, by=by, reason=refusal_reason(reason), by_admin=True
        )
    elif (current, status) == (Status.APPROVED, Status.DETACHED):
        detach(membership, by=by, by_admin=True)
        audit.record(membership.structure, Action.MEMBER_DETACHED, user=by, member=membership.user)
    elif current in (Status.REFUSED, Status.DETACHED) and status == Status.APPROVED:
        _refuse_on_a_company(membership.structure)
        if not membership.user.is_active:
            raise StructureError(_("Le compte de cet utilisateur est fermé."))
        _attach(membership, by=by, services=list(membership.services.all()))
    else:
        raise StructureError(
            _("Un rattachement « %(current)s » ne passe pas à « %(status)s ».")
            % {"current": Status(current).label, "status": Status(status).label}
        )


@transaction.atomic
def public_principal_appoint(*, by: User, membership_id: int) -> Membership:
    """Names an agent (or a waiting requester) principal manager of a public structure that
    has none, or whose principal manager's account is closed; the agent is e-mailed."""
    _require_admin(by)
    found = Membership.objects.filter(pk=membership_id).select_related("structure").first()
    if found is None:
        raise StructureError(_("Ce rattachement n’existe plus."))
    structure = _locked(found.structure)
    if not structure.is_public:
        raise StructureError(
            _(
                "Le gestionnaire principal d’une entreprise est nommé depuis la sollicitation "
                "de l’un de ses membres au support."
            )
        )
    current = (
        Membership.objects.select_related("user")
        .filter(structure=structure, role=Membership.Role.PRINCIPAL, status=Status.APPROVED)
        .exclude(pk=membership_id)
        .first()
    )
    if current is not None and current.user.is_active:
        raise StructureError(
            _(
                "« %(name)s » a déjà un gestionnaire principal, %(email)s : une structure en a "
                "un seul, qui transmet son rôle depuis le portail."
            )
            % {"name": structure.name, "email": current.user.email}
        )
    return appoint(structure, by=by, membership_id=membership_id, detail="", from_ticket=False)
