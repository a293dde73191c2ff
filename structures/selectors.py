"""Reads about structures, always from the point of view of a user."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any, TypedDict

from django.conf import settings
from django.db import connection, transaction
from django.db.models import (
    Case,
    CharField,
    Count,
    Exists,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Concat
from django.utils import timezone
from django.utils.translation import gettext

from chorus.prepared import PreparedExists, PreparedQuery, first_of
from structures import search
from structures import siret as siret_numbers
from structures.errors import StructureAlreadyExists, StructureError
from structures.models import (
    MANAGER_ROLES,
    BankAccount,
    Frequency,
    MandateSignature,
    MandateVersion,
    Membership,
    NoticePreference,
    Service,
    SireneEstablishment,
    SireneLegalUnit,
    Structure,
    StructureEvent,
    Topic,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

    from django_stubs_ext import WithAnnotations

    from accounts.models import User


def state_structure() -> Structure:
    return Structure.objects.get(
        identifier_type=Structure.IdentifierType.SIRET, identifier=settings.CHORUS["STATE_SIRET"]
    )


def approved_memberships(user: User) -> QuerySet[Membership]:
    return Membership.objects.filter(user=user, status=Membership.Status.APPROVED)


def structures_of(user: User) -> QuerySet[Structure]:
    """The structures the user is an approved member of."""
    return Structure.objects.filter(
        memberships__user=user, memberships__status=Membership.Status.APPROVED
    )


def supplier_structures_of(user: User) -> QuerySet[Structure]:
    return structures_of(user).filter(is_public=False)


def is_approved_member(*, user: User, structure: Structure) -> bool:
    return approved_memberships(user).filter(structure=structure).exists()


def agent_services(user: User) -> QuerySet[Service]:
    """The services whose received invoices the user handles, as an agent of a public structure."""
    return Service.objects.filter(
        agents__user=user,
        agents__status=Membership.Status.APPROVED,
        structure__is_public=True,
    )


# Read by every deposit (its checks): SQL compiled once (chorus/prepared.py).
_CURRENT_MANDATE = PreparedQuery(lambda: first_of(MandateVersion.objects.order_by("-published_at")))
_MANDATE_SIGNED = PreparedExists(
    lambda structure_id, mandate_id: MandateSignature.objects.filter(
        structure_id=structure_id, mandate_id=mandate_id, revoked_at__isnull=True
    ),
    -1,
    -2,
)


# The structure's signature of the mandate in force (unrevoked), in one read: the single
# deposit reads it with its other facts in one round trip (invoices.services._facts).
SIGNATURE_IN_FORCE = PreparedQuery(
    lambda structure_id: first_of(
        MandateSignature.objects.filter(
            structure_id=structure_id,
            revoked_at__isnull=True,
            mandate_id=Subquery(MandateVersion.objects.order_by("-published_at").values("pk")[:1]),
        )
    ),
    -1,
)


def current_mandate() -> MandateVersion | None:
    return _CURRENT_MANDATE.first()


def mandate_signed(structure: Structure) -> bool:
    """Whether the structure's principal manager signed the billing mandate in force."""
    mandate = current_mandate()
    return mandate is not None and _MANDATE_SIGNED(structure.pk, mandate.pk)


# --- Pages of the structures app ------------------------------------------------------------
class MembershipFigures(TypedDict):
    """What ``memberships_of`` adds to each membership."""

    pending_count: int
    mandate_is_signed: bool
    principal_is_active: bool


