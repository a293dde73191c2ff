"""Creating an account, activating it with the e-mailed link, asking for a new link."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods

from accounts import selectors, services
from accounts.forms import RegistrationForm, ResendActivationForm
from accounts.services import ActivationOutcome
from accounts.views.common import client_ip, current_language


def _minutes() -> dict[str, int]:
    return {"activation_minutes": settings.ACCOUNT_ACTIVATION_MAX_AGE // 60}


@sensitive_post_parameters("password1", "password2")
@require_http_methods(["GET", "POST"])
def register(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("accounts:profile")
    form = RegistrationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        services.user_register(
            email=data["email"],
            contact_email=data["contact_email"],
            first_name=data["first_name"],
            last_name=data["last_name"],
            phone=data["phone"],
            password=data["password1"],
            language=current_language(),
            ip_address=client_ip(request),
        )
        # The same answer whether the address was new or not (see user_register).
        return redirect("accounts:register_done")
    return render(
        request,
        "accounts/register.html",
        {"form": form, "terms": selectors.current_terms(), **_minutes()},
    )


@require_GET
def register_done(request: HttpRequest) -> HttpResponse:
    return render(request, "accounts/register_done.html", _minutes())


@require_GET
def activate(request: HttpRequest, token: str) -> HttpResponse:
    outcome = services.user_activate(token=token)
    if outcome is ActivationOutcome.ACTIVATED:
        messages.success(request, _("Votre compte est activé. Vous pouvez vous connecter."))
        return redirect("accounts:login")
    if outcome is ActivationOutcome.ALREADY_ACTIVATED:
        messages.info(request, _("Ce compte est déjà activé : connectez-vous."))
        return redirect("accounts:login")
    expired = outcome is ActivationOutcome.EXPIRED
    return render(
        request,
        "accounts/activation_failed.html",
        {"expired": expired, "form": ResendActivationForm(), **_minutes()},
        status=410 if expired else 400,
    )


@require_http_methods(["GET", "POST"])
def resend_activation(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        form = ResendActivationForm(request.POST)
        if form.is_valid():
            services.user_activation_resend(email=form.cleaned_data["email"])
            return redirect("accounts:resend_activation_done")
    else:
        form = ResendActivationForm(initial={"email": request.GET.get("email", "")})
    return render(request, "accounts/resend_activation.html", {"form": form})


@require_GET
def resend_activation_done(request: HttpRequest) -> HttpResponse:
    return render(request, "accounts/resend_activation_done.html", _minutes())
