"""Forms of the accounts pages. They validate; the writes are the services' job."""

from __future__ import annotations

import logging
from datetime import date, timedelta
from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth import password_validation
from django.contrib.auth.forms import (
    AuthenticationForm,
    PasswordChangeForm,
    PasswordResetForm,
    SetPasswordForm,
    UsernameField,
)
from django.contrib.auth.hashers import check_password
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives
from django.core.validators import RegexValidator
from django.utils import timezone, translation
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _

from accounts import selectors, services
from accounts.models import ApiScope, User
from chorus.emails import render_email
from chorus.text import validate_single_line

# django-otp refuses every code for a few seconds after wrong ones (see services.CodeCheck).
THROTTLED_MESSAGE = _("Trop d’essais rapprochés : patientez quelques secondes.")

phone_validator = RegexValidator(
    r"^\+?[0-9][0-9 .()-]{5,28}$",
    _("Saisissez un numéro de téléphone valide, par exemple 01 23 45 67 89 ou +33 1 23 45 67 89."),
)

logger = logging.getLogger(__name__)


def _password_field(label: str | Any, *, autocomplete: str, required: bool = True) -> forms.Field:
    return forms.CharField(
        label=label,
        strip=False,
        required=required,
        widget=forms.PasswordInput(attrs={"autocomplete": autocomplete}),
    )


def _password_rules_text() -> str:
    return " ".join(password_validation.password_validators_help_texts())


# Lazy: the rules are worded in the language of each request, not of the import.
_password_rules = lazy(_password_rules_text, str)


def _new_password_fields() -> tuple[forms.Field, forms.Field]:
    first = _password_field(_("Mot de passe"), autocomplete="new-password")
    first.help_text = _password_rules()
    second = _password_field(_("Confirmation du mot de passe"), autocomplete="new-password")
    return first, second


class CodeField(forms.CharField):
    """The 6-digit code of an authenticator app; spaces typed between digits are ignored."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("label", _("Code à 6 chiffres"))
        kwargs.setdefault(
            "help_text", _("Le code affiché par votre application d’authentification.")
        )
        kwargs.setdefault("max_length", 12)
        super().__init__(
            widget=forms.TextInput(
                attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "size": 8}
            ),
            **kwargs,
        )

    def to_python(self, value: Any) -> str:
        return "".join(str(super().to_python(value)).split())

    def validate(self, value: Any) -> None:
        super().validate(value)
        if value and not (value.isdigit() and len(value) in (6, 8)):
            raise ValidationError(_("Le code se compose de 6 chiffres."), code="invalid")


class LoginCodeField(CodeField):
    """At login: the app's 6 digits, or one of the recovery codes (10 letters and digits)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("label", _("Code à 6 chiffres ou code de secours"))
        kwargs.setdefault(
            "help_text",
            _(
                "Le code affiché par votre application d’authentification, ou l’un de vos codes "
                "de secours (xxxxx-xxxxx) si vous n’avez plus accès à l’application."
            ),
        )
        kwargs.setdefault("max_length", 16)
        super().__init__(**kwargs)
        self.widget.attrs.update({"inputmode": "text", "size": 12, "autocapitalize": "none"})

    def validate(self, value: Any) -> None:
        forms.CharField.validate(self, value)
        recovery = services.recovery_code_normalize(value)
        if value and not (
            (value.isdigit() and len(value) in (6, 8))
            or (recovery.isalnum() and len(recovery) == services.RECOVERY_CODE_LENGTH)
        ):
            raise ValidationError(
                _("Saisissez les 6 chiffres de l’application ou un code de secours."),
                code="invalid",
            )