def memberships_of(user: User) -> QuerySet[WithAnnotations[Membership, MembershipFigures]]:
    """Every attachment of the user, whatever its status ("Mes structures"), in one query:
    each row carries the structure, whether the mandate in force is signed, and how many
    requests wait for a decision."""
    mandate = current_mandate()
    pending = (
        Membership.objects.filter(structure=OuterRef("structure"), status=Membership.Status.PENDING)
        .order_by()
        .values("structure")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return (
        Membership.objects.filter(user=user)
        .select_related("structure")
        .annotate(
            pending_count=Coalesce(Subquery(pending), 0),
            mandate_is_signed=Exists(
                MandateSignature.objects.filter(
                    structure=OuterRef("structure"),
                    mandate_id=mandate.pk if mandate else None,
                    revoked_at__isnull=True,
                )
            ),
            principal_is_active=Exists(
                Membership.objects.filter(
                    structure=OuterRef("structure"),
                    role=Membership.Role.PRINCIPAL,
                    status=Membership.Status.APPROVED,
                    user__is_active=True,
                )
            ),
        )
        .order_by("structure__name", "structure__pk")
    )


@dataclass(frozen=True)
class NextStep:
    """What a user must do before their first invoice; the home page leads them there.

    ``JOIN``: create their company's structure or ask to join it; ``WAIT``: their request
    awaits the principal manager; ``SIGN``: as principal manager, sign the billing mandate;
    ``ASK_PRINCIPAL``: the principal manager has not signed it yet."""

    action: str
    structure: Structure | None = None


def next_step(user: User) -> NextStep | None:
    """The user's next step towards a deposit; None when there is none (they may deposit, or
    they are an agent of a public structure)."""
    memberships = list(memberships_of(user))
    approved = [m for m in memberships if m.status == Membership.Status.APPROVED]
    if not approved:
        pending = [m for m in memberships if m.status == Membership.Status.PENDING]
        return NextStep("WAIT", pending[0].structure) if pending else NextStep("JOIN")
    private = [m for m in approved if not m.structure.is_public]
    if not private or any(m.mandate_is_signed for m in private):
        return None
    own = next((m for m in private if m.role == Membership.Role.PRINCIPAL), private[0])
    return NextStep(
        "SIGN" if own.role == Membership.Role.PRINCIPAL else "ASK_PRINCIPAL", own.structure
    )


def is_public_member(user: User) -> bool:
    """Whether the user belongs to a public structure (and so receives invoices)."""
    return structures_of(user).filter(is_public=True).exists()


def structure_for_member(user: User, pk: int) -> Structure | None:
    """The structure if the user is an approved member of it; None otherwise (a 404)."""
    return structures_of(user).filter(pk=pk).first()


MEMBERSHIP_IN = PreparedQuery(
    lambda user_id, structure_id: first_of(
        Membership.objects.filter(
            user_id=user_id, status=Membership.Status.APPROVED, structure_id=structure_id
        )
    ),
    -1,
    -2,
)


def membership_in(user: User, structure: Structure) -> Membership | None:
    """The user's approved membership of the structure (``approved_memberships``)."""
    return MEMBERSHIP_IN.first(user.pk, structure.pk)


def is_principal(user: User, structure: Structure) -> bool:
    return (
        approved_memberships(user)
        .filter(structure=structure, role=Membership.Role.PRINCIPAL)
        .exists()
    )


def is_manager(user: User, structure: Structure) -> bool:
    """Principal or secondary manager of the structure (requests, profile, bank accounts)."""
    return approved_memberships(user).filter(structure=structure, role__in=MANAGER_ROLES).exists()


def structure_managers(structure: Structure) -> QuerySet[Membership]:
    """The approved principal and secondary managers, principal first."""
    return (
        Membership.objects.filter(
            structure=structure, status=Membership.Status.APPROVED, role__in=MANAGER_ROLES
        )
        .select_related("user")
        .order_by(_ROLE_ORDER, "user__email")
    )


_ROLE_ORDER = Case(
    When(role=Membership.Role.PRINCIPAL, then=Value(0)),
    When(role=Membership.Role.SECONDARY, then=Value(1)),
    default=Value(2),
)


def has_principal(structure: Structure) -> bool:
    return Membership.objects.filter(
        structure=structure, role=Membership.Role.PRINCIPAL, status=Membership.Status.APPROVED
    ).exists()


def structure_members(structure: Structure) -> QuerySet[Membership]:
    """Approved members, principal manager first, then secondary managers, with their
    services (agents)."""
    return (
        Membership.objects.filter(structure=structure, status=Membership.Status.APPROVED)
        .select_related("user")
        .prefetch_related("services")
        .order_by(_ROLE_ORDER, "user__last_name", "user__first_name", "user__email")
    )


def pending_requests(structure: Structure) -> QuerySet[Membership]:
    return (
        Membership.objects.filter(structure=structure, status=Membership.Status.PENDING)
        .select_related("user")
        .prefetch_related("services")
        .order_by("requested_at", "pk")
    )


def structure_services(structure: Structure) -> QuerySet[Service]:
    return structure.services.order_by("code")


def mandate_signature(structure: Structure) -> MandateSignature | None:
    """The signature of the mandate in force, with who signed it, unless it was revoked."""
    mandate = current_mandate()
    if mandate is None:
        return None
    return (
        MandateSignature.objects.select_related("signed_by", "mandate")
        .filter(structure=structure, mandate=mandate, revoked_at__isnull=True)
        .first()
    )


def mandate_last_revocation(structure: Structure) -> MandateSignature | None:
    """The structure's last revoked signature, with who revoked it."""
    return (
        MandateSignature.objects.select_related("revoked_by", "mandate")
        .filter(structure=structure, revoked_at__isnull=False)
        .order_by("-revoked_at", "-id")
        .first()
    )


# --- Profile and bank accounts --------------------------------------------------------------
def bank_accounts(structure: Structure) -> QuerySet[BankAccount]:
    """Every account of the structure, default first, then active ones (the profile page)."""
    return BankAccount.objects.filter(structure=structure).order_by(
        "-is_default", "-is_active", "label", "pk"
    )


def active_bank_accounts_in(structures: QuerySet[Structure]) -> QuerySet[BankAccount]:
    """The active accounts of these structures (the invoice forms' select), by structure."""
    return (
        BankAccount.objects.filter(structure__in=structures, is_active=True)
        .select_related("structure")
        .order_by("structure__name", "structure_id", "-is_default", "label", "pk")
    )


def typed_iban_refusal(iban: str, *, active_accounts: Iterable[BankAccount]) -> str | None:
    """Why an IBAN typed on an invoice of a structure is refused, for the invoice forms and
    the API alike: the structure has active accounts (``active_accounts``, read by the caller
    with what else it needs), and the IBAN must be chosen among them (a changed IBAN is how
    invoice fraud begins). None when it is accepted: no IBAN, a structure without active
    account, or the IBAN of one of its active accounts (an older draft's)."""
    compact = "".join(iban.split()).upper()
    if not compact:
        return None
    ibans = {account.iban for account in active_accounts}
    if not ibans or compact in ibans:
        return None
    return gettext(
        "Choisissez l'un des comptes bancaires de la structure plutôt que de saisir un IBAN ; "
        "ses gestionnaires peuvent en ajouter un sur sa page « Profil et comptes bancaires »."
    )


def iban_warning(structure: Structure, iban: str) -> str | None:
    """What to tell the depositor of a structured file whose IBAN is not an active account of
    the supplier structure (a changed IBAN is how invoice fraud begins); None when it is one,
    or when the file carries no IBAN. A warning only: the deposit stays possible."""
    compact = "".join(iban.split()).upper()
    if not compact:
        return None
    account = BankAccount.objects.filter(structure=structure, iban=compact).first()
    if account is not None and account.is_active:
        return None
    if account is not None:
        return gettext(
            "L’IBAN de ce fichier (%(iban)s) est celui d’un compte désactivé de « %(name)s » : "
            "vérifiez-le avant de déposer la facture."
        ) % {"iban": account.iban_display, "name": structure.name}
    text = gettext(
        "L’IBAN de ce fichier (%(iban)s) n’est pas un compte bancaire enregistré de "
        "« %(name)s » : vérifiez-le avant de déposer la facture."
    ) % {"iban": compact, "name": structure.name}
    if not has_bank_accounts(structure):
        text += " " + gettext(
            "Les gestionnaires de la structure enregistrent ses comptes sur sa page « Profil et "
            "comptes bancaires »."
        )
    return text


def has_bank_accounts(structure: Structure) -> bool:
    return BankAccount.objects.filter(structure=structure).exists()


def used_ibans(structure: Structure) -> set[str]:
    """The IBANs of the structure's accounts that an invoice of the structure carries (those
    accounts are never deleted), in one query."""
    from django.apps import apps

    invoice = apps.get_model("invoices", "Invoice")
    ibans = BankAccount.objects.filter(structure=structure).values("iban")
    return set(
        invoice.objects.filter(supplier=structure, iban__in=ibans)
        .values_list("iban", flat=True)
        .distinct()
    )


def structure_events(structure: Structure, limit: int = 50) -> QuerySet[StructureEvent]:
    return StructureEvent.objects.filter(structure=structure).select_related("user", "member")[
        :limit
    ]


# --- A principal manager who left -----------------------------------------------------------
UNANSWERED_DAYS = 15


@dataclass(frozen=True)
class PrincipalAbsence:
    """Why the structure's members may ask support for a new principal manager: ``NONE`` (no
    principal manager at all), ``INACTIVE`` (their account is closed), ``SILENT`` (a request
    has waited ``UNANSWERED_DAYS`` days)."""

    reason: str
    principal: Membership | None = None


def principal_absence(structure: Structure, now: datetime | None = None) -> PrincipalAbsence | None:
    """Whether the principal manager has left, as far as the portal can tell; None if not."""
    principal = (
        Membership.objects.select_related("user")
        .filter(
            structure=structure,
            role=Membership.Role.PRINCIPAL,
            status=Membership.Status.APPROVED,
        )
        .first()
    )
    if principal is None:
        return PrincipalAbsence("NONE")
    if not principal.user.is_active:
        return PrincipalAbsence("INACTIVE", principal)
    since = (now or timezone.now()) - timedelta(days=UNANSWERED_DAYS)
    if Membership.objects.filter(
        structure=structure, status=Membership.Status.PENDING, requested_at__lte=since
    ).exists():
        return PrincipalAbsence("SILENT", principal)
    return None


def request_left_waiting(
    membership: WithAnnotations[Membership, MembershipFigures], now: datetime | None = None
) -> bool:
    """For a row of ``memberships_of``: a pending request to a company whose principal manager
    left, or that waited ``UNANSWERED_DAYS`` days — its author may ask support (no query)."""
    if membership.status != Membership.Status.PENDING or membership.structure.is_public:
        return False
    since = (now or timezone.now()) - timedelta(days=UNANSWERED_DAYS)
    return not membership.principal_is_active or membership.requested_at <= since


def may_ask_for_a_principal(user: User, structure: Structure) -> bool:
    """An approved member, or a requester whose own request waited ``UNANSWERED_DAYS`` days,
    may ask support for a new principal manager once the principal has left."""
    if structure.is_public:
        return False
    membership = user_membership(user, structure)
    if membership is None or membership.is_principal:
        return False
    if membership.status == Membership.Status.APPROVED:
        return principal_absence(structure) is not None
    if membership.status != Membership.Status.PENDING:
        return False
    absence = principal_absence(structure)
    if absence is None:
        return False
    waited = timezone.now() - membership.requested_at >= timedelta(days=UNANSWERED_DAYS)
    return absence.reason != "SILENT" or waited


def own_attachment(user: User, structure_id: int) -> Membership | None:
    """The user's approved or pending attachment to this company, with the structure; None
    for a public structure or one the user never asked to join (a 404)."""
    return (
        Membership.objects.select_related("structure")
        .filter(
            user=user,
            structure_id=structure_id,
            structure__is_public=False,
            status__in=[Membership.Status.APPROVED, Membership.Status.PENDING],
        )
        .first()
    )


def appointable_members(structure: Structure) -> QuerySet[Membership]:
    """Whom an administrator may name principal manager: approved members, and requesters
    waiting for an answer (their request is then approved)."""
    return (
        Membership.objects.filter(
            structure=structure,
            status__in=[Membership.Status.APPROVED, Membership.Status.PENDING],
            user__is_active=True,
        )
        .exclude(role=Membership.Role.PRINCIPAL, status=Membership.Status.APPROVED)
        .select_related("user")
        .order_by("status", "user__email")
    )


SEARCH_LIMIT = 20
SIRET_PREFIX_MIN = 3


def structure_search(query: str) -> QuerySet[Structure]:
    """Structures to join: by SIREN or SIRET (its first 3 digits or more, spaces ignored), in
    the order of their names; or by every word typed, found anywhere in the name, accents and
    case aside, the names closest to what was typed first (trigram distance), then by name
    (``structures/search.py``: a trigram GiST index on PostgreSQL).

    The 20 closest are chosen by the index, in a subquery that stops after them; only those
    are sorted, however many names hold the words."""
    compact = "".join(query.split())
    structures = Structure.objects.filter(is_active=True)
    words = search.words_of(query)
    if compact.isascii() and compact.isdigit():
        if len(compact) < SIRET_PREFIX_MIN:
            return structures.none()
        found = structures.filter(
            identifier_type=Structure.IdentifierType.SIRET, identifier__startswith=compact
        )
        return found.order_by("name", "identifier")[:SEARCH_LIMIT]
    if not words:
        return structures.none()
    typed = " ".join(words)
    matching = search.with_every_word(structures, "name", words)
    closest = search.closest_first(matching, "name", typed)[:SEARCH_LIMIT]
    chosen = structures.filter(pk__in=closest.values("pk"))
    return search.closest_first(chosen, "name", typed).order_by("_distance", "name", "identifier")


DIRECTORY_CANDIDATES = 200


def directory_search(query: str) -> list[SireneLegalUnit]:
    """Active companies of the SIRENE directory (legal units, one per SIREN): by a SIREN or
    SIRET (spaces ignored: its SIREN's company), or by every word typed, each found at the
    start of a word of the name or acronym, accents and case aside.

    On PostgreSQL the full-text GIN index (migration 0007) gives at most
    ``DIRECTORY_CANDIDATES`` matches, in no order, without sorting every match of a common
    word; those are ranked by trigram distance to what was typed and the closest 20 kept. A
    search for one very common word therefore shows close names, not necessarily the very
    closest of the directory: a second word narrows it."""
    compact = "".join(query.split())
    units = SireneLegalUnit.objects.filter(is_active=True)
    if compact.isascii() and compact.isdigit():
        if len(compact) not in (9, 14):
            return []
        return list(units.filter(siren=compact[:9]))
    words = search.words_of(query)
    if not words:
        return []
    typed = " ".join(words)
    if connection.vendor != "postgresql":
        # Development's fallback (SQLite): the words anywhere in the name or acronym, scanned.
        text = Concat("name", Value(" "), "acronym", output_field=CharField())
        matching = search.with_every_word(units, text, words)
        closest = search.closest_first(matching, "name", typed)
        return list(closest.order_by("_distance", "name", "siren")[:SEARCH_LIMIT])
    found = _directory_candidates(units, words, typed, prefixes=False)
    if not found and any(len(word) >= search.PREFIX_MIN for word in words):
        found = _directory_candidates(units, words, typed, prefixes=True)
    return found


# A shard's bitmap of a word in millions of names (~250,000 rows at 40M units) stays exact in
# this much memory: no page of it read again row by row (4 MB, the default, made it lossy).
DIRECTORY_WORK_MEM = "64MB"


def _directory_candidates(
    units: QuerySet[SireneLegalUnit], words: list[str], typed: str, *, prefixes: bool
) -> list[SireneLegalUnit]:
    """PostgreSQL: at most ``DIRECTORY_CANDIDATES`` matches, read shard after shard through
    their GIN indexes (``search.directory_candidates``), the 20 closest of them: a word in
    millions of names costs the first shard's tenth of its posting list, and any 200 of a
    million matches were an arbitrary choice anyway.

    Sequential scans are off for the search: the planner overestimates a prefix's matches and
    would rather scan the table, hoping to meet the first 200 soon (3 s at 25 million units).
    ``DIRECTORY_WORK_MEM`` keeps a common word's bitmap exact."""
    candidates = search.directory_candidates(words, prefixes=prefixes, limit=DIRECTORY_CANDIDATES)
    closest = search.closest_first(units.filter(pk__in=candidates), "name", typed)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"SET LOCAL work_mem = '{DIRECTORY_WORK_MEM}'")
        found = list(closest.order_by("_distance", "name", "siren")[:SEARCH_LIMIT])
        # The rest of a surrounding transaction plans and reads as before (an error rolls
        # the savepoint back, and the settings with it).
        cursor.execute("SET LOCAL enable_seqscan TO DEFAULT")
        cursor.execute("SET LOCAL work_mem TO DEFAULT")
        return found


