"""Reads about invoices, always scoped to what the user may see.

A supplier's users see the invoices their structures sent. An agent of a public structure sees
the invoices made available to it: all of them when their membership names no service, only
those of the services it names otherwise (an agent scoped to services sees no invoice of another
service, nor those addressed to no service). Anything else is "not found" for them.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.db.models import Case, Count, Exists, F, OuterRef, Q, QuerySet, Subquery, Value, When
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone

from accounts.personal_data import when
from chorus.prepared import PreparedExists, PreparedQuery
from invoices import engagements_csv
from invoices.models import (
    Attachment,
    EngagementImport,
    EngagementRecord,
    Invoice,
    RejectionReason,
    StatusChange,
)
from invoices.workflow import BULK_ONLY_REASONS, NO_PAYMENT_FRAMES, Status
from structures.models import Frequency, Membership, Service, Structure, Topic
from structures.selectors import agent_services, notified_at_once, structures_of

if TYPE_CHECKING:
    from accounts.models import User


# --- rights ----------------------------------------------------------------------------------
def may_modify_for(user: User, structure: Structure) -> bool:
    """An approved member of the structure with the right to modify (not consultation only)."""
    if not user.is_authenticated:
        return False
    return _MAY_MODIFY(user.pk, structure.pk)


# Asked by every deposit and every action on a draft: SQL compiled once (chorus/prepared.py).
_MAY_MODIFY = PreparedExists(
    lambda user_id, structure_id: Membership.objects.filter(
        user_id=user_id,
        structure_id=structure_id,
        status=Membership.Status.APPROVED,
        can_modify=True,
    ),
    -1,
    -2,
)


def depositing_structures_of(user: User) -> QuerySet[Structure]:
    """Supplier structures in which the user may create invoices."""
    return Structure.objects.filter(
        is_public=False,
        memberships__user=user,
        memberships__status=Membership.Status.APPROVED,
        memberships__can_modify=True,
    ).order_by("name")


@dataclass(frozen=True)
class AgentScope:
    """What an agent receives: the ids of the services whose invoices they see, of the public
    structures whose invoices addressed to no service they see (those they belong to without a
    service scope), and of every public structure they belong to."""

    services: list[int]
    structures: list[int]
    member_of: list[int] = field(default_factory=list)

    @property
    def is_agent(self) -> bool:
        return bool(self.member_of)

    def parts(self, *, service: str = "service", structure: str = "recipient") -> list[Q]:
        """The scope's two parts, which no row is in both of (its service is set or not).
        ``service`` and ``structure`` name the row's foreign keys to the service and the public
        structure it is addressed to: an invoice's by default; a support request's
        (``recipient_service``, ``recipient_structure``) follows the same rule."""
        parts = []
        if self.services:
            parts.append(Q(**{f"{service}_id__in": self.services}))
        if self.structures:
            parts.append(Q(**{f"{service}__isnull": True, f"{structure}_id__in": self.structures}))
        return parts

    def condition(self, *, service: str = "service", structure: str = "recipient") -> Q:
        condition = Q(pk__in=[])  # nothing, when the user is no agent
        for part in self.parts(service=service, structure=structure):
            condition |= part
        return condition


def agent_scope(user: User) -> AgentScope:
    """The agent's scope in two small queries, resolved to ids before reading the invoices: with
    constants (not subqueries) PostgreSQL reads the invoice indexes in order, and plans with
    the statistics of these very services.

    A membership that names services scopes the agent to them; one that names none gives the
    whole structure: each of its services, and its invoices addressed to no service."""
    if not user.is_authenticated:
        return AgentScope(services=[], structures=[])
    named = Membership.services.through.objects.filter(membership_id=OuterRef("pk"))
    memberships = (
        Membership.objects.filter(
            user=user, status=Membership.Status.APPROVED, structure__is_public=True
        )
        .annotate(scoped=Exists(named))
        .values_list("structure_id", "scoped")
    )
    member_of, whole = [], []
    for structure_id, scoped in memberships:
        member_of.append(structure_id)
        if not scoped:
            whole.append(structure_id)
    if not member_of:
        return AgentScope(services=[], structures=[])
    # One filter() call: the same membership row is the user's, approved, and of the service's
    # own structure.
    named_ids = (
        Service.objects.filter(
            agents__user=user,
            agents__status=Membership.Status.APPROVED,
            agents__structure_id=F("structure_id"),
            structure__is_public=True,
        )
        .order_by()
        .values_list("pk", flat=True)
    )
    if whole:
        in_whole = Service.objects.filter(structure_id__in=whole).order_by()
        named_ids = named_ids.union(in_whole.values_list("pk", flat=True))
    return AgentScope(services=list(named_ids), structures=whole, member_of=member_of)


def is_agent_of(user: User, invoice: Invoice) -> bool:
    if not user.is_authenticated or invoice.recipient_id is None:
        return False
    return Invoice.objects.filter(agent_scope(user).condition(), pk=invoice.pk).exists()


def is_agent(user: User) -> bool:
    return user.is_authenticated and structures_of(user).filter(is_public=True).exists()


# --- supplier side ---------------------------------------------------------------------------
def sent_invoices_for(user: User) -> QuerySet[Invoice]:
    """The invoices of the user's supplier structures. Their ids are read first (one small
    query): with a list of constants, PostgreSQL reads the supplier's index in the lists'
    order instead of sorting all of the supplier's invoices for every page."""
    if not user.is_authenticated:
        return Invoice.objects.none()
    return Invoice.objects.filter(supplier_id__in=supplier_ids_of(user))


