"""API of accounts: a token from an e-mail and a password. Who the caller is, with their
structures (GET /api/v1/me), is ``structures.api.MeApi``: accounts knows no structure."""

from __future__ import annotations

from django.contrib.auth import authenticate
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, permissions, serializers, status
from rest_framework.response import Response

from accounts import lockout, selectors, services
from accounts.authentication import ApiTokenAuthentication
from accounts.http import AuthenticatedRequest
from accounts.models import ApiScope, User
from accounts.services import CodeCheck
from chorus.api.errors import AccountLocked
from chorus.api.throttling import AuthRateThrottle
from chorus.api.views import ApiView


class _Unauthorized(exceptions.AuthenticationFailed):
    pass


def _locked() -> AccountLocked:
    return AccountLocked(code="account_locked")


def _check_password(request: AuthenticatedRequest, email: str, password: str) -> User:
    """Django's authenticate(), so that django-axes counts failures and enforces the lockout."""
    django_request = request._request
    if lockout.is_locked_out(django_request, email):
        raise _locked()
    user = authenticate(django_request, username=email, password=password)
    if getattr(django_request, "axes_locked_out", False):
        # This failure locked the account: answer in the API's shape, not with axes' page.
        django_request.axes_locked_out = False  # type: ignore[attr-defined]
        raise _locked()
    if user is None:
        raise _Unauthorized(
            _("Adresse électronique ou mot de passe incorrect."), code="invalid_credentials"
        )
    return user


def _check_second_factor(request: AuthenticatedRequest, user: User, code: str) -> None:
    """Accounts with two-factor login give their current code too (``otp_code``); an account
    that must have a second factor and has none yet enrols in the browser first."""
    if not selectors.has_two_factor(user):
        if selectors.second_factor_required(user):
            raise _Unauthorized(
                _(
                    "Ce compte doit être protégé par la double authentification : connectez-vous "
                    "au portail pour l’activer, puis créez le jeton."
                ),
                code="otp_enrolment_required",
            )
        return
    if not code:
        raise _Unauthorized(
            _(
                "Ce compte est protégé par la double authentification : ajoutez le code de "
                "votre application (otp_code), ou créez un jeton depuis « Mon compte »."
            ),
            code="otp_required",
        )
    result = services.totp_verify(user=user, token=code)
    if result is CodeCheck.THROTTLED:
        raise exceptions.Throttled(
            detail=_("Trop d’essais rapprochés : patientez quelques secondes."),
            code="otp_throttled",
        )
    if result is CodeCheck.REFUSED:
        lockout.failure_record(request._request, user.email)
        if getattr(request._request, "axes_locked_out", False):
            # django-axes reads this flag off the request; Django's stubs do not know it.
            request._request.axes_locked_out = False  # type: ignore[attr-defined]
            raise _locked()
        raise _Unauthorized(_("Code incorrect."), code="otp_invalid")


class TokenCreateApi(ApiView):
    """Create a named API token from the account's e-mail and password."""

    # Kept so that a refusal is a 401 with its WWW-Authenticate header; no token is needed.
    authentication_classes = [ApiTokenAuthentication]
    permission_classes = [permissions.AllowAny]
    throttle_classes = [AuthRateThrottle]
    error_codes = (401,)

    class InputSerializer(serializers.Serializer):
        email = serializers.CharField(max_length=254)
        password = serializers.CharField(max_length=4096, trim_whitespace=False)
        otp_code = serializers.RegexField(
            r"^[0-9]{6}$",
            required=False,
            allow_blank=True,
            help_text="The current code of the authenticator app, for accounts with 2FA.",
        )
        name = serializers.CharField(
            max_length=100, required=False, allow_blank=True, help_text="Default: API <date>."
        )
        scopes = serializers.ListField(
            child=serializers.ChoiceField(choices=ApiScope.choices),
            required=False,
            allow_empty=False,
            help_text="What the token may do: read, deposit (a supplier's writes), process "
            "(an agent's). Default: the portal's API_TOKEN_DEFAULT_SCOPES.",
        )
        expires_on = serializers.DateField(
            required=False,
            help_text="Last day of validity (Paris time). Default: API_TOKEN_DEFAULT_DAYS "
            "from today; at most API_TOKEN_MAX_DAYS.",
        )

    class OutputSerializer(serializers.Serializer):
        token = serializers.CharField(help_text="The key: shown once, send it as `Token <key>`.")
        id = serializers.IntegerField()
        name = serializers.CharField()
        created_at = serializers.DateTimeField()
        scopes = serializers.ListField(child=serializers.CharField())
        expires_at = serializers.DateTimeField()

    @extend_schema(
        operation_id="auth_token_create",
        tags=["auth"],
        request=InputSerializer,
        responses={201: OutputSerializer},
        auth=[],
        summary="Create an API token",
        description=(
            "Checks the e-mail and password (5 failures lock the account for an hour: 429) "
            "and returns a new named token, with its scopes and end date. Accounts with "
            "two-factor login also send the current `otp_code`. The key is shown only in this "
            "answer."
        ),
    )
    def post(self, request: AuthenticatedRequest) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        user = _check_password(request, values["email"].strip(), values["password"])
        _check_second_factor(request, user, values.get("otp_code", ""))
        name = values.get("name", "").strip() or _("API %(date)s") % {
            "date": timezone.localtime().strftime("%Y-%m-%d %H:%M")
        }
        try:
            token, key = services.api_token_create(
                user=user,
                name=name,
                scopes=values.get("scopes"),
                expires_on=values.get("expires_on"),
            )
        except services.ApiTokenInvalid as refused:
            raise exceptions.ValidationError(refused.messages) from None
        except services.ApiTokenLimitReached:
            raise exceptions.ValidationError(
                {"name": [_("Vous avez déjà 20 jetons actifs : révoquez-en un d’abord.")]}
            ) from None
        # Only now is the login whole (password and code): the failures before it are forgiven.
        lockout.success_record(request._request, user)
        body = self.OutputSerializer(
            {
                "token": key,
                "id": token.pk,
                "name": token.name,
                "created_at": token.created_at,
                "scopes": token.scope_list,
                "expires_at": token.expires_at,
            }
        ).data
        return Response(body, status=status.HTTP_201_CREATED)