@dataclass(frozen=True)
class DirectoryHit:
    """A company found in the directory, its head office, and that establishment's structure
    on the portal when it has one (the user then asks to join it instead of creating it)."""

    unit: SireneLegalUnit
    head_office: SireneEstablishment | None
    structure: Structure | None

    @property
    def creatable(self) -> bool:
        office = self.head_office
        return (
            self.structure is None
            and office is not None
            and office.is_active
            and not (office.is_public_body or self.unit.is_public_body)
        )


def directory_hits(query: str) -> list[DirectoryHit]:
    """``directory_search`` with each company's head office and its structure: three queries."""
    units = directory_search(query)
    sirets = [u.siren + u.head_office_nic for u in units if len(u.head_office_nic) == 5]
    offices = SireneEstablishment.objects.in_bulk(sirets)
    structures = {
        s.identifier: s
        for s in Structure.objects.filter(
            identifier_type=Structure.IdentifierType.SIRET, identifier__in=sirets
        )
    }
    return [
        DirectoryHit(
            unit,
            offices.get(unit.siren + unit.head_office_nic),
            structures.get(unit.siren + unit.head_office_nic),
        )
        for unit in units
    ]


def structure_by_siret(siret: str) -> Structure | None:
    return Structure.objects.filter(
        identifier_type=Structure.IdentifierType.SIRET, identifier=siret
    ).first()


