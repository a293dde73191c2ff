"""Two-factor login (TOTP) from « Mon compte »: enrolment (at first login when it is required),
recovery codes shown once and made again on demand, and switching it off where it is optional."""

from __future__ import annotations

from typing import Any

import django_otp
from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from accounts import selectors, services
from accounts.forms import THROTTLED_MESSAGE, TotpConfirmForm, TotpDisableForm
from accounts.http import AuthenticatedHttpRequest
from accounts.services import CodeCheck
from accounts.totp import qr_svg, secret_for_humans


def _next(request: AuthenticatedHttpRequest) -> str:
    """Where the user was going when the enrolment stopped them (a path of this site only)."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return ""


def _page(
    request: AuthenticatedHttpRequest,
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
        "required": selectors.second_factor_required(user),
        "recovery_codes_left": selectors.recovery_codes_left(user) if device else 0,
        "next": _next(request),
        "confirm_form": confirm_form or TotpConfirmForm(),
        "disable_form": disable_form or TotpDisableForm(),
    }
    if pending is not None:
        context["qr_svg"] = qr_svg(pending, label=_("QR code à scanner avec votre application"))
        context["secret"] = secret_for_humans(pending)
    return render(request, "accounts/two_factor.html", context, status=status)


def _recovery_codes_page(request: AuthenticatedHttpRequest, codes: list[str]) -> HttpResponse:
    # Rendered, not redirected: the codes are in this page only, never shown again.
    response = render(
        request, "accounts/recovery_codes.html", {"codes": codes, "next": _next(request)}
    )
    response["Cache-Control"] = "no-store"
    return response


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def two_factor(request: AuthenticatedHttpRequest) -> HttpResponse:
    """GET shows the state; POST starts a setup (a new secret to scan). A user who must have a
    second factor and has none gets the secret at once: this is their enrolment."""
    user = request.user
    if not selectors.has_two_factor(user) and (
        request.method == "POST"
        or (selectors.second_factor_required(user) and not selectors.unconfirmed_totp_device(user))
    ):
        services.totp_start(user=user)
        if request.method == "POST":
            return redirect("accounts:two_factor")
    return _page(request)


@sensitive_post_parameters("otp_token")
@login_required
@require_POST
def two_factor_confirm(request: AuthenticatedHttpRequest) -> HttpResponse:
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
            return _recovery_codes_page(
                request, services.recovery_codes_generate(user=request.user)
            )
        form.add_error(
            "otp_token",
            THROTTLED_MESSAGE if result is CodeCheck.THROTTLED else _("Code incorrect."),
        )
    return _page(request, confirm_form=form, status=400)


@login_required
@require_POST
def recovery_codes_renew(request: AuthenticatedHttpRequest) -> HttpResponse:
    """New recovery codes; the earlier ones stop working."""
    if not selectors.has_two_factor(request.user):
        return redirect("accounts:two_factor")
    return _recovery_codes_page(request, services.recovery_codes_generate(user=request.user))


@sensitive_post_parameters("otp_token", "password")
@login_required
@require_POST
def two_factor_disable(request: AuthenticatedHttpRequest) -> HttpResponse:
    if selectors.second_factor_required(request.user):
        messages.error(request, _("La double authentification est obligatoire pour votre compte."))
        return redirect("accounts:two_factor")
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