def supplier_ids_of(user: User) -> list[int]:
    """The ids of the user's supplier structures (none for an anonymous user)."""
    if not user.is_authenticated:
        return []
    structures = structures_of(user).filter(is_public=False).order_by()
    return list(structures.values_list("pk", flat=True))


def sent_invoice_for(user: User, pk: int) -> Invoice:
    try:
        return sent_invoices_for(user).select_related("supplier", "recipient", "service").get(pk=pk)
    except Invoice.DoesNotExist:
        raise Http404 from None


# --- validator side (billing frames A9 / A12) ----------------------------------------------------
def to_validate_for(user: User) -> QuerySet[Invoice]:
    """The invoices naming one of the user's structures as validator (titular company,
    mandatary) once put to validation; waiting ones first. Anyone else's: not there."""
    if not user.is_authenticated:
        return Invoice.objects.none()
    structures = structures_of(user).filter(is_public=False).order_by()
    return (
        Invoice.objects.filter(
            validator_id__in=list(structures.values_list("pk", flat=True)),
            validation_due_at__isnull=False,
        )
        .select_related("supplier", "recipient", "validator")
        .order_by(
            Case(When(status=Status.A_VALIDER_1, then=Value(0)), default=Value(1)),
            "validation_due_at",
            "id",
        )
    )


def to_validate_one_for(user: User, pk: int) -> Invoice:
    try:
        return to_validate_for(user).get(pk=pk)
    except Invoice.DoesNotExist:
        raise Http404 from None


def is_validator_of(user: User, invoice: Invoice) -> bool:
    """A member of the invoice's validator who may decide (not consultation only)."""
    return invoice.validator is not None and may_modify_for(user, invoice.validator)


def status_counts(invoices: QuerySet[Invoice]) -> dict[str, int]:
    """How many invoices in each status, every status present (zero included)."""
    # count(*), not count(id): an index on (…, status) answers it alone (index-only scan).
    rows = invoices.order_by().values("status").annotate(count=Count("*"))
    counts = {status: 0 for status in Status.values}
    counts.update({row["status"]: row["count"] for row in rows})
    return counts


# Drafts kept longer than this are pointed out: most likely "Enregistrer" taken for "Valider
# et envoyer", an invoice the supplier believes sent.
OLD_DRAFT_DAYS = 30