def directory_establishment(siret: str) -> SireneEstablishment | None:
    return SireneEstablishment.objects.filter(siret=siret).first()


class DirectoryFigures(TypedDict):
    """What ``structures_changed_in_directory`` adds to each structure."""

    directory_name: str
    directory_active: bool


def structures_changed_in_directory(
    *, since: datetime
) -> QuerySet[WithAnnotations[Structure, DirectoryFigures]]:
    """The SIRET structures whose establishment an import wrote since ``since``, each with
    ``directory_name`` and ``directory_active``: one index lookup per structure (there are
    far fewer structures than establishments), never a scan of the directory."""
    fresh = SireneEstablishment.objects.filter(siret=OuterRef("identifier"), updated_at__gte=since)
    return (
        Structure.objects.filter(identifier_type=Structure.IdentifierType.SIRET)
        .annotate(
            directory_name=Subquery(fresh.values("name")[:1]),
            directory_active=Subquery(fresh.values("is_active")[:1]),
        )
        .filter(directory_active__isnull=False)
        .order_by("pk")
    )


# --- Creating a structure: what stands in the way -------------------------------------------
def normalised_siret(value: str) -> str:
    """The SIRET's 14 digits, or ``StructureError`` (services accept what people type)."""
    try:
        return siret_numbers.validate(value)
    except siret_numbers.InvalidChecksum:
        raise StructureError(
            gettext("Ce SIRET n’est pas valide : sa clé de contrôle est fausse.")
        ) from None
    except siret_numbers.ValidationError:
        raise StructureError(gettext("Un SIRET compte 14 chiffres.")) from None


