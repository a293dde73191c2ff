"""Pages of the structures app. Reads go through selectors, writes through services; a
structure the user is not an approved member of is a 404, whatever it is."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from chorus import clients
from structures import selectors, services
from structures.errors import StructureAlreadyExists, StructureError
from structures.forms import (
    AgentJoinForm,
    DecisionForm,
    MemberForm,
    MemberServicesForm,
    SiretForm,
    StructureSearchForm,
)
from structures.models import Membership, Structure


def _member_structure(request: HttpRequest, pk: int) -> Structure:
    structure = selectors.structure_for_member(request.user, pk)
    if structure is None:
        raise Http404
    return structure


@require_GET
@login_required
def structure_list(request: HttpRequest) -> HttpResponse:
    memberships = list(selectors.memberships_of(request.user))
    # A request left unanswered: the row offers to ask support for a new principal manager.
    for membership in memberships:
        membership.may_ask_support = selectors.request_left_waiting(membership)
    return render(request, "structures/list.html", {"memberships": memberships})


# --- Creating a structure from its SIRET -------------------------------------------------
@login_required
def structure_create(request: HttpRequest) -> HttpResponse:
    """Two steps: the SIRET is checked against the directory and its data shown; the user
    confirms and becomes principal manager of the new structure."""
    if request.method != "POST":
        form = SiretForm(initial={"siret": request.GET.get("siret", "")})
        return render(request, "structures/create.html", {"form": form})
    form = SiretForm(request.POST)
    context: dict[str, object] = {"form": form}
    if form.is_valid():
        siret = form.cleaned_data["siret"]
        try:
            if request.POST.get("step") == "create":
                structure = services.structure_create_from_siret(user=request.user, siret=siret)
                messages.success(
                    request,
                    _("Structure « %(name)s » créée : vous en êtes le gestionnaire principal.")
                    % {"name": structure.name},
                )
                return redirect("structures:detail", pk=structure.pk)
            context["establishment"] = selectors.establishment_to_create(siret)
        except StructureAlreadyExists as exc:
            context["existing"] = exc.structure
            context["membership"] = selectors.user_membership(request.user, exc.structure)
        except StructureError as exc:
            form.add_error("siret", exc.message)
    return render(request, "structures/create.html", context)


# --- Joining a structure ------------------------------------------------------------------
@require_GET
@login_required
def structure_search(request: HttpRequest) -> HttpResponse:
    form = StructureSearchForm(request.GET if "q" in request.GET else None)
    context: dict[str, object] = {"form": form}
    if form.is_valid():
        query = form.cleaned_data["q"]
        found = list(selectors.structure_search(query))
        statuses = selectors.membership_statuses(request.user, found)
        context["results"] = [(structure, statuses.get(structure.pk)) for structure in found]
        if not found:
            context["creatable"] = selectors.creatable_establishment(query)
        # The companies of the SIRENE directory, structure or not yet: one's own may be there.
        context["directory"] = selectors.directory_hits(query)
    return render(request, "structures/search.html", context)


@login_required
def structure_join(request: HttpRequest, pk: int) -> HttpResponse:
    """Asks to join a structure. A private one: a button on the search's results. A public
    one: a page where the agent names the services they work for and confirms being an agent
    (a supplier is told to join their own company)."""
    structure = get_object_or_404(Structure, pk=pk, is_active=True)
    search_url = f"{reverse('structures:search')}?q={structure.identifier}"
    form = None
    services_asked: list = []
    if structure.is_public:
        form = AgentJoinForm(
            request.POST if request.method == "POST" else None,
            services=selectors.services_open_today(structure, timezone.localdate()),
        )
        if request.method != "POST" or not form.is_valid():
            return render(
                request,
                "structures/join.html",
                {"structure": structure, "form": form},
                status=400 if form.is_bound else 200,
            )
        services_asked = list(form.cleaned_data["services"])
    elif request.method != "POST":
        return redirect(search_url)
    try:
        membership = services.attachment_request(
            user=request.user,
            structure=structure,
            services=services_asked,
            as_agent=structure.is_public,
        )
    except StructureError as exc:
        messages.error(request, exc.message)
        return redirect(search_url)
    if membership.status == Membership.Status.APPROVED:
        messages.success(
            request,
            _("Vous êtes rattaché à « %(name)s » comme gestionnaire principal.")
            % {"name": structure.name},
        )
        return redirect("structures:detail", pk=structure.pk)
    messages.success(
        request,
        _(
            "Demande de rattachement à « %(name)s » envoyée : son gestionnaire principal "
            "l’acceptera ou la refusera, et vous recevrez un courriel."
        )
        % {"name": structure.name},
    )
    if not selectors.has_principal(structure):
        messages.info(
            request,
            _(
                "Cette structure n’a pas encore de gestionnaire principal : l’administrateur du "
                "portail en désigne un, qui traitera votre demande."
            ),
        )
    return redirect("structures:list")


# --- A structure's page and its principal manager's actions -------------------------------
@require_GET
@login_required
def structure_detail(request: HttpRequest, pk: int) -> HttpResponse:
    structure = _member_structure(request, pk)
    membership = selectors.membership_in(request.user, structure)
    is_principal = membership is not None and membership.is_principal
    is_manager = membership is not None and membership.is_manager
    pending = selectors.pending_requests(structure) if is_manager else None
    return render(
        request,
        "structures/detail.html",
        {
            "structure": structure,
            "membership": membership,
            "is_principal": is_principal,
            "is_manager": is_manager,
            "may_ask_support": not is_principal
            and selectors.may_ask_for_a_principal(request.user, structure),
            "members": selectors.structure_members(structure),
            "pending": pending,
            "decision_form": DecisionForm(pending=pending) if pending is not None else None,
            "services": selectors.structure_services(structure) if structure.is_public else None,
            "signature": selectors.mandate_signature(structure),
            "deposit_refusal": selectors.deposit_refusal_reason(request.user, structure),
        },
    )


@require_POST
@login_required
def requests_decide(request: HttpRequest, pk: int) -> HttpResponse:
    structure = _member_structure(request, pk)
    form = DecisionForm(request.POST, pending=selectors.pending_requests(structure))
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect("structures:detail", pk=structure.pk)
    ids = [m.pk for m in form.cleaned_data["requests"]]
    approve = form.cleaned_data["decision"] == DecisionForm.APPROVE
    try:
        if approve:
            decided = services.attachment_request_approve(
                structure=structure, decided_by=request.user, membership_ids=ids
            )
        else:
            decided = services.attachment_request_refuse(
                structure=structure,
                decided_by=request.user,
                membership_ids=ids,
                reason=form.cleaned_data["reason"],
            )
    except StructureError as exc:
        messages.error(request, exc.message)
    else:
        text = (
            _("Demandes acceptées : %(count)d.") if approve else _("Demandes refusées : %(count)d.")
        )
        messages.success(request, text % {"count": len(decided)})
    return redirect("structures:detail", pk=structure.pk)


MemberAction = Callable[[HttpRequest, Structure, MemberForm], str]


def _member_action(request: HttpRequest, pk: int, act: MemberAction) -> HttpResponse:
    """Runs one action on a member; the service says no with a message, never a 500."""
    structure = _member_structure(request, pk)
    form = MemberForm(request.POST)
    if not form.is_valid():
        raise Http404
    try:
        messages.success(request, act(request, structure, form))
    except StructureError as exc:
        messages.error(request, exc.message)
    if not selectors.is_approved_member(user=request.user, structure=structure):
        return redirect("structures:list")  # the user left the structure
    return redirect("structures:detail", pk=structure.pk)


def _detach(request: HttpRequest, structure: Structure, form: MemberForm) -> str:
    detached = services.membership_detach(
        structure=structure, by=request.user, membership_id=form.cleaned_data["membership"]
    )
    if detached.user_id == request.user.pk:
        return _("Vous avez quitté la structure « %(name)s ».") % {"name": structure.name}
    return _("%(user)s est détaché de la structure.") % {"user": detached.user}


def _transfer(request: HttpRequest, structure: Structure, form: MemberForm) -> str:
    if not form.cleaned_data["confirm"]:
        raise StructureError(_("Cochez la case pour confirmer la transmission de votre rôle."))
    target = services.principal_transfer(
        structure=structure, by=request.user, membership_id=form.cleaned_data["membership"]
    )
    return _("%(user)s est désormais le gestionnaire principal.") % {"user": target.user}


def _rights(request: HttpRequest, structure: Structure, form: MemberForm) -> str:
    changed = services.membership_set_rights(
        structure=structure,
        by=request.user,
        membership_id=form.cleaned_data["membership"],
        can_modify=form.cleaned_data["can_modify"],
    )
    return _("Droits de %(user)s modifiés.") % {"user": changed.user}


def _secondary(request: HttpRequest, structure: Structure, form: MemberForm) -> str:
    changed = services.secondary_manager_set(
        structure=structure,
        by=request.user,
        membership_id=form.cleaned_data["membership"],
        secondary=form.cleaned_data["secondary"],
    )
    if changed.role == Membership.Role.SECONDARY:
        return _("%(user)s est gestionnaire secondaire.") % {"user": changed.user}
    return _("%(user)s n’est plus gestionnaire secondaire.") % {"user": changed.user}


@require_POST
@login_required
def member_secondary(request: HttpRequest, pk: int) -> HttpResponse:
    return _member_action(request, pk, _secondary)


@require_POST
@login_required
def member_detach(request: HttpRequest, pk: int) -> HttpResponse:
    return _member_action(request, pk, _detach)


@login_required
def principal_transfer(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: the confirmation page for handing the role to ``?membership=``; POST: the hand-over,
    once the box is ticked."""
    if request.method == "POST":
        return _member_action(request, pk, _transfer)
    structure = _member_structure(request, pk)
    if not selectors.is_principal(request.user, structure):
        messages.error(
            request, _("Seul le gestionnaire principal de la structure peut faire cette opération.")
        )
        return redirect("structures:detail", pk=structure.pk)
    raw = request.GET.get("membership", "")
    target = (
        selectors.structure_members(structure).filter(pk=int(raw)).first()
        if raw.isascii() and raw.isdigit() and len(raw) < 10
        else None
    )
    if target is None or target.user_id == request.user.pk:
        raise Http404
    return render(request, "structures/transfer.html", {"structure": structure, "target": target})


