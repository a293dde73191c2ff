"""« Mon compte »: identity, contact address, phone, language, and links to the rest."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from accounts import selectors, services
from accounts.forms import ApiTokenForm, ProfileForm
from accounts.http import AuthenticatedHttpRequest
from accounts.views.common import remember_language
from accounts.views.personal_data import AccountCloseForm


@sensitive_post_parameters("current_password")
@login_required
@require_http_methods(["GET", "POST"])
def profile(request: AuthenticatedHttpRequest) -> HttpResponse:
    user = request.user
    form = ProfileForm(request.POST or None, user=user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        services.user_update_profile(
            user=user,
            first_name=data["first_name"],
            last_name=data["last_name"],
            contact_email=data["contact_email"],
            phone=data["phone"],
            preferred_language=data["preferred_language"],
        )
        language = data["preferred_language"]
        with translation.override(language):
            messages.success(request, _("Vos informations sont enregistrées."))
        return remember_language(redirect("accounts:profile"), language)
    return render(
        request,
        "accounts/profile.html",
        {
            "form": form,
            "acceptances": selectors.terms_acceptances_of(user),
            "has_two_factor": selectors.has_two_factor(user),
            "api_tokens": selectors.api_tokens_of(user),
            "api_token_form": ApiTokenForm(),
            "close_form": AccountCloseForm(),
            "retention_years": settings.RETENTION_YEARS,
        },
    )