def already_exists(structure: Structure) -> StructureAlreadyExists:
    return StructureAlreadyExists(
        gettext("La structure de ce SIRET existe déjà : « %(name)s ».") % {"name": structure.name},
        structure,
    )


def establishment_to_create(siret: str) -> SireneEstablishment:
    """The directory's establishment whose structure the user may create, or the reason why
    not: the structure exists (``StructureAlreadyExists``), the SIRET is unknown, the
    establishment is closed, or it is a public body (created by administrators)."""
    existing = structure_by_siret(siret)
    if existing is not None:
        raise already_exists(existing)
    establishment = directory_establishment(siret)
    shown = siret_numbers.format_siret(siret)
    if establishment is None:
        raise StructureError(
            gettext("Le SIRET %(siret)s est inconnu du répertoire SIRENE de l’INSEE.")
            % {"siret": shown}
        )
    if not establishment.is_active:
        raise StructureError(
            gettext(
                "L’établissement %(siret)s est fermé selon le répertoire SIRENE de l’INSEE : "
                "on ne peut pas créer sa structure ni déposer de facture en son nom. Choisissez "
                "un établissement ouvert de votre entreprise (son siège, par exemple)."
            )
            % {"siret": shown}
        )
    if establishment.is_public_body:
        raise StructureError(
            gettext(
                "L’établissement %(siret)s est une personne morale de droit public : sa "
                "structure est créée par l’administrateur du portail. Si vous êtes un "
                "fournisseur, créez ou rejoignez la structure de votre propre entreprise."
            )
            % {"siret": shown}
        )
    return establishment


