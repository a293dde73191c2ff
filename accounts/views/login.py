"""Login in one or two steps: the password, then a code (or a recovery code) for users with 2FA.

A user who must have a second factor and has none yet is logged in after the password, and
``SecondFactorMiddleware`` takes them to the enrolment before anything else.

Between the steps the user is NOT logged in: the session only holds who passed the password
step, where they were going, and since when (``PENDING_KEY``). The code step logs in.
"""

from __future__ import annotations

import time
from typing import Any

import django_otp
from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods
from django_otp.models import Device

from accounts import lockout, selectors, services
from accounts.forms import THROTTLED_MESSAGE, LoginCodeForm, LoginForm
from accounts.models import User
from accounts.services import CodeCheck
from accounts.views.common import language_at_login

PENDING_KEY = "accounts_pending_login"
# Time allowed between the password and the code; after it the password is asked again.
PENDING_MAX_AGE = 5 * 60


class LoginView(auth_views.LoginView):
    form_class = LoginForm
    template_name = "registration/login.html"

    # LoginView's form is always form_class, narrower than the stubs' AuthenticationForm.
    def form_valid(self, form: LoginForm) -> HttpResponse:  # type: ignore[override]
        user = form.get_user()
        if not selectors.has_two_factor(user):
            return language_at_login(self.request, super().form_valid(form), user)
        session = self.request.session
        session.cycle_key()
        session[PENDING_KEY] = {
            "user_id": user.pk,
            "backend": user.backend,
            # get_success_url() keeps only a `next` on this site, else the default page.
            "next": self.get_success_url(),
            "since": int(time.time()),
        }
        return redirect("accounts:login_otp")


def _pending_user(request: HttpRequest) -> tuple[User, dict[str, Any]] | None:
    pending = request.session.get(PENDING_KEY)
    if not isinstance(pending, dict) or time.time() - pending.get("since", 0) > PENDING_MAX_AGE:
        return None
    user_id = pending.get("user_id")
    user = User.objects.filter(pk=user_id, is_active=True).first() if user_id else None
    if user is None or not selectors.has_two_factor(user):
        return None
    return user, pending


@sensitive_post_parameters("otp_token")
@csrf_protect
@never_cache
@require_http_methods(["GET", "POST"])
def login_otp(request: HttpRequest) -> HttpResponse:
    found = _pending_user(request)
    if found is None:
        request.session.pop(PENDING_KEY, None)
        messages.info(request, _("Saisissez votre adresse électronique et votre mot de passe."))
        return redirect("accounts:login")
    user, pending = found
    if lockout.is_locked_out(request, user.email):
        request.session.pop(PENDING_KEY, None)
        return lockout.lockout_response(request, user.email)
    form = LoginCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        result, device = services.second_factor_verify(
            user=user, token=form.cleaned_data["otp_token"]
        )
        if result is CodeCheck.ACCEPTED and device is not None:
            return _complete_login(request, user, pending, device)
        if result is CodeCheck.THROTTLED:
            form.add_error("otp_token", THROTTLED_MESSAGE)
        else:
            # Counted with the password failures: the lockout bounds guesses at the code too.
            lockout.failure_record(request, user.email)
            form.add_error("otp_token", _("Code incorrect."))
            if getattr(request, "axes_locked_out", False):
                request.session.pop(PENDING_KEY, None)  # the middleware answers with the lockout
    return render(request, "accounts/login_otp.html", {"form": form})


def _complete_login(
    request: HttpRequest, user: User, pending: dict[str, Any], device: Device
) -> HttpResponse:
    del request.session[PENDING_KEY]
    auth_login(request, user, backend=pending["backend"])
    django_otp.login(request, device)
    return language_at_login(request, HttpResponseRedirect(pending["next"]), user)