def old_drafts(invoices: QuerySet[Invoice], *, now: datetime | None = None) -> QuerySet[Invoice]:
    """The drafts among ``invoices`` created more than ``OLD_DRAFT_DAYS`` days ago, oldest first."""
    limit = (now or timezone.now()) - timedelta(days=OLD_DRAFT_DAYS)
    return invoices.filter(status=Status.BROUILLON, created_at__lt=limit).order_by(
        "created_at", "id"
    )


# --- recipient side --------------------------------------------------------------------------
def received_invoices_for(user: User, scope: AgentScope | None = None) -> QuerySet[Invoice]:
    """Invoices that reached the user's services: made available at least once. ``scope``:
    the user's ``agent_scope``, when the caller has already read it."""
    if not user.is_authenticated:
        return Invoice.objects.none()
    scope = scope if scope is not None else agent_scope(user)
    return Invoice.objects.filter(scope.condition(), made_available_at__isnull=False)


def received_status_counts(scope: AgentScope) -> dict[str, int]:
    """``status_counts`` of the received invoices, as one count per part of the scope added
    up (UNION ALL): each part is an index-only scan of its partial index, where the OR of the
    parts would read every invoice of the table that matches either."""
    counts = {status: 0 for status in Status.values}
    received = Invoice.objects.filter(made_available_at__isnull=False).order_by()
    queries = [
        received.filter(part).values_list("status").annotate(count=Count("*"))
        for part in scope.parts()
    ]
    if not queries:
        return counts
    for status, count in queries[0].union(*queries[1:], all=True):
        counts[status] = counts.get(status, 0) + count
    return counts


def received_invoice_for(user: User, pk: int) -> Invoice:
    try:
        return (
            received_invoices_for(user)
            .select_related("supplier", "recipient", "service")
            .get(pk=pk)
        )
    except Invoice.DoesNotExist:
        raise Http404 from None


def received_attachments_of(user: User, invoice_ids: list[int]) -> QuerySet[Attachment]:
    """The files of those of ``invoice_ids`` the user receives, invoice by invoice."""
    invoices = received_invoices_for(user).filter(pk__in=invoice_ids)
    return (
        Attachment.objects.filter(invoice__in=invoices)
        .select_related("invoice")
        .order_by("invoice_id", "uploaded_at", "id")
    )


def services_handled_by(user: User) -> QuerySet[Service]:
    return agent_services(user).select_related("structure").order_by("code")


# --- EJ registers ------------------------------------------------------------------------------
def register_structure_for(user: User, pk: int) -> Structure:
    """A public structure the user is an approved member of (its register page); else 404."""
    structure = structures_of(user).filter(pk=pk, is_public=True).first()
    if structure is None:
        raise Http404
    return structure


def register_structures_of(user: User) -> QuerySet[Structure]:
    return structures_of(user).filter(is_public=True).order_by("name", "pk")


def engagements_of(
    user: User, structure: Structure, filters: Mapping[str, Any], scope: AgentScope | None = None
) -> QuerySet[EngagementRecord]:
    """The structure's register, searched by number, supplier (SIRET prefix or name) and
    state, each row with its supplier's name (when the portal knows it) and how many received
    invoices the user sees cite it."""
    records = EngagementRecord.objects.filter(recipient=structure)
    if filters.get("number"):
        records = records.filter(number__icontains=filters["number"].strip())
    supplier = (filters.get("supplier") or "").strip()
    if supplier:
        digits = "".join(supplier.split())
        if digits.isascii() and digits.isdigit():
            records = records.filter(supplier_siret__startswith=digits)
        else:
            named = Structure.objects.filter(
                identifier_type=Structure.IdentifierType.SIRET, name__icontains=supplier
            )
            records = records.filter(supplier_siret__in=named.values("identifier"))
    if filters.get("state"):
        records = records.filter(state=filters["state"])
    names = Structure.objects.filter(
        identifier_type=Structure.IdentifierType.SIRET, identifier=OuterRef("supplier_siret")
    )
    used = (
        received_invoices_for(user, scope)
        .filter(recipient_id=structure.pk, engagement_number=OuterRef("number"))
        .order_by()
        .values("engagement_number")
        .annotate(n=Count("*"))
        .values("n")
    )
    return records.annotate(
        supplier_name=Subquery(names.values("name")[:1]),
        invoice_count=Coalesce(Subquery(used), 0),
    ).order_by("number", "pk")


