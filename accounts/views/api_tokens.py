"""« Jetons d'API » in « Mon compte »: create a named token (its key shown once), revoke one."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from accounts import services
from accounts.forms import ApiTokenForm
from accounts.http import AuthenticatedHttpRequest


@never_cache
@login_required
@require_POST
def api_token_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = ApiTokenForm(request.POST)
    if not form.is_valid():
        return _refused(request, form.errors)
    data = form.cleaned_data
    try:
        token, key = services.api_token_create(
            user=request.user,
            name=data["name"],
            scopes=data["scopes"] or None,
            expires_on=data["expires_on"],
        )
    except services.ApiTokenInvalid as refused:
        return _refused(request, refused.messages)
    except services.ApiTokenLimitReached:
        messages.error(request, _("Vous avez déjà 20 jetons actifs : révoquez-en un d’abord."))
        return redirect("accounts:profile")
    # Rendered, not redirected: the key is in this page only, never stored nor shown again.
    return render(request, "accounts/api_token_created.html", {"token": token, "key": key})


@login_required
@require_POST
def api_token_revoke(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    if not services.api_token_revoke(user=request.user, token_id=pk):
        raise Http404
    messages.success(request, _("Le jeton est révoqué : il ne donne plus accès à l’API."))
    return redirect("accounts:profile")


def _refused(
    request: AuthenticatedHttpRequest, errors: Mapping[str, Sequence[object]]
) -> HttpResponse:
    """The token form's errors, field by field, above the form it came from."""
    if "name" in errors:
        messages.error(request, _("Donnez un nom au jeton (100 caractères au plus)."))
    names = {"scopes": _("Portées"), "expires_on": _("Valable jusqu’au")}
    for field, messages_of_field in errors.items():
        for message in messages_of_field if field != "name" else ():
            messages.error(request, f"{names.get(field, field)} : {message}")
    return redirect(f"{reverse('accounts:profile')}#jetons")