# --- The deposit gate (called by the invoices app and the API) ------------------------------
def deposit_refusal_reason(user: User, structure: Structure) -> str | None:
    """Why the user may not deposit invoices for the structure, in words for the user; None
    when they may."""
    return refusal_reason_of(structure, membership_in(user, structure), mandate_signed)


def refusal_reason_of(
    structure: Structure,
    membership: Membership | None,
    signed: Callable[[Structure], bool] | bool,
) -> str | None:
    """``deposit_refusal_reason`` from facts already read: the user's approved membership
    (``MEMBERSHIP_IN``), and whether the mandate in force is signed (a bool, or
    ``mandate_signed`` to read it only when the other conditions are met)."""
    if membership is None:
        return gettext("Vous n’êtes pas rattaché à cette structure.")
    if not structure.is_active:
        return gettext("Cette structure est inactive.")
    if structure.is_closed:
        return closed_establishment_reason(structure)
    if not membership.can_modify and not membership.is_principal:
        return gettext(
            "Vous avez un droit de consultation seulement sur cette structure : demandez à son "
            "gestionnaire principal le droit de modification."
        )
    if not (signed if isinstance(signed, bool) else signed(structure)):
        return gettext(
            "Le mandat de facturation de cette structure n’est pas signé : son gestionnaire "
            "principal doit le signer avant tout dépôt de facture."
        )
    return None