# --- Registration -----------------------------------------------------------------------------
class RegistrationForm(forms.Form):
    email = forms.EmailField(
        label=_("Adresse électronique de connexion"),
        help_text=_("Elle vous servira d’identifiant. Format attendu : nom@domaine.fr"),
        widget=forms.EmailInput(attrs={"autocomplete": "username"}),
    )
    contact_email = forms.EmailField(
        label=_("Adresse électronique de contact (facultatif)"),
        required=False,
        help_text=_(
            "Reçoit le lien d’activation et les notifications. "
            "Laissée vide, c’est l’adresse de connexion."
        ),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    first_name = forms.CharField(
        label=_("Prénom"),
        max_length=150,
        validators=[validate_single_line],
        widget=forms.TextInput(attrs={"autocomplete": "given-name"}),
    )
    last_name = forms.CharField(
        label=_("Nom"),
        max_length=150,
        validators=[validate_single_line],
        widget=forms.TextInput(attrs={"autocomplete": "family-name"}),
    )
    phone = forms.CharField(
        label=_("Téléphone (facultatif)"),
        required=False,
        max_length=30,
        validators=[phone_validator],
        widget=forms.TextInput(attrs={"autocomplete": "tel", "type": "tel"}),
    )
    password1, password2 = _new_password_fields()
    accept_terms = forms.BooleanField(
        label=_("J’ai lu et j’accepte les conditions générales d’utilisation."),
        error_messages={
            "required": _("Acceptez les conditions générales d’utilisation pour créer un compte.")
        },
    )

    def clean(self) -> dict[str, Any]:
        super().clean()  # forms.Form's: returns self.cleaned_data
        data = self.cleaned_data
        password1, password2 = data.get("password1"), data.get("password2")
        if password1 and password2 and password1 != password2:
            self.add_error("password2", _("Les deux mots de passe ne sont pas identiques."))
        if password1:
            # The similarity validator compares the password with the names and addresses.
            candidate = User(
                email=data.get("email") or "",
                contact_email=data.get("contact_email") or "",
                first_name=data.get("first_name") or "",
                last_name=data.get("last_name") or "",
            )
            try:
                password_validation.validate_password(password1, candidate)
            except ValidationError as error:
                self.add_error("password1", error)
        return data


class ResendActivationForm(forms.Form):
    email = forms.EmailField(
        label=_("Adresse électronique de connexion"),
        widget=forms.EmailInput(attrs={"autocomplete": "username"}),
    )


# --- Login ------------------------------------------------------------------------------------
class LoginForm(AuthenticationForm):
    username = UsernameField(
        label=_("Adresse électronique"),
        widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "username"}),
    )
    password = _password_field(_("Mot de passe"), autocomplete="current-password")

    error_messages = {
        "invalid_login": _("Adresse électronique ou mot de passe incorrect."),
        "inactive": _("Ce compte est désactivé."),
        "not_activated": _(
            "Votre compte n’est pas encore activé : cliquez sur le lien reçu par courriel "
            "à votre adresse de contact."
        ),
        "disabled": _("Ce compte est désactivé. Contactez le support pour le réactiver."),
    }

    def __init__(self, request: Any = None, *args: Any, **kwargs: Any) -> None:
        super().__init__(request, *args, **kwargs)
        self.not_activated = False

    def get_invalid_login_error(self) -> ValidationError:
        """Tells an inactive account apart, but only to someone who knows its password.

        The authentication backends refuse inactive accounts as they refuse a wrong password.
        Checking the password here (without the side effect of upgrading its hash) lets a
        user who registered but did not activate learn why, and ask for a new link. The
        failure has already been counted for the lockout; once locked, nothing is checked.
        """
        if getattr(self.request, "axes_locked_out", False):
            return super().get_invalid_login_error()
        user = selectors.user_by_login_email(self.cleaned_data.get("username") or "")
        password = self.cleaned_data.get("password") or ""
        if user is None or user.is_active or not check_password(password, user.password):
            return super().get_invalid_login_error()
        if user.awaits_activation:
            self.not_activated = True
            return ValidationError(self.error_messages["not_activated"], code="not_activated")
        return ValidationError(self.error_messages["disabled"], code="disabled")


class LoginCodeForm(forms.Form):
    otp_token = LoginCodeField()


# --- Passwords --------------------------------------------------------------------------------
class LoginEmailPasswordResetForm(PasswordResetForm):
    """Asks for the login e-mail; the link goes to the account's contact e-mail."""

    email = forms.EmailField(
        label=_("Adresse électronique de connexion"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "username", "autofocus": True}),
    )

    def get_users(self, email: str) -> list[User]:
        user = selectors.user_by_login_email(email)
        if user is None or not user.is_active or not user.has_usable_password():
            return []
        return [user]

    def send_mail(
        self,
        subject_template_name,
        email_template_name,
        context,
        from_email,
        to_email,
        html_email_template_name=None,
    ) -> None:
        # Django's own renders the subject with HTML escaping; chorus.emails does not.
        with translation.override(context["user"].preferred_language):
            subject, text, html = render_email(
                subject=subject_template_name,
                text=email_template_name,
                html=html_email_template_name or "",
                context=context,
            )
        message = EmailMultiAlternatives(subject, text, from_email, [to_email])
        if html:
            message.attach_alternative(html, "text/html")
        try:
            message.send()
        except Exception:  # any transport error: the user can ask for the e-mail again
            logger.exception("Password reset e-mail to user %s not sent", context["user"].pk)