def engagement_for(structure: Structure, pk: int) -> EngagementRecord:
    names = Structure.objects.filter(
        identifier_type=Structure.IdentifierType.SIRET, identifier=OuterRef("supplier_siret")
    )
    record = (
        EngagementRecord.objects.filter(recipient=structure, pk=pk)
        .annotate(supplier_name=Subquery(names.values("name")[:1]))
        .first()
    )
    if record is None:
        raise Http404
    return record


def engagement_invoices(user: User, record: EngagementRecord) -> QuerySet[Invoice]:
    """The received invoices citing the EJ, among those the user sees (their services)."""
    return (
        received_invoices_for(user)
        .filter(recipient_id=record.recipient_id, engagement_number=record.number)
        .select_related("supplier", "service")
        .order_by(F("deposited_at").desc(nulls_last=True), "-id")
    )


def engagement_imports_of(structure: Structure) -> QuerySet[EngagementImport]:
    return (
        EngagementImport.objects.filter(recipient=structure)
        .select_related("uploaded_by")
        .defer("content")
        .order_by("-created_at", "-id")
    )


def engagement_import_for(structure: Structure, pk: int) -> EngagementImport:
    job = engagement_imports_of(structure).filter(pk=pk).first()
    if job is None:
        raise Http404
    return job


def engagement_import_errors(job: EngagementImport) -> list[tuple[int, str]]:
    """A refused file's problems by line, worded in the reader's (active) language."""
    return [(error["line"], engagements_csv.describe_stored(error)) for error in job.errors]


# --- both ------------------------------------------------------------------------------------
def attachment_for(user: User, pk: int) -> Attachment:
    """A file the user may download: of an invoice they sent or received."""
    sent = sent_invoices_for(user).filter(pk=OuterRef("invoice_id"))
    received = received_invoices_for(user).filter(pk=OuterRef("invoice_id"))
    to_validate = to_validate_for(user).order_by().filter(pk=OuterRef("invoice_id"))
    try:
        return (
            Attachment.objects.filter(
                Q(Exists(sent)) | Q(Exists(received)) | Q(Exists(to_validate))
            )
            .select_related("invoice")
            .get(pk=pk)
        )
    except Attachment.DoesNotExist:
        raise Http404 from None


def history_of(invoice: Invoice) -> QuerySet[StatusChange]:
    return (
        invoice.history.select_related("actor", "reason")
        .prefetch_related("attachments")
        .order_by("at", "id")
    )


def attachments_of(invoice: Invoice) -> QuerySet[Attachment]:
    return invoice.attachments.order_by("uploaded_at", "id")


def main_document_of(invoice: Invoice) -> Attachment | None:
    """The document that is the invoice: the deposited file, or the newest Factur-X PDF."""
    return (
        invoice.attachments.filter(kind__in=[Attachment.Kind.MAIN, Attachment.Kind.GENERATED_PDF])
        .order_by("-kind", "-uploaded_at", "-id")
        .first()
    )


def certified_xml_of(invoice: Invoice) -> Attachment | None:
    """The newest CII of a typed invoice: the one its last deposit certificate covers."""
    return (
        invoice.attachments.filter(kind=Attachment.Kind.GENERATED_XML)
        .order_by("-uploaded_at", "-id")
        .first()
    )


def rendering_pending(invoice: Invoice, certified_xml: Attachment | None) -> bool:
    """Whether the Factur-X PDF of the newest CII is still being made."""
    if certified_xml is None:
        return False
    return not invoice.attachments.filter(
        kind=Attachment.Kind.GENERATED_PDF, status_change_id=certified_xml.status_change_id
    ).exists()