def closed_establishment_reason(structure: Structure) -> str:
    """What a structure whose establishment closed (SIRENE) is told when it would deposit."""
    return gettext(
        "L’établissement %(siret)s est fermé selon le répertoire SIRENE de l’INSEE : aucune "
        "facture ne peut plus être déposée en son nom. Si votre entreprise a un autre "
        "établissement ouvert, créez ou rejoignez sa structure."
    ) % {"siret": siret_numbers.format_siret(structure.identifier)}


def can_deposit_for(user: User, structure: Structure) -> bool:
    return deposit_refusal_reason(user, structure) is None


def user_membership(user: User, structure: Structure) -> Membership | None:
    """The user's attachment to the structure, whatever its status."""
    return Membership.objects.filter(user=user, structure=structure).first()


def membership_statuses(user: User, structures: list[Structure]) -> dict[int, str]:
    """{structure id: the user's membership status} for search results, in one query."""
    return dict(
        Membership.objects.filter(user=user, structure__in=structures).values_list(
            "structure_id", "status"
        )
    )


def creatable_establishment(query: str) -> SireneEstablishment | None:
    """When a search by a whole SIRET finds no structure: the directory's establishment, if
    its structure may be created."""
    try:
        siret = siret_numbers.validate(query)
    except siret_numbers.ValidationError:
        return None
    try:
        return establishment_to_create(siret)
    except StructureError:
        return None


