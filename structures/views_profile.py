"""The structure's profile and bank accounts. Reads through selectors, writes through
services; a structure the user is not a member of is a 404."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from structures import selectors, services_profile
from structures.errors import StructureError
from structures.forms import BankAccountActionForm, BankAccountForm, ProfileForm
from structures.models import Structure
from structures.views import _member_structure


def _company(request: HttpRequest, pk: int) -> Structure:
    """A company the user is a member of: a public structure has no profile page here (its
    administrators keep it), so it is a 404 like a structure of others."""
    structure = _member_structure(request, pk)
    if structure.is_public:
        raise Http404
    return structure


def _put_back(form: Form, error: ValidationError) -> None:
    """A service's field errors shown next to their fields (others above the form)."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


def _profile_page(
    request: HttpRequest,
    structure: Structure,
    *,
    profile_form: ProfileForm | None = None,
    account_form: BankAccountForm | None = None,
    status: int = 200,
) -> HttpResponse:
    is_manager = selectors.is_manager(request.user, structure)
    initial = {name: getattr(structure, name) for name in services_profile.PROFILE_FIELDS}
    return render(
        request,
        "structures/profile.html",
        {
            "structure": structure,
            "is_manager": is_manager,
            "profile_form": profile_form or (ProfileForm(initial=initial) if is_manager else None),
            "account_form": account_form or (BankAccountForm() if is_manager else None),
            "accounts": selectors.bank_accounts(structure),
            "used_ibans": selectors.used_ibans(structure) if is_manager else set(),
            "events": selectors.structure_events(structure) if is_manager else None,
        },
        status=status,
    )


@login_required
def profile(request: HttpRequest, pk: int) -> HttpResponse:
    """Every member reads the profile and accounts; managers change them."""
    structure = _company(request, pk)
    if request.method != "POST":
        return _profile_page(request, structure)
    form = ProfileForm(request.POST)
    if form.is_valid():
        try:
            services_profile.structure_profile_update(
                structure=structure, by=request.user, **form.cleaned_data
            )
        except StructureError as exc:
            messages.error(request, exc.message)
            return redirect("structures:profile", pk=structure.pk)
        except ValidationError as exc:
            _put_back(form, exc)
        else:
            messages.success(request, _("Profil de la structure enregistré."))
            return redirect("structures:profile", pk=structure.pk)
    return _profile_page(request, structure, profile_form=form, status=400)


@require_POST
@login_required
def account_add(request: HttpRequest, pk: int) -> HttpResponse:
    structure = _company(request, pk)
    form = BankAccountForm(request.POST)
    if form.is_valid():
        try:
            account = services_profile.bank_account_add(
                structure=structure, by=request.user, **form.cleaned_data
            )
        except StructureError as exc:
            messages.error(request, exc.message)
            return redirect("structures:profile", pk=structure.pk)
        except ValidationError as exc:
            _put_back(form, exc)
        else:
            messages.success(
                request, _("Compte « %(label)s » enregistré.") % {"label": account.label}
            )
            return redirect("structures:profile", pk=structure.pk)
    return _profile_page(request, structure, account_form=form, status=400)


@require_POST
@login_required
def account_action(request: HttpRequest, pk: int) -> HttpResponse:
    structure = _company(request, pk)
    form = BankAccountActionForm(request.POST)
    if not form.is_valid():
        raise Http404
    account_id, action = form.cleaned_data["account"], form.cleaned_data["action"]
    values = {"structure": structure, "by": request.user, "account_id": account_id}
    try:
        if action == form.DEFAULT:
            services_profile.bank_account_set_default(**values)
            said = _("Compte par défaut changé.")
        elif action == form.DELETE:
            services_profile.bank_account_delete(**values)
            said = _("Compte supprimé.")
        else:
            active = action == form.REACTIVATE
            services_profile.bank_account_set_active(**values, active=active)
            said = _("Compte réactivé.") if active else _("Compte désactivé.")
    except StructureError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, said)
    return redirect("structures:profile", pk=structure.pk)