def invoice_visible_to(user: User, pk: int) -> Invoice:
    """An invoice the user sent or received (downloads); anything else is not found."""
    sent = sent_invoices_for(user).filter(pk=pk)
    received = received_invoices_for(user).filter(pk=pk)
    to_validate = to_validate_for(user).filter(pk=pk).order_by()
    invoice = (sent | received).first() or to_validate.first()
    if invoice is None:
        raise Http404
    return invoice


def reasons_for(status: str, *, bulk: bool = False) -> list[RejectionReason]:
    """Active reasons that may justify this status, in catalogue order; those reserved to bulk
    decisions only for one (``bulk``)."""
    return [
        reason
        for reason in RejectionReason.objects.filter(is_active=True).order_by("position", "code")
        if status in reason.allowed_statuses and (bulk or reason.code not in BULK_ONLY_REASONS)
    ]


def last_reasoned_change(invoice: Invoice) -> StatusChange | None:
    """The latest step that carries a reason or a comment from the recipient."""
    return (
        invoice.history.filter(to_status=invoice.status)
        .select_related("reason")
        .order_by("-at", "-id")
        .first()
    )


# --- workers ---------------------------------------------------------------------------------
def stuck_in_routing(*, older_than: timedelta, now: datetime | None = None) -> QuerySet[Invoice]:
    """Invoices sitting in a routing status for too long: their message was probably lost.
    One the sweep enqueued again less than ``older_than`` ago is given that time first."""
    limit = (now or timezone.now()) - older_than
    return Invoice.objects.filter(
        Q(routing_swept_at__isnull=True) | Q(routing_swept_at__lt=limit),
        status__in=[Status.DEPOSEE, Status.EN_COURS_ACHEMINEMENT],
        status_changed_at__lt=limit,
    )


def renderings_missing(
    *,
    older_than: timedelta | None = None,
    invoice_ids: Collection[int] | None = None,
    now: datetime | None = None,
) -> QuerySet[Attachment, tuple[int, int]]:
    """(id, invoice id) of the certified CII files (typed invoices) still without their
    Factur-X PDF: of ``invoice_ids`` (a routing batch's deposits), and/or of invoices the sweep
    has not enqueued again within ``older_than``."""
    rendering = Attachment.objects.filter(
        invoice_id=OuterRef("invoice_id"),
        kind=Attachment.Kind.GENERATED_PDF,
        status_change_id=OuterRef("status_change_id"),
    )
    missing = Attachment.objects.filter(kind=Attachment.Kind.GENERATED_XML).filter(
        ~Exists(rendering)
    )
    return _left_since(missing, "uploaded_at", older_than, invoice_ids, now).values_list(
        "id", "invoice_id"
    )


def certificates_missing(
    *,
    older_than: timedelta | None = None,
    invoice_ids: Collection[int] | None = None,
    now: datetime | None = None,
) -> QuerySet[StatusChange, tuple[int, int]]:
    """(deposit's status change id, invoice id) of the deposits still without their certificate:
    of ``invoice_ids``, and/or of invoices the sweep has not enqueued again within
    ``older_than`` (as ``renderings_missing``)."""
    certificate = Attachment.objects.filter(
        invoice_id=OuterRef("invoice_id"),
        kind=Attachment.Kind.CERTIFICATE,
        status_change_id=OuterRef("pk"),
    )
    missing = StatusChange.objects.filter(to_status=Status.DEPOSEE).filter(~Exists(certificate))
    return _left_since(missing, "at", older_than, invoice_ids, now).values_list("id", "invoice_id")


