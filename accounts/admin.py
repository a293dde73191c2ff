from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from accounts.models import ApiToken, TermsAcceptance, TermsVersion, User
from accounts.services import normalize_login_email
from chorus.admin import FrozenTextAdmin


class UserAdminCreationForm(AdminUserCreationForm):
    """Django's admin creation form, for a user whose login is the e-mail."""

    contact_email = forms.EmailField(
        label=_("adresse électronique de contact"),
        required=False,
        help_text=_("Laissée vide, c’est l’adresse de connexion."),
    )

    class Meta:
        model = User
        fields = ("email", "first_name", "last_name", "contact_email", "phone")

    def clean_email(self) -> str:
        # Logins match e-mails case-insensitively: two spellings must not make two accounts.
        email = normalize_login_email(self.cleaned_data["email"])
        if User.objects.filter(email__iexact=email).exists():
            raise forms.ValidationError(
                _("Un compte existe déjà avec cette adresse."), code="unique"
            )
        return email

    def clean(self) -> dict[str, Any]:
        super().clean()  # a ModelForm's: returns self.cleaned_data
        data = self.cleaned_data
        if not data.get("contact_email") and data.get("email"):
            data["contact_email"] = data["email"]
        return data


class UserAdminChangeForm(UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    form = UserAdminChangeForm
    add_form = UserAdminCreationForm
    ordering = ["email"]
    list_display = [
        "email",
        "first_name",
        "last_name",
        "is_active",
        "activated_at",
        "is_staff",
        "date_joined",
    ]
    list_filter = ["is_active", "is_staff", "is_superuser", "preferred_language"]
    search_fields = ["email", "contact_email", "first_name", "last_name"]
    readonly_fields = ["last_login", "date_joined", "activated_at"]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (
            _("Identité"),
            {"fields": ("first_name", "last_name", "contact_email", "phone", "preferred_language")},
        ),
        (
            _("Droits"),
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        (_("Dates"), {"fields": ("last_login", "date_joined", "activated_at")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": (
                    "email",
                    "first_name",
                    "last_name",
                    "contact_email",
                    "phone",
                    "usable_password",
                    "password1",
                    "password2",
                ),
            },
        ),
    )


@admin.register(TermsVersion)
class TermsVersionAdmin(FrozenTextAdmin):
    list_display = ["version", "title", "published_at"]
    search_fields = ["version", "title"]


@admin.register(TermsAcceptance)
class TermsAcceptanceAdmin(admin.ModelAdmin):
    list_display = ["user", "terms", "accepted_at", "ip_address"]
    list_filter = ["terms"]
    search_fields = ["user__email"]
    readonly_fields = ["user", "terms", "accepted_at", "ip_address", "text_sha256"]
    list_select_related = ["user", "terms"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


def _admin_login(request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
    """The admin signs in through the portal's login page.

    The admin's own login form knows nothing of the second factor: a staff member who
    switched it on could skip it there, and the session it opens is the whole portal's.
    """
    target = request.GET.get("next") or reverse("admin:index")
    return redirect(f"{reverse('accounts:login')}?{urlencode({'next': target})}")


# The admin's login is the portal's own (its second factor); the stubs call it a method.
admin.site.login = _admin_login  # type: ignore[method-assign]


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Tokens are created by their users (the key is shown to them only); admins may revoke."""

    list_display = ("name", "user", "prefix", "created_at", "last_used_at", "revoked_at")
    list_filter = (("revoked_at", admin.EmptyFieldListFilter), "created_at")
    search_fields = ("name", "prefix", "user__email")
    readonly_fields = ("user", "name", "prefix", "key_sha256", "created_at", "last_used_at")
    list_select_related = ("user",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
