"""Switching two-factor login (TOTP) on and off, from « Mon compte »."""

from __future__ import annotations

from typing import Any

import django_otp
from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from accounts import selectors, services
from accounts.forms import THROTTLED_MESSAGE, TotpConfirmForm, TotpDisableForm
from accounts.services import CodeCheck
from accounts.totp import qr_svg, secret_for_humans


def _page(
    request: HttpRequest,
    *,
    confirm_form: forms.Form | None = None,
    disable_form: forms.Form | None = None,
    status: int = 200,
) -> HttpResponse:
    user = request.user
    device = selectors.confirmed_totp_device(user)
    pending = None if device else selectors.unconfirmed_totp_device(user)
    context: dict[str, Any] = {
        "device": device,
        "pending": pending,
        "confirm_form": confirm_form or TotpConfirmForm(),
        "disable_form": disable_form or TotpDisableForm(),
    }
    if pending is not None:
        context["qr_svg"] = qr_svg(pending, label=_("QR code à scanner avec votre application"))
        context["secret"] = secret_for_humans(pending)
    return render(request, "accounts/two_factor.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def two_factor(request: HttpRequest) -> HttpResponse:
    """GET shows the state; POST starts a setup (a new secret to scan)."""
    if request.method == "POST" and not selectors.has_two_factor(request.user):
        services.totp_start(user=request.user)
        return redirect("accounts:two_factor")
    return _page(request)


@sensitive_post_parameters("otp_token")
@login_required
@require_POST
def two_factor_confirm(request: HttpRequest) -> HttpResponse:
    form = TotpConfirmForm(request.POST)
    if form.is_valid():
        result = services.totp_enable(user=request.user, token=form.cleaned_data["otp_token"])
        if result is CodeCheck.ACCEPTED:
            # This session has just proved the second factor.
            django_otp.login(request, selectors.confirmed_totp_device(request.user))
            messages.success(
                request,
                _("La double authentification est activée : la connexion vous demandera un code."),
            )
            return redirect("accounts:two_factor")
        form.add_error(
            "otp_token",
            THROTTLED_MESSAGE if result is CodeCheck.THROTTLED else _("Code incorrect."),
        )
    return _page(request, confirm_form=form, status=400)


@sensitive_post_parameters("otp_token", "password")
@login_required
@require_POST
def two_factor_disable(request: HttpRequest) -> HttpResponse:
    form = TotpDisableForm(request.POST)
    if form.is_valid():
        result = services.totp_disable(
            user=request.user,
            token=form.cleaned_data["otp_token"],
            password=form.cleaned_data["password"],
        )
        if result is CodeCheck.ACCEPTED:
            messages.success(request, _("La double authentification est désactivée."))
            return redirect("accounts:two_factor")
        form.add_error(
            None,
            THROTTLED_MESSAGE
            if result is CodeCheck.THROTTLED
            else _("Code ou mot de passe incorrect."),
        )
    return _page(request, disable_form=form, status=400)