def _left_since(
    missing: QuerySet[Any, Any],
    made_at: str,
    older_than: timedelta | None,
    invoice_ids: Collection[int] | None,
    now: datetime | None,
) -> QuerySet[Any, Any]:
    """The renderings ``missing``, narrowed to ``invoice_ids`` and/or to those made before
    ``older_than`` (their ``made_at`` field) whose invoice the sweep has not seen since."""
    if invoice_ids is not None:
        missing = missing.filter(invoice_id__in=invoice_ids)
    if older_than is not None:
        limit = (now or timezone.now()) - older_than
        missing = missing.filter(_not_swept_since(limit, "invoice__"), **{f"{made_at}__lt": limit})
    return missing


def _not_swept_since(limit: datetime, prefix: str = "") -> Q:
    return Q(**{f"{prefix}renderings_swept_at__isnull": True}) | Q(
        **{f"{prefix}renderings_swept_at__lt": limit}
    )


def due_for_payment(*, older_than: timedelta, now: datetime | None = None) -> QuerySet[Invoice]:
    """Accounted invoices the simulated payment system pays now (recipients that report it)."""
    limit = (now or timezone.now()) - older_than
    return Invoice.objects.filter(
        status=Status.COMPTABILISEE,
        status_changed_at__lt=limit,
        recipient__payment_status_reported=True,
    ).exclude(billing_frame__in=NO_PAYMENT_FRAMES)  # paid already (A2): no payment step


def _whole_structure_agents() -> QuerySet[Membership]:
    """Approved memberships of public structures that name no service (see ``agent_scope``)."""
    named = Membership.services.through.objects.filter(membership_id=OuterRef("pk"))
    return Membership.objects.filter(
        status=Membership.Status.APPROVED, structure__is_public=True
    ).exclude(Exists(named))


def receiving_memberships(structure_id: int, service_id: int | None) -> QuerySet[Membership]:
    """The approved memberships whose agent receives what is addressed to this public structure
    and service (``agent_scope`` seen from the other end): those naming the service, and those
    of the structure naming none; without a service, the latter only."""
    whole = _whole_structure_agents().filter(structure_id=structure_id)
    receive = Q(pk__in=whole.values("pk"))
    if service_id is not None:
        receive |= Q(
            status=Membership.Status.APPROVED, services=service_id, structure_id=structure_id
        )
    return Membership.objects.filter(receive)


def agents_to_notify(invoice: Invoice) -> QuerySet[User]:
    """The users who receive this invoice (``receiving_memberships``) and hear of it at once."""
    from accounts.models import User

    if invoice.recipient_id is None:
        return User.objects.none()  # no recipient in the portal: no agent
    members = receiving_memberships(invoice.recipient_id, invoice.service_id).filter(
        notified_at_once(Topic.INVOICES)
    )
    return User.objects.filter(is_active=True, memberships__in=members).distinct()


def supplier_users_to_notify(invoice: Invoice) -> QuerySet[User]:
    from accounts.models import User

    members = Membership.objects.filter(
        notified_at_once(Topic.INVOICES),
        structure_id=invoice.supplier_id,
        status=Membership.Status.APPROVED,
    )
    return User.objects.filter(is_active=True, memberships__in=members).distinct()


def _members_notified(**structures: Any) -> QuerySet[Membership]:
    return (
        Membership.objects.filter(
            notified_at_once(Topic.INVOICES),
            status=Membership.Status.APPROVED,
            user__is_active=True,
            **structures,
        )
        .select_related("user")
        .order_by("structure_id", "user_id")
    )


# One supplier (a routing batch of one supplier's invoices): its SQL compiled once
# (chorus/prepared.py).
MEMBERS_NOTIFIED_OF = PreparedQuery(lambda pk: _members_notified(structure_id=pk), -1)


def members_by_structure(structure_ids: set[int]) -> dict[int, list[User]]:
    """The active users of each structure who hear of each invoice event at once, in one query
    (the routing batch's e-mails; the others read it in their digest)."""
    if not structure_ids:
        return {}
    if len(structure_ids) == 1:
        members: Iterable[Membership] = MEMBERS_NOTIFIED_OF(*structure_ids)
    else:
        members = _members_notified(structure_id__in=structure_ids)
    return users_by_structure(members)