@require_POST
@login_required
def member_rights(request: HttpRequest, pk: int) -> HttpResponse:
    return _member_action(request, pk, _rights)


@login_required
def member_services(request: HttpRequest, pk: int, membership_pk: int) -> HttpResponse:
    """The principal manager of a public structure scopes a member to some of its services."""
    structure = _member_structure(request, pk)
    if not structure.is_public or not selectors.is_principal(request.user, structure):
        raise Http404
    member = selectors.structure_members(structure).filter(pk=membership_pk).first()
    if member is None:
        raise Http404
    form = MemberServicesForm(
        request.POST if request.method == "POST" else None,
        services=selectors.structure_services(structure),
        initial={"services": list(member.services.all())},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.membership_set_services(
                structure=structure,
                by=request.user,
                membership_id=member.pk,
                services=form.cleaned_data["services"],
            )
        except StructureError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(
                request, _("Services de %(user)s enregistrés.") % {"user": member.user}
            )
            return redirect("structures:detail", pk=structure.pk)
    return render(
        request,
        "structures/member_services.html",
        {"structure": structure, "member": member, "form": form},
        status=400 if form.errors else 200,
    )


# --- The billing mandate ------------------------------------------------------------------
@login_required
def mandate(request: HttpRequest, pk: int) -> HttpResponse:
    structure = _member_structure(request, pk)
    accept_error = ""
    if request.method == "POST":
        if request.POST.get("accept") != "on":
            # Said under the box, where the missing tick is, and not only in a banner.
            accept_error = _("Cochez la case pour signer le mandat.")
        else:
            try:
                services.mandate_sign(
                    structure=structure,
                    user=request.user,
                    ip_address=clients.client_ip(request),
                    version_id=_int_or_zero(request.POST.get("version")),
                )
            except StructureError as exc:
                messages.error(request, exc.message)
            else:
                messages.success(request, _("Mandat de facturation signé."))
                return redirect("structures:detail", pk=structure.pk)
            return redirect("structures:mandate", pk=structure.pk)
    signature = selectors.mandate_signature(structure)
    return render(
        request,
        "structures/mandate.html",
        {
            "structure": structure,
            "mandate": selectors.current_mandate(),
            "signature": signature,
            "revocation": None if signature else selectors.mandate_last_revocation(structure),
            "is_principal": selectors.is_principal(request.user, structure),
            "accept_error": accept_error,
        },
    )


def _int_or_zero(value: str | None) -> int:
    # ASCII digits only: "²" is a digit to str.isdigit() and a ValueError to int().
    return int(value) if value and value.isascii() and value.isdigit() and len(value) < 10 else 0


@login_required
@require_POST
def mandate_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    structure = _member_structure(request, pk)
    if request.POST.get("confirm") != "on":
        messages.error(request, _("Cochez la case pour confirmer la révocation du mandat."))
        return redirect("structures:mandate", pk=structure.pk)
    try:
        services.mandate_revoke(
            structure=structure, user=request.user, ip_address=clients.client_ip(request)
        )
    except StructureError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _(
                "Mandat de facturation révoqué : plus aucune facture ne peut être déposée pour "
                "la structure tant qu’il n’est pas signé de nouveau."
            ),
        )
    return redirect("structures:mandate", pk=structure.pk)