# --- The API's directory (structures/ endpoints) --------------------------------------------
def directory_structures(
    *, siret_prefix: str = "", name: str = "", is_public: bool | None = None
) -> QuerySet[Structure]:
    """Active structures, filtered by a SIRET prefix, a part of the name, public or not."""
    structures = Structure.objects.filter(is_active=True)
    if siret_prefix:
        structures = structures.filter(
            identifier_type=Structure.IdentifierType.SIRET, identifier__startswith=siret_prefix
        )
    if name:
        structures = structures.filter(name__icontains=name)
    if is_public is not None:
        structures = structures.filter(is_public=is_public)
    return structures.order_by("name", "identifier", "pk")


def directory_structure(siret: str) -> Structure | None:
    """The active structure of this SIRET, as the directory shows it to anyone."""
    return Structure.objects.filter(
        is_active=True, identifier_type=Structure.IdentifierType.SIRET, identifier=siret
    ).first()


def services_open_today(structure: Structure, today: date) -> QuerySet[Service]:
    """The services an invoice may be addressed to today: active and within their dates."""
    return (
        structure.services.filter(is_active=True)
        .exclude(valid_from__gt=today)
        .exclude(valid_until__lt=today)
        .order_by("code", "pk")
    )


def notified_at_once(topic: Topic, *, through: str = "") -> Q:
    """The memberships (or the rows whose single-valued ``through``, e.g. ``"membership__"``,
    leads to one) whose member hears of ``topic`` by one e-mail per event, those without a
    preference row included. Never through a many-valued path (``user.memberships``): negated,
    it would drop a user for any one of their memberships."""
    deferred = [Frequency.DAILY, Frequency.WEEKLY, Frequency.NONE]
    return ~Q(**{f"{through}notice_preference__{topic.value}__in": deferred})


def requests_between(structure_id: int, start: datetime, end: datetime) -> QuerySet[Membership]:
    """The attachment requests made to a structure in [start, end), oldest first."""
    return (
        Membership.objects.filter(structure_id=structure_id, requested_at__gte=start)
        .filter(requested_at__lt=end)
        .select_related("user")
        .order_by("requested_at", "id")
    )


def deferred_preferences(frequency: Frequency) -> QuerySet[NoticePreference]:
    """The preferences of active, approved members who asked for this digest on some topic."""
    return (
        NoticePreference.objects.filter(Q(invoices=frequency) | Q(requests=frequency))
        .filter(membership__status=Membership.Status.APPROVED, membership__user__is_active=True)
        .select_related("membership__user", "membership__structure")
        .order_by("membership__user_id", "membership__structure__name")
    )


def manages_requests(membership: Membership) -> bool:
    """Whether this member decides on the structure's attachment requests (principal and
    secondary managers)."""
    return membership.is_manager


# --- The personal data export (``accounts.personal_data.personal_data_requested``) ---------
def personal_data(sender: object, user: User, data: dict[str, Any], **kwargs: object) -> None:
    """The user's memberships, in their personal data export."""
    memberships = Membership.objects.filter(user=user).select_related("structure")
    data["memberships"] = [
        {
            "structure": m.structure.name,
            "identifier": m.structure.identifier,
            "role": m.role,
            "status": m.status,
        }
        for m in memberships
    ]