def users_by_structure(members: Iterable[Membership]) -> dict[int, list[User]]:
    """``members_by_structure``'s answer from its members' rows."""
    users: dict[int, dict[int, User]] = {}
    for member in members:
        users.setdefault(member.structure_id, {})[member.user_id] = member.user
    return {structure_id: list(found.values()) for structure_id, found in users.items()}


def validators_by_structure(structure_ids: set[int]) -> dict[int, list[User]]:
    """The active members of each validator structure (A9 / A12) asked to validate, in one
    query. A request to act before a due date is not left for a digest: only those who chose
    to hear nothing of invoices are left out."""
    members = (
        Membership.objects.filter(
            structure_id__in=structure_ids,
            status=Membership.Status.APPROVED,
            user__is_active=True,
        )
        .exclude(**{f"notice_preference__{Topic.INVOICES.value}": Frequency.NONE})
        .select_related("user")
        .order_by("structure_id", "user_id")
    )
    users: dict[int, list[User]] = {}
    for member in members:
        users.setdefault(member.structure_id, []).append(member.user)
    return users


def agents_by_service(service_ids: set[int]) -> dict[int, list[User]]:
    """The active agents of each service who hear of each invoice at once, in two queries (see
    ``agents_to_notify``): those whose membership names it, and those of its structure scoped
    to no service."""
    if not service_ids:
        return {}  # a deposit's batch: nothing made available, no query to build
    links = (
        Membership.services.through.objects.filter(
            notified_at_once(Topic.INVOICES, through="membership__"),
            service_id__in=service_ids,
            membership__status=Membership.Status.APPROVED,
            membership__structure_id=F("service__structure_id"),
            membership__user__is_active=True,
        )
        .select_related("membership__user")
        .order_by("service_id", "membership__user_id")
    )
    users: dict[int, dict[int, User]] = {}
    for link in links:
        users.setdefault(link.service_id, {})[link.membership.user_id] = link.membership.user
    structure_of = dict(
        Service.objects.filter(pk__in=service_ids).values_list("pk", "structure_id")
    )
    by_structure = agents_by_structure(set(structure_of.values()))
    for service_id, structure_id in sorted(structure_of.items()):
        for user in by_structure.get(structure_id, []):
            users.setdefault(service_id, {}).setdefault(user.pk, user)
    return {service_id: list(found.values()) for service_id, found in users.items()}


def agents_by_structure(structure_ids: set[int]) -> dict[int, list[User]]:
    """The active agents of each public structure scoped to no service who hear of each invoice
    at once, in one query: those who receive its invoices addressed to no service (see
    ``agents_to_notify``)."""
    if not structure_ids:
        return {}  # building the query alone costs milliseconds
    members = (
        _whole_structure_agents()
        .filter(notified_at_once(Topic.INVOICES))
        .filter(structure_id__in=structure_ids, user__is_active=True)
        .select_related("user")
        .order_by("structure_id", "user_id")
    )
    users: dict[int, list[User]] = {}
    for member in members:
        users.setdefault(member.structure_id, []).append(member.user)
    return users


# --- lists -------------------------------------------------------------------------------------
# The orders a list offers; drafts (never deposited) come first in the default order.
ORDERINGS = {
    "-deposited_at": F("deposited_at").desc(nulls_first=True),
    "deposited_at": F("deposited_at").asc(nulls_last=True),
    "-total_incl_tax": F("total_incl_tax").desc(),
    "total_incl_tax": F("total_incl_tax").asc(),
    "number": F("number").asc(),
    "status": F("status").asc(),
}


def _party_filter(party: str, text: str) -> Q:
    digits = text.replace(" ", "")
    if digits.isdigit():
        return Q(**{f"{party}__identifier__startswith": digits})
    return Q(**{f"{party}__name__icontains": text.strip()})


