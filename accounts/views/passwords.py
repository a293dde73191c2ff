"""Django's password views, with the portal's templates, forms and namespaced URLs.

Their templates are named ``accounts/password_*.html``: the admin app, listed before this
one, ships ``registration/password_*.html`` templates that would otherwise win.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.urls import reverse_lazy

from accounts.forms import (
    AccountPasswordChangeForm,
    AccountSetPasswordForm,
    LoginEmailPasswordResetForm,
)


class PasswordChangeView(auth_views.PasswordChangeView):
    form_class = AccountPasswordChangeForm
    template_name = "accounts/password_change_form.html"
    success_url = reverse_lazy("accounts:password_change_done")


class PasswordChangeDoneView(auth_views.PasswordChangeDoneView):
    template_name = "accounts/password_change_done.html"


class PasswordResetView(auth_views.PasswordResetView):
    form_class = LoginEmailPasswordResetForm
    template_name = "accounts/password_reset_form.html"
    subject_template_name = "accounts/email/password_reset_subject.txt"
    email_template_name = "accounts/email/password_reset.txt"
    html_email_template_name = "accounts/email/password_reset.html"
    success_url = reverse_lazy("accounts:password_reset_done")

    @property
    # A property where Django has a class attribute: read at each request (see below).
    def extra_email_context(self) -> dict[str, object]:  # type: ignore[override]
        # Links are built on the configured address, not on the request's Host header; read
        # at each request, as every other e-mail reads the settings.
        return {
            "site_url": settings.SITE_URL,
            "site_title": settings.CHORUS["SITE_TITLE"],
            "max_age_minutes": settings.PASSWORD_RESET_TIMEOUT // 60,
        }


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "accounts/password_reset_done.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    form_class = AccountSetPasswordForm
    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password_reset_complete")
    # Never log in from the link: that would skip the second factor.
    post_reset_login = False


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "accounts/password_reset_complete.html"
