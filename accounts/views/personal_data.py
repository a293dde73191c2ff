"""« Mes données personnelles » in « Mon compte »: download them (JSON), or close the account."""

from __future__ import annotations

import json

from django import forms
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_POST

from accounts import services
from accounts.http import AuthenticatedHttpRequest
from accounts.personal_data import personal_data_of


class AccountCloseForm(forms.Form):
    password = forms.CharField(
        label=gettext_lazy("Mot de passe"), strip=False, widget=forms.PasswordInput
    )
    confirm = forms.BooleanField(
        label=gettext_lazy(
            "Je comprends que la fermeture est définitive : je ne pourrai plus me connecter."
        )
    )


@never_cache
@login_required
@require_GET
def personal_data_download(request: AuthenticatedHttpRequest) -> HttpResponse:
    body = json.dumps(personal_data_of(request.user), ensure_ascii=False, indent=2)
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    name = f"chorus-donnees-personnelles-{timezone.localdate().isoformat()}.json"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@sensitive_post_parameters("password")
@login_required
@require_POST
def account_close(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = AccountCloseForm(request.POST)
    if not form.is_valid():
        messages.error(
            request, _("Saisissez votre mot de passe et cochez la case pour fermer le compte.")
        )
        return redirect("accounts:profile")
    try:
        services.user_close(user=request.user, password=form.cleaned_data["password"])
    except services.AccountCloseRefused as refused:
        messages.error(request, refused.message)
        return redirect("accounts:profile")
    logout(request)
    messages.success(
        request,
        _(
            "Votre compte est fermé. Vos données personnelles sont effacées ; les factures et "
            "leur historique sont conservés comme la loi l’exige."
        ),
    )
    return redirect("home")