class AccountSetPasswordForm(SetPasswordForm):
    new_password1, new_password2 = _new_password_fields()

    def save(self, commit: bool = True) -> User:
        services.user_password_reset(user=self.user, password=self.cleaned_data["new_password1"])
        return self.user


class AccountPasswordChangeForm(PasswordChangeForm):
    old_password = _password_field(_("Mot de passe actuel"), autocomplete="current-password")
    new_password1, new_password2 = _new_password_fields()

    error_messages = {
        **PasswordChangeForm.error_messages,
        "password_mismatch": _("Les deux mots de passe ne sont pas identiques."),
        "password_incorrect": _("Le mot de passe actuel est incorrect."),
    }

    def save(self, commit: bool = True) -> User:
        services.user_password_change(user=self.user, password=self.cleaned_data["new_password1"])
        return self.user


# --- Profile ----------------------------------------------------------------------------------
class ProfileForm(forms.Form):
    first_name = forms.CharField(
        label=_("Prénom"), max_length=150, validators=[validate_single_line]
    )
    last_name = forms.CharField(label=_("Nom"), max_length=150, validators=[validate_single_line])
    contact_email = forms.EmailField(
        label=_("Adresse électronique de contact"),
        help_text=_("Reçoit les notifications et les liens de réinitialisation du mot de passe."),
    )
    phone = forms.CharField(
        label=_("Téléphone (facultatif)"),
        required=False,
        max_length=30,
        validators=[phone_validator],
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
    )
    preferred_language = forms.ChoiceField(label=_("Langue"), choices=settings.LANGUAGES)
    current_password = _password_field(
        _("Mot de passe actuel"), autocomplete="current-password", required=False
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        self.user = user
        kwargs.setdefault(
            "initial",
            {
                "first_name": user.first_name,
                "last_name": user.last_name,
                "contact_email": user.contact_email,
                "phone": user.phone,
                "preferred_language": user.preferred_language,
            },
        )
        super().__init__(*args, **kwargs)
        self.fields["current_password"].help_text = _(
            "Demandé seulement pour changer l’adresse de contact, "
            "car les liens de réinitialisation du mot de passe y sont envoyés."
        )

    def clean(self) -> dict[str, Any]:
        super().clean()  # forms.Form's: returns self.cleaned_data
        data = self.cleaned_data
        new_address = (data.get("contact_email") or "").lower()
        changed = bool(new_address) and new_address != self.user.contact_email.lower()
        if changed and not check_password(data.get("current_password") or "", self.user.password):
            self.add_error(
                "current_password",
                _("Saisissez votre mot de passe actuel pour changer l’adresse de contact."),
            )
        return data


# --- Second factor ----------------------------------------------------------------------------
class TotpConfirmForm(forms.Form):
    otp_token = CodeField()


class TotpDisableForm(forms.Form):
    otp_token = CodeField(required=False)
    password = _password_field(
        _("ou votre mot de passe"), autocomplete="current-password", required=False
    )

    def clean(self) -> dict[str, Any]:
        super().clean()  # forms.Form's: returns self.cleaned_data
        data = self.cleaned_data
        if not self.errors and not data.get("otp_token") and not data.get("password"):
            raise ValidationError(
                _("Saisissez un code de votre application ou votre mot de passe."),
                code="required",
            )
        return data


def _default_expiry() -> date:
    return timezone.localdate() + timedelta(days=settings.API_TOKEN_DEFAULT_DAYS)


class ApiTokenForm(forms.Form):
    name = forms.CharField(
        label=_("Nom du jeton"),
        max_length=100,
        help_text=_("Pour le reconnaître, par exemple « Logiciel de comptabilité »."),
    )
    scopes = forms.MultipleChoiceField(
        label=_("Portées"),
        choices=ApiScope.choices,
        widget=forms.CheckboxSelectMultiple,
        initial=lambda: settings.API_TOKEN_DEFAULT_SCOPES,
        required=False,  # none sent: the defaults, as through the API
    )
    expires_on = forms.DateField(
        label=_("Valable jusqu’au"),
        initial=_default_expiry,
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=lazy(
            lambda: (
                _("Au plus %(days)s jours à partir d’aujourd’hui.")
                % {"days": settings.API_TOKEN_MAX_DAYS}
            ),
            str,
        )(),
    )