# The list filters and the lookups they apply ("party" aside: see _party_filter).
FILTER_LOOKUPS = {
    "status": "status",
    "number": "number__icontains",
    "date_from": "deposited_at__date__gte",
    "date_to": "deposited_at__date__lte",
    "service": "service",
    "service_code": "service_code__icontains",
    "engagement_number": "engagement_number__icontains",
    "amount_min": "total_incl_tax__gte",
    "amount_max": "total_incl_tax__lte",
}


def narrows(filters: Mapping[str, Any]) -> bool:
    """Whether ``filter_invoices`` would leave some invoices out (the order aside): if not,
    the list holds as many invoices as the status counts add up to."""
    return bool(filters.get("party")) or any(
        filters.get(name) not in (None, "") for name in FILTER_LOOKUPS
    )


def filter_invoices(
    invoices: QuerySet[Invoice], filters: Mapping[str, Any], *, party: str = "recipient"
) -> QuerySet[Invoice]:
    """Apply the list filters (all optional); ``party`` names the other side of the invoice."""
    for name, lookup in FILTER_LOOKUPS.items():
        value = filters.get(name)
        if value not in (None, ""):
            invoices = invoices.filter(**{lookup: value})
    if filters.get("party"):
        invoices = invoices.filter(_party_filter(party, filters["party"]))
    order = ORDERINGS.get(filters.get("sort") or "", ORDERINGS["-deposited_at"])
    return invoices.select_related("supplier", "recipient", "service").order_by(order, "-id")


# --- recipients ----------------------------------------------------------------------------------
def public_recipient(siret: str) -> Structure | None:
    """A public structure by its SIRET: recipients are public knowledge on the portal."""
    if not siret.isdigit() or len(siret) != 14:
        return None
    return Structure.objects.filter(
        identifier_type=Structure.IdentifierType.SIRET, identifier=siret, is_public=True
    ).first()


def active_services_of(recipient: Structure) -> QuerySet[Service]:
    today = timezone.localdate()
    return (
        recipient.services.filter(is_active=True)
        .filter(Q(valid_from__isnull=True) | Q(valid_from__lte=today))
        .filter(Q(valid_until__isnull=True) | Q(valid_until__gte=today))
        .order_by("code")
    )


# --- digests -------------------------------------------------------------------------------------
def supplier_changes_between(
    structure_id: int, start: datetime, end: datetime
) -> QuerySet[StatusChange]:
    """The status changes of a supplier's invoices in [start, end), oldest first: what its
    members who chose a digest did not hear of one by one (a draft's creation is nobody's news)."""
    return (
        StatusChange.objects.filter(invoice__supplier_id=structure_id, at__gte=start, at__lt=end)
        .exclude(from_status="")
        .select_related("invoice", "reason")
        .order_by("at", "id")
    )


def received_between(
    membership: Membership, start: datetime, end: datetime
) -> QuerySet[StatusChange]:
    """The invoices made available in [start, end) to the agent of this membership: those of
    the services it names, or all of its structure's when it names none (``agent_scope``)."""
    services = list(membership.services.values_list("pk", flat=True))
    if services:
        reached = Q(invoice__service_id__in=services, invoice__recipient_id=membership.structure_id)
    else:
        reached = Q(invoice__recipient_id=membership.structure_id)
    return (
        StatusChange.objects.filter(
            reached, to_status=Status.MISE_A_DISPOSITION, at__gte=start, at__lt=end
        )
        .select_related("invoice__supplier")
        .order_by("at", "id")
    )


# --- The personal data export (``accounts.personal_data.personal_data_requested``) ---------
def personal_data(sender: object, user: User, data: dict[str, Any], **kwargs: object) -> None:
    """What the user did to invoices (their status changes), in their personal data export."""
    actions = (
        StatusChange.objects.filter(actor=user)
        .select_related("invoice")
        .order_by("at", "id")
        .values_list("invoice__number", "from_status", "to_status", "at")
    )
    data["invoice_actions"] = [
        {"invoice": number, "from": before, "to": after, "at": when(at)}
        for number, before, after, at in actions
    ]
