"""The page where a user chooses how often they hear of each of their structures."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from digests import services
from digests.forms import PreferencesForm


@login_required
def preferences(request: HttpRequest) -> HttpResponse:
    rows = services.preferences_of(request.user)
    form = PreferencesForm(rows, request.POST or None)
    if request.method == "POST" and form.is_valid():
        for membership, preference in rows:
            services.preferences_set(
                request.user, membership.pk, **form.choices_of(membership, preference)
            )
        messages.success(request, _("Vos préférences de notification sont enregistrées."))
        return redirect("digests:preferences")
    return render(request, "digests/preferences.html", {"form": form})
